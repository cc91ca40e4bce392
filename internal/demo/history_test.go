package demo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// historyAsOf matches the generator's (history_gen_test.go): the current
// state was exported after its newest update_time; snapshot W is W weeks
// earlier.
var historyAsOf = time.Date(2025, 12, 5, 18, 0, 0, 0, time.UTC)

// deletedSince are the assets of the history that no longer exist: every
// overlay name is a current asset or one of these.
var deletedSince = map[string]bool{
	"//iam.googleapis.com/projects/fleet-data-prod/serviceAccounts/165266901758609965157/keys/e3ce701b7fa079a0d746b48cdc20e1d11965d096": true,
	"//cloudsql.googleapis.com/projects/ledger-prod/instances/ledger-db-migration":                                                      true,
	"//storage.googleapis.com/ledger-prod-statements":                                                                                   true,
}

func historyName(weeksAgo int) string { return fmt.Sprintf("w-%02d.jsonl", weeksAgo) }

// readInventory reads fsys and fails the test on any inventory problem.
func readInventory(t *testing.T, what string, fsys fs.FS) *inventory.Inventory {
	t.Helper()
	r := inventory.NewReader()
	if err := r.ReadFS(fsys); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	inv := r.Inventory()
	for _, p := range inv.Problems {
		t.Errorf("%s: %s", what, p)
	}
	return inv
}

