// Package posture serves the console's questions from the current snapshot:
// it holds the scan report being served, switches to a new one only when a
// sync completes and is stored, and answers the overview, services, service
// detail, findings and graph listing queries.
package posture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

// Current is the snapshot being served, with the exceptions in force.
type Current struct {
	Snapshot   store.Snapshot
	Report     *scan.Report
	Exceptions map[string]store.Exception // active exceptions by finding ID
	nextExpiry time.Time                  // when the earliest of them expires; zero if none
	// FeedSeq is the last feed journal entry the state holds (the
	// snapshot's, or later ones applied since), FeedAt when the last was
	// applied (zero: none since the snapshot).
	FeedSeq int64
	FeedAt  time.Time

	fixesOnce sync.Once // computes fixes on first use
	fixes     []rules.Fix

	sortedMu   sync.Mutex
	sortedRows map[string][]ServiceRow // rows by sort order other than score

	answersMu sync.Mutex
	answers   map[string]Answer // prebuilt questions answered on this state

	rowsOnce sync.Once // builds rows, rowKeys and projects on first use
	rows     []ServiceRow
	rowKeys  []string // lower-cased search text of rows[i]
	projects []string

	detailOnce sync.Once // builds detail on first use
	detail     detailIndex

	// gone are the findings of the previous snapshot this one no longer
	// holds (fixed), set before the state is indexed.
	gone            []rules.Finding
	findingListOnce sync.Once // builds findingsIdx on first use
	findingsIdx     findingListIndex
	statesMu        sync.Mutex // one rebuild of states at a time
	states          atomic.Pointer[stateIndex]

	memo memo // rendered answers (Memo)

	reposOnce sync.Once // the image repositories each workload runs (alerts), on first use
	repos     map[string][]string

	once   sync.Once // builds byNode on first use
	byNode map[string]struct {
		sev rules.Severity
		n   int
	}
}

// Service holds the current snapshot. It is safe for concurrent use; reads
// never wait for a sync.
type Service struct {
	st     *store.Store
	roles  *iam.Catalog
	log    *slog.Logger
	cur    atomic.Pointer[Current]
	syncMu sync.Mutex // one sync at a time
	// stateMu orders the changes of the served state that build on it: a
	// feed batch applied to it, a sync's end (its snapshot stored and
	// served, then the feed changes it does not hold applied on top).
	stateMu   sync.Mutex
	alertOpts AlertOptions
	// views are the typed views of the last feed rebuild, reused by the
	// next (stateMu).
	views *build.Views
	// expiring is set while a request re-serves the state after an
	// exception expired (Current).
	expiring atomic.Bool
	serveMu  sync.Mutex // swaps of the served state (sync end, exception changes)
	keep     int
	now      func() time.Time
	synced   func(ctx context.Context, c *Current) error

	progressMu sync.Mutex
	progress   Progress
	cancel     context.CancelFunc // of the background sync, while one runs

	// syncs counts finished sync attempts, failed ones included: what the
	// overview shows of the store (trend, last failure) changes only then.
	syncs    atomic.Uint64
	overview atomic.Pointer[overviewCache]
	// alertWrites counts this process's writes of alerts; digest is the
	// overview's last AlertDigest (see AlertDigest), alerted which
	// workloads have alerts (see WorkloadAlerts).
	alertWrites atomic.Uint64
	digest      atomic.Pointer[digestCache]
	alerted     atomic.Pointer[alertedCache]
	alertedMu   sync.Mutex // one read of alerted at a time
}

// OnSynced registers fn to run after each sync that is served (to verify
// change sets against the new findings). Its error is logged, not returned:
// the sync itself succeeded.
func (s *Service) OnSynced(fn func(ctx context.Context, c *Current) error) { s.synced = fn }

// New returns a Service over st. keep is how many complete snapshots to
// retain for trends (0 keeps all).
func New(st *store.Store, roles *iam.Catalog, log *slog.Logger, keep int) *Service {
	return &Service{st: st, roles: roles, log: log, keep: keep, now: time.Now}
}

// SetClock replaces the clock that decides when exceptions expire and
// time-bound grants lapse (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// ErrNoSnapshot is returned by Current before the first sync completes.
var ErrNoSnapshot = errors.New("posture: no snapshot yet: run a sync")

