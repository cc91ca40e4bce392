package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/runlens/runlens/internal/apply/applytest"
	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

// TestFault runs the real binary into faults: it is built with go build, then
// killed with SIGKILL in the middle of a sync, in the middle of a stream of
// writes (exceptions, approvals, proposals) and in the middle of an apply
// (against the fake Google APIs of internal/apply/applytest), and made to
// sync onto a full disk. After each fault the database must open, pass
// PRAGMA integrity_check, serve the snapshot it served before, and hold
// every write that was acknowledged. It takes some 20 s; -short skips it.
func TestFault(t *testing.T) {
	if testing.Short() {
		t.Skip("builds runlens and kills it; skipped with -short")
	}
	bin := faultBuild(t)
	t.Run("KillDuringSync", func(t *testing.T) { testKillDuringSync(t, bin) })
	t.Run("KillDuringWrites", func(t *testing.T) { testKillDuringWrites(t, bin) })
	t.Run("KillDuringApply", func(t *testing.T) { testKillDuringApply(t, bin) })
	t.Run("DiskFullDuringSync", func(t *testing.T) { testDiskFullDuringSync(t, bin) })
}

// faultBuild builds the runlens binary into a temporary directory.
func faultBuild(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build runlens with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "runlens")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultRun runs the binary to completion.
func faultRun(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var o, e strings.Builder
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// faultProc is a started runlens process.
type faultProc struct {
	cmd  *exec.Cmd
	log  string        // stdout and stderr go to this file
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

func faultStart(t *testing.T, bin string, args ...string) *faultProc {
	t.Helper()
	return faultStartEnv(t, bin, nil, args...)
}

// faultStartEnv starts the binary with env (KEY=VALUE) added to the test's
// environment.
func faultStartEnv(t *testing.T, bin string, env []string, args ...string) *faultProc {
	t.Helper()
	p := &faultProc{log: filepath.Join(t.TempDir(), "runlens.log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *faultProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *faultProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *faultProc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// faultAddr returns a loopback address with a port free a moment ago.
func faultAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// faultWaitHealthy waits until base/healthz answers 200.
func faultWaitHealthy(t *testing.T, p *faultProc, base string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if p.exited() {
			t.Fatalf("runlens serve exited before answering (%v):\n%s", p.err, p.output())
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("runlens serve not healthy after %s:\n%s", within, p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// faultCheckDB opens the database as runlens does and checks it after a
// fault: it opens, passes PRAGMA integrity_check and foreign_key_check,
// snapshot want is the current one, and no snapshot data exists but for
// complete snapshots, each with all of its assets. It returns the open store.
func faultCheckDB(t *testing.T, path string, want int64) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("store.Open after the fault: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", ok, err)
	}
	rows, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("PRAGMA foreign_key_check reports violations")
	}
	rows.Close()
	if want > 0 {
		cur, err := st.CurrentSnapshot(ctx)
		if err != nil || cur.ID != want {
			t.Errorf("current snapshot = %d (%v), want %d", cur.ID, err, want)
		}
	}
	// Only complete snapshots have data, and all of it — and a snapshot a
	// killed sync was storing (never served, not listed), until the next
	// sync or serve start clears it (store.RecoverInterrupted).
	for _, table := range []string{"snapshot_assets", "findings", "scores", "snapshot_recommender"} {
		var n int
		q := `SELECT COUNT(*) FROM ` + table + ` WHERE snapshot_id NOT IN (SELECT id FROM snapshots WHERE status = 'complete' OR error = 'runlens: storing this snapshot')`
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows of a snapshot that is not complete", table, n)
		}
	}
	var short int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots s WHERE status = 'complete'
		AND assets <> (SELECT COUNT(*) FROM snapshot_assets a WHERE a.snapshot_id = s.id)`).Scan(&short); err != nil {
		t.Fatal(err)
	}
	if short != 0 {
		t.Errorf("%d complete snapshots do not hold all their assets", short)
	}
	return st
}

// testKillDuringSync: a sync killed with SIGKILL while reading, then one
// killed while writing its snapshot, leave snapshot 1 current and the
// database whole; the next sync succeeds.
func testKillDuringSync(t *testing.T, bin string) {
	db := filepath.Join(t.TempDir(), "kill.db")
	if out, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db); err != nil || !strings.HasPrefix(out, "snapshot 1:") {
		t.Fatalf("sync --demo = %q, %v\n%s", out, err, stderr)
	}

	// While reading: a 400x50 organization takes far longer than 1.5 s.
	p := faultStart(t, bin, "sync", "--demo-size", "400x50", "--db", db)
	time.Sleep(1500 * time.Millisecond)
	if p.exited() {
		t.Fatalf("sync --demo-size 400x50 ended within 1.5 s (%v):\n%s", p.err, p.output())
	}
	p.kill()
	faultCheckDB(t, db, 1).Close()

	// While writing: the snapshot transaction spills into the WAL as it
	// grows; kill once the WAL holds 4 MiB (the 60x50 snapshot writes
	// about 85 MiB before it commits).
	wal := db + "-wal"
	p = faultStart(t, bin, "sync", "--demo-size", "60x50", "--db", db)
	began := time.Now()
	var size int64
	for {
		if fi, err := os.Stat(wal); err == nil {
			size = fi.Size()
		}
		if size > 4<<20 {
			break
		}
		if p.exited() {
			t.Fatalf("sync --demo-size 60x50 ended before its WAL reached 4 MiB (%v):\n%s", p.err, p.output())
		}
		if time.Since(began) > time.Minute {
			t.Fatalf("the WAL did not reach 4 MiB within a minute:\n%s", p.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.kill()
	if strings.Contains(p.output(), "sync complete") {
		t.Fatalf("the sync completed before it was killed: the kill was not during the write")
	}
	t.Logf("killed the 60x50 sync %s after start, its WAL at %d bytes (uncommitted)", time.Since(began).Round(time.Millisecond), size)
	st := faultCheckDB(t, db, 1)
	list, err := st.Snapshots(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("snapshots after two killed syncs = %+v, want only snapshot 1 (the one being stored is not listed)", list)
	}
	storing, err := st.StoringSnapshots(context.Background())
	if err != nil || storing != 1 {
		t.Errorf("snapshots left being stored = %d (%v), want the killed one", storing, err)
	}
	st.Close()

	// The next sync clears what the kill left, says so, and stores its own.
	out, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db)
	if err != nil || !strings.HasPrefix(out, "snapshot ") {
		t.Fatalf("sync --demo after the kills = %q, %v\n%s", out, err, stderr)
	}
	if !strings.Contains(stderr, "interrupted while being stored") {
		t.Errorf("sync after the kill does not report the interrupted snapshot:\n%s", stderr)
	}
	id, _ := strconv.ParseInt(strings.TrimSuffix(strings.Fields(out)[1], ":"), 10, 64)
	st = faultCheckDB(t, db, id)
	if n, err := st.StoringSnapshots(context.Background()); err != nil || n != 0 {
		t.Errorf("snapshots still being stored after the next sync = %d (%v)", n, err)
	}
	list, _ = st.Snapshots(context.Background(), 100)
	if len(list) != 3 || list[1].Status != "failed" || !strings.Contains(list[1].Error, "interrupted") {
		t.Errorf("snapshots = %+v, want the new one, the interrupted one (failed, saying so), snapshot 1", list)
	}
	st.Close()
}

// faultWrites counts what a stream of writes got acknowledged (a 303: the
// handler returned after its transaction committed).
type faultWrites struct {
	mu         sync.Mutex
	exceptions map[string]int // finding ID -> acknowledged exceptions
	approvals  map[int64]bool // change set -> approval acknowledged
	// proposals are the change sets proposals were answered with, and the
	// finding each was for: a new one by the dev user, or the one already
	// under way for the finding (a finding gets one at a time).
	proposals map[int64]string
	acked     atomic.Int64
	refused   atomic.Int64 // 409 to an approval: the other request won the race
	failed    atomic.Int64 // transport errors: in flight at the kill, or sent after it
	other     []string     // unexpected answers
}

// testKillDuringWrites: change sets proposed by alice (some approved by bob)
// through the store, then runlens serve takes concurrent exception, approve
// and propose POSTs and is killed with SIGKILL in the middle. The database
// opens whole, every acknowledged write is there, approvals made before are
// intact, statuses are valid, and every approval and exception has its audit
// entry.
func testKillDuringWrites(t *testing.T, bin string) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "writes.db")

	// Change sets of the demo's findings, proposed by alice; bob approves
	// the first ten.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Now(), nil)
	rv := review.New(st, nil, 72*time.Hour)
	alice := review.Actor{Sub: "sub-alice", Email: "alice@example.com", RequestID: "fault-a"}
	bob := review.Actor{Sub: "sub-bob", Email: "bob@example.com", RequestID: "fault-b"}
	var findings, plannable []string
	for _, f := range rep.Findings {
		findings = append(findings, f.ID)
		if _, err := changeset.Plan(review.Input(rep), f); err == nil {
			plannable = append(plannable, f.ID)
		}
	}
	if len(plannable) < 20 {
		t.Fatalf("only %d of the demo's findings have a change set", len(plannable))
	}
	var proposed []int64
	hashes := map[int64]string{}
	for _, fid := range plannable[:min(60, len(plannable))] {
		id, err := rv.Propose(ctx, rep, 0, fid, alice)
		var covered *store.OpenChangeSetError
		if errors.As(err, &covered) {
			continue // an earlier change set fixes it too (one plan per workload)
		}
		if err != nil {
			t.Fatal(err)
		}
		cs, err := st.ChangeSet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		proposed, hashes[id] = append(proposed, id), cs.ContentHash
	}
	before := map[int64]store.ChangeSetRow{}
	for _, id := range proposed[:10] {
		if err := rv.Approve(ctx, id, hashes[id], bob); err != nil {
			t.Fatal(err)
		}
		if before[id], err = st.ChangeSet(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	auditBefore, err := st.AuditLog(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	addr := faultAddr(t)
	base := "http://" + addr
	p := faultStart(t, bin, "serve", "--demo", "--db", db, "--addr", addr, "--dev-user", "dev@example.com", "--rate-limit", "-1")
	faultWaitHealthy(t, p, base, time.Minute)

	// The writes, interleaved: an exception, an approval (each change set
	// twice: one wins, the other is refused) and a proposal.
	type job struct {
		path string
		form url.Values
		kind string
		id   int64
		fid  string
	}
	var jobs []job
	expires := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	for i := 0; len(jobs) < 600; i++ {
		fid := findings[i%len(findings)]
		jobs = append(jobs, job{path: "/findings/" + url.PathEscape(fid) + "/exception", kind: "exception", fid: fid,
			form: url.Values{"owner": {"fault-test"}, "reason": {fmt.Sprintf("fault test %d", i)}, "expires": {expires}}})
		if rest := proposed[10:]; i < 2*len(rest) {
			id := rest[i/2]
			jobs = append(jobs, job{path: fmt.Sprintf("/changes/%d/approve", id), kind: "approve", id: id,
				form: url.Values{"hash": {hashes[id]}}})
		}
		pid := plannable[i%len(plannable)]
		jobs = append(jobs, job{path: "/findings/" + url.PathEscape(pid) + "/propose", kind: "propose", fid: pid, form: url.Values{}})
	}
	w := &faultWrites{exceptions: map[string]int{}, approvals: map[int64]bool{}, proposals: map[int64]string{}}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	queue := make(chan job)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				req, _ := http.NewRequest(http.MethodPost, base+j.path, strings.NewReader(j.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err := client.Do(req)
				if err != nil {
					w.failed.Add(1)
					continue
				}
				resp.Body.Close()
				w.mu.Lock()
				switch {
				case resp.StatusCode == http.StatusSeeOther:
					w.acked.Add(1)
					switch j.kind {
					case "exception":
						w.exceptions[j.fid]++
					case "approve":
						w.approvals[j.id] = true
					case "propose":
						id, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/changes/"), 10, 64)
						if err != nil {
							w.other = append(w.other, "propose redirected to "+resp.Header.Get("Location"))
						} else {
							w.proposals[id] = j.fid
						}
					}
				case j.kind == "approve" && resp.StatusCode == http.StatusConflict:
					w.refused.Add(1)
				default:
					w.other = append(w.other, fmt.Sprintf("%s %s: %d", j.kind, j.path, resp.StatusCode))
				}
				w.mu.Unlock()
			}
		}()
	}
	// Kill once 80 writes are acknowledged, while the others are in flight.
	finished, killed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(killed)
		defer p.kill()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for w.acked.Load() < 80 && !p.exited() {
			select {
			case <-finished:
				return
			case <-tick.C:
			}
		}
	}()
	for _, j := range jobs {
		if p.exited() {
			break
		}
		queue <- j
	}
	close(queue)
	wg.Wait()
	close(finished)
	<-killed
	if w.acked.Load() < 80 {
		t.Fatalf("only %d writes acknowledged before the server stopped (%v):\n%s", w.acked.Load(), p.err, p.output())
	}
	if len(w.other) > 0 {
		t.Errorf("unexpected answers: %v", w.other)
	}
	t.Logf("killed runlens serve after %d acknowledged writes (%d exceptions, %d approvals, %d proposals), %d approvals refused as already decided, %d requests failed at or after the kill",
		w.acked.Load(), faultSum(w.exceptions), len(w.approvals), len(w.proposals), w.refused.Load(), w.failed.Load())

	st = faultCheckDB(t, db, 0)
	if _, err := st.CurrentSnapshot(ctx); err != nil {
		t.Fatalf("no current snapshot after the kill: %v", err)
	}

	// Every acknowledged write is stored.
	exceptions, err := st.Exceptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, e := range exceptions {
		if e.CreatedBy == "dev@example.com" {
			stored[e.FindingID]++
		}
	}
	for fid, n := range w.exceptions {
		if stored[fid] < n {
			t.Errorf("finding %s: %d exceptions acknowledged, %d stored", fid, n, stored[fid])
		}
	}
	sets, err := st.ChangeSets(ctx, "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]store.ChangeSetRow{}
	for _, c := range sets {
		byID[c.ID] = c
	}
	for id := range w.approvals {
		if c := byID[id]; c.Status != store.StatusApproved || c.DecidedBy != "dev@example.com" || c.ApprovedHash != c.ContentHash {
			t.Errorf("change set %d: approval acknowledged, stored %s by %q with hash %q (content %q)", id, c.Status, c.DecidedBy, c.ApprovedHash, c.ContentHash)
		}
	}
	for id, fid := range w.proposals {
		c, ok := byID[id]
		// The change set answered may be another finding's that fixes this
		// one too (one plan per workload).
		fixes := c.FindingID == fid || strings.Contains(string(c.Content), `"`+fid+`"`)
		if !ok || !fixes || (c.ProposedBy == "dev@example.com" && c.Status != store.StatusProposed) {
			t.Errorf("change set %d: proposal for %s acknowledged, stored %s for %s by %s (found: %v)", id, fid, c.Status, c.FindingID, c.ProposedBy, ok)
		}
	}
	// Approvals made before are intact.
	for id, want := range before {
		got := byID[id]
		if got.Status != store.StatusApproved || got.DecidedBy != want.DecidedBy || got.ApprovedHash != want.ApprovedHash ||
			!got.ApprovalExpiresAt.Equal(want.ApprovalExpiresAt) || got.ContentHash != want.ContentHash {
			t.Errorf("change set %d approved before the crash: now %s by %q hash %q, was %s by %q hash %q",
				id, got.Status, got.DecidedBy, got.ApprovedHash, want.Status, want.DecidedBy, want.ApprovedHash)
		}
	}
	// Every change set is in a valid state, consistent with its fields.
	for _, c := range sets {
		switch c.Status {
		case store.StatusProposed:
			if c.DecidedBy != "" || c.ApprovedHash != "" {
				t.Errorf("change set %d proposed but decided by %q, hash %q", c.ID, c.DecidedBy, c.ApprovedHash)
			}
		case store.StatusApproved:
			if c.DecidedBy == "" || c.ApprovedHash != c.ContentHash || c.DecidedBy == c.ProposedBy {
				t.Errorf("change set %d approved by %q (proposed by %q) with hash %q, content %q", c.ID, c.DecidedBy, c.ProposedBy, c.ApprovedHash, c.ContentHash)
			}
		case store.StatusRejected, store.StatusExpired, store.StatusApplied, store.StatusFailed:
			t.Errorf("change set %d is %s: nothing in this test rejects, expires or applies", c.ID, c.Status)
		default:
			t.Errorf("change set %d has status %q", c.ID, c.Status)
		}
	}

	// The audit log: what was there is unchanged. A proposal, an approval
	// and an exception are each stored in one transaction with their audit
	// entry, so rows and entries match exactly.
	var audit []store.AuditEntry
	if err := st.EachAudit(ctx, func(e store.AuditEntry) error { audit = append(audit, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(audit) < len(auditBefore) {
		t.Fatalf("audit log has %d entries, had %d before the server started", len(audit), len(auditBefore))
	}
	for i, want := range auditBefore {
		// AuditLog is newest first, EachAudit oldest first.
		if got := audit[len(auditBefore)-1-i]; got != want {
			t.Errorf("audit entry %d changed: %+v, was %+v", want.ID, got, want)
		}
	}
	approveAudits := map[int64]int{}
	exceptionAudits := map[string]int{}
	proposeAudits := map[int64]int{}
	for _, e := range audit {
		switch e.Action {
		case "changeset.approve":
			id, _ := strconv.ParseInt(e.Target, 10, 64)
			approveAudits[id]++
		case "exception.add":
			exceptionAudits[e.Target]++
		case "changeset.propose":
			id, _ := strconv.ParseInt(e.Target, 10, 64)
			proposeAudits[id]++
		}
	}
	for _, c := range sets {
		want := 0
		if c.DecidedBy != "" {
			want = 1
		}
		if approveAudits[c.ID] != want {
			t.Errorf("change set %d (%s, decided by %q) has %d approval audit entries, want %d", c.ID, c.Status, c.DecidedBy, approveAudits[c.ID], want)
		}
		if proposeAudits[c.ID] > 1 {
			t.Errorf("change set %d has %d proposal audit entries", c.ID, proposeAudits[c.ID])
		}
	}
	for id := range approveAudits {
		if _, ok := byID[id]; !ok {
			t.Errorf("approval audit entry for change set %d, which does not exist", id)
		}
	}
	all := map[string]int{}
	for _, e := range exceptions {
		all[e.FindingID]++
	}
	for fid, n := range all {
		if exceptionAudits[fid] != n {
			t.Errorf("finding %s: %d exceptions, %d exception.add audit entries", fid, n, exceptionAudits[fid])
		}
	}
	for fid, n := range exceptionAudits {
		if all[fid] == 0 {
			t.Errorf("finding %s: %d exception.add audit entries, no exception", fid, n)
		}
	}
	for id := range proposeAudits {
		if _, ok := byID[id]; !ok {
			t.Errorf("proposal audit entry for change set %d, which does not exist", id)
		}
	}
	var unaudited []int64
	for _, c := range sets {
		if proposeAudits[c.ID] == 0 {
			unaudited = append(unaudited, c.ID)
		}
	}
	if len(unaudited) > 0 {
		t.Errorf("change sets %v were stored without their changeset.propose audit entry (the change set and its audit entry must commit together)", unaudited)
	}
	st.Close()

	// The database serves again: runlens serve on it answers.
	addr = faultAddr(t)
	base = "http://" + addr
	p = faultStart(t, bin, "serve", "--db", db, "--addr", addr, "--dev-user", "dev@example.com", "--rate-limit", "-1")
	faultWaitHealthy(t, p, base, 30*time.Second)
	for _, path := range []string{"/", "/changes", "/findings", fmt.Sprintf("/changes/%d", proposed[0])} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s after the restart = %d, want 200", path, resp.StatusCode)
		}
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err == nil {
		select {
		case <-p.done:
			if p.err != nil {
				t.Errorf("runlens serve on SIGINT: %v\n%s", p.err, p.output())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("runlens serve did not stop on SIGINT")
		}
	}
}

// faultSum adds up the values of m.
func faultSum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// testDiskFullDuringSync: a sync onto a full filesystem fails saying so, the
// previous snapshot stays current, the failure is recorded, and the
// database opens whole; a small sync afterwards succeeds. It needs to mount
// a 2 MiB tmpfs (root on Linux); otherwise it is skipped.
func testDiskFullDuringSync(t *testing.T, bin string) {
	if runtime.GOOS != "linux" {
		t.Skip("needs a tmpfs mount (Linux)")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a 2 MiB tmpfs (root needed): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	db := filepath.Join(dir, "db")
	if out, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db); err != nil || !strings.HasPrefix(out, "snapshot 1:") {
		t.Fatalf("sync --demo on the small filesystem = %q, %v\n%s", out, err, stderr)
	}
	_, stderr, err := faultRun(t, bin, "sync", "--demo-size", "100x50", "--db", db)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("sync --demo-size 100x50 onto a 2 MiB filesystem = %v, want a failure\n%s", err, stderr)
	}
	if msg := strings.ToLower(stderr); !strings.Contains(msg, "full") && !strings.Contains(msg, "space") {
		t.Errorf("the failure does not say the disk is full:\n%s", stderr)
	}
	st := faultCheckDB(t, db, 1)
	list, err := st.Snapshots(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Status != "failed" || !strings.Contains(list[0].Error, "full") {
		t.Errorf("snapshots = %+v, want the failed sync recorded with its reason, then snapshot 1", list)
	}
	st.Close()
	out, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db)
	if err != nil || !strings.HasPrefix(out, "snapshot ") {
		t.Fatalf("sync --demo after the full disk = %q, %v\n%s", out, err, stderr)
	}
}

// faultApplyPlan returns the first finding of rep whose planned change set
// faultSeedApply can seed and that writes at least twice (so that an apply
// can be held after its first write), with the plan.
func faultApplyPlan(t *testing.T, rep *scan.Report) (rules.Finding, changeset.ChangeSet) {
	t.Helper()
	for _, f := range rep.Findings {
		cs, err := changeset.Plan(review.Input(rep), f)
		if err != nil {
			continue
		}
		writes, ok := 0, true
		for i, s := range cs.Steps {
			switch s.Kind {
			case changeset.KindCreateServiceAccount, changeset.KindSetPushAuth:
				writes++
			case changeset.KindAddBinding, changeset.KindRemoveBinding:
				ok = ok && strings.HasPrefix(s.Resource, "//run.googleapis.com/") && s.Condition == nil
				if i == 0 || cs.Steps[i-1].Resource != s.Resource {
					writes++ // consecutive steps on one policy are one write
				}
			default:
				ok = false
			}
		}
		if ok && writes >= 2 {
			return f, cs
		}
	}
	t.Fatalf("no finding of the demo has a change set of two or more writes of the kinds this test seeds (createServiceAccount, Cloud Run bindings, setPushAuth)")
	return rules.Finding{}, changeset.ChangeSet{}
}

// faultSeedApply gives the fake the live state cs was planned against: the
// IAM policy of every Cloud Run resource it changes (bindings and etag as
// planned) and the push endpoint of every subscription it reconfigures.
func faultSeedApply(t *testing.T, f *applytest.Fake, cs changeset.ChangeSet) {
	t.Helper()
	for _, s := range cs.Steps {
		switch s.Kind {
		case changeset.KindAddBinding, changeset.KindRemoveBinding:
			before := cs.Before[s.Resource]
			p := &iampb.Policy{Version: int32(before.Version)}
			if etag := cs.Etags[s.Resource]; etag != "" {
				b, err := base64.StdEncoding.DecodeString(etag)
				if err != nil {
					b = []byte(etag)
				}
				p.Etag = b
			}
			for _, b := range before.Bindings {
				p.Bindings = append(p.Bindings, &iampb.Binding{Role: b.Role, Members: b.Members})
			}
			f.SeedPolicy(strings.TrimPrefix(s.Resource, "//run.googleapis.com/"), p)
		case changeset.KindSetPushAuth:
			f.SeedSubscription(&pubsubpb.Subscription{Name: strings.TrimPrefix(s.Subscription, "//pubsub.googleapis.com/"),
				PushConfig: &pubsubpb.PushConfig{PushEndpoint: s.Endpoint}})
		}
	}
}

// faultAudit returns the audit entries about change set id, by action.
func faultAudit(t *testing.T, st *store.Store, id int64) map[string][]store.AuditEntry {
	t.Helper()
	out := map[string][]store.AuditEntry{}
	err := st.EachAudit(context.Background(), func(e store.AuditEntry) error {
		if e.Target == fmt.Sprint(id) && strings.HasPrefix(e.Action, "changeset.") {
			out[e.Action] = append(out[e.Action], e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// faultPost POSTs form to base+path as a same-origin form and returns the
// status, not following a redirect.
func faultPost(client *http.Client, base, path string, form url.Values) (int, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// testKillDuringApply: runlens serve applies an approved change set to the
// fake Google APIs (RUNLENS_APPLY_EMULATOR) and is killed with SIGKILL after
// the fake accepted the first write and while it holds the second. The
// database opens whole with snapshot 1 current, the change set's proposal,
// approval and apply start are stored with their audit entries and nothing
// about the apply's end is; the next serve marks it failed as interrupted,
// with its audit entry, before serving, and refuses to apply it again; the
// fake sees no further call.
func testKillDuringApply(t *testing.T, bin string) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "apply.db")
	if out, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db); err != nil || !strings.HasPrefix(out, "snapshot 1:") {
		t.Fatalf("sync --demo = %q, %v\n%s", out, err, stderr)
	}

	// alice proposes the fix of a demo finding through the database.
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Now(), nil)
	finding, plan := faultApplyPlan(t, rep)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	alice := review.Actor{Sub: "sub-alice", Email: "alice@example.com", RequestID: "fault-apply"}
	id, err := review.New(st, nil, 72*time.Hour).Propose(ctx, rep, 1, finding.ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	proposed, err := st.ChangeSet(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	t.Logf("change set %d: %s (%s, %d steps)", id, plan.Title, finding.Check, len(plan.Steps))

	// The live state it was planned against, and a hook that lets the first
	// write through and holds the second until runlens goes away.
	fake, emulator := applytest.Start(t)
	faultSeedApply(t, fake, plan)
	seeded := applytest.New() // the same state, untouched, to compare with
	faultSeedApply(t, seeded, plan)
	var writes atomic.Int32
	held := make(chan string, 1)
	released := make(chan error, 1)
	fake.SetWriteHook(func(ctx context.Context, call string) error {
		switch writes.Add(1) {
		case 1:
			return nil
		case 2:
			held <- call
			<-ctx.Done()
			released <- ctx.Err()
			return status.FromContextError(ctx.Err()).Err()
		}
		return status.Errorf(codes.FailedPrecondition, "fault test: no write expected after the second (%s)", call)
	})

	env := []string{"RUNLENS_APPLY_EMULATOR=" + emulator}
	args := func(addr string) []string {
		return []string{"serve", "--db", db, "--addr", addr, "--dev-user", "dev@example.com", "--rate-limit", "-1",
			"--apply-as", "runlens-applier@runlens-test.iam.gserviceaccount.com"}
	}
	addr := faultAddr(t)
	base := "http://" + addr
	p := faultStartEnv(t, bin, env, args(addr)...)
	faultWaitHealthy(t, p, base, 30*time.Second)
	if out := p.output(); !strings.Contains(out, "APPLY GOES TO AN EMULATOR") || !strings.Contains(out, emulator) {
		t.Errorf("runlens serve does not warn that apply goes to the emulator at %s:\n%s", emulator, out)
	}

	// dev approves alice's change set, then applies it.
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if code, err := faultPost(client, base, fmt.Sprintf("/changes/%d/approve", id), url.Values{"hash": {proposed.ContentHash}}); err != nil || code != http.StatusSeeOther {
		t.Fatalf("approve = %d, %v; want 303\n%s", code, err, p.output())
	}
	type answer struct {
		code int
		err  error
	}
	applied := make(chan answer, 1)
	go func() {
		code, err := faultPost(client, base, fmt.Sprintf("/changes/%d/apply", id), url.Values{})
		applied <- answer{code, err}
	}()
	var heldCall string
	select {
	case heldCall = <-held:
	case a := <-applied:
		t.Fatalf("the apply answered %d, %v before its second write reached the fake; writes %q\n%s", a.code, a.err, fake.Writes(), p.output())
	case <-time.After(20 * time.Second):
		t.Fatalf("the apply's second write did not reach the fake within 20 s; calls %q\n%s", fake.Calls(), p.output())
	}
	firstWrite := fake.Writes()
	if len(firstWrite) != 1 {
		t.Fatalf("writes the fake accepted before the kill = %q, want exactly the first", firstWrite)
	}
	callsAtKill := len(fake.Calls())
	p.kill()
	if a := <-applied; a.err == nil {
		t.Errorf("the apply POST answered %d although runlens was killed during it", a.code)
	}
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Errorf("the fake did not see runlens go away: the held write is still waiting")
	}
	t.Logf("killed runlens serve after the fake accepted %q, holding %q", firstWrite[0], heldCall)
	if diff := cmp.Diff(firstWrite, fake.Writes()); diff != "" {
		t.Errorf("writes after the kill (-want +got):\n%s", diff)
	}
	// The live state: the first write took effect, the held one did not.
	if email, ok := strings.CutPrefix(firstWrite[0], "CreateServiceAccount "); ok && !fake.HasAccount(email) {
		t.Errorf("the first write created %s, which the fake does not have", email)
	}
	if name, ok := strings.CutPrefix(heldCall, "SetIamPolicy "); ok {
		if got, want := fake.Policy(name).GetEtag(), seeded.Policy(name).GetEtag(); !bytes.Equal(got, want) {
			t.Errorf("the held write's policy %s has etag %q, want %q as seeded (unchanged)", name, got, want)
		}
	}

	// The database after the kill: whole, snapshot 1 current, the change
	// set approved and claimed by dev, its start audited and nothing about
	// an end.
	st = faultCheckDB(t, db, 1)
	c, err := st.ChangeSet(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusApproved || c.ProposedBy != alice.Email || c.DecidedBy != "dev@example.com" || c.ApprovedHash != c.ContentHash ||
		c.ContentHash != proposed.ContentHash || c.AppliedBy != "dev@example.com" || c.Outcome != "" {
		t.Errorf("change set %d after the kill: %s, proposed by %q, decided by %q, hash %q approved %q (proposed %q), applied by %q, outcome %q; want approved by dev, claimed by dev, no outcome",
			id, c.Status, c.ProposedBy, c.DecidedBy, c.ContentHash, c.ApprovedHash, proposed.ContentHash, c.AppliedBy, c.Outcome)
	}
	audit := faultAudit(t, st, id)
	for action, actor := range map[string]string{"changeset.propose": alice.Email, "changeset.approve": "dev@example.com", "changeset.apply.start": "dev@example.com"} {
		if got := audit[action]; len(got) != 1 || got[0].Actor != actor {
			t.Errorf("%s audit entries of change set %d after the kill = %+v, want one by %s", action, id, got, actor)
		}
	}
	for _, action := range []string{"changeset.apply.done", "changeset.apply.failed", "changeset.apply.interrupted"} {
		if got := audit[action]; len(got) != 0 {
			t.Errorf("%s audit entries after the kill = %+v, want none (the apply never ended)", action, got)
		}
	}
	st.Close()

	// The next start fails the interrupted apply before serving, and it
	// cannot be applied again.
	addr = faultAddr(t)
	base = "http://" + addr
	p = faultStartEnv(t, bin, env, args(addr)...)
	faultWaitHealthy(t, p, base, 30*time.Second)
	if out := p.output(); !strings.Contains(out, "interrupted") || !strings.Contains(out, fmt.Sprintf("change_set=%d", id)) {
		t.Errorf("runlens serve does not log the interrupted apply of change set %d:\n%s", id, out)
	}
	if code, err := faultPost(client, base, fmt.Sprintf("/changes/%d/apply", id), url.Values{}); err != nil || code != http.StatusConflict {
		t.Errorf("apply of the interrupted change set after the restart = %d, %v; want 409", code, err)
	}
	resp, err := http.Get(base + fmt.Sprintf("/changes/%d", id))
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "interrupted: runlens stopped during the apply") {
		t.Errorf("GET /changes/%d after the restart = %d, %v; want 200 showing the interrupted outcome", id, resp.StatusCode, err)
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("runlens serve on SIGINT: %v\n%s", p.err, p.output())
		}
	case <-time.After(15 * time.Second):
		t.Errorf("runlens serve did not stop on SIGINT")
	}
	if n := writes.Load(); n != 2 {
		t.Errorf("the fake received %d write calls, want 2 (the first, and the held one): nothing may be applied again", n)
	}
	if got := fake.Calls(); len(got) != callsAtKill {
		t.Errorf("the fake received calls after the kill: %q", got[callsAtKill:])
	}

	st = faultCheckDB(t, db, 1)
	c, err = st.ChangeSet(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusFailed || c.Outcome != review.InterruptedOutcome || c.AppliedBy != "dev@example.com" || c.DecidedBy != "dev@example.com" {
		t.Errorf("change set %d after the restart: %s, applied by %q, decided by %q, outcome %q; want failed with the interrupted outcome", id, c.Status, c.AppliedBy, c.DecidedBy, c.Outcome)
	}
	audit = faultAudit(t, st, id)
	if got := audit["changeset.apply.interrupted"]; len(got) != 1 || got[0].Actor != "runlens" || got[0].Detail != review.InterruptedOutcome {
		t.Errorf("changeset.apply.interrupted audit entries = %+v, want one by runlens with the outcome", got)
	}
	for action, n := range map[string]int{"changeset.propose": 1, "changeset.approve": 1, "changeset.apply.start": 1, "changeset.apply.done": 0, "changeset.apply.failed": 0} {
		if got := len(audit[action]); got != n {
			t.Errorf("%s audit entries after the restart = %d, want %d", action, got, n)
		}
	}
	st.Close()
}
