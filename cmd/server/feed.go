package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/runlens/runlens/internal/feedsub"
	"github.com/runlens/runlens/internal/notify"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// foldAt is how many journal entries past the snapshot make the feed fold
// before its hour is up (at 10,000 messages a minute, about two minutes).
const foldAt = 20000

var feedSubscriptionRE = regexp.MustCompile(`^projects/[a-z][-a-z0-9.:]*[a-z0-9]/subscriptions/[A-Za-z][-A-Za-z0-9._~%+]{2,254}$`)

// alertSender logs each alert for Cloud Logging and, when an admin has set
// a webhook, posts them there in the background (a slow chat service never
// holds up the feed).
func alertSender(ctx context.Context, st *store.Store, log *slog.Logger, console string) func(context.Context, []store.Alert) {
	hook := &notify.Webhook{Console: console}
	return func(_ context.Context, alerts []store.Alert) {
		notify.Log(ctx, log, alerts)
		url, err := st.Setting(ctx, notify.SettingWebhook)
		if err != nil {
			log.Error("alerts: read the webhook setting", "err", err)
			return
		}
		if url == "" {
			return
		}
		go func() {
			sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			if err := hook.Send(sendCtx, url, alerts); err != nil {
				log.Error("alerts: webhook delivery failed", "alerts", len(alerts), "err", err)
			}
		}()
	}
}

// startFeed pulls the feed subscription in the background, and folds what
// it changed into a snapshot every fold. stop waits for both to end.
func startFeed(ctx context.Context, sub string, ps *posture.Service, log *slog.Logger, fold time.Duration) (stop func(), err error) {
	project := strings.Split(sub, "/")[1] // projects/P/subscriptions/S, checked by the flag's pattern
	client, err := pubsub.NewClient(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("serve: --feed-subscription: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := feedsub.Run(ctx, client.Subscriber(sub), ps, log, feedsub.Options{}); err != nil {
			log.Error("feed: the subscriber stopped", "subscription", sub, "err", err)
		}
	})
	if fold > 0 {
		wg.Go(func() {
			// Every fold, or sooner when the journal the snapshot lacks
			// grows past foldAt entries: a restart applies that much again,
			// and holds it in memory while it does.
			t := time.NewTicker(min(fold, time.Minute))
			defer t.Stop()
			last := time.Now()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if time.Since(last) < fold && ps.FeedPending() < foldAt {
						continue
					}
					last = time.Now()
					if _, err := ps.FoldFeed(ctx); err != nil {
						log.Warn("feed: fold into a snapshot", "err", err)
					}
				}
			}
		})
	}
	log.Info("feed: pulling", "subscription", sub)
	return func() { cancel(); wg.Wait(); client.Close() }, nil
}
