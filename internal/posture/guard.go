package posture

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/runlens/runlens/internal/alerts"
	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/feed"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

// AlertOptions says what alerts and where they go.
type AlertOptions struct {
	// MinSeverity is the least severe new finding that alerts (default
	// high); drift events always do.
	MinSeverity rules.Severity
	// Send delivers alerts once they are stored (structured log lines, a
	// webhook); nil: they are only stored. It must not block for long.
	Send func(ctx context.Context, alerts []store.Alert)
}

// SetAlerts sets what alerts and where alerts go.
func (s *Service) SetAlerts(o AlertOptions) { s.alertOpts = o }

// settingAlertedSeq is the feed journal entry up to which alerts are
// recorded: a restart applies the journal after the snapshot again, and
// alerts only on what comes after it.
const settingAlertedSeq = "feed.alerted_seq"

// settingFeedFloor is when the latest live read (sync --scope) started: it
// holds every change before, so a notification older than that (late, or
// delivered again long after) is stale.
const settingFeedFloor = "feed.floor"

func (s *Service) feedFloor(ctx context.Context) (time.Time, error) {
	v, err := s.st.Setting(ctx, settingFeedFloor)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, v)
}

// FeedResult counts what IngestFeed did with a batch of notifications.
type FeedResult struct {
	Taken      int           // journaled: newer than what was taken of the asset
	Stale      int           // older than or as old as what was taken (out of order, or delivered again)
	Irrelevant int           // of asset types runlens does not read
	Malformed  int           // not feed notifications: acknowledged and dropped, with the reason logged
	Problems   []FeedProblem // why, for the first of them
}

// FeedProblem is a message IngestFeed could not read: its index in the
// batch and why.
type FeedProblem struct {
	Index int
	Err   string
}

// IngestFeed decodes Cloud Asset Inventory feed notifications (Pub/Sub
// message data) and journals the changes newer than what was taken of each
// asset. When it returns without error, what the messages changed is
// durable and they may be acknowledged; ApplyFeed serves it.
func (s *Service) IngestFeed(ctx context.Context, msgs [][]byte) (FeedResult, error) {
	var res FeedResult
	changes := make([]store.FeedChange, 0, len(msgs))
	for i, m := range msgs {
		c, err := feed.Decode(m)
		switch {
		case errors.Is(err, feed.ErrIrrelevant):
			res.Irrelevant++
			continue
		case err != nil:
			res.Malformed++
			if len(res.Problems) < 100 {
				res.Problems = append(res.Problems, FeedProblem{Index: i, Err: err.Error()})
			}
			continue
		}
		changes = append(changes, store.FeedChange{Name: c.Name, AssetType: c.AssetType, Content: c.Content,
			StartTime: c.StartTime, Deleted: c.Deleted, Record: c.Record})
	}
	floor, err := s.feedFloor(ctx)
	if err != nil {
		return res, err
	}
	taken, err := s.st.RecordFeedChanges(ctx, changes, floor)
	if err != nil {
		return res, err
	}
	res.Taken, res.Stale = len(taken), len(changes)-len(taken)
	return res, nil
}

// ApplyFeed serves the journaled feed changes the served state does not
// hold yet: applied to it, checked and scored, then served whole (never
// half-applied), and alerted on. It returns the alerts stored.
func (s *Service) ApplyFeed(ctx context.Context) ([]store.Alert, error) {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	prev := s.cur.Load()
	next, changed, err := s.applyJournal(ctx, prev, 0)
	if err != nil || next == prev {
		return nil, err
	}
	return s.alertOn(ctx, prev, next, "feed", changed)
}

// applyJournal serves prev with the journal entries after its FeedSeq (up
// to upTo; 0: all) applied, and returns it with when each asset changed;
// prev itself when there is nothing to apply. stateMu is held.
func (s *Service) applyJournal(ctx context.Context, prev *Current, upTo int64) (*Current, map[string]time.Time, error) {
	if prev == nil {
		return nil, nil, ErrNoSnapshot
	}
	entries, err := s.st.FeedChangesAfter(ctx, prev.FeedSeq)
	if err != nil {
		return nil, nil, err
	}
	if upTo > 0 {
		entries = slices.DeleteFunc(entries, func(c store.FeedChange) bool { return c.Seq > upTo })
	}
	if len(entries) == 0 {
		return prev, nil, nil
	}
	changes := make([]feed.Change, len(entries))
	changed := map[string]time.Time{}
	for i, e := range entries {
		changes[i] = feed.Change{Name: e.Name, AssetType: e.AssetType, Content: e.Content, StartTime: e.StartTime, Deleted: e.Deleted, Record: e.Record}
		if e.StartTime.After(changed[e.Name]) {
			changed[e.Name] = e.StartTime
		}
	}
	t0 := time.Now()
	inv, _, err := feed.Apply(prev.Report.Inventory, changes)
	if err != nil {
		return nil, nil, fmt.Errorf("posture: apply feed: %w", err)
	}
	applied := time.Since(t0)
	now := s.now()
	active, _, err := s.st.ActiveExceptions(ctx, now)
	if err != nil {
		return nil, nil, err
	}
	if s.views == nil {
		s.views = &build.Views{}
	}
	rep := scan.RunWith(inv, s.roles, rules.All(), now, func(id string) bool { _, ok := active[id]; return ok }, s.views)
	// What the snapshot's read reported stays what the console shows.
	rep.Problems, rep.ProblemTally = prev.Report.Problems, prev.Report.ProblemTally
	next := s.withExceptions(prev.Snapshot, rep, active)
	next.gone = prev.gone
	next.FeedSeq, next.FeedAt = entries[len(entries)-1].Seq, now
	t1 := time.Now()
	s.warm(next)
	s.log.Info("feed: changes applied", "changes", len(entries), "seq", next.FeedSeq, "apply", applied,
		"build", rep.Timings.Build, "checks", rep.Timings.Checks, "scores", rep.Timings.Scores, "index", time.Since(t1), "total", time.Since(t0))
	s.serveMu.Lock()
	defer s.serveMu.Unlock()
	// An exception recorded while this was built: served under it, as a
	// sync's end does (reapply holds serveMu, so none slips in after).
	if again, _, err := s.st.ActiveExceptions(ctx, now); err == nil && !maps.Equal(again, active) {
		seq, at := next.FeedSeq, next.FeedAt
		next = s.withExceptions(prev.Snapshot, rep, again)
		next.gone, next.FeedSeq, next.FeedAt = prev.gone, seq, at
		s.warm(next)
	}
	s.cur.Store(next)
	return next, changed, nil
}

