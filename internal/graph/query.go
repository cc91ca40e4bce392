package graph

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
)

// Direction is the way a query follows edges.
type Direction int

// Directions.
const (
	Forward Direction = iota // from -> to: what can this reach
	Reverse                  // to -> from: who can reach this
)

// ReachKinds are the edge kinds reachability follows by default: the ways a
// principal gets at something (DESIGN §3).
var ReachKinds = []EdgeKind{CanInvoke, CanActAs, RunsAs, HasRole, Uses, PushesTo, Triggers, AuthenticatesAs}

// Step is one hop of a path. Contains marks a hop from a project, folder or
// organization to a resource inside it (the reverse of child_of): a grant on
// a container reaches what is in it.
type Step struct {
	Edge     Edge `json:"edge"`
	Contains bool `json:"contains,omitempty"`
}

// From is where the step starts in the direction it was taken.
func (s Step) From(dir Direction) string {
	if dir == Reverse {
		return s.Edge.To
	}
	return s.Edge.From
}

// Reached is a node a query reached, with the path from the start that
// justifies it (in the order the query walked it).
type Reached struct {
	Node  *Node  `json:"node"`
	Depth int    `json:"depth"`
	Path  []Step `json:"path"`
}

// Result is the answer of a bounded query. Truncated says the limit cut it;
// Omitted counts, by node kind, what was left out.
type Result struct {
	Reached   []Reached    `json:"reached"`
	Truncated bool         `json:"truncated"`
	Omitted   map[Kind]int `json:"omitted,omitempty"`
}

// hop is an edge seen from the node it is taken from.
type hop struct {
	edge     Edge
	next     string
	contains bool
}

// hops lists the ways out of id in direction dir over kinds. With contains,
// a container also leads to its children (forward) and a resource to its
// parent container (reverse), so grants on ancestors count.
func (g *Graph) hops(id string, dir Direction, kinds []EdgeKind, contains bool) []hop {
	var out []hop
	if dir == Forward {
		for _, e := range g.Out(id, kinds...) {
			out = append(out, hop{edge: e, next: e.To})
		}
		if contains {
			if n, ok := g.Node(id); ok && (n.Kind.IsContainer() || strings.Contains(id, "/keyRings/")) {
				for _, e := range g.In(id, ChildOf) {
					out = append(out, hop{edge: e, next: e.From, contains: true})
				}
			}
		}
		return out
	}
	for _, e := range g.In(id, kinds...) {
		out = append(out, hop{edge: e, next: e.From})
	}
	if contains {
		for _, e := range g.Out(id, ChildOf) {
			out = append(out, hop{edge: e, next: e.To, contains: true})
		}
	}
	return out
}

// Reach walks breadth-first from start in direction dir over kinds (ReachKinds
// if none), up to maxDepth hops (0: unbounded) and at most limit nodes,
// following containment when contains is set. Each node is reached once, by
// a shortest path; cycles terminate. Results are sorted by depth, then kind,
// then ID.
func (g *Graph) Reach(start string, dir Direction, kinds []EdgeKind, maxDepth, limit int, contains bool) Result {
	if len(kinds) == 0 {
		kinds = ReachKinds
	}
	res := Result{Omitted: map[Kind]int{}}
	if _, ok := g.Node(start); !ok {
		return res
	}
	type item struct {
		id    string
		depth int
		path  []Step
	}
	seen := map[string]bool{start: true}
	queue := []item{{id: start}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if maxDepth > 0 && it.depth >= maxDepth {
			continue
		}
		for _, h := range g.hops(it.id, dir, kinds, contains) {
			if seen[h.next] {
				continue
			}
			seen[h.next] = true
			n, _ := g.Node(h.next)
			if limit > 0 && len(res.Reached) >= limit {
				res.Truncated = true
				res.Omitted[n.Kind]++
				continue
			}
			path := append(slices.Clip(it.path), Step{Edge: h.edge, Contains: h.contains})
			res.Reached = append(res.Reached, Reached{Node: n, Depth: it.depth + 1, Path: path})
			queue = append(queue, item{id: h.next, depth: it.depth + 1, path: path})
		}
	}
	slices.SortStableFunc(res.Reached, func(a, b Reached) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		if a.Node.Kind != b.Node.Kind {
			return strings.Compare(string(a.Node.Kind), string(b.Node.Kind))
		}
		return strings.Compare(a.Node.ID, b.Node.ID)
	})
	if len(res.Omitted) == 0 {
		res.Omitted = nil
	}
	return res
}

