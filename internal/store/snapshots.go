package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// Snapshot describes one sync.
type Snapshot struct {
	ID        int64
	CreatedAt time.Time
	Source    string
	Status    string // "complete" or "failed"
	Records   int
	Assets    int
	Skipped   int
	Problems  []string // the first inventory.MaxProblems, as text
	// ProblemTally counts every problem of the sync by kind, listed in
	// Problems or not.
	ProblemTally inventory.ProblemTally
	Error        string
	OrgScore     int
	OrgGrade     string
	// FeedSeq is the last feed journal entry the snapshot holds (0: none).
	FeedSeq int64
}

// SnapshotInput is everything a complete snapshot stores.
type SnapshotInput struct {
	Source    string
	At        time.Time // when the inventory was read; zero means now
	Inventory *inventory.Inventory
	Problems  []inventory.Problem // stored as text, the first inventory.MaxProblems
	// ProblemTally counts every problem by kind (zero: Problems are all).
	ProblemTally inventory.ProblemTally
	Findings     []rules.Finding
	Scores       rules.Scores
	// FeedSeq is the last feed journal entry the inventory holds: the
	// journal up to it is deleted once the snapshot is complete.
	FeedSeq int64
}

// A snapshot is written in batches of short transactions, so that a change
// set approved or an exception recorded while a large organization is being
// stored waits for one batch, not for the whole snapshot (SQLite has one
// writer at a time). Until its last batch the snapshot's row is failed with
// errStoring: it is never served (only complete snapshots are), listings
// leave it out, and a process killed meanwhile leaves it for
// RecoverInterrupted to mark and clear at the next start.
const (
	errStoring     = "runlens: storing this snapshot"
	errInterrupted = "interrupted: runlens stopped while storing this snapshot; its data was removed"
	batchTime      = 250 * time.Millisecond // how long one batch may hold the write lock
	batchGap       = 20 * time.Millisecond  // the pause after it (a waiting writer of this process gets the write connection at the commit)
)

