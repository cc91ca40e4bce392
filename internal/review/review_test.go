package review_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

func setup(t *testing.T, applier review.Applier) (*review.Service, *store.Store, *scan.Report) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Now(), nil)
	return review.New(st, applier, time.Hour), st, rep
}

func findingOf(t *testing.T, rep *scan.Report, check string) rules.Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %s finding", check)
	return rules.Finding{}
}

var (
	alice = review.Actor{Sub: "sub-alice", Email: "alice@example.com", RequestID: "r1"}
	bob   = review.Actor{Sub: "sub-bob", Email: "bob@example.com", RequestID: "r2"}
	carol = review.Actor{Sub: "sub-carol", Email: "carol@example.com", RequestID: "r3"}
)

func TestWorkflow(t *testing.T) {
	ctx := context.Background()
	rv, st, rep := setup(t, nil)
	f := findingOf(t, rep, "invoker-public")
	id, err := rv.Propose(ctx, rep, 1, f.ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := rv.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != store.StatusProposed || cs.ContentHash != changeset.Hash(cs.Plan) {
		t.Fatalf("proposed = %+v", cs.ChangeSetRow)
	}
	// Export needs approval.
	if err := rv.Export(ctx, &bytes.Buffer{}, id, "gcloud", alice); !errors.Is(err, review.ErrNotApproved) {
		t.Errorf("export before approval = %v, want ErrNotApproved", err)
	}
	if err := rv.Approve(ctx, id, cs.ContentHash, alice); !errors.Is(err, review.ErrSelfApproval) {
		t.Errorf("self approval = %v, want ErrSelfApproval", err)
	}
	// The same person under another subject: the email decides, in any case.
	twin := review.Actor{Sub: "sub-alice-2", Email: "Alice@Example.COM", RequestID: "r4"}
	if err := rv.Approve(ctx, id, cs.ContentHash, twin); !errors.Is(err, review.ErrSelfApproval) {
		t.Errorf("approval by the proposer's email under another subject = %v, want ErrSelfApproval", err)
	}
	if err := rv.Approve(ctx, id, "0000", bob); !errors.Is(err, review.ErrStale) {
		t.Errorf("approval of other content = %v, want ErrStale", err)
	}
	if err := rv.Approve(ctx, id, cs.ContentHash, bob); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if err := rv.Approve(ctx, id, cs.ContentHash, carol); !errors.Is(err, review.ErrState) {
		t.Errorf("second approval = %v, want ErrState", err)
	}
	var script bytes.Buffer
	if err := rv.Export(ctx, &script, id, "gcloud", carol); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script.String(), "remove-iam-policy-binding") || !strings.Contains(script.String(), "allUsers") && !strings.Contains(script.String(), "allAuthenticatedUsers") {
		t.Errorf("exported script does not remove the public member:\n%s", script.String())
	}
	if err := rv.Apply(ctx, id, carol); !errors.Is(err, review.ErrApplyDisabled) {
		t.Errorf("apply with apply off = %v, want ErrApplyDisabled", err)
	}
	log, _ := st.AuditLog(ctx, 20)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"changeset.propose", "changeset.approve", "changeset.export"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	// The approval expires.
	rv.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if err := rv.Export(ctx, &bytes.Buffer{}, id, "gcloud", carol); !errors.Is(err, review.ErrNotApproved) {
		t.Errorf("export after expiry = %v, want ErrNotApproved", err)
	}
	if cs, _ := rv.Get(ctx, id); cs.Status != store.StatusExpired {
		t.Errorf("status after expiry = %s", cs.Status)
	}
}

func TestReject(t *testing.T) {
	ctx := context.Background()
	rv, _, rep := setup(t, nil)
	id, err := rv.Propose(ctx, rep, 1, findingOf(t, rep, "runtime-default-sa").ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	if err := rv.Reject(ctx, id, strings.Repeat("n", review.MaxNote+1), bob); !errors.Is(err, review.ErrNoteTooLong) {
		t.Errorf("reject with a note of %d characters = %v, want ErrNoteTooLong", review.MaxNote+1, err)
	}
	if err := rv.Reject(ctx, id, "needs a different SA name", bob); err != nil {
		t.Fatal(err)
	}
	cs, _ := rv.Get(ctx, id)
	if cs.Status != store.StatusRejected || cs.DecisionNote != "needs a different SA name" {
		t.Errorf("rejected = %+v", cs.ChangeSetRow)
	}
	if err := rv.Approve(ctx, id, cs.ContentHash, carol); !errors.Is(err, review.ErrState) {
		t.Errorf("approving a rejected change = %v", err)
	}
	if _, err := rv.Propose(ctx, rep, 1, "0000000000000000", alice); !errors.Is(err, review.ErrUnknownFinding) {
		t.Errorf("propose unknown = %v", err)
	}
}

// countingApplier records applies and can fail.
type countingApplier struct {
	mu    sync.Mutex
	calls int
	fail  error
	delay time.Duration
}

func (a *countingApplier) Apply(ctx context.Context, cs changeset.ChangeSet) (string, error) {
	time.Sleep(a.delay)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if a.fail != nil {
		return "", a.fail
	}
	return "applied " + cs.Title, nil
}

func TestApplyExactlyOnce(t *testing.T) {
	ctx := context.Background()
	ap := &countingApplier{delay: 50 * time.Millisecond}
	rv, _, rep := setup(t, ap)
	id, err := rv.Propose(ctx, rep, 1, findingOf(t, rep, "invoker-public").ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := rv.Get(ctx, id)
	if err := rv.Apply(ctx, id, bob); !errors.Is(err, review.ErrNotApproved) {
		t.Fatalf("apply before approval = %v", err)
	}
	if err := rv.Approve(ctx, id, cs.ContentHash, bob); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = rv.Apply(ctx, id, alice) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, review.ErrState) {
			t.Errorf("losing apply = %v, want ErrState", err)
		}
	}
	if ok != 1 || ap.calls != 1 {
		t.Errorf("%d applies succeeded, applier called %d times; want exactly one", ok, ap.calls)
	}
	cs, _ = rv.Get(ctx, id)
	if cs.Status != store.StatusApplied || !strings.HasPrefix(cs.Outcome, "applied") {
		t.Errorf("after apply = %s %q", cs.Status, cs.Outcome)
	}
}