// Current returns the snapshot being served. When an exception has expired
// since the scores were computed, its finding costs points again from here.
func (s *Service) Current() (*Current, error) {
	c := s.cur.Load()
	if c == nil {
		return nil, ErrNoSnapshot
	}
	if now := s.now(); !c.nextExpiry.IsZero() && !now.Before(c.nextExpiry) {
		// One request re-serves the state (indexed first, see warm); the
		// others answer from the state they have meanwhile.
		if !s.expiring.CompareAndSwap(false, true) {
			return c, nil
		}
		defer s.expiring.Store(false)
		active := map[string]store.Exception{}
		for id, e := range c.Exceptions {
			if e.Active(now) {
				active[id] = e
			}
		}
		n := s.withExceptions(c.Snapshot, c.Report, active)
		n.gone, n.FeedSeq, n.FeedAt = c.gone, c.FeedSeq, c.FeedAt
		s.warm(n)
		if s.cur.CompareAndSwap(c, n) {
			return n, nil
		}
		return s.cur.Load(), nil
	}
	return c, nil
}

// withExceptions builds the served state of a report under exceptions.
func (s *Service) withExceptions(sn store.Snapshot, rep *scan.Report, active map[string]store.Exception) *Current {
	c := &Current{Snapshot: sn, Exceptions: active, FeedSeq: sn.FeedSeq}
	for _, e := range active {
		if c.nextExpiry.IsZero() || e.ExpiresAt.Before(c.nextExpiry) {
			c.nextExpiry = e.ExpiresAt
		}
	}
	c.Report = rep.WithExceptions(func(id string) bool { _, ok := active[id]; return ok })
	return c
}

// serve switches to rep with the exceptions now in force in the store.
func (s *Service) serve(ctx context.Context, sn store.Snapshot, rep *scan.Report) (*Current, error) {
	return s.serveReady(ctx, sn, rep, nil)
}

// serveReady is serve given a state already built and indexed (ready, may
// be nil) under exceptions read before the serve lock was taken: it is
// served as it is if the exceptions have not changed since.
func (s *Service) serveReady(ctx context.Context, sn store.Snapshot, rep *scan.Report, ready *Current) (*Current, error) {
	active, _, err := s.st.ActiveExceptions(ctx, s.now())
	if err != nil {
		return nil, err
	}
	c := ready
	if c == nil || !maps.Equal(c.Exceptions, active) {
		if c == nil {
			c = s.cur.Load()
		}
		gone, err := s.goneFor(ctx, sn, c)
		if err != nil {
			return nil, err
		}
		old := s.cur.Load()
		c = s.withExceptions(sn, rep, active)
		c.gone = gone
		if old != nil && old.Report.Inventory == rep.Inventory {
			// The same state under other exceptions: with its feed changes.
			c.FeedSeq, c.FeedAt = old.FeedSeq, old.FeedAt
		}
		s.warm(c)
	}
	s.cur.Store(c)
	return c, nil
}

// prepare builds and indexes the state a sync will serve, before the serve
// lock is taken: an exception recorded meanwhile does not wait for it.
func (s *Service) prepare(ctx context.Context, sn store.Snapshot, rep *scan.Report) (*Current, error) {
	active, _, err := s.st.ActiveExceptions(ctx, s.now())
	if err != nil {
		return nil, err
	}
	gone, err := s.goneFor(ctx, sn, nil)
	if err != nil {
		return nil, err
	}
	c := s.withExceptions(sn, rep, active)
	c.gone = gone
	s.warm(c)
	return c, nil
}

