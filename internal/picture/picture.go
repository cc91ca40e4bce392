// Package picture lays out a piece of the identity graph (a posture.View)
// as a drawing a person can read without zooming: columns left to right —
// callers, services and jobs, runtime identities, resources, the projects
// and folders that hold them — each node a box with its name written inside
// it, so no edge ever runs under a label.
//
// Lines only ever cross the gaps between columns. A line that spans columns
// passes through each column between its ends in a slot of its own, so it
// never runs through an unrelated box; a line between two boxes of one
// column bends out into the gap beside it. Big groups (more than MaxGroup
// nodes of one kind in one column) are one box, "12 service accounts", that
// a page can expand, and Google-managed service agents are folded into one
// box by default: they can invoke everything and would drown the real
// callers.
//
// Draw is a pure function of the graph and the view; it does no I/O.
package picture

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/posture"
)

// MaxGroup is how many nodes of one kind a column shows one by one; more
// are one group box until expanded.
const MaxGroup = 8

// Geometry, in CSS pixels.
const (
	boxH    = 46 // a box: its name and a line under it
	boxGap  = 14 // between items of a column
	slotH   = 8  // a line passing through a column
	colGap  = 90
	headerH = 34 // the column titles
	margin  = 12
	textMax = 34 // characters of a name a box shows (names.Shorten)
	subMax  = 42
	charW   = 7.7 // average advance of the 12 px bold name font (DejaVu Sans, the widest common one)
	subW    = 6.5 // and of the 11 px line under it
	headW   = 8.8 // and of the column titles (12 px capitals)
	minBoxW = 150
)

// Column is where a node stands: what it is to the workloads in the view.
type Column int

// Columns, left to right.
const (
	Callers Column = iota
	Workloads
	Identities
	Resources
	Containers
	columns
)

var columnTitles = [columns]string{"Callers", "Services and jobs", "Runtime identities", "Resources", "Projects and folders"}

func (c Column) String() string { return columnTitles[c] }

// AgentsKey is the expand key of the box that folds Google service agents.
const AgentsKey = "agents"

// Box is a node (or a group of nodes, or a count of nodes left out) drawn
// as a rectangle with its name inside.
type Box struct {
	ID         string // the node ID; a group's key ("serviceAccount.2", "agents.0"); "omitted.KIND"
	Column     Column
	X, Y, W, H int
	Text       string // the name, shortened in the middle
	Sub        string // what and where: "service · pdf-convert-prod · us-central1"
	Title      string // everything, for a hover
	Kind       graph.Kind
	Severity   string // worst open finding about it (or its members)
	Findings   int
	Focus      bool
	Members    []string // a group's node IDs; nil for a node
	Expand     string   // a group's expand key
	Omitted    int      // a count the view left out (no page to open)
}

// Group reports whether b stands for several nodes.
func (b Box) Group() bool { return b.Members != nil }

// Point is a position in the picture.
type Point struct{ X, Y float64 }

// Line is one edge (or several merged into a group's) drawn from box to box.
type Line struct {
	From, To string // box IDs
	Kind     graph.EdgeKind
	Points   []Point // the route: box side, through each column's slot, box side
	Title    string  // the edge in words, for a hover
	Count    int     // edges merged into this line
}

// Header is a column's title and where it stands.
type Header struct {
	X    int
	Text string
}

// Picture is a laid-out view.
type Picture struct {
	Width, Height int
	Headers       []Header
	Boxes         []Box
	Lines         []Line
	Kinds         []graph.Kind     // node kinds drawn, for the legend
	EdgeKinds     []graph.EdgeKind // edge kinds drawn, for the legend
	Folded        []Box            // the group boxes, for "show them" links
}

// item is a box or a line's slot while the columns are ordered.
type item struct {
	box   *Box
	col   Column
	order float64
	y     int
	h     int
	line  int // for a slot: the line it carries; -1 for a box
}

