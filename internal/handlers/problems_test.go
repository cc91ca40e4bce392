package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
)

// TestPagesBoundProblems: the overview and the sync history list the first
// 1,000 problems of a read and say what they leave out, by kind.
func TestPagesBoundProblems(t *testing.T) {
	read := func(ctx context.Context, _ func(posture.ReadProgress)) (*inventory.Inventory, error) {
		r := inventory.NewReader()
		if err := r.ReadFSContext(ctx, demo.FS()); err != nil {
			return nil, err
		}
		var bad strings.Builder
		fmt.Fprintln(&bad, `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`)
		for range 1500 {
			fmt.Fprintln(&bad, `{"name":"//pubsub.googleapis.com/projects/p/topics/x",`)
		}
		if err := r.ReadContext(ctx, "bad.jsonl", strings.NewReader(bad.String())); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}
	e := newEnv(t, "dev@example.com", read)
	for _, path := range []string{"/", "/sync"} {
		resp, body := e.do(t, http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		d := doc(t, body)
		if n := d.Find(`ul.problems li code`).Length(); n != inventory.MaxProblems {
			t.Errorf("GET %s lists %d problems, want %d", path, n, inventory.MaxProblems)
		}
		if got, want := strings.TrimSpace(d.Find(`[data-testid="problems-more"]`).Text()), "… and 500 more (malformed: 500)"; got != want {
			t.Errorf("GET %s says %q of the problems not listed, want %q", path, got, want)
		}
		if got := d.Find(`ul.problems`).Parent().Find("summary").Text(); !strings.HasPrefix(strings.TrimSpace(got), "1500 ") {
			t.Errorf("GET %s summary = %q, want it to count 1500 problems", path, got)
		}
	}
}
