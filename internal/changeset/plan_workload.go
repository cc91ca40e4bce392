package changeset

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/rules"
)

// One plan per workload: the findings about a runtime identity's grants
// (identityChecks) and the default-identity finding of its workload are
// fixed together, by one change set that lists them all.
//
//   - A workload on the default compute identity gets a dedicated identity
//     fitted to what it uses (planRuntimeDefaultSA). When the default
//     identity serves nothing else, its grants go in the same change set,
//     and so the default identity's basic-role, project-wide and unused-role
//     findings are fixed by it too; proposing any of them offers this plan
//     (workloadPlanOf).
//   - An identity of its own (not the default one) with several such
//     findings gets one change set that fits its grants and removes every
//     flagged binding (withSiblings).
//
// A grant is never removed from an identity that other workloads or callers
// still use: such a removal is a later step, which names what still
// depends on it.

// identityChecks are the checks about a runtime identity's grants.
var identityChecks = []string{"runtime-basic-role", "runtime-project-scope-grant", "runtime-unused-permissions", "runtime-privileged"}

// open reports whether g is a finding still to fix.
func open(g rules.Finding) bool { return !g.Excepted }

// workloadPlanOf returns the finding whose plan fixes an identity finding
// f together with the others it belongs with: for the default compute
// identity of exactly one workload, that workload's runtime-default-sa
// finding (a dedicated identity, then the default identity's grants
// removed); else the identity's lead finding (see before).
func workloadPlanOf(in Input, f rules.Finding) (rules.Finding, bool) {
	if !slices.Contains(identityChecks, f.Check) || in.Graph == nil {
		return rules.Finding{}, false
	}
	users := in.Graph.In(f.Subject, graph.RunsAs)
	if len(users) == 1 && iam.IsDefaultComputeSA(iam.ParseMember(f.Subject).Value) {
		for _, g := range in.Findings {
			if g.Check == "runtime-default-sa" && g.Subject == users[0].From && open(g) {
				return g, true
			}
		}
	}
	// Else the identity's own plan, led by its first finding in the order
	// of identityChecks: the same plan whichever of them is proposed.
	lead := f
	for _, g := range in.Findings {
		if g.Subject == f.Subject && open(g) && slices.Contains(identityChecks, g.Check) && before(g, lead) {
			lead = g
		}
	}
	return lead, lead.ID != f.ID
}

// before orders identity findings: by check (identityChecks), then ID.
func before(a, b rules.Finding) bool {
	if x, y := slices.Index(identityChecks, a.Check), slices.Index(identityChecks, b.Check); x != y {
		return x < y
	}
	return a.ID < b.ID
}

// withSiblings merges into an identity finding's plan the plans of the
// other open identity findings of the same identity, and lists them as
// fixed.
func (p *planner) withSiblings() error {
	if !slices.Contains(identityChecks, p.f.Check) {
		return nil
	}
	first := p.f
	title, rationale := p.cs.Title, p.cs.Rationale
	merged := 0
	for _, g := range p.in.Findings {
		if g.ID == first.ID || g.Subject != first.Subject || !slices.Contains(identityChecks, g.Check) || !open(g) {
			continue
		}
		p.f = g
		if err := planners[g.Check](p); err != nil {
			return fmt.Errorf("with %s: %w", g.Check, err)
		}
		p.cs.Fixes = append(p.cs.Fixes, g.ID)
		merged++
	}
	p.f = first
	if merged == 0 {
		return nil
	}
	sa, err := p.subject() // planned already: it is in the graph
	if err != nil {
		return err
	}
	p.cs.Title = fmt.Sprintf("Least privilege for runtime identity %s (%d findings)", saEmail(sa), merged+1)
	p.cs.Rationale = rationale + " The same change fixes the identity's other grant findings: " + title + ", and the rest listed as fixed."
	p.order()
	return nil
}

// order puts merged steps in the order that never leaves a workload
// without what it needs: accounts and secrets are created, grants made and
// workloads switched before any grant is removed or key deleted. A manual
// step keeps its place relative to the removals (it says what to check
// before them).
func (p *planner) order() {
	phase := func(s Step) int {
		switch s.Kind {
		case KindCreateServiceAccount, KindCreateSecretFromEnv:
			return 0
		case KindAddBinding:
			return 1
		case KindSetPushAuth, KindSetSchedulerOIDC, KindUpdateService:
			return 2
		case KindManual:
			return 3
		}
		return 4 // removeBinding, deleteKey
	}
	slices.SortStableFunc(p.cs.Steps, func(a, b Step) int { return cmp.Compare(phase(a), phase(b)) })
}

// alsoFixes adds to the change set's fixes every other open finding whose
// evidence binding one of its steps removes: that finding is gone once the
// change set is applied.
func (p *planner) alsoFixes() {
	for _, g := range p.in.Findings {
		if !open(g) || slices.Contains(p.cs.Fixes, g.ID) || len(g.Evidence.Bindings) == 0 || !slices.Contains(identityChecks, g.Check) {
			continue
		}
		removed := true
		for _, b := range g.Evidence.Bindings {
			if !p.removes(b) {
				removed = false
				break
			}
		}
		if removed {
			p.cs.Fixes = append(p.cs.Fixes, g.ID)
		}
	}
}

// removes reports whether a step of the plan removes binding b.
func (p *planner) removes(b rules.BindingEvidence) bool {
	t := p.target(b.Via)
	id := iam.ParseMember(b.Member).ID()
	return slices.ContainsFunc(p.cs.Steps, func(s Step) bool {
		return s.Kind == KindRemoveBinding && s.Resource == t.Resource && s.Role == b.Role && iam.ParseMember(s.Member).ID() == id
	})
}
