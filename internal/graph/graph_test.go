package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Edges come back field for field as they were added, though the graph
// keeps them packed (ends as node indexes, strings in a shared table); an
// edge that differs from an earlier one only in what is not part of its
// identity (condition title, detail, permissions) is a duplicate.
func TestEdgesRoundTrip(t *testing.T) {
	b := NewBuilder()
	for _, id := range []string{"a", "b", "c"} {
		b.Node(id, KindServiceAccount)
	}
	full := Edge{From: "a", To: "b", Kind: CanActAs, Role: "roles/iam.serviceAccountUser", Via: "b",
		Condition: `request.time < timestamp("2030-01-01T00:00:00Z")`, CondTitle: "until 2030",
		Permissions: []string{"iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken"}, Detail: "d"}
	same := full // the same roles and permissions on another pair share the table's strings
	same.From, same.To, same.Via = "b", "c", "c"
	otherCond := full
	otherCond.Condition, otherCond.CondTitle = "", ""
	custom := Edge{From: "c", To: "a", Kind: "kind_not_in_the_catalog"}
	custom2 := Edge{From: "b", To: "a", Kind: "another_kind_not_in_it"} // shares custom's kind bit
	dupTitle := full
	dupTitle.CondTitle, dupTitle.Detail, dupTitle.Permissions = "another title", "another detail", nil
	for _, e := range []Edge{full, same, otherCond, custom, custom2, dupTitle,
		{From: "a", To: "missing", Kind: HasRole}} { // an end that is not a node: ignored
		b.Edge(e)
	}
	g := b.Graph()

	want := []Edge{otherCond, full, custom2, same, custom}
	if diff := cmp.Diff(want, g.Edges()); diff != "" {
		t.Errorf("Edges() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Edge{otherCond, full}, g.Out("a", CanActAs)); diff != "" {
		t.Errorf("Out(a, can_act_as) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Edge{custom}, g.In("a", "kind_not_in_the_catalog")); diff != "" {
		t.Errorf("In(a, custom kind) (-want +got):\n%s", diff)
	}
	for _, id := range []string{"a", "b", "c", "missing"} {
		for _, kinds := range [][]EdgeKind{nil, {CanActAs}, {"kind_not_in_the_catalog"}, {HasRole, CanActAs}} {
			if diff := cmp.Diff(g.In(id, kinds...), slices.Collect(g.EdgesIn(id, kinds...))); diff != "" {
				t.Errorf("EdgesIn(%s, %v) (-In +EdgesIn):\n%s", id, kinds, diff)
			}
			var out []Edge
			for e, to := range g.EdgesOutTo(id, kinds...) {
				if to.ID != e.To {
					t.Errorf("EdgesOutTo(%s, %v) yields %v with node %s", id, kinds, e, to.ID)
				}
				out = append(out, e)
			}
			if diff := cmp.Diff(g.Out(id, kinds...), out); diff != "" {
				t.Errorf("EdgesOutTo(%s, %v) (-Out +EdgesOutTo):\n%s", id, kinds, diff)
			}
		}
	}
	if g.EdgeCount() != 5 {
		t.Errorf("EdgeCount() = %d, want 5", g.EdgeCount())
	}
}

// TestCompareAtIsCompareEdges: sorting rows where the edges are packed
// orders them as compareEdges orders the edges themselves, for every pair
// of a graph whose edges differ in each compared field.
func TestCompareAtIsCompareEdges(t *testing.T) {
	b := NewBuilder()
	ids := []string{"user:a@x", "user:b@x", "svc-1", "svc-2"}
	for _, id := range ids {
		b.Node(id, KindService)
	}
	for _, from := range ids[:2] {
		for _, to := range ids[2:] {
			for _, kind := range []EdgeKind{CanInvoke, HasRole} {
				for _, role := range []string{"", "roles/run.invoker", "roles/editor"} {
					for _, via := range []string{"", "p1", "p2"} {
						for _, cond := range []string{"", "request.time < x"} {
							b.Edge(Edge{From: from, To: to, Kind: kind, Role: role, Via: via, Condition: cond})
						}
					}
				}
			}
		}
	}
	g := b.Graph()
	n, o := int32(g.EdgeCount()), g.newEdgeOrder()
	for x := range n {
		for y := range n {
			if got, want := sign(g.compareAt(o, x, y)), sign(compareEdges(g.edge(x), g.edge(y))); got != want {
				t.Fatalf("compareAt(%v, %v) = %d, compareEdges = %d", g.edge(x), g.edge(y), got, want)
			}
		}
	}
}

func sign(c int) int { return min(max(c, -1), 1) }

// TestDuplicatesDropped: a graph whose edges are each added several times,
// interleaved with the others, answers every query as the graph that has
// each edge once, and keeps what the first of the copies said.
func TestDuplicatesDropped(t *testing.T) {
	ids := []string{"user:a@x", "group:g@x", "svc-1", "svc-2", "sa-1"}
	var edges []Edge
	for _, from := range ids[:2] {
		for _, to := range ids[2:] {
			for _, role := range []string{"roles/run.invoker", "roles/editor"} {
				edges = append(edges, Edge{From: from, To: to, Kind: CanInvoke, Role: role, Via: "p1"})
			}
		}
	}
	build := func(copies int) *Graph {
		b := NewBuilder()
		b.Workers = 2
		for _, id := range ids {
			b.Node(id, KindService)
		}
		for c := range copies {
			for i := range edges {
				e := edges[(i*7+c*3)%len(edges)] // each copy in another order
				if c > 0 {
					e.Detail = "a later copy"
				}
				b.Edge(e)
			}
		}
		return b.Graph()
	}
	once, thrice := build(1), build(3)
	if got, want := thrice.EdgeCount(), len(edges); got != want {
		t.Errorf("EdgeCount() = %d, want %d", got, want)
	}
	if diff := cmp.Diff(once.Edges(), thrice.Edges()); diff != "" {
		t.Errorf("Edges() (-once +thrice):\n%s", diff)
	}
	for _, id := range ids {
		if diff := cmp.Diff(once.In(id), thrice.In(id)); diff != "" {
			t.Errorf("In(%s) (-once +thrice):\n%s", id, diff)
		}
		if diff := cmp.Diff(once.Out(id, CanInvoke), thrice.Out(id, CanInvoke)); diff != "" {
			t.Errorf("Out(%s) (-once +thrice):\n%s", id, diff)
		}
	}
}

// Nodes lists every node by kind then ID, and NodesOf one kind's by ID,
// whatever order they were added in, each in a slice of its own.
func TestNodesOrder(t *testing.T) {
	b := NewBuilder()
	added := []struct {
		id string
		k  Kind
	}{
		{"user:zoe@example.com", KindUser}, {"//run/b", KindService}, {"user:al@example.com", KindUser},
		{"//run/a", KindService}, {"x", Kind("custom")}, {"group:ops@example.com", KindGroup},
		{"//run/c", KindJob}, {"w", KindOther}, {"//run/A", KindService},
	}
	for _, n := range added {
		b.Node(n.id, n.k)
	}
	g := b.Graph()
	want := slices.Clone(g.nodes)
	slices.SortFunc(want, func(a, b *Node) int {
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind))
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := func(ns []*Node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	got := g.Nodes()
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		t.Errorf("Nodes (-want +got):\n%s", diff)
	}
	got[0] = nil // the caller's to change
	if diff := cmp.Diff(ids(want), ids(g.Nodes())); diff != "" {
		t.Errorf("Nodes after changing an earlier answer (-want +got):\n%s", diff)
	}
	for _, k := range []Kind{KindService, KindUser, KindJob, Kind("custom"), KindOther, KindBucket} {
		var wantK []string
		for _, n := range want {
			if n.Kind == k {
				wantK = append(wantK, n.ID)
			}
		}
		if diff := cmp.Diff(wantK, ids(g.NodesOf(k))); diff != "" {
			t.Errorf("NodesOf(%s) (-want +got):\n%s", k, diff)
		}
	}
}
