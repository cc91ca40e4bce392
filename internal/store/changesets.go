package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// AppliedSteps are the steps (1-based) its apply carried out; nil when
	// unknown.
	AppliedSteps []int
}

const changeSetCols = `id, title, finding_id, check_slug, subject, snapshot_id, content, content_hash, status,
	proposed_by, proposed_sub, proposed_at, decided_by, decided_at, decision_note, approved_hash, approval_expires_at,
	applied_by, applied_at, outcome, verification, verified_at, applied_steps`

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dbTime(t)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func scanChangeSet(row interface{ Scan(...any) error }) (ChangeSetRow, error) {
	var c ChangeSetRow
	var content string
	var proposed, decided, expires, applied, verified, steps string
	err := row.Scan(&c.ID, &c.Title, &c.FindingID, &c.Check, &c.Subject, &c.SnapshotID, &content, &c.ContentHash, &c.Status,
		&c.ProposedBy, &c.ProposedSub, &proposed, &c.DecidedBy, &decided, &c.DecisionNote, &c.ApprovedHash, &expires,
		&c.AppliedBy, &applied, &c.Outcome, &c.Verification, &verified, &steps)
	if err != nil {
		return c, err
	}
	if steps != "" {
		if err := json.Unmarshal([]byte(steps), &c.AppliedSteps); err != nil {
			return c, fmt.Errorf("applied steps of change set %d: %w", c.ID, err)
		}
	}
	c.Content = []byte(content)
	c.ProposedAt, c.DecidedAt, c.ApprovalExpiresAt = parseTS(proposed), parseTS(decided), parseTS(expires)
	c.AppliedAt, c.VerifiedAt = parseTS(applied), parseTS(verified)
	return c, nil
}

// OpenChangeSetError is returned by AddChangeSet when the finding already
// has an open change set (see openChangeSet): a finding gets one proposal
// at a time.
type OpenChangeSetError struct {
	ID     int64  // the open change set
	Status string // its status
}

func (e *OpenChangeSetError) Error() string {
	return fmt.Sprintf("store: the finding already has change set %d (%s)", e.ID, e.Status)
}

// openChangeSet is the SQL condition of a change set still under way for
// its findings (the one parameter is now): proposed; approved and neither
// lapsed (an apply claimed is under way); or applied and not yet checked by
// a sync. Rejected, expired and failed ones are closed, and so is an
// applied one a sync has checked: verified (if its finding came back, a new
// fix is needed) or not-fixed.
const openChangeSet = `(status = 'proposed' OR (status = 'approved' AND (applied_by <> '' OR approval_expires_at > ?))
	OR (status = 'applied' AND verification = ''))`

// fixesFinding is the SQL condition of a change set whose finding, or one
// of the findings its content says it fixes, is the parameter.
const fixesFinding = `(finding_id = ? OR EXISTS (SELECT 1 FROM json_each(change_sets.content, '$.fixes') j WHERE j.value = ?))`

// AddChangeSet stores a proposed change set and its audit entry in one
// transaction, and returns its ID. The audit entry's Target is set to the ID.
// If the finding already has an open change set (its own, or one that says
// it fixes it, open as of c.ProposedAt) nothing is stored and the error is
// an *OpenChangeSetError naming it: the check and the insert are one write
// transaction, so two concurrent proposals cannot both be stored.
func (s *Store) AddChangeSet(ctx context.Context, c ChangeSetRow, audit AuditEntry) (int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: add change set: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// Every finding it fixes, not only the one it was proposed for: one
	// plan may fix several, and none may be fixed twice at once.
	var content struct {
		Fixes []string `json:"fixes"`
	}
	_ = json.Unmarshal(c.Content, &content) // content that is not a change set fixes only FindingID
	fixes := append([]string{c.FindingID}, content.Fixes...)
	slices.Sort(fixes)
	for _, id := range slices.Compact(fixes) {
		var open OpenChangeSetError
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM change_sets WHERE `+fixesFinding+` AND `+openChangeSet+` ORDER BY id DESC LIMIT 1`,
			id, id, ts(c.ProposedAt)).Scan(&open.ID, &open.Status)
		switch {
		case err == nil:
			return 0, &open
		case !errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("store: add change set: %w", err)
		}
	}
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
	s.changed()
	return id, nil
}

// changed counts a write to the change sets (ChangeSetsVersion).
func (s *Store) changed() { s.changeSets.Add(1) }

// ChangeSetsVersion counts the writes to the change sets made through this
// Store since it was opened: while it stays the same, what ChangeSetStates
// returns has not changed (runlens is the database's only writer), so a
// reader may keep what it built from it.
func (s *Store) ChangeSetsVersion() uint64 { return s.changeSets.Load() }

// ChangeSetState is what the findings list needs of a change set: its
// status, and the findings it is for.
type ChangeSetState struct {
	ID           int64
	FindingID    string
	Fixes        []string // the findings its content says it fixes (FindingID among them or not)
	Status       string
	Verification string
	// Open is true while it is under way for its findings (see
	// AddChangeSet) as of the time ChangeSetStates was given.
	Open bool
}

// ChangeSetStates returns every change set's state as of now, oldest first.
func (s *Store) ChangeSetStates(ctx context.Context, now time.Time) ([]ChangeSetState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, finding_id, COALESCE(json_extract(content, '$.fixes'), '[]'), status, verification, `+
		openChangeSet+` FROM change_sets ORDER BY id`, ts(now))
	if err != nil {
		return nil, fmt.Errorf("store: change set states: %w", err)
	}
	defer rows.Close()
	var out []ChangeSetState
	for rows.Next() {
		var c ChangeSetState
		var fixes string
		if err := rows.Scan(&c.ID, &c.FindingID, &fixes, &c.Status, &c.Verification, &c.Open); err != nil {
			return nil, fmt.Errorf("store: change set states: %w", err)
		}
		_ = json.Unmarshal([]byte(fixes), &c.Fixes)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: change set states: %w", err)
	}
	return out, nil
}

