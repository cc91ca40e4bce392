package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pressly/goose/v3"

	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/migrations"
)

const (
	feedSvc   = "//run.googleapis.com/projects/p/locations/r/services/s"
	feedOther = "//run.googleapis.com/projects/p/locations/r/services/t"
)

// feedT0 has nanoseconds: they must survive the journal.
var feedT0 = time.Date(2026, 12, 5, 9, 0, 0, 123456789, time.UTC)

func at(sec int) time.Time { return feedT0.Add(time.Duration(sec) * time.Second) }

func resourceChange(name string, sec int) store.FeedChange {
	return store.FeedChange{Name: name, AssetType: "run.googleapis.com/Service", Content: store.ContentResource, StartTime: at(sec),
		Record: fmt.Appendf(nil, `{"name":%q,"assetType":"run.googleapis.com/Service","resource":{"data":{"v":%d}}}`, name, sec)}
}

func policyChange(name string, sec int) store.FeedChange {
	return store.FeedChange{Name: name, AssetType: "run.googleapis.com/Service", Content: store.ContentIAMPolicy, StartTime: at(sec),
		Record: fmt.Appendf(nil, `{"name":%q,"assetType":"run.googleapis.com/Service","iamPolicy":{"etag":"%d"}}`, name, sec)}
}

func deletion(name, content string, sec int) store.FeedChange {
	return store.FeedChange{Name: name, AssetType: "run.googleapis.com/Service", Content: content, StartTime: at(sec), Deleted: true}
}

// key names a change in a test: its content (or "deleted") and start.
func key(c store.FeedChange) string {
	what := c.Content
	if c.Deleted {
		what = "deleted"
	}
	name := "s"
	if c.Name == feedOther {
		name = "t"
	}
	return fmt.Sprintf("%s %s %+d", name, what, int(c.StartTime.Sub(feedT0)/time.Second))
}

