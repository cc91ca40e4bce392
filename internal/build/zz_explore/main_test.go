package explore
import ("testing";"time";"fmt"
"github.com/runlens/runlens/internal/build"
"github.com/runlens/runlens/internal/iam"
"github.com/runlens/runlens/internal/inventory"
"github.com/runlens/runlens/internal/demo")
func TestX(t *testing.T){
 inv, err := inventory.ReadPaths("/work/shared/testdata/real")
 if err != nil { t.Fatal(err) }
 for _, p := range inv.Problems { fmt.Println("INV", p) }
 r := build.Graph(inv, iam.MustPredefined(), time.Date(2026,1,1,0,0,0,0,time.UTC))
 for _, p := range r.Problems { fmt.Println("BUILD", p) }
 fmt.Println(r.UnknownRoles)
 for _, n := range r.Graph.Nodes() { fmt.Println("N", n.Kind, n.ID, "P=", n.Parent, "proj=", n.Project) }
 for _, e := range r.Graph.Edges() { if e.Kind != "child_of" {fmt.Println("E", e.From, e.Kind, e.To, e.Role, e.Via)} }
 r2 := inventory.NewReader(); if err := r2.ReadFS(demo.FS()); err != nil { t.Fatal(err)}
 di := r2.Inventory()
 dr := build.Graph(di, iam.MustPredefined(), time.Now())
 fmt.Println("demo", di.Summary(), dr.Graph.Len(), dr.Graph.EdgeCount(), len(dr.Problems), dr.UnknownRoles)
}
