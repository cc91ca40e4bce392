package posture

import (
	"errors"
	"slices"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// Bounds on graph answers, so that a query on a 50,000-service inventory
// stays small enough for a browser and a table.
const (
	MaxNeighbours = 150
	MaxReach      = 500
	MaxSearch     = 25
)

// ErrUnknownNode is returned when a query names a node the current snapshot
// does not have.
var ErrUnknownNode = errors.New("posture: no such node in the current snapshot")

// ViewNode is a graph node with the findings that concern it. Its Label is
// the node's display name (names.Of): what the picture writes under it and
// the API answers as "label"; Context and Tag are the rest of that name.
type ViewNode struct {
	*graph.Node
	Severity string `json:"severity,omitempty"` // worst open finding about or affecting it
	Findings int    `json:"findings"`
	Context  string `json:"context,omitempty"` // where it lives: "pdf-convert-prod · us-central1"
	Tag      string `json:"tag,omitempty"`     // "default compute", "Google service agent", ...
}

// View is a bounded piece of the graph to draw and tabulate.
type View struct {
	Focus     string             `json:"focus,omitempty"`
	Nodes     []ViewNode         `json:"nodes"`
	Edges     []graph.Edge       `json:"edges"`
	Truncated bool               `json:"truncated"`
	Omitted   map[graph.Kind]int `json:"omitted,omitempty"`
	Path      []graph.Step       `json:"path,omitempty"`
}

// findingIndex maps node IDs to their worst open finding and count.
func findingIndex(fs []rules.Finding) map[string]struct {
	sev rules.Severity
	n   int
} {
	idx := map[string]struct {
		sev rules.Severity
		n   int
	}{}
	for _, f := range fs {
		if f.Excepted {
			continue
		}
		ids := append([]string{f.Subject}, f.Affects...)
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			v := idx[id]
			v.n++
			v.sev = max(v.sev, f.Severity)
			idx[id] = v
		}
	}
	return idx
}

// findings returns the worst open finding and count of each node, built
// once per served state.
func (c *Current) findings() map[string]struct {
	sev rules.Severity
	n   int
} {
	c.once.Do(func() { c.byNode = findingIndex(c.Report.Findings) })
	return c.byNode
}

func (c *Current) view(nodes []*graph.Node, edges []graph.Edge) View {
	byNode := c.findings()
	v := View{Nodes: make([]ViewNode, 0, len(nodes)), Edges: edges}
	g := c.Report.Graph
	for _, n := range nodes {
		nm := names.Of(g, n.ID)
		labelled := *n // the graph's node is shared: the view labels a copy
		labelled.Label = nm.Text
		vn := ViewNode{Node: &labelled, Context: nm.Context, Tag: nm.Tag}
		if f, ok := byNode[n.ID]; ok {
			vn.Findings, vn.Severity = f.n, f.sev.String()
		}
		v.Nodes = append(v.Nodes, vn)
	}
	if v.Edges == nil {
		v.Edges = []graph.Edge{}
	}
	return v
}

// Neighbours returns the neighbourhood of id in the served state (see
// Current.Neighbours).
func (s *Service) Neighbours(id string, depth int, kinds []graph.EdgeKind) (View, error) {
	c, err := s.Current()
	if err != nil {
		return View{}, err
	}
	return c.Neighbours(id, depth, kinds)
}

// Neighbours returns the neighbourhood of id to depth over kinds (every kind
// but child_of if none: containment is asked for explicitly), bounded by
// MaxNeighbours with what was left out counted by kind.
func (c *Current) Neighbours(id string, depth int, kinds []graph.EdgeKind) (View, error) {
	if len(kinds) == 0 {
		for _, k := range graph.EdgeKinds() {
			if k != graph.ChildOf {
				kinds = append(kinds, k)
			}
		}
	}
	if _, ok := c.Report.Graph.Node(id); !ok {
		return View{}, ErrUnknownNode
	}
	depth = min(max(depth, 1), 4)
	sg := c.Report.Graph.Neighbours(id, depth, kinds, MaxNeighbours)
	v := c.view(sg.Nodes, sg.Edges)
	v.Focus, v.Truncated, v.Omitted = id, sg.Truncated, sg.Omitted
	return v, nil
}