// TestRecordFeedChangesOrder: per asset and content, only a change newer
// than the one taken before, and not older than the floor, is journaled; a
// deletion supersedes both contents.
func TestRecordFeedChangesOrder(t *testing.T) {
	tests := []struct {
		name   string
		before []store.FeedChange // journaled first (floor zero)
		batch  []store.FeedChange
		floor  time.Time
		want   []string // keys of the changes taken
	}{
		{name: "first change", batch: []store.FeedChange{resourceChange(feedSvc, 0)}, want: []string{"s resource +0"}},
		{name: "newer", before: []store.FeedChange{resourceChange(feedSvc, 0)}, batch: []store.FeedChange{resourceChange(feedSvc, 1)}, want: []string{"s resource +1"}},
		{name: "as old: delivered again", before: []store.FeedChange{resourceChange(feedSvc, 0)}, batch: []store.FeedChange{resourceChange(feedSvc, 0)}},
		{name: "between two taken", before: []store.FeedChange{resourceChange(feedSvc, 1), resourceChange(feedSvc, 3)}, batch: []store.FeedChange{resourceChange(feedSvc, 2)}},
		{name: "older: out of order", before: []store.FeedChange{resourceChange(feedSvc, 5)}, batch: []store.FeedChange{resourceChange(feedSvc, 4)}},
		{name: "a nanosecond newer", before: []store.FeedChange{resourceChange(feedSvc, 0)},
			batch: []store.FeedChange{{Name: feedSvc, Content: store.ContentResource, StartTime: at(0).Add(time.Nanosecond), Record: []byte("{}")}},
			want:  []string{"s resource +0"}},
		{name: "the other content is apart", before: []store.FeedChange{resourceChange(feedSvc, 5)}, batch: []store.FeedChange{policyChange(feedSvc, 1)}, want: []string{"s iam_policy +1"}},
		{name: "another asset is apart", before: []store.FeedChange{resourceChange(feedSvc, 5)}, batch: []store.FeedChange{resourceChange(feedOther, 1)}, want: []string{"t resource +1"}},
		{name: "before the floor", batch: []store.FeedChange{resourceChange(feedSvc, 1), policyChange(feedSvc, 3)}, floor: at(2), want: []string{"s iam_policy +3"}},
		{name: "at the floor", batch: []store.FeedChange{resourceChange(feedSvc, 2)}, floor: at(2), want: []string{"s resource +2"}},
		{name: "in one batch, in order", batch: []store.FeedChange{resourceChange(feedSvc, 1), resourceChange(feedSvc, 2)}, want: []string{"s resource +1", "s resource +2"}},
		{name: "in one batch, out of order", batch: []store.FeedChange{resourceChange(feedSvc, 2), resourceChange(feedSvc, 1), resourceChange(feedSvc, 2)}, want: []string{"s resource +2"}},
		{name: "a deletion supersedes the resource", before: []store.FeedChange{deletion(feedSvc, store.ContentResource, 5)},
			batch: []store.FeedChange{resourceChange(feedSvc, 4), resourceChange(feedSvc, 6)}, want: []string{"s resource +6"}},
		{name: "a deletion supersedes the IAM policy", before: []store.FeedChange{deletion(feedSvc, store.ContentResource, 5)},
			batch: []store.FeedChange{policyChange(feedSvc, 5), policyChange(feedSvc, 4), policyChange(feedSvc, 6)}, want: []string{"s iam_policy +6"}},
		{name: "a deletion from an IAM policy feed supersedes the resource", before: []store.FeedChange{deletion(feedSvc, store.ContentIAMPolicy, 5)},
			batch: []store.FeedChange{resourceChange(feedSvc, 3)}},
		{name: "a deletion after a change", before: []store.FeedChange{resourceChange(feedSvc, 1), policyChange(feedSvc, 2)},
			batch: []store.FeedChange{deletion(feedSvc, store.ContentResource, 3)}, want: []string{"s deleted +3"}},
		{name: "a deletion delivered again", before: []store.FeedChange{deletion(feedSvc, store.ContentResource, 3)},
			batch: []store.FeedChange{deletion(feedSvc, store.ContentResource, 3), deletion(feedSvc, store.ContentIAMPolicy, 3)}},
		{name: "a deletion older than the IAM policy taken", before: []store.FeedChange{resourceChange(feedSvc, 1), policyChange(feedSvc, 5)},
			batch: []store.FeedChange{deletion(feedSvc, store.ContentResource, 3), policyChange(feedSvc, 4)}},
		{name: "a deletion older than the resource taken", before: []store.FeedChange{resourceChange(feedSvc, 5)},
			batch: []store.FeedChange{deletion(feedSvc, store.ContentIAMPolicy, 3)}},
		{name: "deleted and created again", before: []store.FeedChange{resourceChange(feedSvc, 1)},
			batch: []store.FeedChange{deletion(feedSvc, store.ContentResource, 2), resourceChange(feedSvc, 3), policyChange(feedSvc, 4)},
			want:  []string{"s deleted +2", "s resource +3", "s iam_policy +4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, _ := open(t)
			if len(tt.before) > 0 {
				if taken, err := st.RecordFeedChanges(ctx, tt.before, time.Time{}); err != nil || len(taken) != len(tt.before) {
					t.Fatalf("before: %d taken, %v", len(taken), err)
				}
			}
			taken, err := st.RecordFeedChanges(ctx, tt.batch, tt.floor)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range taken {
				got = append(got, key(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("taken (-want +got):\n%s", diff)
			}
			// What was taken is what the journal holds after what was
			// there before, in the same order.
			all, err := st.FeedChangesAfter(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(taken, all[len(tt.before):], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("journal (-taken +journal):\n%s", diff)
			}
		})
	}
}

// TestFeedJournal: the journal returns what was taken, whole, in order,
// after a sequence number; FeedSeq is the latest.
func TestFeedJournal(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	if seq, err := st.FeedSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("FeedSeq of an empty journal = %d, %v", seq, err)
	}
	if got, err := st.FeedChangesAfter(ctx, 0); err != nil || len(got) != 0 {
		t.Fatalf("FeedChangesAfter on an empty journal = %v, %v", got, err)
	}
	before := time.Now().UTC()
	batch := []store.FeedChange{resourceChange(feedSvc, 0), policyChange(feedSvc, 1), deletion(feedOther, store.ContentResource, 2)}
	taken, err := st.RecordFeedChanges(ctx, batch, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(taken) != 3 {
		t.Fatalf("%d taken, want 3", len(taken))
	}
	for i, c := range taken {
		if i > 0 && c.Seq <= taken[i-1].Seq {
			t.Errorf("sequence numbers not increasing: %d after %d", c.Seq, taken[i-1].Seq)
		}
		if c.ReceivedAt.Before(before.Add(-time.Second)) || c.ReceivedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("received at %v", c.ReceivedAt)
		}
		want := batch[i]
		want.Seq, want.ReceivedAt = c.Seq, c.ReceivedAt
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("taken[%d] (-want +got):\n%s", i, diff)
		}
	}
	for _, tt := range []struct {
		after int64
		want  []store.FeedChange
	}{
		{0, taken},
		{taken[0].Seq, taken[1:]},
		{taken[1].Seq, taken[2:]},
		{taken[2].Seq, nil},
	} {
		got, err := st.FeedChangesAfter(ctx, tt.after)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("FeedChangesAfter(%d) (-want +got):\n%s", tt.after, diff)
		}
	}
	// Nanoseconds and zones survive.
	all, _ := st.FeedChangesAfter(ctx, 0)
	if !all[0].StartTime.Equal(feedT0) || all[0].StartTime.Nanosecond() != 123456789 {
		t.Errorf("start time %v, want %v", all[0].StartTime, feedT0)
	}
	if seq, err := st.FeedSeq(ctx); err != nil || seq != taken[2].Seq {
		t.Errorf("FeedSeq = %d, %v; want %d", seq, err, taken[2].Seq)
	}
}