// WhoCanInvoke answers who can invoke a service or job: principals with an
// invoke binding on it or an ancestor, callers that push to or trigger it,
// and, transitively, whoever can act as those principals or runs as them.
func (g *Graph) WhoCanInvoke(id string, limit int) Result {
	return g.Reach(id, Reverse, []EdgeKind{CanInvoke, PushesTo, Triggers, CanActAs, AuthenticatesAs, RunsAs}, 0, limit, false)
}

// WhoCanActAs answers who can act as a service account, directly or through
// chains of impersonation.
func (g *Graph) WhoCanActAs(id string, limit int) Result {
	return g.Reach(id, Reverse, []EdgeKind{CanActAs}, 0, limit, false)
}

// CanReach answers what a principal (or a workload, through its runtime
// identity) can reach: what it can invoke, act as, holds roles on, and what
// is inside the projects, folders and organizations it holds roles on.
func (g *Graph) CanReach(id string, limit int) Result {
	return g.Reach(id, Forward, ReachKinds, 0, limit, true)
}

// ShortestPath returns a shortest explained path from a to b over kinds
// (ReachKinds if none), following containment (a grant on a project reaches
// the resources in it). ok is false when b cannot be reached from a.
func (g *Graph) ShortestPath(a, b string, kinds []EdgeKind) (path []Step, ok bool) {
	if a == b {
		_, ok := g.Node(a)
		return nil, ok
	}
	if len(kinds) == 0 {
		kinds = ReachKinds
	}
	if _, ok := g.Node(b); !ok {
		return nil, false
	}
	if _, ok := g.Node(a); !ok {
		return nil, false
	}
	if !g.mayReach(a, b, kinds) {
		return nil, false
	}
	prev := map[string]hop{}
	seen := map[string]bool{a: true}
	queue := []string{a}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, h := range g.hops(id, Forward, kinds, true) {
			if seen[h.next] {
				continue
			}
			seen[h.next] = true
			prev[h.next] = hop{edge: h.edge, next: id, contains: h.contains}
			if h.next == b {
				for cur := b; cur != a; cur = prev[cur].next {
					p := prev[cur]
					path = append(path, Step{Edge: p.edge, Contains: p.contains})
				}
				slices.Reverse(path)
				return path, true
			}
			queue = append(queue, h.next)
		}
	}
	return nil, false
}

// mayReach reports whether b may be reachable from a. It walks forward from
// a and backward from b at once, a level of the smaller frontier at a time,
// and answers false as soon as either side runs out without the two
// meeting: a public principal reaches much of an organization, and what can
// reach a private service is little, so proving that there is no path
// costs the smaller side. The backward walk goes up from every node to its
// parent, where the forward one goes down only from containers, so it may
// see more than can reach b: false is certain, true only "perhaps".
func (g *Graph) mayReach(a, b string, kinds []EdgeKind) bool {
	fwd, bwd := map[string]bool{a: true}, map[string]bool{b: true}
	ahead, behind := []string{a}, []string{b}
	for len(ahead) > 0 && len(behind) > 0 {
		dir, seen, other, frontier := Forward, fwd, bwd, &ahead
		if len(behind) < len(ahead) {
			dir, seen, other, frontier = Reverse, bwd, fwd, &behind
		}
		var next []string
		for _, id := range *frontier {
			for _, h := range g.hops(id, dir, kinds, true) {
				if other[h.next] {
					return true
				}
				if !seen[h.next] {
					seen[h.next] = true
					next = append(next, h.next)
				}
			}
		}
		*frontier = next
	}
	return false
}

// Exposure is one thing a principal can reach, with how.
type Exposure struct {
	Node        *Node    `json:"node"`
	Path        []Step   `json:"path"`
	Roles       []string `json:"roles"`       // roles the last hops grant on it
	Permissions int      `json:"permissions"` // distinct permissions those roles grant (0 when unknown)
	Inside      int      `json:"inside"`      // for a container: how many nodes it holds
}

