package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	iamapi "google.golang.org/api/iam/v1"
	"google.golang.org/api/option"

	"github.com/runlens/runlens/internal/iam"
)

// TestFetchPredefinedRoles runs the real IAM client against an httptest
// server that pages through roles.list.
func TestFetchPredefinedRoles(t *testing.T) {
	var views []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/roles" {
			http.NotFound(w, r)
			return
		}
		views = append(views, r.URL.Query().Get("view"))
		resp := map[string]any{}
		switch r.URL.Query().Get("pageToken") {
		case "":
			resp["roles"] = []map[string]any{{"name": "roles/run.invoker", "title": "Cloud Run Invoker", "stage": "GA",
				"includedPermissions": []string{"run.routes.invoke", "run.jobs.run"}}}
			resp["nextPageToken"] = "p2"
		case "p2":
			resp["roles"] = []map[string]any{{"name": "roles/viewer", "title": "Viewer", "stage": "GA", "includedPermissions": []string{"resourcemanager.projects.get"}}}
		}
		_ = json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	svc, err := iamapi.NewService(context.Background(), option.WithEndpoint(srv.URL), option.WithoutAuthentication(), option.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	roles, err := FetchPredefinedRoles(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 2 || len(views) != 2 || views[0] != "FULL" {
		t.Fatalf("roles = %+v, views = %v", roles, views)
	}
	var buf bytes.Buffer
	if err := iam.WriteCatalog(&buf, "test", roles); err != nil {
		t.Fatal(err)
	}
	c, err := iam.ReadCatalog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := c.Lookup("roles/run.invoker"); !ok || !r.Has("run.jobs.run") || r.Title != "Cloud Run Invoker" {
		t.Errorf("round trip: %+v, %v", r, ok)
	}
}
