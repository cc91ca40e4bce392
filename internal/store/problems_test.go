package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/inventory"
)

// TestSnapshotProblemTally: a snapshot stores the first
// inventory.MaxProblems problems and the counts of all of them by kind; the
// history and the current snapshot give both back.
func TestSnapshotProblemTally(t *testing.T) {
	ctx := context.Background()
	st, _ := open(t)
	in := sampleInput()
	in.Problems = nil
	for i := range 1200 {
		in.Problems = append(in.Problems, inventory.Problem{Source: inventory.Source{File: "a.jsonl", Line: i + 1}, Kind: inventory.ProblemMalformed, Msg: "invalid JSON"})
	}
	all := map[inventory.ProblemKind]int{inventory.ProblemMalformed: 12000, inventory.ProblemDuplicate: 345}
	in.ProblemTally = inventory.TallyProblems(in.Problems[:inventory.MaxProblems], all)
	if _, err := st.SaveSnapshot(ctx, in); err != nil {
		t.Fatal(err)
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sn.Problems) != inventory.MaxProblems || sn.Problems[0] != "a.jsonl:1: invalid JSON" {
		t.Errorf("stored %d problems starting %q, want %d starting a.jsonl:1", len(sn.Problems), sn.Problems[0], inventory.MaxProblems)
	}
	if diff := cmp.Diff(in.ProblemTally, sn.ProblemTally); diff != "" {
		t.Errorf("ProblemTally (-saved +loaded):\n%s", diff)
	}
	if got, want := sn.ProblemTally.More(), "… and 11,345 more (malformed: 11,000, duplicate: 345)"; got != want {
		t.Errorf("More() = %q, want %q", got, want)
	}
	history, err := st.Snapshots(ctx, 1)
	if err != nil || len(history) != 1 || history[0].ProblemTally.Total() != 12345 {
		t.Errorf("Snapshots(1) = %+v, %v; want the snapshot with 12,345 problems counted", history, err)
	}

	// Saved without a tally: the listed problems are all there are.
	in = sampleInput()
	if _, err := st.SaveSnapshot(ctx, in); err != nil {
		t.Fatal(err)
	}
	sn, err = st.CurrentSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sn.ProblemTally.Total() != 1 || sn.ProblemTally.More() != "" {
		t.Errorf("ProblemTally without one given = %+v, want the one listed problem", sn.ProblemTally)
	}
}
