// Package tfplan reads a Terraform plan (the output of terraform show -json)
// and maps the planned state of the Google Cloud resources runlens checks
// onto the inventory model: the same Cloud Asset Inventory records an export
// of the applied configuration would hold, so the same checks run on them.
//
// A value Terraform knows only after apply is never guessed. It is resolved
// only where the configuration says what it will be: a reference to a
// service account created in the same plan is its email
// (ACCOUNT_ID@PROJECT.iam.gserviceaccount.com), a reference to a Cloud Run
// service is that service. Anything else unknown is reported as unknown, and
// the checks that would need it say nothing of it.
package tfplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/runlens/runlens/internal/iam"
)

// MaxPlanBytes bounds the plan read into memory (terraform show -json of a
// large configuration is tens of megabytes).
const MaxPlanBytes = 512 << 20

// Plan is what a Terraform plan declares, mapped onto Cloud Asset Inventory.
type Plan struct {
	File             string // the plan's file name, for messages
	TerraformVersion string
	// Resources are the resource records of the planned state, one per
	// Terraform resource instance runlens reads, in CAI's shape.
	Resources []Resource
	// Grants are the IAM resources of the planned state: members, bindings
	// and whole policies, applied to the policy already there by Layer.
	Grants []Grant
	// Deleted are the asset names and grants the plan destroys.
	Deleted       []string
	DeletedGrants []Grant
	// Unknown lists the values runlens would read that are known only after
	// apply, and what that means for the checks.
	Unknown []Unknown
	// Skipped counts resource instances of types runlens does not read, by
	// type; Read counts those it read.
	Skipped map[string]int
	Read    int

	config *tfjson.Config // the plan's configuration, for Sources
}

// Resource is one planned resource as a CAI record.
type Resource struct {
	Address string // Terraform resource address, "module.app.google_cloud_run_v2_service.api"
	Name    string // CAI full resource name
	Type    string // CAI asset type
	Version string // resource.version ("v1" or "v2" for Cloud Run)
	Parent  string
	Project string         // project ID, for ancestors
	Data    map[string]any // resource.data, in the API's camelCase shape
	// Unknown are the inventory fields (inventory.Field*) whose value is
	// known only after apply.
	Unknown []string
}

// GrantKind says how a Terraform IAM resource changes a policy.
type GrantKind int

// Grant kinds: a member is added to a role (non-authoritative), a role's
// members are set (authoritative for the role), or the whole policy is set.
const (
	GrantMember GrantKind = iota + 1
	GrantBinding
	GrantPolicy
)

// Grant is one Terraform IAM resource.
type Grant struct {
	Address   string
	Kind      GrantKind
	Resource  string // CAI full name of the resource whose policy it changes
	Type      string // CAI asset type of that resource
	Role      string
	Members   []string
	Condition *iam.Condition
	Policy    *iam.Policy // GrantPolicy only
	// MembersUnknown is set when a member is known only after apply: it
	// is left out, never guessed.
	MembersUnknown bool
}

// Unknown is a value known only after apply.
type Unknown struct {
	Address   string // the resource
	Attribute string // Terraform attribute path, "template.0.service_account"
	Effect    string // what runlens cannot judge because of it
}

func (u Unknown) String() string {
	return fmt.Sprintf("%s: %s is known only after apply: %s", u.Address, u.Attribute, u.Effect)
}

// ErrNotPlan is returned for input that is JSON but not a Terraform plan.
var ErrNotPlan = errors.New("not a Terraform plan (terraform show -json PLANFILE)")

