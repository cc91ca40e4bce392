package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/review"
)

// runPlan prints the change set that fixes one finding, offline: read, build,
// check, plan, render. Nothing is stored or applied.
func runPlan(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	src.registerPlan(fs)
	finding := fs.String("finding", "", "the finding ID (from runlens scan)")
	format := fs.String("format", "gcloud", "output: gcloud, terraform, diff, rollback (the reverse, as a gcloud script) or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *finding == "" {
		return errors.New("plan: give --finding ID (runlens scan lists them)")
	}
	var r changeset.Renderer
	if *format != "json" {
		var err error
		if r, err = changeset.RendererFor(*format); err != nil {
			return fmt.Errorf("plan: %w", err)
		}
	}
	inv, err := src.read(ctx, stderr)
	if err != nil {
		return err
	}
	rep, err := scanInventory(ctx, inv, nil, false)
	if err != nil {
		return err
	}
	f, ok := rep.Finding(*finding)
	if !ok {
		return fmt.Errorf("plan: no finding %s in this inventory (runlens scan lists them)", *finding)
	}
	cs, err := changeset.Plan(review.Input(rep), f)
	if err != nil {
		return err
	}
	if inv.Declared != nil {
		cs.Locate(inv.Address)
	}
	if r == nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cs)
	}
	return r.Render(stdout, cs)
}
