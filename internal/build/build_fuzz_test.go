package build_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// FuzzBuild feeds arbitrary CAI records through the reader, the graph
// builder and the whole check catalog: nothing may panic or hang, whatever
// the records say.
func FuzzBuild(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{"name":"//run.googleapis.com/projects/p/locations/r/services/s","asset_type":"run.googleapis.com/Service","resource":{"data":{"template":{"serviceAccount":"","containers":[{"env":[{"name":"X","value":1}]}]}}}}`)
	f.Add(`{"name":"//cloudresourcemanager.googleapis.com/projects/1","asset_type":"cloudresourcemanager.googleapis.com/Project","ancestors":["projects/1","projects/1"],"resource":{"parent":"//cloudresourcemanager.googleapis.com/projects/1","data":{"parent":{"type":"project","id":"1"}}},"iam_policy":{"bindings":[{"role":"roles/editor","members":["serviceAccount:","user:","allUsers",""]}]}}`)
	roles := iam.MustPredefined()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		r := inventory.NewReader()
		if err := r.Read("fuzz.jsonl", strings.NewReader(in)); err != nil {
			t.Fatalf("Read returned an error for in-memory input: %v", err)
		}
		inv := r.Inventory()
		res := build.Graph(inv, roles, now)
		rules.Run(&rules.Context{Graph: res.Graph, Roles: res.Roles, Now: now}, rules.All())
		rules.ComputeScores(res.Graph, nil)
	})
}
