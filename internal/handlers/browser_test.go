package handlers_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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

// TestBrowserGraph drives a real headless Chromium through the graph
// explorer on the demo organization: search, expand, path, no console
// errors (a CSP violation would be one). A screenshot is left for people.
func TestBrowserGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	e := newEnv(t, "dev@example.com", demoReader)
	// Chromium's helper processes may still write to their profile for a
	// moment after the browser is gone, so the profile is removed best-effort
	// rather than with t.TempDir, whose cleanup fails the test on leftovers.
	profile, err := os.MkdirTemp("", "runlens-chromium-*")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(profile) }()
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
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	var consoleErrors []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				consoleErrors = append(consoleErrors, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			consoleErrors = append(consoleErrors, msg)
		}
	})

	shots := filepath.Join(os.TempDir(), "runlens-browser")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	var firstHit, rendered, pathRendered string
	var runsAs, pathSteps int
	var shot, pathShot []byte
	err = chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/graph"),
		chromedp.WaitVisible(`[data-testid="graph-search"]`),
		chromedp.SendKeys(`[data-testid="graph-search"]`, "pdf-work"),
		chromedp.Submit(`[data-testid="graph-search"]`),
		chromedp.WaitVisible(`[data-testid="search-hit"]`),
		chromedp.Text(`[data-testid="search-hit"]`, &firstHit),
		chromedp.Click(`[data-testid="search-hit"]`),
		chromedp.WaitVisible(`[data-testid="graph-canvas"][data-rendered]`),
		chromedp.AttributeValue(`[data-testid="graph-canvas"]`, "data-rendered", &rendered, nil),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="graph-edge"][data-kind="runs_as"]').length`, &runsAs),
		chromedp.CaptureScreenshot(&shot),
		// The path from a public principal to a backing resource.
		chromedp.Navigate(e.srv.URL+"/graph"),
		chromedp.WaitVisible(`[data-testid="path-from"]`),
		chromedp.SendKeys(`[data-testid="path-from"]`, "allUsers"),
		chromedp.SendKeys(`[data-testid="path-to"]`, "vault-prod-documents"),
		chromedp.Click(`[data-testid="path-submit"]`),
		chromedp.WaitVisible(`[data-testid="path-steps"]`),
		chromedp.WaitVisible(`[data-testid="graph-canvas"][data-rendered]`),
		chromedp.AttributeValue(`[data-testid="graph-canvas"]`, "data-rendered", &pathRendered, nil),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="path-step"]').length`, &pathSteps),
		chromedp.FullScreenshot(&pathShot, 100),
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
		t.Errorf("path picture %q nodes, %d steps", pathRendered, pathSteps)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %s", strings.Join(consoleErrors, "\n"))
	}
}
