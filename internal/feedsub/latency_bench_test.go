package feedsub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/feedsub"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// BenchmarkFeedLatency measures the time from a feed message's publication
// to its alert: messages are published to pstest at RUNLENS_FEED_RATE a
// minute (default 10,000) for RUNLENS_FEED_FOR (default 2m) against a
// generated organization of RUNLENS_FEED_BENCH (PROJECTSxSERVICES, e.g.
// 400x50 for 20,000 services); every 100th message makes a service public,
// the rest relabel services. It reports the latency of those alerts (p50,
// p95, max, in seconds) and the peak resident memory. Skipped unless
// RUNLENS_FEED_BENCH is set (make bench-feed).
func BenchmarkFeedLatency(b *testing.B) {
	size := os.Getenv("RUNLENS_FEED_BENCH")
	if size == "" {
		b.Skip("set RUNLENS_FEED_BENCH=PROJECTSxSERVICES (make bench-feed)")
	}
	rate, dur := 10000, 2*time.Minute
	if v := os.Getenv("RUNLENS_FEED_RATE"); v != "" {
		rate, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("RUNLENS_FEED_FOR"); v != "" {
		dur, _ = time.ParseDuration(v)
	}
	sz, err := demo.ParseSize(size)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		benchFeed(b, sz, rate, dur)
	}
}

func benchFeed(b *testing.B, sz demo.Size, rate int, dur time.Duration) {
	ctx := context.Background()
	// As serve does: rebuilds leave a CPU to the rest (here the fake
	// server and the client, in production the console).
	par.Reserve(1)
	defer par.Reserve(0)
	dir := b.TempDir()
	file := filepath.Join(dir, "org.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Generate(f, sz, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, err := store.Open(ctx, filepath.Join(dir, "feed.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	t0 := time.Now()
	if _, err := ps.Sync(ctx, "generated", func(ctx context.Context, _ func(posture.ReadProgress)) (*inventory.Inventory, error) {
		return inventory.ReadPathsContext(ctx, file)
	}); err != nil {
		b.Fatal(err)
	}
	c, _ := ps.Current()
	b.Logf("organization: %d services and jobs, %d assets; first sync %s", len(c.Report.Scores.Services), len(c.Report.Inventory.Assets), time.Since(t0).Round(time.Millisecond))
	var services []*inventory.Asset
	public := map[string]bool{}
	for _, fd := range c.Report.Findings {
		if fd.Check == "invoker-public" {
			public[fd.Subject] = true
		}
	}
	for _, a := range c.Report.Inventory.Assets {
		if a.Type == inventory.TypeRunService && a.Data != nil && !public[a.Name] {
			services = append(services, a)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })

	srv, client := fake(b)
	var mu sync.Mutex
	published := map[string]time.Time{} // service made public -> when
	g := &timing{Service: ps, mu: &mu, received: map[string]time.Time{}}
	var latencies, delivery, runlens, journal []time.Duration
	var batches []int
	var rebuilds int
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = feedsub.Run(runCtx, client.Subscriber(sub), g, slog.New(slog.NewTextHandler(io.Discard, nil)), feedsub.Options{
			Rest: restFraction(),
			Journaled: func(n int, took time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				batches, journal = append(batches, n), append(journal, took)
			},
			Applied: func(as []store.Alert) {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				rebuilds++
				for _, a := range as {
					if a.Event != "public-invoker" {
						continue
					}
					if t, ok := published[a.Workload]; ok {
						latencies = append(latencies, now.Sub(t))
						if r, ok := g.received[a.Workload]; ok {
							delivery = append(delivery, r.Sub(t))
							runlens = append(runlens, now.Sub(r))
						}
						delete(published, a.Workload)
					}
				}
			},
		})
	})
	var peak uint64
	stopSampling := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(250 * time.Millisecond):
				if rss := peakRSS(); rss > peak {
					peak = rss
				}
			}
		}
	})

	total := int(float64(rate) * dur.Minutes())
	interval := time.Minute / time.Duration(rate)
	start := time.Now()
	next := start
	publics := 0
	for i := range total {
		a := services[i%len(services)]
		msg := relabel(b, a, i, time.Now())
		if i%100 == 99 && publics < len(services) {
			a = services[len(services)-1-publics]
			publics++
			msg = makePublic(b, a, time.Now())
			mu.Lock()
			published[a.Name] = time.Now()
			mu.Unlock()
		}
		srv.Publish(topic, msg, nil)
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
	}
	publishTook := time.Since(start)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		left := len(published)
		mu.Unlock()
		if left == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	close(stopSampling)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(published) > 0 {
		b.Errorf("%d of %d public changes never alerted", len(published), publics)
	}
	quantile := func(ds []time.Duration, p float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(time.Millisecond)
	}
	b.ReportMetric(quantile(latencies, 0.5).Seconds(), "p50-s")
	b.ReportMetric(quantile(latencies, 0.95).Seconds(), "p95-s")
	b.ReportMetric(quantile(latencies, 1).Seconds(), "max-s")
	b.ReportMetric(quantile(runlens, 0.95).Seconds(), "runlens-p95-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	b.Logf("%d messages in %s (%d a minute), %d public changes alerted, %d rebuilds, %d batches journaled (largest %d); peak RSS %d MiB (GOMAXPROCS %d)",
		total, publishTook.Round(time.Second), int(float64(total)/publishTook.Minutes()), len(latencies), rebuilds, len(batches), slices.Max(append(batches, 0)), peak>>20, runtime.GOMAXPROCS(0))
	for _, m := range []struct {
		what string
		ds   []time.Duration
	}{{"journal a batch", journal}, {"publication to alert", latencies}, {"  publication to receipt (pstest and the client)", delivery}, {"  receipt to alert (runlens: journal, ack, rebuild, alert)", runlens}} {
		b.Logf("%s: p50 %s, p95 %s, max %s", m.what, quantile(m.ds, 0.5), quantile(m.ds, 0.95), quantile(m.ds, 1))
	}
}

