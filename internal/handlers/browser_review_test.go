package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserChangeTabs drives Chromium through a change set's renderings:
// with JavaScript the tabs switch panels and the Copy buttons appear; without
// it the tab links are anchors and CSS :target shows the panel chosen.
func TestBrowserChangeTabs(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "dev@example.com", demoReader)
	path, _ := proposeOf(t, e, "invoker-public")
	visible := func(testid string, got *bool) chromedp.Action {
		return chromedp.Evaluate(`(function(){var e=document.querySelector('[data-testid="`+testid+`"]');return !!e && e.getClientRects().length>0;})()`, got)
	}
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	b.watch(tab)
	var gcloudFirst, diffFirst, gcloudAfter, diffAfter, copyShown bool
	var selected string
	err := chromedp.Run(tab,
		chromedp.Navigate(e.srv.URL+path),
		chromedp.WaitVisible(`[data-testid="rendering-gcloud"]`),
		visible("rendering-gcloud", &gcloudFirst), visible("rendering-diff", &diffFirst),
		visible("copy-gcloud", &copyShown),
		chromedp.Click(`[data-testid="tab-diff"]`),
		chromedp.WaitVisible(`[data-testid="rendering-diff"]`),
		visible("rendering-gcloud", &gcloudAfter), visible("rendering-diff", &diffAfter),
		chromedp.AttributeValue(`[data-testid="tab-diff"]`, "aria-selected", &selected, nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !gcloudFirst || diffFirst || gcloudAfter || !diffAfter || selected != "true" {
		t.Errorf("with JavaScript: gcloud, diff shown first %v, %v; after clicking the diff tab %v, %v (aria-selected %q)", gcloudFirst, diffFirst, gcloudAfter, diffAfter, selected)
	}
	if !copyShown {
		t.Error("no Copy button with JavaScript")
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}

	noJS, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	var tfShown, gcloudShown, copyNoJS bool
	err = chromedp.Run(noJS,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(e.srv.URL+path),
		chromedp.WaitVisible(`[data-testid="rendering-gcloud"]`),
		chromedp.Click(`[data-testid="tab-terraform"]`),
		chromedp.WaitVisible(`[data-testid="rendering-terraform"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Reading the page needs script: turn it back on without reloading.
	err = chromedp.Run(noJS,
		emulation.SetScriptExecutionDisabled(false),
		visible("rendering-terraform", &tfShown), visible("rendering-gcloud", &gcloudShown), visible("copy-gcloud", &copyNoJS),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !tfShown || gcloudShown || copyNoJS {
		t.Errorf("without JavaScript after the Terraform link: terraform shown %v, gcloud shown %v, copy button shown %v", tfShown, gcloudShown, copyNoJS)
	}
}
