package posture_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
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

func demoReader(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		return nil, err
	}
	return r.Inventory(), nil
}

func serviceRisk(c *posture.Current, id string) int {
	for _, s := range c.Report.Scores.Services {
		if s.Service == id {
			return s.Risk
		}
	}
	return -1
}

func serviceScore(c *posture.Current, id string) int {
	for _, s := range c.Report.Scores.Services {
		if s.Service == id {
			return s.Score
		}
	}
	return -1
}

// TestExceptionExpires: an accepted risk stops costing points, then costs
// them again once its expiry passes, without a new sync.
func TestExceptionExpires(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := time.Now()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	ps.SetClock(func() time.Time { return clock })
	if _, err := ps.Sync(ctx, "demo", demoReader); err != nil {
		t.Fatal(err)
	}
	c, _ := ps.Current()
	var target, subject string
	best := -1
	for _, f := range c.Report.Findings {
		if f.Check == "invoker-public" && serviceScore(c, f.Subject) > best {
			target, subject, best = f.ID, f.Subject, serviceScore(c, f.Subject)
		}
	}
	riskBefore := serviceRisk(c, subject)
	if _, err := ps.AddException(ctx, posture.ExceptionRequest{FindingID: target, Owner: "web", Reason: "public site",
		Expires: clock.Add(time.Hour), Actor: "t@example.com"}); err != nil {
		t.Fatal(err)
	}
	c, _ = ps.Current()
	if got, want := serviceScore(c, subject), rules.ServiceScoreOf(riskBefore-20); got != want {
		t.Fatalf("with the exception: score %d, want %d (risk %d less 20)", got, want, riskBefore)
	}
	if !posture.Warm(c) {
		t.Error("the state re-served after an exception was not indexed first")
	}
	clock = clock.Add(2 * time.Hour)
	c, _ = ps.Current()
	if got := serviceScore(c, subject); got != best {
		t.Errorf("after expiry: score %d, want %d", got, best)
	}
	if !posture.Warm(c) {
		t.Error("the state re-served after an exception expired was not indexed first")
	}
	if f, _ := c.Report.Finding(target); f.Excepted {
		t.Error("finding still excepted after its exception expired")
	}
	// Restart: a new Service loads the stored snapshot with the same answer.
	ps2 := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	ps2.SetClock(func() time.Time { return clock })
	if err := ps2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	c2, _ := ps2.Current()
	if got := serviceScore(c2, subject); got != best {
		t.Errorf("after restart: score %d, want %d", got, best)
	}
	if len(c2.Report.Findings) != len(c.Report.Findings) {
		t.Errorf("after restart: %d findings, want %d", len(c2.Report.Findings), len(c.Report.Findings))
	}
}

// TestPartialReadIsNotServed: a read with a permission-denied part of the
// scope is recorded as a failed sync; the previous snapshot keeps serving.
func TestPartialReadIsNotServed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	first, err := ps.Sync(ctx, "demo", demoReader)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := ps.Overview(ctx); err != nil || o.LastFailed != nil {
		t.Fatalf("overview after a good sync: LastFailed %v, %v", o.LastFailed, err)
	}
	partial := func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
		inv, err := demoReader(ctx, progress)
		if err != nil {
			return nil, err
		}
		inv.Problems = append(inv.Problems, inventory.Problem{Source: inventory.Source{File: "live projects/denied (IAM_POLICY)"},
			Kind: inventory.ProblemPermissionDenied, Msg: "permission denied"})
		return inv, nil
	}
	if _, err := ps.Sync(ctx, "live: organizations/1", partial); err == nil {
		t.Fatal("a partial read was served")
	}
	c, _ := ps.Current()
	if c.Snapshot.ID != first.ID {
		t.Errorf("serving %d after a partial read, want %d", c.Snapshot.ID, first.ID)
	}
	list, _ := st.Snapshots(ctx, 5)
	if list[0].Status != "failed" {
		t.Errorf("latest sync = %+v, want a failed one that says why", list[0])
	}
	// The overview of the same served state is cached; a failed sync must
	// still show on it.
	if o, err := ps.Overview(ctx); err != nil || o.LastFailed == nil || o.LastFailed.ID != list[0].ID {
		t.Errorf("overview after the failed sync: LastFailed = %v (%v), want snapshot %d", o.LastFailed, err, list[0].ID)
	}
}