// TestFeedFold: a complete snapshot that holds the journal up to its
// FeedSeq deletes those entries and keeps the later ones; a change
// journaled after a fold comes after the snapshot's FeedSeq, even when the
// fold emptied the journal.
func TestFeedFold(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	taken, err := st.RecordFeedChanges(ctx, []store.FeedChange{resourceChange(feedSvc, 0), policyChange(feedSvc, 1), resourceChange(feedOther, 2)}, time.Time{})
	if err != nil || len(taken) != 3 {
		t.Fatalf("%d taken, %v", len(taken), err)
	}

	// A snapshot that holds none of it deletes nothing.
	if _, err := st.SaveSnapshot(ctx, sampleInput()); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.FeedChangesAfter(ctx, 0); len(got) != 3 {
		t.Fatalf("a snapshot with FeedSeq 0 folded: %d entries left, want 3", len(got))
	}

	in := sampleInput()
	in.FeedSeq = taken[1].Seq
	if _, err := st.SaveSnapshot(ctx, in); err != nil {
		t.Fatal(err)
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sn.FeedSeq != taken[1].Seq {
		t.Errorf("snapshot FeedSeq = %d, want %d", sn.FeedSeq, taken[1].Seq)
	}
	left, err := st.FeedChangesAfter(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(taken[2:], left, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("journal after the fold (-want +got):\n%s", diff)
	}
	if seq, err := st.FeedSeq(ctx); err != nil || seq != taken[2].Seq {
		t.Errorf("FeedSeq after the fold = %d, %v; want %d", seq, err, taken[2].Seq)
	}

	// Fold everything, then journal more: the new change is after the
	// snapshot's FeedSeq, or the served state would never apply it.
	in.FeedSeq = taken[2].Seq
	if _, err := st.SaveSnapshot(ctx, in); err != nil {
		t.Fatal(err)
	}
	if left, _ := st.FeedChangesAfter(ctx, 0); len(left) != 0 {
		t.Fatalf("%d entries left after folding all", len(left))
	}
	later, err := st.RecordFeedChanges(ctx, []store.FeedChange{policyChange(feedSvc, 9)}, time.Time{})
	if err != nil || len(later) != 1 {
		t.Fatalf("after the fold: %d taken, %v", len(later), err)
	}
	if later[0].Seq <= in.FeedSeq {
		t.Errorf("a change journaled after a fold up to %d has sequence number %d", in.FeedSeq, later[0].Seq)
	}
	if got, _ := st.FeedChangesAfter(ctx, in.FeedSeq); len(got) != 1 {
		t.Errorf("FeedChangesAfter(%d) after the fold = %d entries, want the new one", in.FeedSeq, len(got))
	}
	// The marks outlive the fold: what was taken before stays taken.
	if again, err := st.RecordFeedChanges(ctx, []store.FeedChange{resourceChange(feedSvc, 0), policyChange(feedSvc, 1)}, time.Time{}); err != nil || len(again) != 0 {
		t.Errorf("redelivered after the fold: %d taken, %v", len(again), err)
	}
}

// databaseAt creates a database with the migrations up to version applied.
func databaseAt(t *testing.T, version int64) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runlens.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// TestFeedSeqMigration: a database journaled before sequence numbers were
// kept from going back keeps its journal, and its next change comes after
// every number handed out before: in the journal, in a snapshot, alerted
// up to.
func TestFeedSeqMigration(t *testing.T) {
	for _, tt := range []struct {
		name                       string
		journal, snapshot, alerted int64
		want                       int64
	}{
		{name: "empty"},
		{name: "journal", journal: 3, snapshot: 2, want: 3},
		{name: "folded", snapshot: 5, want: 5},
		{name: "alerted", journal: 3, snapshot: 5, alerted: 7, want: 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path, db := databaseAt(t, 8)
			for _, q := range []string{
				fmt.Sprintf(`INSERT INTO feed_changes (seq, received_at, name, asset_type, content, start_time, record) VALUES (%d, '2026-12-05T09:00:00Z', 'a', 't', 'resource', '2026-12-05T09:00:00Z', '{}')`, tt.journal),
				fmt.Sprintf(`INSERT INTO snapshots (created_at, source, status, feed_seq) VALUES ('2026-12-05T09:00:00Z', 'feed', 'complete', %d)`, tt.snapshot),
				fmt.Sprintf(`INSERT INTO settings (key, value) VALUES ('feed.alerted_seq', '%d')`, tt.alerted),
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if tt.journal == 0 {
				if _, err := db.Exec(`DELETE FROM feed_changes`); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			st, err := store.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if old, err := st.FeedChangesAfter(ctx, 0); err != nil || (tt.journal > 0) != (len(old) == 1) {
				t.Fatalf("journal after the migration: %v, %v", old, err)
			}
			taken, err := st.RecordFeedChanges(ctx, []store.FeedChange{resourceChange(feedSvc, 0)}, time.Time{})
			if err != nil || len(taken) != 1 {
				t.Fatalf("%d taken, %v", len(taken), err)
			}
			if taken[0].Seq != tt.want+1 {
				t.Errorf("the next change has sequence number %d, want %d", taken[0].Seq, tt.want+1)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	steps := []struct {
		set, value string // set key to value ("" clears); set "" only reads
		want       map[string]string
	}{
		{want: map[string]string{"alert.webhook": "", "feed.floor": ""}},
		{set: "alert.webhook", value: "https://hooks.example.com/a", want: map[string]string{"alert.webhook": "https://hooks.example.com/a", "feed.floor": ""}},
		{set: "feed.floor", value: "2026-12-05T09:00:00Z", want: map[string]string{"alert.webhook": "https://hooks.example.com/a", "feed.floor": "2026-12-05T09:00:00Z"}},
		{set: "alert.webhook", value: "https://hooks.example.com/b", want: map[string]string{"alert.webhook": "https://hooks.example.com/b", "feed.floor": "2026-12-05T09:00:00Z"}},
		{set: "alert.webhook", value: "", want: map[string]string{"alert.webhook": "", "feed.floor": "2026-12-05T09:00:00Z"}},
		{set: "alert.webhook", value: "", want: map[string]string{"alert.webhook": "", "feed.floor": "2026-12-05T09:00:00Z"}},
		{set: "alert.webhook", value: "https://hooks.example.com/c", want: map[string]string{"alert.webhook": "https://hooks.example.com/c", "feed.floor": "2026-12-05T09:00:00Z"}},
	}
	for i, s := range steps {
		if s.set != "" {
			if err := st.SetSetting(ctx, s.set, s.value); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		for k, want := range s.want {
			if got, err := st.Setting(ctx, k); err != nil || got != want {
				t.Errorf("step %d: Setting(%q) = %q, %v; want %q", i, k, got, err, want)
			}
		}
	}
}
