package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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

// TestBrowserEveryPage visits every page of the demo at a desktop width
// (1440 px) and a phone width (390 px) in a real Chromium and checks that
// no page logs a console error or an uncaught exception, violates the CSP
// (Cytoscape's inline styles included), or scrolls sideways. Screenshots
// are left in $TMPDIR/runlens-browser/pages for people.
func TestBrowserEveryPage(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "dev@example.com", demoReader)
	svc := "//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-api"
	sa := "serviceAccount:fleet-runtime@fleet-web-prod.iam.gserviceaccount.com"
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"services", "/services"},
		{"service", "/services/" + url.PathEscape(svc)},
		{"findings", "/findings"},
		{"findings-list", "/findings?view=list&state="},
		{"finding", "/findings/" + idsOf(t, e, "invoker-public")[0]},
		{"graph", "/graph"},
		{"graph-focus", "/graph?focus=" + url.QueryEscape(svc)},
		{"identity", "/identities/" + url.PathEscape(sa)},
		{"changes", "/changes"},
		{"sync", "/sync"},
		{"audit", "/audit"},
		{"users", "/admin/users"},
		{"scores", "/scores?scope=organization"},
		{"report", "/report"},
	}
	shots := filepath.Join(os.TempDir(), "runlens-browser", "pages")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// Console messages Chromium logs itself (CSP reports, failed loads).
	var logged []string
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if ev, ok := ev.(*log.EventEntryAdded); ok && ev.Entry.Level == log.LevelError {
			b.mu.Lock()
			logged = append(logged, ev.Entry.Text+" "+ev.Entry.URL)
			b.mu.Unlock()
		}
	})
	if err := chromedp.Run(b.ctx, log.Enable(), chromedp.ActionFunc(func(ctx context.Context) error {
		if _, err := page.AddScriptToEvaluateOnNewDocument(cspWatch).Do(ctx); err != nil {
			return err
		}
		_, err := page.AddScriptToEvaluateOnNewDocument(focusWatch).Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1440, 390} {
		for _, p := range pages {
			t.Run(fmt.Sprintf("%s@%d", p.name, width), func(t *testing.T) {
				b.mu.Lock()
				before, beforeLog := len(b.errors), len(logged)
				b.mu.Unlock()
				var csp []string
				var scrollWidth, clientWidth int64
				var shot []byte
				err := chromedp.Run(b.ctx,
					emulation.SetDeviceMetricsOverride(width, 900, 1, false),
					chromedp.Navigate(e.srv.URL+p.path),
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
				err = chromedp.Run(b.ctx,
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
				if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&shot, 100)); err != nil {
					if err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot(&shot)); err != nil {
						t.Fatalf("%s: screenshot: %v", p.path, err)
					}
				}
				name := filepath.Join(shots, fmt.Sprintf("%s-%d.png", p.name, width))
				if err := os.WriteFile(name, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				b.mu.Lock()
				errs := append(append([]string(nil), b.errors[before:]...), logged[beforeLog:]...)
				b.mu.Unlock()
				if len(errs) > 0 {
					t.Errorf("%s: console errors:\n%s", p.path, strings.Join(errs, "\n"))
				}
				if len(csp) > 0 {
					t.Errorf("%s: CSP violations:\n%s", p.path, strings.Join(csp, "\n"))
				}
				if scrollWidth > clientWidth {
					var wide []string
					_ = chromedp.Run(b.ctx, chromedp.Evaluate(widest, &wide))
					t.Errorf("%s at %d px scrolls sideways: scrollWidth %d > clientWidth %d (%s); too wide: %s", p.path, width, scrollWidth, clientWidth, name, strings.Join(wide, ", "))
				}
			})
		}
	}
}
