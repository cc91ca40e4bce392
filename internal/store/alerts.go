package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Alert is a new finding at or above the alert severity, or a drift event
// between two states of a workload.
type Alert struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`                  // when runlens saw it
	ChangedAt time.Time `json:"changedAt,omitzero"`  // when it happened, if known (the feed's window.startTime)
	Kind      string    `json:"kind"`                // "finding" or "drift"
	Event     string    `json:"event"`               // check slug, or drift event
	Severity  string    `json:"severity"`            // low, medium, high, critical
	Subject   string    `json:"subject"`             // node ID
	Workload  string    `json:"workload,omitempty"`  // the service or job, if one
	Project   string    `json:"project,omitempty"`   // project ID
	Message   string    `json:"message"`             // in words, with names
	FindingID string    `json:"findingId,omitempty"` // finding alerts
	Source    string    `json:"source,omitempty"`    // "feed" or the sync's source
	ClearedAt time.Time `json:"clearedAt,omitzero"`  // finding alerts: when the finding went away
}

// Alert kinds.
const (
	AlertFinding = "finding"
	AlertDrift   = "drift"
)

// RecordAlerts stores alerts, in one transaction with the clearing of the
// open alerts whose finding is gone (present says whether a finding is in
// the served state). An alert about a finding (a finding alert, or a drift
// event that made one) is left out while an alert of the same finding is
// open: the same finding alerts again only after it went away. It returns the alerts stored, with their IDs.
func (s *Store) RecordAlerts(ctx context.Context, alerts []Alert, present func(findingID string) bool) (stored []Alert, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: record alerts: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	at := time.Now()
	rows, err := tx.QueryContext(ctx, `SELECT id, finding_id FROM alerts WHERE finding_id <> '' AND cleared_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: record alerts: %w", err)
	}
	open := map[string]bool{}
	var gone []int64
	for rows.Next() {
		var id int64
		var fid string
		if err := rows.Scan(&id, &fid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: record alerts: %w", err)
		}
		if present(fid) {
			open[fid] = true
		} else {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: record alerts: %w", err)
	}
	for _, id := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET cleared_at = ? WHERE id = ?`, dbTime(at), id); err != nil {
			return nil, fmt.Errorf("store: record alerts: %w", err)
		}
	}
	for _, a := range alerts {
		if a.FindingID != "" {
			if open[a.FindingID] {
				continue
			}
			open[a.FindingID] = true
		}
		if a.At.IsZero() {
			a.At = at.UTC()
		}
		changed := ""
		if !a.ChangedAt.IsZero() {
			changed = feedTime(a.ChangedAt)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO alerts (at, changed_at, kind, event, severity, subject, workload, project, message, finding_id, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, dbTime(a.At), changed, a.Kind, a.Event, a.Severity, a.Subject, a.Workload, a.Project, a.Message, a.FindingID, a.Source)
		if err != nil {
			return nil, fmt.Errorf("store: record alerts: %w", err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("store: record alerts: %w", err)
		}
		stored = append(stored, a)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: record alerts: commit: %w", err)
	}
	return stored, nil
}

// AlertFilter selects alerts: of one workload, since a time, of one kind;
// newest first, at most Limit (0: 200).
type AlertFilter struct {
	Workload string
	Kind     string
	Since    time.Time
	Limit    int
}

// where is the WHERE clause (with its arguments) of the alerts f selects,
// "" for all of them.
func (f AlertFilter) where() (string, []any) {
	var where []string
	var args []any
	if f.Workload != "" {
		where, args = append(where, "workload = ?"), append(args, f.Workload)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, dbTime(f.Since))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// CountAlerts counts the alerts f selects (its Limit aside).
func (s *Store) CountAlerts(ctx context.Context, f AlertFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count alerts: %w", err)
	}
	return n, nil
}

// Alerts returns the alerts f selects, newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	where, args := f.where()
	q := `SELECT id, at, changed_at, kind, event, severity, subject, workload, project, message, finding_id, source, COALESCE(cleared_at, '') FROM alerts` + where
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	q += " ORDER BY at DESC, id DESC LIMIT ?"
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var at, changed, cleared string
		if err := rows.Scan(&a.ID, &at, &changed, &a.Kind, &a.Event, &a.Severity, &a.Subject, &a.Workload, &a.Project, &a.Message, &a.FindingID, &a.Source, &cleared); err != nil {
			return nil, fmt.Errorf("store: alerts: %w", err)
		}
		a.At, _ = time.Parse(time.RFC3339Nano, at)
		a.ChangedAt, _ = time.Parse(time.RFC3339Nano, changed)
		a.ClearedAt, _ = time.Parse(time.RFC3339Nano, cleared)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertedWorkloads returns the services and jobs that have any alert.
func (s *Store) AlertedWorkloads(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT workload FROM alerts WHERE workload <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: alerted workloads: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("store: alerted workloads: %w", err)
		}
		out[w] = true
	}
	return out, rows.Err()
}

// RecordRepositories records the image repositories each workload runs
// (workload -> repositories) and returns those it had never run before.
func (s *Store) RecordRepositories(ctx context.Context, repos map[string][]string) (fresh map[string][]string, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: record repositories: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	at := now()
	fresh = map[string][]string{}
	for w, rs := range repos {
		for _, r := range rs {
			res, err := tx.ExecContext(ctx, `INSERT INTO workload_repositories (workload, repository, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, w, r, at)
			if err != nil {
				return nil, fmt.Errorf("store: record repositories: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				fresh[w] = append(fresh[w], r)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: record repositories: commit: %w", err)
	}
	return fresh, nil
}

// HasRepositories reports whether any workload's repositories were recorded
// (false on the first state: nothing is new then, everything is first).
func (s *Store) HasRepositories(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM workload_repositories)`).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: repositories: %w", err)
	}
	return n == 1, nil
}
