package changeset

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// Input is what planning reads besides the finding: the graph the finding
// was found on, the role catalog, the IAM policies of the inventory (the
// graph keeps bindings as edges, not whole policies with their etags) and the
// recommender's output.
type Input struct {
	Graph *graph.Graph
	Roles *iam.Catalog
	// Policies returns the IAM policy of the resource with the given CAI full
	// name, as read from the inventory.
	Policies        func(resourceName string) (*iam.Policy, bool)
	Recommendations []inventory.Recommendation
	Insights        []inventory.Insight
	// Findings are the other findings of the same scan: a plan that fixes
	// several of them at once says so (ChangeSet.Fixes), and proposing any
	// of them offers that one plan. nil plans the finding alone.
	Findings []rules.Finding
}

// PoliciesOf returns a Policies function over the assets of an inventory.
func PoliciesOf(inv *inventory.Inventory) func(string) (*iam.Policy, bool) {
	by := make(map[string]*iam.Policy, len(inv.Assets))
	for _, a := range inv.Assets {
		if a.IAMPolicy != nil {
			by[a.Name] = a.IAMPolicy
		}
	}
	return func(name string) (*iam.Policy, bool) {
		p, ok := by[name]
		return p, ok
	}
}

// ErrNoPlanner is returned by Plan for a finding of a check it does not know.
var ErrNoPlanner = errors.New("changeset: no planner for this check")

// planners maps each check slug of rules.All to its planner.
var planners = map[string]func(*planner) error{
	"runtime-default-sa":          planRuntimeDefaultSA,
	"runtime-basic-role":          planRuntimeBasicRole,
	"runtime-privileged":          planRuntimePrivileged,
	"runtime-shared-sa":           planRuntimeSharedSA,
	"runtime-sa-key":              planRuntimeSAKey,
	"runtime-unused-permissions":  planRuntimeUnusedPermissions,
	"runtime-project-scope-grant": planRuntimeProjectScopeGrant,
	"invoker-public":              planInvokerPublic,
	"invoker-iam-disabled":        planInvokerIAMDisabled,
	"invoker-broad-scope":         planInvokerBroadScope,
	"ingress-open-internal":       planIngressOpenInternal,
	"iap-bypass":                  planIAPBypass,
	"human-access-without-iap":    planHumanAccessWithoutIAP,
	"egress-not-restricted":       planEgressNotRestricted,
	"binauthz-not-enforced":       planBinAuthzNotEnforced,
	"image-not-pinned":            planImageNotPinned,
	"image-untrusted-registry":    planImageUntrustedRegistry,
	"env-plaintext-secret":        planEnvPlaintextSecret,
	"push-unauthenticated":        planPushUnauthenticated,
	"scheduler-unauthenticated":   planSchedulerUnauthenticated,
	"caller-default-sa":           planCallerDefaultSA,
	"runtime-sa-impersonable":     planRuntimeSAImpersonable,
	"sa-user-project-level":       planSAUserProjectLevel,
	"bucket-public":               planBucketPublic,
	"bucket-acl-mode":             planBucketACLMode,
	"legacy-storage-role":         planLegacyStorageRole,
	"kms-broad-scope":             planKMSBroadScope,
	"sql-open-network":            planSQLOpenNetwork,
	"deleted-principal-binding":   planDeletedPrincipalBinding,
	"iap-extra-invoker":           planIAPExtraInvoker,
}

// Planned reports whether Plan has a planner for the check slug.
func Planned(slug string) bool {
	_, ok := planners[slug]
	return ok
}

// Plan returns the change set that fixes f, planned on in. It is a pure
// function: same input, same change set. Every check of rules.All has a
// planner; for some checks (or some shapes of a finding) the plan is, partly
// or wholly, instructions for a person, and says so with Manual.
func Plan(in Input, f rules.Finding) (ChangeSet, error) {
	fn, ok := planners[f.Check]
	if !ok {
		return ChangeSet{}, fmt.Errorf("%w: %q", ErrNoPlanner, f.Check)
	}
	if in.Graph == nil {
		return ChangeSet{}, errors.New("changeset: plan: no graph")
	}
	if d, ok := workloadPlanOf(in, f); ok {
		// The plan its workload or its identity's lead finding makes, if
		// that plan does fix f; else f's own.
		if cs, err := plan(in, d, planners[d.Check]); err == nil && slices.Contains(cs.Fixes, f.ID) {
			return cs, nil
		}
		alone := in
		alone.Findings = nil
		return plan(alone, f, fn)
	}
	return plan(in, f, fn)
}

