package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/internal/termsafe"
)

// stopGrace is how long a stopped sync is given to record its failure.
const stopGrace = 2 * time.Second

func runSync(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	var scopes multiFlag
	fs.Var(&scopes, "scope", "live scope organizations/N, folders/N or projects/P; repeatable (uses Application Default Credentials)")
	db := fs.String("db", envOr(getenv, "RUNLENS_DB", "runlens.db"), "SQLite database file (env RUNLENS_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(scopes) > 0 && src.given() {
		return errors.New("sync: give either --scope (live) or --input/--demo/--demo-size/--bigquery, not both")
	}
	if err := src.check(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// A snapshot a killed predecessor was storing is marked and cleared
	// before this process writes.
	if ids, err := st.RecoverInterrupted(ctx); err != nil {
		return err
	} else if len(ids) > 0 {
		fmt.Fprintf(stderr, "runlens: snapshots %v were interrupted while being stored; marked failed, partial data removed\n", ids)
	}
	roles, err := iam.Predefined()
	if err != nil {
		return err
	}
	ps := posture.New(st, roles, newLogger(stderr, true), 0)
	rv := review.New(st, nil, 0)
	ps.OnSynced(func(ctx context.Context, c *posture.Current) error { return rv.Verify(ctx, c.Report, c.Snapshot.ID) })
	name := src.describe()
	read := src.reader(stderr)
	if len(scopes) > 0 {
		name, read = "live: "+strings.Join(scopes, ", "), liveReader(scopes, stderr)
	}
	update, done := progressBar(stderr, "sync "+name)
	type synced struct {
		sn  store.Snapshot
		err error
	}
	result := make(chan synced, 1)
	go func() {
		sn, err := ps.Sync(ctx, name, func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
			defer done()
			return read(ctx, func(r posture.ReadProgress) { progress(r); update(ps.Progress()) })
		})
		result <- synced{sn, err}
	}()
	var r synced
	select {
	case r = <-result:
	case <-ctx.Done():
		// Stopped (SIGINT, SIGTERM). A sync reading or storing ends at
		// once and records its failure; one building the graph and
		// checking it (seconds at a million records) is not waited for:
		// it has stored nothing yet, and ends with the process.
		select {
		case r = <-result:
		case <-time.After(stopGrace):
			return fmt.Errorf("sync %s: %w", name, ctx.Err())
		}
	}
	sn, err := r.sn, r.err
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "snapshot %d: %s: %d records, %d assets, %d skipped; organization score %d (%s)\n",
		sn.ID, termsafe.String(sn.Source), sn.Records, sn.Assets, sn.Skipped, sn.OrgScore, sn.OrgGrade)
	return nil
}
