package rules_test

import (
	"fmt"
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
		{ID: "f1", Severity: rules.Critical, Affects: []string{"s1"}},             // s1 risk 40
		{ID: "f2", Severity: rules.High, Affects: []string{"s1", "s2"}},           // s1 +20, s2 20
		{ID: "f3", Severity: rules.Medium, Affects: []string{"s1"}},               // s1 +8
		{ID: "f4", Severity: rules.Critical, Affects: []string{"s1"}},             // s1 +40: 108
		{ID: "f5", Severity: rules.Low, Affects: []string{"s3"}},                  // s3 3
		{ID: "f6", Severity: rules.High, Affects: []string{"s3"}, Excepted: true}, // excepted: free
	}
	s := rules.ComputeScores(g, findings)
	gotSvc := map[string][2]int{}
	for _, sv := range s.Services {
		gotSvc[sv.Service] = [2]int{sv.Risk, sv.Score}
	}
	// s1: 5000/158 = 31.6; s2: 5000/70 = 71.4; s3: 5000/53 = 94.3.
	if diff := cmp.Diff(map[string][2]int{"s1": {108, 32}, "s2": {20, 71}, "s3": {3, 94}}, gotSvc); diff != "" {
		t.Errorf("service risk and score (-want +got):\n%s", diff)
	}
	// p1 = mean(32, 71) = 51.5 -> 52; p2 = 94; p3 has no services = 100; org = round(197/3) = 66 (services only).
	gotProj := map[string]rules.Score{}
	for _, p := range s.Projects {
		gotProj[p.Label] = rules.Score{Score: p.Score, Grade: p.Grade}
	}
	want := map[string]rules.Score{"p1": {Score: 52, Grade: "D"}, "p2": {Score: 94, Grade: "A"}, "p3": {Score: 100, Grade: "A"}}
	if diff := cmp.Diff(want, gotProj); diff != "" {
		t.Errorf("project scores (-want +got):\n%s", diff)
	}
	if s.Organization.Score != 66 || s.Organization.Grade != "C" {
		t.Errorf("organization = %d %s, want 66 C", s.Organization.Score, s.Organization.Grade)
	}
	if s.Organization.Label != "example.com" {
		t.Errorf("organization label = %q", s.Organization.Label)
	}
	// baseline: s1 and s2 have critical/high; s3 only an excepted high -> meets it.
	if got, want := s.Organization.Baseline, 1.0/3; got != want {
		t.Errorf("baseline = %v, want %v", got, want)
	}
	if len(s.Labels) != 1 || s.Labels[0].ID != "team=a" || s.Labels[0].Score != 52 {
		t.Errorf("labels = %+v, want team=a at 52", s.Labels)
	}
	if len(s.Folders) != 1 || s.Folders[0].Score != 66 {
		t.Errorf("folders = %+v, want one at 66", s.Folders)
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

// TestServiceScoreOf: clean is 100; the score falls strictly with every
// risk point up to far beyond any real service, never reaches 0; one
// critical lands in D, a lone low stays A.
func TestServiceScoreOf(t *testing.T) {
	if got := rules.ServiceScoreOf(0); got != 100 {
		t.Errorf("ServiceScoreOf(0) = %d, want 100", got)
	}
	for _, tc := range []struct {
		risk  int
		grade string
	}{{3, "A"}, {8, "B"}, {20, "C"}, {40, "D"}, {80, "F"}} {
		if got := rules.Grade(rules.ServiceScoreOf(tc.risk)); got != tc.grade {
			t.Errorf("risk %d: score %d grade %s, want %s", tc.risk, rules.ServiceScoreOf(tc.risk), got, tc.grade)
		}
	}
	// Adding a finding never raises the score, and lowers it wherever the
	// curve drops by a point or more (rounding to whole points flattens
	// only what falls below one: a low deep down the curve).
	for _, w := range []int{3, 8, 20, 40} {
		for risk := 0; risk < 1000*w; risk += w {
			a, b := rules.ServiceScoreOf(risk), rules.ServiceScoreOf(risk+w)
			exact := 5000/float64(50+risk) - 5000/float64(50+risk+w)
			if b > a || (b == a && exact >= 1 && a > 1) {
				t.Fatalf("adding %d to risk %d: score %d -> %d (exactly %.2f lower), want lower", w, risk, a, b, exact)
			}
		}
	}
	if got := rules.ServiceScoreOf(1 << 30); got != 1 {
		t.Errorf("ServiceScoreOf(huge) = %d, want the floor 1", got)
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
		{ID: "f7", Severity: rules.High, Affects: []string{}}, // a public bucket no workload uses
	}
	s := rules.ComputeScores(g, findings)
	// Risk removed: f1, f4 40 (s1); f2 20 on s1 and s2: 40; f3 8; f5 3;
	// f7 none. Among the 40s, f2 gains most score: s1 108 -> 88 (32 -> 36)
	// and s2 20 -> 0 (71 -> 100): 33 points over 3 services = 11; f1 and
	// f4 gain s1 32 -> 42: 10/3.
	var got []string
	for _, fx := range rules.TopFixes(s, findings, nil, 0) {
		got = append(got, fmt.Sprintf("%s %d %.2f", fx.Finding.ID, fx.Risk, fx.Points))
	}
	want := []string{"f2 40 11.00", "f1 40 3.33", "f4 40 3.33", "f3 8 0.33", "f5 3 2.00", "f7 0 0.00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("top fixes (-want +got):\n%s", diff)
	}
	inP2 := rules.TopFixes(s, findings, func(id string) bool { return id == "s3" }, 0)
	if len(inP2) != 1 || inP2[0].Finding.ID != "f5" || inP2[0].Risk != 3 || inP2[0].Points != 6 {
		t.Errorf("within s3 = %+v, want f5 removing 3 risk points, worth 6", inP2)
	}
	// Deep in the curve a fix still shows: s1 at risk 108 gains from f3.
	if len(rules.TopFixes(s, findings, func(id string) bool { return id == "s1" }, 0)) != 4 {
		t.Error("a scope with open findings lists fewer fixes than it has findings")
	}
}
