package posture

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// Overview is what the overview page shows.
type Overview struct {
	Snapshot store.Snapshot
	Org      rules.GroupScore
	Counts   []SeverityCount // most severe first
	Excepted int
	Services int
	Jobs     int
	Trend    []TrendPoint
	TopFixes []rules.Fix // the findings whose fix raises the organization score most
	Folders  []rules.GroupScore
	Projects []rules.GroupScore // worst first
	Teams    []rules.GroupScore // label values of the "team" label, worst first
	Problems []string           // the first inventory.MaxProblems
	// ProblemTally counts every problem by kind, listed or not.
	ProblemTally inventory.ProblemTally
	LastFailed   *store.Snapshot // the latest sync, if it failed after the current snapshot
	// Gaps is what the snapshot's input lacked: the checks each blinds are
	// unknown, neither passed nor failed.
	Gaps []rules.Gap
	// NotServing counts the services that never served.
	NotServing int
	// FeedAt is when the asset feed last changed the state served (zero:
	// not since the snapshot).
	FeedAt time.Time
}

// TrendPoint is the organization score at one snapshot.
type TrendPoint struct {
	At    time.Time
	Score int
	Grade string
}

// SeverityCount is the number of open findings of one severity.
type SeverityCount struct {
	Severity rules.Severity
	N        int
}

// overviewCache is the overview of one served state after a given number
// of finished syncs.
type overviewCache struct {
	cur   *Current
	syncs uint64
	o     Overview
}

// Overview answers the overview page. It is computed once per served state
// and sync attempt (every manager opening the console at nine reads the
// same answer) and shared read-only by the requests.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	c, err := s.Current()
	if err != nil {
		return Overview{}, err
	}
	syncs := s.syncs.Load() // before reading the store: a sync ending meanwhile makes this answer stale, not wrong forever
	if oc := s.overview.Load(); oc != nil && oc.cur == c && oc.syncs == syncs {
		return oc.o, nil
	}
	o, err := s.computeOverview(ctx, c)
	if err != nil {
		return o, err
	}
	s.overview.Store(&overviewCache{cur: c, syncs: syncs, o: o})
	return o, nil
}

func (s *Service) computeOverview(ctx context.Context, c *Current) (Overview, error) {
	rep := c.Report
	o := Overview{Snapshot: c.Snapshot, Org: rep.Scores.Organization, Projects: rep.Scores.Projects, Folders: rep.Scores.Folders,
		TopFixes: c.topFixes(), FeedAt: c.FeedAt}
	o.Services, o.Jobs = len(rep.Graph.NodesOf(graph.KindService)), len(rep.Graph.NodesOf(graph.KindJob))
	for _, l := range rep.Scores.Labels {
		if strings.HasPrefix(l.ID, "team=") {
			o.Teams = append(o.Teams, l)
		}
	}
	counts := rep.Counts()
	for _, sev := range rules.Severities() {
		o.Counts = append(o.Counts, SeverityCount{Severity: sev, N: counts[sev]})
	}
	for _, f := range rep.Findings {
		if f.Excepted {
			o.Excepted++
		}
	}
	for _, p := range rep.Problems {
		o.Problems = append(o.Problems, p.String())
	}
	o.ProblemTally = rep.ProblemTally
	o.Gaps = rep.Gaps
	for _, n := range rep.Graph.NodesOf(graph.KindService) {
		if w, ok := n.Data.(*inventory.Workload); ok && w != nil && w.NotServing != "" {
			o.NotServing++
		}
	}
	history, err := s.st.ScoreHistory(ctx, "organization", "", 30)
	if err != nil {
		return o, err
	}
	for _, h := range history {
		o.Trend = append(o.Trend, TrendPoint{At: h.At, Score: h.Score, Grade: h.Grade})
	}
	recent, err := s.st.Snapshots(ctx, 1)
	if err != nil {
		return o, err
	}
	if len(recent) == 1 && recent[0].Status == "failed" {
		o.LastFailed = &recent[0]
	}
	return o, nil
}

