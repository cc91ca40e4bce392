package scan_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// BenchmarkScale measures each phase on generated organizations of every
// shape (demo.Shapes) at 1,000 and 20,000 services (50 per project), and the
// floor: the same lines decoded by plain encoding/json into map[string]any.
// Reported per phase: records/s. (The whole process side by side with the
// floor's, 50,000 services and peak memory: make bench-scale.)
func BenchmarkScale(b *testing.B) {
	for _, shape := range demo.Shapes() {
		for _, services := range []int{1000, 20000} {
			benchmarkScale(b, shape, services)
		}
	}
}

func benchmarkScale(b *testing.B, shape demo.Shape, services int) {
	var buf bytes.Buffer
	size := demo.Size{Projects: services / 50, ServicesPerProject: 50}
	if err := demo.GenerateShape(&buf, size, shape, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	records := bytes.Count(data, []byte("\n"))
	roles := iam.MustPredefined()
	b.Run(fmt.Sprintf("shape=%s/services=%d/floor", shape, services), func(b *testing.B) {
		for b.Loop() {
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(make([]byte, 1<<20), 64<<20)
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	var inv *inventory.Inventory
	b.Run(fmt.Sprintf("shape=%s/services=%d/read", shape, services), func(b *testing.B) {
		for b.Loop() {
			r := inventory.NewReader()
			if err := r.Read("g.jsonl", bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			inv = r.Inventory()
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	var res *build.Result
	b.Run(fmt.Sprintf("shape=%s/services=%d/build", shape, services), func(b *testing.B) {
		for b.Loop() {
			res = build.Graph(inv, roles, time.Now())
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run(fmt.Sprintf("shape=%s/services=%d/checks", shape, services), func(b *testing.B) {
		for b.Loop() {
			rules.Run(&rules.Context{Graph: res.Graph, Roles: res.Roles, Now: time.Now()}, rules.All())
		}
		b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("shape=%s services=%d: %d records, heap in use after build %d MiB", shape, services, records, ms.HeapInuse>>20)
}

// BenchmarkFile measures the floor and each phase on the CAI export named
// by RUNLENS_BENCH_FILE (make bench-large writes and passes one of
// 1,000,000 records), reading it from disk as a scan does: "ratio" is
// read+build+checks over the floor. Run it with -benchtime 1x.
func BenchmarkFile(b *testing.B) {
	path := os.Getenv("RUNLENS_BENCH_FILE")
	if path == "" {
		b.Skip("RUNLENS_BENCH_FILE is not set (make bench-large sets it)")
	}
	var floor time.Duration
	records := 0
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 64<<20)
			records = 0
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					b.Fatal(err)
				}
				records++
			}
			f.Close()
		}
		floor = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(records)/floor.Seconds(), "records/s")
	})
	b.Run("scan", func(b *testing.B) {
		var read, built, checked time.Duration
		for b.Loop() {
			t0 := time.Now()
			inv, err := inventory.ReadPaths(path)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			res := build.Graph(inv, iam.MustPredefined(), t1)
			t2 := time.Now()
			rules.Run(&rules.Context{Graph: res.Graph, Roles: res.Roles, Now: t2}, rules.All())
			read, built, checked = read+t1.Sub(t0), built+t2.Sub(t1), checked+time.Since(t2)
		}
		n := time.Duration(b.N)
		b.ReportMetric(float64(records)/(read/n).Seconds(), "read-records/s")
		b.ReportMetric(float64(records)/(built/n).Seconds(), "build-records/s")
		b.ReportMetric(float64(records)/(checked/n).Seconds(), "checks-records/s")
		if floor > 0 {
			b.ReportMetric(float64((read+built+checked)/n)/float64(floor), "ratio")
		}
	})
}
