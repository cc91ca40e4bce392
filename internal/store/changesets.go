package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Change set statuses (DESIGN §6).
const (
	StatusProposed = "proposed"
	StatusApproved = "approved"
	StatusApplied  = "applied"
	StatusRejected = "rejected"
	StatusExpired  = "expired"
	StatusFailed   = "failed"
)

// ErrConflict is returned when a transition finds the change set no longer
// in the state it requires (another request got there first).
var ErrConflict = errors.New("store: change set is not in the required state")

// ChangeSetRow is a stored change set with its review state.
type ChangeSetRow struct {
	ID                int64
	Title             string
	FindingID         string
	Check             string
	Subject           string
	SnapshotID        int64
	Content           []byte // JSON
	ContentHash       string
	Status            string
	ProposedBy        string
	ProposedSub       string
	ProposedAt        time.Time
	DecidedBy         string
	DecidedAt         time.Time
	DecisionNote      string
	ApprovedHash      string
	ApprovalExpiresAt time.Time
	AppliedBy         string
	AppliedAt         time.Time
	Outcome           string
	Verification      string
	VerifiedAt        time.Time
}

const changeSetCols = `id, title, finding_id, check_slug, subject, snapshot_id, content, content_hash, status,
	proposed_by, proposed_sub, proposed_at, decided_by, decided_at, decision_note, approved_hash, approval_expires_at,
	applied_by, applied_at, outcome, verification, verified_at`

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func scanChangeSet(row interface{ Scan(...any) error }) (ChangeSetRow, error) {
	var c ChangeSetRow
	var content string
	var proposed, decided, expires, applied, verified string
	err := row.Scan(&c.ID, &c.Title, &c.FindingID, &c.Check, &c.Subject, &c.SnapshotID, &content, &c.ContentHash, &c.Status,
		&c.ProposedBy, &c.ProposedSub, &proposed, &c.DecidedBy, &decided, &c.DecisionNote, &c.ApprovedHash, &expires,
		&c.AppliedBy, &applied, &c.Outcome, &c.Verification, &verified)
	if err != nil {
		return c, err
	}
	c.Content = []byte(content)
	c.ProposedAt, c.DecidedAt, c.ApprovalExpiresAt = parseTS(proposed), parseTS(decided), parseTS(expires)
	c.AppliedAt, c.VerifiedAt = parseTS(applied), parseTS(verified)
	return c, nil
}

// AddChangeSet stores a proposed change set and its audit entry in one
// transaction, and returns its ID. The audit entry's Target is set to the ID.
func (s *Store) AddChangeSet(ctx context.Context, c ChangeSetRow, audit AuditEntry) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: add change set: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO change_sets (title, finding_id, check_slug, subject, snapshot_id, content, content_hash,
		status, proposed_by, proposed_sub, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?)`,
		c.Title, c.FindingID, c.Check, c.Subject, c.SnapshotID, string(c.Content), c.ContentHash, c.ProposedBy, c.ProposedSub, ts(c.ProposedAt))
	if err != nil {
		return 0, fmt.Errorf("store: add change set: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store: add change set: %w", err)
	}
	audit.Target = fmt.Sprint(id)
	if err := insertAudit(ctx, tx, audit); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: add change set: %w", err)
	}
	return id, nil
}

// ChangeSet returns change set id, or ErrNotFound.
func (s *Store) ChangeSet(ctx context.Context, id int64) (ChangeSetRow, error) {
	c, err := scanChangeSet(s.db.QueryRowContext(ctx, `SELECT `+changeSetCols+` FROM change_sets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: change set %d: %w", id, err)
	}
	return c, nil
}

// ChangeSets lists change sets, newest first; status "" means all.
func (s *Store) ChangeSets(ctx context.Context, status string, limit int) ([]ChangeSetRow, error) {
	q := `SELECT ` + changeSetCols + ` FROM change_sets`
	args := []any{}
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: change sets: %w", err)
	}
	defer rows.Close()
	var out []ChangeSetRow
	for rows.Next() {
		c, err := scanChangeSet(rows)
		if err != nil {
			return nil, fmt.Errorf("store: change sets: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// transition runs one conditional UPDATE and the audit entry in one
// transaction: both happen or neither. ErrConflict if the row was not in a
// required state.
func (s *Store) transition(ctx context.Context, audit AuditEntry, q string, args ...any) error {
	return s.transitionIn(ctx, audit, q, args...)
}

// transitionIn runs one UPDATE that must change exactly one row, and the
// audit entry, in one transaction.
func (s *Store) transitionIn(ctx context.Context, audit AuditEntry, q string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: change set transition: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: change set transition: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	if err := insertAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: change set transition: %w", err)
	}
	return nil
}

// Approve moves a proposed change set to approved, bound to hash, if the
// approver is not the proposer and hash is the stored content's. The audit
// entry is written in the same transaction.
func (s *Store) Approve(ctx context.Context, id int64, by, bySub, hash string, at, expires time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET status = 'approved', decided_by = ?, decided_at = ?, approved_hash = ?, approval_expires_at = ?
		WHERE id = ? AND status = 'proposed' AND proposed_sub <> ? AND content_hash = ?`, by, ts(at), hash, ts(expires), id, bySub, hash)
}

// Reject moves a proposed change set to rejected.
func (s *Store) Reject(ctx context.Context, id int64, by, note string, at time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET status = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?
		WHERE id = ? AND status = 'proposed'`, by, ts(at), note, id)
}

// Expire moves approved change sets whose approval has run out to expired,
// and returns how many.
func (s *Store) Expire(ctx context.Context, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE change_sets SET status = 'expired' WHERE status = 'approved' AND approval_expires_at <> '' AND approval_expires_at <= ?`, ts(at))
	if err != nil {
		return 0, fmt.Errorf("store: expire approvals: %w", err)
	}
	return res.RowsAffected()
}

// ClaimApply marks an approved, unexpired change set whose approval matches
// its content as being applied by by (status stays approved, applied_by is
// set) — only one caller can claim it. The audit entry is in the same
// transaction.
func (s *Store) ClaimApply(ctx context.Context, id int64, by string, at time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET applied_by = ?, applied_at = ?
		WHERE id = ? AND status = 'approved' AND applied_by = '' AND approved_hash = content_hash AND approval_expires_at > ?`, by, ts(at), id, ts(at))
}

// FinishApply records the outcome of a claimed apply: applied or failed.
func (s *Store) FinishApply(ctx context.Context, id int64, ok bool, outcome string, audit AuditEntry) error {
	status := StatusFailed
	if ok {
		status = StatusApplied
	}
	return s.transition(ctx, audit, `UPDATE change_sets SET status = ?, outcome = ? WHERE id = ? AND status = 'approved' AND applied_by <> ''`, status, outcome, id)
}

// SetVerification records what the sync after an applied (or approved and
// exported) change set found.
func (s *Store) SetVerification(ctx context.Context, id int64, verification string, snapshot int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE change_sets SET verification = ?, verified_at = ?, verified_snapshot = ? WHERE id = ?`,
		verification, ts(at), snapshot, id)
	if err != nil {
		return fmt.Errorf("store: verify change set: %w", err)
	}
	return nil
}
