package changeset

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// binding is one IAM binding of a principal, as the graph shows it.
type binding struct {
	Via, Role, Condition string
}

// directBindings returns the distinct bindings granted to principal id,
// sorted by resource, role and condition.
func (p *planner) directBindings(id string) []binding {
	seen := map[binding]bool{}
	var out []binding
	for _, e := range p.g.Out(id, graph.HasRole, graph.CanInvoke, graph.CanActAs) {
		b := binding{Via: e.Via, Role: e.Role, Condition: e.Condition}
		if b.Via == "" || b.Role == "" || seen[b] {
			continue
		}
		seen[b] = true
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b binding) int {
		return cmp.Or(strings.Compare(a.Via, b.Via), strings.Compare(a.Role, b.Role), strings.Compare(a.Condition, b.Condition))
	})
	return out
}

// inside counts the nodes below a container (or key ring) in the graph.
func (p *planner) inside(id string) int {
	n := 0
	stack := []string{id}
	seen := map[string]bool{id: true}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range p.g.In(cur, graph.ChildOf) {
			if !seen[e.From] {
				seen[e.From] = true
				n++
				stack = append(stack, e.From)
			}
		}
	}
	return n
}

// describeBinding says in words what a binding grants on what.
func (p *planner) describeBinding(b binding) string {
	s := b.Role + " on " + p.label(b.Via)
	if n := p.inside(b.Via); n > 0 {
		s += fmt.Sprintf(" (and so on the %d resources the graph shows inside it)", n)
	}
	if b.Condition != "" {
		s += " when " + b.Condition
	}
	return s
}

// resourceFamilies are the services whose roles are granted on the
// resource a configuration names, and that resource's kind. Permissions on
// their collections (list, create) need the project and are left out.
var resourceFamilies = map[string]graph.Kind{
	"storage": graph.KindBucket, "pubsub": graph.KindTopic, "secretmanager": graph.KindSecret, "cloudkms": graph.KindKMSKey,
}

// projectFamilies are the services whose permissions a workload uses that
// have no resource-level IAM to grant them on (Cloud SQL: "IAM permissions
// are granted at the project level", https://cloud.google.com/sql/docs/mysql/iam-roles;
// logs, metrics, traces and error reports are written to a project), so the
// project is the narrowest place.
var projectFamilies = map[string]bool{
	"cloudsql": true, "logging": true, "monitoring": true, "cloudtrace": true, "clouderrorreporting": true,
	"cloudprofiler": true, "errorreporting": true, "datastore": true, "telemetry": true,
}

// projectOnly are permissions (by prefix) that only a project grants:
// custom roles live in a project (https://cloud.google.com/iam/docs/creating-custom-roles),
// BigQuery jobs run in one (https://cloud.google.com/bigquery/docs/access-control),
// and so do service usage and builds.
var projectOnly = []string{"iam.roles.", "bigquery.jobs.", "serviceusage.services.", "resourcemanager.projects.", "cloudbuild.builds."}

// onProject reports whether perm is granted on a project and nowhere
// narrower.
func onProject(perm string) bool {
	return projectFamilies[iam.Service(perm)] || slices.ContainsFunc(projectOnly, func(p string) bool { return strings.HasPrefix(perm, p) })
}

// onResource says which permissions of a family act on one resource of a
// kind (the second part of the permission): a subscriber's
// pubsub.subscriptions.consume is nothing on a topic.
var onResource = map[graph.Kind][]string{
	graph.KindBucket: {"objects", "buckets", "managedFolders", "folders", "multipartUploads"},
	graph.KindTopic:  {"topics"},
	graph.KindSecret: {"secrets", "versions"},
	graph.KindKMSKey: {"cryptoKeys", "cryptoKeyVersions"},
}

// appliesTo reports whether perm can be granted on a resource of kind k
// (any permission, for a project).
func appliesTo(perm string, k graph.Kind) bool {
	types, ok := onResource[k]
	if !ok {
		return true
	}
	parts := strings.Split(perm, ".")
	return len(parts) == 3 && slices.Contains(types, parts[1])
}

