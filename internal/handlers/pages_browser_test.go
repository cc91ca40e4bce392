package handlers_test

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/store"
)

// cspWatch records, from before any page script runs, every Content
// Security Policy violation of the document in window.__csp. DevTools'
// scripts are not subject to the page's CSP.
const cspWatch = `window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber); });`

// widest names the first elements that reach past the right edge.
const widest = `Array.from(document.querySelectorAll("body *")).filter(function (e) { return e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5; }).slice(0, 5).map(function (e) { return e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? "." + e.className : "") + "[" + Math.round(e.getBoundingClientRect().right) + "]"; })`

// focusedOutline records, on a focus event, each focused element's tag,
// text and outline style; it returns what the last two Tabs focused.
const focusedOutline = `(window.__focused || []).slice(-2)`

// focusWatch records every element that takes the focus.
const focusWatch = `window.__focused = []; document.addEventListener("focusin", function (e) { var el = e.target; window.__focused.push(el.tagName + " " + el.textContent.trim() + " " + getComputedStyle(el).outlineStyle); });`

// axeSource is axe-core, vendored from its npm package for the tests only
// (testdata/axe/README.md). The application never serves it: the test
// evaluates it in each page through DevTools, which the page's CSP does
// not govern.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeRun opens every disclosure (<details>), so that what it hides is
// checked too, runs axe-core's rules on the whole document and returns each
// violation with its first nodes.
const axeRun = `document.querySelectorAll("details").forEach(function (d) { d.open = true; });
axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
	return r.violations.map(function (v) {
		return {id: v.id, impact: v.impact || "", help: v.help, count: v.nodes.length,
			nodes: v.nodes.slice(0, 3).map(function (n) { return {target: n.target.join(" "), html: n.html, summary: n.failureSummary || ""}; })};
	});
})`

// axeViolation is a rule axe-core found broken, as axeRun returns it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Count  int    `json:"count"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %d nodes): %s", v.ID, v.Impact, v.Count, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t%s\n\t\t%.300s\n\t\t%s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
	}
	return b.String()
}