// Read reads the JSON of a Terraform plan from r. name names it in
// messages.
func Read(name string, r io.Reader) (*Plan, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxPlanBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tfplan: %s: %w", name, err)
	}
	if len(b) > MaxPlanBytes {
		return nil, fmt.Errorf("tfplan: %s: larger than %d MiB", name, MaxPlanBytes>>20)
	}
	var probe struct {
		FormatVersion   *string         `json:"format_version"`
		ResourceChanges json.RawMessage `json:"resource_changes"`
		PlannedValues   json.RawMessage `json:"planned_values"`
		Values          json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("tfplan: %s: %w: it is a JSON %s (a Cloud Asset Inventory export is given with --input)", name, ErrNotPlan, te.Value)
		}
		if errors.As(err, &se) {
			return nil, fmt.Errorf("tfplan: %s: not JSON at byte %d: %v (a binary plan file must be shown first: terraform show -json PLANFILE > plan.json)", name, se.Offset, err)
		}
		return nil, fmt.Errorf("tfplan: %s: %w", name, err)
	}
	switch {
	case probe.FormatVersion == nil:
		return nil, fmt.Errorf("tfplan: %s: %w: it has no format_version", name, ErrNotPlan)
	case probe.ResourceChanges == nil && probe.PlannedValues == nil && probe.Values != nil:
		return nil, fmt.Errorf("tfplan: %s: %w: it is a state (terraform show -json without a plan file)", name, ErrNotPlan)
	}
	var tp tfjson.Plan
	if err := json.Unmarshal(b, &tp); err != nil {
		return nil, fmt.Errorf("tfplan: %s: %w", name, err)
	}
	p := &Plan{File: name, TerraformVersion: tp.TerraformVersion, Skipped: map[string]int{}, config: tp.Config}
	rd := newReader(&tp)
	for _, rc := range tp.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Mode != tfjson.ManagedResourceMode || rc.DeposedKey != "" {
			continue
		}
		m, ok := mappers[rc.Type]
		if !ok {
			p.Skipped[rc.Type]++
			continue
		}
		p.Read++
		in := rd.instance(rc)
		if rc.Change.Actions.Delete() {
			// Destroyed and not created again: what the before state
			// declared is gone.
			in.values, in.unknown = asMap(rc.Change.Before), nil
			gone := &Plan{}
			if err := m(in, gone); err != nil {
				var ue *unknownNameError
				if errors.As(err, &ue) {
					continue // it never existed under a name runlens could know
				}
				return nil, fmt.Errorf("tfplan: %s: %s: %w", name, rc.Address, err)
			}
			for _, r := range gone.Resources {
				p.Deleted = append(p.Deleted, r.Name)
			}
			p.DeletedGrants = append(p.DeletedGrants, gone.Grants...)
			continue
		}
		if err := m(in, p); err != nil {
			var ue *unknownNameError
			if errors.As(err, &ue) {
				p.Unknown = append(p.Unknown, Unknown{Address: rc.Address, Attribute: ue.attrs,
					Effect: "the resource is not read: what it declares is not checked"})
				continue
			}
			return nil, fmt.Errorf("tfplan: %s: %s: %w", name, rc.Address, err)
		}
	}
	// An instance may meet one unknown value twice (its project names
	// several things): each is said once.
	seen := map[Unknown]bool{}
	p.Unknown = slices.DeleteFunc(p.Unknown, func(u Unknown) bool {
		dup := seen[u]
		seen[u] = true
		return dup
	})
	return p, nil
}

// reader resolves what one resource change refers to.
type reader struct {
	plan *tfjson.Plan
	// byConfig indexes resource changes by module path (no instance keys)
	// and configuration address: "module.app|google_service_account.run".
	byConfig map[string][]*tfjson.ResourceChange
	project  string // the google provider's own project, if constant
}

func newReader(tp *tfjson.Plan) *reader {
	rd := &reader{plan: tp, byConfig: map[string][]*tfjson.ResourceChange{}}
	for _, rc := range tp.ResourceChanges {
		if rc == nil || rc.Mode != tfjson.ManagedResourceMode || rc.DeposedKey != "" {
			continue
		}
		k := modulePath(rc.ModuleAddress) + "|" + rc.Type + "." + rc.Name
		rd.byConfig[k] = append(rd.byConfig[k], rc)
	}
	if tp.Config != nil {
		if pc, ok := tp.Config.ProviderConfigs["google"]; ok && pc != nil {
			if e, ok := pc.Expressions["project"]; ok && e != nil && e.ExpressionData != nil {
				if s, ok := e.ConstantValue.(string); ok {
					rd.project = s
				} else if len(e.References) > 0 {
					// project = var.NAME: the variable's value is in the plan.
					if v, ok := tp.Variables[strings.TrimPrefix(e.References[0], "var.")]; ok && strings.HasPrefix(e.References[0], "var.") && v != nil {
						rd.project, _ = v.Value.(string)
					}
				}
			}
		}
	}
	return rd
}

