package handlers_test

import (
	"context"
	"encoding/json"
	"github.com/runlens/runlens/internal/rules"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
)

func (e *env) post(t *testing.T, path string, form url.Values, hdr map[string]string) *http.Response {
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
	resp.Body.Close()
	return resp
}

type apiScan struct {
	Findings []struct {
		ID       string `json:"id"`
		Check    string `json:"check"`
		Subject  string `json:"subject"`
		Excepted bool   `json:"excepted"`
	} `json:"findings"`
	Scores struct {
		Organization struct {
			Score int `json:"score"`
		} `json:"organization"`
		Services []struct {
			Service string `json:"service"`
			Score   int    `json:"score"`
			Risk    int    `json:"risk"`
		} `json:"services"`
	} `json:"scores"`
}

func (s apiScan) serviceRisk(id string) int {
	for _, sv := range s.Scores.Services {
		if sv.Service == id {
			return sv.Risk
		}
	}
	return -1
}

func (s apiScan) serviceScore(id string) int {
	for _, sv := range s.Scores.Services {
		if sv.Service == id {
			return sv.Score
		}
	}
	return -1
}

func (e *env) scan(t *testing.T) apiScan {
	t.Helper()
	_, body := e.do(t, http.MethodGet, "/api/v1/scan", nil)
	var s apiScan
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExceptions(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	before := e.scan(t)
	// The invoker-public finding on the best-scoring service, so that its
	// 20 points are not lost to the floor at 0.
	var target, subject string
	for _, f := range before.Findings {
		if f.Check == "invoker-public" && (target == "" || before.serviceScore(f.Subject) > before.serviceScore(subject)) {
			target, subject = f.ID, f.Subject
		}
	}
	if target == "" {
		t.Fatal("the demo has no invoker-public finding")
	}
	tomorrow := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	tests := []struct {
		name string
		id   string
		form url.Values
		want int
	}{
		{"no reason", target, url.Values{"owner": {"web team"}, "expires": {tomorrow}}, http.StatusBadRequest},
		{"no owner", target, url.Values{"reason": {"public site"}, "expires": {tomorrow}}, http.StatusBadRequest},
		{"expiry in the past", target, url.Values{"owner": {"web team"}, "reason": {"public site"}, "expires": {"2020-01-01"}}, http.StatusBadRequest},
		{"not a date", target, url.Values{"owner": {"web team"}, "reason": {"public site"}, "expires": {"soon"}}, http.StatusBadRequest},
		{"unknown finding", "0000000000000000", url.Values{"owner": {"web team"}, "reason": {"public site"}, "expires": {tomorrow}}, http.StatusNotFound},
		{"valid", target, url.Values{"owner": {"web team"}, "reason": {"public marketing site"}, "expires": {tomorrow}}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if resp := e.post(t, "/findings/"+tc.id+"/exception", tc.form, nil); resp.StatusCode != tc.want {
				t.Errorf("POST exception %s = %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
		})
	}
	after := e.scan(t)
	for _, f := range after.Findings {
		if f.ID == target && !f.Excepted {
			t.Errorf("finding %s not excepted after the exception", target)
		}
		if f.ID != target && f.Excepted {
			t.Errorf("finding %s excepted by mistake", f.ID)
		}
	}
	// Accepting a high finding takes its 20 risk points off the service.
	if got, want := after.serviceRisk(subject), before.serviceRisk(subject)-20; got != want {
		t.Errorf("risk of %s = %d after accepting the risk, want %d", subject, got, want)
	}
	if got, want := after.serviceScore(subject), rules.ServiceScoreOf(before.serviceRisk(subject)-20); got != want {
		t.Errorf("score of %s = %d after accepting the risk, want %d", subject, got, want)
	}
	// Excepted findings leave the default view (open and fix proposed) and
	// stay visible, marked, under the excepted state.
	_, body := e.do(t, http.MethodGet, "/findings?view=list&state=excepted", nil)
	d := doc(t, body)
	if got := d.Find(`#f-` + target + ` [data-testid="state"]`).Text(); got != "excepted" {
		t.Errorf("the excepted finding is shown as %q, want excepted (it must stay visible)", got)
	}
	if got := d.Find(`[data-testid="exception"]`).Text(); !strings.Contains(got, "public marketing site") || !strings.Contains(got, "web team") {
		t.Errorf("exceptions table = %q", got)
	}
	log, _ := e.store.AuditLog(context.Background(), 10)
	if len(log) == 0 || log[0].Action != "exception.add" {
		t.Errorf("audit = %+v, want exception.add", log)
	}
	// Revoke: the finding costs points again.
	list, _ := e.store.Exceptions(context.Background())
	if resp := e.post(t, "/exceptions/"+itoa(list[0].ID)+"/revoke", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d", resp.StatusCode)
	}
	if again := e.scan(t); again.serviceScore(subject) != before.serviceScore(subject) {
		t.Errorf("after revoking, score = %d, want %d", again.serviceScore(subject), before.serviceScore(subject))
	}
	// A new sync keeps honouring active exceptions; revoked ones stay revoked.
	if resp := e.post(t, "/findings/"+target+"/exception", url.Values{"owner": {"o"}, "reason": {"r"}, "expires": {tomorrow}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("second exception refused")
	}
	e.syncAndWait(t, nil)
	synced := e.scan(t)
	for _, f := range synced.Findings {
		if f.ID == target && !f.Excepted {
			t.Error("a new sync lost the exception")
		}
	}
}

func TestExceptionNeedsRole(t *testing.T) {
	e := newEnv(t, "", demoReader)
	form := url.Values{"owner": {"o"}, "reason": {"r"}, "expires": {time.Now().AddDate(0, 0, 2).Format("2006-01-02")}}
	resp := e.post(t, "/findings/0000000000000000/exception", form, map[string]string{auth.AssertionHeader: e.token(t, "viewer@example.com")})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer POST exception = %d, want 403", resp.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// syncAndWait starts a sync through POST /sync and polls the progress
// fragment until it is done.
func (e *env) syncAndWait(t *testing.T, hdr map[string]string) {
	t.Helper()
	if resp := e.post(t, "/sync", nil, hdr); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /sync = %d", resp.StatusCode)
	}
	e.waitSync(t, hdr)
}

// waitSync polls the progress fragment until the running sync is done.
func (e *env) waitSync(t *testing.T, hdr map[string]string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, body := e.do(t, http.MethodGet, "/sync/progress", hdr)
		if strings.Contains(body, `data-done="true"`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the sync did not finish in 30s")
}

// TestSyncCancel: a long sync shows progress and can be cancelled; the
// previous snapshot keeps serving and the history says why.
func TestSyncCancel(t *testing.T) {
	started := make(chan struct{}, 1)
	first := true
	read := func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
		if first { // the initial sync of newEnv
			first = false
			return demoReader(ctx, progress)
		}
		progress(posture.ReadProgress{Records: 3, Pages: 2})
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	e := newEnv(t, "dev@example.com", read)
	if resp := e.post(t, "/sync", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /sync = %d", resp.StatusCode)
	}
	<-started
	_, body := e.do(t, http.MethodGet, "/sync/progress", nil)
	// Records and pages read, and the time left estimated from what the
	// first sync of the same source read (the demo: more than 3 records).
	for _, want := range []string{"3 records read", "in 2 pages", `data-testid="sync-eta"`, "left to read (the last sync of this source read", `hx-trigger="every 1s"`} {
		if !strings.Contains(body, want) {
			t.Errorf("progress fragment lacks %q:\n%s", want, body)
		}
	}
	if resp := e.post(t, "/sync", nil, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second POST /sync while running = %d, want 409", resp.StatusCode)
	}
	if resp := e.post(t, "/sync/cancel", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel = %d", resp.StatusCode)
	}
	e.waitSync(t, nil)
	list, _ := e.store.Snapshots(context.Background(), 5)
	if list[0].Status != "failed" || !strings.Contains(list[0].Error, "canceled") {
		t.Errorf("latest = %+v, want a failed, cancelled sync", list[0])
	}
	cur, _ := e.store.CurrentSnapshot(context.Background())
	if cur.ID != 1 {
		t.Errorf("serving snapshot %d, want the first", cur.ID)
	}
}

// A request body over 64 KiB is refused with 413, whether its length is
// declared or streamed; a field over its limit with 400 naming the field.
func TestRequestLimits(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	target := e.scan(t).Findings[0].ID
	tomorrow := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	exception := func(owner, reason string) url.Values {
		return url.Values{"owner": {owner}, "reason": {reason}, "expires": {tomorrow}}
	}
	postBody := func(path string, body io.Reader, length int64) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length // -1: chunked, the length unknown up front
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("HX-Request", "true") // the message alone, as a fragment
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	big := exception("o", strings.Repeat("x", 70<<10)).Encode()
	for _, length := range []int64{int64(len(big)), -1} {
		status, body := postBody("/findings/"+target+"/exception", strings.NewReader(big), length)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "64 KiB") {
			t.Errorf("POST a %d-byte exception (length %d) = %d %.200q, want 413 saying 64 KiB", len(big), length, status, body)
		}
	}

	resp := e.post(t, "/findings/"+target+"/propose", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose = %d", resp.StatusCode)
	}
	change := resp.Header.Get("Location")
	tests := []struct {
		name, path string
		form       url.Values
		want       int
		field      string // named in the 400
	}{
		{"owner of 255 characters", "/findings/" + target + "/exception", exception(strings.Repeat("o", 255), "r"), http.StatusBadRequest, "owner"},
		{"reason of 2,001 characters", "/findings/" + target + "/exception", exception("o", strings.Repeat("é", 2001)), http.StatusBadRequest, "reason"},
		{"note of 2,001 characters", change + "/reject", url.Values{"note": {strings.Repeat("n", 2001)}}, http.StatusBadRequest, "note"},
		{"owner and reason at their limits", "/findings/" + target + "/exception", exception(strings.Repeat("o", 254), strings.Repeat("é", 2000)), http.StatusSeeOther, ""},
		{"note at its limit", change + "/reject", url.Values{"note": {strings.Repeat("n", 2000)}}, http.StatusSeeOther, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postBody(tc.path, strings.NewReader(tc.form.Encode()), int64(len(tc.form.Encode())))
			if status != tc.want {
				t.Fatalf("POST %s = %d %.200q, want %d", tc.path, status, body, tc.want)
			}
			if tc.field != "" && !strings.Contains(body, "the "+tc.field+" is longer than") {
				t.Errorf("POST %s: body %.300q does not name the field %s", tc.path, body, tc.field)
			}
		})
	}
}
