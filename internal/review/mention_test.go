package review_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/review"
)

func TestMentions(t *testing.T) {
	const svc = "//run.googleapis.com/projects/p/locations/r/services/api"
	b := graph.NewBuilder()
	b.Node(svc, graph.KindService)
	b.Node("serviceAccount:api@p.iam.gserviceaccount.com", graph.KindServiceAccount)
	b.Node("allUsers", graph.KindPublic)
	g := b.Graph()
	// linked renders parts as text with [links], to compare.
	linked := func(ps []review.Part) string {
		var s strings.Builder
		for _, p := range ps {
			if p.Node != nil {
				s.WriteString("[" + p.Text + "→" + p.Node.ID + "]")
			} else {
				s.WriteString(p.Text)
			}
		}
		return s.String()
	}
	tests := []struct {
		name, text, want string
		g                *graph.Graph
	}{
		{"empty", "", "", g},
		{"no names", "Nothing here.", "Nothing here.", g},
		{"service ID with a full stop", "Clients of " + svc + ". stop", "Clients of [" + svc + "→" + svc + "]. stop", g},
		{"member", "serviceAccount:api@p.iam.gserviceaccount.com loses invoke access to 1 workload(s): " + svc + ".",
			"[serviceAccount:api@p.iam.gserviceaccount.com→serviceAccount:api@p.iam.gserviceaccount.com] loses invoke access to 1 workload(s): [" + svc + "→" + svc + "].", g},
		{"email in brackets", "Reuse (api@p.iam.gserviceaccount.com), then", "Reuse ([api@p.iam.gserviceaccount.com→serviceAccount:api@p.iam.gserviceaccount.com]), then", g},
		{"public", "anyone on the internet (allUsers) loses", "anyone on the internet ([allUsers→allUsers]) loses", g},
		{"unknown ID stays text", "//run.googleapis.com/projects/p/locations/r/services/other is fine", "//run.googleapis.com/projects/p/locations/r/services/other is fine", g},
		{"a prefix of an ID is not it", "services/api and api", "services/api and api", g},
		{"no graph", "Clients of " + svc, "Clients of " + svc, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := review.Mentions(tc.text, tc.g)
			if got := linked(ps); got != tc.want {
				t.Errorf("Mentions(%q) = %q, want %q", tc.text, got, tc.want)
			}
			var all strings.Builder
			for _, p := range ps {
				all.WriteString(p.Text)
			}
			if all.String() != tc.text {
				t.Errorf("parts of %q join to %q", tc.text, all.String())
			}
		})
	}
}

func TestExplainManual(t *testing.T) {
	cs := changeset.ChangeSet{Rationale: "why", Risk: []string{"a", "b"}, Steps: []changeset.Step{
		{Kind: changeset.KindManual, Text: "first"},
		{Kind: changeset.KindDeleteKey, Key: "k", ServiceAccount: "sa"},
		{Kind: changeset.KindManual, Text: "second"},
	}}
	x := review.Explain(cs, nil)
	if diff := cmp.Diff([]string{"first", "second"}, x.Manual); diff != "" {
		t.Errorf("manual steps (-want +got):\n%s", diff)
	}
	if len(x.Risk) != 2 || len(x.Why) != 1 || x.Why[0].Text != "why" {
		t.Errorf("Explain = %+v", x)
	}
}