// onCollection reports whether a permission acts on a collection rather
// than on one resource (storage.buckets.list, pubsub.topics.create): it
// needs the project.
func onCollection(perm string) bool {
	parts := strings.Split(perm, ".")
	if len(parts) != 3 {
		return false
	}
	verb := parts[2]
	return verb == "list" || verb == "create" && (parts[1] == "buckets" || parts[1] == "topics" || parts[1] == "secrets" || parts[1] == "keyRings")
}

// defaultRoles are what a configuration's reference calls for when no
// insight says what was used: read a secret, connect to Cloud SQL, read a
// bucket, publish to a topic, use a key.
var defaultRoles = map[graph.Kind]string{
	graph.KindSecret: "roles/secretmanager.secretAccessor", graph.KindSQLInstance: "roles/cloudsql.client",
	graph.KindBucket: "roles/storage.objectViewer", graph.KindTopic: "roles/pubsub.publisher",
	graph.KindKMSKey: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
}

// grantReferenced plans the grants workloadID needs, to member, from two
// kinds of evidence: its configuration (the resources it names) and the
// permissions the IAM recommender saw previous (its identity until now)
// exercise. Used permissions of a service are covered by the smallest
// predefined roles that grant them (iam.Catalog.Cover), on each resource of
// that service the configuration names, or on the project for services with
// no resource-level IAM; a named resource with no used permission gets the
// role its reference calls for. Each grant says what it covers; what is
// left out is said, with why. It returns the roles granted.
func (p *planner) grantReferenced(workloadID, member, previous string) []string {
	perms, _ := p.exercised(previous)
	byFamily := map[string][]string{}
	for _, perm := range perms {
		byFamily[iam.Service(perm)] = append(byFamily[iam.Service(perm)], perm)
	}
	var roles []string
	grant := func(t bindingTarget, role, note string) {
		if !p.holds(t, role, member) { // a grant already there is kept, not added twice
			p.add(t, role, member, note)
		}
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	covered := map[string]bool{}
	var left []string
	// fit grants, on t (a resource of kind k), the cover of the family's
	// used permissions that apply to it.
	fit := func(t bindingTarget, k graph.Kind, family, why string) {
		var want []string
		for _, perm := range byFamily[family] {
			// A project grants what acts on its collections too.
			if (k == graph.KindProject || !onCollection(perm)) && appliesTo(perm, k) {
				want = append(want, perm)
			}
		}
		if len(want) == 0 {
			return
		}
		rs, uncovered, _ := p.in.Roles.Cover(want, func(r iam.Role) bool { return iam.Family(r.Name) == family })
		for _, r := range rs {
			var covers []string
			for _, perm := range want {
				if r.Has(perm) {
					covers = append(covers, perm)
					covered[perm] = true
				}
			}
			grant(t, r.Name, why+"; covers "+strings.Join(firstN(covers, 8), ", ")+", which "+p.label(previous)+" used")
		}
		for _, perm := range uncovered {
			left = append(left, perm+" (no predefined role of "+family+" grants it)")
			covered[perm] = true
		}
	}
	for _, e := range p.g.Out(workloadID, graph.Uses) {
		to, ok := p.g.Node(e.To)
		if !ok {
			continue
		}
		why := "the configuration names " + e.Detail
		t := p.target(to.ID)
		family := ""
		for f, k := range resourceFamilies {
			if k == to.Kind {
				family = f
			}
		}
		if to.Kind == graph.KindSQLInstance {
			proj, ok := p.projectOf(to.ID)
			if !ok {
				p.manual("Grant roles/cloudsql.client to %s on the project that hosts %s (runlens does not know that project).", p.label(member), e.Detail)
				continue
			}
			t, family = p.target(proj.ID), "cloudsql"
			why += "; Cloud SQL has no instance-level IAM, so the grant is on the instance's project"
		}
		switch {
		case family != "" && slices.ContainsFunc(byFamily[family], func(perm string) bool { return appliesTo(perm, to.Kind) && !onCollection(perm) }):
			fit(t, to.Kind, family, why)
		case defaultRoles[to.Kind] != "":
			role := defaultRoles[to.Kind]
			note := why
			if len(perms) > 0 {
				note += "; the recommender saw no " + family + " permission used, so this is what the reference calls for"
			}
			if to.Kind == graph.KindKMSKey {
				note += "; the Cloud Run service agent keeps its own grant for CMEK, this one lets the workload's code use the key: drop it if the code does not"
			}
			grant(t, role, note)
			if to.Kind == graph.KindBucket && len(perms) == 0 {
				p.risk("%s is granted read-only (roles/storage.objectViewer) on %s: if the code writes objects there, grant roles/storage.objectUser instead.", p.label(member), p.label(to.ID))
			}
		}
	}
	// Used permissions with no resource-level IAM: on the workload's
	// project.
	if n, ok := p.g.Node(workloadID); ok {
		if proj, ok := p.projectOf(n.ID); ok {
			for _, family := range slices.Sorted(maps.Keys(byFamily)) {
				var onProj []string
				for _, perm := range byFamily[family] {
					if onProject(perm) && !covered[perm] {
						onProj = append(onProj, perm)
					}
				}
				if len(onProj) > 0 {
					saved := byFamily[family]
					byFamily[family] = onProj
					fit(p.target(proj.ID), graph.KindProject, family, "the identity used "+family+" permissions that are granted on a project only")
					byFamily[family] = saved
				}
			}
		}
	}
	for _, perm := range perms {
		if covered[perm] {
			continue
		}
		switch f := iam.Service(perm); {
		case onCollection(perm):
			left = append(left, perm+" (acts on the project's "+strings.Split(perm, ".")[1]+"; grant it on the project only if the code lists or creates them)")
		case resourceFamilies[f] != "":
			left = append(left, perm+" (no "+names.Plural(resourceFamilies[f], 1)+" is named in the configuration: grant it on the one the code uses)")
		default:
			left = append(left, perm+" (runlens does not know which "+f+" resource the code uses: grant it there)")
		}
	}
	if len(left) > 0 {
		slices.Sort(left)
		p.manual("Permissions %s used that the grants above leave out, and why: %s.", p.label(previous), strings.Join(firstN(slices.Compact(left), 16), "; "))
	}
	if len(perms) == 0 {
		p.risk("No IAM recommender insight says which permissions %s used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.", p.label(previous))
	}
	return roles
}

// dedicatedIdentity plans a dedicated runtime identity for workload n (run
// as old until now): create <name>-sa, grant what its configuration
// references, switch the workload to it. It returns the new member and the
// roles granted.
func (p *planner) dedicatedIdentity(n *graph.Node, w *inventory.Workload, old *graph.Node) (string, []string, bool) {
	project := n.Project
	if project == "" || isNumber(project) {
		project = w.Project
	}
	if project == "" || isNumber(project) {
		p.manual("Create a dedicated service account for %s in its project, grant it only the roles it needs on the resources it uses, and redeploy with --service-account. (runlens knows the project only by number %q, so it cannot name the account.)", p.label(n.ID), project)
		return "", nil, false
	}
	id, email, exists := p.accountFor(project, w.Name, "sa", n.ID, func(sa *graph.Node) bool {
		users := p.workloadsRunningAs(sa.ID)
		return len(users) == 0 || (len(users) == 1 && users[0] == n.ID)
	})
	member := "serviceAccount:" + email
	kind := "service"
	if w.Job {
		kind = "job"
	}
	if exists {
		p.risk("Service account %s already exists and runs nothing else: it is reused; check the grants it already holds.", email)
	} else {
		p.step(Step{Kind: KindCreateServiceAccount, Project: project, AccountID: id,
			DisplayName: truncate("Runtime identity of Cloud Run "+kind+" "+w.Name, 100),
			Note:        "a dedicated runtime identity for " + kind + " " + w.Name})
	}
	roles := p.grantReferenced(n.ID, member, old.ID)
	if len(p.g.Out(n.ID, graph.Uses)) == 0 {
		p.risk("The %s's configuration references no secret, bucket, topic, CMEK key or Cloud SQL instance: %s starts with no grants, and whatever the code calls by name at run time will be denied until granted.", kind, email)
	}
	from := w.ServiceAccount
	if from == "" {
		from = saEmail(old)
	}
	p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldServiceAccount, From: from, To: email,
		Note: "deploys a new revision running as " + email})
	p.risk("Whoever deploys %s from now on needs iam.serviceAccounts.actAs on %s (roles/iam.serviceAccountUser on that account, not on the project).", w.Name, email)
	return member, roles, true
}