// Draw lays out v. expand names the group keys (Box.Expand) to draw one
// node at a time.
func Draw(g *graph.Graph, v posture.View, expand map[string]bool) Picture {
	cols := columnsOf(v)
	boxes := map[string]*Box{}
	var order []string // boxes in the order they came
	rep := map[string]string{}
	add := func(b *Box) {
		boxes[b.ID] = b
		order = append(order, b.ID)
	}
	// Which nodes fold: service agents first, then kinds too many for
	// their column.
	type gk struct {
		col  Column
		kind graph.Kind
	}
	count := map[gk]int{}
	agent := func(n posture.ViewNode) bool {
		return n.Kind == graph.KindServiceAccount && n.ID != v.Focus && iam.ParseMember(n.ID).IsServiceAgent()
	}
	for _, n := range v.Nodes {
		if n.Node != nil && n.ID != v.Focus && !agent(n) {
			count[gk{cols[n.ID], n.Kind}]++
		}
	}
	for _, n := range v.Nodes {
		if n.Node == nil {
			continue
		}
		col := cols[n.ID]
		key := ""
		switch {
		case agent(n):
			key = AgentsKey + "." + strconv.Itoa(int(col))
			if expand[AgentsKey] {
				key = ""
			}
		case n.ID != v.Focus && count[gk{col, n.Kind}] > MaxGroup:
			key = string(n.Kind) + "." + strconv.Itoa(int(col))
			if expand[key] {
				key = ""
			}
		}
		if key == "" {
			add(nodeBox(g, n, col, n.ID == v.Focus))
			rep[n.ID] = n.ID
			continue
		}
		b, ok := boxes[key]
		if !ok {
			b = &Box{ID: key, Column: col, Kind: n.Kind, Members: []string{}, Expand: key}
			if strings.HasPrefix(key, AgentsKey) {
				b.Expand = AgentsKey
			}
			add(b)
		}
		b.Members = append(b.Members, n.ID)
		b.Findings += n.Findings
		b.Severity = worse(b.Severity, n.Severity)
		rep[n.ID] = key
	}
	var folded []Box
	for _, id := range order {
		if b := boxes[id]; b.Group() {
			nameGroup(g, b)
			folded = append(folded, *b)
		}
	}
	// What the view left out, counted where it would have stood.
	for _, k := range slices.Sorted(maps.Keys(v.Omitted)) {
		n := v.Omitted[k]
		b := &Box{ID: "omitted." + string(k), Column: defaultColumn(k), Kind: k, Omitted: n,
			Text: fmt.Sprintf("%d more %s", n, names.Plural(k, n)), Sub: "not drawn: too many"}
		b.Title = b.Text + " are not drawn; narrow the edge kinds or the depth to see them."
		add(b)
	}
	lines := mergeLines(g, v.Edges, rep)
	return layout(boxes, order, lines, folded)
}

// nodeBox is the box of one node, named by names.Of.
func nodeBox(g *graph.Graph, n posture.ViewNode, col Column, focus bool) *Box {
	nm := names.Of(g, n.ID)
	sub := nm.Noun
	if sub == "" {
		sub = names.Plural(n.Kind, 1)
	}
	for _, s := range []string{nm.Context, nm.Tag} {
		if s != "" {
			sub += names.Separator + s
		}
	}
	title := nm.Title()
	if x := nm.String(); x != nm.Text {
		title = x + "\n" + nm.Full
	}
	if n.Findings > 0 {
		title += "\n" + names.Count(n.Findings, "open finding") + ", worst " + n.Severity
	}
	return &Box{ID: n.ID, Column: col, Kind: n.Kind, Text: names.Shorten(nm.Text, textMax),
		Sub: names.Shorten(sub, subMax), Title: title, Severity: n.Severity, Findings: n.Findings, Focus: focus}
}

