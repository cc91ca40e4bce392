package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	Target    string
	Detail    string
	RequestID string
}

// Audit appends an entry. The table refuses updates and deletes.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return insertAudit(ctx, s.w, e)
}

// insertAudit appends an entry through db or a transaction.
func insertAudit(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, e AuditEntry) error {
	_, err := db.ExecContext(ctx, `INSERT INTO audit (at, actor, action, target, detail, request_id) VALUES (?, ?, ?, ?, ?, ?)`,
		now(), e.Actor, e.Action, e.Target, e.Detail, e.RequestID)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditLog returns the newest entries first, at most limit.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, request_id FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.RequestID); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}

// EachAudit calls fn for every audit entry, oldest first, streaming.
func (s *Store) EachAudit(ctx context.Context, fn func(AuditEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, request_id FROM audit ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.RequestID); err != nil {
			return fmt.Errorf("store: audit log: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
