package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/store"
)

// addChangeSet stores a proposed change set by alice and returns its ID.
func addChangeSet(t *testing.T, st *store.Store, title string) int64 {
	t.Helper()
	id, err := st.AddChangeSet(context.Background(), store.ChangeSetRow{Title: title, FindingID: "f-" + title, Check: "invoker-public",
		Subject: "s", SnapshotID: 1, Content: []byte(`{}`), ContentHash: "hash-" + title, ProposedBy: "alice@example.com",
		ProposedSub: "sub-alice", ProposedAt: time.Now()}, store.AuditEntry{Actor: "alice@example.com", Action: "changeset.propose"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// approve approves change set id as bob, the approval lasting ttl.
func approve(t *testing.T, st *store.Store, id int64, ttl time.Duration) {
	t.Helper()
	c, err := st.ChangeSet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	if err := st.Approve(context.Background(), id, "bob@example.com", "sub-bob", c.ContentHash, at, at.Add(ttl),
		store.AuditEntry{Actor: "bob@example.com", Action: "changeset.approve", Target: fmt.Sprint(id)}); err != nil {
		t.Fatal(err)
	}
}

// The store refuses an approval by the proposer's subject or email (in any
// case) even if the caller did not check.
func TestApproveRefusesTheProposer(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	id := addChangeSet(t, st, "self")
	for _, by := range []struct{ email, sub string }{{"someone@example.com", "sub-alice"}, {"ALICE@example.com", "sub-alice-2"}} {
		at := time.Now()
		err := st.Approve(ctx, id, by.email, by.sub, "hash-self", at, at.Add(time.Hour),
			store.AuditEntry{Actor: by.email, Action: "changeset.approve", Target: fmt.Sprint(id)})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("Approve by %s (%s) = %v, want ErrConflict", by.email, by.sub, err)
		}
	}
	approve(t, st, id, time.Hour) // bob
}

// claim claims change set id for apply as carol.
func claim(t *testing.T, st *store.Store, id int64) {
	t.Helper()
	if err := st.ClaimApply(context.Background(), id, "carol@example.com", time.Now(),
		store.AuditEntry{Actor: "carol@example.com", Action: "changeset.apply.start", Target: fmt.Sprint(id)}); err != nil {
		t.Fatal(err)
	}
}

// auditOf returns the audit entries of action, oldest first, as
// "target actor detail".
func auditOf(t *testing.T, st *store.Store, action string) []string {
	t.Helper()
	var out []string
	err := st.EachAudit(context.Background(), func(e store.AuditEntry) error {
		if e.Action == action {
			out = append(out, e.Target+" "+e.Actor+" "+e.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var interrupted = store.AuditEntry{Actor: "runlens", Action: "changeset.apply.interrupted", Detail: "interrupted: test"}

// TestFailInterruptedApplies: change sets claimed for apply and never
// finished become failed with the outcome and one audit entry each; every
// other change set is left as it was; a failed one cannot be claimed or
// finished again, and a second call finds nothing.
func TestFailInterruptedApplies(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	proposed := addChangeSet(t, st, "proposed")
	approved := addChangeSet(t, st, "approved")
	approve(t, st, approved, time.Hour)
	claimed := addChangeSet(t, st, "claimed")
	approve(t, st, claimed, time.Hour)
	claim(t, st, claimed)
	applied := addChangeSet(t, st, "applied")
	approve(t, st, applied, time.Hour)
	claim(t, st, applied)
	if err := st.FinishApply(ctx, applied, true, "applied 1 of 1 steps", []int{1}, store.AuditEntry{Actor: "carol@example.com", Action: "changeset.apply.done", Target: fmt.Sprint(applied)}); err != nil {
		t.Fatal(err)
	}
	claimed2 := addChangeSet(t, st, "claimed2")
	approve(t, st, claimed2, time.Hour)
	claim(t, st, claimed2)

	ids, err := st.FailInterruptedApplies(ctx, "interrupted: test", interrupted)
	if err != nil {
		t.Fatalf("FailInterruptedApplies: %v", err)
	}
	if diff := cmp.Diff([]int64{claimed, claimed2}, ids); diff != "" {
		t.Errorf("failed change sets (-want +got):\n%s", diff)
	}
	for id, want := range map[int64]string{proposed: store.StatusProposed, approved: store.StatusApproved, claimed: store.StatusFailed,
		applied: store.StatusApplied, claimed2: store.StatusFailed} {
		c, err := st.ChangeSet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != want {
			t.Errorf("change set %d (%s) is %s, want %s", id, c.Title, c.Status, want)
		}
		if want == store.StatusFailed && (c.Outcome != "interrupted: test" || c.AppliedBy != "carol@example.com" || c.DecidedBy != "bob@example.com") {
			t.Errorf("change set %d after the interruption: outcome %q, applied by %q, decided by %q; want the outcome, carol, bob kept", id, c.Outcome, c.AppliedBy, c.DecidedBy)
		}
	}
	want := []string{fmt.Sprintf("%d runlens interrupted: test", claimed), fmt.Sprintf("%d runlens interrupted: test", claimed2)}
	if diff := cmp.Diff(want, auditOf(t, st, "changeset.apply.interrupted")); diff != "" {
		t.Errorf("interrupted audit entries (-want +got):\n%s", diff)
	}

	// Never applied again, never finished late.
	if err := st.ClaimApply(ctx, claimed, "carol@example.com", time.Now(), store.AuditEntry{Actor: "carol@example.com", Action: "changeset.apply.start"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ClaimApply of an interrupted change set = %v, want ErrConflict", err)
	}
	if err := st.FinishApply(ctx, claimed, true, "late", nil, store.AuditEntry{Actor: "carol@example.com", Action: "changeset.apply.done"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("FinishApply of an interrupted change set = %v, want ErrConflict", err)
	}
	ids, err = st.FailInterruptedApplies(ctx, "interrupted: again", interrupted)
	if err != nil || len(ids) != 0 {
		t.Errorf("second FailInterruptedApplies = %v, %v; want none", ids, err)
	}
	if got := auditOf(t, st, "changeset.apply.interrupted"); len(got) != 2 {
		t.Errorf("interrupted audit entries after the second call = %q, want the 2 of the first", got)
	}
}

// TestFailInterruptedAppliesIsAtomic: when one audit entry cannot be
// written, no change set changes and no entry is written.
func TestFailInterruptedAppliesIsAtomic(t *testing.T) {
	ctx := context.Background()
	st, path := open(t)
	first, second := addChangeSet(t, st, "first"), addChangeSet(t, st, "second")
	for _, id := range []int64{first, second} {
		approve(t, st, id, time.Hour)
		claim(t, st, id)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER refuse_second BEFORE INSERT ON audit
		WHEN NEW.action = 'changeset.apply.interrupted' AND NEW.target = '%d' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`, second)); err != nil {
		t.Fatal(err)
	}
	if ids, err := st.FailInterruptedApplies(ctx, "interrupted: test", interrupted); err == nil {
		t.Fatalf("FailInterruptedApplies with a refused audit entry = %v, no error", ids)
	}
	for _, id := range []int64{first, second} {
		if c, err := st.ChangeSet(ctx, id); err != nil || c.Status != store.StatusApproved || c.Outcome != "" || c.AppliedBy == "" {
			t.Errorf("change set %d after the failed call: %s, outcome %q, applied by %q (%v); want still claimed", id, c.Status, c.Outcome, c.AppliedBy, err)
		}
	}
	if got := auditOf(t, st, "changeset.apply.interrupted"); len(got) != 0 {
		t.Errorf("interrupted audit entries after the failed call = %q, want none", got)
	}
	if _, err := db.Exec(`DROP TRIGGER refuse_second`); err != nil {
		t.Fatal(err)
	}
	if ids, err := st.FailInterruptedApplies(ctx, "interrupted: test", interrupted); err != nil || len(ids) != 2 {
		t.Errorf("FailInterruptedApplies once the audit log accepts = %v, %v; want both", ids, err)
	}
}

// TestExpireLeavesClaimedApplies: an approval that runs out while its apply
// is under way does not turn the change set expired (FinishApply would then
// find it gone); an unclaimed one expires.
func TestExpireLeavesClaimedApplies(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	idle, busy := addChangeSet(t, st, "idle"), addChangeSet(t, st, "busy")
	for _, id := range []int64{idle, busy} {
		approve(t, st, id, time.Minute)
	}
	claim(t, st, busy)
	if n, err := st.Expire(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("Expire = %d, %v; want 1", n, err)
	}
	if c, _ := st.ChangeSet(ctx, idle); c.Status != store.StatusExpired {
		t.Errorf("unclaimed change set after its approval ran out: %s, want expired", c.Status)
	}
	if c, _ := st.ChangeSet(ctx, busy); c.Status != store.StatusApproved {
		t.Errorf("claimed change set after its approval ran out: %s, want approved (apply under way)", c.Status)
	}
	if err := st.FinishApply(ctx, busy, true, "applied", nil, store.AuditEntry{Actor: "carol@example.com", Action: "changeset.apply.done"}); err != nil {
		t.Errorf("FinishApply after the approval ran out: %v", err)
	}
}
