package posture

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
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

// ScoresCSV writes the scores stored with snapshot id: one line per scope
// (organization, folder, project, label, service).
func (s *Service) ScoresCSV(ctx context.Context, w io.Writer, id int64) error {
	sn, err := s.st.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	rows, err := s.st.SnapshotScores(ctx, id)
	if err != nil {
		return err
	}
	var out [][]string
	for _, r := range rows {
		out = append(out, []string{fmt.Sprint(sn.ID), sn.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), r.Scope, r.ScopeID, r.Label, fmt.Sprint(r.Score), r.Grade, fmt.Sprint(r.Services)})
	}
	return writeCSV(w, []string{"snapshot", "at", "scope", "id", "label", "score", "grade", "services"}, out)
}

// FindingsCSV writes the findings stored with snapshot id.
func (s *Service) FindingsCSV(ctx context.Context, w io.Writer, id int64) error {
	sn, err := s.st.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	rows, err := s.st.SnapshotFindings(ctx, id)
	if err != nil {
		return err
	}
	var out [][]string
	for _, f := range rows {
		out = append(out, []string{fmt.Sprint(sn.ID), f.ID, f.Check, f.Severity, f.Subject, strings.Join(f.Affects, " "), fmt.Sprint(f.Excepted)})
	}
	return writeCSV(w, []string{"snapshot", "id", "check", "severity", "subject", "affects", "excepted"}, out)
}
