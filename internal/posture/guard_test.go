package posture_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// notification is a feed message's data as Cloud Asset Inventory publishes
// it (TemporalAsset, camelCase): the asset after the change.
func notification(t *testing.T, a *inventory.Asset, start time.Time, deleted bool) []byte {
	t.Helper()
	asset := map[string]any{"name": a.Name, "assetType": a.Type, "ancestors": a.Ancestors, "updateTime": start.Format(time.RFC3339Nano)}
	if a.Data != nil {
		asset["resource"] = map[string]any{"version": a.Version, "parent": a.Parent, "location": a.Location,
			"discoveryName": "Service", "data": json.RawMessage(a.Data)}
	}
	if a.IAMPolicy != nil {
		asset["iamPolicy"] = a.IAMPolicy
	}
	b, err := json.Marshal(map[string]any{"asset": asset, "window": map[string]any{"startTime": start.Format(time.RFC3339Nano)},
		"priorAssetState": "PRESENT", "deleted": deleted})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit returns a copy of a with its resource data changed by fn (the data
// as a generic JSON object).
func edit(t *testing.T, a *inventory.Asset, fn func(d map[string]any)) *inventory.Asset {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(a.Data, &d); err != nil {
		t.Fatal(err)
	}
	fn(d)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	c := *a
	c.Data, c.IAMPolicy = b, nil
	return &c
}

// quietService picks a v2 service of the demo that runs as a dedicated
// account, from Artifact Registry, with no public invoker and no finding
// of the checks the guard's events explain: a change to it is news.
func quietService(t *testing.T, c *posture.Current, skip ...string) *inventory.Asset {
	t.Helper()
	noisy := map[string]bool{}
	for _, f := range c.Report.Findings {
		switch f.Check {
		case "invoker-public", "runtime-default-sa", "image-untrusted-registry", "runtime-basic-role", "runtime-shared-sa", "invoker-iam-disabled":
			noisy[f.Subject] = true
			for _, a := range f.Affects {
				noisy[a] = true
			}
		}
	}
	for _, a := range c.Report.Inventory.Assets {
		if a.Type != inventory.TypeRunService || a.Data == nil || noisy[a.Name] || slices.Contains(skip, a.Name) {
			continue
		}
		w, err := inventory.DecodeWorkload(a)
		if err != nil || w.Shape != "v2" || w.ServiceAccount == "" || len(w.Containers) != 1 || !strings.Contains(w.Containers[0].Image, "docker.pkg.dev") {
			continue
		}
		return a
	}
	t.Fatal("no quiet v2 service in the demo")
	return nil
}

func newGuard(t *testing.T, st *store.Store, clock *time.Time) (*posture.Service, *[]store.Alert) {
	t.Helper()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	ps.SetClock(func() time.Time { return *clock })
	sent := &[]store.Alert{}
	ps.SetAlerts(posture.AlertOptions{Send: func(_ context.Context, as []store.Alert) { *sent = append(*sent, as...) }})
	return ps, sent
}

// TestFeedAlerts replays real-shaped feed notifications over the demo
// organization: a service made public, a runtime identity switched to the
// default compute account and an image moved to Docker Hub each give
// exactly one alert naming the service and what changed; the same
// messages again, or older ones, give none; a restart serves the journaled
// changes again without alerting again; a fold stores them in a snapshot.
func TestFeedAlerts(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "guard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	ps, sent := newGuard(t, st, &clock)
	// As a live read: it says when the state was read.
	if _, err := ps.Sync(ctx, "live: organizations/1", demoReader); err != nil {
		t.Fatal(err)
	}
	c, _ := ps.Current()
	if len(*sent) != 0 {
		t.Fatalf("the first state alerted: %v", *sent)
	}
	if d, err := ps.AlertDigest(ctx, 5); err != nil || d.Day != 0 || len(d.Latest) != 0 {
		t.Fatalf("digest before any alert = %+v, %v; want none", d, err)
	}
	public := quietService(t, c)
	identity := quietService(t, c, public.Name)
	image := quietService(t, c, public.Name, identity.Name)
	if rows, err := ps.WorkloadAlerts(ctx, public.Name, 10); err != nil || len(rows) != 0 {
		t.Fatalf("timeline before any alert = %d rows, %v; want none", len(rows), err)
	}

	at := clock.Add(time.Minute) // after the sync's read started
	pol := &iam.Policy{Bindings: []iam.Binding{{Role: "roles/run.invoker", Members: []string{"allUsers"}}}}
	if public.IAMPolicy != nil {
		pol = &iam.Policy{Bindings: append(slices.Clone(public.IAMPolicy.Bindings), pol.Bindings...)}
	}
	madePublic := &inventory.Asset{Name: public.Name, Type: public.Type, Ancestors: public.Ancestors, IAMPolicy: pol}
	toDefault := edit(t, identity, func(d map[string]any) { delete(d["template"].(map[string]any), "serviceAccount") })
	toHub := edit(t, image, func(d map[string]any) {
		d["template"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"] = "docker.io/library/nginx@sha256:" + strings.Repeat("a", 64)
	})
	msgs := [][]byte{notification(t, madePublic, at, false), notification(t, toDefault, at, false), notification(t, toHub, at, false)}
	res, err := ps.IngestFeed(ctx, msgs)
	if err != nil || res.Taken != 3 {
		t.Fatalf("ingest = %+v, %v; want 3 taken", res, err)
	}
	got, err := ps.ApplyFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		public.Name:   "public-invoker",
		identity.Name: "service-account-changed",
		image.Name:    "new-image-repository",
	}
	if len(got) != 3 {
		t.Fatalf("%d alerts, want 3 (one per change): %s", len(got), alertText(got))
	}
	// The overview's digest, kept between requests, has them at once (in
	// the same minute as the digest before).
	if d, err := ps.AlertDigest(ctx, 5); err != nil || d.Day != 3 || len(d.Latest) != 3 {
		t.Errorf("digest after the feed = %d in a day, %d latest, %v; want 3 and 3", d.Day, len(d.Latest), err)
	}
	// A service's timeline, whose workloads with alerts are kept between
	// requests, has its alert at once too.
	for _, w := range []string{public.Name, identity.Name, image.Name} {
		if rows, err := ps.WorkloadAlerts(ctx, w, 10); err != nil || len(rows) != 1 || rows[0].Event != want[w] {
			t.Errorf("timeline of %s after the feed = %+v, %v; want its %s alert", w, rows, err, want[w])
		}
	}
	for _, a := range got {
		if want[a.Workload] != a.Event || a.Kind != store.AlertDrift || !a.ChangedAt.Equal(at) {
			t.Errorf("alert %s on %s at %v, want %s at %v", a.Event, a.Workload, a.ChangedAt, want[a.Workload], at)
		}
		name := a.Workload[strings.LastIndex(a.Workload, "/")+1:]
		if !strings.Contains(a.Message, name) {
			t.Errorf("alert message %q does not name the service %s", a.Message, name)
		}
	}
	for _, a := range got {
		switch a.Event {
		case "public-invoker":
			if !strings.Contains(a.Message, "allUsers") || a.FindingID == "" || a.Severity != "high" {
				t.Errorf("public: %+v", a)
			}
		case "service-account-changed":
			if !strings.Contains(a.Message, "default compute identity") {
				t.Errorf("identity: %q", a.Message)
			}
		case "new-image-repository":
			if !strings.Contains(a.Message, "docker.io/library/nginx") {
				t.Errorf("image: %q", a.Message)
			}
		}
	}
	if len(*sent) != 3 {
		t.Errorf("%d alerts sent, want 3", len(*sent))
	}
	c, _ = ps.Current()
	if f := findingOf(c, "invoker-public", public.Name); f == "" {
		t.Error("the served state does not hold the public invoker")
	}

	// The same messages again, an older policy (out of order) and a
	// change from before the sync's read (it holds it): nothing.
	olderPolicy := &inventory.Asset{Name: public.Name, Type: public.Type, Ancestors: public.Ancestors, IAMPolicy: &iam.Policy{}}
	late := notification(t, public, clock.Add(-time.Hour), false)
	res, err = ps.IngestFeed(ctx, append(slices.Clone(msgs), notification(t, olderPolicy, at.Add(-30*time.Second), false), late))
	if err != nil || res.Taken != 0 || res.Stale != 5 {
		t.Fatalf("redelivered: %+v, %v; want 5 stale", res, err)
	}
	if again, err := ps.ApplyFeed(ctx); err != nil || len(again) != 0 {
		t.Fatalf("redelivered: alerts %s, %v", alertText(again), err)
	}

	// Made private again, then public again: the finding was fixed, so
	// it alerts again.
	clock = clock.Add(time.Minute)
	private := &inventory.Asset{Name: public.Name, Type: public.Type, Ancestors: public.Ancestors, IAMPolicy: public.IAMPolicy}
	if private.IAMPolicy == nil {
		private.IAMPolicy = &iam.Policy{}
	}
	if _, err := ps.IngestFeed(ctx, [][]byte{notification(t, private, at.Add(time.Minute), false)}); err != nil {
		t.Fatal(err)
	}
	if a, err := ps.ApplyFeed(ctx); err != nil || len(a) != 0 {
		t.Fatalf("made private: alerts %s, %v", alertText(a), err)
	}
	if _, err := ps.IngestFeed(ctx, [][]byte{notification(t, madePublic, at.Add(2*time.Minute), false)}); err != nil {
		t.Fatal(err)
	}
	if a, err := ps.ApplyFeed(ctx); err != nil || len(a) != 1 || a[0].Event != "public-invoker" {
		t.Fatalf("public again: alerts %s, %v; want one", alertText(a), err)
	}

	// Restart: the snapshot plus the journal, and no alert again.
	before, _ := ps.Current()
	ps2, sent2 := newGuard(t, st, &clock)
	if err := ps2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := ps2.Current()
	if len(*sent2) != 0 {
		t.Errorf("a restart alerted again: %s", alertText(*sent2))
	}
	if findingIDs(after) != findingIDs(before) || after.FeedSeq != before.FeedSeq {
		t.Errorf("after a restart: seq %d, %d findings; before: seq %d, %d findings", after.FeedSeq, len(after.Report.Findings), before.FeedSeq, len(before.Report.Findings))
	}

	// A fold stores the state and clears the journal.
	sn, err := ps2.FoldFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sn.FeedSeq != before.FeedSeq || sn.Source != "feed" {
		t.Errorf("folded snapshot: seq %d from %q, want %d from feed", sn.FeedSeq, sn.Source, before.FeedSeq)
	}
	if left, _ := st.FeedChangesAfter(ctx, 0); len(left) != 0 {
		t.Errorf("%d journal entries left after a fold", len(left))
	}
	ps3, sent3 := newGuard(t, st, &clock)
	if err := ps3.Load(ctx); err != nil {
		t.Fatal(err)
	}
	folded, _ := ps3.Current()
	if findingIDs(folded) != findingIDs(before) || len(*sent3) != 0 {
		t.Errorf("after the fold and a restart: findings differ (%d vs %d) or alerts sent (%d)", len(folded.Report.Findings), len(before.Report.Findings), len(*sent3))
	}
	stored, err := ps3.AlertList(ctx, posture.AlertQuery{})
	if err != nil || len(stored.Rows) != 4 {
		t.Errorf("stored alerts: %d, %v; want 4", len(stored.Rows), err)
	}
	// An alert another process writes into the same database (runlens
	// watch beside serve) is on a timeline once the minute is over.
	other := quietService(t, folded, public.Name, identity.Name, image.Name)
	if rows, err := ps3.WorkloadAlerts(ctx, other.Name, 10); err != nil || len(rows) != 0 {
		t.Fatalf("timeline of %s = %d rows, %v; want none", other.Name, len(rows), err)
	}
	if _, err := st.RecordAlerts(ctx, []store.Alert{{At: clock, Kind: store.AlertDrift, Event: "public-invoker", Severity: "high",
		Subject: other.Name, Workload: other.Name, Message: "written by another process"}}, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if rows, err := ps3.WorkloadAlerts(ctx, other.Name, 10); err != nil || len(rows) != 1 || rows[0].What != "written by another process" {
		t.Errorf("timeline of %s a minute after another process alerted = %+v, %v; want that alert", other.Name, rows, err)
	}
}

func findingOf(c *posture.Current, check, subject string) string {
	for _, f := range c.Report.Findings {
		if f.Check == check && (f.Subject == subject || slices.Contains(f.Affects, subject)) {
			return f.ID
		}
	}
	return ""
}

func findingIDs(c *posture.Current) string {
	var ids []string
	for _, f := range c.Report.Findings {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

func alertText(as []store.Alert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n  %s %s %s: %s", a.Kind, a.Event, a.Workload, a.Message)
	}
	return b.String()
}
