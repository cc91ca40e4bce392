// Package feedsub pulls Cloud Asset Inventory feed notifications from a
// Pub/Sub subscription (a pull subscriber: it works behind IAP, where a
// push could not reach runlens) and hands them to the guard in batches:
// each batch is journaled durably, then acknowledged; what it changed is
// then applied to the served state, bursts coalescing into one rebuild.
package feedsub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// Guard is what the subscriber feeds: posture.Service.
type Guard interface {
	IngestFeed(ctx context.Context, msgs [][]byte) (posture.FeedResult, error)
	ApplyFeed(ctx context.Context) ([]store.Alert, error)
}

// Options tunes the batching.
type Options struct {
	// MaxBatch is the most messages journaled in one transaction (default
	// 1000); MaxWait how long a batch waits to fill once it has one
	// message (default 200 ms).
	MaxBatch int
	MaxWait  time.Duration
	// Applied, if set, is called after each rebuild with its alerts (tests,
	// measurements).
	Applied func(alerts []store.Alert)
	// Journaled, if set, is called after each batch is journaled and
	// acknowledged, with its size and how long journaling took.
	Journaled func(messages int, took time.Duration)
	// Rest is how long the applier waits after a rebuild before the next,
	// as a fraction of the rebuild's own time (default 1: rebuilds take at
	// most half the CPU a scan may use, and the pull, the journal and the
	// console keep the rest; a negative value: no rest).
	Rest float64
}

// Run receives from sub until ctx ends. A batch that cannot be journaled is
// not acknowledged (Pub/Sub delivers it again); one that was is, whatever
// applying it does afterwards (a restart applies the journal again).
func Run(ctx context.Context, sub *pubsub.Subscriber, g Guard, log *slog.Logger, o Options) error {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 200 * time.Millisecond
	}
	// The client's defaults (a Subscriber starts with them) are replaced;
	// settings a caller chose are kept.
	if n := sub.ReceiveSettings.MaxOutstandingMessages; n == 0 || n == pubsub.DefaultReceiveSettings.MaxOutstandingMessages {
		sub.ReceiveSettings.MaxOutstandingMessages = 2 * o.MaxBatch
	}
	if n := sub.ReceiveSettings.NumGoroutines; n == 0 || n == pubsub.DefaultReceiveSettings.NumGoroutines {
		// Four StreamingPull streams, not the client's one: measured
		// against pstest at 10,000 messages a minute, one stream left
		// deliveries waiting seconds behind one another (p50 1.7 s, p95
		// 7.7 s, a quarter not delivered 3 s after the last was
		// published), four delivered every one within 215 ms.
		sub.ReceiveSettings.NumGoroutines = 4
	}
	msgs := make(chan *pubsub.Message, o.MaxBatch)
	apply := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() { batch(ctx, msgs, apply, g, log, o) })
	wg.Go(func() { applier(ctx, apply, g, log, o) })
	err := sub.Receive(ctx, func(ctx context.Context, m *pubsub.Message) {
		select {
		case msgs <- m:
		case <-ctx.Done():
			m.Nack()
		}
	})
	close(msgs)
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// batch journals messages in batches and acknowledges them.
func batch(ctx context.Context, msgs <-chan *pubsub.Message, apply chan<- struct{}, g Guard, log *slog.Logger, o Options) {
	var pending []*pubsub.Message
	flush := func() {
		if len(pending) == 0 {
			return
		}
		data := make([][]byte, len(pending))
		for i, m := range pending {
			data[i] = m.Data
		}
		// Journaling must finish even when the process is stopping: a
		// batch half-recorded is not recorded at all (one transaction),
		// and what was recorded is acknowledged.
		start := time.Now()
		res, err := g.IngestFeed(context.WithoutCancel(ctx), data)
		if err != nil {
			log.Error("feed: journal a batch; not acknowledged, Pub/Sub delivers it again", "messages", len(pending), "err", err)
			for _, m := range pending {
				m.Nack()
			}
			pending = pending[:0]
			return
		}
		for _, m := range pending {
			m.Ack()
		}
		if o.Journaled != nil {
			o.Journaled(len(pending), time.Since(start))
		}
		for _, p := range res.Problems {
			log.Warn("feed: message dropped", "message_id", pending[p.Index].ID, "err", p.Err)
		}
		if res.Taken > 0 {
			select {
			case apply <- struct{}{}:
			default: // a rebuild is already due: it takes these too
			}
		}
		pending = pending[:0]
	}
	timer := time.NewTimer(o.MaxWait)
	timer.Stop()
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				flush()
				return
			}
			if len(pending) == 0 {
				timer.Reset(o.MaxWait)
			}
			pending = append(pending, m)
			if len(pending) >= o.MaxBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// applier rebuilds the served state when told, taking everything journaled
// since the last rebuild at once.
func applier(ctx context.Context, apply <-chan struct{}, g Guard, log *slog.Logger, o Options) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-apply:
			start := time.Now()
			alerts, err := g.ApplyFeed(ctx)
			if err != nil {
				log.Error("feed: apply the journaled changes", "err", err)
			} else if o.Applied != nil {
				o.Applied(alerts)
			}
			rest := o.Rest
			if rest == 0 {
				rest = 1
			}
			if rest > 0 {
				// What arrives meanwhile waits in the journal: the next
				// rebuild takes it all at once.
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Duration(rest * float64(time.Since(start)))):
				}
			}
		}
	}
}