// goneFor returns the findings of the snapshot before sn that sn no longer
// holds (they are listed as fixed), those of prev when prev serves sn
// already. Their titles are the checks'; their evidence is left in the
// store (the finding's page reads it).
func (s *Service) goneFor(ctx context.Context, sn store.Snapshot, prev *Current) ([]rules.Finding, error) {
	if prev != nil && prev.Snapshot.ID == sn.ID {
		return prev.gone, nil
	}
	before, err := s.st.PreviousSnapshot(ctx, sn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	stored, err := s.st.GoneFindings(ctx, before.ID, sn.ID)
	if err != nil {
		return nil, err
	}
	out := make([]rules.Finding, 0, len(stored))
	for _, f := range stored {
		out = append(out, storedFinding(f))
	}
	return out, nil
}

// catalog is the check catalog by slug.
var catalog = sync.OnceValue(func() map[string]rules.Rule {
	m := map[string]rules.Rule{}
	for _, r := range rules.All() {
		m[r.Slug] = r
	}
	return m
})

// storedFinding is a stored finding as the rules made it, with its check's
// title (evidence, if read, decoded).
func storedFinding(f store.StoredFinding) rules.Finding {
	sev, _ := rules.ParseSeverity(f.Severity)
	out := rules.Finding{ID: f.ID, Check: f.Check, Severity: sev, Subject: f.Subject, Affects: f.Affects, Excepted: f.Excepted}
	if out.Affects == nil {
		out.Affects = []string{}
	}
	if r, ok := catalog()[f.Check]; ok {
		out.Title = r.Title
	}
	if len(f.Evidence) > 0 {
		_ = json.Unmarshal(f.Evidence, &out.Evidence)
	}
	return out
}

// warm builds what the pages of a served state compute once, before the
// state is served: otherwise the first requests after a sync or an
// exception would each wait for it (seconds at 50,000 services, with the
// other requests queued behind them). The request that swaps the state
// waits instead, with the parts built side by side on the CPUs a scan may
// use (par.Workers: serve keeps one for the pages).
func (s *Service) warm(c *Current) {
	parts := make(chan func(), 6)
	parts <- func() { c.topFixes() }
	parts <- func() {
		for _, q := range Questions {
			_, _ = c.Ask(q.Key) // only ErrUnknownQuestion, which Questions' keys are not
		}
	}
	parts <- func() { c.rowsOnce.Do(func() { s.buildRows(c) }) }
	parts <- func() { c.details() }
	parts <- func() { c.findings() }
	parts <- func() { s.warmFindings(c) }
	close(parts)
	var wg sync.WaitGroup
	for range min(par.Workers(), len(parts)) {
		wg.Go(func() {
			for build := range parts {
				build()
			}
		})
	}
	wg.Wait()
}

// warmFindings indexes the findings views of c and answers their default
// (the findings page as the menu opens it). If the change sets cannot be
// read, the first request tries again (and reports it).
func (s *Service) warmFindings(c *Current) {
	ix := c.findingList()
	si, err := s.states(context.Background(), c)
	if err != nil {
		s.log.Warn("warm the findings views", "err", err)
		return
	}
	si.query(ix, FindingFilter{States: DefaultStates()})
}

// Load serves the latest complete snapshot in the store, rebuilding its
// graph from the stored assets. It returns store.ErrNotFound when there is
// none.
func (s *Service) Load(ctx context.Context) error {
	sn, err := s.st.CurrentSnapshot(ctx)
	if err != nil {
		return err
	}
	inv, err := s.st.LoadInventory(ctx, sn.ID)
	if err != nil {
		return err
	}
	// What the read reported is part of the snapshot: keep showing it.
	inv.Records, inv.Skipped = sn.Records, sn.Skipped
	rep := scan.Run(inv, s.roles, rules.All(), s.now(), nil)
	// The stored problems are the read's and the build's, as the sync
	// listed and counted them (the build's are not met twice).
	rep.Problems = make([]inventory.Problem, len(sn.Problems))
	for i, p := range sn.Problems {
		rep.Problems[i] = inventory.Problem{Msg: p}
	}
	rep.ProblemTally = sn.ProblemTally
	if rep.ProblemTally.All == nil {
		rep.ProblemTally = inventory.TallyProblems(rep.Problems, nil)
	}
	if _, err = s.serve(ctx, sn, rep); err != nil {
		return err
	}
	// Feed changes journaled after the snapshot: served on top of it.
	return s.replayJournal(ctx)
}

// Reader produces an inventory for a sync: from files, the demo or the live
// API, calling progress with how far it has got (progress is never nil).
type Reader func(ctx context.Context, progress func(ReadProgress)) (*inventory.Inventory, error)

// ReadProgress is how far a Reader has got.
type ReadProgress struct {
	Records int // records read so far
	Pages   int // API pages fetched so far (0 when reading files)
}

// Sync reads an inventory with read, scans it, stores it as a new snapshot
// and serves it. If reading fails, is cancelled or the inventory has no
// assets, the failure is recorded and the previous snapshot keeps serving.
func (s *Service) Sync(ctx context.Context, source string, read Reader) (store.Snapshot, error) {
	return s.sync(ctx, source, time.Time{}, read)
}

// Backfill stores an earlier state of the inventory as a snapshot dated at,
// checked as of that time (the demo's history). It is served until a later
// sync; it never replaces a newer snapshot as the current one.
func (s *Service) Backfill(ctx context.Context, source string, at time.Time, read Reader) (store.Snapshot, error) {
	return s.sync(ctx, source, at, read)
}

func (s *Service) sync(ctx context.Context, source string, at time.Time, read Reader) (store.Snapshot, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	defer s.syncs.Add(1)
	fail := func(err error) (store.Snapshot, error) {
		s.setProgress(func(p *Progress) { p.Err = err.Error() })
		if rerr := s.st.RecordFailedSync(context.WithoutCancel(ctx), source, err); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return store.Snapshot{}, fmt.Errorf("posture: sync %s: %w", source, err)
	}
	// The feed changes journaled before a live read starts are in what it
	// reads: the snapshot holds them, and later ones are applied on top. A
	// fold stores the served state, which holds what it applied. Files say
	// nothing of when they were exported: the journal is applied on top.
	var feedSeq int64
	switch {
	case !at.IsZero():
	case source == "feed":
		if c := s.cur.Load(); c != nil {
			feedSeq = c.FeedSeq
		}
	case strings.HasPrefix(source, "live:"):
		var err error
		if feedSeq, err = s.st.FeedSeq(ctx); err != nil {
			return fail(err)
		}
	}
	readStarted := s.now()
	expected := 0 // what the last sync of the same scope read, for an ETA
	if last, err := s.st.LastComplete(ctx, source); err == nil {
		expected = last.Records
	}
	s.setProgress(func(p *Progress) {
		*p = Progress{Running: true, Source: source, Started: s.now(), Phase: "reading", Expected: expected}
	})
	defer s.setProgress(func(p *Progress) { p.Running = false })
	inv, err := read(ctx, func(r ReadProgress) { s.setProgress(func(p *Progress) { p.Records, p.Pages = r.Records, r.Pages }) })
	if err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if len(inv.Assets) == 0 {
		return fail(fmt.Errorf("no assets read (%s)", inv.Summary()))
	}
	// A read that could not see part of the scope would hide findings
	// (bindings it did not read grant nothing): it is not served.
	// They are counted whether listed or not (the list is bounded).
	if n := inv.ProblemCount(inventory.ProblemPermissionDenied, inventory.ProblemUnavailable, inventory.ProblemAPIError); n > 0 {
		var partial []string
		for _, p := range inv.Problems {
			switch p.Kind {
			case inventory.ProblemPermissionDenied, inventory.ProblemUnavailable, inventory.ProblemAPIError:
				partial = append(partial, p.String())
			}
		}
		return fail(fmt.Errorf("partial read, not served: %d part(s) of the scope could not be read: %s", n, strings.Join(partial[:min(3, len(partial))], "; ")))
	}
	s.setProgress(func(p *Progress) { p.Records, p.Phase = inv.Records, "checking" })
	when := at
	if when.IsZero() {
		when = s.now()
	}
	active, _, err := s.st.ActiveExceptions(ctx, when)
	if err != nil {
		return fail(err)
	}
	rep := scan.Run(inv, s.roles, rules.All(), when, func(id string) bool { _, ok := active[id]; return ok })
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if source != "feed" {
		// The views kept for feed rebuilds are of the assets this read
		// replaces: let them (and the old inventory they key) go.
		s.views = nil
	}
	prev := s.cur.Load()
	id, err := s.st.SaveSnapshot(ctx, store.SnapshotInput{Source: source, At: at, Inventory: inv, Problems: rep.Problems, ProblemTally: rep.ProblemTally, Findings: rep.Findings, Scores: rep.Scores, FeedSeq: feedSeq})
	if err != nil {
		return fail(err)
	}
	sn, err := s.st.CurrentSnapshot(ctx)
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("posture: sync %s: %w", source, err)
	}
	switch {
	case sn.ID == id:
		// Serve under the exceptions in force now: one may have been added
		// while this sync ran (the state is rebuilt then).
		ready, err := s.prepare(ctx, sn, rep)
		if err != nil {
			return store.Snapshot{}, fmt.Errorf("posture: sync %s: %w", source, err)
		}
		s.serveMu.Lock()
		_, err = s.serveReady(ctx, sn, rep, ready)
		s.serveMu.Unlock()
		if err != nil {
			return store.Snapshot{}, fmt.Errorf("posture: sync %s: %w", source, err)
		}
	case at.IsZero():
		return store.Snapshot{}, fmt.Errorf("posture: sync %s: stored snapshot %d but %d is current", source, id, sn.ID)
	default: // a backfill older than the current snapshot: stored for the trend only
		if sn, err = s.st.Snapshot(ctx, id); err != nil {
			return store.Snapshot{}, err
		}
		return sn, nil
	}
	if s.keep > 0 {
		if err := s.st.PruneSnapshots(ctx, s.keep); err != nil {
			s.log.Warn("prune snapshots", "err", err)
		}
	}
	// Only a live read says when the state was read; an export file was
	// written at some time before.
	if strings.HasPrefix(source, "live:") && at.IsZero() {
		if err := s.st.SetSetting(ctx, settingFeedFloor, readStarted.UTC().Format(time.RFC3339Nano)); err != nil {
			s.log.Error("record when the sync's read started", "snapshot", id, "err", err)
		}
	}
	// Feed changes journaled while it read: on top of what it read.
	next, changed, err := s.applyJournal(ctx, s.cur.Load(), 0)
	if err != nil {
		s.log.Error("apply the feed changes after a sync", "snapshot", id, "err", err)
		next = s.cur.Load()
	}
	if source != "feed" { // a fold stores what is served: nothing changed
		if _, err := s.alertOn(ctx, prev, next, source, changed); err != nil {
			s.log.Error("alerts after a sync", "snapshot", id, "err", err)
		}
	}
	s.log.Info("sync complete", "source", source, "snapshot", id, "summary", inv.Summary(), "findings", len(rep.Findings))
	if s.synced != nil {
		if err := s.synced(ctx, s.cur.Load()); err != nil {
			s.log.Error("after sync", "snapshot", id, "err", err)
		}
	}
	return sn, nil
}

