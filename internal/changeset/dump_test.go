package changeset_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/runlens/runlens/internal/changeset"
)

func TestDump(t *testing.T) {
	paths, _ := filepath.Glob("../rules/testdata/*")
	paths = append(paths, "default-sa", "basic-role")
	slug := os.Getenv("SLUG")
	for _, p := range paths {
		s := load(t, p)
		for _, f := range s.findings {
			if slug != "" && f.Check != slug {
				continue
			}
			cs, err := changeset.Plan(s.in, f)
			if err != nil {
				fmt.Println("ERROR", p, f.Check, f.Subject, err)
				continue
			}
			for _, format := range changeset.Formats() {
				r, _ := changeset.RendererFor(format)
				if err := r.Render(os.Stdout, cs); err != nil {
					fmt.Println("RENDER ERROR", p, f.Check, f.Subject, format, err)
				}
				if os.Getenv("ALL") == "" {
					break
				}
			}
		}
	}
}