// SaveSnapshot writes a complete snapshot: its assets, findings and scores
// become visible together, when its row turns complete in the last batch,
// or not at all: a failure removes what was written (or leaves it to
// RecoverInterrupted) and the previous snapshot keeps serving.
func (s *Store) SaveSnapshot(ctx context.Context, in SnapshotInput) (id int64, err error) {
	listed := in.Problems[:min(len(in.Problems), inventory.MaxProblems)]
	problems := make([]string, 0, len(listed))
	for _, p := range listed {
		problems = append(problems, p.String())
	}
	pj, _ := json.Marshal(problems)
	tally := in.ProblemTally
	if tally.All == nil {
		tally = inventory.TallyProblems(listed, nil)
	}
	tj, err := json.Marshal(tally)
	if err != nil {
		return 0, fmt.Errorf("store: save snapshot: problem tally: %w", err)
	}
	created := now()
	if !in.At.IsZero() {
		created = dbTime(in.At)
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO snapshots (created_at, source, status, error) VALUES (?, ?, 'failed', ?)`,
		created, in.Source, errStoring)
	if err != nil {
		return 0, fmt.Errorf("store: save snapshot: %w", err)
	}
	snap, err := res.LastInsertId() // not id: the failure path below runs after a return has zeroed it
	if err != nil {
		return 0, fmt.Errorf("store: save snapshot: %w", err)
	}
	id = snap
	w := &batchWriter{db: s.w, ctx: ctx}
	defer func() {
		if err != nil {
			w.abort()
			// Best effort: on a full disk this can fail too, and then the
			// row stays hidden until RecoverInterrupted.
			_ = s.deleteSnapshot(context.WithoutCancel(ctx), snap)
		}
	}()
	if err = insertAssets(w, id, in.Inventory.Assets); err != nil {
		return 0, err
	}
	if err = insertFindings(w, id, in.Findings); err != nil {
		return 0, err
	}
	if err = insertScores(w, id, in.Scores); err != nil {
		return 0, err
	}
	if err = insertRecommender(w, id, in.Inventory); err != nil {
		return 0, err
	}
	cov, err := json.Marshal(in.Inventory.Coverage)
	if err != nil {
		return 0, fmt.Errorf("store: save snapshot: coverage: %w", err)
	}
	if err = w.exec(`UPDATE snapshots SET status = 'complete', error = '', records = ?, assets = ?, skipped = ?, problems = ?,
		org_score = ?, org_grade = ?, coverage = ?, problem_tally = ?, feed_seq = ? WHERE id = ?`, in.Inventory.Records, len(in.Inventory.Assets), in.Inventory.Skipped, string(pj),
		in.Scores.Organization.Score, in.Scores.Organization.Grade, string(cov), string(tj), in.FeedSeq, id); err != nil {
		return 0, fmt.Errorf("store: save snapshot: %w", err)
	}
	if err = w.commit(); err != nil {
		return 0, fmt.Errorf("store: save snapshot: commit: %w", err)
	}
	// The snapshot holds the journal up to FeedSeq: it may go. Should this
	// fail, the entries stay but are never applied again (they are not
	// after the snapshot's FeedSeq); the next fold removes them.
	_ = s.foldFeed(context.WithoutCancel(ctx), in.FeedSeq)
	return id, nil
}

// batchWriter runs many statements as a series of transactions, each held
// for about batchTime, with a batchGap pause between them.
type batchWriter struct {
	db      *sql.DB
	ctx     context.Context
	tx      *sql.Tx
	stmts   map[string]*sql.Stmt
	started time.Time
}

func (w *batchWriter) exec(query string, args ...any) error {
	if w.tx == nil {
		tx, err := w.db.BeginTx(w.ctx, nil)
		if err != nil {
			return err
		}
		w.tx, w.stmts, w.started = tx, map[string]*sql.Stmt{}, time.Now()
	}
	stmt, ok := w.stmts[query]
	if !ok {
		var err error
		if stmt, err = w.tx.PrepareContext(w.ctx, query); err != nil {
			return err
		}
		w.stmts[query] = stmt
	}
	if _, err := stmt.ExecContext(w.ctx, args...); err != nil {
		return err
	}
	if time.Since(w.started) < batchTime {
		return nil
	}
	if err := w.commit(); err != nil {
		return err
	}
	select {
	case <-w.ctx.Done():
		return w.ctx.Err()
	case <-time.After(batchGap):
		return nil
	}
}

// commit commits the open transaction, if any.
func (w *batchWriter) commit() error {
	if w.tx == nil {
		return nil
	}
	tx := w.tx
	w.tx, w.stmts = nil, nil
	return tx.Commit()
}

func (w *batchWriter) abort() {
	if w.tx != nil {
		_ = w.tx.Rollback()
		w.tx, w.stmts = nil, nil
	}
}

// deleteSnapshot removes snapshot id and its data.
func (s *Store) deleteSnapshot(ctx context.Context, id int64) error {
	if err := s.deleteSnapshotData(ctx, id); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM snapshots WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete snapshot %d: %w", id, err)
	}
	return nil
}

// deleteSnapshotData removes the assets, findings, scores and recommender
// data of snapshot id, a few thousand rows per statement, pausing as a
// batch does, so that other writers get in.
func (s *Store) deleteSnapshotData(ctx context.Context, id int64) error {
	started := time.Now()
	for _, q := range []string{
		`DELETE FROM snapshot_assets WHERE snapshot_id = ?1 AND name IN (SELECT name FROM snapshot_assets WHERE snapshot_id = ?1 LIMIT 2000)`,
		`DELETE FROM findings WHERE snapshot_id = ?1 AND id IN (SELECT id FROM findings WHERE snapshot_id = ?1 LIMIT 2000)`,
		`DELETE FROM scores WHERE snapshot_id = ?1 AND (scope, scope_id) IN (SELECT scope, scope_id FROM scores WHERE snapshot_id = ?1 LIMIT 2000)`,
		`DELETE FROM snapshot_recommender WHERE snapshot_id = ?1 AND (kind, name) IN (SELECT kind, name FROM snapshot_recommender WHERE snapshot_id = ?1 LIMIT 2000)`,
	} {
		for {
			res, err := s.w.ExecContext(ctx, q, id)
			if err != nil {
				return fmt.Errorf("store: delete data of snapshot %d: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				break
			}
			if time.Since(started) > batchTime {
				time.Sleep(batchGap)
				started = time.Now()
			}
		}
	}
	return nil
}

// StoringSnapshots is how many snapshots are being stored (or were, by a
// process that was killed).
func (s *Store) StoringSnapshots(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots WHERE status = 'failed' AND error = ?`, errStoring).Scan(&n)
	return n, err
}