// BlastRadius is everything a principal can reach, the permissions that get
// it there, bounded by limit. perms maps a role to its permission count
// (nil: not counted). Exposures are sorted by kind, then ID.
func (g *Graph) BlastRadius(id string, limit int, perms func(role string) int) ([]Exposure, Result) {
	res := g.CanReach(id, limit)
	var out []Exposure
	for _, r := range res.Reached {
		ex := Exposure{Node: r.Node, Path: r.Path}
		last := r.Path[len(r.Path)-1]
		if last.Edge.Role != "" && !last.Contains {
			ex.Roles = append(ex.Roles, last.Edge.Role)
			// Other bindings of the same principal on the same node.
			for _, e := range g.In(r.Node.ID, HasRole, CanInvoke, CanActAs) {
				if e.From == last.Edge.From && e.Role != "" && !slices.Contains(ex.Roles, e.Role) {
					ex.Roles = append(ex.Roles, e.Role)
				}
			}
			slices.Sort(ex.Roles)
			if perms != nil {
				for _, role := range ex.Roles {
					ex.Permissions += perms(role)
				}
			}
		}
		if r.Node.Kind.IsContainer() {
			ex.Inside = g.countBelow(r.Node.ID)
		}
		out = append(out, ex)
	}
	slices.SortStableFunc(out, func(a, b Exposure) int {
		if a.Node.Kind != b.Node.Kind {
			return strings.Compare(string(a.Node.Kind), string(b.Node.Kind))
		}
		return strings.Compare(a.Node.ID, b.Node.ID)
	})
	return out, res
}

func (g *Graph) countBelow(id string) int {
	n := 0
	stack := []string{id}
	seen := map[string]bool{id: true}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range g.In(cur, ChildOf) {
			if !seen[e.From] {
				seen[e.From] = true
				n++
				stack = append(stack, e.From)
			}
		}
	}
	return n
}

// Subgraph is a bounded piece of the graph around a node.
type Subgraph struct {
	Nodes     []*Node      `json:"nodes"`
	Edges     []Edge       `json:"edges"`
	Truncated bool         `json:"truncated"`
	Omitted   map[Kind]int `json:"omitted,omitempty"` // neighbours left out, by kind ("412 more service accounts")
}

// Neighbours returns the nodes within depth hops of id in both directions
// over kinds (every kind if none), at most limit nodes, and the edges among
// them. Nodes past the limit are counted by kind in Omitted.
func (g *Graph) Neighbours(id string, depth int, kinds []EdgeKind, limit int) Subgraph {
	var sg Subgraph
	si, ok := g.index[id]
	if !ok {
		return sg
	}
	// Nodes by index, not ID, marked in an array kept between walks: a
	// neighbourhood that touches a hub (a group that may invoke every
	// service, an identity thousands of services run as) looks at each of
	// its edges once, at the cost of an array read.
	mk := g.takeMarks()
	defer g.marks.Put(mk)
	in, out := mk.epoch, mk.epoch+1
	var omitted [32]int // by nodeKinds; a map from kind is made at the end
	mk.m[si] = in
	sg.Nodes = append(sg.Nodes, g.nodes[si])
	members := []int32{si} // sg.Nodes by index
	frontier := []int32{si}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []int32
		for _, cur := range frontier {
			visit := func(ei int32) {
				other := g.ends[ei][1]
				if other == cur {
					other = g.ends[ei][0]
				}
				switch mk.m[other] {
				case in, out:
					return
				}
				if limit > 0 && len(sg.Nodes) >= limit {
					// Once full, nothing more is added: what is left out
					// stays out.
					sg.Truncated = true
					mk.m[other] = out
					omitted[g.nodeKinds[other]]++
					return
				}
				mk.m[other] = in
				sg.Nodes = append(sg.Nodes, g.nodes[other])
				members = append(members, other)
				next = append(next, other)
			}
			g.eachIndex(g.out.of(cur), kinds, visit)
			g.eachIndex(g.in.of(cur), kinds, visit)
		}
		frontier = next
	}
	// The edges among the nodes, found by index first, then made in one
	// slice of the right size.
	var among []int32
	for _, u := range members {
		among = g.edgesInto(among, u, members, mk, in, kinds)
	}
	sg.Edges = make([]Edge, len(among))
	for i, ei := range among {
		sg.Edges[i] = g.edge(ei)
	}
	for k, n := range omitted {
		if n > 0 {
			if sg.Omitted == nil {
				sg.Omitted = map[Kind]int{}
			}
			sg.Omitted[nodeKindOrder[k]] += n
		}
	}
	return sg
}

