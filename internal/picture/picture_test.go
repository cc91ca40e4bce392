package picture_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/picture"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// readable checks what a reader relies on: no two boxes overlap, no line
// runs through a box other than its own ends (sampled along its curves),
// every line starts and ends on its boxes, and the columns keep their
// order left to right.
func readable(t *testing.T, name string, p picture.Picture) {
	t.Helper()
	byID := map[string]picture.Box{}
	for i, a := range p.Boxes {
		byID[a.ID] = a
		if a.X < 0 || a.Y < 0 || a.X+a.W > p.Width || a.Y+a.H > p.Height {
			t.Errorf("%s: box %q at %d,%d %dx%d is outside the %dx%d picture", name, a.Text, a.X, a.Y, a.W, a.H, p.Width, p.Height)
		}
		for _, b := range p.Boxes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("%s: boxes %q and %q overlap", name, a.Text, b.Text)
			}
		}
	}
	for _, l := range p.Lines {
		from, to := byID[l.From], byID[l.To]
		if from.ID == "" || to.ID == "" {
			t.Errorf("%s: line %s -> %s has no box at an end", name, l.From, l.To)
			continue
		}
		for _, s := range l.Segments() {
			for i := 0; i <= 40; i++ {
				pt := s.At(float64(i) / 40)
				if pt.X > float64(p.Width) || pt.Y > float64(p.Height) || pt.X < 0 || pt.Y < 0 {
					t.Errorf("%s: line %q leaves the picture at %.0f,%.0f", name, l.Title, pt.X, pt.Y)
				}
				for _, b := range p.Boxes {
					if b.ID == l.From || b.ID == l.To {
						continue
					}
					if pt.X > float64(b.X)+1 && pt.X < float64(b.X+b.W)-1 && pt.Y > float64(b.Y)+1 && pt.Y < float64(b.Y+b.H)-1 {
						t.Errorf("%s: line %q runs through %q", name, l.Title, b.Text)
						goto next
					}
				}
			}
		}
	next:
	}
	for _, a := range p.Boxes {
		for _, b := range p.Boxes {
			if a.Column < b.Column && a.X >= b.X {
				t.Errorf("%s: %q (%s) is not left of %q (%s)", name, a.Text, a.Column, b.Text, b.Column)
			}
		}
	}
}

// view builds a View by hand: the nodes and edges given, no findings.
func view(g *graph.Graph, focus string, edges ...graph.Edge) posture.View {
	v := posture.View{Focus: focus, Edges: edges}
	seen := map[string]bool{}
	for _, id := range append([]string{focus}, ends(edges)...) {
		if seen[id] {
			continue
		}
		seen[id] = true
		n, ok := g.Node(id)
		if !ok {
			panic("no node " + id)
		}
		v.Nodes = append(v.Nodes, posture.ViewNode{Node: n})
	}
	return v
}

func ends(es []graph.Edge) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.From, e.To)
	}
	return out
}

const (
	svc     = "//run.googleapis.com/projects/p1/locations/us-central1/services/api"
	other   = "//run.googleapis.com/projects/p1/locations/us-central1/services/worker"
	runtime = "serviceAccount:api@p1.iam.gserviceaccount.com"
	caller  = "serviceAccount:ci@p1.iam.gserviceaccount.com"
	agent   = "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com"
	agent2  = "serviceAccount:service-123@serverless-robot-prod.iam.gserviceaccount.com"
	bucket  = "//storage.googleapis.com/uploads"
	user    = "user:ann@example.com"
	project = "//cloudresourcemanager.googleapis.com/projects/123"
)

func fixture(extra int) *graph.Graph {
	b := graph.NewBuilder()
	b.Node(svc, graph.KindService).Project = "p1"
	b.Node(other, graph.KindService).Project = "p1"
	b.Node(runtime, graph.KindServiceAccount)
	b.Node(caller, graph.KindServiceAccount)
	b.Node(agent, graph.KindServiceAccount)
	b.Node(agent2, graph.KindServiceAccount)
	b.Node(bucket, graph.KindBucket)
	b.Node(user, graph.KindUser)
	b.Node(project, graph.KindProject).Project = "p1"
	for i := range extra {
		b.Node(fmt.Sprintf("user:dev%d@example.com", i), graph.KindUser)
	}
	return b.Graph()
}

