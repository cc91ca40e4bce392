package graph

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testGraph: allUsers can invoke svc; svc runs as sa-run; sa-run has a role
// on the project; the bucket is in the project; alice can act as sa-run;
// sa-a and sa-b can act as each other (a cycle); 30 service accounts hang
// off the project.
func testGraph() *Graph { return testBuilder().Graph() }

func testBuilder() *Builder {
	b := NewBuilder()
	add := func(id string, k Kind, parent string) {
		n := b.Node(id, k)
		n.Label, n.Parent = id, parent
	}
	add("org", KindOrganization, "")
	add("proj", KindProject, "org")
	add("svc", KindService, "proj")
	add("serviceAccount:sa-run@p.iam.gserviceaccount.com", KindServiceAccount, "proj")
	add("bucket", KindBucket, "proj")
	add("secret", KindSecret, "proj")
	add("allUsers", KindPublic, "")
	add("user:alice@example.com", KindUser, "")
	add("serviceAccount:sa-a@p.iam.gserviceaccount.com", KindServiceAccount, "proj")
	add("serviceAccount:sa-b@p.iam.gserviceaccount.com", KindServiceAccount, "proj")
	for i := range 30 {
		add(fmt.Sprintf("serviceAccount:bulk-%02d@p.iam.gserviceaccount.com", i), KindServiceAccount, "proj")
	}
	for _, n := range b.Nodes() {
		if n.Parent != "" {
			b.Edge(Edge{From: n.ID, To: n.Parent, Kind: ChildOf})
		}
	}
	b.Edge(Edge{From: "allUsers", To: "svc", Kind: CanInvoke, Role: "roles/run.invoker", Via: "svc"})
	b.Edge(Edge{From: "svc", To: "serviceAccount:sa-run@p.iam.gserviceaccount.com", Kind: RunsAs})
	b.Edge(Edge{From: "serviceAccount:sa-run@p.iam.gserviceaccount.com", To: "proj", Kind: HasRole, Role: "roles/storage.objectViewer", Via: "proj"})
	b.Edge(Edge{From: "serviceAccount:sa-run@p.iam.gserviceaccount.com", To: "secret", Kind: HasRole, Role: "roles/secretmanager.secretAccessor", Via: "secret"})
	b.Edge(Edge{From: "user:alice@example.com", To: "serviceAccount:sa-run@p.iam.gserviceaccount.com", Kind: CanActAs, Role: "roles/iam.serviceAccountTokenCreator", Via: "serviceAccount:sa-run@p.iam.gserviceaccount.com"})
	b.Edge(Edge{From: "serviceAccount:sa-a@p.iam.gserviceaccount.com", To: "serviceAccount:sa-b@p.iam.gserviceaccount.com", Kind: CanActAs, Role: "roles/iam.serviceAccountUser", Via: "x"})
	b.Edge(Edge{From: "serviceAccount:sa-b@p.iam.gserviceaccount.com", To: "serviceAccount:sa-a@p.iam.gserviceaccount.com", Kind: CanActAs, Role: "roles/iam.serviceAccountUser", Via: "x"})
	return b
}

// pathGraph is testGraph with a secret filed under the service, which is
// no container: nothing granted on the service reaches it, though the
// secret's parent is the service.
func pathGraph() *Graph {
	b := testBuilder()
	n := b.Node("svc/under", KindSecret)
	n.Label, n.Parent = "svc/under", "svc"
	b.Edge(Edge{From: "svc/under", To: "svc", Kind: ChildOf})
	return b.Graph()
}

func ids(r Result) []string {
	var out []string
	for _, x := range r.Reached {
		out = append(out, x.Node.ID)
	}
	return out
}

func TestShortestPath(t *testing.T) {
	g := pathGraph()
	tests := []struct {
		name, from, to string
		want           []string // "from -kind-> to" per step
		ok             bool
	}{
		{"public principal to a bucket through the service's identity and its project grant", "allUsers", "bucket",
			[]string{"allUsers -can_invoke-> svc", "svc -runs_as-> serviceAccount:sa-run@p.iam.gserviceaccount.com",
				"serviceAccount:sa-run@p.iam.gserviceaccount.com -has_role-> proj", "proj -contains-> bucket"}, true},
		{"impersonation to a secret", "user:alice@example.com", "secret",
			[]string{"user:alice@example.com -can_act_as-> serviceAccount:sa-run@p.iam.gserviceaccount.com",
				"serviceAccount:sa-run@p.iam.gserviceaccount.com -has_role-> secret"}, true},
		{"no path backwards", "bucket", "allUsers", nil, false},
		{"cycle terminates without a path", "serviceAccount:sa-a@p.iam.gserviceaccount.com", "bucket", nil, false},
		{"unknown node", "nobody", "bucket", nil, false},
		{"nothing reaches the target", "allUsers", "user:alice@example.com", nil, false},
		{"nothing inside a service", "allUsers", "svc/under", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var path []Step
			var ok bool
			go func() { path, ok = g.ShortestPath(tc.from, tc.to, nil); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ShortestPath did not terminate")
			}
			if ok != tc.ok {
				t.Fatalf("ShortestPath(%s, %s) ok = %v, want %v", tc.from, tc.to, ok, tc.ok)
			}
			var got []string
			for _, s := range path {
				if s.Contains {
					got = append(got, s.Edge.To+" -contains-> "+s.Edge.From)
				} else {
					got = append(got, s.Edge.From+" -"+string(s.Edge.Kind)+"-> "+s.Edge.To)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("path (-want +got):\n%s", diff)
			}
		})
	}
}