// ChangeSetsFor returns the change sets of finding id (proposed for it, or
// saying they fix it), newest first.
func (s *Store) ChangeSetsFor(ctx context.Context, id string) ([]ChangeSetRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+changeSetCols+` FROM change_sets WHERE `+fixesFinding+` ORDER BY id DESC`, id, id)
	if err != nil {
		return nil, fmt.Errorf("store: change sets of finding %s: %w", id, err)
	}
	defer rows.Close()
	var out []ChangeSetRow
	for rows.Next() {
		c, err := scanChangeSet(rows)
		if err != nil {
			return nil, fmt.Errorf("store: change sets of finding %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
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
	tx, err := s.w.BeginTx(ctx, nil)
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
	s.changed()
	return nil
}

// Approve moves a proposed change set to approved, bound to hash, if the
// approver is not the proposer — neither the same subject nor the same
// email, compared case-insensitively (SQLite's lower folds ASCII only; the
// review package compares with full case folding first) — and hash is the
// stored content's. The audit entry is written in the same transaction.
func (s *Store) Approve(ctx context.Context, id int64, by, bySub, hash string, at, expires time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET status = 'approved', decided_by = ?, decided_at = ?, approved_hash = ?, approval_expires_at = ?
		WHERE id = ? AND status = 'proposed' AND proposed_sub <> ? AND lower(proposed_by) <> lower(?) AND content_hash = ?`,
		by, ts(at), hash, ts(expires), id, bySub, by, hash)
}

// Reject moves a proposed change set to rejected.
func (s *Store) Reject(ctx context.Context, id int64, by, note string, at time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET status = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?
		WHERE id = ? AND status = 'proposed'`, by, ts(at), note, id)
}

// Expire moves approved change sets whose approval has run out to expired,
// and returns how many. A change set claimed for apply (ClaimApply) is left
// alone: its apply is under way and FinishApply records how it ended (or
// FailInterruptedApplies, if runlens stopped first).
func (s *Store) Expire(ctx context.Context, at time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE change_sets SET status = 'expired'
		WHERE status = 'approved' AND applied_by = '' AND approval_expires_at <> '' AND approval_expires_at <= ?`, ts(at))
	if err != nil {
		return 0, fmt.Errorf("store: expire approvals: %w", err)
	}
	n, err := res.RowsAffected()
	if n > 0 {
		s.changed()
	}
	return n, err
}

// ClaimApply marks an approved, unexpired change set whose approval matches
// its content as being applied by by (status stays approved, applied_by is
// set) — only one caller can claim it. The audit entry is in the same
// transaction. A claim whose apply never finishes because runlens stopped is
// failed at the next start by FailInterruptedApplies; it is never claimed
// again.
func (s *Store) ClaimApply(ctx context.Context, id int64, by string, at time.Time, audit AuditEntry) error {
	return s.transition(ctx, audit, `UPDATE change_sets SET applied_by = ?, applied_at = ?
		WHERE id = ? AND status = 'approved' AND applied_by = '' AND approved_hash = content_hash AND approval_expires_at > ?`, by, ts(at), id, ts(at))
}

// FinishApply records the outcome of a claimed apply: applied or failed,
// and which steps it carried out (nil: unknown).
func (s *Store) FinishApply(ctx context.Context, id int64, ok bool, outcome string, applied []int, audit AuditEntry) error {
	status := StatusFailed
	if ok {
		status = StatusApplied
	}
	steps := ""
	if applied != nil {
		b, err := json.Marshal(applied)
		if err != nil {
			return fmt.Errorf("store: finish apply: %w", err)
		}
		steps = string(b)
	}
	return s.transition(ctx, audit, `UPDATE change_sets SET status = ?, outcome = ?, applied_steps = ? WHERE id = ? AND status = 'approved' AND applied_by <> ''`, status, outcome, steps, id)
}

// FailInterruptedApplies marks failed, with outcome, every change set
// claimed for apply whose apply never finished (status approved, applied_by
// set: runlens stopped between ClaimApply and FinishApply), and appends for
// each a copy of audit with Target set to its ID. The state changes and the
// audit entries are one transaction: all happen or none. It returns the IDs,
// ascending. Call it only when no apply can be under way — at start, before
// serving — since it cannot tell an interrupted apply from a running one.
func (s *Store) FailInterruptedApplies(ctx context.Context, outcome string, audit AuditEntry) ([]int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: fail interrupted applies: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	ids, err := failClaimed(ctx, tx, outcome)
	if err != nil {
		return nil, fmt.Errorf("store: fail interrupted applies: %w", err)
	}
	for _, id := range ids {
		e := audit
		e.Target = fmt.Sprint(id)
		if err := insertAudit(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: fail interrupted applies: %w", err)
	}
	s.changed()
	return ids, nil
}

// failClaimed marks the claimed change sets failed with outcome in tx and
// returns their IDs, ascending.
func failClaimed(ctx context.Context, tx *sql.Tx, outcome string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `UPDATE change_sets SET status = 'failed', outcome = ?
		WHERE status = 'approved' AND applied_by <> '' RETURNING id`, outcome)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// SetVerification records what the sync after an applied (or approved and
// exported) change set found.
func (s *Store) SetVerification(ctx context.Context, id int64, verification string, snapshot int64, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE change_sets SET verification = ?, verified_at = ?, verified_snapshot = ? WHERE id = ?`,
		verification, ts(at), snapshot, id)
	if err != nil {
		return fmt.Errorf("store: verify change set: %w", err)
	}
	s.changed()
	return nil
}
