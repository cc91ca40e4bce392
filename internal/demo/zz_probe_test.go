package demo_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

func TestZZProbe(t *testing.T) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Date(2025, 12, 8, 0, 0, 0, 0, time.UTC), nil)
	fmt.Println("score", rep.Scores.Organization.Score, "findings", len(rep.Findings), "problems", len(rep.Problems))
	for _, s := range rep.Scores.Services {
		fmt.Println(s.Score, s.Label, s.Project, len(s.Findings))
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.Check, f.Subject, len(f.Affects))
	}
}