// Reach answers "what can X reach" (graph.Forward) or "who can reach X"
// (graph.Reverse), with the path behind every answer, bounded by MaxReach.
func (s *Service) Reach(id string, dir graph.Direction, kinds []graph.EdgeKind) (graph.Result, View, error) {
	c, err := s.Current()
	if err != nil {
		return graph.Result{}, View{}, err
	}
	g := c.Report.Graph
	start, ok := g.Node(id)
	if !ok {
		return graph.Result{}, View{}, ErrUnknownNode
	}
	var res graph.Result
	switch {
	case dir == graph.Reverse && len(kinds) == 0 && start.Kind.IsWorkload():
		res = g.WhoCanInvoke(id, MaxReach)
	case dir == graph.Reverse && len(kinds) == 0 && start.Kind == graph.KindServiceAccount:
		res = g.Reach(id, graph.Reverse, []graph.EdgeKind{graph.CanActAs, graph.RunsAs, graph.AuthenticatesAs}, 0, MaxReach, false)
	case dir == graph.Reverse:
		res = g.Reach(id, graph.Reverse, kinds, 0, MaxReach, true)
	default:
		res = g.Reach(id, graph.Forward, kinds, 0, MaxReach, true)
	}
	return res, c.pathsView(start, res), nil
}

// pathsView draws the union of the paths of a result (up to MaxNeighbours
// nodes).
func (c *Current) pathsView(start *graph.Node, res graph.Result) View {
	nodes := []*graph.Node{start}
	seen := map[string]bool{start.ID: true}
	var edges []graph.Edge
	seenEdge := map[string]bool{}
	for _, r := range res.Reached {
		if len(nodes) >= MaxNeighbours {
			break
		}
		for _, st := range r.Path {
			for _, id := range []string{st.Edge.From, st.Edge.To} {
				if !seen[id] {
					seen[id] = true
					n, _ := c.Report.Graph.Node(id)
					nodes = append(nodes, n)
				}
			}
			key := st.Edge.From + "\x00" + st.Edge.To + "\x00" + string(st.Edge.Kind) + "\x00" + st.Edge.Role + "\x00" + st.Edge.Via
			if !seenEdge[key] {
				seenEdge[key] = true
				edges = append(edges, st.Edge)
			}
		}
	}
	v := c.view(nodes, edges)
	v.Focus, v.Truncated = start.ID, res.Truncated || len(nodes) >= MaxNeighbours
	v.Omitted = res.Omitted
	return v
}

// Path returns a shortest explained path from a to b.
func (s *Service) Path(a, b string) ([]graph.Step, View, bool, error) {
	c, err := s.Current()
	if err != nil {
		return nil, View{}, false, err
	}
	g := c.Report.Graph
	na, ok1 := g.Node(a)
	_, ok2 := g.Node(b)
	if !ok1 || !ok2 {
		return nil, View{}, false, ErrUnknownNode
	}
	path, ok := g.ShortestPath(a, b, nil)
	if !ok {
		return nil, c.view([]*graph.Node{na}, nil), false, nil
	}
	nodes := []*graph.Node{na}
	var edges []graph.Edge
	for _, st := range path {
		next := st.Edge.To
		if st.Contains {
			next = st.Edge.From
		}
		n, _ := g.Node(next)
		nodes = append(nodes, n)
		edges = append(edges, st.Edge)
	}
	v := c.view(nodes, edges)
	v.Focus, v.Path = a, path
	return path, v, true, nil
}

// Search finds nodes by name or email, prefix matches first.
func (s *Service) Search(q string) ([]graph.Match, error) {
	c, err := s.Current()
	if err != nil {
		return nil, err
	}
	return c.Report.Graph.Search(q, MaxSearch), nil
}

// Node returns a node of the current snapshot.
func (s *Service) Node(id string) (*graph.Node, error) {
	c, err := s.Current()
	if err != nil {
		return nil, err
	}
	n, ok := c.Report.Graph.Node(id)
	if !ok {
		return nil, ErrUnknownNode
	}
	return n, nil
}

