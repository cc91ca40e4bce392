package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

func open(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runlens.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func sampleInput() store.SnapshotInput {
	inv := &inventory.Inventory{Records: 3, Assets: []*inventory.Asset{
		{Name: "//run.googleapis.com/projects/p/locations/r/services/s", Type: inventory.TypeRunService, Version: "v2",
			Data: json.RawMessage(`{"template":{"serviceAccount":"a@p.iam.gserviceaccount.com"}}`),
			IAMPolicy: &iam.Policy{Bindings: []iam.Binding{{Role: "roles/run.invoker", Members: []string{"allUsers"},
				Condition: &iam.Condition{Title: "t", Expression: "request.time < timestamp(\"2030-01-01T00:00:00Z\")"}}}},
			Ancestors: []string{"projects/1"}, Source: inventory.Source{File: "a.jsonl", Line: 3}},
		{Name: "//cloudresourcemanager.googleapis.com/projects/1", Type: inventory.TypeProject, Data: json.RawMessage(`{"projectId":"p"}`)},
	}}
	return store.SnapshotInput{
		Source: "files: a.jsonl", Inventory: inv,
		Problems: []inventory.Problem{{Source: inventory.Source{File: "a.jsonl", Line: 2}, Msg: "invalid JSON"}},
		Findings: []rules.Finding{{ID: "abc", Check: "invoker-public", Severity: rules.High, Subject: "s", Affects: []string{"s"},
			Evidence: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/run.invoker", Member: "allUsers", Via: "s"}}}}},
		Scores: rules.Scores{Organization: rules.GroupScore{ID: "organization", Label: "organization", Score: 80, Grade: "B", Services: 1},
			Projects: []rules.GroupScore{{ID: "//cloudresourcemanager.googleapis.com/projects/1", Label: "p", Score: 80, Grade: "B", Services: 1}},
			Services: []rules.ServiceScore{{Service: "s", Label: "s", Score: 80, Grade: "B"}}},
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	if _, err := st.CurrentSnapshot(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CurrentSnapshot on an empty store = %v, want ErrNotFound", err)
	}
	in := sampleInput()
	id, err := st.SaveSnapshot(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sn.ID != id || sn.Status != "complete" || sn.Assets != 2 || sn.OrgScore != 80 || sn.OrgGrade != "B" {
		t.Errorf("CurrentSnapshot = %+v", sn)
	}
	if diff := cmp.Diff([]string{"a.jsonl:2: invalid JSON"}, sn.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	inv, err := st.LoadInventory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Assets come back sorted by name, identical.
	want := []*inventory.Asset{in.Inventory.Assets[1], in.Inventory.Assets[0]}
	if diff := cmp.Diff(want, inv.Assets); diff != "" {
		t.Errorf("LoadInventory (-want +got):\n%s", diff)
	}
}

func TestFailedSyncKeepsCurrent(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	id, err := st.SaveSnapshot(ctx, sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFailedSync(ctx, "live: organizations/1", errors.New("permission denied")); err != nil {
		t.Fatal(err)
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil || sn.ID != id {
		t.Fatalf("CurrentSnapshot = %+v, %v; want snapshot %d", sn, err, id)
	}
	list, err := st.Snapshots(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Status != "failed" || list[0].Error != "permission denied" {
		t.Errorf("Snapshots = %+v", list)
	}
	// The last complete snapshot of a source: not the failed one, not
	// another source's.
	in := sampleInput()
	if last, err := st.LastComplete(ctx, in.Source); err != nil || last.ID != id || last.Records != 3 {
		t.Errorf("LastComplete(%q) = %+v, %v; want snapshot %d of 3 records", in.Source, last, err, id)
	}
	if _, err := st.LastComplete(ctx, "live: organizations/1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastComplete of a source whose only sync failed = %v, want ErrNotFound", err)
	}
}

func TestSaveSnapshotIsAtomic(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	first, err := st.SaveSnapshot(ctx, sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	bad := sampleInput()
	// Two findings with one ID violate the primary key half-way through.
	bad.Findings = append(bad.Findings, bad.Findings[0])
	if _, err := st.SaveSnapshot(ctx, bad); err == nil {
		t.Fatal("SaveSnapshot with a duplicate finding succeeded")
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil || sn.ID != first {
		t.Fatalf("after a failed save CurrentSnapshot = %+v, %v; want %d", sn, err, first)
	}
	list, _ := st.Snapshots(ctx, 10)
	if len(list) != 1 {
		t.Errorf("a failed save left %d snapshot rows, want 1", len(list))
	}
}

func TestScoreHistoryAndPrune(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	for _, score := range []int{50, 60, 70} {
		in := sampleInput()
		in.Scores.Organization.Score = score
		if _, err := st.SaveSnapshot(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	h, err := st.ScoreHistory(ctx, "organization", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, p := range h {
		got = append(got, p.Score)
	}
	if diff := cmp.Diff([]int{50, 60, 70}, got); diff != "" {
		t.Errorf("history oldest first (-want +got):\n%s", diff)
	}
	if err := st.PruneSnapshots(ctx, 2); err != nil {
		t.Fatal(err)
	}
	h, _ = st.ScoreHistory(ctx, "organization", "", 10)
	if len(h) != 2 || h[0].Score != 60 {
		t.Errorf("after prune history = %+v, want 60, 70", h)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st, path := open(t)
	if err := st.Audit(ctx, store.AuditEntry{Actor: "a@example.com", Action: "sync", Target: "demo"}); err != nil {
		t.Fatal(err)
	}
	log, err := st.AuditLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Action != "sync" {
		t.Fatalf("AuditLog = %+v, %v", log, err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`UPDATE audit SET actor = 'x'`, `DELETE FROM audit`} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	u, err := st.UpsertUser(ctx, "sub-1", "a@example.com", "viewer")
	if err != nil || u.Role != "viewer" {
		t.Fatalf("UpsertUser = %+v, %v", u, err)
	}
	if u, err := st.User(ctx, "sub-1"); err != nil || u.Role != "viewer" { // now kept in memory
		t.Fatalf("User = %+v, %v", u, err)
	}
	if err := st.SetRole(ctx, "sub-1", "reviewer", store.AuditEntry{Actor: "t", Action: "user.role"}); err != nil {
		t.Fatal(err)
	}
	// What a request reads next is the new role, not the one kept.
	if u, err := st.User(ctx, "sub-1"); err != nil || u.Role != "reviewer" {
		t.Fatalf("User after SetRole = %+v, %v; want reviewer", u, err)
	}
	// A later sign-in keeps the role and updates the email.
	u, err = st.UpsertUser(ctx, "sub-1", "a.new@example.com", "admin")
	if err != nil || u.Role != "reviewer" || u.Email != "a.new@example.com" {
		t.Errorf("UpsertUser again = %+v, %v; want reviewer with the new email", u, err)
	}
	if err := st.SetRole(ctx, "nobody", "admin", store.AuditEntry{Actor: "t", Action: "user.role"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetRole(nobody) = %v, want ErrNotFound", err)
	}
	if err := st.SetRole(ctx, "sub-1", "superuser", store.AuditEntry{Actor: "t", Action: "user.role"}); err == nil {
		t.Error("SetRole with an invalid role succeeded")
	}
}

func TestSignInFirstAdmin(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	signIn := func(sub, email string, firstAdmin bool) store.User {
		t.Helper()
		u, err := st.SignIn(ctx, sub, email, "viewer", firstAdmin)
		if err != nil {
			t.Fatalf("SignIn(%s, %s) = %v", sub, email, err)
		}
		return u
	}
	// A user who signed in before the first admin was configured becomes
	// admin when they sign in with the setting, while nobody is admin.
	if u := signIn("sub-boss", "boss@example.com", false); u.Role != "viewer" {
		t.Fatalf("first sign-in without the setting = %+v, want viewer", u)
	}
	if u := signIn("sub-boss", "boss@example.com", true); u.Role != "admin" {
		t.Fatalf("sign-in as the first admin = %+v, want admin", u)
	}
	// Another subject asserting the same email, new or known, is not.
	for range 2 {
		if u := signIn("sub-other", "boss@example.com", true); u.Role != "viewer" {
			t.Fatalf("second account with the first admin's email = %+v, want viewer", u)
		}
	}
	if u := signIn("sub-boss", "boss@example.com", true); u.Role != "admin" {
		t.Errorf("the first admin again = %+v, want admin", u)
	}
	// Of accounts racing to be first admin, exactly one wins.
	st2, _ := open(t)
	var wg sync.WaitGroup
	roles := make([]string, 8)
	for i := range roles {
		wg.Go(func() {
			u, err := st2.SignIn(ctx, fmt.Sprint("sub-", i), "boss@example.com", "viewer", true)
			if err != nil {
				t.Error(err)
			}
			roles[i] = u.Role
		})
	}
	wg.Wait()
	if n := strings.Count(strings.Join(roles, " "), "admin"); n != 1 {
		t.Errorf("racing first admins: roles %v, want exactly one admin", roles)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	st, path := open(t)
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("Open on a newer schema = %v, want a refusal", err)
	}
}

func TestPragmas(t *testing.T) {
	_, path := open(t)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// largeInput is a snapshot of n assets, enough to take many batches.
func largeInput(n int) store.SnapshotInput {
	in := sampleInput()
	in.Inventory = &inventory.Inventory{Records: n}
	for i := range n {
		in.Inventory.Assets = append(in.Inventory.Assets, &inventory.Asset{
			Name: fmt.Sprintf("//storage.googleapis.com/bucket-%06d", i), Type: inventory.TypeBucket,
			Data: json.RawMessage(`{"iamConfiguration":{"uniformBucketLevelAccess":{"enabled":true}},"padding":"` + strings.Repeat("x", 400) + `"}`)})
	}
	return in
}

// A snapshot is stored in batches: a write made while a large one is being
// stored commits before the snapshot does (in one transaction it would
// wait for all of it, and an approval would time out behind a sync).
func TestWritesDoNotWaitForASnapshot(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	done := make(chan error, 1)
	var id int64
	go func() {
		var err error
		id, err = st.SaveSnapshot(ctx, largeInput(150000))
		done <- err
	}()
	// Wait until the save has begun (its row is hidden from listings, but
	// the write lock is taken by its first batch).
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n, _ := st.StoringSnapshots(ctx); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the save did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := st.UpsertUser(ctx, "sub-w", "w@example.com", "viewer"); err != nil {
		t.Fatalf("a write during the save: %v", err)
	}
	if n, _ := st.StoringSnapshots(ctx); n == 0 {
		t.Error("the write waited for the whole snapshot to be stored")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sn, err := st.CurrentSnapshot(ctx); err != nil || sn.ID != id || sn.Assets != 150000 {
		t.Errorf("CurrentSnapshot = %+v, %v; want %d with 150000 assets", sn, err, id)
	}
}

// A snapshot left half-stored by a killed process is marked failed and its
// data removed by RecoverInterrupted; until then it is neither current nor
// listed.
func TestRecoverInterrupted(t *testing.T) {
	ctx := context.Background()
	st, path := open(t)
	first, err := st.SaveSnapshot(ctx, sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	// What a kill between batches leaves: the row, still storing, and
	// some of its assets.
	ctx2, cancel := context.WithCancel(ctx)
	go func() {
		for n := 0; n == 0; n, _ = st.StoringSnapshots(ctx) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(400 * time.Millisecond) // past the first batch
		cancel()
	}()
	if _, err := st.SaveSnapshot(ctx2, largeInput(150000)); err == nil {
		t.Fatal("the save was not cut short")
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// SaveSnapshot removes what it wrote when it fails in-process; put back
	// what a SIGKILL leaves: a storing row with data.
	if _, err := db.Exec(`INSERT INTO snapshots (id, created_at, source, status, error) VALUES (99, '2026-01-01T00:00:00Z', 'killed', 'failed', 'runlens: storing this snapshot')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO snapshot_assets (snapshot_id, name, asset_type) VALUES (99, 'a', 't'), (99, 'b', 't')`); err != nil {
		t.Fatal(err)
	}
	if sn, _ := st.CurrentSnapshot(ctx); sn.ID != first {
		t.Errorf("current = %d, want %d", sn.ID, first)
	}
	if list, _ := st.Snapshots(ctx, 10); len(list) != 1 {
		t.Errorf("listing shows %d snapshots, want only the complete one while the other is being stored", len(list))
	}
	ids, err := st.RecoverInterrupted(ctx)
	if err != nil || len(ids) != 1 || ids[0] != 99 {
		t.Fatalf("RecoverInterrupted = %v, %v; want [99]", ids, err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM snapshot_assets WHERE snapshot_id NOT IN (SELECT id FROM snapshots WHERE status = 'complete')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d asset rows of incomplete snapshots remain (%v)", n, err)
	}
	list, _ := st.Snapshots(ctx, 10)
	if len(list) != 2 || list[1].ID != 99 || list[1].Status != "failed" || !strings.Contains(list[1].Error, "interrupted") {
		t.Errorf("Snapshots = %+v, want the interrupted one listed as failed", list)
	}
}

func TestAddExceptionLimits(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	now := time.Now()
	valid := store.Exception{FindingID: "f", Check: "invoker-public", Subject: "s", Owner: "web team", Reason: "public site",
		ExpiresAt: now.Add(time.Hour), CreatedBy: "m@example.com"}
	tests := []struct {
		name  string
		edit  func(*store.Exception)
		field string // named in the error; "" for none
	}{
		{"owner at the limit", func(e *store.Exception) { e.Owner = strings.Repeat("ö", store.MaxExceptionOwner) }, ""},
		{"owner over the limit", func(e *store.Exception) { e.Owner = strings.Repeat("o", store.MaxExceptionOwner+1) }, "owner"},
		{"reason at the limit", func(e *store.Exception) { e.Reason = strings.Repeat("é", store.MaxExceptionReason) }, ""},
		{"reason over the limit", func(e *store.Exception) { e.Reason = strings.Repeat("r", store.MaxExceptionReason+1) }, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := valid
			tc.edit(&e)
			_, err := st.AddException(ctx, e, now, store.AuditEntry{Actor: "m@example.com", Action: "exception.add"})
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("AddException = %v, want success", err)
			case tc.field != "" && (!errors.Is(err, store.ErrInvalidException) || !strings.Contains(err.Error(), tc.field)):
				t.Errorf("AddException = %v, want ErrInvalidException naming the %s", err, tc.field)
			}
		})
	}
}

// TestSnapshotsInOneSecond: snapshots read within one second are ordered
// by their time, to the nanosecond: the later is current, and the earlier
// is the one before it. With RFC 3339's trimmed zeros, ".5" sorted after
// ".55" and before a whole second.
func TestSnapshotsInOneSecond(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name          string
		first, second time.Duration
	}{
		{"whole second, then half", 0, 500 * time.Millisecond},
		{"half, then a little more", 500 * time.Millisecond, 550 * time.Millisecond},
		{"tenths, then hundredths after", 120 * time.Millisecond, 123 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := open(t)
			in := sampleInput()
			in.At = base.Add(tt.first)
			first, err := st.SaveSnapshot(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			in.At = base.Add(tt.second)
			second, err := st.SaveSnapshot(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := st.CurrentSnapshot(ctx)
			if err != nil || cur.ID != second || !cur.CreatedAt.Equal(base.Add(tt.second)) {
				t.Fatalf("current = %d at %v (%v), want %d at %v", cur.ID, cur.CreatedAt, err, second, base.Add(tt.second))
			}
			prev, err := st.PreviousSnapshot(ctx, cur)
			if err != nil || prev.ID != first {
				t.Errorf("previous = %d (%v), want %d", prev.ID, err, first)
			}
		})
	}
}