func TestServicesPaging(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	gen := func(ctx context.Context, _ func(posture.ReadProgress)) (*inventory.Inventory, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.Generate(pw, demo.Size{Projects: 5, ServicesPerProject: 50}, 1)) }()
		r := inventory.NewReader()
		if err := r.Read("g.jsonl", pr); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}
	if _, err := ps.Sync(ctx, "generated", gen); err != nil {
		t.Fatal(err)
	}
	all, err := ps.Services(posture.ServiceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 250 || len(all.Rows) != posture.PageSize || all.Pages != 3 || all.Page != 1 {
		t.Fatalf("first page: total %d, rows %d, pages %d, page %d", all.Total, len(all.Rows), all.Pages, all.Page)
	}
	last, _ := ps.Services(posture.ServiceFilter{Page: 3})
	if len(last.Rows) != 50 || last.Page != 3 {
		t.Errorf("last page: %d rows, page %d", len(last.Rows), last.Page)
	}
	beyond, _ := ps.Services(posture.ServiceFilter{Page: 99})
	if beyond.Page != 3 {
		t.Errorf("page 99 clamps to %d, want 3", beyond.Page)
	}
	one, _ := ps.Services(posture.ServiceFilter{Project: all.Projects[0]})
	if one.Total != 50 {
		t.Errorf("one project: %d services, want 50", one.Total)
	}
	for _, r := range one.Rows {
		if r.Project != all.Projects[0] {
			t.Errorf("row of project %s in a filter on %s", r.Project, all.Projects[0])
		}
	}

	// Findings are paged the same way (a large organization has hundreds of
	// thousands): every page in report order, together the whole report.
	c, _ := ps.Current()
	first, err := ps.Findings(ctx, posture.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := len(c.Report.Findings)
	if n <= posture.FindingsPageSize {
		t.Fatalf("%d findings: the test needs more than a page", n)
	}
	wantPages := (n + posture.FindingsPageSize - 1) / posture.FindingsPageSize
	if first.Total != n || first.Pages != wantPages || first.Page != 1 || len(first.Rows) != posture.FindingsPageSize || len(first.Checks) == 0 {
		t.Fatalf("findings page 1: total %d (want %d), pages %d (want %d), page %d, rows %d, %d checks",
			first.Total, n, first.Pages, wantPages, first.Page, len(first.Rows), len(first.Checks))
	}
	var ids []string
	for page := 1; page <= first.Pages+1; page++ { // one past the end: the last page again
		l, _ := ps.Findings(ctx, posture.FindingFilter{Page: page, List: true})
		if page > first.Pages {
			if l.Page != first.Pages {
				t.Errorf("findings page %d clamps to %d, want %d", page, l.Page, first.Pages)
			}
			break
		}
		for _, r := range l.Rows {
			ids = append(ids, r.ID)
		}
	}
	var want []string
	for _, f := range c.Report.Findings {
		want = append(want, f.ID)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("the pages together are not the report's findings in order (-want +got):\n%s", diff)
	}
	proj, _ := ps.Findings(ctx, posture.FindingFilter{Project: all.Projects[0], Severities: []rules.Severity{rules.High}})
	for _, r := range proj.Rows {
		if !slices.Contains(r.Projects, all.Projects[0]) || r.Severity.String() != "high" {
			t.Errorf("finding %s (projects %v, %s) in a filter on %s, high", r.ID, r.Projects, r.Severity, all.Projects[0])
		}
	}
	if proj.Total == 0 || proj.Total >= n {
		t.Errorf("project and severity filter: %d of %d findings", proj.Total, n)
	}
}

// A served state is indexed before it is served: the first requests after
// a sync do not each wait for the rows, fixes and finding indexes of a
// large organization.
func TestServedStateIsWarm(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "warm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if _, err := ps.Sync(ctx, "demo", demoReader); err != nil {
		t.Fatal(err)
	}
	c, err := ps.Current()
	if err != nil {
		t.Fatal(err)
	}
	if !posture.Warm(c) {
		t.Error("the served state was not indexed before it was served")
	}
}

func TestProgressETA(t *testing.T) {
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Second)
	tests := []struct {
		name string
		p    posture.Progress
		want time.Duration
		ok   bool
	}{
		{"a quarter read in 10s", posture.Progress{Phase: "reading", Started: start, Records: 250, Expected: 1000}, 30 * time.Second, true},
		{"no earlier sync", posture.Progress{Phase: "reading", Started: start, Records: 250}, 0, false},
		{"nothing read yet", posture.Progress{Phase: "reading", Started: start, Expected: 1000}, 0, false},
		{"more read than last time", posture.Progress{Phase: "reading", Started: start, Records: 1200, Expected: 1000}, 0, false},
		{"reading is over", posture.Progress{Phase: "checking", Started: start, Records: 250, Expected: 1000}, 0, false},
		{"a crawl: no estimate, no overflow", posture.Progress{Phase: "reading", Started: start.Add(-time.Hour), Records: 1, Expected: 3_000_000}, 0, false},
	}
	for _, tc := range tests {
		got, ok := tc.p.ETA(now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: ETA = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
