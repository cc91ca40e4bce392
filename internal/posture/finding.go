package posture

import (
	"context"
	"errors"
	"slices"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// FindingDetail is what a finding's page shows: the finding and where it
// stands, its check, when it was seen, its exceptions and change sets.
type FindingDetail struct {
	FindingRow
	Rule        rules.Rule  // its check (zero Rule if the catalog no longer has it)
	DocURL      string      // the check's documentation
	SubjectNode *graph.Node // the subject in the current graph; nil if it is not there
	// Workloads are the affected services and jobs the current graph has
	// (their IDs are Affects).
	Workloads map[string]*graph.Node
	Seen      store.FindingSeen
	// Exception is the exception in force, if any.
	Exception *store.Exception
	// Exceptions are every exception recorded for it, newest first.
	Exceptions []store.Exception
	// ChangeSets are every change set for it, newest first; Open is the
	// one under way, if any (then no second is offered).
	ChangeSets []store.ChangeSetRow
	Open       *store.ChangeSetRow
	// OpenAwaitsSync is true when Open is applied and the next sync will
	// say whether it fixed the finding.
	OpenAwaitsSync bool
}

// Finding answers a finding's page: a finding of the current snapshot, one
// gone since the previous snapshot, or one any kept snapshot holds (then
// fixed, as last stored). ok is false when no kept snapshot has it.
func (s *Service) Finding(ctx context.Context, id string) (FindingDetail, bool, error) {
	c, si, err := s.findingState(ctx)
	if err != nil {
		return FindingDetail{}, false, err
	}
	seen, err := s.st.FindingHistory(ctx, id)
	if err != nil {
		return FindingDetail{}, false, err
	}
	ix := c.findingList()
	var d FindingDetail
	if i, ok := ix.byID[id]; ok {
		d.FindingRow = ix.row(c, si, int(i))
	} else {
		if !seen.Found() {
			return FindingDetail{}, false, nil
		}
		d.FindingRow = FindingRow{State: StateFixed, Gone: true}
	}
	if d.Gone && seen.Found() {
		// The evidence of a finding no longer served is in the store.
		sf, err := s.st.SnapshotFinding(ctx, seen.LastSnapshot, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return FindingDetail{}, false, err
		}
		if err == nil {
			d.Finding = storedFinding(sf)
			d.Excepted = false
		}
		if len(d.Projects) == 0 {
			g := c.Report.Graph
			for _, a := range append([]string{d.Subject}, d.Affects...) {
				if p := projectOf(g, a); p != "" && !slices.Contains(d.Projects, p) {
					d.Projects = append(d.Projects, p)
					d.ProjectScopes = append(d.ProjectScopes, ix.scopeOf(p))
				}
			}
		}
	}
	d.Seen = seen
	d.Rule = catalog()[d.Check]
	d.DocURL = rules.DocURL(d.Check)
	g := c.Report.Graph
	if n, ok := g.Node(d.Subject); ok {
		d.SubjectNode = n
	}
	d.Workloads = map[string]*graph.Node{}
	for _, a := range d.Affects {
		if n, ok := g.Node(a); ok {
			d.Workloads[a] = n
		}
	}
	if e, ok := c.Exceptions[id]; ok && !d.Gone {
		d.Exception = &e
	}
	all, err := s.st.Exceptions(ctx)
	if err != nil {
		return FindingDetail{}, false, err
	}
	for _, e := range all {
		if e.FindingID == id {
			d.Exceptions = append(d.Exceptions, e)
		}
	}
	if d.ChangeSets, err = s.st.ChangeSetsFor(ctx, id); err != nil {
		return FindingDetail{}, false, err
	}
	for i := range d.ChangeSets {
		if d.ChangeSets[i].ID == d.ChangeSet {
			d.Open = &d.ChangeSets[i]
			d.OpenAwaitsSync = d.Open.Status == store.StatusApplied
		}
	}
	return d, true, nil
}

// scopeOf is the project scope (node ID) of project ID p, "" if unknown.
func (ix *findingListIndex) scopeOf(p string) string {
	for i, name := range ix.projectNames {
		if name == p {
			return ix.projectScopes[i]
		}
	}
	return ""
}