// lostReach adds to the risk what old could reach that the new identity
// (granted roles) cannot, from the graph and the recommender's insights.
func (p *planner) lostReach(old *graph.Node, newMember string, roles []string) {
	for _, b := range p.directBindings(old.ID) {
		p.risk("%s holds %s; %s will not.", p.label(old.ID), p.describeBinding(b), strings.TrimPrefix(newMember, "serviceAccount:"))
	}
	_, where := p.exercised(old.ID)
	for _, w := range where {
		p.risk("IAM recommender insight for %s: %s.", p.label(old.ID), w)
	}
	// What the new grants leave out of what was used is a step of its own
	// (see grantReferenced).
}

func planRuntimeDefaultSA(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	def, ok := p.runtimeSA(n.ID)
	if !ok {
		return fmt.Errorf("%s has no runtime identity in the graph", n.ID)
	}
	kind := "service"
	if w.Job {
		kind = "job"
	}
	defEmail := saEmail(def)
	p.cs.Title = fmt.Sprintf("Give Cloud Run %s %s a dedicated service account", kind, w.Name)
	p.cs.Rationale = fmt.Sprintf("%s runs as the default compute service account %s, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. "+
		"A dedicated account holding only what the %s's configuration references limits what a compromise of the %s reaches.", w.Name, defEmail, kind, kind)
	member, roles, ok := p.dedicatedIdentity(n, w, def)
	if !ok {
		return nil
	}
	p.lostReach(def, member, roles)
	// The default identity's grants go only when it serves nothing else.
	var others []string
	for _, u := range p.workloadsRunningAs(def.ID) {
		if u != n.ID {
			others = append(others, u)
		}
	}
	var callers []string
	for _, e := range p.g.In(def.ID, graph.AuthenticatesAs) {
		callers = append(callers, e.From)
	}
	bindings := p.directBindings(def.ID)
	switch {
	case len(bindings) == 0:
	case len(others) > 0 || len(callers) > 0:
		// A later step: the grants stay while anything else depends on them.
		users := slices.Concat(others, callers)
		var held []string
		for _, b := range bindings {
			held = append(held, p.describeBinding(b))
		}
		p.manual("Later, not now: the default identity %s keeps its grants (%s) because it still serves %s. Give those their own identities first (propose the fix of each one's default-identity finding); once nothing runs as it, remove its grants.",
			defEmail, strings.Join(firstN(held, 6), "; "), p.labels(users, 8))
	default:
		for _, b := range bindings {
			p.remove(b.Via, b.Role, def.ID, b.Condition, "the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale")
		}
		p.risk("Removing the default compute identity's grants also affects anything outside Cloud Run that runs as %s (Compute Engine VMs, GKE nodes, Dataflow or Cloud Build workers): runlens does not see those. Skip the last steps if any exist.", defEmail)
	}
	return nil
}

