package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/auth/authtest"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
)

const audience = "/projects/123/global/backendServices/456"

type env struct {
	srv    *httptest.Server
	iss    *authtest.Issuer
	store  *store.Store
	ps     *posture.Service
	client *http.Client
}

func demoReader(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		return nil, err
	}
	return r.Inventory(), nil
}

func fileReader(path string) posture.Reader {
	return func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		return inventory.ReadPaths(path)
	}
}

// newEnv starts the real routes over a real store synced from read. devUser
// empty means production mode with IAP verification.
func newEnv(t *testing.T, devUser string, read posture.Reader) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "runlens.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps := posture.New(st, iam.MustPredefined(), log, 0)
	if _, err := ps.Sync(ctx, "test", read); err != nil {
		t.Fatal(err)
	}
	iss, err := authtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	var v *auth.Verifier
	if devUser == "" {
		if v, err = auth.NewVerifier(ctx, audience, auth.WithHTTPClient(iss.HTTPClient())); err != nil {
			t.Fatal(err)
		}
	}
	rv := review.New(st, nil, 0)
	ps.OnSynced(func(ctx context.Context, c *posture.Current) error { return rv.Verify(ctx, c.Report, c.Snapshot.ID) })
	devUsers := strings.Split(devUser, ",") // as serve --dev-user reads a list
	h, err := handlers.New(ps, rv, st, v, handlers.Config{DevUser: devUsers[0], DevAlsoUsers: devUsers[1:], FirstAdmin: "admin@example.com", SyncSource: "test", SyncReader: read}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{srv: srv, iss: iss, store: st, ps: ps, client: client}
}

func (e *env) token(t *testing.T, email string) string {
	t.Helper()
	tok, err := e.iss.Token(audience, "sub-"+email, email, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) do(t *testing.T, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIAP(t *testing.T) {
	e := newEnv(t, "", demoReader)
	good := e.token(t, "alice@example.com")
	wrongAud, err := e.iss.Token("/projects/999/global/backendServices/1", "s", "alice@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		hdr  map[string]string
		want int
	}{
		{"healthz needs no assertion", "/healthz", nil, http.StatusOK},
		{"no assertion", "/", nil, http.StatusUnauthorized},
		{"email header alone is not trusted", "/", map[string]string{"X-Goog-Authenticated-User-Email": "accounts.google.com:alice@example.com"}, http.StatusUnauthorized},
		{"garbage assertion", "/", map[string]string{auth.AssertionHeader: "not.a.jwt"}, http.StatusUnauthorized},
		{"wrong audience", "/", map[string]string{auth.AssertionHeader: wrongAud}, http.StatusUnauthorized},
		{"valid assertion", "/", map[string]string{auth.AssertionHeader: good}, http.StatusOK},
		{"API without assertion", "/api/v1/scan", nil, http.StatusUnauthorized},
		{"API with assertion", "/api/v1/scan", map[string]string{auth.AssertionHeader: good}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, http.MethodGet, tc.path, tc.hdr)
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d; body: %.200s", tc.path, resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusUnauthorized && (strings.Contains(body, "Posture overview") || strings.Contains(body, "test ·")) {
				t.Error("an unauthenticated request saw the console or what it serves")
			}
		})
	}
	t.Run("the configured first admin becomes admin", func(t *testing.T) {
		_, body := e.do(t, http.MethodGet, "/", map[string]string{auth.AssertionHeader: e.token(t, "admin@example.com")})
		if got := doc(t, body).Find(`[data-testid="who"]`).Text(); !strings.Contains(got, "(admin)") {
			t.Errorf("who = %q, want admin", got)
		}
	})
	t.Run("a second account asserting the first admin's email is not admin", func(t *testing.T) {
		tok, err := e.iss.Token(audience, "sub-impostor", "Admin@Example.com", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the first request creates the user, the second reads it
			_, body := e.do(t, http.MethodGet, "/", map[string]string{auth.AssertionHeader: tok})
			if got := doc(t, body).Find(`[data-testid="who"]`).Text(); !strings.Contains(got, "(viewer)") {
				t.Errorf("who = %q, want viewer", got)
			}
		}
		if resp, _ := e.do(t, http.MethodGet, "/admin/users", map[string]string{auth.AssertionHeader: tok}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /admin/users as the second account = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the user is shown by email and a first-time user is a viewer", func(t *testing.T) {
		_, body := e.do(t, http.MethodGet, "/", map[string]string{auth.AssertionHeader: good})
		if got := doc(t, body).Find(`[data-testid="who"]`).Text(); !strings.Contains(got, "alice@example.com") || !strings.Contains(got, "viewer") {
			t.Errorf("who = %q, want alice as viewer", got)
		}
		if doc(t, body).Find(`[data-testid="dev-banner"]`).Length() != 0 {
			t.Error("production page shows the dev banner")
		}
	})
}

