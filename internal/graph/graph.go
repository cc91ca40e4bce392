// Package graph is the identity graph runlens reasons on: callers -> Cloud
// Run services and jobs -> runtime service accounts -> the resources those
// can reach, with the IAM bindings that justify every edge. It does no I/O
// and imports no other project package.
//
// Node IDs follow DESIGN §3: a resource is its CAI full name, a principal its
// IAM member string; a service account is one node, "serviceAccount:EMAIL".
package graph

import (
	"cmp"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind is a node kind.
type Kind string

// Node kinds.
const (
	KindService        Kind = "service"
	KindJob            Kind = "job"
	KindServiceAccount Kind = "serviceAccount"
	KindUser           Kind = "user"
	KindGroup          Kind = "group"
	KindDomain         Kind = "domain"
	KindPublic         Kind = "public"
	KindSubscription   Kind = "subscription"
	KindTopic          Kind = "topic"
	KindTrigger        Kind = "trigger"
	KindSchedulerJob   Kind = "schedulerJob"
	KindBucket         Kind = "bucket"
	KindSecret         Kind = "secret"
	KindSQLInstance    Kind = "sqlInstance"
	KindKMSKey         Kind = "kmsKey"
	KindProject        Kind = "project"
	KindFolder         Kind = "folder"
	KindOrganization   Kind = "organization"
	KindOther          Kind = "other"
)

// Kinds lists every node kind in a fixed order.
func Kinds() []Kind {
	return []Kind{KindService, KindJob, KindServiceAccount, KindUser, KindGroup, KindDomain, KindPublic,
		KindSubscription, KindTopic, KindTrigger, KindSchedulerJob, KindBucket, KindSecret, KindSQLInstance,
		KindKMSKey, KindProject, KindFolder, KindOrganization, KindOther}
}

// IsWorkload reports whether k is a Cloud Run service or job.
func (k Kind) IsWorkload() bool { return k == KindService || k == KindJob }

// IsContainer reports whether k is a project, folder or organization.
func (k Kind) IsContainer() bool {
	return k == KindProject || k == KindFolder || k == KindOrganization
}

// IsPrincipal reports whether nodes of kind k can hold IAM bindings as members.
func (k Kind) IsPrincipal() bool {
	switch k {
	case KindServiceAccount, KindUser, KindGroup, KindDomain, KindPublic, KindOther:
		return true
	}
	return false
}

// EdgeKind is an edge kind.
type EdgeKind string

// Edge kinds (from -> to).
const (
	ChildOf         EdgeKind = "child_of"         // resource -> parent project/folder/organization (or key ring)
	RunsAs          EdgeKind = "runs_as"          // service|job -> serviceAccount
	CanInvoke       EdgeKind = "can_invoke"       // principal -> service|job
	PushesTo        EdgeKind = "pushes_to"        // subscription -> service
	Triggers        EdgeKind = "triggers"         // trigger|schedulerJob -> service|job
	AuthenticatesAs EdgeKind = "authenticates_as" // subscription|trigger|schedulerJob -> serviceAccount
	HasRole         EdgeKind = "has_role"         // principal -> resource
	CanActAs        EdgeKind = "can_act_as"       // principal -> serviceAccount
	Uses            EdgeKind = "uses"             // service|job -> secret|sqlInstance|bucket|kmsKey|topic
)

// EdgeKinds lists every edge kind in a fixed order.
func EdgeKinds() []EdgeKind {
	return []EdgeKind{ChildOf, RunsAs, CanInvoke, PushesTo, Triggers, AuthenticatesAs, HasRole, CanActAs, Uses}
}

// Verb is what an edge of kind k says between its ends, in words:
// "allUsers can invoke pdf-frontend", "pdf-frontend runs as
// pdf-frontend@…".
func (k EdgeKind) Verb() string {
	switch k {
	case ChildOf:
		return "is in"
	case RunsAs:
		return "runs as"
	case CanInvoke:
		return "can invoke"
	case PushesTo:
		return "pushes to"
	case Triggers:
		return "triggers"
	case AuthenticatesAs:
		return "authenticates as"
	case HasRole:
		return "has a role on"
	case CanActAs:
		return "can act as"
	case Uses:
		return "uses"
	}
	return string(k)
}

// Node is one vertex. Data holds a typed view of the underlying asset for
// the checks (nil for principals seen only as members).
type Node struct {
	ID      string            `json:"id"`
	Kind    Kind              `json:"kind"`
	Label   string            `json:"label"`
	Name    string            `json:"name,omitempty"`    // CAI full resource name, where one exists
	Project string            `json:"project,omitempty"` // project ID the node lives in
	Parent  string            `json:"parent,omitempty"`  // node ID of its parent container
	Labels  map[string]string `json:"labels,omitempty"`
	Data    any               `json:"-"`
}

// Edge is one directed relation with the evidence behind it.
type Edge struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Kind        EdgeKind `json:"kind"`
	Role        string   `json:"role,omitempty"`
	Via         string   `json:"via,omitempty"`       // resource whose IAM policy holds the binding
	Condition   string   `json:"condition,omitempty"` // IAM condition expression, if any
	CondTitle   string   `json:"conditionTitle,omitempty"`
	Permissions []string `json:"permissions,omitempty"` // can_act_as: the impersonation permissions granted (shared by the graph's edges: read only)
	Detail      string   `json:"detail,omitempty"`      // pushes_to, triggers, uses: what matched
}