func planRuntimeBasicRole(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	email := saEmail(sa)
	p.cs.Title = fmt.Sprintf("Remove %s from runtime identity %s", b.Role, email)
	p.cs.Rationale = fmt.Sprintf("%s holds the basic role %s on %s. Basic roles grant thousands of permissions across every service; a workload needs a few predefined roles on the resources it uses.", email, b.Role, p.label(b.Via))
	workloads := p.workloadsRunningAs(sa.ID)
	var granted []string
	rc, hasRec := p.recommendation(b.Via, b.Role, b.Member)
	switch {
	case hasRec && len(rc.AddRoles) > 0:
		for _, role := range rc.AddRoles {
			p.add(p.target(b.Via), role, b.Member, "the IAM recommender's replacement for "+b.Role+" ("+rc.Name+")")
			granted = append(granted, role)
		}
	case hasRec:
		p.risk("The IAM recommender (%s) saw none of the permissions of %s used in its observation period: it recommends removing the role without replacement.", rc.Name, b.Role)
	default:
		for _, w := range workloads {
			granted = append(granted, p.grantReferenced(w, b.Member, b.Member)...)
		}
		if perms, _ := p.exercised(b.Member); len(perms) == 0 {
			p.manual("No IAM recommendation or insight says which permissions of %s the workloads use. "+
				"The grants above cover what their configuration references. Before removing the role, check Policy Analyzer or the Cloud Audit Logs of %s "+
				"for other APIs it calls, and grant the matching predefined roles on those specific resources.", b.Role, email)
		}
	}
	p.removeEvidence(b, "the basic role")
	if len(workloads) > 0 {
		p.risk("%s is the runtime identity of %s: whatever they do with %s beyond the grants above will be denied.", email, p.labels(workloads, 8), b.Role)
	}
	if hasRec {
		if perms, ok := rules.RevokedPermissions(p.in.Roles, rc); ok {
			p.risk("The recommendation revokes %d permissions.", len(perms))
		} else if rc.RevokedPermissions > 0 {
			p.risk("The recommendation revokes %d permissions (the recommender's count).", rc.RevokedPermissions)
		}
	}
	p.insightRisk(b, granted)
	return nil
}

