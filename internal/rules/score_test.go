package rules_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/rules"
)

// scoreGraph: org -> folder -> two projects; p1 has s1, s2 (label team=a),
// p2 has s3; p3 has nothing.
func scoreGraph() *graph.Graph {
	b := graph.NewBuilder()
	b.Node("org", graph.KindOrganization).Label = "example.com"
	f := b.Node("folder", graph.KindFolder)
	f.Parent = "org"
	for _, p := range []string{"p1", "p2", "p3"} {
		n := b.Node(p, graph.KindProject)
		n.Parent, n.Project = "folder", p
	}
	for _, s := range []struct{ id, project string }{{"s1", "p1"}, {"s2", "p1"}, {"s3", "p2"}} {
		n := b.Node(s.id, graph.KindService)
		n.Parent, n.Project, n.Label = s.project, s.project, s.id
		if s.project == "p1" {
			n.Labels = map[string]string{"team": "a"}
		}
	}
	return b.Graph()
}

func TestComputeScores(t *testing.T) {
	g := scoreGraph()
	findings := []rules.Finding{
		{ID: "f1", Severity: rules.Critical, Affects: []string{"s1"}},             // s1 -40
		{ID: "f2", Severity: rules.High, Affects: []string{"s1", "s2"}},           // s1 -20, s2 -20
		{ID: "f3", Severity: rules.Medium, Affects: []string{"s1"}},               // s1 -8
		{ID: "f4", Severity: rules.Critical, Affects: []string{"s1"}},             // s1 -40 -> floor 0
		{ID: "f5", Severity: rules.Low, Affects: []string{"s3"}},                  // s3 -3
		{ID: "f6", Severity: rules.High, Affects: []string{"s3"}, Excepted: true}, // excepted: free
	}
	s := rules.ComputeScores(g, findings)
	gotSvc := map[string]int{}
	for _, sv := range s.Services {
		gotSvc[sv.Service] = sv.Score
	}
	if diff := cmp.Diff(map[string]int{"s1": 0, "s2": 80, "s3": 97}, gotSvc); diff != "" {
		t.Errorf("service scores (-want +got):\n%s", diff)
	}
	// p1 = mean(0, 80) = 40; p2 = 97; p3 has no services = 100; org = round(177/3) = 59 (services only).
	gotProj := map[string]rules.Score{}
	for _, p := range s.Projects {
		gotProj[p.Label] = rules.Score{Score: p.Score, Grade: p.Grade}
	}
	want := map[string]rules.Score{"p1": {Score: 40, Grade: "D"}, "p2": {Score: 97, Grade: "A"}, "p3": {Score: 100, Grade: "A"}}
	if diff := cmp.Diff(want, gotProj); diff != "" {
		t.Errorf("project scores (-want +got):\n%s", diff)
	}
	if s.Organization.Score != 59 || s.Organization.Grade != "D" {
		t.Errorf("organization = %d %s, want 59 D", s.Organization.Score, s.Organization.Grade)
	}
	if s.Organization.Label != "example.com" {
		t.Errorf("organization label = %q", s.Organization.Label)
	}
	// baseline: s1 and s2 have critical/high; s3 only an excepted high -> meets it.
	if got, want := s.Organization.Baseline, 1.0/3; got != want {
		t.Errorf("baseline = %v, want %v", got, want)
	}
	if len(s.Labels) != 1 || s.Labels[0].ID != "team=a" || s.Labels[0].Score != 40 {
		t.Errorf("labels = %+v, want team=a at 40", s.Labels)
	}
	if len(s.Folders) != 1 || s.Folders[0].Score != 59 {
		t.Errorf("folders = %+v, want one at 59", s.Folders)
	}
	if s.Services[0].Service != "s1" {
		t.Errorf("services not sorted worst first: %+v", s.Services)
	}
}

func TestGrade(t *testing.T) {
	for _, tc := range []struct {
		score int
		want  string
	}{{100, "A"}, {90, "A"}, {89, "B"}, {75, "B"}, {74, "C"}, {60, "C"}, {59, "D"}, {40, "D"}, {39, "F"}, {0, "F"}} {
		if got := rules.Grade(tc.score); got != tc.want {
			t.Errorf("Grade(%d) = %q, want %q", tc.score, got, tc.want)
		}
	}
}

func TestScoresEmpty(t *testing.T) {
	s := rules.ComputeScores(graph.NewBuilder().Graph(), nil)
	if s.Organization.Score != 100 || s.Organization.Grade != "A" {
		t.Errorf("empty organization = %+v, want 100 A", s.Organization)
	}
}

func TestTopFixes(t *testing.T) {
	g := scoreGraph()
	findings := []rules.Finding{
		{ID: "f1", Severity: rules.Critical, Affects: []string{"s1"}},
		{ID: "f2", Severity: rules.High, Affects: []string{"s1", "s2"}},
		{ID: "f3", Severity: rules.Medium, Affects: []string{"s1"}},
		{ID: "f4", Severity: rules.Critical, Affects: []string{"s1"}},
		{ID: "f5", Severity: rules.Low, Affects: []string{"s3"}},
		{ID: "f6", Severity: rules.High, Affects: []string{"s3"}, Excepted: true},
	}
	s := rules.ComputeScores(g, findings)
	// s1 lost 108 (score 0): fixing f1 or f4 (40) leaves 68 lost -> 32, gain 32;
	// f2 gains s1 20-8=12 (108-20=88 -> 12) and s2 20: 32; f3 gains 0 (100 still lost);
	// f5 gains 3. Three services.
	got := map[string]float64{}
	for _, fx := range rules.TopFixes(s, findings, nil, 0) {
		got[fx.Finding.ID] = fx.Points
	}
	want := map[string]float64{"f1": 32.0 / 3, "f4": 32.0 / 3, "f2": 32.0 / 3, "f5": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}
	top := rules.TopFixes(s, findings, nil, 2)
	if len(top) != 2 || top[0].Finding.Severity != rules.Critical {
		t.Errorf("top 2 = %+v, want criticals first among equal points", top)
	}
	inP2 := rules.TopFixes(s, findings, func(id string) bool { return id == "s3" }, 0)
	if len(inP2) != 1 || inP2[0].Points != 3 {
		t.Errorf("within s3 = %+v, want f5 worth 3", inP2)
	}
}
