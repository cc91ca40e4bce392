package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/store"
)

// readData is the inventory package's scenario files.
var readData = filepath.Join("..", "..", "internal", "inventory", "testdata", "read")

// TestNoInventoryExitStatus2: input that holds no inventory record at all
// (a search response, a YAML manifest, an empty file, an empty directory)
// makes scan, sync, serve --input, graph and plan fail with exit status 2
// and a message naming the input and what it looks like instead: never a
// score, never exit 0, whatever --fail-on says.
func TestNoInventoryExitStatus2(t *testing.T) {
	emptyDir := t.TempDir()
	inputs := []struct {
		name, path, want string
	}{
		{"search response", filepath.Join(readData, "search-response.json"), `search-response.json: a search response ({"results": [...]}`},
		{"YAML manifest", filepath.Join(readData, "manifest.yaml"), "manifest.yaml: YAML, not JSON"},
		{"empty file", filepath.Join(readData, "empty.json"), "empty.json: empty"},
		{"empty directory", emptyDir, emptyDir + ": a directory with no"},
	}
	commands := []struct {
		name string
		args func(t *testing.T, input string) []string
	}{
		{"scan", func(_ *testing.T, in string) []string { return []string{"scan", "--input", in} }},
		{"scan --fail-on low --format json", func(_ *testing.T, in string) []string {
			return []string{"scan", "--input", in, "--fail-on", "low", "--format", "json"}
		}},
		{"sync", func(t *testing.T, in string) []string {
			return []string{"sync", "--input", in, "--db", filepath.Join(t.TempDir(), "s.db")}
		}},
		{"serve --input", func(t *testing.T, in string) []string {
			return []string{"serve", "--dev-user", "a@example.com", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--input", in}
		}},
		{"graph", func(_ *testing.T, in string) []string { return []string{"graph", "--input", in} }},
	}
	for _, in := range inputs {
		for _, c := range commands {
			t.Run(in.name+"/"+c.name, func(t *testing.T) {
				args := c.args(t, in.path)
				// serve, should it not refuse, stops serving when this ends.
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				var stdout, stderr strings.Builder
				err := run(ctx, args, func(string) string { return "" }, &stdout, &stderr)
				if err == nil {
					t.Fatalf("runlens %v = nil, want exit status 2; stdout:\n%s", args, stdout.String())
				}
				if got := exitStatus(err); got != 2 {
					t.Errorf("runlens %v: exit status %d (%v), want 2", args, got, err)
				}
				if !strings.Contains(err.Error(), in.want) {
					t.Errorf("runlens %v error = %q, want it to say %q", args, err, in.want)
				}
				if out := stdout.String(); strings.Contains(out, "score") || strings.Contains(out, "100") {
					t.Errorf("runlens %v printed a score for no inventory:\n%s", args, out)
				}
				if strings.Contains(err.Error()+stderr.String(), "yaml-literal-Vd93kT") {
					t.Errorf("runlens %v quoted the manifest's env value", args)
				}
			})
		}
	}

	// The refused sync is recorded, and no snapshot is served.
	db := filepath.Join(t.TempDir(), "s.db")
	if _, _, err := runCmd(t, "sync", "--input", filepath.Join(readData, "manifest.yaml"), "--db", db); exitStatus(err) != 2 {
		t.Fatalf("sync = %v, want exit status 2", err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CurrentSnapshot(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CurrentSnapshot after the refused sync = %v, want ErrNotFound", err)
	}
	history, err := st.Snapshots(context.Background(), 10)
	if err != nil || len(history) != 1 || history[0].Status != "failed" || !strings.Contains(history[0].Error, "manifest.yaml: YAML, not JSON") {
		t.Errorf("sync history = %+v (%v), want one failed sync naming the manifest", history, err)
	}
}

// TestBadFileAmongGoodOnes: a directory holding good records and a file
// that is not CAI is still scanned; the bad file is a problem.
func TestBadFileAmongGoodOnes(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"join-resource.jsonl", "join-iam.jsonl", "search-response.json", "empty.json"} {
		b, err := os.ReadFile(filepath.Join(readData, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runCmd(t, "scan", "--input", dir, "--format", "json")
	if err != nil {
		t.Fatalf("scan = %v, want success", err)
	}
	for _, f := range []string{"search-response.json", "empty.json"} {
		if !strings.Contains(out, f) {
			t.Errorf("the scan's problems do not name %s", f)
		}
	}
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errors.New("boom"), 1},
		{exitCode(3), 3},
		{&inventory.NoRecordsError{Refused: []inventory.Refusal{{Input: "x.yaml", Looks: "YAML, not JSON"}}}, 2},
		{errors.Join(errors.New("posture: sync files: x.yaml"), inventory.ErrNoRecords), 2},
	}
	for _, tc := range tests {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("exitStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