// insightRisk adds what the policy insights on binding b show was used, and
// which of it the roles granted instead do not cover.
func (p *planner) insightRisk(b rules.BindingEvidence, granted []string) {
	id := iam.ParseMember(b.Member).ID()
	for _, in := range p.in.Insights {
		if in.Type != "google.iam.policy.Insight" || !openState(in.State) || iam.ParseMember(in.Member).ID() != id || in.Role != b.Role || !p.sameResource(in.Resource, b.Via) {
			continue
		}
		used := slices.Concat(in.Exercised, in.Inferred)
		if len(used) == 0 {
			p.risk("IAM recommender insight: no permission of %s was used in the observation period.", b.Role)
			continue
		}
		p.risk("IAM recommender insight: permissions of %s used in the observation period: %s.", b.Role, strings.Join(firstN(used, 12), ", "))
		if miss := p.uncovered(used, granted); len(miss) > 0 {
			p.risk("Used permissions the change set does not grant again: %s. Grant them on the specific resources, or expect PERMISSION_DENIED.", strings.Join(firstN(miss, 12), ", "))
		}
	}
}

func planRuntimePrivileged(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	email := saEmail(sa)
	p.cs.Title = fmt.Sprintf("Remove %s on %s from runtime identity %s", b.Role, p.label(b.Via), email)
	p.cs.Rationale = fmt.Sprintf("%s can escalate its own privileges through %s on %s (%s). Code running as it can grant itself more.", email, b.Role, p.label(b.Via), p.f.Evidence.Note)
	p.manual("If the workloads running as %s need some data-plane permission of %s, grant a narrower predefined role on the specific resource before running the removal below; "+
		"administrative duties (deploying, setting IAM policies) belong to a separate deployment identity, not the runtime one.", email, b.Role)
	p.removeEvidence(b, "the escalation-capable role")
	if ws := p.workloadsRunningAs(sa.ID); len(ws) > 0 {
		p.risk("%s runs %s: any call they make that needs %s will be denied.", email, p.labels(ws, 8), b.Role)
	}
	p.insightRisk(b, nil)
	return nil
}

