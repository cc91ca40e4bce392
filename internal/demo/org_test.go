package demo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite org/*.jsonl from writeDemoOrg")

// TestEmbeddedOrgUpToDate checks that the embedded files are exactly what
// writeDemoOrg produces; run `go test ./internal/demo -update` after
// changing the demo organization.
func TestEmbeddedOrgUpToDate(t *testing.T) {
	var res, iam, pol bytes.Buffer
	if err := writeDemoOrg(&res, &iam, &pol); err != nil {
		t.Fatalf("writeDemoOrg: %v", err)
	}
	files := []struct {
		name string
		got  []byte
	}{
		{"resources.jsonl", res.Bytes()},
		{"iam_policies.jsonl", iam.Bytes()},
		{"org_policies.jsonl", pol.Bytes()},
	}
	for _, f := range files {
		if *update {
			if err := os.WriteFile(filepath.Join("org", f.name), f.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := org.ReadFile("org/" + f.name)
		if err != nil {
			t.Fatalf("embedded %s: %v", f.name, err)
		}
		if !bytes.Equal(want, f.got) {
			t.Errorf("org/%s is stale: run go test ./internal/demo -update", f.name)
		}
	}
}
