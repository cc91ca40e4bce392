package inventory

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds Read arbitrary input, seeded with every file in testdata.
// Read never panics and never fails on input held in memory: whatever is
// wrong with it is a Problem naming the input and a line inside it.
func FuzzRead(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "[", "{", "[{", "{\n", "[]]", "\ufeff", "{}\n[", "[\n{}\n,", "{\"name\":\"//x\",\"asset_type\":\"t\",\"resource\":{}}"} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.jsonl"
		r := NewReader()
		if err := r.Read(name, bytes.NewReader(data)); err != nil {
			t.Fatalf("Read(%q) error = %v, want nil: bad records are problems", data, err)
		}
		inv := r.Inventory()
		if inv.Records < len(inv.Assets) {
			t.Errorf("Records = %d < %d assets", inv.Records, len(inv.Assets))
		}
		if inv.Skipped < 0 || inv.Skipped > inv.Records+len(inv.Problems) {
			t.Errorf("Skipped = %d with %d records and %d problems", inv.Skipped, inv.Records, len(inv.Problems))
		}
		text := data
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			// Lines are counted in the text a compressed input holds.
			text, _ = io.ReadAll(io.LimitReader(zr, 1<<30))
		}
		lines := bytes.Count(text, []byte("\n")) + 1
		for _, p := range inv.Problems {
			if p.Source.File != name || p.Source.Line < 0 || p.Source.Line > lines {
				t.Errorf("problem %q: source outside the %d lines of %s", p, lines, name)
			}
		}
		for _, a := range inv.Assets {
			if a.Name == "" || a.Type == "" || a.Source.File != name || a.Source.Line < 1 || a.Source.Line > lines {
				t.Errorf("asset %+v: no name or type, or source outside the %d lines of %s", a, lines, name)
			}
			if a.Type == TypeRunService || a.Type == TypeRunJob {
				DecodeWorkload(a) // must not panic; errors are fine
			}
		}
	})
}