// Graph is an immutable identity graph. Build it with a Builder.
type Graph struct {
	marks      sync.Pool // of *marks, for walks (see Neighbours)
	searchOnce sync.Once
	searchKeys []searchKey
	kindsOnce  sync.Once
	byKind     map[Kind][]*Node // NodesOf's answers
	nodes      []*Node
	index      map[string]int32
	edges      edgeStore
	ends       [][2]int32        // each edge's source and target node
	kindBits   []uint16          // each edge's kind as a bit (kindBit)
	nodeKinds  []uint8           // each node's kind, as its place in Kinds()
	nodeRank   []int32           // each node's place in ID order
	out, in    adjacency         // edge indices by source node, by target node
	hubOut     map[int32][]int32 // see hubRows
	deleted    []Edge            // see DeletedBindings
}

// DeletedBindings returns the IAM bindings that name a deleted principal
// ("deleted:serviceAccount:EMAIL?uid=N"), in the order they were added. They
// grant nothing, so they are not edges: no query, neighbourhood or path ever
// shows a deleted principal as holding a role. Each has From (the member as
// written), To and Via (the resource whose policy holds it), Role and
// Condition; its Kind is HasRole. Callers must not modify the slice.
func (g *Graph) DeletedBindings() []Edge { return g.deleted }

// DeletedBinding records a binding that names a deleted principal (see
// Graph.DeletedBindings); it adds no node and no edge.
func (b *Builder) DeletedBinding(e Edge) {
	e.Kind = HasRole
	b.g.deleted = append(b.g.deleted, e)
}

// edgeStore keeps the edges packed: an edge's ends are node indexes (in
// Graph.ends) and its strings indexes into a table that holds each distinct
// string once. A packed edge holds no pointers, so the millions of edges of
// a large organization take a fifth of the memory an Edge takes and the
// collector never scans them. Blocks of fixed size grow without copying.
type edgeStore struct {
	blocks [][]packedEdge
	n      int
	strs   []string   // strs[0] is ""
	perms  [][]string // perms[0] is nil
}

// packedEdge is an Edge without its ends, by string-table index.
type packedEdge struct {
	kind, role, via, cond, title, detail, perms uint32
}

const edgeBlockBits = 12

func (es *edgeStore) add(p packedEdge) {
	if es.n>>edgeBlockBits == len(es.blocks) {
		es.blocks = append(es.blocks, make([]packedEdge, 0, 1<<edgeBlockBits))
	}
	last := &es.blocks[len(es.blocks)-1]
	*last = append(*last, p)
	es.n++
}

func (es *edgeStore) at(i int32) *packedEdge {
	return &es.blocks[i>>edgeBlockBits][i&(1<<edgeBlockBits-1)]
}

// kind returns edge i's kind without building the Edge.
func (g *Graph) kind(i int32) EdgeKind { return EdgeKind(g.edges.strs[g.edges.at(i).kind]) }