// ServiceRow is one line of the services list.
type ServiceRow struct {
	ID       string
	Name     string
	Kind     graph.Kind
	Project  string
	Region   string
	Shape    string
	Identity string // runtime service account email
	Ingress  string
	Public   bool
	Score    int
	Grade    string
	Findings int
	// ProjectScope is the project's scope ID (its resource name), for its
	// score drill-down; "" if the graph lacks the project.
	ProjectScope string
	// NotServing says why the service never served, if it did not.
	NotServing string
}

// ServiceFilter selects, orders and pages services.
type ServiceFilter struct {
	Query   string // substring of name, project, identity or ID, case-insensitive
	Project string // exact project ID
	Sort    string // "score" (default, worst first), "name", "project"
	Page    int    // 1-based; 0 means 1
}

// PageSize is how many services a page of the list holds.
const PageSize = 100

// ServiceList is one page of the filtered services.
type ServiceList struct {
	Rows     []ServiceRow
	Total    int // matching services, all pages
	Page     int
	Pages    int
	Projects []string // every project, for the filter's choices
}

// Services lists the services and jobs matching f, one page of them. Rows
// are built once per snapshot, so a request only filters and sorts.
func (s *Service) Services(f ServiceFilter) (ServiceList, error) {
	c, err := s.Current()
	if err != nil {
		return ServiceList{}, err
	}
	c.rowsOnce.Do(func() { s.buildRows(c) })
	// An unfiltered list is a window on the rows built once (sorted once per
	// order); a filter copies only what matches.
	var rows []ServiceRow
	q := strings.ToLower(f.Query)
	if q == "" && f.Project == "" {
		rows = c.sorted(f.Sort)
	} else {
		for i, row := range c.rows {
			if f.Project != "" && row.Project != f.Project {
				continue
			}
			if q != "" && !strings.Contains(c.rowKeys[i], q) {
				continue
			}
			rows = append(rows, row)
		}
		sortRows(rows, f.Sort)
	}
	l := ServiceList{Total: len(rows), Projects: c.projects, Pages: max(1, (len(rows)+PageSize-1)/PageSize)}
	l.Page = min(max(f.Page, 1), l.Pages)
	from := (l.Page - 1) * PageSize
	l.Rows = rows[min(from, len(rows)):min(from+PageSize, len(rows))]
	return l, nil
}

