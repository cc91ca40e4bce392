package scan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// TestProblemsBounded: a scan lists the first inventory.MaxProblems
// problems and counts them all by kind, in the JSON summary and on the
// text summary line.
func TestProblemsBounded(t *testing.T) {
	var in strings.Builder
	fmt.Fprintln(&in, `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`)
	for range 1500 {
		fmt.Fprintln(&in, `{"name":"//pubsub.googleapis.com/projects/p/topics/x",`)
	}
	r := inventory.NewReader()
	if err := r.Read("big.jsonl", strings.NewReader(in.String())); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), nil)
	if len(rep.Problems) != inventory.MaxProblems {
		t.Errorf("%d problems listed, want %d", len(rep.Problems), inventory.MaxProblems)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary struct {
			Problems          []string       `json:"problems"`
			ProblemCounts     map[string]int `json:"problemCounts"`
			ProblemsNotListed int            `json:"problemsNotListed"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Summary.Problems) != 1000 || doc.Summary.ProblemsNotListed != 500 {
		t.Errorf("JSON summary: %d problems, %d not listed, want 1000, 500", len(doc.Summary.Problems), doc.Summary.ProblemsNotListed)
	}
	if diff := cmp.Diff(map[string]int{"malformed": 1500}, doc.Summary.ProblemCounts); diff != "" {
		t.Errorf("JSON summary problemCounts (-want +got):\n%s", diff)
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(text.String(), "  problem: big.jsonl:"); got != 1000 {
		t.Errorf("text report lists %d problems, want 1000", got)
	}
	if !strings.Contains(text.String(), "  problems: … and 500 more (malformed: 500)\n") {
		t.Errorf("text report does not say what it leaves out:\n%.2000s", text.String())
	}
}

// TestProblemsNoTally: a scan without problems adds nothing to the JSON
// summary (the documented shape stays as it was).
func TestProblemsNoTally(t *testing.T) {
	rep := scan.Run(readDemo(t), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), nil)
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js.Bytes(), []byte("problemCounts")) || bytes.Contains(js.Bytes(), []byte("problemsNotListed")) {
		t.Errorf("the demo scan's summary carries problem counts: it has no problems")
	}
}
