package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/store"
)

// TestCountAlerts counts what Alerts lists, with the same filter.
func TestCountAlerts(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	now := time.Now()
	in := []store.Alert{
		{At: now.Add(-time.Hour), Kind: store.AlertDrift, Event: "ingress-widened", Severity: "medium", Subject: "w1", Workload: "w1", Message: "a"},
		{At: now.Add(-2 * time.Hour), Kind: store.AlertFinding, Event: "invoker-public", Severity: "high", Subject: "w1", Workload: "w1", FindingID: "f1", Message: "b"},
		{At: now.Add(-72 * time.Hour), Kind: store.AlertDrift, Event: "ingress-widened", Severity: "medium", Subject: "w2", Workload: "w2", Message: "c"},
	}
	if _, err := st.RecordAlerts(ctx, in, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.AlertFilter{{}, {Kind: store.AlertDrift}, {Workload: "w1"}, {Since: now.Add(-24 * time.Hour)}, {Kind: store.AlertFinding, Since: now.Add(-time.Hour)}} {
		n, err := st.CountAlerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		list, err := st.Alerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(list) {
			t.Errorf("%+v: counted %d, listed %d", f, n, len(list))
		}
	}
	if n, _ := st.CountAlerts(ctx, store.AlertFilter{Since: now.Add(-24 * time.Hour)}); n != 2 {
		t.Errorf("last day: %d, want 2", n)
	}
}

// TestSetSettingAudited sets and clears a setting with its audit entry in
// one transaction.
func TestSetSettingAudited(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	if err := st.SetSettingAudited(ctx, "k", "v", store.AuditEntry{Actor: "a@example.com", Action: "k.set", Target: "host"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Setting(ctx, "k"); v != "v" {
		t.Errorf("set: %q", v)
	}
	if err := st.SetSettingAudited(ctx, "k", "", store.AuditEntry{Actor: "a@example.com", Action: "k.clear"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Setting(ctx, "k"); v != "" {
		t.Errorf("cleared: %q", v)
	}
	log, err := st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action+" "+e.Target)
	}
	if strings.Join(got, ",") != "k.clear ,k.set host" {
		t.Errorf("audit = %q", got)
	}
}