// edge returns edge i. Its strings are the graph's own: nothing is copied
// but the Edge header.
func (g *Graph) edge(i int32) Edge {
	p, s := g.edges.at(i), g.edges.strs
	return Edge{From: g.nodes[g.ends[i][0]].ID, To: g.nodes[g.ends[i][1]].ID, Kind: EdgeKind(s[p.kind]),
		Role: s[p.role], Via: s[p.via], Condition: s[p.cond], CondTitle: s[p.title],
		Permissions: g.edges.perms[p.perms], Detail: s[p.detail]}
}

// adjacency is compressed rows: the edges of node i are
// idx[start[i]:start[i+1]], sorted by compareEdges.
type adjacency struct {
	start []int32
	idx   []int32
}

func (a *adjacency) of(i int32) []int32 { return a.idx[a.start[i]:a.start[i+1]] }

// build fills the rows from each edge's node (end(e)), for n nodes.
func (a *adjacency) build(n int, m int, end func(e int32) int32) {
	a.start = make([]int32, n+1)
	for e := range int32(m) {
		a.start[end(e)+1]++
	}
	for i := 1; i <= n; i++ {
		a.start[i] += a.start[i-1]
	}
	a.idx = make([]int32, m)
	fill := slices.Clone(a.start[:n])
	for e := range int32(m) {
		i := end(e)
		a.idx[fill[i]] = e
		fill[i]++
	}
}

// Builder assembles a Graph. Nodes may be added more than once: the first
// non-empty value of each field wins. Edges are deduplicated.
type Builder struct {
	g         *Graph
	ends      [][2]int32        // each edge's source and target node
	strs      map[string]uint32 // the edge string table, by string
	perms     map[string]uint32 // the permission lists, by their joined strings
	last      [fields]interned  // each field's last string: the edges of one binding repeat them
	from      interned          // the last edge's source and its node index: a binding's edges share it
	lastPerms uint32            // the index of the last permission list
	// Workers is how many goroutines Graph may sort the adjacency rows
	// on; 0 means one.
	Workers int
}

// The fields of an edge in the string table, for Builder.last.
const (
	fieldKind = iota
	fieldRole
	fieldVia
	fieldCond
	fieldTitle
	fieldDetail
	fields
)

type interned struct {
	s string
	i uint32
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return NewBuilderSize(0, 0) }

// NewBuilderSize returns an empty Builder with room for about nodes nodes
// and edges edges: a graph of millions grows its maps without rehashing.
func NewBuilderSize(nodes, edges int) *Builder {
	b := &Builder{g: &Graph{index: make(map[string]int32, nodes), nodes: make([]*Node, 0, nodes)},
		ends: make([][2]int32, 0, edges),
		strs: map[string]uint32{"": 0}, perms: map[string]uint32{"": 0}}
	b.g.edges.strs = []string{""}
	b.g.edges.perms = [][]string{nil}
	return b
}

// Node returns the node with id, adding an empty one of kind k if missing.
func (b *Builder) Node(id string, k Kind) *Node {
	if i, ok := b.g.index[id]; ok {
		n := b.g.nodes[i]
		if n.Kind == KindOther && k != KindOther {
			n.Kind = k
		}
		return n
	}
	n := &Node{ID: id, Kind: k, Label: id}
	b.g.index[id] = int32(len(b.g.nodes))
	b.g.nodes = append(b.g.nodes, n)
	return n
}

// Nodes returns the nodes added so far, in insertion order.
func (b *Builder) Nodes() []*Node { return b.g.nodes }

// Lookup returns the node with id during building.
func (b *Builder) Lookup(id string) (*Node, bool) { return b.g.Node(id) }

// Edge adds e; both ends must exist. A duplicate edge (same ends, kind, role,
// via and condition) is ignored.
func (b *Builder) Edge(e Edge) {
	var fi int32
	ok1 := true
	if e.From != "" && e.From == b.from.s {
		fi = int32(b.from.i)
	} else if fi, ok1 = b.g.index[e.From]; ok1 {
		b.from = interned{e.From, uint32(fi)}
	}
	ti, ok2 := b.g.index[e.To]
	if !ok1 || !ok2 {
		return
	}
	p := packedEdge{kind: b.intern(fieldKind, string(e.Kind)), role: b.intern(fieldRole, e.Role),
		via: b.intern(fieldVia, e.Via), cond: b.intern(fieldCond, e.Condition),
		title: b.intern(fieldTitle, e.CondTitle), detail: b.intern(fieldDetail, e.Detail), perms: b.internPerms(e.Permissions)}
	b.g.edges.add(p)
	b.ends = append(b.ends, [2]int32{fi, ti})
}

