// Package scan runs the whole offline pipeline on an inventory: build the
// graph, run the check catalog, score. Both the command line and the server
// call it, so they always agree.
package scan

import (
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// Report is the result of one scan.
type Report struct {
	Inventory    *inventory.Inventory
	Graph        *graph.Graph
	Roles        *iam.Catalog
	UnknownRoles map[string][]string
	Problems     []inventory.Problem    // reading and building problems together, the first inventory.MaxProblems
	ProblemTally inventory.ProblemTally // every problem, listed or not, by kind
	Findings     []rules.Finding
	Passes       []rules.PassRecord
	// Baseline is the comparison with an earlier scan (Compare); nil
	// without one.
	Baseline *BaselineSummary
	// Gaps is what the input lacked: the checks each blinds were not run
	// and are unknown, neither passed nor failed.
	Gaps    []rules.Gap
	Scores  rules.Scores
	At      time.Time
	Timings Timings
	// Locate gives the file and line that declare a Terraform resource
	// address (line 0: the file only), for SARIF physical locations; nil
	// unless the scan read a plan.
	Locate func(address string) (file string, line int)
}

// Timings is how long each phase of Run took.
type Timings struct {
	Build  time.Duration // inventory -> graph
	Checks time.Duration // the check catalog
	Scores time.Duration
	// BuildSteps are the build's steps; CheckTimes how long each check
	// took, the slowest first (checks run side by side: they add up to
	// more than Checks).
	BuildSteps build.Timings
	CheckTimes []rules.CheckTime
}

// Run scans inv at time now with the given rules. excepted reports whether a
// finding ID is covered by an unexpired exception (nil: none is).
func Run(inv *inventory.Inventory, roles *iam.Catalog, checks []rules.Rule, now time.Time, excepted func(id string) bool) *Report {
	return RunWith(inv, roles, checks, now, excepted, nil)
}

// RunWith is Run reusing the typed views of an earlier scan's build (see
// build.Views; nil: none).
func RunWith(inv *inventory.Inventory, roles *iam.Catalog, checks []rules.Rule, now time.Time, excepted func(id string) bool, views *build.Views) *Report {
	return RunOptions(inv, roles, checks, now, Options{Excepted: excepted, Views: views})
}

// Options are the choices of RunOptions; the zero value is Run's.
type Options struct {
	// Excepted reports whether a finding ID is covered by an unexpired
	// exception (nil: none is).
	Excepted func(id string) bool
	// Views are the typed views of an earlier scan's build to reuse
	// (build.Views; nil: none).
	Views *build.Views
	// ReleaseData is for a one-shot command that is done with the
	// inventory once the graph is built: the inventory's assets are let go
	// (inventory.ReleaseData; the graph keeps the names and typed views it
	// needs) and collected while the checks run, which reuse their memory.
	// At 20,000 services this takes a scan's peak memory from about 1.3 GB
	// to about 0.9 GB.
	ReleaseData bool
}

// RunOptions scans inv at time now with the given rules.
func RunOptions(inv *inventory.Inventory, roles *iam.Catalog, checks []rules.Rule, now time.Time, opts Options) *Report {
	t0 := time.Now()
	b := build.GraphWith(inv, roles, now, opts.Views)
	if opts.ReleaseData {
		inv.ReleaseData()
		// Collect now: the collector's next goal was set while the assets
		// were live, and would let the heap grow to twice that first. In
		// the background: the checks need not wait for it, and the memory
		// freed is theirs to reuse (returning it to the system, as
		// debug.FreeOSMemory did, cost a tenth of a large scan in page
		// faults taking it back).
		go runtime.GC()
	}
	t1 := time.Now()
	rc := &rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now,
		Recommendations: inv.Recommendations, Insights: inv.Insights, Coverage: &inv.Coverage}
	findings, passes, times := rules.RunTimed(rc, checks)
	gaps := rules.Gaps(rc, checks)
	t2 := time.Now()
	if opts.Excepted != nil {
		for i := range findings {
			findings[i].Excepted = opts.Excepted(findings[i].ID)
		}
	}
	if inv.Declared != nil {
		for i := range findings {
			findings[i].Addresses = addresses(inv, b.Graph, findings[i])
		}
	}
	problems, tally := boundProblems(inv, b.Problems)
	scores := rules.ComputeScores(b.Graph, findings)
	return &Report{
		Inventory: inv, Graph: b.Graph, Roles: b.Roles, UnknownRoles: b.UnknownRoles, Problems: problems, ProblemTally: tally,
		Findings: findings, Passes: passes, Gaps: gaps, Scores: scores, At: now,
		Timings: Timings{Build: t1.Sub(t0), Checks: t2.Sub(t1), Scores: time.Since(t2), BuildSteps: b.Timings, CheckTimes: times},
	}
}

// boundProblems lists the read's problems, then the build's, up to
// inventory.MaxProblems, and tallies all of them.
func boundProblems(inv *inventory.Inventory, built []inventory.Problem) ([]inventory.Problem, inventory.ProblemTally) {
	all := maps.Clone(inv.Tally().All)
	if all == nil {
		all = map[inventory.ProblemKind]int{}
	}
	for _, p := range built {
		all[p.Kind]++
	}
	problems := slices.Concat(inv.Problems, built)
	problems = problems[:min(len(problems), inventory.MaxProblems)]
	return problems, inventory.TallyProblems(problems, all)
}

// Counts returns the number of open (not excepted) findings by severity.
func (r *Report) Counts() map[rules.Severity]int {
	c := map[rules.Severity]int{}
	for _, f := range r.Findings {
		if !f.Excepted {
			c[f.Severity]++
		}
	}
	return c
}

// Finding returns the finding with id.
func (r *Report) Finding(id string) (rules.Finding, bool) {
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return rules.Finding{}, false
}

// WithExceptions returns a copy of the report whose findings are marked
// excepted where excepted says so, with scores recomputed. The graph and the
// inventory are shared, not copied.
func (r *Report) WithExceptions(excepted func(id string) bool) *Report {
	c := *r
	c.Findings = slices.Clone(r.Findings)
	for i := range c.Findings {
		c.Findings[i].Excepted = excepted != nil && excepted(c.Findings[i].ID)
	}
	c.Scores = rules.ComputeScores(c.Graph, c.Findings)
	return &c
}

// addresses returns the Terraform addresses that declare f's subject and the
// grants of its evidence, the subject's first.
func addresses(inv *inventory.Inventory, g *graph.Graph, f rules.Finding) []string {
	name := func(id string) string {
		if n, ok := g.Node(id); ok && n.Name != "" {
			return n.Name
		}
		return id
	}
	var out []string
	if a := inv.Address(name(f.Subject), "", ""); a != "" {
		out = append(out, a)
	}
	for _, b := range f.Evidence.Bindings {
		if a := inv.Address(name(b.Via), b.Role, b.Member); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
