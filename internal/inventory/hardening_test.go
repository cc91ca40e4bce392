package inventory

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// endless is an input that never ends: a start, then body again and again.
type endless struct {
	start, body []byte
	off         int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		src := e.body
		if e.start != nil {
			src = e.start
		}
		k := copy(p[n:], src[e.off:])
		n += k
		e.off += k
		if e.off == len(src) {
			e.off, e.start = 0, nil
		}
	}
	return n, nil
}

const hardTopic = `{"name":"//pubsub.googleapis.com/projects/p/topics/t%d","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`

// gzipped compresses what rd holds as it is read.
func gzipped(rd io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		_, err := io.Copy(zw, rd)
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// TestReadCancel: a read of an input that never ends stops as soon as its
// context ends, in every input shape (a scan or sync stopped by SIGINT or
// SIGTERM must not read a large file to its end first).
func TestReadCancel(t *testing.T) {
	one := fmt.Sprintf(hardTopic, 1)
	pretty := strings.ReplaceAll(one, `","`, "\",\n  \"")
	tests := []struct {
		name string
		rd   func() io.Reader
	}{
		{"JSON lines", func() io.Reader { return &endless{body: []byte(one + "\n")} }},
		{"a JSON array", func() io.Reader { return &endless{start: []byte("[\n" + one), body: []byte(",\n" + one)} }},
		{"pretty-printed records", func() io.Reader { return &endless{start: []byte("{\n"), body: []byte(pretty[1:] + "\n{\n")} }},
		{"a ListAssets response", func() io.Reader {
			return &endless{start: []byte(`{"assets": [` + one), body: []byte(",\n" + one)}
		}},
		{"gzip-compressed JSON lines", func() io.Reader { return gzipped(&endless{body: []byte(one + "\n")}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			r := NewReader()
			var cancelled time.Time
			r.SetProgress(func(n int) {
				if n >= 20000 && cancelled.IsZero() {
					cancelled = time.Now()
					cancel()
				}
			})
			done := make(chan error, 1)
			go func() { done <- r.ReadContext(ctx, "endless.json", tc.rd()) }()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "endless.json") {
					t.Errorf("ReadContext = %v, want context.Canceled naming the input", err)
				}
				if d := time.Since(cancelled); d > time.Second {
					t.Errorf("ReadContext returned %s after its context ended, want well under a second", d)
				}
			case <-time.After(60 * time.Second):
				cancel()
				t.Fatal("ReadContext of an endless input did not stop within 60 s")
			}
		})
	}
}

// TestReadOversizedRecord: a record longer than 64 MiB is a problem naming
// its input and line, the records after it are still read, and memory
// stays bounded: the record is never held whole (the input is streamed,
// 300 MiB of it in one record).
func TestReadOversizedRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 300 MiB per case")
	}
	const huge = 300 << 20
	before, after := fmt.Sprintf(hardTopic, 1), fmt.Sprintf(hardTopic, 2)
	pad := func() io.Reader {
		return io.LimitReader(&endless{body: []byte("abcdefghijklmnopqrstuvwxyz012345")}, huge)
	}
	big := func(prefix string) io.Reader {
		return io.MultiReader(strings.NewReader(prefix+`{"name":"//pubsub.googleapis.com/projects/p/topics/big","asset_type":"pubsub.googleapis.com/Topic","resource":{"data":{"pad":"`),
			pad(), strings.NewReader(`"}}}`))
	}
	tests := []struct {
		name     string
		rd       func() io.Reader
		wantLine int
	}{
		{"a JSON line", func() io.Reader {
			return io.MultiReader(strings.NewReader(before+"\n"), big(""), strings.NewReader("\n"+after+"\n"))
		}, 2},
		{"an array element", func() io.Reader {
			return io.MultiReader(strings.NewReader("[\n"+before+",\n"), big(""), strings.NewReader(",\n"+after+"\n]\n"))
		}, 3},
		{"a pretty-printed record", func() io.Reader {
			return io.MultiReader(strings.NewReader("{\n  \"name\": \"//pubsub.googleapis.com/projects/p/topics/t1\",\n  \"asset_type\": \"pubsub.googleapis.com/Topic\",\n  \"resource\": {\"data\": {}}\n}\n"),
				big(""), strings.NewReader("\n"+after+"\n"))
		}, 6},
		{"an element of a ListAssets response", func() io.Reader {
			return io.MultiReader(strings.NewReader("{\n  \"assets\": [\n"+before+",\n"), big(""), strings.NewReader(",\n"+after+"\n  ]\n}\n"))
		}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GC()
			stop := make(chan struct{})
			peak := make(chan uint64)
			go func() { peak <- peakHeap(stop) }()
			inv := readStringReader(t, "big.json", tc.rd())
			close(stop)
			// Up to the 64 MiB bound, the buffer doubles: some 128 MiB live
			// at most. The record held whole would be 300 MiB at once. (The
			// peak of live heap, not the sum of allocations: that also
			// counts what the collector already freed, and what goroutines
			// of earlier tests still winding down allocate.)
			p := <-peak
			t.Logf("heap peak %d MiB", p>>20)
			if p > 240<<20 {
				t.Errorf("reading a %d MiB record, the heap peaked at %d MiB, want under 240 MiB: it is held whole", huge>>20, p>>20)
			}
			checkProblems(t, "big.json", inv, []problemWant{{ProblemMalformed, tc.wantLine, "record longer than 64 MiB"}})
			if len(inv.Assets) != 2 {
				t.Errorf("assets = %v, want the records before and after the long one", assetLines(inv))
			}
		})
	}
}

// readStringReader reads rd as the input called name.
func readStringReader(t *testing.T, name string, rd io.Reader) *Inventory {
	t.Helper()
	r := NewReader()
	if err := r.Read(name, rd); err != nil {
		t.Fatalf("Read(%s) = %v", name, err)
	}
	return r.Inventory()
}

// peakHeap samples the bytes of live heap objects every millisecond until
// stop is closed, and returns the largest sample.
func peakHeap(stop <-chan struct{}) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}
