package posture

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
)

// safeCell defuses spreadsheet formulas: a cell that starts with = + - @ or
// a control character is prefixed with an apostrophe. Resource names and
// labels come from the inventory, so they are attacker-controlled.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = safeCell(r[i])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// namesGraph is the graph exports read names from (names.Of): the served
// state's, also for an earlier snapshot (project IDs, folder and
// organization names rarely change); nil before the first sync, when names
// are read from the IDs alone.
func (s *Service) namesGraph() *graph.Graph {
	if c := s.cur.Load(); c != nil {
		return c.Report.Graph
	}
	return nil
}

// ScoresCSV writes the scores stored with snapshot id: one line per scope
// (organization, folder, project, label, service), each with its ID and the
// name a person reads (names.Of: "pdf-worker (pdf-convert-prod ·
// us-central1)").
func (s *Service) ScoresCSV(ctx context.Context, w io.Writer, id int64) error {
	sn, err := s.st.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	rows, err := s.st.SnapshotScores(ctx, id)
	if err != nil {
		return err
	}
	g := s.namesGraph()
	var out [][]string
	for _, r := range rows {
		name := r.Label
		if r.Scope != ScopeLabel && r.ScopeID != "" && r.ScopeID != ScopeOrganization {
			name = names.Of(g, r.ScopeID).String()
		}
		out = append(out, []string{fmt.Sprint(sn.ID), sn.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), r.Scope, r.ScopeID, name, r.Label, fmt.Sprint(r.Score), r.Grade, fmt.Sprint(r.Services)})
	}
	return writeCSV(w, []string{"snapshot", "at", "scope", "id", "name", "label", "score", "grade", "services"}, out)
}

// FindingsCSV writes the findings stored with snapshot id, the subject and
// the affected services each with their names beside their IDs.
func (s *Service) FindingsCSV(ctx context.Context, w io.Writer, id int64) error {
	sn, err := s.st.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	rows, err := s.st.SnapshotFindings(ctx, id)
	if err != nil {
		return err
	}
	g := s.namesGraph()
	var out [][]string
	for _, f := range rows {
		affected := make([]string, len(f.Affects))
		for i, a := range f.Affects {
			affected[i] = names.Of(g, a).String()
		}
		out = append(out, []string{fmt.Sprint(sn.ID), f.ID, f.Check, f.Severity, f.Subject, names.Of(g, f.Subject).String(),
			strings.Join(f.Affects, " "), strings.Join(affected, "; "), fmt.Sprint(f.Excepted)})
	}
	return writeCSV(w, []string{"snapshot", "id", "check", "severity", "subject", "subject_name", "affects", "affects_names", "excepted"}, out)
}

// findingWriter writes the rows of a findings export in one format.
type findingWriter interface {
	row(r FindingRow) error
	close() error
}

// FindingFormats are the formats ExportFindings writes.
func FindingFormats() []string { return []string{"csv", "json"} }

// ErrUnknownFormat is returned for an export format that is not one of
// FindingFormats.
var ErrUnknownFormat = errors.New("posture: unknown export format (want csv or json)")

// ExportFindings writes every finding matching f (all pages, in list
// order) as CSV (one line per finding, spreadsheet formulas defused) or
// JSON ({"filter": "...", "total": N, "findings": [...]}, each finding as
// in the API).
func (s *Service) ExportFindings(ctx context.Context, w io.Writer, f FindingFilter, format string) error {
	c, si, err := s.findingState(ctx)
	if err != nil {
		return err
	}
	ix := c.findingList()
	q := si.query(ix, f)
	var fw findingWriter
	switch format {
	case "csv":
		fw, err = newCSVFindings(w)
	case "json":
		fw, err = newJSONFindings(w, f.key(), len(q.match))
	default:
		return ErrUnknownFormat
	}
	if err != nil {
		return err
	}
	for _, i := range q.match {
		if err := fw.row(ix.row(c, si, int(i))); err != nil {
			return err
		}
	}
	return fw.close()
}

type csvFindings struct{ cw *csv.Writer }

func newCSVFindings(w io.Writer) (*csvFindings, error) {
	cw := csv.NewWriter(w)
	err := cw.Write([]string{"id", "check", "severity", "state", "title", "subject", "projects", "affects", "change_set", "url"})
	return &csvFindings{cw: cw}, err
}

func (c *csvFindings) row(r FindingRow) error {
	cs := ""
	if r.ChangeSet != 0 {
		cs = fmt.Sprint(r.ChangeSet)
	}
	rec := []string{r.ID, r.Check, r.Severity.String(), r.State.String(), r.Title, r.Subject, strings.Join(r.Projects, " "),
		strings.Join(r.Affects, " "), cs, "/findings/" + r.ID}
	for i := range rec {
		rec[i] = safeCell(rec[i])
	}
	return c.cw.Write(rec)
}

func (c *csvFindings) close() error {
	c.cw.Flush()
	return c.cw.Error()
}

type jsonFindings struct {
	w     io.Writer
	enc   *json.Encoder
	first bool
}

func newJSONFindings(w io.Writer, filter string, total int) (*jsonFindings, error) {
	fj, err := json.Marshal(filter)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(w, "{\"filter\":%s,\"total\":%d,\"findings\":[", fj, total)
	return &jsonFindings{w: w, enc: json.NewEncoder(w), first: true}, err
}

func (j *jsonFindings) row(r FindingRow) error {
	if !j.first {
		if _, err := io.WriteString(j.w, ","); err != nil {
			return err
		}
	}
	j.first = false
	return j.enc.Encode(r)
}

func (j *jsonFindings) close() error {
	_, err := io.WriteString(j.w, "]}\n")
	return err
}