// History returns the latest syncs, complete and failed, newest first.
func (s *Service) History(ctx context.Context, limit int) ([]store.Snapshot, error) {
	return s.st.Snapshots(ctx, limit)
}

// Snapshot describes one sync (complete or failed); views use this name so
// they need not import the store.
type Snapshot = store.Snapshot

// Progress is the state of the sync running now, or of the last one.
type Progress struct {
	Running bool
	Source  string
	Started time.Time
	Phase   string // reading, checking
	Records int    // records read so far
	Pages   int    // API pages fetched so far (0 when reading files)
	// Expected is how many records the last complete sync of the same
	// source read (0: none), from which ETA estimates the time left.
	Expected int
	Err      string // why the last sync failed, if it did
}

// ETA estimates the reading time left, at the rate so far, from the records
// the last sync of the same source read. ok is false when there is nothing
// to estimate from: no earlier sync, no rate yet, or more read than then.
func (p Progress) ETA(now time.Time) (left time.Duration, ok bool) {
	rate := p.Rate(now)
	if p.Expected == 0 || rate <= 0 || p.Records >= p.Expected || p.Phase != "reading" {
		return 0, false
	}
	secs := float64(p.Expected-p.Records) / rate
	if secs > 30*24*3600 {
		return 0, false // a crawl at the start is no estimate (and would overflow)
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Second), true
}