// intern returns s's index in the edge string table, adding it if new. s
// is the value of field, whose last value is looked at first.
func (b *Builder) intern(field int, s string) uint32 {
	if s == "" {
		return 0
	}
	if l := &b.last[field]; l.s == s {
		return l.i
	}
	i, ok := b.strs[s]
	if !ok {
		i = uint32(len(b.g.edges.strs))
		b.g.edges.strs = append(b.g.edges.strs, s)
		b.strs[s] = i
	}
	b.last[field] = interned{s, i}
	return i
}

// internPerms returns the index of a permission list, adding it if new.
func (b *Builder) internPerms(perms []string) uint32 {
	if len(perms) == 0 {
		return 0
	}
	// The edges of one binding pass the same list: compared with the
	// last one (whose strings are the same strings), it is found without
	// being joined.
	if slices.Equal(b.g.edges.perms[b.lastPerms], perms) {
		return b.lastPerms
	}
	key := "\x00" + strings.Join(perms, "\x00") // not "", the empty list's key, even for [""]
	i, ok := b.perms[key]
	if !ok {
		i = uint32(len(b.g.edges.perms))
		b.g.edges.perms = append(b.g.edges.perms, slices.Clip(slices.Clone(perms))) // shared by edges: no room to append into
		b.perms[key] = i
	}
	b.lastPerms = i
	return i
}

// Graph finishes building: adjacency lists are sorted once here, so that
// queries return edges in a fixed order without sorting, and duplicate edges
// are dropped (the first added is kept). The Builder must not be used
// afterwards.
func (b *Builder) Graph() *Graph {
	g, ends := b.g, b.ends
	b.g, b.ends, b.strs, b.perms = nil, nil, nil, nil
	g.ends = slices.Clip(ends)
	g.nodeKinds = make([]uint8, len(g.nodes))
	for i, n := range g.nodes {
		k := slices.Index(nodeKindOrder, n.Kind)
		if k < 0 {
			k = slices.Index(nodeKindOrder, KindOther)
		}
		g.nodeKinds[i] = uint8(k)
	}
	workers := max(b.Workers, 1)
	// Duplicates are found where sorting puts them, side by side in their
	// source's row, rather than by a set of every edge while adding: at a
	// million edges that set cost a build a fifth of its time.
	var order *edgeOrder
	var wg sync.WaitGroup
	wg.Go(func() { order = g.newEdgeOrder() })
	g.out.build(len(g.nodes), g.edges.n, func(e int32) int32 { return g.ends[e][0] })
	wg.Wait()
	g.nodeRank = order.node
	g.sortRows(&g.out, order, workers)
	if g.dropDuplicates() {
		g.out.build(len(g.nodes), g.edges.n, func(e int32) int32 { return g.ends[e][0] })
		g.sortRows(&g.out, order, workers)
	}
	g.kindBits = make([]uint16, g.edges.n)
	bits := map[uint32]uint16{} // by the kind's place in the string table: a few kinds, a million edges
	for i := range g.kindBits {
		k := g.edges.at(int32(i)).kind
		b, ok := bits[k]
		if !ok {
			b = kindBit(EdgeKind(g.edges.strs[k]))
			bits[k] = b
		}
		g.kindBits[i] = b
	}
	g.in.build(len(g.nodes), g.edges.n, func(e int32) int32 { return g.ends[e][1] })
	g.sortRows(&g.in, order, workers)
	g.hubOut = hubRows(&g.out, g.ends)
	return g
}