// RecoverInterrupted marks the snapshots a killed process left half-stored
// failed, saying so, and removes their data. Call it at start in the process
// that owns the database (serve, sync), before it writes: it cannot tell a
// snapshot being stored by another process from an abandoned one.
func (s *Store) RecoverInterrupted(ctx context.Context) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM snapshots WHERE status = 'failed' AND error = ?`, errStoring)
	if err != nil {
		return nil, fmt.Errorf("store: recover interrupted snapshots: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: recover interrupted snapshots: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recover interrupted snapshots: %w", err)
	}
	for _, id := range ids {
		// Data first, then the mark: stopped in between, the row is still
		// storing and the next start finishes the job.
		if err := s.deleteSnapshotData(ctx, id); err != nil {
			return nil, fmt.Errorf("store: recover interrupted snapshot %d: %w", id, err)
		}
		if _, err := s.w.ExecContext(ctx, `UPDATE snapshots SET error = ? WHERE id = ?`, errInterrupted, id); err != nil {
			return nil, fmt.Errorf("store: recover interrupted snapshot %d: %w", id, err)
		}
	}
	return ids, nil
}

func insertAssets(w *batchWriter, id int64, assets []*inventory.Asset) error {
	const q = `INSERT INTO snapshot_assets
		(snapshot_id, name, asset_type, version, parent, location, data, iam_policy, ancestors, update_time, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for _, a := range assets {
		var data, pol sql.NullString
		if a.Data != nil {
			data = sql.NullString{String: string(a.Data), Valid: true}
		}
		if a.IAMPolicy != nil {
			b, err := json.Marshal(a.IAMPolicy)
			if err != nil {
				return fmt.Errorf("store: save asset %s: %w", a.Name, err)
			}
			pol = sql.NullString{String: string(b), Valid: true}
		}
		anc, _ := json.Marshal(a.Ancestors)
		if err := w.exec(q, id, a.Name, a.Type, a.Version, a.Parent, a.Location, data, pol,
			string(anc), a.UpdateTime, a.Source.String()); err != nil {
			return fmt.Errorf("store: save asset %s: %w", a.Name, err)
		}
	}
	return nil
}

func insertRecommender(w *batchWriter, id int64, inv *inventory.Inventory) error {
	put := func(kind, name string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return w.exec(`INSERT OR REPLACE INTO snapshot_recommender (snapshot_id, kind, name, body) VALUES (?, ?, ?, ?)`, id, kind, name, string(b))
	}
	for _, r := range inv.Recommendations {
		if err := put("recommendation", r.Name, r); err != nil {
			return fmt.Errorf("store: save recommendation %s: %w", r.Name, err)
		}
	}
	for _, in := range inv.Insights {
		if err := put("insight", in.Name, in); err != nil {
			return fmt.Errorf("store: save insight %s: %w", in.Name, err)
		}
	}
	return nil
}