func planRuntimeSharedSA(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	ws := p.workloadsRunningAs(sa.ID)
	if len(ws) < 2 {
		return fmt.Errorf("%s serves %d workloads", sa.ID, len(ws))
	}
	email := saEmail(sa)
	p.cs.Title = fmt.Sprintf("Give each workload sharing %s its own service account", email)
	p.cs.Rationale = fmt.Sprintf("%d workloads run as %s, so each holds the union of what all of them need. %s keeps the shared account; the others get dedicated accounts with only what their configuration references.", len(ws), email, p.label(ws[0]))
	for _, id := range ws[1:] {
		n, ok := p.g.Node(id)
		if !ok {
			continue
		}
		w, ok := n.Data.(*inventory.Workload)
		if !ok || w == nil {
			p.manual("Give %s its own service account (runlens has no configuration for it).", p.label(id))
			continue
		}
		member, roles, ok := p.dedicatedIdentity(n, w, sa)
		if ok {
			perms, _ := p.exercised(sa.ID)
			if miss := p.uncovered(perms, roles); len(miss) > 0 {
				p.risk("The shared identity used permissions that %s's new grants do not cover: %s (the recommender cannot tell which workload used them).", strings.TrimPrefix(member, "serviceAccount:"), strings.Join(firstN(miss, 12), ", "))
			}
		}
	}
	var held []string
	for _, b := range p.directBindings(sa.ID) {
		held = append(held, p.describeBinding(b))
	}
	if len(held) > 0 {
		p.manual("The grants of the shared identity %s are not copied to the new accounts, and are kept for %s: %s. Review them once the others have moved; grant each new account anything else it needs on the specific resource.",
			email, p.label(ws[0]), strings.Join(firstN(held, 10), "; "))
	}
	return nil
}

func planRuntimeSAKey(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	email := saEmail(sa)
	p.cs.Title = fmt.Sprintf("Delete the user-managed keys of %s", email)
	p.cs.Rationale = fmt.Sprintf("%s is the runtime identity of Cloud Run workloads, which never need a key: the platform supplies its credentials. A key is a long-lived credential that works from anywhere.", email)
	for _, f := range p.f.Evidence.Fields {
		key, ok := strings.CutPrefix(f.Field, "key ")
		if !ok || key == "" {
			continue
		}
		p.step(Step{Kind: KindDeleteKey, Key: key, ServiceAccount: email, Note: "user-managed key " + last(key) + " (" + f.Value + ")"})
	}
	if len(p.cs.Steps) == 0 {
		return fmt.Errorf("finding names no key")
	}
	p.risk("Anything outside Google Cloud that authenticates with these keys (CI pipelines, scripts, other clouds) stops working: check the key's last use (service account key insights, or Policy Analyzer's activity analysis) before deleting, and move such callers to Workload Identity Federation.")
	p.risk("Enforce the iam.disableServiceAccountKeyCreation organization policy so new keys are not created.")
	return nil
}

