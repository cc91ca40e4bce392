package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
)

// The findings list is paged, page and API alike, with the filter kept
// from page to page: a large organization has hundreds of thousands of
// findings, and the list once sent them all.
func TestFindingsPages(t *testing.T) {
	e := newEnv(t, "dev@example.com", generatedReader(demo.Size{Projects: 5, ServicesPerProject: 50}))

	_, body := e.do(t, http.MethodGet, "/api/v1/findings?page=2", nil)
	var api struct {
		Findings []struct {
			ID string `json:"ID"`
		} `json:"findings"`
		Total, Page, Pages int
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatalf("GET /api/v1/findings: %v: %.200s", err, body)
	}
	if api.Total <= posture.FindingsPageSize || api.Page != 2 || api.Pages != (api.Total+posture.FindingsPageSize-1)/posture.FindingsPageSize ||
		len(api.Findings) != min(posture.FindingsPageSize, api.Total-posture.FindingsPageSize) {
		t.Fatalf("GET /api/v1/findings?page=2: total %d, page %d, pages %d, %d findings", api.Total, api.Page, api.Pages, len(api.Findings))
	}

	resp, body := e.do(t, http.MethodGet, "/findings?view=list&severity=high&page=2", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /findings = %d", resp.StatusCode)
	}
	d := doc(t, body)
	rows := d.Find(`[data-testid="finding"]`)
	if rows.Length() == 0 || rows.Length() > posture.FindingsPageSize {
		t.Fatalf("page 2 of the high findings shows %d rows", rows.Length())
	}
	rows.Each(func(_ int, s *goquery.Selection) {
		if sev := strings.TrimSpace(s.Find("td").First().Text()); !strings.Contains(sev, "high") {
			t.Errorf("a %q finding in a list filtered on high", sev)
		}
	})
	if count := d.Find(`[data-testid="findings-count"]`).Text(); !strings.Contains(count, "page 2 of") {
		t.Errorf("count line = %q, want the page", count)
	}
	prev, ok := d.Find(`[data-testid="pager"] a[rel="prev"]`).Attr("href")
	if !ok {
		t.Fatal("no link to page 1")
	}
	u, err := url.Parse(prev)
	if err != nil || u.Path != "/findings" || u.Query().Get("page") != "1" || u.Query().Get("severity") != "high" {
		t.Errorf("previous page link %q: want /findings, page 1, severity kept", prev)
	}
}

// generatedReader reads a generated organization of size, streamed from the
// generator as `serve --demo-size` reads it.
func generatedReader(size demo.Size) posture.Reader {
	return func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.Generate(pw, size, 1)) }()
		r := inventory.NewReader()
		if err := r.Read("generated.jsonl", pr); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}
}