func TestPages(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	tests := []struct {
		name  string
		path  string
		check func(t *testing.T, d *goquery.Document)
	}{
		{"overview shows the organization score, counts and projects", "/", func(t *testing.T, d *goquery.Document) {
			if d.Find(`[data-testid="org-score"] [data-testid="grade"]`).Length() != 1 {
				t.Error("no organization grade")
			}
			if d.Find(`[data-testid="projects"] tbody tr`).Length() < 5 {
				t.Error("fewer than 5 projects on the overview")
			}
			if d.Find(`[data-testid="top-fix"]`).Length() == 0 {
				t.Error("no top fixes")
			}
			if d.Find(`[data-testid="dev-banner"]`).Length() != 1 {
				t.Error("dev mode page lacks the banner")
			}
		}},
		{"services lists every service and job", "/services", func(t *testing.T, d *goquery.Document) {
			if n := d.Find(`[data-testid="service-row"]`).Length(); n < 20 {
				t.Errorf("%d service rows, want the demo's 20+", n)
			}
		}},
		{"services search narrows", "/services?q=pdf-", func(t *testing.T, d *goquery.Document) {
			d.Find(`[data-testid="service-row"] td:first-child a`).Each(func(_ int, s *goquery.Selection) {
				if !strings.Contains(s.Text(), "pdf-") {
					t.Errorf("search pdf- shows %q", s.Text())
				}
			})
		}},
		{"service detail shows the push caller, the default identity and the findings", "/services/" + url.PathEscape(worker), func(t *testing.T, d *goquery.Document) {
			// The subscription reads by name; its full name is its title.
			callers := d.Find(`[data-testid="callers"]`)
			if !strings.Contains(callers.Text(), "pdf-jobs-worker-push") || !strings.Contains(callers.Text(), "unauthenticated") ||
				callers.Find(`[title$="/subscriptions/pdf-jobs-worker-push"]`).Length() == 0 {
				t.Errorf("callers = %q, want the unauthenticated push subscription", callers.Text())
			}
			if strings.Contains(callers.Text(), "//") {
				t.Errorf("callers show a full resource name: %q", callers.Text())
			}
			if id := d.Find(`[data-testid="runtime-identity"]`).Text(); !strings.Contains(id, "-compute@developer.gserviceaccount.com") {
				t.Errorf("runtime identity = %q, want the default compute SA", id)
			}
			checks := map[string]bool{}
			d.Find(`[data-testid="finding"]`).Each(func(_ int, s *goquery.Selection) { checks[s.AttrOr("data-check", "")] = true })
			for _, c := range []string{"runtime-default-sa", "runtime-basic-role", "push-unauthenticated"} {
				if !checks[c] {
					t.Errorf("service detail lacks a %s finding; has %v", c, checks)
				}
			}
		}},
		{"findings filter by check", "/findings?check=invoker-public&view=list", func(t *testing.T, d *goquery.Document) {
			rows := d.Find(`[data-testid="finding"]`)
			if rows.Length() == 0 {
				t.Fatal("no invoker-public findings")
			}
			rows.Each(func(_ int, s *goquery.Selection) {
				if c := s.AttrOr("data-check", ""); c != "invoker-public" {
					t.Errorf("filtered list has %s", c)
				}
			})
		}},
		{"graph search finds a service by prefix", "/graph?q=pdf-w", func(t *testing.T, d *goquery.Document) {
			if got := d.Find(`[data-testid="search-hit"]`).First().Text(); got != "pdf-worker" {
				t.Errorf("first hit = %q, want pdf-worker", got)
			}
		}},
		{"graph focus shows the neighbourhood as tables and a picture", "/graph?focus=" + url.QueryEscape(worker), func(t *testing.T, d *goquery.Document) {
			if d.Find(`[data-testid="graph-canvas"] svg a[data-testid="picture-box"]`).Length() < 3 {
				t.Error("no picture of the neighbourhood")
			}
			kinds := map[string]bool{}
			d.Find(`[data-testid="graph-edge"]`).Each(func(_ int, s *goquery.Selection) { kinds[s.AttrOr("data-kind", "")] = true })
			for _, k := range []string{"runs_as", "pushes_to", "can_invoke"} {
				if !kinds[k] {
					t.Errorf("neighbourhood lacks a %s edge: %v", k, kinds)
				}
			}
		}},
		{"graph path from the public to a backing resource", "/graph?query=path&from=allUsers&to=" + url.QueryEscape("vault-prod-documents"), func(t *testing.T, d *goquery.Document) {
			steps := d.Find(`[data-testid="path-step"]`)
			if steps.Length() < 2 {
				t.Fatalf("path has %d steps; message %q", steps.Length(), d.Find(`[data-testid="graph-message"]`).Text())
			}
			if start := d.Find(`[data-testid="path-start"]`).Text(); !strings.Contains(start, "allUsers") {
				t.Errorf("path starts with %q", start)
			}
		}},
		{"changes is empty for now", "/changes", func(t *testing.T, d *goquery.Document) {
			if d.Find(`[data-testid="no-changes"]`).Length() != 1 {
				t.Error("no empty state")
			}
		}},
		{"sync shows the history", "/sync", func(t *testing.T, d *goquery.Document) {
			if d.Find(`[data-testid="sync-history"] tbody tr`).Length() != 1 {
				t.Error("want one snapshot in the history")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, http.MethodGet, tc.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d; body: %.300s", tc.path, resp.StatusCode, body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP = %q", csp)
			}
			tc.check(t, doc(t, body))
		})
	}
	t.Run("unknown service is a 404 page", func(t *testing.T) {
		resp, body := e.do(t, http.MethodGet, "/services/"+url.PathEscape("//run.googleapis.com/projects/x/locations/y/services/none"), nil)
		if resp.StatusCode != http.StatusNotFound || doc(t, body).Find(`[data-testid="error"]`).Length() != 1 {
			t.Errorf("status %d, want a 404 error page", resp.StatusCode)
		}
	})
	t.Run("static assets are served with a long cache", func(t *testing.T) {
		resp, _ := e.do(t, http.MethodGet, "/static/app.css", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("static: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	})
}

func TestSyncPOST(t *testing.T) {
	t.Run("cross-site POST is refused", func(t *testing.T) {
		e := newEnv(t, "dev@example.com", demoReader)
		resp, _ := e.do(t, http.MethodPost, "/sync", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST /sync = %d, want 403", resp.StatusCode)
		}
		list, _ := e.store.Snapshots(context.Background(), 10)
		if len(list) != 1 {
			t.Errorf("a refused POST changed state: %d snapshots", len(list))
		}
	})
	t.Run("same-origin POST by an admin syncs and is audited", func(t *testing.T) {
		e := newEnv(t, "dev@example.com", demoReader)
		e.syncAndWait(t, nil)
		list, _ := e.store.Snapshots(context.Background(), 10)
		if len(list) != 2 {
			t.Errorf("%d snapshots after a sync, want 2", len(list))
		}
		log, _ := e.store.AuditLog(context.Background(), 10)
		if len(log) != 1 || log[0].Actor != "dev@example.com" || log[0].Action != "sync.start" {
			t.Errorf("audit = %+v", log)
		}
	})
	t.Run("a viewer may not sync", func(t *testing.T) {
		e := newEnv(t, "", demoReader)
		resp, _ := e.do(t, http.MethodPost, "/sync", map[string]string{auth.AssertionHeader: e.token(t, "bob@example.com"), "Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST /sync = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("a failed sync keeps the previous snapshot serving", func(t *testing.T) {
		e := newEnv(t, "dev@example.com", demoReader)
		// A second Service over the same store plays the server's sync of an
		// empty input; the page must then say the sync failed.
		ps := posture.New(e.store, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
		if err := ps.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		before, _ := ps.Current()
		if _, err := ps.Sync(context.Background(), "files: empty", fileReader(t.TempDir())); err == nil {
			t.Fatal("sync of an empty directory succeeded")
		}
		after, _ := ps.Current()
		if after.Snapshot.ID != before.Snapshot.ID {
			t.Errorf("serving snapshot %d after a failed sync, want %d", after.Snapshot.ID, before.Snapshot.ID)
		}
		_, body := e.do(t, http.MethodGet, "/", nil)
		if doc(t, body).Find(`[data-testid="sync-failed"]`).Length() != 1 {
			t.Error("overview does not say the latest sync failed")
		}
	})
}

func TestEscaping(t *testing.T) {
	e := newEnv(t, "dev@example.com", fileReader(filepath.Join("testdata", "hostile.jsonl")))
	svc := "//run.googleapis.com/projects/proj-x/locations/us-central1/services/evil"
	for _, path := range []string{"/", "/services", "/services/" + url.PathEscape(svc), "/findings", "/graph?q=evil", "/graph?focus=" + url.QueryEscape(svc),
		"/identities/" + url.PathEscape(`user:"><script>alert('member')</script>@example.com`), "/api/v1/scan", "/api/v1/graph", "/api/v1/graph/neighbours?id=" + url.QueryEscape(svc)} {
		_, body := e.do(t, http.MethodGet, path, nil)
		if path != "/" && path != "/findings" && !strings.Contains(body, "evil") {
			t.Errorf("GET %s does not show the hostile service at all", path)
		}
		for _, raw := range []string{"<script>alert(", "<img src=x", "<b>NAME</b>"} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s contains unescaped %q", path, raw)
			}
		}
		if strings.Contains(body, "hunter2-do-not-show") {
			t.Errorf("GET %s shows a secret env value", path)
		}
	}
}

func TestServiceRecommendation(t *testing.T) {
	e := newEnv(t, "dev@example.com", fileReader(filepath.Join("testdata", "recommended")))
	svc := "//run.googleapis.com/projects/proj-r/locations/us-central1/services/api"
	_, body := e.do(t, http.MethodGet, "/services/"+url.PathEscape(svc), nil)
	d := doc(t, body)
	rec := d.Find(`[data-testid="recommendation"]`)
	if rec.Length() != 1 || !strings.Contains(rec.Text(), "roles/editor") || !strings.Contains(rec.Text(), "roles/storage.objectViewer") {
		t.Fatalf("recommendation section = %q", rec.Text())
	}
	editor, _ := iam.MustPredefined().Lookup("roles/editor")
	viewer, _ := iam.MustPredefined().Lookup("roles/storage.objectViewer")
	want := 0
	for _, p := range editor.Permissions {
		if !viewer.Has(p) {
			want++
		}
	}
	if got := d.Find(`[data-testid="revoked-permissions"] li`).Length(); got != want {
		t.Errorf("revoked permissions listed = %d, want %d (editor minus objectViewer)", got, want)
	}
	checks := map[string]bool{}
	d.Find(`[data-testid="finding"]`).Each(func(_ int, s *goquery.Selection) { checks[s.AttrOr("data-check", "")] = true })
	if !checks["runtime-unused-permissions"] {
		t.Errorf("no runtime-unused-permissions finding on the service: %v", checks)
	}
}

// Dev mode answers only requests addressed to a loopback name, so a page
// whose own name was re-pointed at 127.0.0.1 (DNS rebinding) cannot use
// the dev user; behind IAP the Host does not matter.
func TestDevModeHost(t *testing.T) {
	dev := newEnv(t, "dev@example.com", demoReader)
	prod := newEnv(t, "", demoReader)
	get := func(e *env, host, path string, hdr map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	port := dev.srv.URL[strings.LastIndexByte(dev.srv.URL, ':'):]
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1" + port, http.StatusOK},
		{"localhost" + port, http.StatusOK},
		{"[::1]" + port, http.StatusOK},
		{"localhost", http.StatusOK},
		{"rebind.attacker.example" + port, http.StatusForbidden},
		{"rebind.attacker.example", http.StatusForbidden},
		{"localhost.attacker.example" + port, http.StatusForbidden},
		{"10.0.0.5" + port, http.StatusForbidden},
	}
	for _, tc := range tests {
		for _, path := range []string{"/", "/api/v1/scan", "/healthz"} {
			status, body := get(dev, tc.host, path, nil)
			if status != tc.want {
				t.Errorf("dev mode: GET %s with Host %q = %d, want %d", path, tc.host, status, tc.want)
			}
			if tc.want == http.StatusForbidden && (!strings.Contains(body, "localhost, 127.0.0.1 or [::1]") || strings.Contains(body, "dev@example.com")) {
				t.Errorf("dev mode: GET %s with Host %q: body %.300q, want the loopback message and nothing of the dev user", path, tc.host, body)
			}
		}
	}
	if status, _ := get(prod, "runlens.example.com", "/", map[string]string{auth.AssertionHeader: prod.token(t, "alice@example.com")}); status != http.StatusOK {
		t.Errorf("IAP mode: GET / with Host runlens.example.com = %d, want 200", status)
	}
}

// The two-person rule holds across accounts: the same email (in any case)
// under another subject cannot approve its own change set, and is not
// offered the button.
func TestSelfApprovalUnderAnotherSubject(t *testing.T) {
	e := newEnv(t, "ann@example.com,ANN@Example.com,bob@example.com", demoReader)
	twin := map[string]string{handlers.DevUserHeader: "ANN@Example.com"} // subject dev:ANN@Example.com
	finding := e.scan(t).Findings[0].ID
	resp := e.post(t, "/findings/"+finding+"/propose", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose as ann = %d", resp.StatusCode)
	}
	page := resp.Header.Get("Location")
	_, body := e.do(t, http.MethodGet, page, twin)
	d := doc(t, body)
	if d.Find(`[data-testid="approve"]`).Length() != 0 || d.Find(`[data-testid="awaiting"]`).Length() != 1 {
		t.Errorf("%s as ann's second account: approve button %d, awaiting %d; want 0 and 1", page,
			d.Find(`[data-testid="approve"]`).Length(), d.Find(`[data-testid="awaiting"]`).Length())
	}
	bob := map[string]string{handlers.DevUserHeader: "bob@example.com"}
	_, body = e.do(t, http.MethodGet, page, bob)
	hash, _ := doc(t, body).Find(`input[name="hash"]`).Attr("value") // what bob is shown
	form := url.Values{"hash": {hash}}
	if resp := e.post(t, page+"/approve", form, twin); resp.StatusCode != http.StatusForbidden {
		t.Errorf("approve as ann's second account = %d, want 403", resp.StatusCode)
	}
	if resp := e.post(t, page+"/approve", form, bob); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("approve as bob = %d, want 303", resp.StatusCode)
	}
}

// In dev mode a request may act as another of the dev users given at
// start (X-Runlens-Dev-User): enough for one machine to play proposer and
// approver, through the JSON API a script uses. Any other name is refused,
// and the header means nothing behind IAP.
func TestDevUsers(t *testing.T) {
	e := newEnv(t, "ann@example.com,bob@example.com", demoReader)
	as := func(email string) map[string]string { return map[string]string{handlers.DevUserHeader: email} }
	if resp, body := e.do(t, http.MethodGet, "/", as("bob@example.com")); resp.StatusCode != http.StatusOK || !strings.Contains(body, "bob@example.com") {
		t.Fatalf("GET / as bob = %d, names bob: %v", resp.StatusCode, strings.Contains(body, "bob@example.com"))
	}
	if resp, _ := e.do(t, http.MethodGet, "/", as("mallory@example.com")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET / as an unknown dev user = %d, want 403", resp.StatusCode)
	}
	finding := e.scan(t).Findings[0].ID
	if resp := e.post(t, "/findings/"+finding+"/propose", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose as ann = %d", resp.StatusCode)
	}
	_, body := e.do(t, http.MethodGet, "/api/v1/changes?status=proposed", nil)
	var list struct {
		Changes []struct {
			ID          int64  `json:"id"`
			ProposedBy  string `json:"proposedBy"`
			ContentHash string `json:"contentHash"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Changes) != 1 || list.Changes[0].ContentHash == "" {
		t.Fatalf("GET /api/v1/changes = %s (%v)", body, err)
	}
	cs := list.Changes[0]
	if cs.ProposedBy != "ann@example.com" {
		t.Errorf("proposed by %q, want ann", cs.ProposedBy)
	}
	approve := fmt.Sprintf("/changes/%d/approve", cs.ID)
	form := url.Values{"hash": {cs.ContentHash}}
	if resp := e.post(t, approve, form, nil); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("ann approved her own change set")
	}
	if resp := e.post(t, approve, form, as("bob@example.com")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve as bob = %d, want 303", resp.StatusCode)
	}

	prod := newEnv(t, "", demoReader)
	hdr := map[string]string{"X-Goog-IAP-JWT-Assertion": prod.token(t, "carol@example.com"), handlers.DevUserHeader: "admin@example.com"}
	if resp, body := prod.do(t, http.MethodGet, "/", hdr); resp.StatusCode != http.StatusOK || !strings.Contains(body, "carol@example.com") || strings.Contains(body, "admin@example.com") {
		t.Errorf("behind IAP the dev header changed who the request is (status %d)", resp.StatusCode)
	}
}

// TestGapsAndNotServing serves a resource-only export (no IAM_POLICY
// records) with a service that never served: the overview and each service
// page say what the input lacked and which checks are unknown; the service
// that never served is marked on the list and on its page.
func TestGapsAndNotServing(t *testing.T) {
	e := newEnv(t, "dev@example.com", fileReader(filepath.Join("testdata", "resources-only.jsonl")))
	const svc = "//run.googleapis.com/projects/proj-c/locations/us-central1/services/"
	for _, path := range []string{"/", "/services/" + url.PathEscape(svc+"api")} {
		_, body := e.do(t, http.MethodGet, path, nil)
		gaps := doc(t, body).Find(`[data-testid="gap"]`)
		if !strings.Contains(gaps.Text(), "IAM policies") || !strings.Contains(gaps.Text(), "ingress-open-internal") {
			t.Errorf("GET %s: gaps = %q, want the IAM policies gap naming ingress-open-internal", path, gaps.Text())
		}
	}
	_, body := e.do(t, http.MethodGet, "/services", nil)
	marked := doc(t, body).Find(`[data-testid="not-serving"]`)
	if marked.Length() != 1 || !strings.Contains(marked.AttrOr("title", ""), "CONDITION_FAILED") {
		t.Errorf("services list marks %d services not serving (%q), want broken only", marked.Length(), marked.AttrOr("title", ""))
	}
	_, body = e.do(t, http.MethodGet, "/services/"+url.PathEscape(svc+"broken"), nil)
	if got := doc(t, body).Find(`[data-testid="not-serving"]`).Text(); !strings.Contains(got, "never served") {
		t.Errorf("broken's page: not-serving = %q", got)
	}
	_, body = e.do(t, http.MethodGet, "/services/"+url.PathEscape(svc+"api"), nil)
	if doc(t, body).Find(`[data-testid="not-serving"]`).Length() != 0 {
		t.Error("api's page says it is not serving")
	}
}
