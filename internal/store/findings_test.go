package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// saveWith stores a snapshot read at at holding findings with the given IDs
// (check invoker-public, subject "s-ID").
func saveWith(t *testing.T, st *store.Store, at time.Time, ids ...string) int64 {
	t.Helper()
	in := sampleInput()
	in.At = at
	in.Findings = nil
	for _, id := range ids {
		in.Findings = append(in.Findings, rules.Finding{ID: id, Check: "invoker-public", Severity: rules.High, Subject: "s-" + id,
			Affects: []string{"svc-" + id}, Evidence: rules.Evidence{Note: "note " + id}})
	}
	sid, err := st.SaveSnapshot(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// First seen and last seen come from the stored snapshots, by when each was
// read (a backfilled snapshot is older than the ones stored before it), and
// a finding that went away is found in the snapshot before, with its
// evidence.
func TestFindingHistory(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s3 := saveWith(t, st, t0.Add(48*time.Hour), "b", "c")      // stored first, read last
	s1 := saveWith(t, st, t0, "a", "b")                        // backfilled: the oldest
	s2 := saveWith(t, st, t0.Add(24*time.Hour), "a", "b", "c") // in between
	if err := st.RecordFailedSync(ctx, "live", errors.New("boom")); err != nil {
		t.Fatal(err) // a failed sync is no snapshot of the finding's history
	}
	tests := []struct {
		id   string
		want store.FindingSeen
	}{
		{"a", store.FindingSeen{FirstSnapshot: s1, FirstSeen: t0, LastSnapshot: s2, LastSeen: t0.Add(24 * time.Hour), Seen: 2, Snapshots: 3}},
		{"b", store.FindingSeen{FirstSnapshot: s1, FirstSeen: t0, LastSnapshot: s3, LastSeen: t0.Add(48 * time.Hour), Seen: 3, Snapshots: 3}},
		{"c", store.FindingSeen{FirstSnapshot: s2, FirstSeen: t0.Add(24 * time.Hour), LastSnapshot: s3, LastSeen: t0.Add(48 * time.Hour), Seen: 2, Snapshots: 3}},
		{"never", store.FindingSeen{Snapshots: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, err := st.FindingHistory(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FindingHistory(%q) (-want +got):\n%s", tc.id, diff)
			}
			if got.Found() != (tc.want.Seen > 0) {
				t.Errorf("FindingHistory(%q).Found() = %v", tc.id, got.Found())
			}
		})
	}

	cur, err := st.CurrentSnapshot(ctx)
	if err != nil || cur.ID != s3 {
		t.Fatalf("current snapshot %d (%v), want %d", cur.ID, err, s3)
	}
	prev, err := st.PreviousSnapshot(ctx, cur)
	if err != nil || prev.ID != s2 {
		t.Fatalf("PreviousSnapshot(%d) = %d (%v), want %d", s3, prev.ID, err, s2)
	}
	if _, err := st.PreviousSnapshot(ctx, store.Snapshot{ID: s1, CreatedAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PreviousSnapshot of the first = %v, want ErrNotFound", err)
	}
	gone, err := st.GoneFindings(ctx, s2, s3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.StoredFinding{{ID: "a", Check: "invoker-public", Severity: "high", Subject: "s-a", Affects: []string{"svc-a"}}}, gone); diff != "" {
		t.Errorf("GoneFindings(%d, %d) (-want +got):\n%s", s2, s3, diff)
	}
	f, err := st.SnapshotFinding(ctx, s2, "a")
	if err != nil {
		t.Fatal(err)
	}
	if f.Subject != "s-a" || string(f.Evidence) != `{"note":"note a"}` {
		t.Errorf("SnapshotFinding(%d, a) = %+v, evidence %s", s2, f, f.Evidence)
	}
	if _, err := st.SnapshotFinding(ctx, s3, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SnapshotFinding of a finding the snapshot lacks = %v, want ErrNotFound", err)
	}
}

// A finding has one change set under way at a time: a second proposal,
// for it or for a finding an open change set says it fixes, is refused
// with the open one's ID, and allowed again once that one is closed.
// Every write moves ChangeSetsVersion.
func TestOneOpenChangeSetPerFinding(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	add := func(finding, content string) (int64, error) {
		return st.AddChangeSet(ctx, store.ChangeSetRow{Title: "t", FindingID: finding, Check: "invoker-public", Subject: "s",
			SnapshotID: 1, Content: []byte(content), ContentHash: "h-" + finding, ProposedBy: "alice@example.com",
			ProposedSub: "sub-alice", ProposedAt: time.Now()}, store.AuditEntry{Actor: "alice@example.com", Action: "changeset.propose"})
	}
	v0 := st.ChangeSetsVersion()
	first, err := add("f1", `{"fixes":["f1","f2"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if st.ChangeSetsVersion() == v0 {
		t.Error("ChangeSetsVersion did not move on a proposal")
	}
	for _, finding := range []string{"f1", "f2"} {
		var open *store.OpenChangeSetError
		if _, err := add(finding, `{}`); !errors.As(err, &open) || open.ID != first || open.Status != store.StatusProposed {
			t.Errorf("second proposal for %s = %v, want OpenChangeSetError naming %d", finding, err, first)
		}
	}
	if _, err := add("f3", `{}`); err != nil {
		t.Errorf("a proposal for another finding = %v", err)
	}
	states, err := st.ChangeSetStates(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 || states[0].ID != first || !states[0].Open || states[0].FindingID != "f1" ||
		!cmp.Equal(states[0].Fixes, []string{"f1", "f2"}) || len(states[1].Fixes) != 0 {
		t.Errorf("ChangeSetStates = %+v", states)
	}
	sets, err := st.ChangeSetsFor(ctx, "f2")
	if err != nil || len(sets) != 1 || sets[0].ID != first {
		t.Errorf("ChangeSetsFor(f2) = %d sets (%v), want change set %d", len(sets), err, first)
	}

	v1 := st.ChangeSetsVersion()
	if err := st.Reject(ctx, first, "bob@example.com", "no", time.Now(), store.AuditEntry{Actor: "bob@example.com", Action: "changeset.reject"}); err != nil {
		t.Fatal(err)
	}
	if st.ChangeSetsVersion() == v1 {
		t.Error("ChangeSetsVersion did not move on a rejection")
	}
	if _, err := add("f2", `{}`); err != nil {
		t.Errorf("a proposal once the open one is rejected = %v", err)
	}
	// An approval that lapsed no longer holds the finding, marked expired
	// or not yet.
	lapsed, err := add("f4", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	approve(t, st, lapsed, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if _, err := add("f4", `{}`); err != nil {
		t.Errorf("a proposal once the approval lapsed = %v", err)
	}
}