// nameGroup writes a group box's text: "12 service accounts", "3 Google
// service agents".
func nameGroup(g *graph.Graph, b *Box) {
	n := len(b.Members)
	if strings.HasPrefix(b.ID, AgentsKey) {
		b.Text = names.Count(n, "Google service agent")
		b.Sub = "Google-managed · folded"
	} else {
		b.Text = fmt.Sprintf("%d %s", n, names.Plural(b.Kind, n))
		b.Sub = "grouped · open to show each"
	}
	var t strings.Builder
	t.WriteString(b.Text + ":")
	for i, id := range b.Members {
		if i == 12 {
			fmt.Fprintf(&t, "\n… and %d more", n-i)
			break
		}
		t.WriteString("\n" + names.Of(g, id).Text)
	}
	b.Title = t.String()
}

// severities, least to worst.
var severities = []string{"", "info", "low", "medium", "high", "critical"}

func worse(a, b string) string {
	if slices.Index(severities, b) > slices.Index(severities, a) {
		return b
	}
	return a
}

// mergeLines maps edges onto boxes: edges into or out of a group become
// one line per other end and kind, with the count; an edge within a group
// is not drawn.
func mergeLines(g *graph.Graph, edges []graph.Edge, rep map[string]string) []Line {
	var lines []Line
	at := map[[3]string]int{}
	for _, e := range edges {
		from, ok1 := rep[e.From]
		to, ok2 := rep[e.To]
		if !ok1 || !ok2 || from == to {
			continue
		}
		k := [3]string{from, to, string(e.Kind)}
		if i, ok := at[k]; ok {
			lines[i].Count++
			lines[i].Title = fmt.Sprintf("%d edges: %s", lines[i].Count, e.Kind.Verb())
			continue
		}
		at[k] = len(lines)
		lines = append(lines, Line{From: from, To: to, Kind: e.Kind, Title: names.Edge(g, e), Count: 1})
	}
	return lines
}

// columnsOf says where each node of v stands. Kinds decide, except where a
// node's edges in the view say otherwise: a service account is an identity
// when a workload runs as it (or a push, trigger or job authenticates as
// it) and a caller when it only invokes or acts as others; a topic is a
// resource when something uses it or holds a role on it.
func columnsOf(v posture.View) map[string]Column {
	type roles struct{ identity, caller, target bool }
	r := map[string]*roles{}
	get := func(id string) *roles {
		x := r[id]
		if x == nil {
			x = &roles{}
			r[id] = x
		}
		return x
	}
	for _, e := range v.Edges {
		switch e.Kind {
		case graph.RunsAs, graph.AuthenticatesAs:
			get(e.To).identity = true
		case graph.CanInvoke, graph.CanActAs, graph.PushesTo, graph.Triggers:
			get(e.From).caller = true
		case graph.Uses, graph.HasRole:
			get(e.To).target = true
		}
	}
	cols := make(map[string]Column, len(v.Nodes))
	for _, n := range v.Nodes {
		if n.Node == nil {
			continue
		}
		c := defaultColumn(n.Kind)
		x := r[n.ID]
		switch n.Kind {
		case graph.KindServiceAccount:
			if x != nil && x.caller && !x.identity {
				c = Callers
			}
		case graph.KindTopic, graph.KindOther:
			if x != nil && x.target && !x.caller {
				c = Resources
			}
		}
		cols[n.ID] = c
	}
	return cols
}

// defaultColumn is where a kind stands when its edges do not say.
func defaultColumn(k graph.Kind) Column {
	switch k {
	case graph.KindService, graph.KindJob:
		return Workloads
	case graph.KindServiceAccount:
		return Identities
	case graph.KindBucket, graph.KindSecret, graph.KindSQLInstance, graph.KindKMSKey:
		return Resources
	case graph.KindProject, graph.KindFolder, graph.KindOrganization:
		return Containers
	}
	return Callers
}