// IdentityDetail is what an identity's page shows.
type IdentityDetail struct {
	Node            *graph.Node
	Account         *inventory.ServiceAccount // nil for principals that are not service accounts
	UsedBy          []graph.Edge              // runs_as and authenticates_as into it
	ActAs           graph.Result              // who can act as it, with paths
	Reach           []graph.Exposure          // its blast radius
	ReachResult     graph.Result
	Findings        []rules.Finding
	Recommendations []Recommendation
	Insights        []inventory.Insight
}

// Identity answers the identity page: who uses it, who can act as it, what
// it can reach with which roles, keys, findings and recommender data.
func (s *Service) Identity(id string) (IdentityDetail, error) {
	c, err := s.Current()
	if err != nil {
		return IdentityDetail{}, err
	}
	g := c.Report.Graph
	n, ok := g.Node(id)
	if !ok || !n.Kind.IsPrincipal() {
		return IdentityDetail{}, ErrUnknownNode
	}
	d := IdentityDetail{Node: n}
	d.Account, _ = n.Data.(*inventory.ServiceAccount)
	d.UsedBy = g.In(id, graph.RunsAs, graph.AuthenticatesAs)
	d.ActAs = g.WhoCanActAs(id, MaxReach)
	d.Reach, d.ReachResult = g.BlastRadius(id, MaxReach, func(role string) int {
		r, ok := c.Report.Roles.Lookup(role)
		if !ok {
			return 0
		}
		return len(r.Permissions)
	})
	for _, i := range c.details().subject[id] {
		d.Findings = append(d.Findings, c.Report.Findings[i])
	}
	d.Recommendations, d.Insights = c.recommenderFor(id)
	return d, nil
}

// recommenderFor returns the recommendations and insights about principal id.
func (c *Current) recommenderFor(id string) ([]Recommendation, []inventory.Insight) {
	d := c.details()
	var recs []Recommendation
	var ins []inventory.Insight
	for _, i := range d.recs[id] {
		rc := c.Report.Inventory.Recommendations[i]
		perms, ok := rules.RevokedPermissions(c.Report.Roles, rc)
		recs = append(recs, Recommendation{Recommendation: rc, Revoked: perms, RevokedKnown: ok})
	}
	for _, i := range d.insights[id] {
		ins = append(ins, c.Report.Inventory.Insights[i])
	}
	return recs, ins
}

// detailIndex finds what a service or identity page shows without scanning
// every finding, score and recommendation of the organization per request.
type detailIndex struct {
	scores   map[string]int   // service ID -> index in Scores.Services
	affected map[string][]int // node ID -> indices of the findings that affect it, in order
	subject  map[string][]int // node ID -> indices of the findings about it, in order
	recs     map[string][]int // principal node ID -> indices of its recommendations
	insights map[string][]int // principal node ID -> indices of its insights
}

func (c *Current) details() *detailIndex {
	c.detailOnce.Do(func() {
		rep := c.Report
		d := detailIndex{scores: make(map[string]int, len(rep.Scores.Services)), affected: map[string][]int{},
			subject: map[string][]int{}, recs: map[string][]int{}, insights: map[string][]int{}}
		for i, sc := range rep.Scores.Services {
			d.scores[sc.Service] = i
		}
		for i, f := range rep.Findings {
			d.subject[f.Subject] = append(d.subject[f.Subject], i)
			for _, a := range f.Affects {
				d.affected[a] = append(d.affected[a], i)
			}
		}
		for i, rc := range rep.Inventory.Recommendations {
			id := iam.ParseMember(rc.Member).ID()
			d.recs[id] = append(d.recs[id], i)
		}
		for i, in := range rep.Inventory.Insights {
			id := iam.ParseMember(in.Member).ID()
			d.insights[id] = append(d.insights[id], i)
			if in.Email != "" {
				if byEmail := iam.ParseMember("serviceAccount:" + in.Email).ID(); byEmail != id {
					d.insights[byEmail] = append(d.insights[byEmail], i)
				}
			}
		}
		c.detail = d
	})
	return &c.detail
}
