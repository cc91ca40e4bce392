package posture_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// The filter in the URL reads back as it was written: what a shared link
// or an action's return shows is the view it was made from.
func TestFindingFilterURL(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  posture.FindingFilter
		back  string // Values().Encode()
	}{
		{"no query: the default states, grouped", "", posture.FindingFilter{States: posture.DefaultStates()}, ""},
		{"state= means every state", "state=", posture.FindingFilter{}, "state="},
		{"checks and severities repeat, sorted and deduplicated",
			"check=b-check&check=a-check&check=b-check&severity=low&severity=HIGH&severity=nonsense",
			posture.FindingFilter{Checks: []string{"a-check", "b-check"}, Severities: []rules.Severity{rules.High, rules.Low}, States: posture.DefaultStates()},
			"check=a-check&check=b-check&severity=high&severity=low"},
		{"states by name, the label read too", "state=fixed&state=fix+proposed&state=bogus",
			posture.FindingFilter{States: []posture.State{posture.StateProposed, posture.StateFixed}}, "state=proposed&state=fixed"},
		{"list, page, project and label", "view=list&page=3&project=p1&label=team%3Dweb",
			posture.FindingFilter{States: posture.DefaultStates(), Project: "p1", Label: "team=web", List: true, Page: 3},
			"label=team%3Dweb&page=3&project=p1&view=list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got := posture.ParseFindingFilter(q)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseFindingFilter(%q) (-want +got):\n%s", tc.query, diff)
			}
			if back := got.Values().Encode(); back != tc.back {
				t.Errorf("ParseFindingFilter(%q).Values() = %q, want %q", tc.query, back, tc.back)
			}
			if again := posture.ParseFindingFilter(got.Values()); !cmp.Equal(again, got) {
				t.Errorf("%q does not read back: %+v, was %+v", got.Values().Encode(), again, got)
			}
		})
	}
}

// without reads the demo organization less the assets named names.
func without(names ...string) posture.Reader {
	return func(ctx context.Context, p func(posture.ReadProgress)) (*inventory.Inventory, error) {
		inv, err := demoReader(ctx, p)
		if err != nil {
			return nil, err
		}
		inv.Assets = slices.DeleteFunc(inv.Assets, func(a *inventory.Asset) bool { return slices.Contains(names, a.Name) })
		return inv, nil
	}
}

