package inventory

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// manyProblems is an export of n good topics, then bad lines malformed
// lines, then dups duplicate records (each topic again, older), in that
// order.
func manyProblems(n, bad, dups int) string {
	var b strings.Builder
	topic := func(i int, t string) string {
		return fmt.Sprintf(`{"name":"//pubsub.googleapis.com/projects/p/topics/t%d","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t%d"}},"update_time":"%s"}`, i, i, t)
	}
	for i := range n {
		fmt.Fprintln(&b, topic(i, "2024-05-02T00:00:00Z"))
	}
	for range bad {
		fmt.Fprintln(&b, `{"name":"//pubsub.googleapis.com/projects/p/topics/x","asset_type":`)
	}
	for i := range dups {
		fmt.Fprintln(&b, topic(i, "2024-05-01T00:00:00Z"))
	}
	return b.String()
}

// TestReadProblemBound: the first MaxProblems problems are listed and every
// one is counted by kind; the summary counts them all, and the tally says
// what the list leaves out.
func TestReadProblemBound(t *testing.T) {
	inv := readString(t, "big.jsonl", manyProblems(400, 1200, 345))
	if len(inv.Problems) != MaxProblems {
		t.Fatalf("%d problems listed, want %d", len(inv.Problems), MaxProblems)
	}
	if first, last := inv.Problems[0], inv.Problems[MaxProblems-1]; first.Source.Line != 401 || last.Source.Line != 1400 || last.Kind != ProblemMalformed {
		t.Errorf("listed problems run from %v to %v, want the first 1,000 met: lines 401 to 1400", first, last)
	}
	want := map[ProblemKind]int{ProblemMalformed: 1200, ProblemDuplicate: 345}
	if diff := cmp.Diff(want, inv.ProblemCounts); diff != "" {
		t.Errorf("ProblemCounts (-want +got):\n%s", diff)
	}
	if inv.Skipped != 1545 || len(inv.Assets) != 400 {
		t.Errorf("Skipped, assets = %d, %d, want 1545, 400", inv.Skipped, len(inv.Assets))
	}
	if got, want := inv.Summary(), "745 records, 400 assets, 1545 skipped, 0 of unrecognised types, 1545 problems"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if got, want := inv.Tally().More(), "… and 545 more (duplicate: 345, malformed: 200)"; got != want {
		t.Errorf("Tally().More() = %q, want %q", got, want)
	}
	if got := inv.ProblemCount(ProblemDuplicate); got != 345 {
		t.Errorf("ProblemCount(duplicate) = %d, want 345 (344 of them not listed)", got)
	}
}

func TestProblemTally(t *testing.T) {
	p := func(k ProblemKind) Problem { return Problem{Kind: k, Msg: "x"} }
	tests := []struct {
		name     string
		listed   []Problem
		all      map[ProblemKind]int
		wantMore string
		total    int
	}{
		{"none", nil, nil, "", 0},
		{"all listed", []Problem{p(ProblemMalformed), p(ProblemDuplicate)}, nil, "", 2},
		{"all listed, counts agree", []Problem{p(ProblemMalformed)}, map[ProblemKind]int{ProblemMalformed: 1}, "", 1},
		{"most not listed", []Problem{p(ProblemMalformed)}, map[ProblemKind]int{ProblemMalformed: 12001, ProblemDuplicate: 345},
			"… and 12,345 more (malformed: 12,000, duplicate: 345)", 12346},
		{"stored text without kinds", []Problem{{Msg: "a"}}, map[ProblemKind]int{"": 3}, "… and 2 more (other: 2)", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TallyProblems(tc.listed, tc.all)
			if got.More() != tc.wantMore || got.Total() != tc.total {
				t.Errorf("TallyProblems(%v, %v): More, Total = %q, %d, want %q, %d", tc.listed, tc.all, got.More(), got.Total(), tc.wantMore, tc.total)
			}
		})
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
