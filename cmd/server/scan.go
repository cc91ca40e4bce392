package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

func runScan(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	src.registerPlan(fs)
	format := fs.String("format", "text", "output format: text, json or sarif (SARIF 2.1.0, for code scanning)")
	failOn := fs.String("fail-on", "", "exit with status 3 if an open finding is at least this severe (low, medium, high, critical)")
	baseline := fs.String("baseline", "", "a previous scan --format json (or sarif) output: mark each finding new or unchanged")
	onlyNew := fs.Bool("only-new", false, "with --baseline, --fail-on counts only new findings")
	db := fs.String("db", "", "mark findings with an active exception (accepted risk) in this runlens database as excepted")
	timings := fs.Bool("timings", false, "print how long reading, building, checking and scoring took (records/s) to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole scan to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile, taken when the checks are done, to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("scan: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("scan: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var threshold rules.Severity
	if *failOn != "" {
		var err error
		if threshold, err = rules.ParseSeverity(*failOn); err != nil {
			return err
		}
	}
	if *format != "json" && *format != "text" && *format != "sarif" {
		return fmt.Errorf("scan: unknown --format %q (want text, json or sarif)", *format)
	}
	if src.tfDir != "" && src.plan == "" {
		return fmt.Errorf("scan: --tf-dir needs --plan")
	}
	if *onlyNew && *baseline == "" {
		return fmt.Errorf("scan: --only-new needs --baseline")
	}
	var base scan.Baseline
	if *baseline != "" {
		f, err := os.Open(*baseline)
		if err != nil {
			return fmt.Errorf("scan: --baseline: %w", err)
		}
		base, err = scan.ReadBaseline(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("scan: --baseline %s: %w", *baseline, err)
		}
	}
	start := time.Now()
	// The role catalog is decoded (about 0.05 s) on a core of its own while
	// the inventory is read: scanInventory needs it next.
	go iam.Predefined()
	update, done := progressBar(stderr, "read")
	inv, err := src.readWithProgress(ctx, stderr, func(n int) { update(posture.Progress{Records: n}) })
	done()
	if err != nil {
		return err
	}
	readTime := time.Since(start)
	var excepted func(string) bool
	if *db != "" {
		st, err := store.Open(ctx, *db)
		if err != nil {
			return err
		}
		active, _, err := st.ActiveExceptions(ctx, time.Now())
		st.Close()
		if err != nil {
			return err
		}
		excepted = func(id string) bool { _, ok := active[id]; return ok }
	}
	rep, err := scanInventory(ctx, inv, excepted, true)
	if err != nil {
		return err
	}
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			return err
		}
	}
	if base != nil {
		rep.Compare(base)
	}
	rep.Locate = src.locate()
	out := ctxWriter{ctx: ctx, w: stdout} // the report of a large organization takes seconds to write
	reportStart := time.Now()
	switch *format {
	case "sarif":
		if err := rep.WriteSARIF(out, rules.All()); err != nil {
			return err
		}
	case "json":
		if err := rep.WriteJSON(out); err != nil {
			return err
		}
	default:
		if err := rep.WriteText(out); err != nil {
			return err
		}
	}
	if *timings {
		printTimings(stderr, inv.Records, len(rep.Scores.Services), readTime, rep.Timings, time.Since(reportStart), time.Since(start))
	}
	if threshold.Valid() {
		for _, f := range rep.Findings {
			if !f.Excepted && f.Severity >= threshold && (!*onlyNew || f.BaselineState == "new") {
				return exitCode(3)
			}
		}
	}
	return nil
}

// printTimings writes scan --timings: each phase, the build's steps, the
// slowest checks, with records/s for the phases that read them.
func printTimings(w io.Writer, records, services int, read time.Duration, t scan.Timings, report, total time.Duration) {
	line := func(indent, name string, d time.Duration, rate bool) {
		fmt.Fprintf(w, "%s%-*s %6.2fs", indent, 14-len(indent), name, d.Seconds())
		if rate && d > 0 {
			fmt.Fprintf(w, " %10.0f records/s", float64(records)/d.Seconds())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "runlens: timings for %d records, %d services and jobs\n", records, services)
	line("  ", "read", read, true)
	line("  ", "build", t.Build, true)
	for _, s := range []struct {
		name string
		d    time.Duration
	}{{"views", t.BuildSteps.Views}, {"resources", t.BuildSteps.Resources}, {"bindings", t.BuildSteps.Bindings}, {"index", t.BuildSteps.Index}} {
		line("    ", s.name, s.d, false)
	}
	line("  ", "checks", t.Checks, true)
	var slowest []string
	for _, c := range t.CheckTimes[:min(3, len(t.CheckTimes))] {
		slowest = append(slowest, fmt.Sprintf("%s %.2fs", c.Slug, c.Took.Seconds()))
	}
	if len(slowest) > 0 {
		fmt.Fprintf(w, "    slowest: %s\n", strings.Join(slowest, ", "))
	}
	line("  ", "scores", t.Scores, false)
	line("  ", "report", report, false)
	line("  ", "total", total, true)
}

// writeHeapProfile writes the live heap's profile to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("scan: --memprofile: %w", err)
	}
	runtime.GC() // the profile of what is live now, not at the last collection
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("scan: --memprofile: %w", err)
	}
	return f.Close()
}

// ctxWriter writes to w until ctx ends, then fails with ctx's error.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

func runGraph(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	format := fs.String("format", "json", "output format: json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "json" {
		return fmt.Errorf("graph: unknown --format %q (want json)", *format)
	}
	inv, err := src.read(ctx, stderr)
	if err != nil {
		return err
	}
	rep, err := scanInventory(ctx, inv, nil, false)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep.GraphDocument())
}