// TestBrowserEveryPage visits every page of the demo in a real Chromium as
// an admin, a reviewer and a viewer, and checks that no page logs a console
// error or an uncaught exception, violates the CSP (Cytoscape's inline
// styles included), scrolls sideways, loses the keyboard's first stops, or
// breaks a rule of axe-core (testdata/axe) with a serious or critical
// impact; moderate and minor ones are logged. The admin, who is offered
// every control, visits at a desktop width (1440 px) and a phone width
// (390 px); the reviewer (offered Approve) and the viewer (offered nothing)
// at 1440 px only, which keeps the test near two minutes. A page a role may
// not open is checked for its 403 instead. Screenshots, taken before axe
// opens the disclosures, are left in $TMPDIR/runlens-browser/pages for
// people.
func TestBrowserEveryPage(t *testing.T) {
	b := newBrowserWithin(t, 6*time.Minute)
	e := newEnv(t, "dev@example.com,reviewer@example.com,viewer@example.com", demoReader)
	for email, role := range map[string]string{"reviewer@example.com": "reviewer", "viewer@example.com": "viewer"} {
		e.do(t, http.MethodGet, "/", map[string]string{handlers.DevUserHeader: email}) // signs in
		if err := e.store.SetRole(context.Background(), "dev:"+email, role, store.AuditEntry{Actor: "test", Action: "user.role"}); err != nil {
			t.Fatal(err)
		}
	}
	change, _ := proposeOf(t, e, "invoker-public")
	seedAlerts(t, e)
	svc := "//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-api"
	drifted := "//run.googleapis.com/projects/ledger-prod/locations/us-central1/services/ledger-api"
	sa := "serviceAccount:fleet-runtime@fleet-web-prod.iam.gserviceaccount.com"
	project := "//cloudresourcemanager.googleapis.com/projects/204815367192"
	pages := []struct {
		name, path string
		status     int      // the answer to a role allowed; 0 is 200
		refused    []string // the roles answered 403
	}{
		{"overview", "/", 0, nil},
		{"services", "/services", 0, nil},
		{"service", "/services/" + url.PathEscape(svc), 0, nil},
		{"service-changes", "/services/" + url.PathEscape(drifted), 0, nil},
		{"findings", "/findings", 0, nil},
		{"findings-list", "/findings?view=list&state=", 0, nil},
		{"findings-filtered", "/findings?severity=high&severity=critical&project=" + url.QueryEscape(project), 0, nil},
		{"finding", "/findings/" + idsOf(t, e, "runtime-privileged")[0], 0, nil},
		{"graph", "/graph", 0, nil},
		{"graph-search", "/graph?q=pdf", 0, nil},
		{"graph-focus", "/graph?focus=" + url.QueryEscape(svc), 0, nil},
		{"graph-path", "/graph?query=path&from=allUsers&to=vault-prod-documents", 0, nil},
		{"identity", "/identities/" + url.PathEscape(sa), 0, nil},
		{"alerts", "/alerts", 0, nil},
		{"alerts-none-match", "/alerts?kind=finding&since=24h", 0, nil},
		{"changes", "/changes", 0, nil},
		{"change", change, 0, nil},
		{"sync", "/sync", 0, nil},
		{"audit", "/audit", 0, []string{"viewer"}},
		{"users", "/admin/users", 0, []string{"viewer", "reviewer"}},
		{"alert-webhook", "/admin/alerts", 0, []string{"viewer", "reviewer"}},
		{"scores", "/scores?scope=organization", 0, nil},
		{"scores-project", "/scores?scope=project&id=" + url.QueryEscape(project), 0, nil},
		{"report", "/report", 0, nil},
		{"not-found", "/findings/0000000000000000", http.StatusNotFound, nil},
	}
	roles := []struct {
		name, email string
		widths      []int64
	}{
		{"admin", "dev@example.com", []int64{1440, 390}},
		{"reviewer", "reviewer@example.com", []int64{1440}},
		{"viewer", "viewer@example.com", []int64{1440}},
	}
	shots := filepath.Join(os.TempDir(), "runlens-browser", "pages")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// One tab for every role, in turn: Chromium draws a second tab in
	// the background, where a full-page screenshot waits minutes.
	tab := b.ctx
	// Console messages Chromium logs itself (CSP reports, failed loads).
	var logged []string
	chromedp.ListenTarget(tab, func(ev any) {
		if ev, ok := ev.(*log.EventEntryAdded); ok && ev.Entry.Level == log.LevelError {
			b.mu.Lock()
			logged = append(logged, ev.Entry.Text+" "+ev.Entry.URL)
			b.mu.Unlock()
		}
	})
	err := chromedp.Run(tab, log.Enable(), network.Enable(), chromedp.ActionFunc(func(ctx context.Context) error {
		if _, err := page.AddScriptToEvaluateOnNewDocument(cspWatch).Do(ctx); err != nil {
			return err
		}
		_, err := page.AddScriptToEvaluateOnNewDocument(focusWatch).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if err := chromedp.Run(tab, network.SetExtraHTTPHeaders(network.Headers{handlers.DevUserHeader: r.email})); err != nil {
			t.Fatal(err)
		}
		for _, width := range r.widths {
			for _, p := range pages {
				t.Run(fmt.Sprintf("%s/%s@%d", r.name, p.name, width), func(t *testing.T) {
					b.mu.Lock()
					before, beforeLog := len(b.errors), len(logged)
					b.mu.Unlock()
					resp, err := chromedp.RunResponse(tab,
						emulation.SetDeviceMetricsOverride(width, 900, 1, false),
						chromedp.Navigate(e.srv.URL+p.path),
					)
					if err != nil {
						t.Fatalf("%s: %v", p.path, err)
					}
					want := cmp.Or(p.status, http.StatusOK)
					if slices.Contains(p.refused, r.name) {
						want = http.StatusForbidden
					}
					if resp.Status != int64(want) {
						t.Fatalf("%s as %s = %d, want %d", p.path, r.name, resp.Status, want)
					}
					if want == http.StatusForbidden {
						return
					}
					var csp []string
					var scrollWidth, clientWidth int64
					var violations []axeViolation
					var shot []byte
					err = chromedp.Run(tab,
						chromedp.WaitReady("body"),
						chromedp.Sleep(400*time.Millisecond), // let graph.js draw
						chromedp.Evaluate(`window.__csp || []`, &csp),
						chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
						chromedp.Evaluate(`document.documentElement.clientWidth`, &clientWidth),
					)
					if err != nil {
						t.Fatalf("%s: %v", p.path, err)
					}
					// Keyboard: the first Tab reaches the skip link, the next the
					// brand link, each with a visible outline.
					var focused []string
					err = chromedp.Run(tab,
						chromedp.KeyEvent("\t"),
						chromedp.KeyEvent("\t"),
						chromedp.Evaluate(focusedOutline, &focused),
					)
					if err != nil {
						t.Fatalf("%s: keyboard: %v", p.path, err)
					}
					if want := []string{"A Skip to content solid", "A runlens solid"}; strings.Join(focused, "|") != strings.Join(want, "|") {
						t.Errorf("%s: two Tabs focused %q, want %q", p.path, focused, want)
					}
					// A very long page is too large for one picture: its top then.
					if err := chromedp.Run(tab, chromedp.FullScreenshot(&shot, 100)); err != nil {
						if err := chromedp.Run(tab, chromedp.CaptureScreenshot(&shot)); err != nil {
							t.Fatalf("%s: screenshot: %v", p.path, err)
						}
					}
					name := filepath.Join(shots, fmt.Sprintf("%s-%s-%d.png", r.name, p.name, width))
					if err := os.WriteFile(name, shot, 0o644); err != nil {
						t.Fatal(err)
					}
					err = chromedp.Run(tab,
						chromedp.Evaluate(axeSource+"\n;0", nil),
						chromedp.Evaluate(axeRun, &violations, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
					)
					if err != nil {
						t.Fatalf("%s: axe: %v", p.path, err)
					}
					b.mu.Lock()
					errs := append(append([]string(nil), b.errors[before:]...), logged[beforeLog:]...)
					b.mu.Unlock()
					// Chromium reports the page's own status as a failed load.
					errs = slices.DeleteFunc(errs, func(s string) bool {
						return want != http.StatusOK && strings.HasPrefix(s, fmt.Sprintf("Failed to load resource: the server responded with a status of %d", want))
					})
					if len(errs) > 0 {
						t.Errorf("%s: console errors:\n%s", p.path, strings.Join(errs, "\n"))
					}
					if len(csp) > 0 {
						t.Errorf("%s: CSP violations:\n%s", p.path, strings.Join(csp, "\n"))
					}
					if scrollWidth > clientWidth {
						var wide []string
						_ = chromedp.Run(tab, chromedp.Evaluate(widest, &wide))
						t.Errorf("%s at %d px scrolls sideways: scrollWidth %d > clientWidth %d (%s); too wide: %s", p.path, width, scrollWidth, clientWidth, name, strings.Join(wide, ", "))
					}
					// On a phone a table is a card per row, each cell labelled.
					if width < 500 {
						var asTables []string
						if err := chromedp.Run(tab, chromedp.Evaluate(`Array.from(document.querySelectorAll("main table")).filter(function (t) { return getComputedStyle(t).display === "table" || t.querySelector("tbody td:not([data-label]):not([colspan])"); }).map(function (t) { return t.getAttribute("data-testid") || "table"; })`, &asTables)); err != nil {
							t.Fatal(err)
						}
						if len(asTables) > 0 {
							t.Errorf("%s at %d px: tables not shown as labelled cards: %v", p.path, width, asTables)
						}
					}
					var lesser []string
					for _, v := range violations {
						switch v.Impact {
						case "serious", "critical":
							t.Errorf("%s at %d px as %s: axe: %s", p.path, width, r.name, v)
						default:
							lesser = append(lesser, fmt.Sprintf("%s (%s, %d)", v.ID, v.Impact, v.Count))
						}
					}
					if len(lesser) > 0 {
						t.Logf("%s: axe, moderate and minor: %s", p.path, strings.Join(lesser, ", "))
					}
				})
			}
		}
	}
}