// layout orders each column to keep lines short and uncrossed, stacks it,
// and routes the lines.
func layout(boxes map[string]*Box, order []string, lines []Line, folded []Box) Picture {
	var items []*item
	byBox := map[string]*item{}
	for i, id := range order {
		b := boxes[id]
		it := &item{box: b, col: b.Column, order: float64(i), h: boxH, line: -1}
		items = append(items, it)
		byBox[id] = it
	}
	// A line spanning columns takes a slot in each column between its ends.
	slots := make([][]*item, len(lines))
	for li, l := range lines {
		a, b := byBox[l.From].col, byBox[l.To].col
		step := Column(1)
		if b < a {
			step = -1
		}
		for c := a + step; c != b && a != b; c += step {
			it := &item{col: c, h: slotH, line: li, order: (byBox[l.From].order + byBox[l.To].order) / 2}
			items = append(items, it)
			slots[li] = append(slots[li], it)
		}
	}
	// Column membership, with empty columns dropped.
	var percol [columns][]*item
	for _, it := range items {
		percol[it.col] = append(percol[it.col], it)
	}
	// Neighbours of each item across columns, for the barycentre passes.
	nbr := map[*item][]*item{}
	link := func(a, b *item) {
		nbr[a] = append(nbr[a], b)
		nbr[b] = append(nbr[b], a)
	}
	for li, l := range lines {
		chain := append(append([]*item{byBox[l.From]}, slots[li]...), byBox[l.To])
		for i := 0; i+1 < len(chain); i++ {
			link(chain[i], chain[i+1])
		}
	}
	sortCol := func(c []*item) {
		// Stable: items whose barycentres tie keep the order they had.
		slices.SortStableFunc(c, func(a, b *item) int { return cmp.Compare(a.order, b.order) })
		for i, it := range c {
			it.order = float64(i)
		}
	}
	for c := range percol {
		sortCol(percol[c])
	}
	// Barycentre passes, left to right then right to left (Sugiyama).
	for pass := 0; pass < 8; pass++ {
		cs := []int{0, 1, 2, 3, 4}
		if pass%2 == 1 {
			slices.Reverse(cs)
		}
		for _, c := range cs {
			for _, it := range percol[c] {
				var sum float64
				var n int
				for _, o := range nbr[it] {
					if o.col != it.col {
						sum += o.order
						n++
					}
				}
				if n > 0 {
					it.order = sum / float64(n)
				}
				if it.box != nil && it.box.Focus {
					it.order = -1
				}
			}
			sortCol(percol[c])
		}
	}
	// Column widths and x.
	var p Picture
	x := margin
	var colX, colW [columns]int
	height := 0
	for c := range percol {
		if len(percol[c]) == 0 {
			continue
		}
		w := minBoxW
		hasBox := false
		for _, it := range percol[c] {
			if it.box != nil {
				hasBox = true
				w = max(w, boxWidth(it.box))
			}
		}
		if !hasBox {
			w = 24 // only lines pass here
		} else {
			w = max(w, int(math.Ceil(float64(len(Column(c).String()))*headW)))
			p.Headers = append(p.Headers, Header{X: x, Text: Column(c).String()})
		}
		colX[c], colW[c] = x, w
		y := 0
		for _, it := range percol[c] {
			it.y = y
			y += it.h + boxGap
		}
		height = max(height, y-boxGap)
		x += w + colGap
	}
	p.Width = x - colGap + margin
	p.Height = headerH + height + 2*margin
	// Centre each column on the tallest, and place the boxes.
	for c := range percol {
		if len(percol[c]) == 0 {
			continue
		}
		last := percol[c][len(percol[c])-1]
		off := headerH + margin + (height-(last.y+last.h))/2
		for _, it := range percol[c] {
			it.y += off
			if it.box != nil {
				it.box.X, it.box.Y, it.box.W, it.box.H = colX[c], it.y, colW[c], boxH
			}
		}
	}
	// Routes.
	for li := range lines {
		l := &lines[li]
		a, b := byBox[l.From].box, byBox[l.To].box
		fwd := b.Column >= a.Column
		mid := func(bx *Box, right bool) Point {
			px := float64(bx.X)
			if right {
				px += float64(bx.W)
			}
			return Point{px, float64(bx.Y) + float64(bx.H)/2}
		}
		switch {
		case a.Column == b.Column:
			l.Points = []Point{mid(a, true), mid(b, true)}
		default:
			pts := []Point{mid(a, fwd)}
			for _, s := range slots[li] {
				y := float64(s.y) + slotH/2
				left, right := float64(colX[s.col]), float64(colX[s.col]+colW[s.col])
				if fwd {
					pts = append(pts, Point{left, y}, Point{right, y})
				} else {
					pts = append(pts, Point{right, y}, Point{left, y})
				}
			}
			l.Points = append(pts, mid(b, !fwd))
		}
	}
	// A bend out of the last column reaches past it.
	for _, l := range lines {
		for _, s := range l.Segments() {
			p.Width = max(p.Width, int(math.Ceil(max(s.P1.X, s.P2.X)))+margin)
		}
	}
	kinds := map[graph.Kind]bool{}
	for _, id := range order {
		b := boxes[id]
		p.Boxes = append(p.Boxes, *b)
		if b.Omitted == 0 {
			kinds[b.Kind] = true
		}
	}
	edgeKinds := map[graph.EdgeKind]bool{}
	for _, l := range lines {
		edgeKinds[l.Kind] = true
	}
	for _, k := range graph.Kinds() {
		if kinds[k] {
			p.Kinds = append(p.Kinds, k)
		}
	}
	for _, k := range graph.EdgeKinds() {
		if edgeKinds[k] {
			p.EdgeKinds = append(p.EdgeKinds, k)
		}
	}
	p.Lines, p.Folded = lines, folded
	return p
}