func insertFindings(w *batchWriter, id int64, findings []rules.Finding) error {
	const q = `INSERT INTO findings
		(snapshot_id, id, check_slug, severity, subject, affects, evidence, excepted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	for _, f := range findings {
		aff, _ := json.Marshal(f.Affects)
		ev, err := json.Marshal(f.Evidence)
		if err != nil {
			return fmt.Errorf("store: save finding %s: %w", f.ID, err)
		}
		if err := w.exec(q, id, f.ID, f.Check, f.Severity.String(), f.Subject, string(aff), string(ev), f.Excepted); err != nil {
			return fmt.Errorf("store: save finding %s: %w", f.ID, err)
		}
	}
	return nil
}

func insertScores(w *batchWriter, id int64, sc rules.Scores) error {
	const q = `INSERT INTO scores (snapshot_id, scope, scope_id, label, score, grade, services) VALUES (?, ?, ?, ?, ?, ?, ?)`
	put := func(scope string, g rules.GroupScore) error {
		return w.exec(q, id, scope, g.ID, g.Label, g.Score, g.Grade, g.Services)
	}
	if err := put("organization", sc.Organization); err != nil {
		return fmt.Errorf("store: save scores: %w", err)
	}
	for scope, list := range map[string][]rules.GroupScore{"folder": sc.Folders, "project": sc.Projects, "label": sc.Labels} {
		for _, g := range list {
			if err := put(scope, g); err != nil {
				return fmt.Errorf("store: save scores: %w", err)
			}
		}
	}
	for _, sv := range sc.Services {
		if err := w.exec(q, id, "service", sv.Service, sv.Label, sv.Score, sv.Grade, 1); err != nil {
			return fmt.Errorf("store: save scores: %w", err)
		}
	}
	return nil
}

// RecordFailedSync records a sync that did not complete, with its reason.
// The current snapshot is unchanged.
func (s *Store) RecordFailedSync(ctx context.Context, source string, syncErr error) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO snapshots (created_at, source, status, error) VALUES (?, ?, 'failed', ?)`,
		now(), source, syncErr.Error())
	if err != nil {
		return fmt.Errorf("store: record failed sync: %w", err)
	}
	return nil
}

const snapshotCols = `id, created_at, source, status, records, assets, skipped, problems, problem_tally, error, COALESCE(org_score, 0), COALESCE(org_grade, ''), feed_seq`

func scanSnapshot(row interface{ Scan(...any) error }) (Snapshot, error) {
	var sn Snapshot
	var created, problems, tally string
	if err := row.Scan(&sn.ID, &created, &sn.Source, &sn.Status, &sn.Records, &sn.Assets, &sn.Skipped, &problems, &tally, &sn.Error, &sn.OrgScore, &sn.OrgGrade, &sn.FeedSeq); err != nil {
		return sn, err
	}
	sn.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	_ = json.Unmarshal([]byte(problems), &sn.Problems)
	if tally != "" {
		_ = json.Unmarshal([]byte(tally), &sn.ProblemTally)
	}
	return sn, nil
}

// CurrentSnapshot returns the latest complete snapshot, or ErrNotFound.
func (s *Store) CurrentSnapshot(ctx context.Context) (Snapshot, error) {
	sn, err := scanSnapshot(s.db.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE status = 'complete' ORDER BY created_at DESC, id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return sn, ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("store: current snapshot: %w", err)
	}
	return sn, nil
}

// LastComplete returns the latest complete snapshot read from source, or
// ErrNotFound: how many records the next sync of the same scope may read.
func (s *Store) LastComplete(ctx context.Context, source string) (Snapshot, error) {
	sn, err := scanSnapshot(s.db.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE status = 'complete' AND source = ? ORDER BY created_at DESC, id DESC LIMIT 1`, source))
	if errors.Is(err, sql.ErrNoRows) {
		return sn, ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("store: last snapshot of %s: %w", source, err)
	}
	return sn, nil
}

// Snapshots returns the most recent snapshots (complete and failed), newest
// first by when they were read, at most limit.
func (s *Store) Snapshots(ctx context.Context, limit int) ([]Snapshot, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE error <> ? ORDER BY created_at DESC, id DESC LIMIT ?`, errStoring, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list snapshots: %w", err)
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		sn, err := scanSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list snapshots: %w", err)
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list snapshots: %w", err)
	}
	return out, nil
}

