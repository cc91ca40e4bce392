// Package review runs the change-set workflow of DESIGN §6: an engineer
// proposes the planned fix of a finding, a second person approves or rejects
// it, and it is exported or applied. proposed -> approved -> applied |
// rejected | expired | failed. The proposer cannot approve; an approval is
// bound to the hash of the exact content (which includes the IAM policy
// etags it was planned against) and expires; every step is audited in the
// same transaction as the state change.
package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

// Errors a caller maps to responses.
var (
	ErrUnknownFinding = errors.New("review: no such finding in the current snapshot")
	ErrSelfApproval   = errors.New("review: the proposer cannot approve their own change set")
	ErrStale          = errors.New("review: the change set changed since it was shown; reload and review it again")
	ErrNotApproved    = errors.New("review: the change set is not approved (or its approval expired)")
	ErrApplyDisabled  = errors.New("review: applying is turned off on this server; export the approved change set instead")
	ErrState          = errors.New("review: the change set is not in a state that allows this")
	ErrNoteTooLong    = fmt.Errorf("review: the note is longer than %d characters", MaxNote)
)

// MaxNote is the longest note of a review decision, in characters.
const MaxNote = 2000

// Applier applies an approved change set through the Google APIs and says
// what it did. It is given only approved content.
type Applier interface {
	Apply(ctx context.Context, cs changeset.ChangeSet) (outcome string, err error)
}

// Service runs the workflow over the store.
type Service struct {
	st       *store.Store
	applier  Applier // nil: apply disabled
	approval time.Duration
	now      func() time.Time
}

