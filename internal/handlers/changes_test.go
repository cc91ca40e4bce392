package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/store"
)

// proposeOf proposes the fix of the first finding of check as dev and
// returns the change set's path and the finding's subject.
func proposeOf(t *testing.T, e *env, check string) (path, subject string) {
	t.Helper()
	for _, f := range e.scan(t).Findings {
		if f.Check != check {
			continue
		}
		resp := e.post(t, "/findings/"+f.ID+"/propose", nil, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose %s = %d", f.ID, resp.StatusCode)
		}
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u.Path, f.Subject
	}
	t.Fatalf("no %s finding in the demo", check)
	return "", ""
}

// approveAs approves the change set at path as the dev user who.
func approveAs(t *testing.T, e *env, path, who string) {
	t.Helper()
	_, body := e.do(t, http.MethodGet, path, map[string]string{handlers.DevUserHeader: who})
	hash := doc(t, body).Find(`[data-testid="content-hash"]`).Text()
	if resp := e.post(t, path+"/approve", url.Values{"hash": {hash}}, map[string]string{handlers.DevUserHeader: who}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve %s as %s = %d", path, who, resp.StatusCode)
	}
}

// TestChangeReview checks the change page reads like a code review: the
// renderings are tabs whose links reach their panels, the header the page
// shows once is not repeated in the code, the diff's lines are classed, the
// risk links what it names, and Approve and Reject come after the change.
func TestChangeReview(t *testing.T) {
	e := newEnv(t, "dev@example.com,bob@example.com", demoReader)
	path, subject := proposeOf(t, e, "invoker-public")
	bob := map[string]string{handlers.DevUserHeader: "bob@example.com"}
	resp, body := e.do(t, http.MethodGet, path, bob)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	d := doc(t, body)
	title := strings.TrimSpace(d.Find("h1").Contents().First().Text())

	t.Run("tabs", func(t *testing.T) {
		tabs := d.Find(`[data-testid="renderings"] .tablist a`)
		var got []string
		tabs.Each(func(_ int, a *goquery.Selection) {
			href := a.AttrOr("href", "")
			got = append(got, a.AttrOr("data-testid", ""))
			panel := d.Find(`section.tabpanel[id="` + strings.TrimPrefix(href, "#") + `"]`)
			if !strings.HasPrefix(href, "#") || panel.Length() != 1 {
				t.Errorf("tab %q links to %q: %d panels", a.Text(), href, panel.Length())
			}
			if a.AttrOr("data-tab", "") != strings.TrimPrefix(href, "#") {
				t.Errorf("tab %q: data-tab %q, href %q", a.Text(), a.AttrOr("data-tab", ""), href)
			}
			format := strings.TrimPrefix(href, "#tab-")
			if panel.Find(`pre[data-testid="rendering-`+format+`"]`).Length() != 1 || panel.Find(`button[data-copy="code-`+format+`"]`).Length() != 1 {
				t.Errorf("panel %s lacks its rendering or its copy button", href)
			}
			if id := panel.Find("button[data-copy]").AttrOr("data-copy", ""); d.Find(`pre[id="`+id+`"]`).Length() != 1 {
				t.Errorf("copy button of %s names %q, no such code", href, id)
			}
		})
		if want := "tab-gcloud tab-terraform tab-diff tab-rollback"; strings.Join(got, " ") != want {
			t.Errorf("tabs = %v, want %s", got, want)
		}
	})

	t.Run("header shown once", func(t *testing.T) {
		if title == "" || strings.Count(d.Find("main").Text(), title) != 1 {
			t.Errorf("title %q appears %d times on the page, want once", title, strings.Count(d.Find("main").Text(), title))
		}
		risk := d.Find(`[data-testid="risk"] li`).First().Text()
		for _, f := range []string{"gcloud", "terraform", "diff"} {
			code := d.Find(`[data-testid="rendering-` + f + `"]`).Text()
			for _, s := range []string{"runlens change set:", "Risk:", "Content hash", risk} {
				if strings.Contains(code, s) {
					t.Errorf("the %s rendering repeats the header (%q)", f, s)
				}
			}
		}
		if !strings.Contains(d.Find(`[data-testid="rendering-gcloud"]`).Text(), "remove-iam-policy-binding") {
			t.Error("the gcloud rendering lacks its command")
		}
	})

	t.Run("diff classes", func(t *testing.T) {
		lines := d.Find(`pre[data-testid="rendering-diff"] > span`)
		count := map[string]int{}
		lines.Each(func(_ int, s *goquery.Selection) {
			c, text := s.AttrOr("class", ""), s.Text()
			count[c]++
			want := map[string]string{"dl-add": "+", "dl-del": "-", "dl-hunk": "@@", "dl-comment": "#"}[c]
			if want != "" && (!strings.HasPrefix(text, want) || strings.HasPrefix(text, "+++ ") || strings.HasPrefix(text, "--- ")) {
				t.Errorf("line %q has class %s", text, c)
			}
			if !strings.HasSuffix(text, "\n") {
				t.Errorf("line %q lacks its line break (copying would join lines)", text)
			}
		})
		for _, c := range []string{"dl-add", "dl-del", "dl-hunk", "dl-file", "dl-comment"} {
			if count[c] == 0 {
				t.Errorf("no diff line has class %s (%v)", c, count)
			}
		}
	})

	t.Run("risk links", func(t *testing.T) {
		want := "/services/" + url.PathEscape(subject)
		var found bool
		d.Find(`[data-testid="risk"] a[data-testid="mention"]`).Each(func(_ int, a *goquery.Selection) {
			href := a.AttrOr("href", "")
			if href == want && a.AttrOr("title", "") == subject && strings.Contains(a.Text(), "fleet-api-dev") {
				found = true
			}
			if !strings.HasPrefix(href, "/services/") && !strings.HasPrefix(href, "/identities/") && !strings.HasPrefix(href, "/graph?") {
				t.Errorf("risk link %q -> %q", a.Text(), href)
			}
		})
		if !found {
			html, _ := d.Find(`[data-testid="risk"]`).Html()
			t.Errorf("the risk does not link %s to %s:\n%s", subject, want, html)
		}
		if d.Find(`[data-testid="risk"] a[href="/identities/allUsers"], [data-testid="risk"] a[href="/identities/allAuthenticatedUsers"]`).Length() == 0 {
			t.Error("the risk does not link the public principal it names")
		}
	})

	t.Run("buttons below the change", func(t *testing.T) {
		var order []string
		d.Find(`pre[data-testid^="rendering-"], [data-testid="approve"], [data-testid="reject"]`).Each(func(_ int, s *goquery.Selection) {
			order = append(order, s.AttrOr("data-testid", ""))
		})
		want := "rendering-gcloud rendering-terraform rendering-diff rendering-rollback approve reject"
		if strings.Join(order, " ") != want {
			t.Errorf("document order = %v, want %s", order, want)
		}
		if d.Find(`a[href="#review"][data-testid="to-review"]`).Length() != 1 || d.Find(`#review`).Length() != 1 {
			t.Error("no link from the top to the review buttons")
		}
	})

	t.Run("no manual steps, no checklist", func(t *testing.T) {
		if n := d.Find(`[data-testid="manual-checklist"]`).Length(); n != 0 {
			t.Errorf("%d checklists on a change set without manual steps", n)
		}
	})

	t.Run("no inline script", func(t *testing.T) {
		d.Find("script").Each(func(_ int, s *goquery.Selection) {
			if _, ok := s.Attr("src"); !ok {
				t.Error("a script without src")
			}
		})
		d.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("inline handler %s on <%s>", a.Key, s.Nodes[0].Data)
				}
			}
		})
		if d.Find(`script[src^="/static/review.js"]`).Length() != 1 {
			t.Error("review.js is not loaded")
		}
	})
}