// sortRows sorts each node's row of adj by compareEdges, then by the order
// the edges were added, on workers goroutines: the rows are disjoint parts
// of one array.
func (g *Graph) sortRows(adj *adjacency, o *edgeOrder, workers int) {
	byEdge := func(x, y int32) int { return cmp.Or(g.compareAt(o, x, y), cmp.Compare(x, y)) }
	// Work is handed out in runs of nodes holding about the same number of
	// edges, several per goroutine: a hub's row alone can be a tenth of
	// the graph.
	n := int32(len(g.nodes))
	per := max(int32(len(adj.idx)/(8*workers)), 1)
	var cuts []int32 // run i is nodes cuts[i] to cuts[i+1]
	for i := int32(0); i < n; {
		cuts = append(cuts, i)
		for start := adj.start[i]; i < n && adj.start[i]-start < per; i++ {
		}
	}
	cuts = append(cuts, n)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for r := next.Add(1) - 1; int(r) < len(cuts)-1; r = next.Add(1) - 1 {
				for i := cuts[r]; i < cuts[r+1]; i++ {
					slices.SortFunc(adj.of(i), byEdge)
				}
			}
		})
	}
	wg.Wait()
}

// edgeOrder is the place of each node ID among the graph's node IDs and of
// each string among the edge string table's, in string order: edges are
// sorted by comparing these, not the strings.
type edgeOrder struct {
	node, str []int32
}

func (g *Graph) newEdgeOrder() *edgeOrder {
	o := &edgeOrder{}
	var wg sync.WaitGroup
	wg.Go(func() { o.str = ranks(len(g.edges.strs), func(i int) string { return g.edges.strs[i] }) })
	o.node = ranks(len(g.nodes), func(i int) string { return g.nodes[i].ID })
	wg.Wait()
	return o
}

// ranks returns the place of each of n distinct strings in sorted order.
func ranks(n int, at func(int) string) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(at(int(a)), at(int(b))) })
	rank := make([]int32, n)
	for r, i := range order {
		rank[i] = int32(r)
	}
	return rank
}

// compareAt is compareEdges of edges x and y, read where they are packed.
func (g *Graph) compareAt(o *edgeOrder, x, y int32) int {
	px, py, s, nd := g.edges.at(x), g.edges.at(y), o.str, o.node
	ex, ey := g.ends[x], g.ends[y]
	return cmp.Or(cmp.Compare(nd[ex[0]], nd[ey[0]]), cmp.Compare(s[px.kind], s[py.kind]),
		cmp.Compare(nd[ex[1]], nd[ey[1]]), cmp.Compare(s[px.role], s[py.role]),
		cmp.Compare(s[px.via], s[py.via]), cmp.Compare(s[px.cond], s[py.cond]))
}

// dropDuplicates removes every edge equal to an earlier one (same ends,
// kind, role, via and condition), given sorted out rows, and reports whether
// it removed any. The edges left keep their order.
func (g *Graph) dropDuplicates() bool {
	var dup []bool
	for i := range int32(len(g.nodes)) {
		row := g.out.of(i)
		for j := 1; j < len(row); j++ {
			if g.sameEdge(row[j-1], row[j]) {
				if dup == nil {
					dup = make([]bool, g.edges.n)
				}
				dup[row[j]] = true
			}
		}
	}
	if dup == nil {
		return false
	}
	var kept edgeStore
	kept.strs, kept.perms = g.edges.strs, g.edges.perms
	ends := g.ends[:0] // compacted in place: an edge moves only down
	for e := range int32(g.edges.n) {
		if !dup[e] {
			kept.add(*g.edges.at(e))
			ends = append(ends, g.ends[e])
		}
	}
	g.edges, g.ends = kept, slices.Clip(ends)
	return true
}

// sameEdge reports whether edges x and y of the same source are one edge
// added twice.
func (g *Graph) sameEdge(x, y int32) bool {
	px, py := g.edges.at(x), g.edges.at(y)
	return g.ends[x][1] == g.ends[y][1] && px.kind == py.kind && px.role == py.role &&
		px.via == py.via && px.cond == py.cond
}

// hubRow is the out-row length above which a node is a hub (a group that
// may invoke every service of a folder, say).
const hubRow = 256