// plan plans f with fn, then merges the plans of f's sibling findings and
// lists what else it fixes (see plan_workload.go).
func plan(in Input, f rules.Finding, fn func(*planner) error) (ChangeSet, error) {
	p := &planner{in: in, g: in.Graph, f: f, cs: ChangeSet{Fixes: []string{f.ID}}, added: map[string]bool{}}
	if err := fn(p); err != nil {
		return ChangeSet{}, fmt.Errorf("changeset: plan %s for %s: %w", f.Check, f.Subject, err)
	}
	if err := p.withSiblings(); err != nil {
		return ChangeSet{}, fmt.Errorf("changeset: plan %s for %s: %w", f.Check, f.Subject, err)
	}
	p.alsoFixes()
	if len(p.cs.Steps) == 0 {
		return ChangeSet{}, fmt.Errorf("changeset: plan %s for %s: no steps", f.Check, f.Subject)
	}
	for _, s := range p.cs.Steps {
		if s.Kind == KindManual {
			p.cs.Manual = true
		}
	}
	if len(p.cs.Etags) == 0 {
		p.cs.Etags = nil
	}
	if len(p.cs.Before) == 0 {
		p.cs.Before = nil
	}
	if err := p.cs.Validate(); err != nil {
		return ChangeSet{}, fmt.Errorf("changeset: plan %s for %s: %w", f.Check, f.Subject, err)
	}
	return p.cs, nil
}

// planner accumulates one change set.
type planner struct {
	in    Input
	g     *graph.Graph
	f     rules.Finding
	cs    ChangeSet
	added map[string]bool // binding steps already planned
	ids   map[string]string
}

func (p *planner) step(s Step) { p.cs.Steps = append(p.cs.Steps, s) }

// manual plans a manual step. The format's own line breaks are kept; string
// arguments (names from the inventory) are put on one line, so that they
// cannot forge lines of the instructions.
func (p *planner) manual(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = oneLine(s)
		}
	}
	p.step(Step{Kind: KindManual, Text: fmt.Sprintf(format, args...)})
}

func (p *planner) risk(format string, args ...any) {
	r := fmt.Sprintf(format, args...)
	if !slices.Contains(p.cs.Risk, r) {
		p.cs.Risk = append(p.cs.Risk, r)
	}
}

// bindingTarget is a resource whose IAM policy a step changes: the name the
// step uses, the name its policy is looked up under, and its project ID.
type bindingTarget struct {
	Resource, Lookup, Project string
}

// target returns the binding target for a graph node ID (the Via of an edge).
func (p *planner) target(id string) bindingTarget {
	n, ok := p.g.Node(id)
	if !ok {
		n, ok = p.g.Node(p.canonical(id))
	}
	if !ok {
		return bindingTarget{Resource: id, Lookup: id, Project: p.projectIDOf(id)}
	}
	t := bindingTarget{Resource: n.ID, Lookup: n.ID, Project: n.Project}
	if n.Name != "" {
		t.Lookup = n.Name
	}
	if n.Kind == graph.KindServiceAccount {
		email := saEmail(n)
		proj := n.Project
		if proj == "" {
			proj = emailProject(email)
		}
		t.Resource, t.Project = serviceAccountResource(proj, email), proj
	}
	if n.Kind == graph.KindProject {
		t.Project = n.Project
	}
	return t
}

// projectIDOf returns the project ID a resource name lives in, mapping a
// project number to its ID where the graph knows both.
func (p *planner) projectIDOf(name string) string {
	pr := seg(name, "projects")
	if pr == "" {
		return ""
	}
	if n, ok := p.g.Node(crm + "projects/" + pr); ok && n.Project != "" {
		return n.Project
	}
	return pr
}

// canonical rewrites "projects/ID" in a resource name to "projects/NUMBER"
// where the graph knows the number, so names written either way compare.
func (p *planner) canonical(name string) string {
	if p.ids == nil {
		p.ids = map[string]string{}
		for _, n := range p.g.NodesOf(graph.KindProject) {
			if num := strings.TrimPrefix(n.ID, crm+"projects/"); n.Project != "" && n.Project != num {
				p.ids[n.Project] = num
			}
		}
	}
	i := strings.Index(name, "projects/")
	if i < 0 {
		return name
	}
	rest := name[i+len("projects/"):]
	id, tail, hasTail := strings.Cut(rest, "/")
	num, ok := p.ids[id]
	if !ok {
		return name
	}
	if hasTail {
		return name[:i] + "projects/" + num + "/" + tail
	}
	return name[:i] + "projects/" + num
}

func (p *planner) sameResource(a, b string) bool { return p.canonical(a) == p.canonical(b) }

// policy returns the inventory's IAM policy of t.
func (p *planner) policy(t bindingTarget) (iam.Policy, bool) {
	if p.in.Policies == nil {
		return iam.Policy{}, false
	}
	for _, name := range []string{t.Lookup, t.Resource} {
		if pol, ok := p.in.Policies(name); ok && pol != nil {
			return *pol, true
		}
	}
	return iam.Policy{}, false
}