// alertOn computes the alerts from prev to next, stores them (deduplicated)
// and sends them. A failure to alert is returned; the state is served.
func (s *Service) alertOn(ctx context.Context, prev, next *Current, source string, changed map[string]time.Time) ([]store.Alert, error) {
	if err := s.rememberRepositories(ctx, prev, next); err != nil {
		return nil, err
	}
	if prev == nil {
		return nil, nil
	}
	fresh := map[string][]string{}
	candidates := map[string][]string{}
	before := prev.repositories()
	for w, rs := range next.repositories() {
		for _, r := range rs {
			if !slices.Contains(before[w], r) {
				candidates[w] = append(candidates[w], r)
			}
		}
	}
	if len(candidates) > 0 {
		var err error
		if fresh, err = s.st.RecordRepositories(ctx, candidates); err != nil {
			return nil, err
		}
	}
	o := alerts.Options{MinSeverity: s.alertOpts.MinSeverity, Source: source, At: s.now(),
		Fresh: func(w, r string) bool { return slices.Contains(fresh[w], r) }}
	if changed != nil {
		o.ChangedAt = func(name string) time.Time { return changed[name] }
	}
	found := alerts.Compare(prev.Report, next.Report, o)
	present := make(map[string]bool, len(next.Report.Findings))
	for _, f := range next.Report.Findings {
		present[f.ID] = true
	}
	stored, err := s.st.RecordAlerts(ctx, found, func(id string) bool { return present[id] })
	s.alertWrites.Add(1) // even a failed write may have changed some
	if err != nil {
		return nil, err
	}
	if next.FeedSeq > 0 {
		if err := s.st.SetSetting(ctx, settingAlertedSeq, strconv.FormatInt(next.FeedSeq, 10)); err != nil {
			return stored, err
		}
	}
	if len(stored) > 0 && s.alertOpts.Send != nil {
		s.alertOpts.Send(ctx, stored)
	}
	return stored, nil
}

// repositories are the image repositories each workload of c runs, found
// once: a state is compared with the one before and the one after it.
func (c *Current) repositories() map[string][]string {
	c.reposOnce.Do(func() { c.repos = alerts.Repositories(c.Report) })
	return c.repos
}

// rememberRepositories records, the first time, every repository each
// workload runs: the history "a repository it never ran" is judged against.
func (s *Service) rememberRepositories(ctx context.Context, prev, next *Current) error {
	has, err := s.st.HasRepositories(ctx)
	if err != nil || has {
		return err
	}
	all := next.repositories()
	if prev != nil {
		// Only what was there before: what is new now is judged as new.
		all = prev.repositories()
	}
	if len(all) == 0 {
		return nil
	}
	_, err = s.st.RecordRepositories(ctx, all)
	return err
}

// replayJournal serves, after a start, the journal entries the snapshot does
// not hold: those already alerted on silently, the rest with their alerts.
func (s *Service) replayJournal(ctx context.Context) error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	v, err := s.st.Setting(ctx, settingAlertedSeq)
	if err != nil {
		return err
	}
	alerted, _ := strconv.ParseInt(v, 10, 64)
	cur := s.cur.Load()
	if alerted > cur.FeedSeq {
		if cur, _, err = s.applyJournal(ctx, cur, alerted); err != nil {
			return err
		}
	}
	next, changed, err := s.applyJournal(ctx, cur, 0)
	if err != nil || next == cur {
		return err
	}
	_, err = s.alertOn(ctx, cur, next, "feed", changed)
	return err
}

// FoldFeed stores the served state, feed changes included, as a snapshot,
// and clears the journal it holds: the trend gets a point, and a restart
// has less to apply again.
func (s *Service) FoldFeed(ctx context.Context) (store.Snapshot, error) {
	cur := s.cur.Load()
	if cur == nil || cur.FeedSeq <= cur.Snapshot.FeedSeq {
		return store.Snapshot{}, nil
	}
	inv := cur.Report.Inventory
	return s.Sync(ctx, "feed", func(context.Context, func(ReadProgress)) (*inventory.Inventory, error) { return inv, nil })
}

// FeedPending is how many feed journal entries the served state holds that
// its snapshot does not: what a restart would apply again.
func (s *Service) FeedPending() int64 {
	c := s.cur.Load()
	if c == nil {
		return 0
	}
	return c.FeedSeq - c.Snapshot.FeedSeq
}