func TestColumns(t *testing.T) {
	g := fixture(0)
	v := view(g, svc,
		graph.Edge{From: user, To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: svc},
		graph.Edge{From: caller, To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: project},
		graph.Edge{From: svc, To: runtime, Kind: graph.RunsAs},
		graph.Edge{From: runtime, To: bucket, Kind: graph.HasRole, Role: "roles/storage.objectViewer", Via: bucket},
		graph.Edge{From: user, To: runtime, Kind: graph.CanActAs, Role: "roles/iam.serviceAccountUser", Via: project},
		graph.Edge{From: runtime, To: other, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: project},
		graph.Edge{From: svc, To: project, Kind: graph.ChildOf},
		graph.Edge{From: svc, To: other, Kind: graph.Uses, Detail: "env URL"},
	)
	p := picture.Draw(g, v, nil)
	readable(t, "fixture", p)
	want := map[string]picture.Column{
		user: picture.Callers, caller: picture.Callers, svc: picture.Workloads, other: picture.Workloads,
		runtime: picture.Identities, bucket: picture.Resources, project: picture.Containers,
	}
	for _, b := range p.Boxes {
		if b.Column != want[b.ID] {
			t.Errorf("%s stands in %s, want %s", b.ID, b.Column, want[b.ID])
		}
		if b.ID == svc && !b.Focus {
			t.Errorf("the focus is not marked")
		}
	}
	var heads []string
	for _, h := range p.Headers {
		heads = append(heads, h.Text)
	}
	if got := strings.Join(heads, " | "); got != "Callers | Services and jobs | Runtime identities | Resources | Projects and folders" {
		t.Errorf("headers = %s", got)
	}
	for _, l := range p.Lines {
		if l.From == user && l.To == runtime {
			if want := "user ann@example.com can act as api@p1.iam.gserviceaccount.com with roles/iam.serviceAccountUser on project p1"; l.Title != want {
				t.Errorf("line title = %q, want %q", l.Title, want)
			}
			if len(l.Points) != 4 {
				t.Errorf("a line across one column has %d points, want 4 (through a slot)", len(l.Points))
			}
		}
	}
}

func TestFolding(t *testing.T) {
	const extra = picture.MaxGroup + 4
	g := fixture(extra)
	edges := []graph.Edge{
		{From: agent, To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: project},
		{From: agent2, To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: project},
		{From: user, To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: svc},
		{From: svc, To: runtime, Kind: graph.RunsAs},
	}
	for i := range extra {
		edges = append(edges, graph.Edge{From: fmt.Sprintf("user:dev%d@example.com", i), To: svc, Kind: graph.CanInvoke, Role: "roles/run.invoker", Via: project})
	}
	v := view(g, svc, edges...)
	tests := []struct {
		name   string
		expand map[string]bool
		boxes  []string // the texts of the boxes drawn, in no order
		lines  int
	}{
		{"default", nil, []string{"api", "api@p1.iam.gserviceaccount.com", "2 Google service agents", "13 users"}, 3},
		{"agents shown", map[string]bool{picture.AgentsKey: true}, []string{"api", "api@p1.iam.gserviceaccount.com",
			// Long names are cut in the middle; the box's title has them whole.
			names.Shorten("service-123@gcp-sa-pubsub.iam.gserviceaccount.com", 34),
			names.Shorten("service-123@serverless-robot-prod.iam.gserviceaccount.com", 34), "13 users"}, 4},
		{"users shown", map[string]bool{"user.0": true}, nil, 3 + extra},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := picture.Draw(g, v, tt.expand)
			readable(t, tt.name, p)
			if len(p.Lines) != tt.lines {
				t.Errorf("%d lines, want %d", len(p.Lines), tt.lines)
			}
			if tt.boxes == nil {
				if len(p.Boxes) != 2+extra+2 {
					t.Errorf("%d boxes, want every user, the service, its identity and the agents' box", len(p.Boxes))
				}
				return
			}
			var got []string
			for _, b := range p.Boxes {
				got = append(got, b.Text)
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tt.boxes))) {
				t.Errorf("boxes = %q, want %q", got, tt.boxes)
			}
			for _, b := range p.Folded {
				if b.Text == "13 users" && (len(b.Members) != 13 || b.Expand != "user.0") {
					t.Errorf("users' group: %d members, expand %q", len(b.Members), b.Expand)
				}
			}
		})
	}
}

// TestDemoNeighbourhoods draws every neighbourhood of the demo
// organization the console offers (each service, job and identity, depths
// 1 and 2, and who can reach each workload) and checks each is readable.
func TestDemoNeighbourhoods(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if _, err := ps.Sync(ctx, "demo", func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		r := inventory.NewReader()
		if err := r.ReadFS(demo.FS()); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}); err != nil {
		t.Fatal(err)
	}
	cur, err := ps.Current()
	if err != nil {
		t.Fatal(err)
	}
	g := cur.Report.Graph
	drawn := 0
	for _, n := range g.Nodes() {
		if !n.Kind.IsWorkload() && n.Kind != graph.KindServiceAccount {
			continue
		}
		for depth := 1; depth <= 2; depth++ {
			v, err := cur.Neighbours(n.ID, depth, nil)
			if err != nil {
				t.Fatal(err)
			}
			readable(t, fmt.Sprintf("%s depth %d", n.ID, depth), picture.Draw(g, v, nil))
			drawn++
		}
		if n.Kind.IsWorkload() {
			_, v, err := ps.Reach(n.ID, graph.Reverse, nil)
			if err != nil {
				t.Fatal(err)
			}
			readable(t, n.ID+" reverse", picture.Draw(g, v, map[string]bool{picture.AgentsKey: true}))
		}
	}
	if drawn < 50 {
		t.Errorf("drew %d neighbourhoods; the demo has more", drawn)
	}
}