// TestShortestPathFindsWhatReachFinds: between every two nodes, a path
// exists exactly when the forward walk reaches the one from the other.
func TestShortestPathFindsWhatReachFinds(t *testing.T) {
	g := pathGraph()
	for _, a := range g.Nodes() {
		reached := map[string]bool{}
		for _, r := range g.Reach(a.ID, Forward, ReachKinds, 0, 0, true).Reached {
			reached[r.Node.ID] = true
		}
		for _, b := range g.Nodes() {
			if a.ID == b.ID {
				continue
			}
			if _, ok := g.ShortestPath(a.ID, b.ID, nil); ok != reached[b.ID] {
				t.Errorf("ShortestPath(%s, %s) ok = %v, want %v as Reach finds", a.ID, b.ID, ok, reached[b.ID])
			}
		}
	}
}

func TestReach(t *testing.T) {
	g := testGraph()
	t.Run("who can invoke the service", func(t *testing.T) {
		got := ids(g.WhoCanInvoke("svc", 0))
		if diff := cmp.Diff([]string{"allUsers"}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("who can act as the runtime SA, with the binding", func(t *testing.T) {
		r := g.WhoCanActAs("serviceAccount:sa-run@p.iam.gserviceaccount.com", 0)
		if len(r.Reached) != 1 || r.Reached[0].Node.ID != "user:alice@example.com" || r.Reached[0].Path[0].Edge.Role != "roles/iam.serviceAccountTokenCreator" {
			t.Errorf("got %+v", r.Reached)
		}
	})
	t.Run("cycle of impersonation terminates", func(t *testing.T) {
		got := ids(g.WhoCanActAs("serviceAccount:sa-a@p.iam.gserviceaccount.com", 0))
		if diff := cmp.Diff([]string{"serviceAccount:sa-b@p.iam.gserviceaccount.com"}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("what alice can reach includes the project's bucket", func(t *testing.T) {
		r := g.CanReach("user:alice@example.com", 0)
		found := false
		for _, x := range r.Reached {
			if x.Node.ID == "bucket" {
				found = true
				if x.Depth != 3 {
					t.Errorf("bucket depth = %d, want 3 (act as, role on project, contains)", x.Depth)
				}
			}
		}
		if !found {
			t.Errorf("bucket not reached: %v", ids(r))
		}
	})
	t.Run("limit cuts and counts what it left out", func(t *testing.T) {
		r := g.CanReach("user:alice@example.com", 5)
		if !r.Truncated || len(r.Reached) != 5 || r.Omitted[KindServiceAccount] == 0 {
			t.Errorf("truncated=%v reached=%d omitted=%v", r.Truncated, len(r.Reached), r.Omitted)
		}
	})
}

func TestNeighbours(t *testing.T) {
	g := testGraph()
	sg := g.Neighbours("svc", 1, nil, 0)
	var got []string
	for _, n := range sg.Nodes {
		got = append(got, n.ID)
	}
	want := []string{"svc", "proj", "serviceAccount:sa-run@p.iam.gserviceaccount.com", "allUsers"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("depth 1 (-want +got):\n%s", diff)
	}
	if len(sg.Edges) != 5 { // child_of x2, can_invoke, runs_as, has_role
		t.Errorf("edges = %d, want 5", len(sg.Edges))
	}
	big := g.Neighbours("proj", 1, []EdgeKind{ChildOf}, 10)
	if !big.Truncated || big.Omitted[KindServiceAccount] == 0 || len(big.Nodes) != 10 {
		t.Errorf("bounded neighbourhood: truncated=%v nodes=%d omitted=%v", big.Truncated, len(big.Nodes), big.Omitted)
	}
	// What was left out is counted exactly, by kind: every neighbour not in
	// the answer, once.
	shown := map[string]bool{}
	for _, n := range big.Nodes {
		shown[n.ID] = true
	}
	wantOmitted := map[Kind]int{}
	seen := map[string]bool{}
	for _, e := range append(g.Out("proj", ChildOf), g.In("proj", ChildOf)...) {
		other := e.To
		if other == "proj" {
			other = e.From
		}
		if n, _ := g.Node(other); !shown[other] && !seen[other] {
			seen[other] = true
			wantOmitted[n.Kind]++
		}
	}
	if diff := cmp.Diff(wantOmitted, big.Omitted); diff != "" {
		t.Errorf("omitted by kind (-want +got):\n%s", diff)
	}
	filtered := g.Neighbours("svc", 2, []EdgeKind{RunsAs}, 0)
	if len(filtered.Nodes) != 2 {
		t.Errorf("runs_as only: %d nodes, want 2", len(filtered.Nodes))
	}
}

func TestSearch(t *testing.T) {
	g := testGraph()
	tests := []struct {
		q     string
		first string
		n     int
	}{
		{"sa-r", "serviceAccount:sa-run@p.iam.gserviceaccount.com", 1},
		{"ALICE", "user:alice@example.com", 1},
		{"bulk-1", "serviceAccount:bulk-10@p.iam.gserviceaccount.com", 10},
		{"p.iam", "", 33},
		{"zzz", "", 0},
	}
	for _, tc := range tests {
		got := g.Search(tc.q, 0)
		if len(got) != tc.n {
			t.Errorf("Search(%q) = %d hits, want %d", tc.q, len(got), tc.n)
		}
		if tc.first != "" && (len(got) == 0 || got[0].Node.ID != tc.first) {
			t.Errorf("Search(%q) first = %v, want %s", tc.q, got, tc.first)
		}
	}
	// Bounded, the answer is the first limit of the whole ordered answer
	// (only the best are kept while scanning).
	for _, q := range []string{"a", "p.iam", "bulk", "sa-", "proj"} {
		all := g.Search(q, 0)
		for _, limit := range []int{1, 2, 5, 10, 33, 40} {
			want := all[:min(limit, len(all))]
			if diff := cmp.Diff(want, g.Search(q, limit)); diff != "" {
				t.Errorf("Search(%q, %d) is not the first %d of Search(%q, 0) (-want +got):\n%s", q, limit, limit, q, diff)
			}
		}
	}
}

func TestBlastRadius(t *testing.T) {
	g := testGraph()
	ex, _ := g.BlastRadius("serviceAccount:sa-run@p.iam.gserviceaccount.com", 0, func(role string) int { return 7 })
	byID := map[string]Exposure{}
	for _, e := range ex {
		byID[e.Node.ID] = e
	}
	if e := byID["secret"]; len(e.Roles) != 1 || e.Roles[0] != "roles/secretmanager.secretAccessor" || e.Permissions != 7 {
		t.Errorf("secret exposure = %+v", e)
	}
	if e := byID["proj"]; e.Inside < 30 {
		t.Errorf("project exposure inside = %d, want the 30+ nodes in it", e.Inside)
	}
	if _, ok := byID["bucket"]; !ok {
		t.Error("the bucket in the project is not in the blast radius")
	}
}

// A hub (a group that may invoke every service, more than hubRow edges
// out) in a neighbourhood: the edges among its nodes are exactly those a
// walk of every row finds, in the same order, whichever way they are found.
func TestNeighboursHubEdges(t *testing.T) {
	b := NewBuilder()
	b.Node("group:all@example.com", KindGroup)
	b.Node("user:few@example.com", KindUser)
	for i := range 20 * hubRow {
		svc := fmt.Sprintf("svc-%04d", i)
		b.Node(svc, KindService)
		// Two edges to some services (a second role), in an order that is
		// not the row's.
		b.Edge(Edge{From: "group:all@example.com", To: svc, Kind: CanInvoke, Role: "roles/run.invoker", Via: svc})
		if i%7 == 0 {
			b.Edge(Edge{From: "group:all@example.com", To: svc, Kind: HasRole, Role: "roles/run.viewer", Via: svc})
		}
		if i%50 == 0 {
			b.Edge(Edge{From: "user:few@example.com", To: svc, Kind: CanInvoke, Role: "roles/run.invoker", Via: svc})
		}
	}
	g := b.Graph()
	if _, ok := g.hubOut[g.index["group:all@example.com"]]; !ok {
		t.Fatal("the group is not a hub: the test does not test the hub path")
	}
	for _, tc := range []struct {
		start string
		depth int
		kinds []EdgeKind
		limit int
	}{
		{"user:few@example.com", 2, nil, 150},                  // the hub at depth 2, a few services in
		{"user:few@example.com", 2, []EdgeKind{CanInvoke}, 40}, // only some of its kinds
		{"svc-0007", 1, nil, 0},                                // the hub and one service
		{"group:all@example.com", 1, nil, 0},                   // every service: the row is walked
	} {
		sg := g.Neighbours(tc.start, tc.depth, tc.kinds, tc.limit)
		in := map[string]bool{}
		for _, n := range sg.Nodes {
			in[n.ID] = true
		}
		var want []Edge
		for _, n := range sg.Nodes {
			for _, e := range g.Out(n.ID, tc.kinds...) {
				if in[e.To] {
					want = append(want, e)
				}
			}
		}
		if diff := cmp.Diff(want, sg.Edges); diff != "" {
			t.Errorf("Neighbours(%s, %d, %v, %d) edges (-walk of every row +got):\n%s", tc.start, tc.depth, tc.kinds, tc.limit, diff)
		}
	}
}