// modulePath drops the instance keys of a module address:
// module.a[0].module.b["x"] is module.a.module.b.
func modulePath(addr string) string {
	var b strings.Builder
	depth := 0
	for _, r := range addr {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// configModule finds the configuration of the module at path
// ("module.a.module.b"; "" for the root).
func (rd *reader) configModule(path string) *tfjson.ConfigModule {
	if rd.plan.Config == nil {
		return nil
	}
	m := rd.plan.Config.RootModule
	if path == "" {
		return m
	}
	parts := strings.Split(path, ".")
	for i := 0; i+1 < len(parts) && m != nil; i += 2 {
		mc, ok := m.ModuleCalls[parts[i+1]]
		if !ok || mc == nil {
			return nil
		}
		m = mc.Module
	}
	return m
}

func (rd *reader) instance(rc *tfjson.ResourceChange) *instance {
	in := &instance{rd: rd, rc: rc, values: asMap(rc.Change.After), unknown: rc.Change.AfterUnknown}
	if m := rd.configModule(modulePath(rc.ModuleAddress)); m != nil {
		for _, cr := range m.Resources {
			if cr != nil && cr.Mode == tfjson.ManagedResourceMode && cr.Type == rc.Type && cr.Name == rc.Name {
				in.expr = cr.Expressions
				break
			}
		}
	}
	return in
}

// instance is one resource instance being mapped.
type instance struct {
	rd       *reader
	rc       *tfjson.ResourceChange
	values   map[string]any
	unknown  any                           // after_unknown: true where a value is known only after apply
	expr     map[string]*tfjson.Expression // its configuration, for references
	unknowns []Unknown
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// path is an attribute path: strings are attribute names, ints list
// indices.
type path []any

func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, s)
	}
	return b.String()
}