func planRuntimeUnusedPermissions(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	b.Via = p.canonical(b.Via)
	email := saEmail(sa)
	rc, ok := p.recommendation(b.Via, b.Role, b.Member)
	if ok {
		p.cs.Title = fmt.Sprintf("Apply IAM recommendation: %s %s for %s", strings.ToLower(strings.ReplaceAll(rc.Subtype, "_", " ")), b.Role, email)
		p.cs.Rationale = fmt.Sprintf("The IAM recommender (%s) %s", rc.Name, strings.TrimSpace(rc.Description))
		for _, role := range rc.AddRoles {
			p.add(p.target(b.Via), role, b.Member, "the recommended replacement")
		}
		p.removeEvidence(b, "recommended by "+rc.Name)
		if perms, ok := rules.RevokedPermissions(p.in.Roles, rc); ok {
			p.risk("The recommendation revokes %d permissions of %s the recommender saw unused; a rare task (quarterly job, disaster recovery) outside the observation period could need them.", len(perms), b.Role)
		} else if rc.RevokedPermissions > 0 {
			p.risk("The recommendation revokes %d permissions (the recommender's count).", rc.RevokedPermissions)
		}
		p.insightRisk(b, rc.AddRoles)
		return nil
	}
	p.cs.Title = fmt.Sprintf("Reduce %s of %s to what it uses", b.Role, email)
	p.cs.Rationale = fmt.Sprintf("An IAM policy insight shows %s of the permissions of %s on %s were used by %s.", p.f.Evidence.Note, b.Role, p.label(b.Via), email)
	perms, _ := p.exercised(sa.ID)
	p.manual("No recommendation replaces this binding. Find the smallest predefined roles that include the permissions the insight shows in use (%s), grant them to %s on the specific resources (gcloud iam roles list --filter, or Policy Analyzer), then remove %s from %s on %s.",
		strings.Join(firstN(perms, 12), ", "), b.Member, b.Role, b.Member, p.label(b.Via))
	p.insightRisk(b, nil)
	return nil
}

// families maps a data role family to the node kind of its resources.
var families = map[string]graph.Kind{
	"storage": graph.KindBucket, "secretmanager": graph.KindSecret, "cloudkms": graph.KindKMSKey, "pubsub": graph.KindTopic,
}

func planRuntimeProjectScopeGrant(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	email := saEmail(sa)
	family := strings.TrimPrefix(strings.SplitN(b.Role, ".", 2)[0], "roles/")
	p.cs.Title = fmt.Sprintf("Move %s of %s from %s to the resources it uses", b.Role, email, p.label(b.Via))
	p.cs.Rationale = fmt.Sprintf("%s holds %s on %s, which reaches every %s resource in it; its workloads' configuration references only specific ones.", email, b.Role, p.label(b.Via), family)
	targets := p.fieldValues("grant on instead")
	for _, t := range targets {
		p.add(p.target(t), b.Role, b.Member, "referenced by the configuration of a workload running as "+email)
	}
	if len(targets) == 0 {
		p.manual("No %s resource is referenced by the configuration of the workloads running as %s: the grant may be unused, or reach resources named at run time. "+
			"Check the Cloud Audit Logs (data access) of %s for %s calls before running the removal below; grant %s on each resource it does use.", family, email, email, family, b.Role)
	}
	p.removeEvidence(b, "the "+p.label(b.Via)+"-wide grant")
	if kind, ok := families[family]; ok {
		var lost []string
		for _, n := range p.below(b.Via, kind) {
			if !slices.Contains(targets, n.ID) {
				lost = append(lost, n.ID)
			}
		}
		if len(lost) > 0 {
			p.risk("%s loses %s on %d other %s resources the graph shows in %s: %s.", email, b.Role, len(lost), family, p.label(b.Via), p.labels(lost, 10))
		}
	}
	if ws := p.workloadsRunningAs(sa.ID); len(ws) > 0 {
		p.risk("Workloads running as %s: %s.", email, p.labels(ws, 8))
	}
	p.insightRisk(b, []string{b.Role})
	return nil
}

// below returns the nodes of kind k under container id, sorted by ID.
func (p *planner) below(id string, k graph.Kind) []*graph.Node {
	var out []*graph.Node
	stack := []string{id}
	seen := map[string]bool{id: true}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range p.g.In(cur, graph.ChildOf) {
			if seen[e.From] {
				continue
			}
			seen[e.From] = true
			stack = append(stack, e.From)
			if n, ok := p.g.Node(e.From); ok && n.Kind == k {
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b *graph.Node) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
