package tfplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// Layer returns the inventory as it will be once the plan is applied: base
// (an export or live read of what exists; nil for none) with the plan's
// resources laid on top and its IAM resources applied to the policies
// already there, the way Terraform applies them: a member resource adds one
// member, a binding resource sets the members of its role (and condition),
// a policy resource replaces the policy. What the plan destroys is taken
// out. Values known only after apply become problems of kind
// inventory.ProblemUnknown; Declared names the resource address of every
// planned asset and grant. The planned records go through the inventory
// reader like an export's, so env values are redacted the same way.
func (p *Plan) Layer(base *inventory.Inventory) (*inventory.Inventory, error) {
	if base == nil {
		base = &inventory.Inventory{}
	}
	names := newNamer(base)
	existing := map[string]*inventory.Asset{}
	for _, a := range base.Assets {
		existing[a.Name] = a
	}
	gone := map[string]bool{}
	for _, n := range p.Deleted {
		gone[names.of(n)] = true
	}

	declared := map[string]string{}
	var buf bytes.Buffer
	write := func(a *inventory.Asset) error {
		b, err := inventory.Record(a)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
		return nil
	}
	written := map[string]bool{}
	unknown := map[string][]string{}
	for _, r := range p.Resources {
		name := names.of(r.Name)
		if written[name] {
			return nil, fmt.Errorf("tfplan: %s: %s and %s both declare %s", p.File, declared[name], r.Address, name)
		}
		written[name], declared[name] = true, r.Address
		delete(gone, name)
		unknown[name] = r.Unknown
		data, err := json.Marshal(r.Data)
		if err != nil {
			return nil, fmt.Errorf("tfplan: %s: %s: %w", p.File, r.Address, err)
		}
		a := &inventory.Asset{Name: name, Type: r.Type, Version: r.Version, Parent: names.of(r.Parent), Data: data}
		if num, ok := names.numByID[r.Project]; ok {
			// CAI's ancestors are numbers: only where the base knows it.
			a.Ancestors = []string{"projects/" + num}
		}
		if err := write(a); err != nil {
			return nil, fmt.Errorf("tfplan: %s: %s: %w", p.File, r.Address, err)
		}
	}

	// Policies: what exists, then whole policies, bindings, members, and
	// what the plan destroys taken out.
	policies := map[string]*iam.Policy{}
	types := map[string]string{}
	policyOf := func(g Grant) *iam.Policy {
		name := names.of(g.Resource)
		pol, ok := policies[name]
		if !ok {
			pol = &iam.Policy{}
			if a, ok := existing[name]; ok && a.IAMPolicy != nil {
				pol = clonePolicy(a.IAMPolicy)
			}
			policies[name], types[name] = pol, g.Type
		}
		return pol
	}
	for _, kind := range []GrantKind{GrantPolicy, GrantBinding, GrantMember} {
		for _, g := range p.Grants {
			if g.Kind != kind {
				continue
			}
			pol, name := policyOf(g), names.of(g.Resource)
			switch g.Kind {
			case GrantPolicy:
				*pol = *clonePolicy(g.Policy)
				declared[inventory.DeclaredKey(name, "", "")] = g.Address
			case GrantBinding:
				setBinding(pol, g.Role, g.Condition, g.Members)
				declared[inventory.DeclaredKey(name, g.Role, "")] = g.Address
			case GrantMember:
				for _, m := range g.Members {
					addMember(pol, g.Role, g.Condition, m)
					declared[inventory.DeclaredKey(name, g.Role, m)] = g.Address
				}
			}
		}
	}
	for _, g := range p.DeletedGrants {
		name := names.of(g.Resource)
		if a, ok := existing[name]; policies[name] == nil && (!ok || a.IAMPolicy == nil) {
			continue // no policy known to take it from
		}
		pol := policyOf(g)
		switch g.Kind {
		case GrantPolicy:
			*pol = iam.Policy{}
		case GrantBinding:
			setBinding(pol, g.Role, g.Condition, nil)
		case GrantMember:
			for _, m := range g.Members {
				removeMember(pol, g.Role, g.Condition, m)
			}
		}
	}
	for _, name := range sortedKeys(policies) {
		if err := write(&inventory.Asset{Name: name, Type: types[name], IAMPolicy: policies[name]}); err != nil {
			return nil, fmt.Errorf("tfplan: %s: policy of %s: %w", p.File, name, err)
		}
	}

	rd := inventory.NewReader()
	if err := rd.Read(p.File, &buf); err != nil {
		return nil, fmt.Errorf("tfplan: %s: %w", p.File, err)
	}
	over := rd.Inventory()
	for _, a := range over.Assets {
		a.Unknown = unknown[a.Name]
	}
	over.Declared = declared
	over.Coverage.Scopes = []string{p.File}
	if len(p.Unknown) > 0 {
		counts := maps.Clone(over.Tally().All)
		if counts == nil {
			counts = map[inventory.ProblemKind]int{}
		}
		counts[inventory.ProblemUnknown] += len(p.Unknown)
		for _, u := range p.Unknown {
			over.Problems = append(over.Problems, inventory.Problem{Source: inventory.Source{File: p.File}, Kind: inventory.ProblemUnknown, Msg: u.String()})
		}
		over.Problems = over.Problems[:min(len(over.Problems), inventory.MaxProblems)]
		over.ProblemCounts = counts
	}
	kept := base
	if len(gone) > 0 {
		c := *base
		c.Assets = slices.DeleteFunc(slices.Clone(base.Assets), func(a *inventory.Asset) bool { return gone[a.Name] })
		kept = &c
	}
	return inventory.Overlay(kept, over), nil
}

