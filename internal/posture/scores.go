package posture

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// Scope kinds a score is kept for.
const (
	ScopeOrganization = "organization"
	ScopeFolder       = "folder"
	ScopeProject      = "project"
	ScopeLabel        = "label"
)

// ErrUnknownScope is returned for a scope the current snapshot has no score
// for.
var ErrUnknownScope = errors.New("posture: no such scope in the current snapshot")

// Scope is a drill-down page: one organization, folder, project or label
// value, its score and trend, what is under it, and the fixes worth most
// within it.
type Scope struct {
	Kind     string
	ID       string
	OrgID    string // the organization's node ID ("organization" when the input has none), for the breadcrumbs
	Score    rules.GroupScore
	Trend    []TrendPoint
	Parents  []rules.GroupScore // the folders above a folder or project, outermost first
	Folders  []rules.GroupScore // child folders (organization, folder)
	Projects []rules.GroupScore // child projects (organization, folder)
	Services []ServiceRow       // its services and jobs, worst first (project, label)
	TopFixes []rules.Fix
	Counts   []SeverityCount
}

// TopFixCount is how many fixes the overview and scope pages list.
const TopFixCount = 8

// Scope answers the drill-down page of a scope.
func (s *Service) Scope(ctx context.Context, kind, id string) (Scope, error) {
	c, err := s.Current()
	if err != nil {
		return Scope{}, err
	}
	rep := c.Report
	g := rep.Graph
	sc := Scope{Kind: kind, ID: id, OrgID: rep.Scores.Organization.ID}
	groups := map[string][]rules.GroupScore{ScopeFolder: rep.Scores.Folders, ScopeProject: rep.Scores.Projects, ScopeLabel: rep.Scores.Labels}
	var in func(service string) bool
	switch kind {
	case ScopeOrganization:
		sc.Score, sc.ID = rep.Scores.Organization, rep.Scores.Organization.ID
	case ScopeFolder, ScopeProject, ScopeLabel:
		i := slices.IndexFunc(groups[kind], func(gs rules.GroupScore) bool { return gs.ID == id })
		switch {
		case i >= 0:
			sc.Score = groups[kind][i]
		case kind == ScopeFolder && isFolder(g, id):
			// A folder with no service under it has no score row, but
			// names link to every folder's page: it is clean and empty.
			sc.Score = rules.GroupScore{ID: id, Label: names.Of(g, id).Text, Score: rules.ServiceScoreOf(0), Grade: rules.Grade(rules.ServiceScoreOf(0)), Baseline: 1}
		default:
			return Scope{}, ErrUnknownScope
		}
	default:
		return Scope{}, ErrUnknownScope
	}
	switch kind {
	case ScopeOrganization, ScopeFolder:
		parent := id
		for _, f := range rep.Scores.Folders {
			if n, ok := g.Node(f.ID); ok && (n.Parent == parent || (kind == ScopeOrganization && !isFolder(g, n.Parent))) {
				sc.Folders = append(sc.Folders, f)
			}
		}
		for _, p := range rep.Scores.Projects {
			if n, ok := g.Node(p.ID); ok && (n.Parent == parent || (kind == ScopeOrganization && !isFolder(g, n.Parent))) {
				sc.Projects = append(sc.Projects, p)
			}
		}
		if kind == ScopeFolder {
			in = below(g, id)
		}
	case ScopeProject:
		in = below(g, id)
	case ScopeLabel:
		k, v, _ := strings.Cut(id, "=")
		in = func(svc string) bool {
			n, ok := g.Node(svc)
			return ok && n.Labels[k] == v
		}
	}
	if kind == ScopeFolder || kind == ScopeProject {
		for _, a := range g.Ancestors(id) {
			switch a.Kind {
			case graph.KindFolder:
				if i := slices.IndexFunc(rep.Scores.Folders, func(f rules.GroupScore) bool { return f.ID == a.ID }); i >= 0 {
					sc.Parents = append(sc.Parents, rep.Scores.Folders[i])
				}
			}
		}
		slices.Reverse(sc.Parents)
	}
	var counts map[rules.Severity]int
	if in == nil { // the whole organization: its top fixes are computed once per served state
		sc.TopFixes, counts = c.topFixes(), rep.Counts()
	} else {
		// The scope's services, then the findings that affect one of them,
		// in their order, from the index of what affects each service:
		// asking of every finding's every workload whether it is in the
		// scope is millions of questions at 50,000 services.
		d := c.details()
		members := map[string]bool{}
		var affecting []int
		for _, sv := range rep.Scores.Services {
			if !in(sv.Service) {
				continue
			}
			members[sv.Service] = true
			affecting = append(affecting, d.affected[sv.Service]...)
			if kind == ScopeProject || kind == ScopeLabel {
				sc.Services = append(sc.Services, s.row(c, sv))
			}
		}
		slices.Sort(affecting)
		affecting = slices.Compact(affecting)
		findings := make([]rules.Finding, len(affecting))
		counts = map[rules.Severity]int{}
		for j, i := range affecting {
			findings[j] = rep.Findings[i]
			if !findings[j].Excepted {
				counts[findings[j].Severity]++
			}
		}
		sc.TopFixes = rules.TopFixes(rep.Scores, findings, func(svc string) bool { return members[svc] }, TopFixCount)
	}
	for _, sev := range rules.Severities() {
		sc.Counts = append(sc.Counts, SeverityCount{Severity: sev, N: counts[sev]})
	}
	history, err := s.st.ScoreHistory(ctx, kind, sc.ID, 60)
	if err != nil {
		return sc, err
	}
	for _, h := range history {
		sc.Trend = append(sc.Trend, TrendPoint{At: h.At, Score: h.Score, Grade: h.Grade})
	}
	return sc, nil
}

func isFolder(g *graph.Graph, id string) bool {
	n, ok := g.Node(id)
	return ok && n.Kind == graph.KindFolder
}

// below returns whether a node lies below container (see under),
// remembering the answer for each parent: the thousands of services a
// scope page asks about share a few hundred parents.
func below(g *graph.Graph, container string) func(id string) bool {
	known := map[string]bool{}
	return func(id string) bool {
		n, ok := g.Node(id)
		if !ok || n.Parent == "" {
			return false
		}
		v, ok := known[n.Parent]
		if !ok {
			v = n.Parent == container || under(g, n.Parent, container)
			known[n.Parent] = v
		}
		return v
	}
}

// under reports whether node id lies below container.
func under(g *graph.Graph, id, container string) bool {
	for _, a := range g.Ancestors(id) {
		if a.ID == container {
			return true
		}
	}
	return false
}
