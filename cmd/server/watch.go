package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// watchBatch is how many feed messages of a replay are taken together, as a
// pull subscriber takes what arrived while it was busy.
const watchBatch = 500

// runWatch applies a file of Cloud Asset Inventory feed messages (JSON lines,
// each one message's data) to the state stored in --db, the way serve
// --feed-subscription does live, and prints the alerts as JSON lines.
func runWatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src source
	src.register(fs)
	replay := fs.String("replay", "", "a file of feed messages, one message's data (TemporalAsset JSON) per line")
	db := fs.String("db", envOr(getenv, "RUNLENS_DB", "runlens.db"), "SQLite database file (env RUNLENS_DB); its current snapshot is the state the messages change")
	minSev := fs.String("alert-severity", "high", "the least severe new finding that alerts (low, medium, high, critical); drift events always do")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *replay == "" {
		return errors.New("watch: give --replay FILE (feed messages, one per line)")
	}
	sev, err := rules.ParseSeverity(*minSev)
	if err != nil {
		return fmt.Errorf("watch: --alert-severity: %w", err)
	}
	f, err := os.Open(*replay)
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer f.Close()
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	roles, err := iam.Predefined()
	if err != nil {
		return err
	}
	ps := posture.New(st, roles, newLogger(stderr, true), 0)
	enc := json.NewEncoder(stdout)
	var sendErr error
	ps.SetAlerts(posture.AlertOptions{MinSeverity: sev, Send: func(_ context.Context, as []store.Alert) {
		for _, a := range as {
			if err := enc.Encode(a); err != nil && sendErr == nil {
				sendErr = err
			}
		}
	}})
	if err := ps.Load(ctx); errors.Is(err, store.ErrNotFound) {
		if !src.given() {
			return fmt.Errorf("watch: %s has no snapshot: run runlens sync first, or give --demo, --input or --bigquery to start from", *db)
		}
		if _, err := ps.Sync(ctx, src.describe(), src.reader(stderr)); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var batch [][]byte
	var lines []int
	line, total := 0, posture.FeedResult{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := ps.IngestFeed(ctx, batch)
		if err != nil {
			return err
		}
		for _, e := range res.Problems {
			fmt.Fprintf(stderr, "runlens: %s:%d: %s\n", *replay, lines[e.Index], e.Err)
		}
		total.Taken, total.Stale, total.Irrelevant, total.Malformed = total.Taken+res.Taken, total.Stale+res.Stale, total.Irrelevant+res.Irrelevant, total.Malformed+res.Malformed
		if _, err := ps.ApplyFeed(ctx); err != nil {
			return err
		}
		batch, lines = batch[:0], lines[:0]
		return sendErr
	}
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		batch, lines = append(batch, append([]byte(nil), sc.Bytes()...)), append(lines, line)
		if len(batch) == watchBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("watch: %s: %w", *replay, err)
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "runlens: %d messages: %d changes applied, %d stale (out of order or delivered again), %d of types runlens does not read, %d malformed\n",
		line, total.Taken, total.Stale, total.Irrelevant, total.Malformed)
	return nil
}
