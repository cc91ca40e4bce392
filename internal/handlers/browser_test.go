package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/store"
)

// chromium finds Debian's chromium (installed by .ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("RUNLENS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("browser tests need Debian's chromium: apt-get install -y chromium (or set RUNLENS_CHROMIUM)")
	return ""
}

// browser starts a headless Chromium for one test and collects console
// errors and uncaught exceptions.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// watch collects the console errors and exceptions of the tab of ctx.
func (b *browser) watch(ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			b.errors = append(b.errors, msg)
		}
	})
}

// newBrowser starts a Chromium that a test may use for two minutes.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return newBrowserWithin(t, 2*time.Minute)
}

// newBrowserWithin starts a Chromium that a test may use for d.
func newBrowserWithin(t *testing.T, d time.Duration) *browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	// Chromium's helper processes may still write to their profile for a
	// moment after the browser is gone, so the profile is removed best-effort
	// rather than with t.TempDir, whose cleanup fails the test on leftovers.
	profile, err := os.MkdirTemp("", "runlens-chromium-*")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	// Start the browser now, so that tabs made later with
	// chromedp.NewContext(b.ctx) share it.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{ctx: ctx}
	b.watch(ctx)
	return b
}

// TestBrowserGraph drives a real headless Chromium through the graph
// explorer on the demo organization: search, expand, path, no console
// errors (a CSP violation would be one). A screenshot is left for people.
func TestBrowserGraph(t *testing.T) {
	b := newBrowser(t)
	ctx := b.ctx
	e := newEnv(t, "dev@example.com", demoReader)

	shots := filepath.Join(os.TempDir(), "runlens-browser")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	var firstHit, rendered, pathRendered string
	var runsAs, pathSteps int
	var suggested []string
	var shot, pathShot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/graph"),
		chromedp.WaitVisible(`[data-testid="graph-search"]`),
		chromedp.SendKeys(`[data-testid="graph-search"]`, "pdf-work"),
		chromedp.Submit(`[data-testid="graph-search"]`),
		chromedp.WaitVisible(`[data-testid="search-hit"]`),
		chromedp.Text(`[data-testid="search-hit"]`, &firstHit),
		chromedp.Click(`[data-testid="search-hit"]`),
		chromedp.WaitVisible(`[data-testid="graph-canvas"] .pic-tools`), // graph.js added the zoom buttons
		chromedp.AttributeValue(`[data-testid="graph-canvas"]`, "data-boxes", &rendered, nil),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="graph-edge"][data-kind="runs_as"]').length`, &runsAs),
		chromedp.CaptureScreenshot(&shot),
		// The path from a public principal to a backing resource.
		chromedp.Navigate(e.srv.URL+"/graph"),
		chromedp.WaitVisible(`[data-testid="path-from"]`),
		chromedp.SendKeys(`[data-testid="path-from"]`, "allUsers"),
		chromedp.SendKeys(`[data-testid="path-to"]`, "vault-prod-documents"),
		chromedp.Click(`[data-testid="path-submit"]`),
		chromedp.WaitVisible(`[data-testid="path-steps"]`),
		chromedp.Evaluate(`String(document.querySelectorAll('.chain-card').length)`, &pathRendered),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="path-step"]').length`, &pathSteps),
		chromedp.FullScreenshot(&pathShot, 100),
		// Suggestions as the user types a path end.
		chromedp.Navigate(e.srv.URL+"/graph"),
		chromedp.WaitVisible(`[data-testid="path-from"]`),
		chromedp.SendKeys(`[data-testid="path-from"]`, "vault"),
		chromedp.WaitReady(`#node-suggest option`),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#node-suggest option')).map(function (o) { return o.value; })`, &suggested),
	)
	if err != nil {
		t.Fatalf("browser run: %v", err)
	}
	for name, b := range map[string][]byte{"graph-focus.png": shot, "graph-path.png": pathShot} {
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	if firstHit != "pdf-worker" {
		t.Errorf("first search hit = %q, want pdf-worker", firstHit)
	}
	if n, err := strconv.Atoi(rendered); err != nil || n < 3 {
		t.Errorf("focus picture rendered %q nodes, want a drawn neighbourhood", rendered)
	}
	if runsAs != 1 {
		t.Errorf("expanded service shows %d runs_as edges, want its runtime identity", runsAs)
	}
	if n, err := strconv.Atoi(pathRendered); err != nil || n < 3 || pathSteps < 2 {
		t.Errorf("path chain of %q nodes, %d steps", pathRendered, pathSteps)
	}
	if !slices.Contains(suggested, "vault-api") {
		t.Errorf("typing “vault” suggested %q, want vault-api among them", suggested)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// TestBrowserHostileStrings visits every page of an organization whose
// names, labels, display names, env var names and condition titles carry
// script payloads, template syntax, bidi and control characters, and checks
// that no payload ever runs (it would set window.__pwned) and that the text
// is shown as text.
func TestBrowserHostileStrings(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "dev@example.com", fileReader(filepath.Join("testdata", "hostile-org.jsonl")))
	svc := "//run.googleapis.com/projects/hostile-proj/locations/us-central1/services/evil-svc"
	pages := []string{
		"/", "/services", "/services/" + url.PathEscape(svc), "/findings", "/graph?q=evil",
		"/graph?focus=" + url.QueryEscape(svc) + "&depth=2", "/graph?focus=" + url.QueryEscape(svc) + "&query=reach&direction=reverse",
		"/graph?query=path&from=allUsers&to=hostile-bucket",
		"/identities/" + url.PathEscape("serviceAccount:hostile-sa@hostile-proj.iam.gserviceaccount.com"),
		"/scores?scope=organization", "/scores?scope=project&id=" + url.QueryEscape("//cloudresourcemanager.googleapis.com/projects/902"),
		"/report", "/changes", "/sync", "/audit", "/admin/users",
	}
	for _, p := range pages {
		var pwned bool
		var text string
		err := chromedp.Run(b.ctx,
			chromedp.Navigate(e.srv.URL+p),
			chromedp.WaitReady("body"),
			chromedp.Sleep(300*time.Millisecond), // let graph.js draw
			chromedp.Evaluate(`window.__pwned === 1`, &pwned),
			chromedp.Text("body", &text, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if pwned {
			t.Errorf("%s: a payload ran", p)
		}
		if strings.Contains(text, "hostile-secret-value") {
			t.Errorf("%s shows a secret env value", p)
		}
	}
	var text string
	if err := chromedp.Run(b.ctx, chromedp.Navigate(e.srv.URL+"/services/"+url.PathEscape(svc)), chromedp.Text("body", &text, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `<img src=x onerror="window.__pwned=1">`) {
		t.Error("the payload is not shown as text on the service page")
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// TestBrowserReviewTwoUsers runs the change-set workflow in a real browser
// as two people behind IAP: an engineer proposes the fix of a public
// invoker, sees that she cannot approve it, a reviewer approves it, and the
// downloads appear.
func TestBrowserReviewTwoUsers(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "", demoReader)
	engineer, reviewer := e.token(t, "eve.engineer@example.com"), e.token(t, "rob.reviewer@example.com")
	for email, role := range map[string]string{"eve.engineer@example.com": "engineer", "rob.reviewer@example.com": "reviewer"} {
		e.do(t, http.MethodGet, "/", map[string]string{auth.AssertionHeader: map[string]string{"engineer": engineer, "reviewer": reviewer}[role]})
		if err := e.store.SetRole(context.Background(), "sub-"+email, role, store.AuditEntry{Actor: "test", Action: "user.role"}); err != nil {
			t.Fatal(err)
		}
	}
	as := func(token string) chromedp.Action {
		return network.SetExtraHTTPHeaders(network.Headers{auth.AssertionHeader: token})
	}
	// The engineer's tab.
	eng, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	b.watch(eng)
	var changeURL, awaiting string
	err := chromedp.Run(eng,
		network.Enable(), as(engineer),
		chromedp.Navigate(e.srv.URL+"/findings?check=invoker-public&view=list"),
		chromedp.WaitVisible(`[data-testid="finding-link"]`),
		chromedp.Click(`[data-testid="finding-link"]`),
		chromedp.WaitVisible(`[data-testid="finding-actions"] [data-testid="propose"]`),
		chromedp.Click(`[data-testid="finding-actions"] [data-testid="propose"]`),
		chromedp.WaitVisible(`[data-testid="change-status"]`),
		chromedp.Location(&changeURL),
		chromedp.Text(`[data-testid="awaiting"]`, &awaiting),
	)
	if err != nil {
		t.Fatalf("engineer: %v", err)
	}
	if !strings.Contains(awaiting, "cannot approve") {
		t.Errorf("engineer sees %q, want that she cannot approve her own change", awaiting)
	}
	var approveButtons int
	if err := chromedp.Run(eng, chromedp.Evaluate(`document.querySelectorAll('[data-testid="approve"]').length`, &approveButtons)); err != nil {
		t.Fatal(err)
	}
	if approveButtons != 0 {
		t.Error("the proposer is offered an Approve button")
	}
	// The reviewer's tab.
	rev, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	b.watch(rev)
	var status, script string
	var shot []byte
	err = chromedp.Run(rev,
		network.Enable(), as(reviewer),
		chromedp.Navigate(changeURL),
		chromedp.WaitVisible(`[data-testid="rendering-gcloud"]`),
		chromedp.Text(`[data-testid="rendering-gcloud"]`, &script),
		chromedp.Click(`[data-testid="approve"]`),
		chromedp.WaitVisible(`[data-testid="downloads"]`),
		chromedp.Text(`[data-testid="change-status"]`, &status),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatalf("reviewer: %v", err)
	}
	if status != "approved" {
		t.Errorf("status after approval = %q", status)
	}
	if !strings.Contains(script, "remove-iam-policy-binding") {
		t.Errorf("the reviewer did not see the gcloud removal:\n%s", script)
	}
	p := filepath.Join(os.TempDir(), "runlens-browser", "change-approved.png")
	if err := os.WriteFile(p, shot, 0o644); err == nil {
		t.Logf("screenshot: %s", p)
	}
	log, _ := e.store.AuditLog(context.Background(), 10)
	var who []string
	for _, a := range log {
		who = append(who, a.Actor+" "+a.Action)
	}
	joined := strings.Join(who, "; ")
	if !strings.Contains(joined, "eve.engineer@example.com changeset.propose") || !strings.Contains(joined, "rob.reviewer@example.com changeset.approve") {
		t.Errorf("audit = %s", joined)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// TestBrowserNamesDoNotBreak lays out the pages that show the most names
// in a real browser, wide and narrow, and checks that no name, context or
// tag is broken across lines (issue 15: names never break mid-word; a long
// one is cut in the middle in Go, whole in its title).
func TestBrowserNamesDoNotBreak(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "dev@example.com", demoReader)
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	pages := []string{"/findings", "/services", "/services/" + url.PathEscape(worker),
		"/identities/" + url.PathEscape("serviceAccount:204815367192-compute@developer.gserviceaccount.com"),
		"/graph?focus=" + url.QueryEscape(worker) + "&query=reach&direction=reverse"}
	const broken = `Array.from(document.querySelectorAll('.name .nm, .name .ctx, .name .tag, .name .noun'))
		.filter(el => el.getClientRects().length > 1 || getComputedStyle(el).whiteSpace !== 'nowrap')
		.map(el => el.textContent)`
	for _, width := range []int64{1400, 760} {
		for _, p := range pages {
			var bad []string
			var count int
			err := chromedp.Run(b.ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(e.srv.URL+p),
				chromedp.WaitReady("body"),
				chromedp.Evaluate(broken, &bad),
				chromedp.Evaluate(`document.querySelectorAll('.name .nm').length`, &count),
			)
			if err != nil {
				t.Fatalf("%s at %dpx: %v", p, width, err)
			}
			if count == 0 {
				t.Errorf("%s shows no names", p)
			}
			if len(bad) > 0 {
				t.Errorf("%s at %dpx: names broken across lines: %q", p, width, bad)
			}
		}
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}