func TestHistoryList(t *testing.T) {
	h := demo.History()
	if len(h) < 3 {
		t.Fatalf("%d snapshots, want at least 3", len(h))
	}
	for i, s := range h {
		if s.WeeksAgo <= 0 || (i > 0 && s.WeeksAgo >= h[i-1].WeeksAgo) {
			t.Errorf("snapshot %d is %d weeks ago: want positive, oldest first", i, s.WeeksAgo)
		}
		name := historyName(s.WeeksAgo)
		if err := fstest.TestFS(s.FS, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		entries, err := fs.ReadDir(s.FS, ".")
		if err != nil || len(entries) != 1 || entries[0].Name() != name {
			t.Errorf("%s: root holds %v (%v), want only %s", name, entries, err, name)
		}
	}
}

// TestHistoryRecords checks every overlay line: valid JSON with a name, an
// asset_type and a resource (with data) or an IAM policy, at most one record
// of each kind per asset, naming a current asset of the same type or one
// deleted since.
func TestHistoryRecords(t *testing.T) {
	base := readInventory(t, "org", demo.FS())
	types := map[string]string{}
	for _, a := range base.Assets {
		types[a.Name] = a.Type
	}
	deleted := map[string]bool{}
	for _, s := range demo.History() {
		name := historyName(s.WeeksAgo)
		b, err := fs.ReadFile(s.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		seen := map[string]bool{}
		line := 0
		for sc.Scan() {
			line++
			var rec struct {
				Name      string `json:"name"`
				AssetType string `json:"asset_type"`
				Resource  *struct {
					Data map[string]any `json:"data"`
				} `json:"resource"`
				IAMPolicy *struct {
					Bindings []json.RawMessage `json:"bindings"`
				} `json:"iam_policy"`
				OrgPolicy  json.RawMessage `json:"org_policy"`
				UpdateTime string          `json:"update_time"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Errorf("%s:%d: %v", name, line, err)
				continue
			}
			where := fmt.Sprintf("%s:%d: %s", name, line, rec.Name)
			if rec.Name == "" || rec.AssetType == "" {
				t.Errorf("%s: name %q, asset_type %q", where, rec.Name, rec.AssetType)
			}
			kind := ""
			switch {
			case rec.Resource != nil && rec.IAMPolicy == nil && rec.OrgPolicy == nil:
				kind = "resource"
				if len(rec.Resource.Data) == 0 {
					t.Errorf("%s: resource without data", where)
				}
			case rec.IAMPolicy != nil && rec.Resource == nil && rec.OrgPolicy == nil:
				kind = "iam_policy"
				if len(rec.IAMPolicy.Bindings) == 0 {
					t.Errorf("%s: IAM policy without bindings", where)
				}
			default:
				t.Errorf("%s: want exactly one of resource and iam_policy", where)
			}
			if _, err := time.Parse(time.RFC3339, rec.UpdateTime); err != nil {
				t.Errorf("%s: update_time: %v", where, err)
			}
			if seen[kind+rec.Name] {
				t.Errorf("%s: second %s record", where, kind)
			}
			seen[kind+rec.Name] = true
			switch typ, ok := types[rec.Name]; {
			case ok && typ != rec.AssetType:
				t.Errorf("%s: asset_type %s, the current asset is a %s", where, rec.AssetType, typ)
			case !ok && !deletedSince[rec.Name]:
				t.Errorf("%s: not a current asset, and not listed as deleted since", where)
			case !ok:
				deleted[rec.Name] = true
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if line == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	for name := range deletedSince {
		if !deleted[name] {
			t.Errorf("%s is listed as deleted since but appears in no overlay", name)
		}
	}
}

type state struct {
	label    string
	score    int
	findings int
	report   *scan.Report
}

// scanHistory scans every snapshot, oldest first, then the current state.
func scanHistory(t *testing.T) []state {
	t.Helper()
	base := readInventory(t, "org", demo.FS())
	roles := iam.MustPredefined()
	open := func(r *scan.Report) int {
		n := 0
		for _, c := range r.Counts() {
			n += c
		}
		return n
	}
	var out []state
	for _, s := range demo.History() {
		name := historyName(s.WeeksAgo)
		inv := inventory.Overlay(base, readInventory(t, name, s.FS))
		if len(inv.Assets) < len(base.Assets) {
			t.Errorf("%s: %d assets, fewer than the %d of the base", name, len(inv.Assets), len(base.Assets))
		}
		at := historyAsOf.AddDate(0, 0, -7*s.WeeksAgo)
		r := scan.Run(inv, roles, rules.All(), at, nil)
		for _, p := range r.Problems {
			t.Errorf("%s: %s", name, p)
		}
		out = append(out, state{fmt.Sprintf("%d weeks ago", s.WeeksAgo), r.Scores.Organization.Score, open(r), r})
	}
	r := scan.Run(base, roles, rules.All(), historyAsOf, nil)
	return append(out, state{"now", r.Scores.Organization.Score, open(r), r})
}

// TestHistoryTrend checks that the history shows an improvement: the
// organization score rises and the number of open findings falls at every
// step, ending at the current demo.
func TestHistoryTrend(t *testing.T) {
	states := scanHistory(t)
	for i, s := range states {
		t.Logf("%-12s score %3d  open findings %3d", s.label, s.score, s.findings)
		if i == 0 {
			continue
		}
		p := states[i-1]
		if s.score <= p.score {
			t.Errorf("%s: score %d, want above %d (%s)", s.label, s.score, p.score, p.label)
		}
		if s.findings >= p.findings {
			t.Errorf("%s: %d open findings, want fewer than %d (%s)", s.label, s.findings, p.findings, p.label)
		}
	}
}

// TestHistoryStory pins the story history/README.md tells: at each step the
// listed findings close, and no finding opens.
func TestHistoryStory(t *testing.T) {
	run := func(project, kind, name string) string {
		return "//run.googleapis.com/projects/" + project + "/locations/us-central1/" + kind + "/" + name
	}
	type finding struct{ check, subject string }
	closes := [][]finding{
		{ // from six to four weeks ago
			{"runtime-default-sa", run("ledger-prod", "services", "ledger-api")},
			{"env-plaintext-secret", run("ledger-prod", "services", "ledger-api")},
			{"image-not-pinned", run("fleet-web-prod", "services", "fleet-auth")},
			{"image-not-pinned", run("ledger-prod", "jobs", "ledger-reconcile")},
			{"binauthz-not-enforced", run("ledger-prod", "jobs", "ledger-reconcile")},
			{"runtime-sa-key", "serviceAccount:fleet-ml@fleet-data-prod.iam.gserviceaccount.com"},
			{"runtime-basic-role", "serviceAccount:648302957614-compute@developer.gserviceaccount.com"},
		},
		{ // from four to two weeks ago
			{"env-plaintext-secret", run("fleet-web-prod", "services", "fleet-cart")},
			{"sql-open-network", "//cloudsql.googleapis.com/projects/ledger-prod/instances/ledger-db-migration"},
			{"bucket-public", "//storage.googleapis.com/ledger-prod-statements"},
			{"runtime-basic-role", "serviceAccount:fleet-dev-runtime@fleet-dev.iam.gserviceaccount.com"},
			{"invoker-public", run("ledger-prod", "services", "ledger-api")},
			{"env-plaintext-secret", run("fleet-web-prod", "services", "fleet-checkout")},
		},
		{ // in the last two weeks
			{"runtime-privileged", "serviceAccount:fleet-ml@fleet-data-prod.iam.gserviceaccount.com"},
			{"image-not-pinned", run("ledger-prod", "services", "ledger-api")},
		},
	}
	states := scanHistory(t)
	if len(states) != len(closes)+1 {
		t.Fatalf("%d states, the story has %d", len(states), len(closes)+1)
	}
	open := func(s state) map[string]bool {
		m := map[string]bool{}
		for _, f := range s.report.Findings {
			if !f.Excepted {
				m[f.Check+" "+f.Subject] = true
				m[f.ID] = true
			}
		}
		return m
	}
	for i, fs := range closes {
		before, after := states[i], states[i+1]
		was, is := open(before), open(after)
		for _, f := range fs {
			k := f.check + " " + f.subject
			if !was[k] || is[k] {
				t.Errorf("%s on %s: open %s: %v, %s: %v; want open, then closed", f.check, f.subject, before.label, was[k], after.label, is[k])
			}
		}
		for _, f := range after.report.Findings {
			if !f.Excepted && !was[f.ID] {
				t.Errorf("%s: %s on %s opens (was not open %s)", after.label, f.Check, f.Subject, before.label)
			}
		}
	}
	ledger := func(s state) int {
		for _, sc := range s.report.Scores.Services {
			if sc.Service == run("ledger-prod", "services", "ledger-api") {
				return sc.Score
			}
		}
		t.Fatalf("%s: no score for ledger-api", s.label)
		return 0
	}
	if first, last := ledger(states[0]), ledger(states[len(states)-1]); first >= 50 || last != 100 {
		t.Errorf("ledger-api scores %d six weeks ago and %d now: want a poor start and a clean finish", first, last)
	}
}