// touch records the policy of t as planned against.
func (p *planner) touch(t bindingTarget) {
	if p.cs.Before == nil {
		p.cs.Before, p.cs.Etags = map[string]iam.Policy{}, map[string]string{}
	}
	if _, done := p.cs.Before[t.Resource]; done {
		return
	}
	pol, ok := p.policy(t)
	if ok {
		p.cs.Etags[t.Resource] = pol.Etag
	}
	p.cs.Before[t.Resource] = canonicalPolicy(pol)
}

// condition returns the full condition (title and description included) of
// the binding of role to member with expression expr on t, from the policy
// or the graph.
func (p *planner) condition(t bindingTarget, via, role, member, expr string) *iam.Condition {
	if expr == "" {
		return nil
	}
	if pol, ok := p.policy(t); ok {
		for _, b := range pol.Bindings {
			if b.Role == role && b.Condition != nil && b.Condition.Expression == expr && slices.ContainsFunc(b.Members, func(m string) bool {
				return iam.ParseMember(m).ID() == iam.ParseMember(member).ID()
			}) {
				c := *b.Condition
				return &c
			}
		}
	}
	for _, e := range p.g.Out(iam.ParseMember(member).ID()) {
		if e.Via == via && e.Role == role && e.Condition == expr && e.CondTitle != "" {
			return &iam.Condition{Title: e.CondTitle, Expression: expr}
		}
	}
	return &iam.Condition{Expression: expr}
}

// memberAsWritten returns member as the policy of t spells it (policies keep
// the case the grant was made with; the graph lower-cases emails).
func (p *planner) memberAsWritten(t bindingTarget, role, member string) string {
	pol, ok := p.policy(t)
	if !ok {
		return member
	}
	id := iam.ParseMember(member).ID()
	for _, b := range pol.Bindings {
		if b.Role != role {
			continue
		}
		for _, m := range b.Members {
			if iam.ParseMember(m).ID() == id {
				return m
			}
		}
	}
	return member
}

// remove plans removing role from member on the resource with node ID via.
func (p *planner) remove(via, role, member, expr, note string) {
	t := p.target(via)
	member = p.memberAsWritten(t, role, member)
	key := "-" + t.Resource + "\x00" + role + "\x00" + member + "\x00" + expr
	if p.added[key] {
		return
	}
	p.added[key] = true
	p.touch(t)
	p.step(Step{Kind: KindRemoveBinding, Resource: t.Resource, ResourceType: ResourceType(t.Resource), Role: role,
		Member: member, Condition: p.condition(t, via, role, member, expr), Project: t.Project, Note: note})
}

// removeEvidence plans removing an evidence binding.
func (p *planner) removeEvidence(b rules.BindingEvidence, note string) {
	p.remove(b.Via, b.Role, b.Member, b.Condition, note)
}

// add plans granting role to member on t (unconditionally).
func (p *planner) add(t bindingTarget, role, member, note string) {
	key := "+" + t.Resource + "\x00" + role + "\x00" + member
	if p.added[key] {
		return
	}
	p.added[key] = true
	p.touch(t)
	p.step(Step{Kind: KindAddBinding, Resource: t.Resource, ResourceType: ResourceType(t.Resource), Role: role,
		Member: member, Project: t.Project, Note: note})
}

// holds reports whether the policy of t already grants role to member
// unconditionally.
func (p *planner) holds(t bindingTarget, role, member string) bool {
	pol, ok := p.policy(t)
	return ok && slices.ContainsFunc(pol.Bindings, func(b iam.Binding) bool {
		return b.Role == role && b.Condition == nil && slices.ContainsFunc(b.Members, func(m string) bool {
			return iam.ParseMember(m).ID() == iam.ParseMember(member).ID()
		})
	})
}

// label is how the plan's prose names a node ID or IAM member: the
// console's display name in a sentence (names.Of, Phrase), such as "project
// pdf-convert-prod", "service pdf-worker (pdf-convert-prod · us-central1)"
// or "group devs@example.com". The steps keep the full names.
func (p *planner) label(id string) string {
	if _, ok := p.g.Node(id); !ok && strings.HasPrefix(id, "//") {
		if c := p.canonical(id); c != id {
			if _, ok := p.g.Node(c); ok {
				id = c
			}
		}
	}
	return names.Of(p.g, id).Phrase()
}

// labels names up to n node IDs for the prose, joined with commas, and
// counts the rest ("and 3 more").
func (p *planner) labels(ids []string, n int) string {
	out := make([]string, 0, min(len(ids), n)+1)
	for _, id := range ids[:min(len(ids), n)] {
		out = append(out, p.label(id))
	}
	if len(ids) > n {
		out = append(out, fmt.Sprintf("and %d more", len(ids)-n))
	}
	return strings.Join(out, ", ")
}

