package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// flashCookie returns the flash cookie a response sets, if any.
func flashCookie(resp *http.Response) (*http.Cookie, bool) {
	for _, c := range resp.Cookies() {
		if c.Name == "runlens_flash" {
			return c, true
		}
	}
	return nil, false
}

// TestFlash: an action leaves a message the next page shows once, in a
// role="status" region; a cookie naming no known message shows nothing,
// and never its own text.
func TestFlash(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	resp := e.post(t, "/sync", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /sync = %d, want 303", resp.StatusCode)
	}
	ck, ok := flashCookie(resp)
	if !ok {
		t.Fatal("POST /sync sets no flash cookie")
	}
	if !ck.HttpOnly || ck.MaxAge <= 0 || ck.MaxAge > 300 {
		t.Errorf("flash cookie = %+v, want HttpOnly and short-lived", ck)
	}
	e.waitSync(t, nil)

	cases := []struct {
		name, cookie, want string
	}{
		{"after the action", "runlens_flash=" + ck.Value, "Sync started."},
		{"no cookie", "", ""},
		{"unknown key", "runlens_flash=nope", ""},
		{"user text", "runlens_flash=%3Cb%3Ehi%3C%2Fb%3E", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.cookie != "" {
				hdr["Cookie"] = tc.cookie
			}
			resp, body := e.do(t, http.MethodGet, "/sync", hdr)
			d := doc(t, body)
			flash := d.Find(`[data-testid="flash"]`)
			if got := strings.TrimSpace(flash.Text()); !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
				t.Errorf("flash with cookie %q = %q, want %q", tc.cookie, got, tc.want)
			}
			if tc.want != "" {
				if role, _ := flash.Attr("role"); role != "status" {
					t.Errorf("flash role = %q, want status", role)
				}
			}
			if strings.Contains(body, "<b>hi</b>") || strings.Contains(body, "&lt;b&gt;hi") {
				t.Error("the cookie's own text is shown")
			}
			// A page that had a cookie clears it: the message shows once.
			if c, ok := flashCookie(resp); tc.cookie != "" && (!ok || c.MaxAge >= 0) {
				t.Errorf("GET /sync with a flash cookie does not clear it (%+v)", c)
			}
		})
	}
}

// TestSyncEndRefreshesPage: the progress poll of an htmx page, once the sync
// has ended, also brings the Run button and the history (out-of-band), so
// the new snapshot is listed without a reload; a plain request gets the
// progress card alone.
func TestSyncEndRefreshesPage(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	e.syncAndWait(t, nil)
	_, body := e.do(t, http.MethodGet, "/sync/progress", map[string]string{"HX-Request": "true"})
	d := doc(t, body)
	if d.Find(`[data-testid="sync-progress"][data-done="true"]`).Length() != 1 {
		t.Errorf("htmx poll after the end lacks the finished card:\n%s", body)
	}
	if d.Find(`#sync-run[hx-swap-oob="true"] [data-testid="run-sync"]`).Length() != 1 {
		t.Errorf("htmx poll after the end lacks the Run button swapped out of band:\n%s", body)
	}
	if n := d.Find(`#sync-history[hx-swap-oob="true"] [data-testid="sync-history"] tbody tr`).Length(); n != 2 {
		t.Errorf("htmx poll after the end shows %d syncs in the history, want 2 (the first and the new one)", n)
	}
	_, body = e.do(t, http.MethodGet, "/sync/progress", nil)
	if strings.Contains(body, "hx-swap-oob") {
		t.Errorf("a plain progress request gets out-of-band regions:\n%s", body)
	}
}

// TestShellAssets: every page links the favicon, pages with a graph
// picture draw it on the server (no graph library, whose inline styles the
// CSP would refuse); /favicon.ico leads to the icon.
func TestShellAssets(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	svc := "/services/" + url.PathEscape("//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-api")
	for _, p := range []string{"/", "/graph?q=fleet", "/report", svc} {
		_, body := e.do(t, http.MethodGet, p, nil)
		d := doc(t, body)
		if d.Find(`link[rel="icon"][href^="/static/favicon.svg?v="]`).Length() != 1 {
			t.Errorf("%s links no favicon", p)
		}
		if p == svc && d.Find(`figure.pic svg.graph-svg a.bx`).Length() == 0 {
			t.Errorf("%s draws no graph picture; this test needs a page that does", p)
		}
		if n := d.Find(`script[src*="cytoscape"], style`).Length(); n > 0 {
			t.Errorf("%s loads a graph library or an inline <style> (%d)", p, n)
		}
	}
	resp, _ := e.do(t, http.MethodGet, "/favicon.ico", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "/static/favicon.svg?v=") {
		t.Errorf("/favicon.ico = %d to %q, want a redirect to the SVG", resp.StatusCode, loc)
	}
	_, body := e.do(t, http.MethodGet, "/report", nil)
	if doc(t, body).Find(`button[type="button"][data-print][hidden]`).Length() != 1 {
		t.Error("/report has no print button (hidden until app.js makes it work)")
	}
}

// TestEmptyStatesSayWhatToDo: a list with nothing in it says what to do.
func TestEmptyStatesSayWhatToDo(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	cases := []struct{ path, testid, want string }{
		{"/services?q=no-such-service-anywhere", "no-services", "Clear the search"},
		{"/services", "no-services", ""},
	}
	for _, tc := range cases {
		_, body := e.do(t, http.MethodGet, tc.path, nil)
		got := strings.TrimSpace(doc(t, body).Find(`[data-testid="` + tc.testid + `"]`).Text())
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s = %q, want %q", tc.path, tc.testid, got, tc.want)
		}
	}
}