// Rate is records read per second so far.
func (p Progress) Rate(now time.Time) float64 {
	if d := now.Sub(p.Started).Seconds(); d > 0 {
		return float64(p.Records) / d
	}
	return 0
}

func (s *Service) setProgress(fn func(*Progress)) {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	fn(&s.progress)
}

// Progress returns the state of the running (or last) sync.
func (s *Service) Progress() Progress {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	return s.progress
}

// ErrSyncRunning is returned when a sync is asked for while one runs.
var ErrSyncRunning = errors.New("posture: a sync is already running")

// StartSync runs a sync in the background, detached from the request that
// asked for it; CancelSync stops it (the previous snapshot keeps serving).
func (s *Service) StartSync(source string, read Reader) error {
	s.progressMu.Lock()
	if s.progress.Running || s.cancel != nil {
		s.progressMu.Unlock()
		return ErrSyncRunning
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.progress = Progress{Running: true, Source: source, Started: s.now(), Phase: "starting"}
	s.progressMu.Unlock()
	go func() {
		defer func() {
			s.progressMu.Lock()
			s.cancel = nil
			s.progressMu.Unlock()
			cancel()
		}()
		if _, err := s.Sync(ctx, source, read); err != nil {
			s.log.Warn("background sync failed", "source", source, "err", err)
		}
	}()
	return nil
}

// CancelSync cancels the running background sync, if any, and reports
// whether there was one.
func (s *Service) CancelSync() bool {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.cancel == nil {
		return false
	}
	s.cancel()
	return true
}

// topFixes returns the organization's top fixes, computed once per served
// state.
func (c *Current) topFixes() []rules.Fix {
	c.fixesOnce.Do(func() { c.fixes = rules.TopFixes(c.Report.Scores, c.Report.Findings, nil, TopFixCount) })
	return c.fixes
}
