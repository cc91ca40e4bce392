package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// TestScanDemoGolden pins the scan document of the demo organization; run
// with -update after an intended change and review the diff.
func TestScanDemoGolden(t *testing.T) {
	out, _, err := runCmd(t, "scan", "--demo", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "demo-scan.golden.json")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/server -update)", err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("scan --demo --format json (-golden +got):\n%s", diff)
	}
}

type scanDoc struct {
	Summary struct {
		Records  int            `json:"records"`
		Assets   int            `json:"assets"`
		Services int            `json:"services"`
		Jobs     int            `json:"jobs"`
		Problems []string       `json:"problems"`
		Unknown  map[string]int `json:"unrecognisedAssetTypes"`
	} `json:"summary"`
	Findings []struct {
		ID       string   `json:"id"`
		Check    string   `json:"check"`
		Severity string   `json:"severity"`
		Subject  string   `json:"subject"`
		Affects  []string `json:"affects"`
		Evidence struct {
			Bindings []map[string]string `json:"bindings"`
			Fields   []map[string]string `json:"fields"`
		} `json:"evidence"`
		Excepted *bool `json:"excepted"`
	} `json:"findings"`
	Scores struct {
		Organization struct {
			Score *int   `json:"score"`
			Grade string `json:"grade"`
		} `json:"organization"`
		Projects []struct {
			Project string `json:"project"`
			Score   *int   `json:"score"`
			Grade   string `json:"grade"`
		} `json:"projects"`
		Services []struct {
			Service string `json:"service"`
			Score   *int   `json:"score"`
			Risk    *int   `json:"risk"`
			Grade   string `json:"grade"`
		} `json:"services"`
	} `json:"scores"`
}

// TestScanRealSamples scans the published CAI samples: the output has the
// DESIGN §9 shape and the findings the samples imply.
func TestScanRealSamples(t *testing.T) {
	out, stderr, err := runCmd(t, "scan", "--format", "json", "--input", "../../internal/inventory/testdata/real")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "records") {
		t.Errorf("stderr lacks the read summary: %q", stderr)
	}
	var d scanDoc
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("scan output is not the documented shape: %v", err)
	}
	if d.Summary.Services != 3 || d.Summary.Jobs != 1 {
		t.Errorf("services/jobs = %d/%d, want the 3 TGC services and 1 job", d.Summary.Services, d.Summary.Jobs)
	}
	// The non-CAI files (role describes, recommender JSON) are named as problems.
	var roleProblem bool
	for _, p := range d.Summary.Problems {
		if strings.Contains(p, "roles_run.invoker.json") && strings.Contains(p, "not") {
			roleProblem = true
		}
	}
	if !roleProblem {
		t.Errorf("no problem names iam-roles/roles_run.invoker.json: %v", d.Summary.Problems)
	}
	checks := map[string]int{}
	for _, f := range d.Findings {
		checks[f.Check]++
		if f.ID == "" || f.Severity == "" || f.Subject == "" || f.Affects == nil || f.Excepted == nil {
			t.Errorf("finding missing a documented field: %+v", f)
		}
	}
	// Every TGC service and job leaves serviceAccountName empty.
	if checks["runtime-default-sa"] != 4 {
		t.Errorf("runtime-default-sa findings = %d, want 4 (3 services + 1 job)", checks["runtime-default-sa"])
	}
	if d.Scores.Organization.Score == nil || d.Scores.Organization.Grade == "" || len(d.Scores.Services) != 4 {
		t.Errorf("scores = %+v", d.Scores)
	}
}

func TestScanFailOn(t *testing.T) {
	_, _, err := runCmd(t, "scan", "--demo", "--fail-on", "high")
	var code exitCode
	if !errors.As(err, &code) || code != 3 {
		t.Errorf("scan --fail-on high on the demo = %v, want exit status 3", err)
	}
	if _, _, err := runCmd(t, "scan", "--demo"); err != nil {
		t.Errorf("scan without --fail-on = %v, want success despite findings", err)
	}
}