func TestApplyFailureIsRecorded(t *testing.T) {
	ctx := context.Background()
	ap := &countingApplier{fail: errors.New("permission denied on projects/x")}
	rv, _, rep := setup(t, ap)
	id, _ := rv.Propose(ctx, rep, 1, findingOf(t, rep, "invoker-public").ID, alice)
	cs, _ := rv.Get(ctx, id)
	_ = rv.Approve(ctx, id, cs.ContentHash, bob)
	if err := rv.Apply(ctx, id, alice); err == nil {
		t.Fatal("a failing apply reported success")
	}
	cs, _ = rv.Get(ctx, id)
	if cs.Status != store.StatusFailed || !strings.Contains(cs.Outcome, "permission denied") {
		t.Errorf("after failure = %s %q", cs.Status, cs.Outcome)
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	ap := &countingApplier{}
	rv, _, rep := setup(t, ap)
	f := findingOf(t, rep, "invoker-public")
	id, _ := rv.Propose(ctx, rep, 1, f.ID, alice)
	cs, _ := rv.Get(ctx, id)
	_ = rv.Approve(ctx, id, cs.ContentHash, bob)
	if err := rv.Apply(ctx, id, alice); err != nil {
		t.Fatal(err)
	}
	// The next sync still has the finding: not fixed.
	if err := rv.Verify(ctx, rep, 2); err != nil {
		t.Fatal(err)
	}
	if cs, _ := rv.Get(ctx, id); cs.Verification != "not-fixed" {
		t.Errorf("verification with the finding still open = %q", cs.Verification)
	}
	// A sync without it: verified.
	fixed := *rep
	fixed.Findings = nil
	for _, x := range rep.Findings {
		if x.ID != f.ID {
			fixed.Findings = append(fixed.Findings, x)
		}
	}
	if err := rv.Verify(ctx, &fixed, 3); err != nil {
		t.Fatal(err)
	}
	if cs, _ := rv.Get(ctx, id); cs.Verification != "verified" {
		t.Errorf("verification after the finding is gone = %q", cs.Verification)
	}
}

// TestFailInterrupted: a change set whose apply was claimed and never
// finished (runlens stopped in the middle) becomes failed with the
// interrupted outcome and its audit entry at the next start, and is not
// applied again.
func TestFailInterrupted(t *testing.T) {
	ctx := context.Background()
	ap := &countingApplier{}
	rv, st, rep := setup(t, ap)
	id, err := rv.Propose(ctx, rep, 1, findingOf(t, rep, "invoker-public").ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := rv.Get(ctx, id)
	if err := rv.Approve(ctx, id, cs.ContentHash, bob); err != nil {
		t.Fatal(err)
	}
	other, err := rv.Propose(ctx, rep, 1, findingOf(t, rep, "runtime-default-sa").ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	// What Apply does before it calls the applier; then the process dies.
	if err := st.ClaimApply(ctx, id, carol.Email, time.Now(), store.AuditEntry{Actor: carol.Email, Action: "changeset.apply.start", Target: fmt.Sprint(id)}); err != nil {
		t.Fatal(err)
	}

	// The next start.
	rv = review.New(st, ap, time.Hour)
	ids, err := rv.FailInterrupted(ctx)
	if err != nil {
		t.Fatalf("FailInterrupted: %v", err)
	}
	if len(ids) != 1 || ids[0] != id {
		t.Errorf("FailInterrupted = %v, want [%d]", ids, id)
	}
	cs, err = rv.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != store.StatusFailed || cs.Outcome != review.InterruptedOutcome || cs.AppliedBy != carol.Email {
		t.Errorf("after the restart: %s by %q, outcome %q; want failed by %s with the interrupted outcome", cs.Status, cs.AppliedBy, cs.Outcome, carol.Email)
	}
	if c, _ := rv.Get(ctx, other); c.Status != store.StatusProposed {
		t.Errorf("an unrelated proposed change set is now %s", c.Status)
	}
	if err := rv.Apply(ctx, id, carol); !errors.Is(err, review.ErrNotApproved) {
		t.Errorf("apply after the interruption = %v, want ErrNotApproved", err)
	}
	if ap.calls != 0 {
		t.Errorf("the applier was called %d times, want never", ap.calls)
	}
	log, err := st.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, e := range log {
		if e.Action == "changeset.apply.interrupted" {
			found++
			if e.Actor != "runlens" || e.Target != fmt.Sprint(id) || e.Detail != review.InterruptedOutcome {
				t.Errorf("interrupted audit entry = %+v", e)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d changeset.apply.interrupted audit entries, want 1", found)
	}
	if ids, err := rv.FailInterrupted(ctx); err != nil || len(ids) != 0 {
		t.Errorf("FailInterrupted again = %v, %v; want none", ids, err)
	}
}

// TestMentionsWorkloadPhrase: a workload named by its display phrase in
// prose is linked to its node; a phrase naming no node stays text.
func TestMentionsWorkloadPhrase(t *testing.T) {
	b := graph.NewBuilder()
	p := b.Node("//cloudresourcemanager.googleapis.com/projects/123", graph.KindProject)
	p.Project = "shop"
	b.Node("//run.googleapis.com/projects/123/locations/europe-west1/services/api", graph.KindService)
	g := b.Graph()
	parts := review.Mentions("service api (shop · europe-west1) and service gone (shop · europe-west1) lose access.", g)
	var linked []string
	for _, pt := range parts {
		if pt.Node != nil {
			linked = append(linked, pt.Text+" -> "+pt.Node.ID)
		}
	}
	want := []string{"service api (shop · europe-west1) -> //run.googleapis.com/projects/123/locations/europe-west1/services/api"}
	if !slices.Equal(linked, want) {
		t.Errorf("linked %q, want %q", linked, want)
	}
}

// TestRollbackIsOneApprovedAction: an applied change set's reverse is
// proposed as a change set of its own, needs a second person's approval,
// applies like any other, and only one is under way at a time.
func TestRollbackIsOneApprovedAction(t *testing.T) {
	ctx := context.Background()
	ap := &countingApplier{}
	rv, st, rep := setup(t, ap)
	f := findingOf(t, rep, "invoker-public")
	id, err := rv.Propose(ctx, rep, 1, f.ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rv.ProposeRollback(ctx, id, alice); !errors.Is(err, review.ErrState) {
		t.Errorf("rollback of a change set not applied = %v, want ErrState", err)
	}
	cs, _ := rv.Get(ctx, id)
	if err := rv.Approve(ctx, id, cs.ContentHash, bob); err != nil {
		t.Fatal(err)
	}
	if err := rv.Apply(ctx, id, bob); err != nil {
		t.Fatal(err)
	}
	rb, err := rv.ProposeRollback(ctx, id, alice)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rv.Get(ctx, rb)
	if err != nil {
		t.Fatal(err)
	}
	want := changeset.Rollback(cs.Plan)
	if got.Status != store.StatusProposed || got.ContentHash != changeset.Hash(want) || got.FindingID != review.RollbackPrefix+fmt.Sprint(id) {
		t.Fatalf("rollback stored as %+v", got.ChangeSetRow)
	}
	// Every removal of the public binding becomes its grant again.
	for i, s := range cs.Plan.Steps {
		if s.Kind != changeset.KindRemoveBinding {
			continue
		}
		if !slices.ContainsFunc(got.Plan.Steps, func(r changeset.Step) bool {
			return r.Kind == changeset.KindAddBinding && r.Resource == s.Resource && r.Role == s.Role && r.Member == s.Member
		}) {
			t.Errorf("step %d (%s) is not undone by the rollback", i+1, changeset.Describe(s))
		}
	}
	if _, err := rv.ProposeRollback(ctx, id, carol); !errors.As(err, new(*store.OpenChangeSetError)) {
		t.Errorf("a second rollback while one is open = %v, want OpenChangeSetError", err)
	}
	if err := rv.Approve(ctx, rb, got.ContentHash, alice); !errors.Is(err, review.ErrSelfApproval) {
		t.Errorf("the proposer approving the rollback = %v, want ErrSelfApproval", err)
	}
	if err := rv.Approve(ctx, rb, got.ContentHash, bob); err != nil {
		t.Fatal(err)
	}
	if err := rv.Apply(ctx, rb, bob); err != nil {
		t.Fatal(err)
	}
	if ap.calls != 2 {
		t.Errorf("applier called %d times, want the change and its rollback", ap.calls)
	}
	log, _ := st.AuditLog(ctx, 50)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if !slices.Contains(actions, "changeset.rollback.propose") {
		t.Errorf("audit lacks the rollback proposal: %v", actions)
	}
}