// namer renames the plan's resources to the names the base inventory gives
// the same resources: CAI names projects (and some resources within them)
// by number where a plan has the ID, and service accounts by unique ID
// where a plan has the email.
type namer struct {
	numByID map[string]string
	saName  map[string]string // email -> asset name
	names   map[string]bool
}

func newNamer(base *inventory.Inventory) *namer {
	n := &namer{numByID: map[string]string{}, saName: map[string]string{}, names: map[string]bool{}}
	for _, a := range base.Assets {
		n.names[a.Name] = true
		switch a.Type {
		case inventory.TypeProject:
			var pr inventory.Project
			if a.Decode(&pr) == nil && pr.ProjectID != "" && pr.ProjectNumber != "" {
				n.numByID[pr.ProjectID] = pr.ProjectNumber
			}
		case inventory.TypeServiceAccount:
			var sa inventory.ServiceAccount
			if a.Decode(&sa) == nil && sa.Email != "" {
				n.saName[strings.ToLower(sa.Email)] = a.Name
			}
		}
	}
	return n
}

// of returns the base's name for the resource the plan names name: the
// same name, or the name with the project number, or the service account's
// name by email; name itself when the base has none of them.
func (n *namer) of(name string) string {
	if name == "" || n.names[name] {
		return name
	}
	if strings.HasPrefix(name, "//iam.googleapis.com/") {
		email := strings.ToLower(name[strings.LastIndexByte(name, '/')+1:])
		if a, ok := n.saName[email]; ok {
			return a
		}
	}
	i := strings.Index(name, "projects/")
	if i < 0 {
		return name
	}
	id, tail, _ := strings.Cut(name[i+len("projects/"):], "/")
	num, ok := n.numByID[id]
	if !ok {
		return name
	}
	alt := name[:i] + "projects/" + num
	if tail != "" {
		alt += "/" + tail
	}
	if n.names[alt] || strings.HasPrefix(name, crm) {
		return alt
	}
	return name
}

func clonePolicy(p *iam.Policy) *iam.Policy {
	c := &iam.Policy{Version: p.Version}
	for _, b := range p.Bindings {
		b.Members = slices.Clone(b.Members)
		if b.Condition != nil {
			cond := *b.Condition
			b.Condition = &cond
		}
		c.Bindings = append(c.Bindings, b)
	}
	return c
}

func sameCondition(a, b *iam.Condition) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Expression == b.Expression && a.Title == b.Title
}

// setBinding makes members the members of role under cond (none: the
// binding goes).
func setBinding(p *iam.Policy, role string, cond *iam.Condition, members []string) {
	p.Bindings = slices.DeleteFunc(p.Bindings, func(b iam.Binding) bool {
		return b.Role == role && sameCondition(b.Condition, cond)
	})
	if len(members) > 0 {
		p.Bindings = append(p.Bindings, iam.Binding{Role: role, Members: slices.Clone(members), Condition: cond})
	}
}

func addMember(p *iam.Policy, role string, cond *iam.Condition, m string) {
	for i, b := range p.Bindings {
		if b.Role == role && sameCondition(b.Condition, cond) {
			if !slices.Contains(b.Members, m) {
				p.Bindings[i].Members = append(p.Bindings[i].Members, m)
			}
			return
		}
	}
	p.Bindings = append(p.Bindings, iam.Binding{Role: role, Members: []string{m}, Condition: cond})
}

func removeMember(p *iam.Policy, role string, cond *iam.Condition, m string) {
	for i, b := range p.Bindings {
		if b.Role == role && sameCondition(b.Condition, cond) {
			p.Bindings[i].Members = slices.DeleteFunc(slices.Clone(b.Members), func(x string) bool { return x == m })
		}
	}
	p.Bindings = slices.DeleteFunc(p.Bindings, func(b iam.Binding) bool { return len(b.Members) == 0 })
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
