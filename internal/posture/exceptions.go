package posture

import (
	"context"
	"fmt"
	"time"

	"github.com/runlens/runlens/internal/store"
)

// ErrUnknownFinding is returned when an exception names a finding the
// current snapshot does not have.
var ErrUnknownFinding = fmt.Errorf("posture: no such finding in the current snapshot")

// ExceptionRequest accepts the risk of one finding.
type ExceptionRequest struct {
	FindingID string
	Owner     string
	Reason    string
	Expires   time.Time
	Actor     string // who records it (email)
	RequestID string
}

// AddException records an accepted risk on a finding of the current
// snapshot, audits it, and serves scores without that finding's cost until
// the exception expires.
func (s *Service) AddException(ctx context.Context, req ExceptionRequest) (store.Exception, error) {
	c, err := s.Current()
	if err != nil {
		return store.Exception{}, err
	}
	f, ok := c.Report.Finding(req.FindingID)
	if !ok {
		return store.Exception{}, ErrUnknownFinding
	}
	now := s.now()
	e := store.Exception{FindingID: f.ID, Check: f.Check, Subject: f.Subject, Owner: req.Owner, Reason: req.Reason,
		ExpiresAt: req.Expires, CreatedBy: req.Actor}
	audit := store.AuditEntry{Actor: req.Actor, Action: "exception.add", Target: f.ID,
		Detail:    fmt.Sprintf("%s on %s; owner %s; expires %s; reason: %s", f.Check, f.Subject, e.Owner, e.ExpiresAt.Format(time.RFC3339), e.Reason),
		RequestID: req.RequestID}
	if e.ID, err = s.st.AddException(ctx, e, now, audit); err != nil {
		return store.Exception{}, err
	}
	return e, s.reapply(ctx)
}

// RevokeException ends an exception early; its finding costs points again.
func (s *Service) RevokeException(ctx context.Context, id int64, actor, requestID string) error {
	if err := s.st.RevokeException(ctx, id, actor, s.now(), store.AuditEntry{Actor: actor, Action: "exception.revoke",
		Target: fmt.Sprint(id), RequestID: requestID}); err != nil {
		return err
	}
	return s.reapply(ctx)
}

// Exceptions lists every exception, newest first.
func (s *Service) Exceptions(ctx context.Context) ([]store.Exception, error) {
	return s.st.Exceptions(ctx)
}

// Exception is an accepted risk; views use this name so they need not
// import the store.
type Exception = store.Exception

// reapply serves the current snapshot under the exceptions now in the store.
// It takes the serve lock (not the sync lock: a long sync must not hold up an
// exception; a sync holds the serve lock only to swap in a state it has
// indexed beforehand), so it never puts back a snapshot a concurrent sync
// replaced, and a sync ending meanwhile re-reads the exceptions when it
// serves. The caller waits for the new state to be indexed (warm): seconds at
// 50,000 services, which the pages are spared.
func (s *Service) reapply(ctx context.Context) error {
	s.serveMu.Lock()
	defer s.serveMu.Unlock()
	c := s.cur.Load()
	if c == nil {
		return ErrNoSnapshot
	}
	_, err := s.serve(ctx, c.Snapshot, c.Report)
	return err
}
