package rules

import (
	"math"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
)

// Score is a posture score with its grade.
type Score struct {
	Score int    `json:"score"`
	Grade string `json:"grade"`
}

// ServiceScore is the score of one service or job.
type ServiceScore struct {
	Service  string   `json:"service"`
	Label    string   `json:"label"`
	Project  string   `json:"project"`
	Score    int      `json:"score"`
	Grade    string   `json:"grade"`
	Risk     int      `json:"risk"`     // the severity weights of its open findings, summed (see ServiceScoreOf)
	Findings []string `json:"findings"` // IDs of the open findings that cost points, most severe first
	Baseline bool     `json:"baseline"` // no open critical or high finding
}

// GroupScore is the score of a project, folder, organization or label value.
type GroupScore struct {
	ID       string  `json:"id"`
	Label    string  `json:"label"`
	Score    int     `json:"score"`
	Grade    string  `json:"grade"`
	Services int     `json:"services"`
	Baseline float64 `json:"baseline"` // share of its services meeting the baseline, 0..1
}

// Scores is the posture of an inventory.
type Scores struct {
	Organization GroupScore     `json:"organization"`
	Folders      []GroupScore   `json:"folders"`
	Projects     []GroupScore   `json:"projects"`
	Labels       []GroupScore   `json:"labels"` // ID is "key=value"
	Services     []ServiceScore `json:"services"`
}

// Grade maps a score to a letter: A >= 90, B >= 75, C >= 60, D >= 40, else F.
func Grade(score int) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 75:
		return "B"
	case score >= 60:
		return "C"
	case score >= 40:
		return "D"
	}
	return "F"
}

// ServiceScoreOf is the score of a service or job whose open findings weigh
// risk points (critical 40, high 20, medium 8, low 3, summed): 100 with
// none, else max(1, round(100 * 50 / (50 + risk))). It falls with every
// finding and never reaches 0, so every fix raises it: one critical lands in
// D (56), a lone low stays A (94).
func ServiceScoreOf(risk int) int {
	if risk <= 0 {
		return 100
	}
	return max(1, int(math.Round(100*50/float64(50+risk))))
}

// ComputeScores scores every service and job of g from findings.
//
// A service's (or job's) risk is the sum of the severity weights of the
// open, not-excepted findings whose Affects include it, each finding counted
// once; its score is ServiceScoreOf(risk). A project's, folder's, label
// value's and the organization's score is the mean of the scores of the
// services and jobs under it, rounded half away from zero; 100 when it has
// none. Baseline is the share of services with no open critical or high
// finding.
//
// Services are sorted by score ascending, then risk descending (rounding
// can give two risks one score), then ID; projects, folders and labels by
// score ascending, then ID.
func ComputeScores(g *graph.Graph, findings []Finding) Scores {
	type acc struct {
		lost     int
		findings []string
		severe   bool
	}
	per := map[string]*acc{}
	for _, f := range findings {
		if f.Excepted {
			continue
		}
		for _, id := range f.Affects {
			a := per[id]
			if a == nil {
				a = &acc{}
				per[id] = a
			}
			a.lost += f.Severity.Weight()
			a.findings = append(a.findings, f.ID)
			if f.Severity >= High {
				a.severe = true
			}
		}
	}
	type group struct {
		label  string
		scores []int
		base   int
	}
	type groupKey struct{ kind, id string } // "project", "folder" or "label" ("k=v")
	groups := map[groupKey]*group{}
	add := func(kind, id, label string, score int, base bool) {
		k := groupKey{kind, id}
		gr := groups[k]
		if gr == nil {
			gr = &group{label: label}
			groups[k] = gr
		}
		gr.scores = append(gr.scores, score)
		if base {
			gr.base++
		}
	}
	var s Scores
	var all []int
	baseAll := 0
	chains := map[string][]*graph.Node{}
	for _, n := range workloads(g) {
		a := per[n.ID]
		if a == nil {
			a = &acc{}
		}
		score := ServiceScoreOf(a.lost)
		ss := ServiceScore{Service: n.ID, Label: n.Label, Project: n.Project, Score: score, Grade: Grade(score), Risk: a.lost,
			Findings: slices.Clip(a.findings), Baseline: !a.severe} // a.findings is this service's alone
		if ss.Findings == nil {
			ss.Findings = []string{}
		}
		s.Services = append(s.Services, ss)
		all = append(all, score)
		if ss.Baseline {
			baseAll++
		}
		// A workload's containers are its parent's: found once a parent.
		ancs, ok := chains[n.Parent]
		if !ok {
			ancs = g.Ancestors(n.ID)
			chains[n.Parent] = ancs
		}
		for _, anc := range ancs {
			switch anc.Kind {
			case graph.KindProject:
				add("project", anc.ID, anc.Project, score, ss.Baseline)
			case graph.KindFolder:
				add("folder", anc.ID, anc.Label, score, ss.Baseline)
			}
		}
		for k, v := range n.Labels {
			add("label", k+"="+v, k+"="+v, score, ss.Baseline)
		}
	}
	s.Organization = GroupScore{ID: "organization", Label: "organization", Score: mean(all), Services: len(all), Baseline: share(baseAll, len(all))}
	s.Organization.Grade = Grade(s.Organization.Score)
	if orgs := g.NodesOf(graph.KindOrganization); len(orgs) == 1 {
		s.Organization.ID, s.Organization.Label = orgs[0].ID, orgs[0].Label
	}
	// Projects without services score 100.
	for _, p := range g.NodesOf(graph.KindProject) {
		if k := (groupKey{"project", p.ID}); groups[k] == nil {
			groups[k] = &group{label: p.Project}
		}
	}
	for k, gr := range groups {
		kind, id := k.kind, k.id
		sc := mean(gr.scores)
		gs := GroupScore{ID: id, Label: gr.label, Score: sc, Grade: Grade(sc), Services: len(gr.scores), Baseline: share(gr.base, len(gr.scores))}
		switch kind {
		case "project":
			s.Projects = append(s.Projects, gs)
		case "folder":
			s.Folders = append(s.Folders, gs)
		case "label":
			s.Labels = append(s.Labels, gs)
		}
	}
	byScore := func(a, b GroupScore) int {
		if a.Score != b.Score {
			return a.Score - b.Score
		}
		return strings.Compare(a.ID, b.ID)
	}
	slices.SortFunc(s.Projects, byScore)
	slices.SortFunc(s.Folders, byScore)
	slices.SortFunc(s.Labels, byScore)
	slices.SortFunc(s.Services, func(a, b ServiceScore) int {
		if a.Score != b.Score {
			return a.Score - b.Score
		}
		if a.Risk != b.Risk {
			return b.Risk - a.Risk
		}
		return strings.Compare(a.Service, b.Service)
	})
	return s
}

