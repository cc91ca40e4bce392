package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/store"
)

// TestAccessMatrix tries every route as every role (and anonymously) in
// production mode and checks who gets in. Mutating routes are aimed at
// things that do not exist, so an allowed role gets 404 (or the redirect of
// a sync) and a refused one 403: the role check runs before any work.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t, "", demoReader)
	roles := []string{"viewer", "reviewer", "engineer", "manager", "admin"}
	tokens := map[string]string{}
	for _, r := range roles {
		email := r + "@example.com"
		tokens[r] = e.token(t, email)
		// First sign-in creates the user; then the role is set.
		if resp, _ := e.do(t, http.MethodGet, "/healthz", nil); resp.StatusCode != http.StatusOK {
			t.Fatal("healthz")
		}
		e.do(t, http.MethodGet, "/", map[string]string{auth.AssertionHeader: tokens[r]})
		if err := e.store.SetRole(context.Background(), "sub-"+email, r, store.AuditEntry{Actor: "test", Action: "user.role"}); err != nil {
			t.Fatalf("set role %s: %v", r, err)
		}
	}
	all := map[string]bool{"viewer": true, "reviewer": true, "engineer": true, "manager": true, "admin": true}
	only := func(rs ...string) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r] = true
		}
		return m
	}
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	routes := []struct {
		method, path string
		allowed      map[string]bool
		ok           int // status for an allowed role
	}{
		{"GET", "/", all, 200},
		{"GET", "/services", all, 200},
		{"GET", "/services/" + url.PathEscape(worker), all, 200},
		{"GET", "/findings", all, 200},
		{"GET", "/findings?view=list&state=", all, 200},
		{"GET", "/findings/0000000000000000", all, 404},
		{"GET", "/findings/export?format=csv", all, 200},
		{"GET", "/api/v1/findings/groups", all, 200},
		{"GET", "/graph?q=pdf", all, 200},
		{"GET", "/identities/" + url.PathEscape("serviceAccount:fleet-runtime@fleet-web-prod.iam.gserviceaccount.com"), all, 200},
		{"GET", "/scores?scope=organization", all, 200},
		{"GET", "/report", all, 200},
		{"GET", "/exports/scores.csv", all, 200},
		{"GET", "/changes", all, 200},
		{"GET", "/alerts", all, 200},
		{"GET", "/alerts?kind=drift&since=24h", all, 200},
		{"GET", "/api/v1/alerts", all, 200},
		{"GET", "/sync", all, 200},
		{"GET", "/api/v1/scan", all, 200},
		{"GET", "/api/v1/graph/search?q=pdf", all, 200},
		{"GET", "/audit", only("reviewer", "manager", "admin"), 200},
		{"GET", "/audit.jsonl", only("reviewer", "manager", "admin"), 200},
		{"GET", "/admin/users", only("admin"), 200},
		{"GET", "/admin/alerts", only("admin"), 200},
		{"POST", "/sync", only("engineer", "admin"), 303},
		{"POST", "/findings/0000000000000000/exception", only("manager", "admin"), 404},
		{"POST", "/exceptions/999999/revoke", only("manager", "admin"), 404},
		{"POST", "/findings/0000000000000000/propose", only("engineer", "admin"), 404},
		{"POST", "/changes/999999/approve", only("reviewer", "admin"), 404},
		{"POST", "/changes/999999/reject", only("reviewer", "admin"), 404},
		{"POST", "/changes/999999/apply", only("engineer", "admin"), 403}, // apply is off: refused for all
		{"POST", "/admin/users", only("admin"), 400},                      // no role given
		{"POST", "/admin/alerts", only("admin"), 400},                     // neither set nor remove
	}
	for _, rt := range routes {
		for _, role := range append([]string{"anonymous"}, roles...) {
			t.Run(rt.method+" "+rt.path+" as "+role, func(t *testing.T) {
				hdr := map[string]string{"Sec-Fetch-Site": "same-origin"}
				if role != "anonymous" {
					hdr[auth.AssertionHeader] = tokens[role]
				}
				var status int
				if rt.method == "GET" {
					resp, _ := e.do(t, http.MethodGet, rt.path, hdr)
					status = resp.StatusCode
				} else {
					form := url.Values{"expires": {"2099-01-01"}, "owner": {"o"}, "reason": {"r"}, "hash": {"x"}}
					status = e.post(t, rt.path, form, hdr).StatusCode
					if rt.path == "/sync" && status == http.StatusSeeOther {
						e.waitSync(t, hdr)
					}
				}
				want := http.StatusForbidden
				switch {
				case role == "anonymous":
					want = http.StatusUnauthorized
				case rt.allowed[role]:
					want = rt.ok
				}
				if status != want {
					t.Errorf("%s %s as %s = %d, want %d", rt.method, rt.path, role, status, want)
				}
			})
		}
	}
	t.Run("every POST needs same-origin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/sync", strings.NewReader(""))
		req.Header.Set(auth.AssertionHeader, tokens["admin"])
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
		}
	})
}