// edgesInto appends to dst the edges of kinds from u to nodes marked in,
// in row order. A hub's row (thousands of edges) is not walked: each member
// of the neighbourhood is looked up in it.
func (g *Graph) edgesInto(dst []int32, u int32, members []int32, mk *marks, in uint32, kinds []EdgeKind) []int32 {
	row := g.out.of(u)
	places, hub := g.hubOut[u]
	if !hub || len(members)*bits.Len(uint(len(row))) >= len(row) {
		g.eachIndex(row, kinds, func(ei int32) {
			if mk.m[g.ends[ei][1]] == in {
				dst = append(dst, ei)
			}
		})
		return dst
	}
	var found []int32 // places in row
	for _, v := range members {
		p, _ := slices.BinarySearchFunc(places, v, func(p, v int32) int { return cmp.Compare(g.ends[row[p]][1], v) })
		for ; p < len(places) && g.ends[row[places[p]]][1] == v; p++ {
			found = append(found, places[p])
		}
	}
	slices.Sort(found)
	want := newKindSet(kinds)
	for _, p := range found {
		if ei := row[p]; want.has(g, ei) {
			dst = append(dst, ei)
		}
	}
	return dst
}

// Match is a search hit.
type Match struct {
	Node   *Node `json:"node"`
	Prefix bool  `json:"prefix"` // the label, email or name starts with the query
}

// Search finds nodes whose label or ID contains q (case-insensitive):
// prefix matches first (of the label, or of the email or last name segment),
// then substring matches, each sorted by kind order, label, then ID; at most
// limit (0: all). A short query matches much of a large organization: only
// the best limit of each group are kept as the nodes are scanned, not every
// match sorted.
func (g *Graph) Search(q string, limit int) []Match {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil
	}
	g.searchOnce.Do(g.buildSearch)
	less := func(a, b int32) int {
		return cmp.Or(cmp.Compare(g.nodeKinds[a], g.nodeKinds[b]),
			strings.Compare(g.nodes[a].Label, g.nodes[b].Label), strings.Compare(g.nodes[a].ID, g.nodes[b].ID))
	}
	prefix, sub := best{limit: limit, less: less}, best{limit: limit, less: less}
	for i, key := range g.searchKeys {
		if !strings.Contains(key.all, q) {
			continue
		}
		if strings.HasPrefix(key.label, q) || strings.HasPrefix(key.short, q) {
			prefix.add(int32(i))
		} else {
			sub.add(int32(i))
		}
	}
	var out []Match
	for _, group := range []struct {
		b      best
		prefix bool
	}{{prefix, true}, {sub, false}} {
		group.b.sort()
		for _, i := range group.b.items {
			out = append(out, Match{Node: g.nodes[i], Prefix: group.prefix})
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// best keeps the smallest limit node indexes by less (all when limit is 0).
type best struct {
	limit int
	less  func(a, b int32) int
	items []int32 // sorted once full (or at the end)
}

func (b *best) add(i int32) {
	if b.limit <= 0 {
		b.items = append(b.items, i)
		return
	}
	if len(b.items) < b.limit {
		b.items = append(b.items, i)
		if len(b.items) == b.limit {
			slices.SortFunc(b.items, b.less)
		}
		return
	}
	if b.less(i, b.items[b.limit-1]) >= 0 {
		return
	}
	at, _ := slices.BinarySearchFunc(b.items, i, b.less)
	copy(b.items[at+1:], b.items[at:b.limit-1])
	b.items[at] = i
}

func (b *best) sort() { slices.SortFunc(b.items, b.less) }

type searchKey struct {
	label, short, all string
}

func (g *Graph) buildSearch() {
	g.searchKeys = make([]searchKey, len(g.nodes))
	for i, n := range g.nodes {
		label := strings.ToLower(n.Label)
		id := strings.ToLower(n.ID)
		short := id[strings.LastIndexAny(id, "/:")+1:]
		g.searchKeys[i] = searchKey{label: label, short: short, all: label + "\x00" + id}
	}
}