// New returns a Service. applier nil turns apply off (the default); approval
// is how long an approval stays valid (DESIGN §6 default 72h).
func New(st *store.Store, applier Applier, approval time.Duration) *Service {
	if approval <= 0 {
		approval = 72 * time.Hour
	}
	return &Service{st: st, applier: applier, approval: approval, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// ApplyEnabled reports whether apply is turned on.
func (s *Service) ApplyEnabled() bool { return s.applier != nil }

// Actor is who does something, from which request.
type Actor struct {
	Sub       string
	Email     string
	RequestID string
}

// Row is a stored change set with its review state; views use this name so
// they need not import the store.
type Row = store.ChangeSetRow

// ChangeSet is a stored change set with its decoded content.
type ChangeSet struct {
	store.ChangeSetRow
	Plan changeset.ChangeSet
}

// Input builds the planner's input from a scan report: the graph, roles,
// recommender data and the IAM policies of the inventory by resource name.
func Input(rep *scan.Report) changeset.Input {
	return changeset.Input{
		Graph: rep.Graph, Roles: rep.Roles, Policies: changeset.PoliciesOf(rep.Inventory),
		Recommendations: rep.Inventory.Recommendations, Insights: rep.Inventory.Insights,
		Findings: rep.Findings,
	}
}

// Propose plans the fix of finding findingID in rep and stores it as a
// proposed change set. A finding has one change set under way at a time:
// if it has one, nothing is stored and the error is a
// *store.OpenChangeSetError naming it.
func (s *Service) Propose(ctx context.Context, rep *scan.Report, snapshotID int64, findingID string, by Actor) (int64, error) {
	f, ok := rep.Finding(findingID)
	if !ok {
		return 0, ErrUnknownFinding
	}
	cs, err := changeset.Plan(Input(rep), f)
	if err != nil {
		return 0, fmt.Errorf("review: plan %s: %w", f.Check, err)
	}
	content, err := json.Marshal(cs)
	if err != nil {
		return 0, fmt.Errorf("review: encode plan: %w", err)
	}
	id, err := s.st.AddChangeSet(ctx, store.ChangeSetRow{Title: cs.Title, FindingID: f.ID, Check: f.Check, Subject: f.Subject,
		SnapshotID: snapshotID, Content: content, ContentHash: changeset.Hash(cs), ProposedBy: by.Email, ProposedSub: by.Sub, ProposedAt: s.now()},
		store.AuditEntry{Actor: by.Email, Action: "changeset.propose",
			Detail: fmt.Sprintf("%s on %s: %s (hash %s)", f.Check, f.Subject, cs.Title, changeset.Hash(cs)), RequestID: by.RequestID})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// RollbackPrefix is what the FindingID of a rollback change set starts
// with, followed by the ID of the change set it reverses.
const RollbackPrefix = "rollback:"

// Reversible reports whether change set c has something a rollback can
// undo: it was applied, or its apply failed after carrying out some steps.
// (A failed apply that recorded none did nothing, or nothing known.)
func Reversible(c store.ChangeSetRow) bool {
	switch c.Status {
	case store.StatusApplied:
		return c.AppliedSteps == nil || len(c.AppliedSteps) > 0
	case store.StatusFailed:
		return len(c.AppliedSteps) > 0
	}
	return false
}

// ProposeRollback proposes the reverse of applied change set id — or of the
// steps a failed apply carried out — (changeset.Rollback of the content it
// was applied with, which keeps the state it was planned against) as a
// change set of its own: approved by a
// second person and applied like any other. One rollback of a change set is
// open at a time: if one is, the error is a *store.OpenChangeSetError
// naming it.
func (s *Service) ProposeRollback(ctx context.Context, id int64, by Actor) (int64, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if !Reversible(c.ChangeSetRow) {
		return 0, ErrState
	}
	plan := c.Plan
	if c.AppliedSteps != nil {
		plan = changeset.Only(c.Plan, c.AppliedSteps) // exactly what was done
	}
	rb := changeset.Rollback(plan)
	content, err := json.Marshal(rb)
	if err != nil {
		return 0, fmt.Errorf("review: encode rollback: %w", err)
	}
	hash := changeset.Hash(rb)
	return s.st.AddChangeSet(ctx, store.ChangeSetRow{Title: rb.Title, FindingID: RollbackPrefix + fmt.Sprint(id), Check: "rollback", Subject: c.Subject,
		SnapshotID: c.SnapshotID, Content: content, ContentHash: hash, ProposedBy: by.Email, ProposedSub: by.Sub, ProposedAt: s.now()},
		store.AuditEntry{Actor: by.Email, Action: "changeset.rollback.propose",
			Detail: fmt.Sprintf("rollback of change set %d: %s (hash %s)", id, rb.Title, hash), RequestID: by.RequestID})
}

// Get returns change set id with its content, expiring a lapsed approval
// first.
func (s *Service) Get(ctx context.Context, id int64) (ChangeSet, error) {
	if _, err := s.st.Expire(ctx, s.now()); err != nil {
		return ChangeSet{}, err
	}
	row, err := s.st.ChangeSet(ctx, id)
	if err != nil {
		return ChangeSet{}, err
	}
	c := ChangeSet{ChangeSetRow: row}
	if err := json.Unmarshal(row.Content, &c.Plan); err != nil {
		return c, fmt.Errorf("review: decode change set %d: %w", id, err)
	}
	return c, nil
}

// List returns change sets, newest first ("" status: all).
func (s *Service) List(ctx context.Context, status string) ([]store.ChangeSetRow, error) {
	if _, err := s.st.Expire(ctx, s.now()); err != nil {
		return nil, err
	}
	return s.st.ChangeSets(ctx, status, 500)
}

// IsProposer reports whether a is who proposed c: the same IAP subject, or
// the same email (compared case-insensitively) under another subject, so
// that one person with two accounts cannot approve their own change set.
func IsProposer(c Row, a Actor) bool {
	return c.ProposedSub == a.Sub || a.Email != "" && strings.EqualFold(c.ProposedBy, a.Email)
}

// Approve approves change set id as shown with hash: refused for the
// proposer (IsProposer), for content that changed since (hash differs) and for a change
// set no longer proposed.
func (s *Service) Approve(ctx context.Context, id int64, hash string, by Actor) error {
	c, err := s.st.ChangeSet(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case IsProposer(c, by):
		return ErrSelfApproval
	case c.ContentHash != hash:
		return ErrStale
	case c.Status != store.StatusProposed:
		return ErrState
	}
	at := s.now()
	err = s.st.Approve(ctx, id, by.Email, by.Sub, hash, at, at.Add(s.approval), store.AuditEntry{Actor: by.Email, Action: "changeset.approve",
		Target: fmt.Sprint(id), Detail: "hash " + hash + "; expires " + at.Add(s.approval).UTC().Format(time.RFC3339), RequestID: by.RequestID})
	if errors.Is(err, store.ErrConflict) {
		return ErrState
	}
	return err
}

// Reject rejects a proposed change set with a note of at most MaxNote
// characters (ErrNoteTooLong).
func (s *Service) Reject(ctx context.Context, id int64, note string, by Actor) error {
	if utf8.RuneCountInString(note) > MaxNote {
		return ErrNoteTooLong
	}
	if _, err := s.st.ChangeSet(ctx, id); err != nil {
		return err
	}
	err := s.st.Reject(ctx, id, by.Email, note, s.now(), store.AuditEntry{Actor: by.Email, Action: "changeset.reject",
		Target: fmt.Sprint(id), Detail: note, RequestID: by.RequestID})
	if errors.Is(err, store.ErrConflict) {
		return ErrState
	}
	return err
}

// approved returns the change set if it may be exported or applied now.
func (s *Service) approved(ctx context.Context, id int64) (ChangeSet, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != store.StatusApproved || c.ApprovedHash != c.ContentHash || !s.now().Before(c.ApprovalExpiresAt) {
		return c, ErrNotApproved
	}
	if changeset.Hash(c.Plan) != c.ApprovedHash {
		return c, ErrStale // stored content no longer matches what was approved
	}
	return c, nil
}

// Export writes an approved change set in format (gcloud, terraform, diff)
// and audits the download.
func (s *Service) Export(ctx context.Context, w io.Writer, id int64, format string, by Actor) error {
	c, err := s.approved(ctx, id)
	if err != nil {
		return err
	}
	r, err := changeset.RendererFor(format)
	if err != nil {
		return err
	}
	if err := r.Render(w, c.Plan); err != nil {
		return err
	}
	return s.st.Audit(ctx, store.AuditEntry{Actor: by.Email, Action: "changeset.export", Target: fmt.Sprint(id), Detail: format, RequestID: by.RequestID})
}

// Apply applies an approved change set with the configured applier. Exactly
// one of two concurrent applies claims it; the other gets ErrState. The
// outcome (applied or failed, with what happened) is recorded and audited.
func (s *Service) Apply(ctx context.Context, id int64, by Actor) error {
	if s.applier == nil {
		return ErrApplyDisabled
	}
	c, err := s.approved(ctx, id)
	if err != nil {
		return err
	}
	err = s.st.ClaimApply(ctx, id, by.Email, s.now(), store.AuditEntry{Actor: by.Email, Action: "changeset.apply.start", Target: fmt.Sprint(id), RequestID: by.RequestID})
	if errors.Is(err, store.ErrConflict) {
		return ErrState
	}
	if err != nil {
		return err
	}
	// Each step is audited as it is done, so the log shows how far an
	// apply got even if runlens stops in the middle.
	var auditErr error // the applier reports steps one after another, on this goroutine
	stepCtx := changeset.WithStepLog(ctx, func(step, total int, what, result string) {
		if err := s.st.Audit(context.WithoutCancel(ctx), store.AuditEntry{Actor: by.Email, Action: "changeset.apply.step", Target: fmt.Sprint(id),
			Detail: fmt.Sprintf("step %d of %d: %s: %s", step, total, what, result), RequestID: by.RequestID}); err != nil {
			auditErr = errors.Join(auditErr, err)
		}
	})
	outcome, aerr := s.applier.Apply(stepCtx, c.Plan)
	applied := []int{}
	var partial interface{ AppliedSteps() []int }
	switch {
	case aerr == nil:
		for i, st := range c.Plan.Steps {
			if st.Kind != changeset.KindManual {
				applied = append(applied, i+1)
			}
		}
	case errors.As(aerr, &partial):
		applied = append(applied, partial.AppliedSteps()...)
	default:
		applied = nil // unknown
	}
	if aerr != nil {
		outcome = aerr.Error()
		if len(applied) > 0 {
			outcome += "\nTo undo the steps that were applied, propose the rollback of this change set."
		}
	}
	action := "changeset.apply.done"
	if aerr != nil {
		action = "changeset.apply.failed"
	}
	if err := s.st.FinishApply(context.WithoutCancel(ctx), id, aerr == nil, outcome, applied, store.AuditEntry{Actor: by.Email, Action: action,
		Target: fmt.Sprint(id), Detail: outcome, RequestID: by.RequestID}); err != nil {
		return errors.Join(aerr, auditErr, err)
	}
	return errors.Join(aerr, auditErr)
}

// InterruptedOutcome is the outcome of a change set whose apply runlens
// started and never finished, because it stopped (crashed, was killed,
// lost its instance) in the middle: see FailInterrupted.
const InterruptedOutcome = "interrupted: runlens stopped during the apply; some steps may have been applied and others not. " +
	"Check the live IAM policies and resources this change set names, sync, then propose it again."

// FailInterrupted marks failed, with InterruptedOutcome, every change set
// whose apply was started and never recorded as finished, and audits each as
// changeset.apply.interrupted by "runlens", in one transaction. It returns
// their IDs. Such a change set is never applied again by runlens: what its
// apply did is unknown, so a person checks the live state and proposes anew.
//
// Call it once at start, before serving: it cannot tell an interrupted apply
// from one under way in this process.
func (s *Service) FailInterrupted(ctx context.Context) ([]int64, error) {
	return s.st.FailInterruptedApplies(ctx, InterruptedOutcome, store.AuditEntry{Actor: "runlens", Action: "changeset.apply.interrupted",
		Detail: InterruptedOutcome})
}

// Verify marks change sets after a sync: an applied one whose findings are
// all gone is verified, one whose findings remain is not-fixed; an approved
// (exported, applied by hand) one whose findings are gone is verified.
func (s *Service) Verify(ctx context.Context, rep *scan.Report, snapshotID int64) error {
	open := make(map[string]bool, len(rep.Findings))
	for _, f := range rep.Findings {
		open[f.ID] = true
	}
	for _, status := range []string{store.StatusApplied, store.StatusApproved} {
		list, err := s.st.ChangeSets(ctx, status, 10000)
		if err != nil {
			return err
		}
		for _, c := range list {
			if c.Verification == "verified" {
				continue
			}
			var plan changeset.ChangeSet
			if err := json.Unmarshal(c.Content, &plan); err != nil {
				return fmt.Errorf("review: decode change set %d: %w", c.ID, err)
			}
			gone := true
			for _, id := range append([]string{c.FindingID}, plan.Fixes...) {
				if open[id] {
					gone = false
				}
			}
			switch {
			case gone:
				err = s.st.SetVerification(ctx, c.ID, "verified", snapshotID, s.now())
			case status == store.StatusApplied:
				err = s.st.SetVerification(ctx, c.ID, "not-fixed", snapshotID, s.now())
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Renderings returns the change set in every format, for review: format
// name to text, in changeset.Formats() order. They lack the comment header
// (title, why, risk, hash) that the review page shows once above them;
// Export writes the files with it.
func Renderings(cs changeset.ChangeSet) ([]Rendering, error) {
	var out []Rendering
	for _, f := range changeset.Formats() {
		r, err := changeset.BodyRendererFor(f)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := r.Render(&b, cs); err != nil {
			return nil, fmt.Errorf("review: render %s: %w", f, err)
		}
		out = append(out, Rendering{Format: f, Text: b.String()})
	}
	return out, nil
}

// Rendering is a change set in one format.
type Rendering struct {
	Format string
	Text   string
}