// LoadInventory rebuilds the inventory stored with snapshot id.
func (s *Store) LoadInventory(ctx context.Context, id int64) (*inventory.Inventory, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, asset_type, version, parent, location, data, iam_policy, ancestors, update_time, source
		FROM snapshot_assets WHERE snapshot_id = ? ORDER BY name`, id)
	if err != nil {
		return nil, fmt.Errorf("store: load inventory %d: %w", id, err)
	}
	defer rows.Close()
	inv := &inventory.Inventory{Unknown: map[string]int{}}
	for rows.Next() {
		a := &inventory.Asset{}
		var data, pol sql.NullString
		var anc, src string
		if err := rows.Scan(&a.Name, &a.Type, &a.Version, &a.Parent, &a.Location, &data, &pol, &anc, &a.UpdateTime, &src); err != nil {
			return nil, fmt.Errorf("store: load inventory %d: %w", id, err)
		}
		if data.Valid {
			a.Data = json.RawMessage(data.String)
		}
		if pol.Valid {
			a.IAMPolicy = &iam.Policy{}
			if err := json.Unmarshal([]byte(pol.String), a.IAMPolicy); err != nil {
				return nil, fmt.Errorf("store: load inventory %d: policy of %s: %w", id, a.Name, err)
			}
		}
		_ = json.Unmarshal([]byte(anc), &a.Ancestors)
		a.Source = parseSource(src)
		inv.Assets = append(inv.Assets, a)
		inv.Records++
		if !inventory.IsKnownType(a.Type) {
			inv.Unknown[a.Type]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load inventory %d: %w", id, err)
	}
	if err := loadRecommender(ctx, s.db, id, inv); err != nil {
		return nil, err
	}
	var cov string
	if err := s.db.QueryRowContext(ctx, `SELECT coverage FROM snapshots WHERE id = ?`, id).Scan(&cov); err != nil {
		return nil, fmt.Errorf("store: load inventory %d: coverage: %w", id, err)
	}
	if cov != "" {
		if err := json.Unmarshal([]byte(cov), &inv.Coverage); err != nil {
			return nil, fmt.Errorf("store: load inventory %d: coverage: %w", id, err)
		}
	} else {
		// Stored before coverage was recorded: what the stored assets hold.
		inv.Coverage = inventory.CoverageOf(inv.Assets)
	}
	return inv, nil
}

func loadRecommender(ctx context.Context, db *sql.DB, id int64, inv *inventory.Inventory) error {
	rows, err := db.QueryContext(ctx, `SELECT kind, body FROM snapshot_recommender WHERE snapshot_id = ? ORDER BY kind, name`, id)
	if err != nil {
		return fmt.Errorf("store: load recommender data %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			return fmt.Errorf("store: load recommender data %d: %w", id, err)
		}
		switch kind {
		case "recommendation":
			var r inventory.Recommendation
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				return fmt.Errorf("store: load recommendation: %w", err)
			}
			inv.Recommendations = append(inv.Recommendations, r)
		case "insight":
			var in inventory.Insight
			if err := json.Unmarshal([]byte(body), &in); err != nil {
				return fmt.Errorf("store: load insight: %w", err)
			}
			inv.Insights = append(inv.Insights, in)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load recommender data %d: %w", id, err)
	}
	return nil
}

func parseSource(s string) inventory.Source {
	i := strings.LastIndexByte(s, ':')
	if i > 0 {
		var n int
		if _, err := fmt.Sscanf(s[i+1:], "%d", &n); err == nil {
			return inventory.Source{File: s[:i], Line: n}
		}
	}
	return inventory.Source{File: s}
}

// ScorePoint is a score at a snapshot, for trends.
type ScorePoint struct {
	SnapshotID int64
	At         time.Time
	Score      int
	Grade      string
}

// ScoreHistory returns the scores of one scope ("organization", "project",
// ...) and scope ID over the last limit complete snapshots, oldest first.
func (s *Store) ScoreHistory(ctx context.Context, scope, scopeID string, limit int) ([]ScorePoint, error) {
	q := `SELECT sn.id, sn.created_at, sc.score, sc.grade FROM scores sc JOIN snapshots sn ON sn.id = sc.snapshot_id
		WHERE sc.scope = ? AND sn.status = 'complete'`
	args := []any{scope}
	if scope != "organization" {
		q += ` AND sc.scope_id = ?`
		args = append(args, scopeID)
	}
	q += ` ORDER BY sn.created_at DESC, sn.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: score history: %w", err)
	}
	defer rows.Close()
	var out []ScorePoint
	for rows.Next() {
		var p ScorePoint
		var at string
		if err := rows.Scan(&p.SnapshotID, &at, &p.Score, &p.Grade); err != nil {
			return nil, fmt.Errorf("store: score history: %w", err)
		}
		p.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append([]ScorePoint{p}, out...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: score history: %w", err)
	}
	return out, nil
}

