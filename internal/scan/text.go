package scan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/runlens/runlens/internal/termsafe"
)

// WriteText writes the human-readable scan report: the summary, the scores,
// then each finding with its evidence. Secret values never appear because
// findings never hold them.
func (r *Report) WriteText(w io.Writer) error {
	doc := r.JSON()
	s := doc.Summary
	ew := &errWriter{w: w}
	// What the input lacked comes first: it qualifies everything below.
	for _, g := range s.Gaps {
		what := "UNKNOWN"
		if g.Partial {
			what = "INCOMPLETE"
		}
		ew.printf("%s: the input lacks %s: %s\n  checks %s: %s\n", what, g.Missing, g.Why, strings.ToLower(what), strings.Join(g.Checks, ", "))
	}
	if len(s.Gaps) > 0 {
		ew.printf("\n")
	}
	ew.printf("runlens scan: %d records, %d assets (%d skipped), %d services, %d jobs\n", s.Records, s.Assets, s.Skipped, s.Services, s.Jobs)
	for _, p := range s.Problems {
		ew.printf("  problem: %s\n", p)
	}
	if more := r.ProblemTally.More(); more != "" {
		ew.printf("  problems: %s\n", more)
	}
	for _, sv := range doc.Scores.Services {
		if sv.NotServing != "" {
			ew.printf("  not serving (never served; still checked): %s: %s\n", sv.Service, sv.NotServing)
		}
	}
	for _, role := range s.UnknownRoles {
		ew.printf("  unknown role (treated as unknown, not harmless): %s\n", role)
	}
	ew.printf("\nOrganization score: %d (%s)   findings: %d open, %d excepted\n", doc.Scores.Organization.Score, doc.Scores.Organization.Grade, s.Findings, s.Excepted)
	if b := s.Baseline; b != nil {
		ew.printf("Against the baseline: %d new, %d unchanged, %d gone\n", b.New, b.Unchanged, len(b.Absent))
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tSCORE\tGRADE")
	for _, p := range doc.Scores.Projects {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", termsafe.String(p.Project), p.Score, p.Grade)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("\n")
	for _, f := range doc.Findings {
		mark := ""
		if f.Excepted {
			mark = " (excepted)"
		}
		if f.BaselineState == "new" {
			mark += " (new since the baseline)"
		}
		ew.printf("[%s] %s %s%s\n  id: %s\n  subject: %s\n", f.Severity, f.Check, f.Title, mark, f.ID, f.Subject)
		for _, a := range f.Addresses {
			ew.printf("  terraform: %s\n", a)
		}
		for _, a := range f.Affects {
			if a != f.Subject {
				ew.printf("  affects: %s\n", a)
			}
		}
		for _, b := range f.Evidence.Bindings {
			ew.printf("  binding: %s -> %s on %s", b.Role, b.Member, b.Via)
			if b.Condition != "" {
				ew.printf(" if %s", b.Condition)
			}
			ew.printf("\n")
		}
		for _, fe := range f.Evidence.Fields {
			ew.printf("  field: %s = %s\n", fe.Field, fe.Value)
		}
		if f.Evidence.Note != "" {
			ew.printf("  note: %s\n", f.Evidence.Note)
		}
		ew.printf("  docs: %s\n", s.Docs[f.Check])
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// printf writes format with args, each string argument escaped with
// termsafe.String: names, members, values and problems come from the
// inventory and must not act on the terminal. Pass them as strings.
func (e *errWriter) printf(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = termsafe.String(s)
		}
	}
	fmt.Fprintf(e, format, args...)
}
