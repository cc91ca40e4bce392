package changeset

import (
	"cmp"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/iam"
)

// canonicalPolicy returns a copy of p with members sorted and deduplicated,
// empty bindings dropped, and bindings sorted by role, then condition
// expression and title. The etag and version are kept.
func canonicalPolicy(p iam.Policy) iam.Policy {
	out := iam.Policy{Version: p.Version, Etag: p.Etag}
	for _, b := range p.Bindings {
		members := slices.Clone(b.Members)
		slices.Sort(members)
		members = slices.Compact(members)
		if len(members) == 0 {
			continue
		}
		nb := iam.Binding{Role: b.Role, Members: members}
		if b.Condition != nil {
			c := *b.Condition
			nb.Condition = &c
		}
		out.Bindings = append(out.Bindings, nb)
	}
	slices.SortStableFunc(out.Bindings, func(a, b iam.Binding) int {
		return cmp.Or(strings.Compare(a.Role, b.Role), strings.Compare(condKey(a.Condition), condKey(b.Condition)))
	})
	// Bindings with the same role and condition are one binding.
	merged := out.Bindings[:0]
	for _, b := range out.Bindings {
		if n := len(merged); n > 0 && merged[n-1].Role == b.Role && condKey(merged[n-1].Condition) == condKey(b.Condition) {
			m := append(merged[n-1].Members, b.Members...)
			slices.Sort(m)
			merged[n-1].Members = slices.Compact(m)
			continue
		}
		merged = append(merged, b)
	}
	out.Bindings = merged
	if len(out.Bindings) == 0 {
		out.Bindings = nil
	}
	return out
}

// condKey identifies a condition within a policy: expression, then title.
func condKey(c *iam.Condition) string {
	if c == nil {
		return ""
	}
	return c.Expression + "\x00" + c.Title
}

// sameCondition reports whether a binding's condition is the one a step
// names. A step condition without a title matches on the expression alone.
func sameCondition(binding, step *iam.Condition) bool {
	if binding == nil || step == nil {
		return binding == nil && step == nil
	}
	if binding.Expression != step.Expression {
		return false
	}
	return step.Title == "" || binding.Title == step.Title
}

// applySteps returns the policy after the binding steps of steps that target
// resource, applied in order to before. Other steps are ignored.
func applySteps(before iam.Policy, resource string, steps []Step) iam.Policy {
	p := canonicalPolicy(before)
	for _, s := range steps {
		if s.Resource != resource {
			continue
		}
		switch s.Kind {
		case KindRemoveBinding:
			for i := range p.Bindings {
				b := &p.Bindings[i]
				if b.Role == s.Role && sameCondition(b.Condition, s.Condition) {
					b.Members = slices.DeleteFunc(slices.Clone(b.Members), func(m string) bool { return m == s.Member })
				}
			}
		case KindAddBinding:
			added := false
			for i := range p.Bindings {
				b := &p.Bindings[i]
				if b.Role == s.Role && sameCondition(b.Condition, s.Condition) {
					b.Members = append(slices.Clone(b.Members), s.Member)
					added = true
					break
				}
			}
			if !added {
				nb := iam.Binding{Role: s.Role, Members: []string{s.Member}}
				if s.Condition != nil {
					c := *s.Condition
					nb.Condition = &c
				}
				p.Bindings = append(p.Bindings, nb)
			}
		}
		p = canonicalPolicy(p)
	}
	return p
}

// hasConditions reports whether any binding of p is conditional.
func hasConditions(p iam.Policy) bool {
	for _, b := range p.Bindings {
		if b.Condition != nil && strings.TrimSpace(b.Condition.Expression) != "" {
			return true
		}
	}
	return false
}
