package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FindingSeen is when a finding was in the stored snapshots: the first and
// the last complete snapshot that held it, and how many of the complete
// snapshots kept (see PruneSnapshots) did.
type FindingSeen struct {
	FirstSnapshot int64
	FirstSeen     time.Time
	LastSnapshot  int64
	LastSeen      time.Time
	Seen          int // complete snapshots that held it
	Snapshots     int // complete snapshots kept
}

// Found reports whether any kept snapshot held the finding.
func (f FindingSeen) Found() bool { return f.Seen > 0 }

// FindingHistory returns when finding id was seen, by the time each complete
// snapshot's inventory was read. It looks the finding up in each kept
// snapshot by its primary key (snapshot, finding), so it costs one index
// probe per kept snapshot whatever their size. A finding no kept snapshot
// holds has Seen 0.
func (s *Store) FindingHistory(ctx context.Context, id string) (FindingSeen, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.created_at,
		EXISTS (SELECT 1 FROM findings f WHERE f.snapshot_id = s.id AND f.id = ?)
		FROM snapshots s WHERE s.status = 'complete' ORDER BY s.created_at, s.id`, id)
	if err != nil {
		return FindingSeen{}, fmt.Errorf("store: finding history: %w", err)
	}
	defer rows.Close()
	var h FindingSeen
	for rows.Next() {
		var sid int64
		var at string
		var held bool
		if err := rows.Scan(&sid, &at, &held); err != nil {
			return FindingSeen{}, fmt.Errorf("store: finding history: %w", err)
		}
		h.Snapshots++
		if !held {
			continue
		}
		t := parseTS(at)
		if h.Seen == 0 {
			h.FirstSnapshot, h.FirstSeen = sid, t
		}
		h.LastSnapshot, h.LastSeen = sid, t
		h.Seen++
	}
	if err := rows.Err(); err != nil {
		return FindingSeen{}, fmt.Errorf("store: finding history: %w", err)
	}
	return h, nil
}

// StoredFinding is one finding as stored with a snapshot. Evidence is the
// stored JSON (rules.Evidence); only SnapshotFinding fills it.
type StoredFinding struct {
	ID       string
	Check    string
	Severity string
	Subject  string
	Affects  []string
	Excepted bool
	Evidence json.RawMessage
}

// SnapshotFinding returns finding id as stored with snapshot, evidence
// included, or ErrNotFound.
func (s *Store) SnapshotFinding(ctx context.Context, snapshot int64, id string) (StoredFinding, error) {
	f := StoredFinding{ID: id}
	var affects, evidence string
	err := s.db.QueryRowContext(ctx, `SELECT check_slug, severity, subject, affects, evidence, excepted FROM findings WHERE snapshot_id = ? AND id = ?`,
		snapshot, id).Scan(&f.Check, &f.Severity, &f.Subject, &affects, &evidence, &f.Excepted)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("store: finding %s of snapshot %d: %w", id, snapshot, err)
	}
	_ = json.Unmarshal([]byte(affects), &f.Affects)
	f.Evidence = json.RawMessage(evidence)
	return f, nil
}

// PreviousSnapshot returns the complete snapshot read before sn (by read
// time, then ID), or ErrNotFound when sn is the first.
func (s *Store) PreviousSnapshot(ctx context.Context, sn Snapshot) (Snapshot, error) {
	at := ts(sn.CreatedAt)
	prev, err := scanSnapshot(s.db.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE status = 'complete'
		AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT 1`, at, at, sn.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return prev, ErrNotFound
	}
	if err != nil {
		return prev, fmt.Errorf("store: snapshot before %d: %w", sn.ID, err)
	}
	return prev, nil
}

// GoneFindings returns the findings of snapshot before that snapshot after
// no longer holds, by check then subject (evidence left out): what was
// fixed, or went with its resource, between the two. Each is one primary
// key probe into after.
func (s *Store) GoneFindings(ctx context.Context, before, after int64) ([]StoredFinding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT b.id, b.check_slug, b.severity, b.subject, b.affects, b.excepted FROM findings b
		WHERE b.snapshot_id = ? AND NOT EXISTS (SELECT 1 FROM findings a WHERE a.snapshot_id = ? AND a.id = b.id)
		ORDER BY b.check_slug, b.subject, b.id`, before, after)
	if err != nil {
		return nil, fmt.Errorf("store: findings gone since snapshot %d: %w", before, err)
	}
	out, err := scanStoredFindings(rows)
	if err != nil {
		return nil, fmt.Errorf("store: findings gone since snapshot %d: %w", before, err)
	}
	return out, nil
}
