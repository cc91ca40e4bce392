package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runlens/runlens/internal/alerts"
	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/notify"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// seeded are the alerts seedAlerts stored, newest first.
type seeded struct {
	drift   []store.Alert // the demo feed's, seen now
	finding store.Alert   // a new finding on a service, 3 days old
	cleared store.Alert   // a new finding that went away since, 10 days old
	hostile store.Alert   // a message with markup in it, 20 days old
	feedAt  time.Time
}

// seedAlerts stores alerts the way the guard does: the demo's feed file
// applied to the served state (drift, each naming its new finding, and
// the time of the feed's last change), and new findings stored directly,
// one of which went away since.
func seedAlerts(t *testing.T, e *env) seeded {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("..", "demo", "feed", "changes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for l := range bytes.Lines(raw) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			msgs = append(msgs, l)
		}
	}
	if _, err := e.ps.IngestFeed(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	var s seeded
	if s.drift, err = e.ps.ApplyFeed(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.drift) != 3 {
		t.Fatalf("the demo feed made %d alerts, want 3: %+v", len(s.drift), s.drift)
	}
	cur, err := e.ps.Current()
	if err != nil {
		t.Fatal(err)
	}
	s.feedAt = cur.FeedAt
	// A finding on a service that no drift alert names.
	var f rules.Finding
	var project string
	for _, x := range cur.Report.Findings {
		n, ok := cur.Report.Graph.Node(x.Subject)
		if x.Check == "runtime-default-sa" && ok && n.Kind == graph.KindService && !slices.ContainsFunc(s.drift, func(a store.Alert) bool { return a.Workload == x.Subject }) {
			f, project = x, n.Project
			break
		}
	}
	if f.ID == "" {
		t.Fatal("no runtime-default-sa finding on a service")
	}
	now := time.Now()
	found := []store.Alert{
		{At: now.Add(-3 * 24 * time.Hour), Kind: store.AlertFinding, Event: f.Check, Severity: f.Severity.String(), Subject: f.Subject, Workload: f.Subject,
			Project: project, FindingID: f.ID, Source: "demo", Message: "New high finding: Runs as the default compute service account."},
		{At: now.Add(-10 * 24 * time.Hour), Kind: store.AlertFinding, Event: "invoker-public", Severity: "critical", Subject: f.Subject, Workload: f.Subject,
			Project: project, FindingID: "00000000000000aa", Source: "demo", Message: "New critical finding: Anyone on the internet can invoke it (since fixed)."},
		{At: now.Add(-20 * 24 * time.Hour), Kind: store.AlertDrift, Event: alerts.IngressWidened, Severity: "medium", Subject: f.Subject, Workload: f.Subject,
			Source: "demo", Message: `Service x: ingress widened from <b>NAME</b> to <script>alert(1)</script>.`},
	}
	stored, err := e.store.RecordAlerts(ctx, found, func(string) bool { return true })
	if err != nil || len(stored) != 3 {
		t.Fatalf("record alerts: %d stored, %v", len(stored), err)
	}
	s.finding, s.cleared, s.hostile = stored[0], stored[1], stored[2]
	// The second finding goes away: its alert is cleared.
	if _, err := e.store.RecordAlerts(ctx, nil, func(id string) bool { return id != s.cleared.FindingID }); err != nil {
		t.Fatal(err)
	}
	return s
}

