package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/store"
)

var alertT0 = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

func findingAlert(finding, workload string, at time.Time) store.Alert {
	return store.Alert{At: at, Kind: store.AlertFinding, Event: "invoker-public", Severity: "high", Subject: workload, Workload: workload,
		Project: "p", Message: "New high finding: " + finding + ".", FindingID: finding, Source: "feed"}
}

func driftAlert(event, workload, finding string, at time.Time) store.Alert {
	return store.Alert{At: at, Kind: store.AlertDrift, Event: event, Severity: "high", Subject: workload, Workload: workload,
		Project: "p", Message: "Service " + workload + ": " + event + ".", FindingID: finding, Source: "feed"}
}

// summary is how a test names an alert: kind, event, finding, open or
// cleared.
func summary(a store.Alert) string {
	state := "open"
	if !a.ClearedAt.IsZero() {
		state = "cleared"
	}
	return fmt.Sprintf("%s %s %s %s", a.Kind, a.Event, a.FindingID, state)
}

// TestRecordAlertsDedupe: an alert about a finding (a finding alert, or a
// drift event that made it) is stored once while an alert of the same
// finding is open; the open alert is cleared when the finding is gone, and
// the finding alerts again after that. Drift events without a finding are
// not deduplicated.
func TestRecordAlertsDedupe(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	steps := []struct {
		name    string
		alerts  []store.Alert
		present []string // findings in the served state
		stored  []string // summaries of what RecordAlerts stored
		all     []string // summaries of every alert, newest first
	}{
		{
			name:    "first alerts",
			alerts:  []store.Alert{findingAlert("f1", "s", alertT0), driftAlert("public-invoker", "t", "f2", alertT0), driftAlert("service-account-changed", "u", "", alertT0)},
			present: []string{"f1", "f2"},
			stored:  []string{"finding invoker-public f1 open", "drift public-invoker f2 open", "drift service-account-changed  open"},
			all:     []string{"drift service-account-changed  open", "drift public-invoker f2 open", "finding invoker-public f1 open"},
		},
		{
			name:    "the same findings again, and the same drift",
			alerts:  []store.Alert{findingAlert("f1", "s", alertT0.Add(time.Minute)), findingAlert("f2", "t", alertT0.Add(time.Minute)), driftAlert("service-account-changed", "u", "", alertT0.Add(time.Minute))},
			present: []string{"f1", "f2"},
			stored:  []string{"drift service-account-changed  open"},
			all:     []string{"drift service-account-changed  open", "drift service-account-changed  open", "drift public-invoker f2 open", "finding invoker-public f1 open"},
		},
		{
			name:    "f1 fixed",
			present: []string{"f2"},
			all:     []string{"drift service-account-changed  open", "drift service-account-changed  open", "drift public-invoker f2 open", "finding invoker-public f1 cleared"},
		},
		{
			name:    "f1 again, twice in one batch",
			alerts:  []store.Alert{findingAlert("f1", "s", alertT0.Add(2*time.Minute)), driftAlert("public-invoker", "s", "f1", alertT0.Add(2*time.Minute))},
			present: []string{"f1", "f2"},
			stored:  []string{"finding invoker-public f1 open"},
			all:     []string{"finding invoker-public f1 open", "drift service-account-changed  open", "drift service-account-changed  open", "drift public-invoker f2 open", "finding invoker-public f1 cleared"},
		},
		{
			name:    "f2 fixed and back in the same state change",
			alerts:  []store.Alert{findingAlert("f2", "t", alertT0.Add(3*time.Minute))},
			present: []string{"f1"},
			stored:  []string{"finding invoker-public f2 open"},
			all:     []string{"finding invoker-public f2 open", "finding invoker-public f1 open", "drift service-account-changed  open", "drift service-account-changed  open", "drift public-invoker f2 cleared", "finding invoker-public f1 cleared"},
		},
	}
	for _, s := range steps {
		present := map[string]bool{}
		for _, f := range s.present {
			present[f] = true
		}
		stored, err := st.RecordAlerts(ctx, s.alerts, func(id string) bool { return present[id] })
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var got []string
		for _, a := range stored {
			got = append(got, summary(a))
			if a.ID == 0 {
				t.Errorf("%s: stored alert %s has no ID", s.name, summary(a))
			}
		}
		if diff := cmp.Diff(s.stored, got); diff != "" {
			t.Errorf("%s: stored (-want +got):\n%s", s.name, diff)
		}
		all, err := st.Alerts(ctx, store.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, a := range all {
			got = append(got, summary(a))
		}
		if diff := cmp.Diff(s.all, got); diff != "" {
			t.Errorf("%s: all alerts (-want +got):\n%s", s.name, diff)
		}
	}
}

// TestRecordAlertsRoundTrip: an alert comes back as it was stored, with its
// ID; one without a time gets the time it was stored.
func TestRecordAlertsRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	a := driftAlert("ingress-widened", "//run.googleapis.com/projects/p/locations/r/services/s", "abc", alertT0.Add(123456789))
	a.ChangedAt = alertT0.Add(-time.Minute + 5)
	a.Severity = "medium"
	b := findingAlert("def", "//run.googleapis.com/projects/p/locations/r/services/t", time.Time{})
	before := time.Now()
	stored, err := st.RecordAlerts(ctx, []store.Alert{a, b}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].ID == 0 || stored[1].ID <= stored[0].ID {
		t.Fatalf("stored %+v", stored)
	}
	if stored[1].At.Before(before.Add(-time.Second)) || stored[1].At.After(time.Now().Add(time.Second)) {
		t.Errorf("an alert without a time is stored at %v", stored[1].At)
	}
	got, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	a.ID, b.ID, b.At = stored[0].ID, stored[1].ID, stored[1].At
	// Newest first: b was stored now, a in 2026.
	want := []store.Alert{b, a}
	if b.At.Before(a.At) {
		want = []store.Alert{a, b}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Alerts (-want +got):\n%s", diff)
	}
}