// subject returns the finding's subject node.
func (p *planner) subject() (*graph.Node, error) {
	n, ok := p.g.Node(p.f.Subject)
	if !ok {
		return nil, fmt.Errorf("subject %s is not in the graph", p.f.Subject)
	}
	return n, nil
}

// workload returns the finding's subject as a workload with its typed view.
func (p *planner) workload() (*graph.Node, *inventory.Workload, error) {
	n, err := p.subject()
	if err != nil {
		return nil, nil, err
	}
	w, ok := n.Data.(*inventory.Workload)
	if !n.Kind.IsWorkload() || !ok || w == nil {
		return nil, nil, fmt.Errorf("subject %s is not a Cloud Run service or job with a configuration", n.ID)
	}
	return n, w, nil
}

// runtimeSA returns the runtime identity node of a workload.
func (p *planner) runtimeSA(id string) (*graph.Node, bool) {
	for _, e := range p.g.Out(id, graph.RunsAs) {
		if n, ok := p.g.Node(e.To); ok {
			return n, true
		}
	}
	return nil, false
}

// saEmail returns the email of a service account node.
func saEmail(n *graph.Node) string {
	if sa, ok := n.Data.(*inventory.ServiceAccount); ok && sa != nil && sa.Email != "" {
		return strings.ToLower(sa.Email)
	}
	return strings.TrimPrefix(n.ID, "serviceAccount:")
}

// workloadsRunningAs returns the workloads running as principal id, sorted.
func (p *planner) workloadsRunningAs(id string) []string {
	var out []string
	for _, e := range p.g.In(id, graph.RunsAs) {
		out = append(out, e.From)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// projectOf returns the project node id lives in.
func (p *planner) projectOf(id string) (*graph.Node, bool) { return p.g.ProjectOf(id) }

// fieldValues returns the values of the finding's evidence fields named name.
func (p *planner) fieldValues(name string) []string {
	var out []string
	for _, f := range p.f.Evidence.Fields {
		if f.Field == name {
			out = append(out, f.Value)
		}
	}
	return out
}

// exercised returns the permissions open policy insights show member used
// (exercised or inferred), with the insights' descriptions of where.
func (p *planner) exercised(member string) (perms []string, where []string) {
	id := iam.ParseMember(member).ID()
	for _, in := range p.in.Insights {
		if in.Type != "google.iam.policy.Insight" || iam.ParseMember(in.Member).ID() != id || !openState(in.State) {
			continue
		}
		used := slices.Concat(in.Exercised, in.Inferred)
		perms = append(perms, used...)
		where = append(where, fmt.Sprintf("%s on %s: %d permissions used (%s)", in.Role, p.label(p.canonical(in.Resource)), len(used), strings.Join(firstN(used, 8), ", ")))
	}
	slices.Sort(perms)
	return slices.Compact(perms), where
}

// openState reports whether a recommender state still calls for action.
func openState(s string) bool { return s == "" || s == "ACTIVE" || s == "CLAIMED" }

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}

// uncovered returns the permissions of perms that none of roles grants.
func (p *planner) uncovered(perms []string, roles []string) []string {
	var out []string
	for _, perm := range perms {
		covered := false
		for _, r := range roles {
			if role, ok := p.in.Roles.Lookup(r); ok && role.Has(perm) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, perm)
		}
	}
	return out
}

// recommendation returns the open recommendation that targets the binding of
// role to member on the resource via, if any.
func (p *planner) recommendation(via, role, member string) (inventory.Recommendation, bool) {
	id := iam.ParseMember(member).ID()
	for _, rc := range p.in.Recommendations {
		if openState(rc.State) && rc.RemoveRole == role && iam.ParseMember(rc.Member).ID() == id && p.sameResource(rc.Resource, via) {
			return rc, true
		}
	}
	return inventory.Recommendation{}, false
}

// accountFor picks a service account ID in project for a dedicated identity of
// the resource named base: base-suffix, or, when that account exists and
// usable says it cannot be reused, a variant carrying a short hash of key.
// exists reports whether the account picked already exists (to be reused).
func (p *planner) accountFor(project, base, suffix, key string, usable func(*graph.Node) bool) (id, email string, exists bool) {
	for i := 0; i < 4; i++ {
		b := base
		if i > 0 {
			b = base + "-" + shortHash(fmt.Sprint(key, "\x00", i))
		}
		id = AccountID(b, suffix)
		email = id + "@" + project + ".iam.gserviceaccount.com"
		n, ok := p.g.Node("serviceAccount:" + email)
		if !ok {
			return id, email, false
		}
		if usable(n) {
			return id, email, true
		}
	}
	// Four names taken by accounts serving other workloads: the last is
	// reused, and the risk says so.
	p.risk("Service account %s already exists and serves other workloads: pick another name before applying.", email)
	return id, email, true
}