// TestChangeDownloads checks today's rule: downloads only once approved,
// then as files that keep the header the page shows once.
func TestChangeDownloads(t *testing.T) {
	e := newEnv(t, "dev@example.com,bob@example.com", demoReader)
	path, _ := proposeOf(t, e, "invoker-public")
	_, body := e.do(t, http.MethodGet, path, nil)
	d := doc(t, body)
	if d.Find(`[data-testid^="download-"]`).Length() != 0 || d.Find(`[data-testid="downloads-later"]`).Length() != 1 {
		t.Error("a proposed change set offers downloads, or does not say when they open")
	}
	if resp, _ := e.do(t, http.MethodGet, path+"/export?format=gcloud", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("export of a proposed change set = %d, want 409", resp.StatusCode)
	}
	approveAs(t, e, path, "bob@example.com")
	_, body = e.do(t, http.MethodGet, path, nil)
	d = doc(t, body)
	title := strings.TrimSpace(d.Find("h1").Contents().First().Text())
	if d.Find(`[data-testid="downloads-later"]`).Length() != 0 {
		t.Error("an approved change set still says downloads open later")
	}
	id := strings.TrimPrefix(path, "/changes/")
	for format, ext := range map[string]string{"gcloud": "sh", "terraform": "tf", "diff": "diff"} {
		a := d.Find(`[data-testid="downloads"] a[data-testid="download-` + format + `"]`)
		href := a.AttrOr("href", "")
		if _, ok := a.Attr("download"); !ok || href != path+"/export?format="+format {
			t.Errorf("download %s: href %q, download attribute %v", format, href, ok)
			continue
		}
		resp, file := e.do(t, http.MethodGet, href, nil)
		if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != http.StatusOK || cd != fmt.Sprintf("attachment; filename=runlens-change-%s.%s", id, ext) {
			t.Errorf("GET %s = %d, Content-Disposition %q", href, resp.StatusCode, cd)
		}
		if !strings.Contains(file, "runlens change set: "+title) {
			t.Errorf("the %s file lacks the header:\n%.300s", format, file)
		}
	}
	if d.Find(`[data-testid="approve"], [data-testid="reject"]`).Length() != 0 || d.Find(`[data-testid="reviewed"]`).Length() != 1 {
		t.Error("an approved change set offers Approve/Reject, or does not say it is decided")
	}
}