func TestAlertsFilter(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	const s, u = "//run.googleapis.com/projects/p/locations/r/services/s", "//run.googleapis.com/projects/p/locations/r/services/u"
	// Times with fractions of a second of every length, and none.
	in := []store.Alert{
		driftAlert("a", s, "", alertT0),                                     // 09:00:00Z
		driftAlert("b", s, "", alertT0.Add(500*time.Millisecond)),           // 09:00:00.5Z
		driftAlert("c", u, "", alertT0.Add(550*time.Millisecond)),           // 09:00:00.55Z
		findingAlert("d", s, alertT0.Add(time.Second)),                      // 09:00:01Z
		findingAlert("e", u, alertT0.Add(time.Second+123*time.Microsecond)), // 09:00:01.000123Z
		driftAlert("f", u, "", alertT0.Add(time.Minute)),
	}
	if _, err := st.RecordAlerts(ctx, in, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	// A batch stored earlier with a later time: order is by time.
	if _, err := st.RecordAlerts(ctx, []store.Alert{driftAlert("g", s, "", alertT0.Add(-time.Hour))}, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    store.AlertFilter
		want []string // events, or finding IDs of finding alerts
	}{
		{"all, newest first", store.AlertFilter{}, []string{"f", "e", "d", "c", "b", "a", "g"}},
		{"one workload", store.AlertFilter{Workload: s}, []string{"d", "b", "a", "g"}},
		{"one kind", store.AlertFilter{Kind: store.AlertFinding}, []string{"e", "d"}},
		{"since a whole second", store.AlertFilter{Since: alertT0}, []string{"f", "e", "d", "c", "b", "a"}},
		{"since a fraction", store.AlertFilter{Since: alertT0.Add(520 * time.Millisecond)}, []string{"f", "e", "d", "c"}},
		{"since the next second", store.AlertFilter{Since: alertT0.Add(time.Second)}, []string{"f", "e", "d"}},
		{"since, in another zone", store.AlertFilter{Since: alertT0.Add(time.Second).In(time.FixedZone("CET", 3600))}, []string{"f", "e", "d"}},
		{"since after all", store.AlertFilter{Since: alertT0.Add(time.Hour)}, nil},
		{"limit", store.AlertFilter{Limit: 2}, []string{"f", "e"}},
		{"workload, kind, since and limit", store.AlertFilter{Workload: u, Kind: store.AlertDrift, Since: alertT0, Limit: 1}, []string{"f"}},
		{"unknown workload", store.AlertFilter{Workload: "//run.googleapis.com/projects/p/locations/r/services/none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.Alerts(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range got {
				if a.Kind == store.AlertFinding {
					names = append(names, a.FindingID)
				} else {
					names = append(names, a.Event)
				}
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("Alerts(%+v) (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

// TestAlertTimesMigration: alerts stored with trimmed RFC 3339 times before
// the times were written in full sort and filter as their times do.
func TestAlertTimesMigration(t *testing.T) {
	ctx := context.Background()
	path, db := databaseAt(t, 8)
	for _, at := range []string{"2026-12-05T09:00:00Z", "2026-12-05T09:00:00.5Z", "2026-12-05T09:00:00.55Z", "2026-12-05T09:00:01.000123Z", "2026-12-05T09:00:00.123456789Z"} {
		if _, err := db.Exec(`INSERT INTO alerts (at, kind, event, severity, subject, message) VALUES (?, 'drift', ?, 'high', 's', 'm')`, at, at); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"2026-12-05T09:00:01.000123Z", "2026-12-05T09:00:00.55Z", "2026-12-05T09:00:00.5Z", "2026-12-05T09:00:00.123456789Z", "2026-12-05T09:00:00Z"}},
		{alertT0, []string{"2026-12-05T09:00:01.000123Z", "2026-12-05T09:00:00.55Z", "2026-12-05T09:00:00.5Z", "2026-12-05T09:00:00.123456789Z", "2026-12-05T09:00:00Z"}},
		{alertT0.Add(200 * time.Millisecond), []string{"2026-12-05T09:00:01.000123Z", "2026-12-05T09:00:00.55Z", "2026-12-05T09:00:00.5Z"}},
	} {
		got, err := st.Alerts(ctx, store.AlertFilter{Since: tt.since})
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, a := range got {
			events = append(events, a.Event)
			if want, _ := time.Parse(time.RFC3339Nano, a.Event); !a.At.Equal(want) {
				t.Errorf("alert of %s is at %v", a.Event, a.At)
			}
		}
		if diff := cmp.Diff(tt.want, events); diff != "" {
			t.Errorf("Alerts since %v (-want +got):\n%s", tt.since, diff)
		}
	}
}

// TestAlertsDefaultLimit: without a limit, the newest 200.
func TestAlertsDefaultLimit(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	var in []store.Alert
	for i := range 205 {
		in = append(in, driftAlert(fmt.Sprint(i), "s", "", alertT0.Add(time.Duration(i)*time.Second)))
	}
	if _, err := st.RecordAlerts(ctx, in, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	got, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 || got[0].Event != "204" || got[199].Event != "5" {
		t.Errorf("%d alerts, from %s to %s; want 200, from 204 to 5", len(got), got[0].Event, got[len(got)-1].Event)
	}
}

// TestRecordRepositories: the repositories each workload runs are
// recorded once; only those it never ran before come back.
func TestRecordRepositories(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	if has, err := st.HasRepositories(ctx); err != nil || has {
		t.Fatalf("HasRepositories on an empty store = %v, %v", has, err)
	}
	steps := []struct {
		repos map[string][]string
		fresh map[string][]string
	}{
		{repos: map[string][]string{}, fresh: map[string][]string{}},
		{
			repos: map[string][]string{"s": {"gcr.io/p/app", "docker.io/library/nginx"}, "t": {"gcr.io/p/app"}},
			fresh: map[string][]string{"s": {"gcr.io/p/app", "docker.io/library/nginx"}, "t": {"gcr.io/p/app"}},
		},
		{
			repos: map[string][]string{"s": {"gcr.io/p/app", "gcr.io/p/sidecar"}, "t": {"gcr.io/p/app"}, "u": {"docker.io/library/nginx"}},
			fresh: map[string][]string{"s": {"gcr.io/p/sidecar"}, "u": {"docker.io/library/nginx"}},
		},
		{
			repos: map[string][]string{"s": {"docker.io/library/nginx", "docker.io/library/nginx"}},
			fresh: map[string][]string{},
		},
		{
			repos: map[string][]string{"v": {"gcr.io/p/v", "gcr.io/p/v"}},
			fresh: map[string][]string{"v": {"gcr.io/p/v"}},
		},
	}
	for i, s := range steps {
		fresh, err := st.RecordRepositories(ctx, s.repos)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s.fresh, fresh); diff != "" {
			t.Errorf("step %d: fresh (-want +got):\n%s", i, diff)
		}
		if has, err := st.HasRepositories(ctx); err != nil || has != (i > 0) {
			t.Errorf("step %d: HasRepositories = %v, %v", i, has, err)
		}
	}
}
