package posture_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// TestProblemsSurviveRestart: the overview of a served snapshot lists the
// first 1,000 problems of its sync and counts the rest by kind, and says
// the same after a restart (the snapshot loaded from the store).
func TestProblemsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	read := func(ctx context.Context, _ func(posture.ReadProgress)) (*inventory.Inventory, error) {
		r := inventory.NewReader()
		if err := r.ReadFSContext(ctx, demo.FS()); err != nil {
			return nil, err
		}
		var bad strings.Builder
		fmt.Fprintln(&bad, `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`)
		for range 1200 {
			fmt.Fprintln(&bad, `{"name":"//pubsub.googleapis.com/projects/p/topics/x",`)
		}
		if err := r.ReadContext(ctx, "bad.jsonl", strings.NewReader(bad.String())); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps := posture.New(st, iam.MustPredefined(), log, 0)
	if _, err := ps.Sync(ctx, "test", read); err != nil {
		t.Fatal(err)
	}
	const want = "… and 200 more (malformed: 200)"
	o, err := ps.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Problems) != inventory.MaxProblems || o.ProblemTally.More() != want {
		t.Errorf("after the sync: %d problems listed, %q; want %d, %q", len(o.Problems), o.ProblemTally.More(), inventory.MaxProblems, want)
	}

	restarted := posture.New(st, iam.MustPredefined(), log, 0)
	if err := restarted.Load(ctx); err != nil {
		t.Fatal(err)
	}
	o, err = restarted.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Problems) != inventory.MaxProblems || o.ProblemTally.More() != want || o.Problems[0] != "bad.jsonl:2: invalid JSON: unexpected end of JSON input" {
		t.Errorf("after a restart: %d problems listed (first %q), %q; want %d, %q", len(o.Problems), o.Problems[0], o.ProblemTally.More(), inventory.MaxProblems, want)
	}
}