// PruneSnapshots deletes complete snapshots beyond the newest keep (and
// failed ones older than the oldest kept), with their assets, findings and
// scores, in batches (deleting a large organization's snapshot at once would
// hold the write lock as long as storing it).
func (s *Store) PruneSnapshots(ctx context.Context, keep int) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM snapshots WHERE error <> ? AND created_at < (
		SELECT COALESCE(MIN(created_at), '') FROM (SELECT created_at FROM snapshots WHERE status = 'complete' ORDER BY created_at DESC, id DESC LIMIT ?))`, errStoring, keep)
	if err != nil {
		return fmt.Errorf("store: prune snapshots: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: prune snapshots: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: prune snapshots: %w", err)
	}
	for _, id := range ids {
		if err := s.deleteSnapshot(ctx, id); err != nil {
			return fmt.Errorf("store: prune snapshots: %w", err)
		}
	}
	return nil
}

// ScoreRow is one stored score of a snapshot.
type ScoreRow struct {
	Scope    string
	ScopeID  string
	Label    string
	Score    int
	Grade    string
	Services int
}

// SnapshotScores returns every score stored with snapshot id, by scope then
// scope ID.
func (s *Store) SnapshotScores(ctx context.Context, id int64) ([]ScoreRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT scope, scope_id, label, score, grade, services FROM scores WHERE snapshot_id = ? ORDER BY scope, scope_id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot scores: %w", err)
	}
	defer rows.Close()
	var out []ScoreRow
	for rows.Next() {
		var r ScoreRow
		if err := rows.Scan(&r.Scope, &r.ScopeID, &r.Label, &r.Score, &r.Grade, &r.Services); err != nil {
			return nil, fmt.Errorf("store: snapshot scores: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SnapshotFindings returns the findings stored with snapshot id, by check
// then subject.
func (s *Store) SnapshotFindings(ctx context.Context, id int64) ([]StoredFinding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, check_slug, severity, subject, affects, excepted FROM findings WHERE snapshot_id = ? ORDER BY check_slug, subject, id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot findings: %w", err)
	}
	out, err := scanStoredFindings(rows)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot findings: %w", err)
	}
	return out, nil
}

// scanStoredFindings reads rows of (id, check_slug, severity, subject,
// affects, excepted) and closes them.
func scanStoredFindings(rows *sql.Rows) ([]StoredFinding, error) {
	defer rows.Close()
	var out []StoredFinding
	for rows.Next() {
		var f StoredFinding
		var affects string
		if err := rows.Scan(&f.ID, &f.Check, &f.Severity, &f.Subject, &affects, &f.Excepted); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(affects), &f.Affects)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Snapshot returns snapshot id, or ErrNotFound.
func (s *Store) Snapshot(ctx context.Context, id int64) (Snapshot, error) {
	sn, err := scanSnapshot(s.db.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sn, ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("store: snapshot %d: %w", id, err)
	}
	return sn, nil
}