// rowIDs are the alert rows' element IDs, in page order.
func rowIDs(d *goquery.Document) []string {
	var out []string
	d.Find(`[data-testid="alert"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("id", "")) })
	return out
}

func alertID(a store.Alert) string { return fmt.Sprintf("alert-%d", a.ID) }

// TestAlertsPage: /alerts lists the alerts newest first with their event
// in words, the service by name linked to its page, the finding linked and
// the cleared state; its filters narrow by kind and time; and what it
// shows is escaped.
func TestAlertsPage(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	s := seedAlerts(t, e)
	var driftIDs []string
	for _, a := range s.drift {
		driftIDs = append(driftIDs, alertID(a))
	}
	slices.Reverse(driftIDs) // stored at one time: newest ID first
	all := append(slices.Clone(driftIDs), alertID(s.finding), alertID(s.cleared), alertID(s.hostile))
	tests := []struct {
		name, path string
		want       []string // row IDs, in order
		check      func(t *testing.T, d *goquery.Document)
	}{
		{"every alert, newest first", "/alerts", all, func(t *testing.T, d *goquery.Document) {
			if got := d.Find(`[data-testid="alerts-count"]`).Text(); !strings.Contains(got, "6 alerts") {
				t.Errorf("count = %q", got)
			}
			i := slices.IndexFunc(s.drift, func(a store.Alert) bool { return a.Event == alerts.PublicInvoker })
			if i < 0 {
				t.Fatal("the demo feed made no public-invoker alert")
			}
			pub := d.Find("#" + alertID(s.drift[i]))
			if got := pub.Find(`[data-testid="alert-title"]`).Text(); got != "Invoker granted to allUsers, allAuthenticatedUsers or a domain" {
				t.Errorf("drift title = %q, want alerts.Events' title", got)
			}
			w := pub.Find(`[data-testid="alert-workload"] a`).First()
			if w.Text() != "fleet-ml-score" || !strings.HasPrefix(w.AttrOr("href", ""), "/services/") {
				t.Errorf("workload link = %q → %q, want the service's name linked to its page", w.Text(), w.AttrOr("href", ""))
			}
			if msg := pub.Find(`[data-testid="alert-message"]`).Text(); !strings.HasPrefix(msg, "allUsers (anyone on the internet) can now invoke it") {
				t.Errorf("message = %q, want it without the service's name in front", msg)
			}
			if href := pub.Find(`[data-testid="alert-finding"]`).AttrOr("href", ""); href != "/findings/"+s.drift[i].FindingID {
				t.Errorf("finding link = %q, want /findings/%s", href, s.drift[i].FindingID)
			}
			if pub.Find(`time[datetime][title*="seen by runlens"]`).Length() != 1 || !strings.Contains(pub.Find(`[data-testid="alert-when"]`).AttrOr("title", ""), "changed 2026-12-05 09:05:00") {
				t.Errorf("time = %q, want words with the exact times on hover", pub.Find(`[data-testid="alert-when"]`).AttrOr("title", ""))
			}
			fa := d.Find("#" + alertID(s.finding))
			if got := fa.Find(`[data-testid="alert-title"]`).Text(); got != "Runs as the default compute service account" {
				t.Errorf("finding title = %q, want the check's title", got)
			}
			if got := fa.Find(`[data-testid="alert-when"]`).Text(); got != "3 days ago" {
				t.Errorf("when = %q, want 3 days ago", got)
			}
			if fa.Find(`[data-testid="alert-cleared"]`).Length() != 0 || d.Find("#"+alertID(s.cleared)+` [data-testid="alert-cleared"]`).Length() != 1 {
				t.Error("only the alert whose finding went away is cleared")
			}
			d.Find(`[data-testid="alert-workload"]`).Each(func(_ int, w *goquery.Selection) {
				if strings.Contains(w.Text(), "//") {
					t.Errorf("a raw ID as the service: %q", w.Text())
				}
			})
			if d.Find(`[data-testid="webhook-settings"]`).Length() != 1 {
				t.Error("an admin is not offered the webhook setting")
			}
		}},
		{"drift only", "/alerts?kind=drift", append(slices.Clone(driftIDs), alertID(s.hostile)), func(t *testing.T, d *goquery.Document) {
			if v, _ := d.Find(`select[name="kind"] option[selected]`).Attr("value"); v != "drift" {
				t.Errorf("kind selected = %q", v)
			}
		}},
		{"new findings only", "/alerts?kind=finding", []string{alertID(s.finding), alertID(s.cleared)}, nil},
		{"last 24 hours", "/alerts?since=24h", driftIDs, func(t *testing.T, d *goquery.Document) {
			if v, _ := d.Find(`select[name="since"] option[selected]`).Attr("value"); v != "24h" {
				t.Errorf("since selected = %q", v)
			}
		}},
		{"last 7 days", "/alerts?since=7d", append(slices.Clone(driftIDs), alertID(s.finding)), nil},
		{"unknown values are no filter", "/alerts?kind=bogus&since=1y", all, nil},
		{"nothing matches", "/alerts?kind=finding&since=24h", nil, func(t *testing.T, d *goquery.Document) {
			if d.Find(`[data-testid="alerts-none-match"]`).Length() != 1 || d.Find(`[data-testid="alerts-empty"]`).Length() != 0 {
				t.Error("a filter that matches nothing does not say so")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, http.MethodGet, tc.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d: %.300s", tc.path, resp.StatusCode, body)
			}
			for _, raw := range []string{"<script>alert(", "<b>NAME</b>"} {
				if strings.Contains(body, raw) {
					t.Errorf("GET %s contains unescaped %q", tc.path, raw)
				}
			}
			d := doc(t, body)
			if got := rowIDs(d); !slices.Equal(got, tc.want) {
				t.Errorf("rows = %v, want %v", got, tc.want)
			}
			if got := d.Find(`nav[aria-label="Main"] a[aria-current="page"]`).Text(); got != "Alerts" {
				t.Errorf("current nav = %q, want Alerts", got)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

// TestAlertsLimit: at most 200 alerts are listed, with a note that older
// ones match too; the API says the same.
func TestAlertsLimit(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	svc := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	var many []store.Alert
	start := time.Now().Add(-time.Hour)
	for i := range 205 {
		many = append(many, store.Alert{At: start.Add(time.Duration(i) * time.Second), Kind: store.AlertDrift, Event: alerts.IngressWidened,
			Severity: "medium", Subject: svc, Workload: svc, Message: fmt.Sprintf("Service pdf-worker: change %d.", i)})
	}
	if _, err := e.store.RecordAlerts(context.Background(), many, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	_, body := e.do(t, http.MethodGet, "/alerts", nil)
	d := doc(t, body)
	if n := d.Find(`[data-testid="alert"]`).Length(); n != 200 {
		t.Errorf("%d rows, want 200", n)
	}
	if got := d.Find(`[data-testid="alerts-more"]`).Text(); !strings.Contains(got, "latest 200") {
		t.Errorf("note = %q, want it to say the latest 200 are shown", got)
	}
	if got := d.Find(`[data-testid="alert-message"]`).First().Text(); !strings.HasSuffix(got, "change 204.") {
		t.Errorf("first = %q, want the newest", got)
	}
	var api struct {
		Alerts []json.RawMessage `json:"alerts"`
		Limit  int               `json:"limit"`
		More   bool              `json:"more"`
	}
	_, body = e.do(t, http.MethodGet, "/api/v1/alerts", nil)
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Alerts) != 200 || api.Limit != 200 || !api.More {
		t.Errorf("API: %d alerts, limit %d, more %v; want 200, 200, true", len(api.Alerts), api.Limit, api.More)
	}
	// A service's timeline shows its latest 20.
	_, body = e.do(t, http.MethodGet, "/services/"+url.PathEscape(svc), nil)
	d = doc(t, body)
	if n := d.Find(`[data-testid="change-entry"]`).Length(); n != 20 {
		t.Errorf("timeline of %d entries, want 20", n)
	}
	if got := d.Find(`[data-testid="service-changes"] p`).Text(); !strings.Contains(got, "the latest 20") {
		t.Errorf("timeline note = %q", got)
	}
}

// TestAlertsElsewhere: the overview's card counts the last day's alerts and
// lists the latest five, and says when the feed last changed the state; a
// service's page has the timeline of its changes; the API lists what the
// page does.
func TestAlertsElsewhere(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	s := seedAlerts(t, e)
	t.Run("overview", func(t *testing.T) {
		_, body := e.do(t, http.MethodGet, "/", nil)
		d := doc(t, body)
		card := d.Find(`[data-testid="alerts-card"]`)
		if got := card.Find(`[data-testid="alerts-day"]`).Text(); got != "3" {
			t.Errorf("alerts in the last 24 h = %q, want 3", got)
		}
		lines := card.Find(`[data-testid="alerts-card-line"]`)
		if lines.Length() != 5 {
			t.Errorf("%d latest alerts, want 5", lines.Length())
		}
		if got := lines.First().Find("a").AttrOr("href", ""); got != "/alerts#"+alertID(s.drift[len(s.drift)-1]) {
			t.Errorf("first line links to %q, want the newest alert's row", got)
		}
		if !strings.Contains(lines.First().Text(), s.drift[len(s.drift)-1].Message) || !strings.Contains(lines.First().Text(), "just now") {
			t.Errorf("first line = %q, want the newest message and its time", lines.First().Text())
		}
		if card.Find(`a[href="/alerts"]`).Length() == 0 {
			t.Error("the card does not link to /alerts")
		}
		feed := d.Find(`[data-testid="feed-at"]`)
		if !strings.Contains(feed.Text(), "Last change from the asset feed:") || feed.Find("time").AttrOr("title", "") != s.feedAt.Format("2006-01-02 15:04:05 MST") {
			t.Errorf("feed line = %q (title %q)", feed.Text(), feed.Find("time").AttrOr("title", ""))
		}
	})
	t.Run("service timeline", func(t *testing.T) {
		ledger := "//run.googleapis.com/projects/ledger-prod/locations/us-central1/services/ledger-api"
		_, body := e.do(t, http.MethodGet, "/services/"+url.PathEscape(ledger), nil)
		d := doc(t, body)
		entries := d.Find(`[data-testid="service-changes"] [data-testid="change-entry"]`)
		if entries.Length() != 1 {
			t.Fatalf("%d timeline entries, want 1", entries.Length())
		}
		what := entries.Find(`[data-testid="change-what"]`).Text()
		if !strings.HasPrefix(what, "runtime service account changed from ledger-api@ledger-prod.iam.gserviceaccount.com to the default compute identity") {
			t.Errorf("entry = %q, want the change in words without the service's name", what)
		}
		if !strings.Contains(entries.Text(), "(changed ") {
			t.Errorf("entry = %q, want when the change was made (the feed's time, before it was seen)", entries.Text())
		}
		if d.Find(`[data-testid="service-changes"] a[href="/alerts"]`).Length() != 1 {
			t.Error("the timeline does not link to /alerts")
		}
		// A service without alerts has no timeline.
		other := "//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-api"
		_, body = e.do(t, http.MethodGet, "/services/"+url.PathEscape(other), nil)
		if doc(t, body).Find(`[data-testid="service-changes"]`).Length() != 0 {
			t.Error("a service without alerts shows a timeline")
		}
	})
	t.Run("API", func(t *testing.T) {
		tests := []struct {
			path string
			want int
		}{{"/api/v1/alerts", 6}, {"/api/v1/alerts?kind=drift", 4}, {"/api/v1/alerts?kind=finding", 2}, {"/api/v1/alerts?since=24h", 3}, {"/api/v1/alerts?kind=finding&since=24h", 0}}
		for _, tc := range tests {
			resp, body := e.do(t, http.MethodGet, tc.path, nil)
			var api struct {
				Alerts []struct {
					ID        int64     `json:"id"`
					Kind      string    `json:"kind"`
					Event     string    `json:"event"`
					Title     string    `json:"title"`
					Workload  string    `json:"workload"`
					Message   string    `json:"message"`
					FindingID string    `json:"findingId"`
					ClearedAt time.Time `json:"clearedAt"`
				} `json:"alerts"`
				More bool `json:"more"`
			}
			if err := json.Unmarshal([]byte(body), &api); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, %v: %.200s", tc.path, resp.StatusCode, err, body)
			}
			if api.Alerts == nil || len(api.Alerts) != tc.want || api.More {
				t.Errorf("GET %s: %d alerts (more %v), want %d as a list", tc.path, len(api.Alerts), api.More, tc.want)
			}
			for _, a := range api.Alerts {
				if a.Title == "" || a.Message == "" || a.Kind == "" {
					t.Errorf("GET %s: alert %d lacks its title, message or kind: %+v", tc.path, a.ID, a)
				}
				if a.ID == s.cleared.ID && a.ClearedAt.IsZero() {
					t.Errorf("GET %s: the cleared alert has no clearedAt", tc.path)
				}
			}
		}
	})
}

// TestAlertsEmpty: before any alert, /alerts says what alerts are and how
// to get them, the overview's card says none yet, and the API answers an
// empty list.
func TestAlertsEmpty(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	_, body := e.do(t, http.MethodGet, "/alerts", nil)
	d := doc(t, body)
	empty := d.Find(`[data-testid="alerts-empty"]`).Text()
	for _, want := range []string{"No alerts yet", "serve --feed-subscription", "each sync"} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty state = %q, want it to say %q", empty, want)
		}
	}
	if d.Find(`[data-testid="alerts"]`).Length() != 0 {
		t.Error("an empty table is shown")
	}
	_, body = e.do(t, http.MethodGet, "/", nil)
	d = doc(t, body)
	if got := d.Find(`[data-testid="alerts-day"]`).Text(); got != "0" {
		t.Errorf("overview: %q alerts in the last day, want 0", got)
	}
	if d.Find(`[data-testid="feed-at"]`).Length() != 0 {
		t.Error("overview names a feed change though the feed changed nothing")
	}
	_, body = e.do(t, http.MethodGet, "/api/v1/alerts", nil)
	if !strings.Contains(body, `"alerts":[]`) {
		t.Errorf("API = %.200s, want an empty list", body)
	}
}

// postBody posts a form and returns the answer with its body.
func (e *env) postBody(t *testing.T, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
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

// TestAlertWebhookSetting: an admin sets the webhook to an HTTPS URL or
// removes it; an http URL, one with credentials or none is refused with
// why in words; a non-admin and a cross-site form are refused; the
// URL's token is never shown back, nor written to the audit log.
func TestAlertWebhookSetting(t *testing.T) {
	e := newEnv(t, "", demoReader)
	admin := map[string]string{auth.AssertionHeader: e.token(t, "admin@example.com")}
	viewer := map[string]string{auth.AssertionHeader: e.token(t, "viewer@example.com")}
	e.do(t, http.MethodGet, "/", admin) // signs in: the first admin
	e.do(t, http.MethodGet, "/", viewer)
	ctx := context.Background()
	const token = "T0KEN-9f8e7d6c5b4a"
	good := "https://chat.example.com/v1/spaces/AAAA/messages?key=" + token
	setting := func(t *testing.T) string {
		t.Helper()
		v, err := e.store.Setting(ctx, notify.SettingWebhook)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name    string
		hdr     map[string]string
		form    url.Values
		status  int
		problem string // in the page's error, when refused with a message
		want    string // the setting after
	}{
		{"an http URL is refused", admin, url.Values{"action": {"set"}, "url": {"http://chat.example.com/hook/" + token}}, http.StatusBadRequest, "not HTTPS", ""},
		{"credentials are refused", admin, url.Values{"action": {"set"}, "url": {"https://bob:" + token + "@chat.example.com/hook"}}, http.StatusBadRequest, "credentials in the URL are not accepted", ""},
		{"no URL is refused", admin, url.Values{"action": {"set"}, "url": {"  "}}, http.StatusBadRequest, "no URL was given", ""},
		{"not a URL is refused", admin, url.Values{"action": {"set"}, "url": {"https://chat.example.com/%zz" + token}}, http.StatusBadRequest, "not a URL", ""},
		{"a viewer is refused", viewer, url.Values{"action": {"set"}, "url": {good}}, http.StatusForbidden, "", ""},
		{"a cross-site form is refused", map[string]string{auth.AssertionHeader: admin[auth.AssertionHeader], "Sec-Fetch-Site": "cross-site"},
			url.Values{"action": {"set"}, "url": {good}}, http.StatusForbidden, "", ""},
		{"an admin sets an HTTPS URL", admin, url.Values{"action": {"set"}, "url": {" " + good + " "}}, http.StatusSeeOther, "", good},
		{"a cross-site form cannot remove it", map[string]string{auth.AssertionHeader: admin[auth.AssertionHeader], "Sec-Fetch-Site": "cross-site"},
			url.Values{"action": {"clear"}}, http.StatusForbidden, "", good},
		{"a viewer cannot remove it", viewer, url.Values{"action": {"clear"}}, http.StatusForbidden, "", good},
		{"a refused URL leaves the one set", admin, url.Values{"action": {"set"}, "url": {"ftp://chat.example.com/"}}, http.StatusBadRequest, "not HTTPS", good},
		{"an admin removes it", admin, url.Values{"action": {"clear"}}, http.StatusSeeOther, "", ""},
		{"an admin sets it again", admin, url.Values{"action": {"set"}, "url": {good}}, http.StatusSeeOther, "", good},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.postBody(t, "/admin/alerts", tc.form, tc.hdr)
			if resp.StatusCode != tc.status {
				t.Fatalf("POST = %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusSeeOther && resp.Header.Get("Location") != "/admin/alerts" {
				t.Errorf("redirect to %q", resp.Header.Get("Location"))
			}
			if tc.problem != "" {
				got := doc(t, body).Find(`[data-testid="webhook-error"]`).Text()
				if !strings.Contains(got, "The webhook was not saved: "+tc.problem) {
					t.Errorf("error = %q, want it to say %q", got, tc.problem)
				}
			}
			if strings.Contains(body, token) {
				t.Error("the answer shows the URL's token")
			}
			if got := setting(t); got != tc.want {
				t.Errorf("setting = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("the page shows the host, never the token", func(t *testing.T) {
		resp, body := e.do(t, http.MethodGet, "/admin/alerts", admin)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin/alerts = %d", resp.StatusCode)
		}
		d := doc(t, body)
		if got := d.Find(`[data-testid="webhook-host"]`).Text(); got != "chat.example.com" {
			t.Errorf("host = %q", got)
		}
		if strings.Contains(body, token) || strings.Contains(body, "/v1/spaces/") {
			t.Error("the page shows the URL's path or token")
		}
		if d.Find(`[data-testid="webhook-clear"]`).Length() != 1 {
			t.Error("no way to remove the webhook")
		}
		if d.Find(`nav[aria-label="Admin"] a[href="/admin/users"]`).Length() != 1 {
			t.Error("the page does not link to the users page")
		}
		if _, body := e.do(t, http.MethodGet, "/admin/users", admin); doc(t, body).Find(`nav[aria-label="Admin"] a[href="/admin/alerts"]`).Length() != 1 {
			t.Error("the users page does not link to the webhook's")
		}
		if resp, _ := e.do(t, http.MethodGet, "/admin/alerts", viewer); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /admin/alerts as a viewer = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the audit log has who and the host, never the token", func(t *testing.T) {
		log, err := e.store.AuditLog(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range log {
			if !strings.HasPrefix(a.Action, "alerts.webhook.") {
				continue
			}
			actions = append(actions, a.Action)
			if a.Actor != "admin@example.com" {
				t.Errorf("%s by %q", a.Action, a.Actor)
			}
			if a.Action == "alerts.webhook.set" && a.Target != "chat.example.com" {
				t.Errorf("set: target %q, want the host", a.Target)
			}
		}
		if want := []string{"alerts.webhook.set", "alerts.webhook.clear", "alerts.webhook.set"}; !slices.Equal(actions, want) {
			t.Errorf("audited %v, want %v (newest first)", actions, want)
		}
		for _, path := range []string{"/audit", "/audit.jsonl"} {
			_, body := e.do(t, http.MethodGet, path, admin)
			if !strings.Contains(body, "alerts.webhook.set") {
				t.Errorf("%s lacks the change", path)
			}
			if strings.Contains(body, token) || strings.Contains(body, "/v1/spaces/") {
				t.Errorf("%s shows the URL's path or token", path)
			}
		}
	})
}
