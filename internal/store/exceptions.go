package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Exception is an accepted risk on one finding.
type Exception struct {
	ID        int64
	FindingID string
	Check     string
	Subject   string
	Owner     string
	Reason    string
	ExpiresAt time.Time
	CreatedBy string
	CreatedAt time.Time
	RevokedAt time.Time // zero unless revoked
}

// Active reports whether the exception is in force at now.
func (e Exception) Active(now time.Time) bool {
	return e.RevokedAt.IsZero() && now.Before(e.ExpiresAt)
}

// ErrInvalidException is returned for an exception without owner or reason,
// with an owner or reason longer than allowed, or one that has already
// expired. Its message names the field.
var ErrInvalidException = errors.New("store: invalid exception")

// The longest owner and reason of an exception, in characters: an owner is
// an email or a team name (254 is the longest email address), a reason a
// paragraph.
const (
	MaxExceptionOwner  = 254
	MaxExceptionReason = 2000
)

// AddException records an accepted risk and its audit entry in one
// transaction: both are written or neither.
func (s *Store) AddException(ctx context.Context, e Exception, now time.Time, audit AuditEntry) (int64, error) {
	switch {
	case strings.TrimSpace(e.Owner) == "":
		return 0, fmt.Errorf("%w: an owner is required", ErrInvalidException)
	case strings.TrimSpace(e.Reason) == "":
		return 0, fmt.Errorf("%w: a reason is required", ErrInvalidException)
	case utf8.RuneCountInString(strings.TrimSpace(e.Owner)) > MaxExceptionOwner:
		return 0, fmt.Errorf("%w: the owner is longer than %d characters", ErrInvalidException, MaxExceptionOwner)
	case utf8.RuneCountInString(strings.TrimSpace(e.Reason)) > MaxExceptionReason:
		return 0, fmt.Errorf("%w: the reason is longer than %d characters", ErrInvalidException, MaxExceptionReason)
	case !e.ExpiresAt.After(now):
		return 0, fmt.Errorf("%w: the expiry must be in the future", ErrInvalidException)
	case e.FindingID == "":
		return 0, fmt.Errorf("%w: no finding", ErrInvalidException)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: add exception: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO exceptions (finding_id, check_slug, subject, owner, reason, expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.FindingID, e.Check, e.Subject, strings.TrimSpace(e.Owner), strings.TrimSpace(e.Reason),
		e.ExpiresAt.UTC().Format(time.RFC3339), e.CreatedBy, now.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, fmt.Errorf("store: add exception: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store: add exception: %w", err)
	}
	if err := insertAudit(ctx, tx, audit); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: add exception: %w", err)
	}
	return id, nil
}

// RevokeException ends an exception before its expiry, with its audit entry
// in the same transaction.
func (s *Store) RevokeException(ctx context.Context, id int64, by string, now time.Time, audit AuditEntry) error {
	err := s.transitionIn(ctx, audit, `UPDATE exceptions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
		now.UTC().Format(time.RFC3339Nano), by, id)
	if errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	return err
}

// Exceptions returns every exception, newest first.
func (s *Store) Exceptions(ctx context.Context) ([]Exception, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, finding_id, check_slug, subject, owner, reason, expires_at, created_by, created_at, COALESCE(revoked_at, '')
		FROM exceptions ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: exceptions: %w", err)
	}
	defer rows.Close()
	var out []Exception
	for rows.Next() {
		var e Exception
		var exp, created, revoked string
		if err := rows.Scan(&e.ID, &e.FindingID, &e.Check, &e.Subject, &e.Owner, &e.Reason, &exp, &e.CreatedBy, &created, &revoked); err != nil {
			return nil, fmt.Errorf("store: exceptions: %w", err)
		}
		e.ExpiresAt, _ = time.Parse(time.RFC3339, exp)
		e.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		if revoked != "" {
			e.RevokedAt, _ = time.Parse(time.RFC3339Nano, revoked)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: exceptions: %w", err)
	}
	return out, nil
}

// ActiveExceptions returns the exceptions in force at now, by finding ID
// (the one expiring last wins), and the earliest time one of them expires.
func (s *Store) ActiveExceptions(ctx context.Context, now time.Time) (map[string]Exception, time.Time, error) {
	all, err := s.Exceptions(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	active := map[string]Exception{}
	var next time.Time
	for _, e := range all {
		if !e.Active(now) {
			continue
		}
		if cur, ok := active[e.FindingID]; !ok || e.ExpiresAt.After(cur.ExpiresAt) {
			active[e.FindingID] = e
		}
		if next.IsZero() || e.ExpiresAt.Before(next) {
			next = e.ExpiresAt
		}
	}
	return active, next, nil
}
