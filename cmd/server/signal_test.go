//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/store"
)

// TestCancelStopsPromptly: a scan or sync of a large generated organization
// (400,000 records, some 8 s) whose context ends while it reads returns at
// once, prints no report and stores no snapshot.
func TestCancelStopsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 400,000-record organization")
	}
	db := filepath.Join(t.TempDir(), "c.db")
	for _, args := range [][]string{
		{"scan", "--demo-size", "400x50", "--format", "json"},
		{"sync", "--demo-size", "400x50", "--db", db},
	} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var stdout, stderr bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, func(string) string { return "" }, &stdout, &stderr) }()
			time.Sleep(700 * time.Millisecond)
			cancel()
			stopped := time.Now()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("runlens %v cancelled = %v, want context.Canceled", args, err)
				}
				if d := time.Since(stopped); d > 2*time.Second {
					t.Errorf("runlens %v returned %s after its context ended", args, d)
				}
				if stdout.Len() > 0 {
					t.Errorf("runlens %v cancelled printed %d bytes of report", args, stdout.Len())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("runlens %v did not return within 30 s of its context ending", args)
			}
		})
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CurrentSnapshot(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CurrentSnapshot after a cancelled sync = %v, want ErrNotFound", err)
	}
	if h, err := st.Snapshots(context.Background(), 5); err != nil || len(h) != 1 || !strings.Contains(h[0].Error, "context canceled") {
		t.Errorf("history after a cancelled sync = %+v (%v), want one failed sync saying it was cancelled", h, err)
	}
}

// TestScanInventoryStops: the graph and checks of a scan whose context has
// ended are not waited for.
func TestScanInventoryStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := inventory.NewReader()
	if err := r.ReadFS(os.DirFS(filepath.Join("..", "..", "internal", "inventory", "testdata", "read"))); err != nil {
		t.Fatal(err)
	}
	if rep, err := scanInventory(ctx, r.Inventory(), nil, true); !errors.Is(err, context.Canceled) || rep != nil {
		t.Errorf("scanInventory with an ended context = %v, %v; want nil, context.Canceled", rep, err)
	}
}

// TestSignals runs the real binary: SIGTERM or SIGINT ends a scan or a sync
// of a large generated organization within a second or two, with a failure
// status and no report; an input that is a named pipe is refused at once.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds runlens and signals it")
	}
	bin := faultBuild(t)
	db := filepath.Join(t.TempDir(), "s.db")
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGTERM, []string{"scan", "--demo-size", "400x50", "--format", "json"}},
		{syscall.SIGINT, []string{"scan", "--demo-size", "400x50"}},
		{syscall.SIGTERM, []string{"sync", "--demo-size", "400x50", "--db", db}},
		{syscall.SIGINT, []string{"sync", "--demo-size", "400x50", "--db", db}},
	} {
		t.Run(tc.sig.String()+" "+tc.args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			time.Sleep(1500 * time.Millisecond)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			select {
			case err := <-done:
				d := time.Since(sent)
				t.Logf("exited %s after %s", tc.sig, d.Round(time.Millisecond))
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Errorf("exit = %v, want status 1; stderr:\n%s", err, stderr.String())
				}
				if d > 2*time.Second {
					t.Errorf("exited %s after the signal, want within 2 s", d)
				}
				if stdout.Len() > 0 {
					t.Errorf("printed %d bytes of report after the signal", stdout.Len())
				}
				if !strings.Contains(stderr.String(), "context canceled") {
					t.Errorf("stderr does not say the run was cancelled:\n%s", stderr.String())
				}
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("runlens %v still running 60 s after %s", tc.args, tc.sig)
			}
		})
	}

	t.Run("a named pipe as input", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "export.jsonl")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skip(err)
		}
		out, stderr, err := faultRun(t, bin, "scan", "--input", fifo)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || out != "" || !strings.Contains(stderr, fifo+" is a named pipe (FIFO), not a regular file") {
			t.Errorf("scan --input FIFO = %v, stdout %q, stderr %q; want status 1 and an error naming it", err, out, stderr)
		}
	})
}