// hubRows returns, for each node with more than hubRow edges out, the
// places in its row sorted by target node (then place): which of a hub's
// edges lead into a neighbourhood is a binary search per node of the
// neighbourhood, not a walk of the whole row.
func hubRows(out *adjacency, ends [][2]int32) map[int32][]int32 {
	hubs := map[int32][]int32{}
	for i := range int32(len(out.start) - 1) {
		row := out.of(i)
		if len(row) <= hubRow {
			continue
		}
		places := make([]int32, len(row))
		for p := range places {
			places[p] = int32(p)
		}
		slices.SortFunc(places, func(a, b int32) int {
			return cmp.Or(cmp.Compare(ends[row[a]][1], ends[row[b]][1]), cmp.Compare(a, b))
		})
		hubs[i] = places
	}
	return hubs
}

// Node returns the node with id.
func (g *Graph) Node(id string) (*Node, bool) {
	i, ok := g.index[id]
	if !ok {
		return nil, false
	}
	return g.nodes[i], true
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// EdgeCount is the number of edges.
func (g *Graph) EdgeCount() int { return g.edges.n }

// Nodes returns every node, sorted by kind then ID, in a new slice: the
// lists NodesOf keeps, end to end in kind order.
func (g *Graph) Nodes() []*Node {
	g.sortKinds()
	out := make([]*Node, 0, len(g.nodes))
	for _, k := range slices.Sorted(maps.Keys(g.byKind)) {
		out = append(out, g.byKind[k]...)
	}
	return out
}

// NodesOf returns the nodes of kind k, sorted by ID, in a new slice (nil
// when there are none). The checks ask it of every kind, some many times:
// the nodes are sorted by kind once, on the first call.
func (g *Graph) NodesOf(k Kind) []*Node {
	g.sortKinds()
	return slices.Clone(g.byKind[k])
}

// sortKinds sorts the nodes of each kind by ID (by their ranks, which are
// in ID order), once.
func (g *Graph) sortKinds() {
	g.kindsOnce.Do(func() {
		g.byKind = map[Kind][]*Node{}
		idx := map[Kind][]int32{}
		for i, n := range g.nodes {
			idx[n.Kind] = append(idx[n.Kind], int32(i))
		}
		for k, is := range idx {
			slices.SortFunc(is, func(a, b int32) int { return cmp.Compare(g.nodeRank[a], g.nodeRank[b]) })
			ns := make([]*Node, len(is))
			for j, i := range is {
				ns[j] = g.nodes[i]
			}
			g.byKind[k] = ns
		}
	})
}

// Edges returns every edge, sorted by from, kind, to, role, via.
func (g *Graph) Edges() []Edge {
	out := make([]Edge, g.edges.n)
	for i := range out {
		out[i] = g.edge(int32(i))
	}
	slices.SortFunc(out, compareEdges)
	return out
}

func compareEdges(a, b Edge) int {
	return cmp.Or(strings.Compare(a.From, b.From), cmp.Compare(a.Kind, b.Kind), strings.Compare(a.To, b.To),
		strings.Compare(a.Role, b.Role), strings.Compare(a.Via, b.Via), strings.Compare(a.Condition, b.Condition))
}

// Out returns the edges leaving id, of the given kinds (all kinds if none),
// sorted by from, kind, to, role, via, condition.
func (g *Graph) Out(id string, kinds ...EdgeKind) []Edge {
	return g.collect(&g.out, id, kinds)
}

// In returns the edges arriving at id, of the given kinds (all if none),
// sorted, in a new slice the caller may keep or change.
func (g *Graph) In(id string, kinds ...EdgeKind) []Edge {
	return g.collect(&g.in, id, kinds)
}

// EdgesIn yields the edges In(id, kinds...) returns, in its order, without
// copying them into a slice: for loops that look at each edge once.
func (g *Graph) EdgesIn(id string, kinds ...EdgeKind) iter.Seq[Edge] {
	return func(yield func(Edge) bool) {
		i, ok := g.index[id]
		if !ok {
			return
		}
		want := newKindSet(kinds)
		for _, ei := range g.in.of(i) {
			if want.has(g, ei) && !yield(g.edge(ei)) {
				return
			}
		}
	}
}

// EdgesOutTo yields the edges Out(id, kinds...) returns, in its order, each
// with the node it leads to (found where the edge keeps it, not looked up by
// its ID).
func (g *Graph) EdgesOutTo(id string, kinds ...EdgeKind) iter.Seq2[Edge, *Node] {
	return func(yield func(Edge, *Node) bool) {
		i, ok := g.index[id]
		if !ok {
			return
		}
		want := newKindSet(kinds)
		for _, ei := range g.out.of(i) {
			if want.has(g, ei) && !yield(g.edge(ei), g.nodes[g.ends[ei][1]]) {
				return
			}
		}
	}
}

// Sources returns the source of each edge In(id, kinds...) returns, in
// its order, without building the edges.
func (g *Graph) Sources(id string, kinds ...EdgeKind) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	var out []string
	g.eachIndex(g.in.of(i), kinds, func(ei int32) { out = append(out, g.nodes[g.ends[ei][0]].ID) })
	return out
}