// boxWidth fits a box's name and the line under it.
func boxWidth(b *Box) int {
	w := max(float64(len([]rune(b.Text)))*charW, float64(len([]rune(b.Sub)))*subW)
	return int(math.Ceil(w)) + 14 + 30 // the stripe and padding; the findings badge
}

// Segment is one piece of a line's route: a cubic Bézier curve from P0 to
// P3 with control points P1 and P2 (a straight piece has them on it).
type Segment struct{ P0, P1, P2, P3 Point }

// Segments is the route of l as curves: across a gap a curve that leaves
// and arrives level, through a column straight, and between two boxes of
// one column a bend out into the gap on their right.
func (l Line) Segments() []Segment {
	var ss []Segment
	for i := 0; i+1 < len(l.Points); i++ {
		p, q := l.Points[i], l.Points[i+1]
		switch {
		case p.X == q.X: // one column: bend right, into the gap
			bend := min(colGap*0.7, 24+math.Abs(q.Y-p.Y)/4)
			ss = append(ss, Segment{p, Point{p.X + bend, p.Y}, Point{q.X + bend, q.Y}, q})
		case p.Y == q.Y:
			ss = append(ss, Segment{p, Point{p.X + (q.X-p.X)/3, p.Y}, Point{p.X + 2*(q.X-p.X)/3, q.Y}, q})
		default:
			mx := (p.X + q.X) / 2
			ss = append(ss, Segment{p, Point{mx, p.Y}, Point{mx, q.Y}, q})
		}
	}
	return ss
}

// Path is the SVG path data of l's route.
func (l Line) Path() string {
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for i, s := range l.Segments() {
		if i == 0 {
			b.WriteString("M" + f(s.P0.X) + " " + f(s.P0.Y))
		}
		b.WriteString(" C" + f(s.P1.X) + " " + f(s.P1.Y) + " " + f(s.P2.X) + " " + f(s.P2.Y) + " " + f(s.P3.X) + " " + f(s.P3.Y))
	}
	return b.String()
}

// At is the point of s at t in [0, 1].
func (s Segment) At(t float64) Point {
	u := 1 - t
	a, b, c, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
	return Point{a*s.P0.X + b*s.P1.X + c*s.P2.X + d*s.P3.X, a*s.P0.Y + b*s.P1.Y + c*s.P2.Y + d*s.P3.Y}
}