// sortRows orders rows: "name", "project", or as given (worst score first).
func sortRows(rows []ServiceRow, by string) {
	switch by {
	case "name":
		slices.SortStableFunc(rows, func(a, b ServiceRow) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
	case "project":
		slices.SortStableFunc(rows, func(a, b ServiceRow) int {
			return cmp.Or(strings.Compare(a.Project, b.Project), strings.Compare(a.Name, b.Name))
		})
	}
}

// sorted returns every row in the given order, sorting a copy once per order.
func (c *Current) sorted(by string) []ServiceRow {
	if by != "name" && by != "project" {
		return c.rows
	}
	c.sortedMu.Lock()
	defer c.sortedMu.Unlock()
	if rows, ok := c.sortedRows[by]; ok {
		return rows
	}
	rows := slices.Clone(c.rows)
	sortRows(rows, by)
	if c.sortedRows == nil {
		c.sortedRows = map[string][]ServiceRow{}
	}
	c.sortedRows[by] = rows
	return rows
}

func (s *Service) buildRows(c *Current) {
	projects := map[string]bool{}
	for _, sc := range c.Report.Scores.Services {
		row := s.row(c, sc)
		c.rows = append(c.rows, row)
		c.rowKeys = append(c.rowKeys, strings.ToLower(row.Name+" "+row.Project+" "+row.Identity+" "+row.ID))
		projects[row.Project] = true
	}
	for p := range projects {
		c.projects = append(c.projects, p)
	}
	slices.Sort(c.projects)
}

func (s *Service) row(c *Current, sc rules.ServiceScore) ServiceRow {
	g := c.Report.Graph
	n, _ := g.Node(sc.Service)
	row := ServiceRow{ID: sc.Service, Name: sc.Label, Project: sc.Project, Score: sc.Score, Grade: sc.Grade, Findings: len(sc.Findings)}
	if n != nil {
		if p, ok := g.Node(n.Parent); ok && p.Kind == graph.KindProject {
			row.ProjectScope = p.ID
		}
		row.Kind = n.Kind
		if w, ok := n.Data.(*inventory.Workload); ok {
			row.Region, row.Shape, row.Ingress, row.NotServing = w.Region, w.Shape, w.Ingress, w.NotServing
		}
	}
	if e := g.Out(sc.Service, graph.RunsAs); len(e) > 0 {
		row.Identity = strings.TrimPrefix(e[0].To, "serviceAccount:")
	}
	for _, e := range g.In(sc.Service, graph.CanInvoke) {
		if (e.From == "allUsers" || e.From == "allAuthenticatedUsers") && e.Condition == "" {
			row.Public = true
		}
	}
	return row
}

// ServiceDetail is what a service's page shows: callers -> service ->
// identity -> what the identity can reach, with findings.
type ServiceDetail struct {
	Row      ServiceRow
	Workload *inventory.Workload
	Callers  []Caller
	RunsAs   []graph.Edge
	Reach    []graph.Edge // the identity's has_role and can_act_as edges
	Uses     []graph.Edge
	Findings []rules.Finding
	// Gaps is what the snapshot's input lacked: the checks each names are
	// unknown on this service as on every other.
	Gaps []rules.Gap
	// Recommender data about the runtime identity.
	Recommendations []Recommendation
	Insights        []inventory.Insight
}

// Recommendation is an IAM recommendation with the permissions it would
// revoke, computed from the role catalog (RevokedKnown is false when the
// removed role is not in it).
type Recommendation struct {
	inventory.Recommendation
	Revoked      []string
	RevokedKnown bool
}

// Caller is one way to reach a service: a principal's binding, or a push
// subscription / trigger / Scheduler job with the identity it uses.
type Caller struct {
	Edge  graph.Edge
	Kind  graph.Kind
	Label string
	Auth  string // "IAM binding", "OIDC as SA", "unauthenticated"
	// Identity is the node ID of the service account whose OIDC token it
	// sends, if it sends one.
	Identity string
}

// Service returns the detail of service or job id.
func (s *Service) Service(id string) (ServiceDetail, bool, error) {
	c, err := s.Current()
	if err != nil {
		return ServiceDetail{}, false, err
	}
	g := c.Report.Graph
	n, ok := g.Node(id)
	if !ok || !n.Kind.IsWorkload() {
		return ServiceDetail{}, false, nil
	}
	idx := c.details()
	var sc rules.ServiceScore
	if i, ok := idx.scores[id]; ok {
		sc = c.Report.Scores.Services[i]
	}
	d := ServiceDetail{Row: s.row(c, sc), Gaps: c.Report.Gaps}
	d.Workload, _ = n.Data.(*inventory.Workload)
	for _, e := range g.In(id, graph.CanInvoke, graph.PushesTo, graph.Triggers) {
		from, _ := g.Node(e.From)
		cl := Caller{Edge: e, Kind: from.Kind, Label: from.Label, Auth: "IAM binding " + e.Role}
		if e.Kind != graph.CanInvoke {
			cl.Auth = "unauthenticated"
			if auth := g.Out(e.From, graph.AuthenticatesAs); len(auth) > 0 {
				cl.Auth = "OIDC token as " + strings.TrimPrefix(auth[0].To, "serviceAccount:")
				cl.Identity = auth[0].To
			}
		}
		d.Callers = append(d.Callers, cl)
	}
	d.RunsAs = g.Out(id, graph.RunsAs)
	for _, ra := range d.RunsAs {
		d.Reach = append(d.Reach, g.Out(ra.To, graph.HasRole, graph.CanActAs)...)
	}
	d.Uses = g.Out(id, graph.Uses)
	for _, ra := range d.RunsAs {
		recs, ins := c.recommenderFor(ra.To)
		d.Recommendations = append(d.Recommendations, recs...)
		d.Insights = append(d.Insights, ins...)
	}
	for _, i := range idx.affected[id] {
		d.Findings = append(d.Findings, c.Report.Findings[i])
	}
	return d, true, nil
}