// at returns the planned value at p (nil when absent or unknown).
func at(v any, p path) any {
	for _, s := range p {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// isUnknown reports whether the value at p is known only after apply: the
// after_unknown tree holds true at p or above it.
func (in *instance) isUnknown(p path) bool {
	v := in.unknown
	for _, s := range p {
		if b, ok := v.(bool); ok {
			return b
		}
		v = at(v, path{s})
		if v == nil {
			return false
		}
	}
	b, _ := v.(bool)
	return b
}

// str returns the planned string at p; "" when absent or unknown.
func (in *instance) str(p ...any) string {
	s, _ := at(in.values, p).(string)
	return s
}

func (in *instance) boolean(p ...any) bool {
	b, _ := at(in.values, p).(bool)
	return b
}

// list returns the planned list at p.
func (in *instance) list(p ...any) []any {
	l, _ := at(in.values, p).([]any)
	return l
}

// strs returns the planned strings of the list or set at p.
func (in *instance) strs(p ...any) []string {
	var out []string
	for _, v := range in.list(p...) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// strMap returns the planned map of strings at p.
func (in *instance) strMap(p ...any) map[string]string {
	m, ok := at(in.values, p).(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// expression returns the configuration's expression for the attribute at
// p (attribute names and nested block indices, as in the planned values),
// and whether the configuration sets it at all: set with a nil expression
// when a block is set by something other than literal blocks (its inside
// cannot be told).
func (in *instance) expression(p path) (e *tfjson.Expression, set bool) {
	exprs := in.expr
	for i, s := range p {
		name, ok := s.(string)
		if !ok {
			continue
		}
		e, ok := exprs[name]
		if !ok || e == nil || e.ExpressionData == nil {
			return nil, false
		}
		if i == len(p)-1 {
			return e, true
		}
		// A nested block: the next element is its index.
		idx := 0
		if n, ok := p[i+1].(int); ok {
			idx = n
		}
		switch {
		case idx < len(e.NestedBlocks):
			exprs = e.NestedBlocks[idx]
		case len(e.NestedBlocks) == 1:
			exprs = e.NestedBlocks[0] // a dynamic block's one configuration
		default:
			return nil, true
		}
	}
	return nil, false
}

// references returns the references of the configuration expression at p.
func (in *instance) references(p path) []string {
	if e, _ := in.expression(p); e != nil {
		return e.References
	}
	return nil
}

// configured reports whether the configuration sets the attribute at p
// (the resource's configuration is known: in.expr is not nil).
func (in *instance) configured(p path) bool {
	_, set := in.expression(p)
	return set
}

// referenced returns the one planned instance a reference such as
// "google_service_account.run.email" points at, with the attribute named
// ("email"); nil when it is not a managed resource of this plan or the
// instance cannot be told (count or for_each with another key).
func (in *instance) referenced(ref string) (*instance, string) {
	if strings.HasPrefix(ref, "data.") || strings.HasPrefix(ref, "module.") || strings.HasPrefix(ref, "var.") || strings.HasPrefix(ref, "local.") {
		return nil, ""
	}
	parts := strings.SplitN(ref, ".", 3)
	if len(parts) < 2 {
		return nil, ""
	}
	typ, name := parts[0], parts[1]
	key := ""
	if i := strings.IndexByte(name, '['); i >= 0 {
		name, key = name[:i], name[i:]
	}
	attr := ""
	if len(parts) == 3 {
		attr = parts[2]
	}
	cands := in.rd.byConfig[modulePath(in.rc.ModuleAddress)+"|"+typ+"."+name]
	var pick *tfjson.ResourceChange
	switch {
	case len(cands) == 1:
		pick = cands[0]
	case len(cands) > 1:
		for _, c := range cands {
			if (key != "" && strings.HasSuffix(c.Address, key)) || (key == "" && c.Index != nil && fmt.Sprint(c.Index) == fmt.Sprint(in.rc.Index)) {
				pick = c
			}
		}
	}
	if pick == nil || pick.Change == nil || pick.Change.Actions.Delete() {
		return nil, ""
	}
	return in.rd.instance(pick), attr
}

// value returns the planned string at p or, when it is known only after
// apply, what the configuration resolves it to (resolve is given each
// reference of the expression); ok is false when it stays unknown, and the
// unknown is recorded with effect.
func (in *instance) value(p path, resolve func(target *instance, attr string) string, effect string) (string, bool) {
	if !in.isUnknown(p) {
		return in.str(p...), true
	}
	if in.expr != nil && !in.configured(p) {
		// Not in the configuration: the provider leaves an optional
		// computed attribute unknown, and the API's default applies
		// (for a runtime identity, the project's default one).
		return "", true
	}
	if resolve != nil {
		for _, ref := range in.references(p) {
			if t, attr := in.referenced(ref); t != nil {
				if v := resolve(t, attr); v != "" {
					return v, true
				}
			}
		}
	}
	in.unknowns = append(in.unknowns, Unknown{Address: in.rc.Address, Attribute: p.String(), Effect: effect})
	return "", false
}

// project is the project of the resource: its planned project attribute,
// else the provider's.
func (in *instance) project() string {
	if in.isUnknown(path{"project"}) {
		// Set by the configuration to what only apply knows (a random
		// suffix, a project the plan creates): not the provider's.
		v, ok := in.value(path{"project"}, resolveAttr("google_project", "project_id"), "which project it is in")
		if !ok || v != "" {
			return v
		}
	}
	if p := in.str("project"); p != "" {
		return p
	}
	return in.rd.project
}

// serviceAccountEmail resolves a reference to a google_service_account
// created by the plan: its email is ACCOUNT_ID@PROJECT.iam.gserviceaccount.com
// (https://cloud.google.com/iam/docs/service-account-overview#user-managed).
// Other attributes it resolves to what they are made of: name and id are
// projects/PROJECT/serviceAccounts/EMAIL, member is serviceAccount:EMAIL.
func serviceAccountEmail(t *instance) string {
	if t.rc.Type != "google_service_account" {
		return ""
	}
	if e := t.str("email"); e != "" {
		return e
	}
	id, p := t.str("account_id"), t.project()
	if id == "" || p == "" {
		return ""
	}
	return id + "@" + p + ".iam.gserviceaccount.com"
}

// resolveEmail resolves references to a service account's email (or its
// member, name or id) to the email.
func resolveEmail(t *instance, attr string) string {
	switch attr {
	case "email", "member", "name", "id", "unique_id", "":
		return serviceAccountEmail(t)
	}
	return ""
}

// resolveMember resolves a reference in an IAM member to the member.
func resolveMember(t *instance, attr string) string {
	if t.rc.Type == "google_service_account" {
		if e := resolveEmail(t, attr); e != "" {
			return "serviceAccount:" + e
		}
	}
	return ""
}

func (in *instance) resourceOf(r Resource) Resource {
	r.Address = in.rc.Address
	if r.Project == "" {
		r.Project = in.project()
	}
	if r.Parent == "" && r.Project != "" {
		r.Parent = "//cloudresourcemanager.googleapis.com/projects/" + r.Project
	}
	return r
}

// sortedUnique sorts and deduplicates s.
func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