// TestScanTimings: --timings prints every phase, the build's steps and the
// slowest checks, in order, once the report is written.
func TestScanTimings(t *testing.T) {
	stdout, stderr, err := runCmd(t, "scan", "--demo", "--format", "json", "--timings")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(stdout)) {
		t.Errorf("the report on stdout is not JSON:\n%.200s", stdout)
	}
	rest := stderr
	for _, want := range []string{"timings for", "\n  read ", "\n  build ", "\n    views ", "\n    resources ", "\n    bindings ",
		"\n    index ", "\n  checks ", "\n    slowest: ", "\n  scores ", "\n  report ", "\n  total "} {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("scan --timings: no %q (in order) in\n%s", want, stderr)
		}
		rest = rest[i+len(want):]
	}
}

// TestScanBaselineInCI is the CI use: a scan's JSON (or SARIF) kept as the
// baseline, then the same inventory scanned against it fails only on new
// findings with --only-new, in every format; --only-new alone is refused.
func TestScanBaselineInCI(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"json", "sarif"} {
		out, _, err := runCmd(t, "scan", "--demo", "--format", format)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(dir, "base."+format)
		if err := os.WriteFile(base, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"text", "json", "sarif"} {
			if _, _, err := runCmd(t, "scan", "--demo", "--format", f, "--baseline", base, "--only-new", "--fail-on", "low"); err != nil {
				t.Errorf("scan against its own %s baseline, --format %s --only-new --fail-on low = %v, want success", format, f, err)
			}
			var code exitCode
			if _, _, err := runCmd(t, "scan", "--demo", "--format", f, "--baseline", base, "--fail-on", "high"); !errors.As(err, &code) || code != 3 {
				t.Errorf("--fail-on high without --only-new = %v, want exit status 3 (existing findings count)", err)
			}
		}
		out, _, err = runCmd(t, "scan", "--demo", "--format", "json", "--baseline", base)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, `"baselineState": "new"`) || !strings.Contains(out, `"baselineState": "unchanged"`) {
			t.Errorf("against its own %s baseline the JSON marks findings new", format)
		}
	}
	if _, _, err := runCmd(t, "scan", "--demo", "--only-new"); err == nil || !strings.Contains(err.Error(), "--only-new needs --baseline") {
		t.Errorf("--only-new without --baseline = %v", err)
	}
	if _, _, err := runCmd(t, "scan", "--demo", "--baseline", filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing baseline file is not an error")
	}
}