func (g *Graph) collect(adj *adjacency, id string, kinds []EdgeKind) []Edge {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	row, want := adj.of(i), newKindSet(kinds)
	n := 0 // count first: one allocation of the right size
	for _, ei := range row {
		if want.has(g, ei) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Edge, 0, n)
	for _, ei := range row {
		if want.has(g, ei) {
			out = append(out, g.edge(ei))
		}
	}
	return out
}

// kindSet is a set of edge kinds, tested by each edge's kind bit (empty:
// every kind).
type kindSet struct {
	mask  uint16
	kinds []EdgeKind
}

func newKindSet(kinds []EdgeKind) kindSet {
	s := kindSet{kinds: kinds}
	for _, k := range kinds {
		s.mask |= kindBit(k)
	}
	return s
}

// has reports whether edge ei's kind is in s. Kinds outside EdgeKinds share
// one bit, so theirs are compared by name.
func (s kindSet) has(g *Graph, ei int32) bool {
	if len(s.kinds) == 0 {
		return true
	}
	b := g.kindBits[ei]
	return b&s.mask != 0 && (b != otherKindBit || slices.Contains(s.kinds, g.kind(ei)))
}

// marks tags nodes during one walk: m[i] == epoch means "in the answer",
// epoch+1 "left out". A new walk takes the next two epochs, so the array is
// never cleared (but when the epochs wrap around).
type marks struct {
	m     []uint32
	epoch uint32
}

// takeMarks returns marks for a walk over g, with a fresh epoch.
func (g *Graph) takeMarks() *marks {
	mk, _ := g.marks.Get().(*marks)
	if mk == nil {
		mk = &marks{m: make([]uint32, len(g.nodes))}
	}
	if mk.epoch >= math.MaxUint32-2 {
		clear(mk.m)
		mk.epoch = 0
	}
	mk.epoch += 2
	return mk
}

// eachIndex calls fn with the index of every edge of row of the given kinds
// (all if none), in order, without copying the edges: for walks over hubs
// where Out and In would copy thousands of edges to look at each once.
func (g *Graph) eachIndex(row []int32, kinds []EdgeKind, fn func(ei int32)) {
	want := newKindSet(kinds)
	for _, ei := range row {
		if want.has(g, ei) {
			fn(ei)
		}
	}
}

var (
	edgeKindOrder = EdgeKinds()
	nodeKindOrder = Kinds()
)

// kindBit is a one-bit code of an edge kind (otherKindBit for any kind not
// in EdgeKinds).
func kindBit(k EdgeKind) uint16 {
	if i := slices.Index(edgeKindOrder, k); i >= 0 {
		return 1 << i
	}
	return otherKindBit
}

const otherKindBit = 1 << 15

// Ancestors returns the chain of containers above id, nearest first
// (project, folders, organization), following Parent.
func (g *Graph) Ancestors(id string) []*Node {
	var out []*Node
	seen := map[string]bool{id: true}
	n, ok := g.Node(id)
	for ok && n.Parent != "" && !seen[n.Parent] {
		seen[n.Parent] = true
		n, ok = g.Node(n.Parent)
		if ok {
			out = append(out, n)
		}
	}
	return out
}

// ProjectOf returns the project node id lives in, if known.
func (g *Graph) ProjectOf(id string) (*Node, bool) {
	if n, ok := g.Node(id); ok && n.Kind == KindProject {
		return n, true
	}
	for _, a := range g.Ancestors(id) {
		if a.Kind == KindProject {
			return a, true
		}
	}
	return nil, false
}
