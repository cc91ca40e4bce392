package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// feedChange is one published feed message: which service, when, and the
// revision label it sets.
type feedChange struct {
	name  string
	start time.Time
	rev   int
}

// TestFeedKill publishes a stream of feed changes to pstest (Pub/Sub's own
// fake) while runlens serve pulls them, kills it with SIGKILL in the
// middle, and starts it again: every change acknowledged before the kill
// is in the database, and once all are acknowledged the served state holds
// the last change of every service. -short skips it.
func TestFeedKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds runlens and kills it; skipped with -short")
	}
	bin := faultBuild(t)
	ctx := context.Background()
	srv := pstest.NewServer()
	defer srv.Close()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client, err := pubsub.NewClient(ctx, "runlens-test", option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	const topic, sub = "projects/runlens-test/topics/feed", "projects/runlens-test/subscriptions/runlens"
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: topic, AckDeadlineSeconds: 10}); err != nil {
		t.Fatal(err)
	}

	db := filepath.Join(t.TempDir(), "feed.db")
	if _, stderr, err := faultRun(t, bin, "sync", "--demo", "--db", db); err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr)
	}
	// The demo's v2 services, each relabelled again and again.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sn, err := st.CurrentSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := st.LoadInventory(ctx, sn.ID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var services []*inventory.Asset
	for _, a := range inv.Assets {
		if a.Type == inventory.TypeRunService && a.Version == "v2" && a.Data != nil {
			services = append(services, a)
		}
	}
	if len(services) < 5 {
		t.Fatalf("%d v2 services in the demo", len(services))
	}
	base := time.Now().UTC()
	var changes []feedChange
	for i := range 2000 {
		a := services[i%len(services)]
		var data map[string]any
		if err := json.Unmarshal(a.Data, &data); err != nil {
			t.Fatal(err)
		}
		data["labels"] = map[string]any{"rev": strconv.Itoa(i)}
		c := feedChange{name: a.Name, start: base.Add(time.Duration(i) * time.Millisecond), rev: i}
		msg, err := json.Marshal(map[string]any{
			"asset": map[string]any{"name": a.Name, "assetType": a.Type, "ancestors": a.Ancestors,
				"resource": map[string]any{"version": "v2", "parent": a.Parent, "location": a.Location, "data": data}},
			"window": map[string]any{"startTime": c.start.Format(time.RFC3339Nano)}, "priorAssetState": "PRESENT"})
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
		srv.Publish(topic, msg, map[string]string{"i": strconv.Itoa(i)})
	}

	serve := func() *faultProc {
		addr := faultAddr(t)
		p := faultStartEnv(t, bin, []string{"PUBSUB_EMULATOR_HOST=" + srv.Addr},
			"serve", "--db", db, "--dev-user", "dev@example.com", "--addr", addr, "--feed-subscription", sub)
		faultWaitHealthy(t, p, "http://"+addr, 60*time.Second)
		return p
	}
	acked := func() map[int]bool {
		out := map[int]bool{}
		for _, m := range srv.Messages() {
			if m.Acks > 0 {
				i, _ := strconv.Atoi(m.Attributes["i"])
				out[i] = true
			}
		}
		return out
	}
	p := serve()
	deadline := time.Now().Add(60 * time.Second)
	for len(acked()) < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d acknowledged in a minute:\n%s", len(acked()), p.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.kill()
	before := acked()
	if len(before) == len(changes) {
		t.Log("every message was acknowledged before the kill landed")
	}
	checkDurable(t, db, changes, before)

	p = serve()
	deadline = time.Now().Add(90 * time.Second)
	for len(acked()) < len(changes) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged after the restart:\n%s", len(acked()), len(changes), p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Give the last rebuild its time, then stop.
	time.Sleep(2 * time.Second)
	p.kill()
	checkDurable(t, db, changes, acked())

	// The state runlens serves from this database holds, for each
	// service, its last revision.
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := posture.New(st, iam.MustPredefined(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if err := ps.Load(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := ps.Current()
	last := map[string]int{}
	for _, ch := range changes {
		last[ch.name] = ch.rev
	}
	for _, a := range c.Report.Inventory.Assets {
		want, ok := last[a.Name]
		if !ok {
			continue
		}
		w, err := inventory.DecodeWorkload(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Labels["rev"]; got != strconv.Itoa(want) {
			t.Errorf("%s: served revision %q, want %d", a.Name, got, want)
		}
	}
}

// checkDurable checks that every acknowledged change is in the database:
// its service's mark is at least as late.
func checkDurable(t *testing.T, path string, changes []feedChange, acked map[int]bool) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	marks := map[string]time.Time{}
	rows, err := db.Query(`SELECT name, start_time FROM feed_marks WHERE content = 'resource'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, start string
		if err := rows.Scan(&name, &start); err != nil {
			t.Fatal(err)
		}
		marks[name], _ = time.Parse(time.RFC3339Nano, start)
	}
	rows.Close()
	var lost []string
	for i := range acked {
		c := changes[i]
		if marks[c.name].Before(c.start) {
			lost = append(lost, fmt.Sprintf("%d (%s)", i, c.name))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged changes are not in the database, e.g. %v", len(lost), lost[:min(5, len(lost))])
	}
}