// idsOf returns the IDs of the findings of check in the list view.
func idsOf(t *testing.T, e *env, check string) []string {
	t.Helper()
	_, body := e.do(t, http.MethodGet, "/api/v1/findings?state=&check="+check, nil)
	var api struct {
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil || len(api.Findings) == 0 {
		t.Fatalf("GET /api/v1/findings?check=%s: %v: %.200s", check, err, body)
	}
	var ids []string
	for _, f := range api.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// The default view is one row per check (severity, title, how many
// findings, workloads and projects, the fix in a line) opening to its
// instances; the filter is multi-select with a count beside every choice,
// and stays in every link of the view.
func TestFindingsGrouped(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	_, body := e.do(t, http.MethodGet, "/findings", nil)
	d := doc(t, body)
	groups := d.Find(`[data-testid="finding-group"]`)
	if groups.Length() < 10 {
		t.Fatalf("%d groups, want one per check", groups.Length())
	}
	seen, sum := map[string]bool{}, 0
	groups.Each(func(_ int, g *goquery.Selection) {
		check := g.AttrOr("data-check", "")
		if seen[check] {
			t.Errorf("check %s has two groups", check)
		}
		seen[check] = true
		n, _ := strconv.Atoi(strings.TrimSpace(g.Find(`[data-testid="group-findings"]`).Text()))
		sum += n
		if strings.TrimSpace(g.Find(`[data-testid="group-fix"]`).Text()) == "" || g.Find(`[data-testid="instance"]`).Length() == 0 {
			t.Errorf("group %s: no fix or no instances", check)
		}
		w, _ := strconv.Atoi(strings.TrimSpace(g.Find(`[data-testid="group-workloads"]`).Text()))
		if check == "invoker-public" && w == 0 {
			t.Errorf("group %s affects no workload", check)
		}
	})
	if count := d.Find(`[data-testid="findings-count"]`).Text(); !strings.Contains(count, fmt.Sprintf("%d findings", sum)) {
		t.Errorf("count line %q; the groups add up to %d", count, sum)
	}
	facet := d.Find(`[data-testid="facet-check"] [data-value="invoker-public"] [data-testid="facet-count"]`).Text()
	n, err := strconv.Atoi(facet)
	if err != nil || n == 0 {
		t.Fatalf("invoker-public facet count %q", facet)
	}

	// Two checks chosen: their two groups, the one counted as its facet said.
	_, body = e.do(t, http.MethodGet, "/findings?check=invoker-public&check=runtime-default-sa&severity=high", nil)
	d = doc(t, body)
	if got := d.Find(`[data-testid="finding-group"]`).Length(); got != 2 {
		t.Errorf("two checks chosen: %d groups", got)
	}
	got := strings.TrimSpace(d.Find(`[data-check="invoker-public"] [data-testid="group-findings"]`).Text())
	if got != facet {
		t.Errorf("invoker-public group has %s findings, its facet said %s", got, facet)
	}
	if d.Find(`[data-testid="facet-check"] [data-value="invoker-public"] input[checked]`).Length() != 1 ||
		d.Find(`[data-testid="facet-severity"] [data-value="high"] input[checked]`).Length() != 1 {
		t.Error("the chosen check and severity are not ticked")
	}
	for _, sel := range []string{`[data-testid="group-list"]`, `[data-testid="view-list"]`, `[data-testid="export-csv"]`} {
		href, _ := d.Find(sel).First().Attr("href")
		u, err := url.Parse(href)
		if err != nil || u.Query().Get("severity") != "high" || len(u.Query()["check"]) == 0 {
			t.Errorf("%s links to %q: the filter is not kept", sel, href)
		}
	}
	if href, _ := d.Find(`[data-testid="group-list"]`).First().Attr("href"); !strings.Contains(href, "view=list") {
		t.Errorf("a group opens to %q, want the list view", href)
	}

	// The export has the view's findings, every page, as CSV and JSON.
	resp, body := e.do(t, http.MethodGet, "/findings/export?format=csv&check=invoker-public", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "id,check,severity,state,") || strings.Count(body, "\n") != n+1 {
		t.Errorf("CSV export = %d, %d lines (want %d and a header): %.200s", resp.StatusCode, strings.Count(body, "\n"), n, body)
	}
	_, body = e.do(t, http.MethodGet, "/findings/export?format=json&check=invoker-public", nil)
	var export struct {
		Total    int               `json:"total"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal([]byte(body), &export); err != nil || export.Total != n || len(export.Findings) != n {
		t.Errorf("JSON export: %v, total %d, %d findings, want %d", err, export.Total, len(export.Findings), n)
	}
	if resp, _ := e.do(t, http.MethodGet, "/findings/export?format=xlsx", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("export as xlsx = %d, want 400", resp.StatusCode)
	}
}

// A finding's page is its permalink: evidence in sentences, the check's
// doc, first and last seen, its exception and change sets. Proposing from
// it shows the change set; from then on the finding, on every page that
// lists it, shows that change set and offers no second proposal; a second
// POST answers with the first. An action taken on a list returns to it,
// filter kept, and never to another host.
func TestFindingPage(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	id := idsOf(t, e, "invoker-public")[0]
	page := "/findings/" + id
	resp, body := e.do(t, http.MethodGet, page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", page, resp.StatusCode)
	}
	d := doc(t, body)
	for _, sel := range []string{`[data-testid="evidence-binding"]`, `[data-testid="check-doc"]`, `[data-testid="finding-seen"]`,
		`[data-testid="finding-actions"] [data-testid="propose"]`, `[data-testid="accept-risk"]`, `[data-testid="finding-subject"] a[href^="/services/"]`} {
		if d.Find(sel).Length() == 0 {
			t.Errorf("%s lacks %s", page, sel)
		}
	}
	if s := d.Find(`[data-testid="evidence-binding"]`).First().Text(); !strings.Contains(s, "roles/run.invoker") || !strings.Contains(s, " holds ") || !strings.HasSuffix(strings.TrimSpace(s), ".") {
		t.Errorf("evidence sentence %q", s)
	}
	if s := d.Find(`[data-testid="finding-seen"]`).Text(); !strings.Contains(s, "Last seen") {
		t.Errorf("seen card %q", s)
	}
	if resp, _ := e.do(t, http.MethodGet, "/findings/0000000000000000", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET an unknown finding = %d, want 404", resp.StatusCode)
	}

	resp = e.post(t, page+"/propose", nil, nil)
	change := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(change, "/changes/") {
		t.Fatalf("propose from the finding's page = %d to %q, want the change set", resp.StatusCode, change)
	}
	_, body = e.do(t, http.MethodGet, page, nil)
	d = doc(t, body)
	if href, _ := d.Find(`[data-testid="open-change"] a`).Attr("href"); href != change {
		t.Errorf("the finding's page links its change set as %q, want %q", href, change)
	}
	if d.Find(`[data-testid="propose"]`).Length() != 0 {
		t.Error("the finding's page offers a second proposal")
	}
	if d.Find(`[data-testid="finding-change"]`).Length() != 1 {
		t.Error("the finding's page does not list its change set")
	}
	list := "/findings?check=invoker-public&view=list"
	_, body = e.do(t, http.MethodGet, list, nil)
	row := doc(t, body).Find(`#f-` + id)
	if row.AttrOr("data-state", "") != "proposed" || row.Find(`[data-testid="open-change"]`).AttrOr("href", "") != change || row.Find(`[data-testid="propose"]`).Length() != 0 {
		t.Errorf("list row: state %q, change set %q, %d propose buttons; want proposed, %s, none", row.AttrOr("data-state", ""),
			row.Find(`[data-testid="open-change"]`).AttrOr("href", ""), row.Find(`[data-testid="propose"]`).Length(), change)
	}
	if resp := e.post(t, page+"/propose", nil, nil); resp.Header.Get("Location") != change {
		t.Errorf("a second proposal answered %d to %q, want the first, %s", resp.StatusCode, resp.Header.Get("Location"), change)
	}
	_, body = e.do(t, http.MethodGet, "/api/v1/changes", nil)
	if n := strings.Count(body, `"id":`); n != 1 {
		t.Errorf("%d change sets stored, want 1", n)
	}

	// Actions return to the view they were taken on.
	other := idsOf(t, e, "invoker-public")[1]
	resp = e.post(t, "/findings/"+other+"/propose", url.Values{"return": {list}}, nil)
	if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != list+"#f-"+other {
		t.Errorf("propose from the list = %d to %q, want %q", resp.StatusCode, got, list+"#f-"+other)
	}
	tomorrow := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	for _, tc := range []struct{ back, want string }{
		{list, list + "#f-" + other},
		{"//evil.example/x", "/findings#exceptions"},
		{"https://evil.example/", "/findings#exceptions"},
		{"/\\evil.example", "/findings#exceptions"},
	} {
		resp := e.post(t, "/findings/"+other+"/exception", url.Values{"owner": {"o"}, "reason": {"r"}, "expires": {tomorrow}, "return": {tc.back}}, nil)
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("accept risk returning to %q went to %q, want %q", tc.back, got, tc.want)
		}
	}
}

// The service page offers the fix and the exception per finding and links
// its runtime identity, its callers and its project.
func TestServicePageActions(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	var worker string
	for _, s := range e.scan(t).Scores.Services {
		if strings.HasSuffix(s.Service, "/services/pdf-worker") {
			worker = s.Service
		}
	}
	if worker == "" {
		t.Fatal("no pdf-worker in the demo")
	}
	_, body := e.do(t, http.MethodGet, "/services/"+url.PathEscape(worker), nil)
	d := doc(t, body)
	if n, rows := d.Find(`[data-testid="finding"] [data-testid="propose"]`).Length(), d.Find(`[data-testid="finding"]`).Length(); n == 0 || n > rows {
		t.Errorf("%d propose buttons for %d findings", n, rows)
	}
	if d.Find(`[data-testid="finding"] [data-testid="accept-risk"]`).Length() == 0 {
		t.Error("no accept-risk form on the service page")
	}
	if d.Find(`[data-testid="runtime-identity"] a[href^="/identities/"]`).Length() == 0 {
		t.Error("the runtime identity is not a link")
	}
	if callers, links := d.Find(`[data-testid="caller"]`).Length(), d.Find(`[data-testid="caller"] > .name:first-child a.nm`).Length(); callers == 0 || links != callers {
		t.Errorf("%d callers, %d linked", callers, links)
	}
	if d.Find(`[data-testid="service-project"]`).AttrOr("href", "") == "" {
		t.Error("the project is not a link")
	}
	if d.Find(`[data-testid="finding"] [data-testid="finding-link"]`).Length() == 0 {
		t.Error("the findings do not link their pages")
	}
}
