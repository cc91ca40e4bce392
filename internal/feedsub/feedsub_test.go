package feedsub_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/feedsub"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

const (
	topic = "projects/p/topics/asset-feed"
	sub   = "projects/p/subscriptions/runlens"
)

// fake starts Pub/Sub's own in-process fake server with the feed topic and
// a pull subscription, and returns it with a real client connected to it.
func fake(t testing.TB) (*pstest.Server, *pubsub.Client) {
	t.Helper()
	ctx := context.Background()
	srv := pstest.NewServer()
	t.Cleanup(func() { srv.Close() })
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client, err := pubsub.NewClient(ctx, "p", option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: topic, AckDeadlineSeconds: 10}); err != nil {
		t.Fatal(err)
	}
	return srv, client
}

func demoService(t *testing.T) *posture.Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if _, err := ps.Sync(ctx, "demo", func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		r := inventory.NewReader()
		if err := r.ReadFS(demo.FS()); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}); err != nil {
		t.Fatal(err)
	}
	return ps
}

func demoFeed(t *testing.T) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "demo", "feed", "changes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, slices.Clone(sc.Bytes()))
	}
	return out
}

// flaky fails its first IngestFeed, as a full disk or a locked database
// would.
type flaky struct {
	*posture.Service
	failed atomic.Bool
}

func (f *flaky) IngestFeed(ctx context.Context, msgs [][]byte) (posture.FeedResult, error) {
	if f.failed.CompareAndSwap(false, true) {
		return posture.FeedResult{}, errors.New("disk I/O error")
	}
	return f.Service.IngestFeed(ctx, msgs)
}

// TestReceive pulls the demo's feed file through the real Pub/Sub client
// from pstest: the three changes alert once each, every message is
// acknowledged, and a batch that could not be journaled the first time is
// not acknowledged then but delivered again and taken.
func TestReceive(t *testing.T) {
	srv, client := fake(t)
	ps := demoService(t)
	g := &flaky{Service: ps}
	msgs := demoFeed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var events []string
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := feedsub.Run(ctx, client.Subscriber(sub), g, slog.New(slog.NewTextHandler(io.Discard, nil)), feedsub.Options{
			MaxWait: 50 * time.Millisecond,
			Applied: func(as []store.Alert) {
				mu.Lock()
				defer mu.Unlock()
				for _, a := range as {
					events = append(events, a.Event)
				}
				if len(events) >= 3 {
					select {
					case <-done:
					default:
						close(done)
					}
				}
			},
		})
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	for _, m := range msgs {
		srv.Publish(topic, m, nil)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("no three alerts within a minute; got %v", events)
	}
	// Every message ends acknowledged (the first batch after its
	// redelivery).
	deadline := time.Now().Add(30 * time.Second)
	for {
		acked := 0
		for _, m := range srv.Messages() {
			if m.Acks > 0 {
				acked++
			}
		}
		if acked == len(msgs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages acknowledged", acked, len(msgs))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	slices.Sort(events)
	if want := []string{"new-image-repository", "public-invoker", "service-account-changed"}; !slices.Equal(events, want) {
		t.Errorf("alerts %v, want %v (once each)", events, want)
	}
	if !g.failed.Load() {
		t.Error("the failing ingest was never tried")
	}
	var redelivered bool
	for _, m := range srv.Messages() {
		if m.Deliveries > 1 {
			redelivered = true
		}
	}
	if !redelivered {
		t.Error("no message was delivered again after the failed journal write")
	}
}