// TestChangeManualChecklist checks that manual steps are a checklist above
// the code, one item per manual step, with the step's text.
func TestChangeManualChecklist(t *testing.T) {
	e := newEnv(t, "dev@example.com,bob@example.com", demoReader)
	path, _ := proposeOf(t, e, "runtime-basic-role")
	_, body := e.do(t, http.MethodGet, path, nil)
	d := doc(t, body)
	items := d.Find(`ol[data-testid="manual-checklist"] > li[data-testid="manual-step"]`)
	if items.Length() == 0 {
		t.Fatal("no manual step in the checklist")
	}
	script := d.Find(`[data-testid="rendering-gcloud"]`).Text()
	if got := strings.Count(script, "MANUAL"); got != items.Length() {
		t.Errorf("%d checklist items, %d manual steps in the script", items.Length(), got)
	}
	items.Each(func(_ int, li *goquery.Selection) {
		if li.Find(`label input[type="checkbox"]`).Length() != 1 || strings.TrimSpace(li.Find(".manual-text").Text()) == "" {
			t.Errorf("checklist item without a checkbox or text: %q", li.Text())
		}
	})
	var order []string
	d.Find(`[data-testid="manual-checklist"], [data-testid="renderings"]`).Each(func(_ int, s *goquery.Selection) {
		order = append(order, s.AttrOr("data-testid", ""))
	})
	if strings.Join(order, " ") != "manual-checklist renderings" {
		t.Errorf("order = %v, want the checklist above the code", order)
	}
}

// TestChangeRollback: an applied change set offers to propose its
// rollback; the rollback is a change set of its own that says what it rolls
// back and waits for a second person; the downloads carry the rollback.
func TestChangeRollback(t *testing.T) {
	e := newEnv(t, "dev@example.com,bob@example.com", demoReader)
	path, _ := proposeOf(t, e, "invoker-public")
	approveAs(t, e, path, "bob@example.com")
	var id int64
	if _, err := fmt.Sscanf(path, "/changes/%d", &id); err != nil {
		t.Fatal(err)
	}
	_, body := e.do(t, http.MethodGet, path, nil)
	d := doc(t, body)
	if d.Find(`[data-testid="propose-rollback"]`).Length() != 0 {
		t.Error("a change set not yet applied offers a rollback")
	}
	if d.Find(`[data-testid="download-rollback"]`).Length() != 1 || d.Find(`[data-testid="tab-rollback"]`).Length() != 1 {
		t.Error("the approved change set has no rollback tab or download")
	}
	// Applied outside runlens's applier (apply is off here): as the store
	// records it.
	ctx := t.Context()
	if err := e.store.ClaimApply(ctx, id, "bob@example.com", time.Now(), store.AuditEntry{Actor: "bob@example.com", Action: "changeset.apply.start"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.FinishApply(ctx, id, true, "applied", nil, store.AuditEntry{Actor: "bob@example.com", Action: "changeset.apply.done"}); err != nil {
		t.Fatal(err)
	}
	_, body = e.do(t, http.MethodGet, path, nil)
	if doc(t, body).Find(`form[action="`+path+`/rollback"] [data-testid="propose-rollback"]`).Length() != 1 {
		t.Fatal("an applied change set offers no rollback")
	}
	resp := e.post(t, path+"/rollback", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose rollback = %d", resp.StatusCode)
	}
	rb := resp.Header.Get("Location")
	_, body = e.do(t, http.MethodGet, rb, nil)
	d = doc(t, body)
	if got := d.Find(`[data-testid="rolls-back"]`).AttrOr("href", ""); got != path {
		t.Errorf("the rollback says it rolls back %q, want %s", got, path)
	}
	if st := d.Find(`[data-testid="change-status"]`).Text(); st != "proposed" || !strings.HasPrefix(d.Find("h1").Text(), "Roll back: ") {
		t.Errorf("rollback %q is %s", d.Find("h1").Text(), st)
	}
	if !strings.Contains(d.Find(`[data-testid="rendering-gcloud"]`).Text(), "add-iam-policy-binding") {
		t.Error("the rollback's script does not grant back what the change removed")
	}
	if again := e.post(t, path+"/rollback", nil, nil); again.Header.Get("Location") != rb {
		t.Errorf("a second rollback proposal went to %q, want the open one %s", again.Header.Get("Location"), rb)
	}
}
