//go:build unix

package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadNotRegular: only regular files are read. A named pipe or a device
// given as an input is refused at once with an error naming it (opening a
// pipe would wait for a writer forever); one inside a directory, named as
// an input or reached through a symbolic link, is a problem, not read, and
// the directory's other files are read.
func TestReadNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "export.jsonl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	good, err := os.ReadFile(filepath.Join("testdata", "read", "bom.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.jsonl"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fifo, filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}

	within := func(t *testing.T, what string, fn func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { fn(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after 10 s (a pipe opened for reading waits for a writer)", what)
		}
	}
	tests := []struct {
		path, want string
	}{
		{fifo, "is a named pipe (FIFO), not a regular file"},
		{filepath.Join(dir, "link.json"), "is a named pipe (FIFO), not a regular file"},
		{"/dev/null", "is a character device, not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skip(err)
			}
			within(t, tc.path, func() {
				_, err := ReadPaths(tc.path)
				if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("ReadPaths(%s) = %v, want an error naming it and saying it %s", tc.path, err, tc.want)
				}
			})
		})
	}

	t.Run("in a directory", func(t *testing.T) {
		within(t, dir, func() {
			inv := readPaths(t, dir)
			var got []string
			for _, p := range inv.Problems {
				got = append(got, p.String())
			}
			want := []string{
				fifo + ": a named pipe (FIFO), not a regular file: not read",
				filepath.Join(dir, "link.json") + ": a named pipe (FIFO), not a regular file: not read",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(inv.Assets) != 2 {
				t.Errorf("%d assets, want the 2 of good.jsonl", len(inv.Assets))
			}
		})
	})
}
