package scan

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/par"
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
		Records: r.Inventory.Records, Assets: r.Inventory.AssetCount(), Skipped: r.Inventory.Skipped,
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
// builds it whole, then indents a second copy). The findings, most of the
// document, are encoded in runs on every CPU a scan may use and written in
// order. The encoding/json/v2 design with its v1 options writes byte for
// byte what encoding/json would; a test holds it to that.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := r.JSON()
	bw := bufio.NewWriterSize(w, 1<<16)
	// The document is {"summary": ..., "findings": [...], "scores": ...}:
	// each member's value is encoded on its own, its lines after the
	// first indented as deep as it sits.
	member := func(name string, v any, last bool) error {
		bw.WriteString("  \"" + name + "\": ")
		if err := jsonv2.MarshalWrite(bw, v, jsonOptions("  ")); err != nil {
			return err
		}
		if !last {
			bw.WriteString(",")
		}
		_, err := bw.WriteString("\n")
		return err
	}
	bw.WriteString("{\n")
	if err := member("summary", doc.Summary, false); err != nil {
		return err
	}
	if len(doc.Findings) == 0 {
		bw.WriteString("  \"findings\": [],\n")
	} else {
		bw.WriteString("  \"findings\": [\n")
		if err := writeFindings(bw, doc.Findings); err != nil {
			return err
		}
		bw.WriteString("\n  ],\n")
	}
	if err := member("scores", doc.Scores, true); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// jsonOptions encode like encoding/json's Encoder with SetIndent(prefix, "  ").
func jsonOptions(prefix string) jsonv2.Options {
	return jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsontext.Multiline(true), jsontext.WithIndentPrefix(prefix), jsontext.WithIndent("  "))
}

// findingsRun is about how many strings (a finding's own, its affected
// workloads and its evidence) one goroutine encodes at a time: runs are
// measured in what they write, not in findings, because one finding can
// list thousands of workloads (a bucket that every service of a large
// project reaches).
const findingsRun = 2048

// runEnd returns where the run of findings starting at lo ends.
func runEnd(fs []rules.Finding, lo int) int {
	hi, items := lo, 0
	for hi < len(fs) && (hi == lo || items < findingsRun) {
		f := &fs[hi]
		items += 4 + len(f.Affects) + len(f.Evidence.Bindings) + len(f.Evidence.Fields) + len(f.Evidence.Path) + len(f.Addresses)
		hi++
	}
	return hi
}

// writeFindings writes the elements of the findings array, indented as
// the document's, separated by ",\n". Runs of findings are encoded on
// par.Workers goroutines, at most twice as many runs in flight as workers,
// and written in order.
func writeFindings(w io.Writer, fs []rules.Finding) error {
	type run struct {
		out  *[]byte // from bufs
		err  error
		done chan struct{}
	}
	// The runs' buffers are reused: a run of the teams shape is about
	// half a MiB, which grown from nothing is copied a dozen times.
	bufs := sync.Pool{New: func() any { return new([]byte) }}
	workers := par.Workers()
	runs := make(chan *run, 2*workers)
	work := make(chan func(), 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for f := range work {
				f()
			}
		})
	}
	quit := make(chan struct{}) // closed when writing failed: encode no more
	go func() {
		defer close(runs)
		defer close(work)
		for lo, hi := 0, 0; lo < len(fs); lo = hi {
			hi = runEnd(fs, lo)
			chunk := fs[lo:hi]
			r := &run{out: bufs.Get().(*[]byte), done: make(chan struct{})}
			first := lo == 0
			encode := func() {
				defer close(r.done)
				b := (*r.out)[:0]
				defer func() { *r.out = b }()
				for i := range chunk {
					if !first || i > 0 {
						b = append(b, ",\n"...)
					}
					b = append(b, "    "...)
					var ok bool
					if b, ok = appendFinding(b, &chunk[i], "    "); ok {
						continue
					}
					buf := bytes.NewBuffer(b)
					r.err = jsonv2.MarshalWrite(buf, &chunk[i], jsonOptions("    "))
					if b = buf.Bytes(); r.err != nil {
						return
					}
				}
			}
			select {
			case work <- encode:
			case <-quit:
				return
			}
			runs <- r // never blocks for long: the writer reads every run until runs closes
		}
	}()
	var err error
	for r := range runs {
		<-r.done
		if err == nil {
			if err = r.err; err == nil {
				_, err = w.Write(*r.out)
			}
			if err != nil {
				close(quit)
			}
		}
		bufs.Put(r.out)
	}
	wg.Wait()
	return err
}
