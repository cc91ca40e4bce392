package build_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// TestRunProjectFromName: a Cloud Run service or job is attributed to the
// project its own name says, not to the one its ancestors, its parent or
// its v1 metadata.namespace (a project number) say; a record whose
// ancestors name another project is a problem that says so.
func TestRunProjectFromName(t *testing.T) {
	path := filepath.Join("..", "inventory", "testdata", "read", "run-project-attribution.jsonl")
	inv, err := inventory.ReadPaths(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 0 {
		t.Fatalf("reading %s: problems %q", path, inv.Problems)
	}
	res := build.Graph(inv, iam.MustPredefined(), now)
	const (
		prod    = crm + "projects/123456789012"
		staging = crm + "projects/210987654321"
	)
	tests := []struct {
		node, wantParent, wantProject string
	}{
		{"//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/checkout", prod, "shop-prod"},
		{"//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/legacy", prod, "shop-prod"},
		{"//run.googleapis.com/projects/shop-prod/locations/europe-west1/jobs/nightly-export", prod, "shop-prod"},
		{"//run.googleapis.com/projects/shop-staging/locations/europe-west1/services/checkout", staging, "shop-staging"},
	}
	for _, tc := range tests {
		n, ok := res.Graph.Node(tc.node)
		if !ok {
			t.Errorf("no node %s", tc.node)
			continue
		}
		if n.Parent != tc.wantParent || n.Project != tc.wantProject {
			t.Errorf("%s: Parent, Project = %s, %s, want %s, %s", tc.node, n.Parent, n.Project, tc.wantParent, tc.wantProject)
		}
	}
	var conflicts []string
	for _, p := range res.Problems {
		if p.Kind != inventory.ProblemConflict {
			t.Errorf("unexpected problem %q", p)
			continue
		}
		conflicts = append(conflicts, p.String())
	}
	if len(conflicts) != 2 {
		t.Fatalf("conflict problems = %q, want one each for checkout and legacy in shop-prod", conflicts)
	}
	for i, svc := range []string{"services/checkout", "services/legacy"} {
		if c := conflicts[i]; !strings.Contains(c, "shop-prod/locations/europe-west1/"+svc) ||
			!strings.Contains(c, "ancestors name project shop-staging (210987654321)") || !strings.Contains(c, "attributed to shop-prod") {
			t.Errorf("problem %q does not name %s, the project of its ancestors and the one it is attributed to", c, svc)
		}
	}
}
