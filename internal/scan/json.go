package scan

import (
	"io"
	"slices"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// JSON is the `runlens scan --format json` document (DESIGN §9).
type JSON struct {
	Summary  Summary         `json:"summary"`
	Findings []rules.Finding `json:"findings"`
	Scores   ScoresJSON      `json:"scores"`
}

// Summary counts what was read and found.
type Summary struct {
	Records    int            `json:"records"`
	Assets     int            `json:"assets"`
	Skipped    int            `json:"skipped"`
	Services   int            `json:"services"`
	Jobs       int            `json:"jobs"`
	Nodes      int            `json:"nodes"`
	Edges      int            `json:"edges"`
	Findings   int            `json:"findings"`
	Excepted   int            `json:"excepted"`
	Passes     int            `json:"passes"`
	BySeverity map[string]int `json:"bySeverity"`
	Problems   []string       `json:"problems"` // the first inventory.MaxProblems
	// ProblemCounts counts every problem by kind, listed or not;
	// ProblemsNotListed is how many are not in Problems.
	ProblemCounts     map[inventory.ProblemKind]int `json:"problemCounts,omitempty"`
	ProblemsNotListed int                           `json:"problemsNotListed,omitempty"`
	Unknown           map[string]int                `json:"unrecognisedAssetTypes,omitempty"`
	UnknownRoles      []string                      `json:"unknownRoles,omitempty"`
	// Gaps is what the input lacked and the checks each gap leaves unknown
	// (neither passed nor failed); an empty list means nothing was missing.
	Gaps []rules.Gap `json:"gaps"`
	// Baseline counts the findings new and unchanged since a baseline and
	// lists what it had that is gone; absent without --baseline.
	Baseline *BaselineSummary `json:"baseline,omitempty"`
	// NotServing counts the services that never served (marked in
	// scores.services); they are still checked for their configuration.
	NotServing int `json:"notServing"`
	// Docs links each check named in findings or gaps to its page.
	Docs map[string]string `json:"docs"`
	// Coverage is what the input held: records by content type and asset
	// type, the files or scopes read and what was denied.
	Coverage inventory.Coverage `json:"coverage"`
}

// ScoresJSON is the scores part of the scan document.
type ScoresJSON struct {
	Organization rules.Score        `json:"organization"`
	Projects     []ProjectScoreJSON `json:"projects"`
	Services     []ServiceScoreJSON `json:"services"`
}

// ProjectScoreJSON is one project's score.
type ProjectScoreJSON struct {
	Project string `json:"project"`
	Score   int    `json:"score"`
	Grade   string `json:"grade"`
}

// ServiceScoreJSON is one service's or job's score.
type ServiceScoreJSON struct {
	Service string `json:"service"`
	Score   int    `json:"score"`
	Grade   string `json:"grade"`
	// Risk is the severity weights of its open findings, summed: the score
	// is 100 at risk 0, else max(1, round(100*50/(50+risk))).
	Risk int `json:"risk"`
	// NotServing says why the service never served, if it did not.
	NotServing string `json:"notServing,omitempty"`
}

// JSON returns the scan document.
func (r *Report) JSON() JSON {
	s := Summary{
		Records: r.Inventory.Records, Assets: len(r.Inventory.Assets), Skipped: r.Inventory.Skipped,
		Services: len(r.Graph.NodesOf(graph.KindService)), Jobs: len(r.Graph.NodesOf(graph.KindJob)),
		Nodes: r.Graph.Len(), Edges: r.Graph.EdgeCount(), Passes: len(r.Passes),
		BySeverity: map[string]int{}, Problems: []string{}, Unknown: r.Inventory.Unknown,
	}
	for _, f := range r.Findings {
		if f.Excepted {
			s.Excepted++
			continue
		}
		s.Findings++
		s.BySeverity[f.Severity.String()]++
	}
	for _, p := range r.Problems {
		s.Problems = append(s.Problems, p.String())
	}
	if len(r.ProblemTally.All) > 0 {
		s.ProblemCounts, s.ProblemsNotListed = r.ProblemTally.All, r.ProblemTally.UnlistedTotal()
	}
	for role := range r.UnknownRoles {
		s.UnknownRoles = append(s.UnknownRoles, role)
	}
	slices.Sort(s.UnknownRoles)
	s.Coverage = r.Inventory.Coverage
	if s.Coverage.Scopes == nil {
		s.Coverage.Scopes = []string{}
	}
	s.Baseline = r.Baseline
	s.Gaps = r.Gaps
	if s.Gaps == nil {
		s.Gaps = []rules.Gap{}
	}
	s.Docs = map[string]string{}
	for _, f := range r.Findings {
		s.Docs[f.Check] = rules.DocURL(f.Check)
	}
	for _, g := range r.Gaps {
		for _, slug := range g.Checks {
			s.Docs[slug] = rules.DocURL(slug)
		}
	}
	out := JSON{Summary: s, Findings: r.Findings}
	if out.Findings == nil {
		out.Findings = []rules.Finding{}
	}
	out.Scores.Organization = rules.Score{Score: r.Scores.Organization.Score, Grade: r.Scores.Organization.Grade}
	out.Scores.Projects = []ProjectScoreJSON{}
	for _, p := range r.Scores.Projects {
		out.Scores.Projects = append(out.Scores.Projects, ProjectScoreJSON{Project: p.Label, Score: p.Score, Grade: p.Grade})
	}
	out.Scores.Services = []ServiceScoreJSON{}
	for _, sv := range r.Scores.Services {
		ns := ""
		if n, ok := r.Graph.Node(sv.Service); ok {
			if w, ok := n.Data.(*inventory.Workload); ok && w != nil {
				ns = w.NotServing
			}
		}
		if ns != "" {
			out.Summary.NotServing++
		}
		out.Scores.Services = append(out.Scores.Services, ServiceScoreJSON{Service: sv.Service, Score: sv.Score, Grade: sv.Grade, Risk: sv.Risk, NotServing: ns})
	}
	return out
}

// GraphJSON is the `runlens graph --format json` document.
type GraphJSON struct {
	Nodes []*graph.Node `json:"nodes"`
	Edges []graph.Edge  `json:"edges"`
}

// GraphDocument returns the graph document, nodes and edges sorted, each
// node labelled with its display name (names.Of), as pages and the other
// graph answers are.
func (r *Report) GraphDocument() GraphJSON {
	nodes := r.Graph.Nodes()
	labelled := make([]graph.Node, len(nodes)) // the graph's nodes are shared: copies are labelled
	out := make([]*graph.Node, len(nodes))
	for i, n := range nodes {
		labelled[i] = *n
		labelled[i].Label = names.Of(r.Graph, n.ID).Text
		out[i] = &labelled[i]
	}
	return GraphJSON{Nodes: out, Edges: r.Graph.Edges()}
}

// WriteJSON writes the report as the `scan --format json` document,
// indented by two spaces. It streams: the document of a million-record
// organization is never held whole in memory (encoding/json's Encoder
// builds it whole, then indents a second copy). The encoding/json/v2
// design with its v1 options writes byte for byte what encoding/json
// would; a test holds it to that.
func (r *Report) WriteJSON(w io.Writer) error {
	if err := jsonv2.MarshalWrite(w, r.JSON(), jsonv1.DefaultOptionsV1(), jsontext.Multiline(true), jsontext.WithIndent("  ")); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