func TestGraphJSON(t *testing.T) {
	out, _, err := runCmd(t, "graph", "--demo", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Nodes []map[string]any `json:"nodes"`
		Edges []map[string]any `json:"edges"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, n := range d.Nodes {
		if n["id"] == "" || n["kind"] == "" || n["label"] == nil {
			t.Fatalf("node without id/kind/label: %v", n)
		}
		kinds[n["kind"].(string)] = true
		// Labels are display names (names.Of), as on pages: a group by its
		// email, not its member string.
		if n["id"] == "group:fleet-devs@example.com" && n["label"] != "fleet-devs@example.com" {
			t.Errorf("group fleet-devs is labelled %v, want its email", n["label"])
		}
	}
	edgeKinds := map[string]bool{}
	for _, e := range d.Edges {
		edgeKinds[e["kind"].(string)] = true
	}
	for _, k := range []string{"service", "job", "serviceAccount", "public", "subscription", "project", "folder", "organization"} {
		if !kinds[k] {
			t.Errorf("no %s node in the demo graph", k)
		}
	}
	for _, k := range []string{"child_of", "runs_as", "can_invoke", "pushes_to", "authenticates_as", "has_role", "can_act_as", "uses", "triggers"} {
		if !edgeKinds[k] {
			t.Errorf("no %s edge in the demo graph", k)
		}
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"scan without input", []string{"scan"}, "--input"},
		{"scan bad format", []string{"scan", "--demo", "--format", "xml"}, "unknown --format"},
		{"scan bad severity", []string{"scan", "--demo", "--fail-on", "severe"}, "unknown severity"},
		{"scan missing file", []string{"scan", "--input", "does-not-exist.json"}, "does-not-exist.json"},
		{"serve without audience", []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, "--iap-audience"},
		{"dev mode off loopback", []string{"serve", "--dev-user", "a@example.com", "--addr", "0.0.0.0:8080"}, "loopback"},
		{"sync both live and files", []string{"sync", "--scope", "projects/p", "--demo"}, "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("runlens %v = %v, want an error mentioning %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestSyncFiles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	out, _, err := runCmd(t, "sync", "--demo", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "snapshot 1: demo:") {
		t.Errorf("sync output = %q", out)
	}
	// The demo sets literal values on secret-like env vars: none may reach
	// the database (or its WAL).
	for _, f := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, secret := range []string{"demo-only-not-a-real-password", "demo-only-fake-api-key", "demo-only-not-a-real-token"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds the secret value %q", filepath.Base(f), secret)
			}
		}
	}
	// An empty input fails and leaves snapshot 1 current.
	empty := t.TempDir()
	if _, _, err := runCmd(t, "sync", "--input", empty, "--db", db); err == nil {
		t.Error("sync of an empty directory succeeded")
	}
}

func TestScanMarksExceptions(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "x.db")
	out, _, err := runCmd(t, "scan", "--demo", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var d scanDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	target := d.Findings[0]
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddException(ctx, store.Exception{FindingID: target.ID, Check: target.Check, Subject: target.Subject,
		Owner: "team", Reason: "accepted", ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "t"}, time.Now(), store.AuditEntry{Actor: "t", Action: "exception.add"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, _, err = runCmd(t, "scan", "--demo", "--format", "json", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Findings {
		if got := *f.Excepted; got != (f.ID == target.ID) {
			t.Errorf("finding %s excepted = %v", f.ID, got)
		}
	}
}

// TestScoresMatchFormula recomputes every score from the scan document's
// findings alone, with DESIGN §5's formula, and compares: each service,
// each project and the organization.
func TestScoresMatchFormula(t *testing.T) {
	out, _, err := runCmd(t, "scan", "--demo", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var d scanDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	weight := map[string]int{"critical": 40, "high": 20, "medium": 8, "low": 3}
	lost := map[string]int{}
	for _, f := range d.Findings {
		if *f.Excepted {
			continue
		}
		for _, a := range f.Affects {
			lost[a] += weight[f.Severity]
		}
	}
	byProject := map[string][]int{}
	var all []int
	for _, s := range d.Scores.Services {
		// 100 when clean, else max(1, round(100*50/(50+risk))).
		want := 100
		if r := lost[s.Service]; r > 0 {
			want = max(1, int(math.Round(5000/float64(50+r))))
		}
		if s.Risk == nil || *s.Risk != lost[s.Service] {
			t.Errorf("service %s: risk %v, want %d", s.Service, s.Risk, lost[s.Service])
		}
		if *s.Score != want {
			t.Errorf("service %s: score %d, formula %d", s.Service, *s.Score, want)
		}
		// //run.googleapis.com/projects/PROJECT/locations/...
		project := strings.Split(s.Service, "/")[4]
		byProject[project] = append(byProject[project], want)
		all = append(all, want)
	}
	mean := func(xs []int) int {
		sum := 0
		for _, x := range xs {
			sum += x
		}
		return int(math.Floor(float64(sum)/float64(len(xs)) + 0.5))
	}
	for _, p := range d.Scores.Projects {
		if xs, ok := byProject[p.Project]; ok && *p.Score != mean(xs) {
			t.Errorf("project %s: score %d, formula %d", p.Project, *p.Score, mean(xs))
		} else if !ok && *p.Score != 100 {
			t.Errorf("project %s without services: score %d, want 100", p.Project, *p.Score)
		}
	}
	if got, want := *d.Scores.Organization.Score, mean(all); got != want {
		t.Errorf("organization: score %d, formula %d", got, want)
	}
}

// TestDemoHistory: serving the demo on an empty database stores its dated
// history first, so the organization trend shows improvement on first run.
func TestDemoHistory(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), newLogger(io.Discard, true), 0)
	if err := seedDemoHistory(ctx, st, ps); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Sync(ctx, "demo", func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		return readFS(demo.FS())
	}); err != nil {
		t.Fatal(err)
	}
	h, err := st.ScoreHistory(ctx, "organization", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(demo.History()) + 1; len(h) != want || want < 3 {
		t.Fatalf("history has %d points, want %d (at least 3)", len(h), want)
	}
	for i := 1; i < len(h); i++ {
		if !h[i].At.After(h[i-1].At) || h[i].Score <= h[i-1].Score {
			t.Errorf("point %d (%s, %d) does not improve on %d (%s, %d)", i, h[i].At, h[i].Score, i-1, h[i-1].At, h[i-1].Score)
		}
	}
	// A second start does not seed again.
	if err := seedDemoHistory(ctx, st, ps); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.ScoreHistory(ctx, "organization", "", 100); len(again) != len(h) {
		t.Errorf("a second start added history: %d points", len(again))
	}
}

func TestServeSourceErrors(t *testing.T) {
	_, _, err := runCmd(t, "serve", "--dev-user", "a@example.com", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--scope", "projects/p", "--demo")
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("serve --scope with --demo = %v, want a refusal", err)
	}
}

func TestGenerate(t *testing.T) {
	out, _, err := runCmd(t, "generate", "--size", "2x3")
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := runCmd(t, "generate", "--size", "2x3")
	if out != again || strings.Count(out, "\n") < 50 {
		t.Errorf("generate is not deterministic or too short: %d lines", strings.Count(out, "\n"))
	}
	f := filepath.Join(t.TempDir(), "g.jsonl")
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	scanned, stderr, err := runCmd(t, "scan", "--input", f, "--format", "json")
	if err != nil || !strings.Contains(stderr, "0 skipped") {
		t.Fatalf("scan of the generated file: %v, %s", err, stderr)
	}
	var d scanDoc
	if err := json.Unmarshal([]byte(scanned), &d); err != nil || d.Summary.Services+d.Summary.Jobs != 6 {
		t.Errorf("generated 2x3 scans to %d services and jobs, want 6 (%v)", d.Summary.Services+d.Summary.Jobs, err)
	}
	if _, _, err := runCmd(t, "generate", "--size", "x"); err == nil {
		t.Error("a bad size was accepted")
	}
}

// The command line's progress line adds pages and the time left, where
// known, to the records read.
func TestProgressDetail(t *testing.T) {
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Second)
	tests := []struct {
		p    posture.Progress
		want string
	}{
		{posture.Progress{Phase: "reading", Started: start, Records: 100}, ""},
		{posture.Progress{Phase: "reading", Started: start, Records: 100, Pages: 4}, " (4 pages)"},
		{posture.Progress{Phase: "reading", Started: start, Records: 100, Pages: 4, Expected: 400},
			" (4 pages, about 30s left, going by the last sync's 400 records)"},
		{posture.Progress{Phase: "reading", Started: start, Records: 100, Expected: 400}, " (about 30s left, going by the last sync's 400 records)"},
	}
	for _, tc := range tests {
		if got := progressDetail(tc.p, now); got != tc.want {
			t.Errorf("progressDetail(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// A live sync's progress is the sum over its reads and scopes; the
// recommender read names the same scopes as the assets read and must not
// replace their counts.
func TestProgressSum(t *testing.T) {
	var got []posture.ReadProgress
	sum := newProgressSum(func(p posture.ReadProgress) { got = append(got, p) })
	assets, recs := sum.of("assets"), sum.of("recommender")
	assets("organizations/1", 500, 1)
	assets("projects/p", 200, 1)
	assets("organizations/1", 1000, 2)
	recs("organizations/1", 3, 1)
	recs("projects/p", 1, 1)
	want := []posture.ReadProgress{{Records: 500, Pages: 1}, {Records: 700, Pages: 2}, {Records: 1200, Pages: 3},
		{Records: 1203, Pages: 4}, {Records: 1204, Pages: 5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// TestScanPlan is the pre-deploy use: a Terraform plan scanned alone or
// over what exists, failing the build on a severe finding, naming the
// resource addresses, and the fix rendered on those resources.
func TestScanPlan(t *testing.T) {
	plan := filepath.Join("testdata", "ci", "shop", "plan.json")
	out, stderr, err := runCmd(t, "scan", "--plan", plan, "--fail-on", "high")
	var code exitCode
	if !errors.As(err, &code) || code != 3 {
		t.Errorf("scan --plan --fail-on high = %v, want exit status 3", err)
	}
	for _, want := range []string{"terraform: google_cloud_run_v2_service.api", "terraform: google_cloud_run_v2_service_iam_member.public",
		"template.0.containers.0.image is known only after apply"} {
		if !strings.Contains(out, want) {
			t.Errorf("scan --plan output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "values known only after apply") {
		t.Errorf("stderr = %q, want the plan's summary", stderr)
	}

	// Over the demo organization: the plan's findings are there with
	// their addresses, the demo's too.
	out, _, err = runCmd(t, "scan", "--demo", "--plan", plan, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []rules.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var planned, existing int
	var public string
	for _, f := range doc.Findings {
		if len(f.Addresses) > 0 {
			planned++
		} else {
			existing++
		}
		if f.Check == "invoker-public" && slices.Contains(f.Addresses, "google_cloud_run_v2_service_iam_member.public") {
			public = f.ID
		}
	}
	if planned == 0 || existing == 0 || public == "" {
		t.Errorf("over the demo: %d findings on the plan, %d on the demo, public invoker %q", planned, existing, public)
	}

	// Its own SARIF as the baseline: nothing new.
	sarif, _, err := runCmd(t, "scan", "--plan", plan, "--format", "sarif")
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "base.sarif")
	if err := os.WriteFile(base, []byte(sarif), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "scan", "--plan", plan, "--baseline", base, "--only-new", "--fail-on", "low"); err != nil {
		t.Errorf("a plan against its own baseline = %v, want nothing new", err)
	}

	tf, _, err := runCmd(t, "plan", "--demo", "--plan", plan, "--finding", public, "--format", "terraform")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf, "Delete resource google_cloud_run_v2_service_iam_member.public from your configuration") {
		t.Errorf("the fix of the public invoker does not name its resource:\n%s", tf)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--plan", "missing.json"}, "--plan"},
		{[]string{"scan", "--demo", "--tf-dir", "."}, "--tf-dir needs --plan"},
		{[]string{"scan", "--plan", filepath.Join("testdata", "ci", "shop", "main.tf")}, "not JSON"},
	} {
		if _, _, err := runCmd(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runlens %v = %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestWatchReplay replays the demo's feed file: one alert per change (a
// service made public, an identity switched to the default account, an
// image moved to Docker Hub), none for the message delivered again or the
// late one, none at all on a second replay; a malformed line is reported
// with its line number and the rest applied.
func TestWatchReplay(t *testing.T) {
	db := filepath.Join(t.TempDir(), "watch.db")
	feed := filepath.Join("..", "..", "internal", "demo", "feed", "changes.jsonl")
	out, stderr, err := runCmd(t, "watch", "--replay", feed, "--db", db, "--demo")
	if err != nil {
		t.Fatalf("watch: %v\n%s", err, stderr)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct{ Event, Workload, Message string }
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		got = append(got, a.Event+" "+a.Workload[strings.LastIndex(a.Workload, "/")+1:])
		if name := a.Workload[strings.LastIndex(a.Workload, "/")+1:]; !strings.Contains(a.Message, name) {
			t.Errorf("alert %q does not name %s", a.Message, name)
		}
	}
	want := []string{"public-invoker fleet-ml-score", "service-account-changed ledger-api", "new-image-repository qa-mock-payments"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts = %q, want %q", got, want)
	}
	if !strings.Contains(stderr, "6 messages: 3 changes applied, 2 stale") {
		t.Errorf("summary: %s", stderr)
	}
	out, _, err = runCmd(t, "watch", "--replay", feed, "--db", db)
	if err != nil || out != "" {
		t.Errorf("second replay: %v, alerts %q; want none", err, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"asset\":{}}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runCmd(t, "watch", "--replay", bad, "--db", db)
	if err != nil || !strings.Contains(stderr, "bad.jsonl:2: feed: not a feed notification") || !strings.Contains(stderr, "2 malformed") {
		t.Errorf("malformed lines: %v\n%s", err, stderr)
	}
	if _, _, err := runCmd(t, "watch", "--replay", feed, "--db", filepath.Join(t.TempDir(), "empty.db")); err == nil || !strings.Contains(err.Error(), "has no snapshot") {
		t.Errorf("watch on an empty database = %v", err)
	}
}
