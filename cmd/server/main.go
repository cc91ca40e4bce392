// Command runlens is the least-privilege console for Google Cloud Run:
//
//	runlens serve [--demo] [--db FILE] [--addr HOST:PORT] [--iap-audience AUD] [--dev-user EMAIL] [--input PATH]...
//	runlens sync  (--scope organizations/N|folders/N|projects/P)... | (--input PATH)... [--db FILE]
//	runlens scan  (--input PATH)... | --demo [--format json|text] [--fail-on SEVERITY]
//	runlens graph (--input PATH)... | --demo [--format json]
//	runlens plan  (--input PATH)... | --demo --finding ID [--format gcloud|terraform|diff|json]
//	runlens roles --out FILE
//
// main only wires things: run does the work and returns an error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/termsafe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if _, ok := err.(exitCode); !ok {
			printError(os.Stderr, err)
		}
		os.Exit(exitStatus(err))
	}
}

// printError writes err for a person at a terminal, escaped: errors quote
// names of files and resources, which may hold control characters.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "runlens:", termsafe.String(err.Error()))
}

// exitCode is returned by run to exit with a status without a message
// (scan --fail-on with findings at or above the threshold).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exitStatus is the status runlens exits with after run returned err (not
// nil): an exitCode's own; 2 when the input held no inventory record at all
// (scan, sync, serve --input, graph and plan refuse it, whatever --fail-on
// says: a scan of nothing would score 100); 1 for any other error.
func exitStatus(err error) int {
	var code exitCode
	switch {
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, inventory.ErrNoRecords):
		return 2
	}
	return 1
}

const usage = `runlens — least-privilege console for Google Cloud Run

Usage:
  runlens serve [--demo] [--db FILE] [--addr HOST:PORT] [--iap-audience AUD] [--dev-user EMAIL] [--input PATH]... [--feed-subscription projects/P/subscriptions/S]
  runlens sync  --scope organizations/N|folders/N|projects/P ... | --input PATH ... [--db FILE]
  runlens scan  --input PATH ... | --demo | --plan PLAN.json [--format text|json|sarif] [--fail-on SEVERITY] [--baseline FILE [--only-new]] [--db FILE]
  runlens graph --input PATH ... | --demo [--format json]
  runlens plan  --input PATH ... | --demo | --plan PLAN.json --finding ID [--format gcloud|terraform|diff|rollback|json]
  runlens watch --replay FEED.jsonl --db FILE [--demo | --input PATH ...] [--alert-severity high]   (apply feed messages, print alerts as JSON lines)
  runlens roles --out FILE   (refresh the predefined role catalog from the IAM API)
  runlens generate [--size 1000x50] [--seed 1] > FILE.jsonl   (a synthetic organization in CAI export format)

Run "runlens COMMAND -h" for the flags of a command.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "sync":
		return runSync(ctx, args[1:], getenv, stdout, stderr)
	case "scan":
		return runScan(ctx, args[1:], getenv, stdout, stderr)
	case "graph":
		return runGraph(ctx, args[1:], getenv, stdout, stderr)
	case "roles":
		return runRoles(ctx, args[1:], getenv, stdout, stderr)
	case "plan":
		return runPlan(ctx, args[1:], getenv, stdout, stderr)
	case "generate":
		return runGenerate(ctx, args[1:], getenv, stdout, stderr)
	case "watch":
		return runWatch(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
