package explore
import ("testing";"fmt";"github.com/runlens/runlens/internal/iam")
func TestCat(t *testing.T){
 c := iam.MustPredefined()
 for _, r := range []string{"roles/run.invoker","roles/iam.serviceAccountUser","roles/iam.serviceAccountTokenCreator","roles/run.servicesInvoker","roles/run.developer"} {
  role, ok := c.Lookup(r); fmt.Println(r, ok, role.Permissions)
 }
 for _, r := range []string{"roles/editor","roles/owner","roles/viewer","roles/secretmanager.secretAccessor","roles/storage.objectViewer"} {
  role, _ := c.Lookup(r); fmt.Println(r, role.Has("run.routes.invoke"), role.Has("run.jobs.run"), role.Has("iam.serviceAccounts.actAs"), role.Has("iam.serviceAccounts.getAccessToken"))
 }
}