func mean(xs []int) int {
	if len(xs) == 0 {
		return 100
	}
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return int(math.Round(float64(sum) / float64(len(xs))))
}

func share(n, of int) float64 {
	if of == 0 {
		return 1
	}
	return float64(n) / float64(of)
}

// Fix is a finding with what fixing it is worth.
type Fix struct {
	Finding Finding `json:"finding"`
	// Risk is the risk points fixing it removes: its severity weight times
	// the number of services and jobs (in scope) it affects.
	Risk int `json:"risk"`
	// Points is how much the scope's score (before rounding) rises when
	// this finding is fixed: the sum over the services it affects of their
	// score gain, divided by the number of services and jobs in scope.
	Points float64 `json:"points"`
	// Services is how many services' scores rise.
	Services int `json:"services"`
}

// TopFixes ranks the open, not-excepted findings by the risk points fixing
// each removes, across every workload it affects, most first (ties: the
// score points gained, severity, then ID), at most limit (0: all). within,
// if not nil, restricts the services counted (and the score divisor) to a
// scope, such as one project, and leaves out findings that affect none of
// them. Without a scope, findings that affect no workload (a public bucket
// no service uses) come last, with no risk: the list is empty only when no
// finding is open.
func TopFixes(s Scores, findings []Finding, within func(service string) bool, limit int) []Fix {
	risk := map[string]int{}
	n := 0
	for _, sv := range s.Services {
		if within != nil && !within(sv.Service) {
			continue
		}
		risk[sv.Service] = sv.Risk
		n++
	}
	// Rank small (risk, points, services, index) tuples, then copy out only
	// the findings that make the cut: findings are large to move around.
	type ranked struct {
		risk     int
		points   float64
		services int
		i        int
	}
	var rs []ranked
	for i, f := range findings {
		if f.Excepted {
			continue
		}
		w := f.Severity.Weight()
		removed, gain, services := 0, 0, 0
		for _, a := range f.Affects {
			r, ok := risk[a]
			if !ok {
				continue
			}
			removed += w
			if d := ServiceScoreOf(r-w) - ServiceScoreOf(r); d > 0 {
				gain += d
				services++
			}
		}
		if removed == 0 && (within != nil || len(f.Affects) > 0) {
			continue
		}
		points := 0.0
		if n > 0 {
			points = float64(gain) / float64(n)
		}
		rs = append(rs, ranked{removed, points, services, i})
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		fa, fb := findings[a.i], findings[b.i]
		switch {
		case a.risk != b.risk:
			return b.risk - a.risk
		case a.points != b.points:
			if a.points > b.points {
				return -1
			}
			return 1
		case fa.Severity != fb.Severity:
			return int(fb.Severity - fa.Severity)
		}
		return strings.Compare(fa.ID, fb.ID)
	})
	if limit > 0 && len(rs) > limit {
		rs = rs[:limit]
	}
	out := make([]Fix, 0, len(rs))
	for _, r := range rs {
		out = append(out, Fix{Finding: findings[r.i], Risk: r.risk, Points: r.points, Services: r.services})
	}
	return out
}
