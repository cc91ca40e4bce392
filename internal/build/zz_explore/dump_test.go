package explore
import ("testing";"time";"fmt";"os";"strings"
"github.com/runlens/runlens/internal/build"
"github.com/runlens/runlens/internal/iam"
"github.com/runlens/runlens/internal/inventory"
"github.com/runlens/runlens/internal/demo")
func dump(r *build.Result) string {
 var sb strings.Builder
 for _, n := range r.Graph.Nodes() { fmt.Fprintln(&sb, "N", n.Kind, n.ID, "P=", n.Parent, "proj=", n.Project, "name=", n.Name) }
 for _, e := range r.Graph.Edges() { fmt.Fprintln(&sb, "E", e.From, e.Kind, e.To, e.Role, e.Via, e.Condition, e.Permissions) }
 for _, p := range r.Problems { fmt.Fprintln(&sb, "P", p) }
 return sb.String()
}
func TestDump(t *testing.T){
 now := time.Date(2026,1,1,0,0,0,0,time.UTC)
 inv, _ := inventory.ReadPaths("/work/shared/testdata/real")
 os.WriteFile(os.Getenv("OUT")+".real", []byte(dump(build.Graph(inv, iam.MustPredefined(), now))), 0o644)
 r2 := inventory.NewReader(); r2.ReadFS(demo.FS())
 os.WriteFile(os.Getenv("OUT")+".demo", []byte(dump(build.Graph(r2.Inventory(), iam.MustPredefined(), now))), 0o644)
}
