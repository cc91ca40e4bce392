package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/runlens/runlens/internal/demo"
)

// runGenerate writes a generated organization in `gcloud asset export`
// JSON-lines format to stdout, for scale tests of other tools or of a
// `runlens scan --input`.
func runGenerate(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizeFlag := fs.String("size", "1000x50", "PROJECTSxSERVICES per project (1000x50 is about 1,000,000 records)")
	seed := fs.Int64("seed", 1, "the same seed writes the same file")
	shapeFlag := fs.String("shape", string(demo.ShapeFleet), "fleet (grants on each resource) or teams (project-level invoker groups and viewers, default and shared identities, shared resources)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, err := demo.ParseSize(*sizeFlag)
	if err != nil {
		return err
	}
	shape, err := demo.ParseShape(*shapeFlag)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdout, 1<<20)
	if err := demo.GenerateShape(w, size, shape, *seed); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return w.Flush()
}