// Where findings stand: a finding the next snapshot no longer holds is
// fixed (with its first and last seen, and its evidence as stored), one
// with a change set under way is "fix proposed" and names it, an excepted
// one is excepted, one whose change set was applied is fixed; the rest are
// open. The counts beside each choice of the filter are what choosing it
// would show, and the groups add up to the list.
func TestFindingStates(t *testing.T) {
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
	c, _ := ps.Current()
	var goneID, removed string
	for _, f := range c.Report.Findings {
		if f.Check == "runtime-default-sa" {
			goneID, removed = f.ID, f.Subject
			break
		}
	}
	if goneID == "" {
		t.Fatal("the demo has no runtime-default-sa finding")
	}
	time.Sleep(2 * time.Millisecond) // the second snapshot is read later
	second, err := ps.Sync(ctx, "demo", without(removed))
	if err != nil {
		t.Fatal(err)
	}
	c, _ = ps.Current()
	open := c.Report.Findings
	var proposed, excepted, applied string
	for _, f := range open {
		switch {
		case f.Subject == removed:
			t.Fatalf("finding %s about %s is still there", f.ID, removed)
		case proposed == "" && f.Check == "invoker-public":
			proposed = f.ID
		case excepted == "" && f.Check == "image-not-pinned":
			excepted = f.ID
		case applied == "" && f.Check == "runtime-default-sa":
			applied = f.ID
		}
	}
	add := func(finding string) int64 {
		t.Helper()
		id, err := st.AddChangeSet(ctx, store.ChangeSetRow{Title: "fix " + finding, FindingID: finding, Check: "c", Subject: "s", SnapshotID: second.ID,
			Content: []byte(`{"fixes":["` + finding + `"]}`), ContentHash: "h" + finding, ProposedBy: "ann@example.com", ProposedSub: "ann", ProposedAt: time.Now()},
			store.AuditEntry{Actor: "ann@example.com", Action: "changeset.propose"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	proposal := add(proposed)
	done := add(applied)
	at := time.Now()
	audit := store.AuditEntry{Actor: "bob@example.com", Action: "test"}
	if err := st.Approve(ctx, done, "bob@example.com", "bob", "h"+applied, at, at.Add(time.Hour), audit); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimApply(ctx, done, "bob@example.com", at, audit); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishApply(ctx, done, true, "ok", nil, audit); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.AddException(ctx, posture.ExceptionRequest{FindingID: excepted, Owner: "o", Reason: "r", Expires: time.Now().Add(time.Hour), Actor: "m@example.com"}); err != nil {
		t.Fatal(err)
	}

	all, err := ps.Findings(ctx, posture.FindingFilter{List: true})
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]bool{}
	for _, f := range open {
		current[f.ID] = true
	}
	gone := 0
	want := map[string]posture.State{proposed: posture.StateProposed, excepted: posture.StateExcepted, applied: posture.StateFixed}
	for i, r := range all.Rows {
		w, ok := want[r.ID]
		if !ok {
			w = posture.StateOpen
		}
		if !current[r.ID] {
			w = posture.StateFixed
			gone++
			if i < len(open) {
				t.Errorf("gone finding %s listed at %d, before the snapshot's", r.ID, i)
			}
		}
		if r.State != w {
			t.Errorf("finding %s (%s) is %s, want %s", r.ID, r.Check, r.State, w)
		}
		if current[r.ID] == r.Gone {
			t.Errorf("finding %s: gone %v", r.ID, r.Gone)
		}
		if wantCS := map[string]int64{proposed: proposal, applied: done}[r.ID]; r.ChangeSet != wantCS {
			t.Errorf("finding %s: change set %d, want %d", r.ID, r.ChangeSet, wantCS)
		}
	}
	if all.Pages != 1 || gone == 0 || all.Total != len(open)+gone || !slices.ContainsFunc(all.Rows, func(r posture.FindingRow) bool { return r.ID == goneID }) {
		t.Errorf("every state: %d findings on %d pages, want the %d of the snapshot and the %d gone (%s among them), on one page",
			all.Total, all.Pages, len(open), gone, goneID)
	}
	if rows, _ := ps.FindingRows(ctx, []rules.Finding{{ID: proposed}}); len(rows) != 1 || rows[0].State != posture.StateProposed || rows[0].ChangeSet != proposal {
		t.Errorf("FindingRows(proposed) = %+v", rows)
	}

	// The page of the finding that went: fixed, seen in the first snapshot
	// only, evidence from the store.
	d, ok, err := ps.Finding(ctx, goneID)
	if err != nil || !ok {
		t.Fatalf("Finding(gone) = %v, %v", ok, err)
	}
	if !d.Gone || d.State != posture.StateFixed || d.Seen.Seen != 1 || d.Seen.Snapshots != 2 || d.Seen.LastSnapshot != first.ID ||
		d.Subject != removed || len(d.Evidence.Fields)+len(d.Evidence.Bindings)+len(d.Evidence.Path) == 0 || d.Rule.Slug != "runtime-default-sa" {
		t.Errorf("Finding(gone) = gone %v, %s, seen %+v, subject %s, evidence %+v, rule %q", d.Gone, d.State, d.Seen, d.Subject, d.Evidence, d.Rule.Slug)
	}
	d, ok, err = ps.Finding(ctx, proposed)
	if err != nil || !ok {
		t.Fatalf("Finding(proposed) = %v, %v", ok, err)
	}
	if d.Seen.Seen != 2 || !d.Seen.FirstSeen.Equal(first.CreatedAt) || !d.Seen.LastSeen.Equal(second.CreatedAt) ||
		d.Open == nil || d.Open.ID != proposal || len(d.ChangeSets) != 1 || d.SubjectNode == nil {
		t.Errorf("Finding(proposed): seen %+v (snapshots at %v, %v), open %v, %d change sets", d.Seen, first.CreatedAt, second.CreatedAt, d.Open, len(d.ChangeSets))
	}
	if d, _, _ := ps.Finding(ctx, excepted); d.Exception == nil || len(d.Exceptions) != 1 {
		t.Errorf("Finding(excepted): exception %v, %d recorded", d.Exception, len(d.Exceptions))
	}
	if _, ok, err := ps.Finding(ctx, "0000000000000000"); ok || err != nil {
		t.Errorf("Finding(unknown) = %v, %v; want not found", ok, err)
	}

	// Facet counts: choosing a value shows as many as its count said.
	base := posture.FindingFilter{Checks: []string{"invoker-public", "runtime-default-sa", "image-not-pinned"}, States: posture.DefaultStates(), List: true}
	l, err := ps.Findings(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range l.Facets.Severities {
		f := base
		sev, _ := rules.ParseSeverity(x.Value)
		f.Severities = []rules.Severity{sev}
		if got, _ := ps.Findings(ctx, f); got.Total != x.N {
			t.Errorf("severity %s: facet says %d, choosing it shows %d", x.Value, x.N, got.Total)
		}
	}
	for _, x := range l.Facets.States {
		f := base
		s, _ := posture.ParseState(x.Value)
		f.States = []posture.State{s}
		if got, _ := ps.Findings(ctx, f); got.Total != x.N {
			t.Errorf("state %s: facet says %d, choosing it shows %d", x.Value, x.N, got.Total)
		}
	}
	for _, x := range l.Facets.Checks {
		f := base
		f.Checks = []string{x.Value}
		if got, _ := ps.Findings(ctx, f); got.Total != x.N {
			t.Errorf("check %s: facet says %d, choosing it shows %d", x.Value, x.N, got.Total)
		}
	}
	for _, x := range l.Facets.Projects[:min(5, len(l.Facets.Projects))] {
		f := base
		f.Project = x.Value
		if got, _ := ps.Findings(ctx, f); got.Total != x.N {
			t.Errorf("project %s: facet says %d, choosing it shows %d", x.Value, x.N, got.Total)
		}
	}
	for _, r := range l.Rows {
		if r.State != posture.StateOpen && r.State != posture.StateProposed {
			t.Errorf("default states show %s finding %s", r.State, r.ID)
		}
	}

	// Groups: one per check, adding up to the list, workloads and projects
	// counted once each.
	g, err := ps.FindingGroups(ctx, posture.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, gr := range g.Groups {
		sum += gr.Findings
		list, _ := ps.Findings(ctx, posture.FindingFilter{Checks: []string{gr.Check}, List: true})
		workloads, projects := map[string]bool{}, map[string]bool{}
		for _, r := range list.Rows {
			for _, a := range r.Affects {
				workloads[a] = true
			}
			for _, p := range r.Projects {
				projects[p] = true
			}
		}
		if list.Total != gr.Findings || len(workloads) != gr.Workloads || len(projects) != gr.Projects {
			t.Errorf("group %s: %d findings, %d workloads, %d projects; the list has %d, %d, %d",
				gr.Check, gr.Findings, gr.Workloads, gr.Projects, list.Total, len(workloads), len(projects))
		}
		if gr.Fix == "" || strings.Count(gr.Fix, ". ") > 0 || gr.Title == "" || len(gr.Instances) != min(gr.Findings, posture.GroupInstances) {
			t.Errorf("group %s: fix %q, title %q, %d instances", gr.Check, gr.Fix, gr.Title, len(gr.Instances))
		}
		if i > 0 && g.Groups[i-1].Severity < gr.Severity {
			t.Errorf("group %s (%s) after %s (%s)", gr.Check, gr.Severity, g.Groups[i-1].Check, g.Groups[i-1].Severity)
		}
	}
	if sum != g.Total || g.Total != all.Total {
		t.Errorf("groups add up to %d of %d findings (the list has %d)", sum, g.Total, all.Total)
	}
}