// relabel is a feed message setting label rev=i on service a.
func relabel(b *testing.B, a *inventory.Asset, i int, at time.Time) []byte {
	var data map[string]any
	if err := json.Unmarshal(a.Data, &data); err != nil {
		b.Fatal(err)
	}
	data["labels"] = map[string]any{"rev": strconv.Itoa(i)}
	return message(b, map[string]any{"name": a.Name, "assetType": a.Type, "ancestors": a.Ancestors,
		"resource": map[string]any{"version": a.Version, "parent": a.Parent, "location": a.Location, "data": data}}, at)
}

// makePublic is a feed message of service a's IAM policy with allUsers as
// invoker.
func makePublic(b *testing.B, a *inventory.Asset, at time.Time) []byte {
	pol := map[string]any{"bindings": []any{map[string]any{"role": "roles/run.invoker", "members": []string{"allUsers"}}}}
	if a.IAMPolicy != nil {
		var bs []any
		for _, bd := range a.IAMPolicy.Bindings {
			bs = append(bs, bd)
		}
		pol["bindings"] = append(bs, pol["bindings"].([]any)...)
	}
	return message(b, map[string]any{"name": a.Name, "assetType": a.Type, "ancestors": a.Ancestors, "iamPolicy": pol}, at)
}

func message(b *testing.B, asset map[string]any, at time.Time) []byte {
	m, err := json.Marshal(map[string]any{"asset": asset, "priorAssetState": "PRESENT",
		"window": map[string]any{"startTime": at.UTC().Format(time.RFC3339Nano)}})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// peakRSS is the process's peak resident memory (Linux VmHWM), in bytes.
func peakRSS() uint64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// timing is the guard, noting when each message making a service public
// was received (handed to runlens by the client).
type timing struct {
	*posture.Service
	mu       *sync.Mutex
	received map[string]time.Time
}

func (g *timing) IngestFeed(ctx context.Context, msgs [][]byte) (posture.FeedResult, error) {
	now := time.Now()
	g.mu.Lock()
	for _, m := range msgs {
		if !bytes.Contains(m, []byte(`"iamPolicy"`)) {
			continue
		}
		var n struct {
			Asset struct{ Name string } `json:"asset"`
		}
		if json.Unmarshal(m, &n) == nil {
			if _, ok := g.received[n.Asset.Name]; !ok {
				g.received[n.Asset.Name] = now
			}
		}
	}
	g.mu.Unlock()
	return g.Service.IngestFeed(ctx, msgs)
}

// restFraction is RUNLENS_FEED_REST (the applier's rest after a rebuild,
// as a fraction of it; default the subscriber's own).
func restFraction() float64 {
	f, _ := strconv.ParseFloat(os.Getenv("RUNLENS_FEED_REST"), 64)
	return f
}
