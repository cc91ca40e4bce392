package web

import (
	"context"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
)

func nameGraph() *graph.Graph {
	b := graph.NewBuilder()
	p := b.Node("//cloudresourcemanager.googleapis.com/projects/204815367192", graph.KindProject)
	p.Project, p.Label = "pdfconv-prod", "pdfconv-prod"
	s := b.Node("//run.googleapis.com/projects/204815367192/locations/us-central1/services/pdf-worker", graph.KindService)
	s.Project, s.Label, s.Data = "pdfconv-prod", "pdf-worker", &inventory.Workload{Name: "pdf-worker", Region: "us-central1"}
	b.Node("serviceAccount:204815367192-compute@developer.gserviceaccount.com", graph.KindServiceAccount)
	b.Node(`//storage.googleapis.com/<b>"evil"</b>`, graph.KindBucket)
	b.Node("serviceAccount:service-204815367192@serverless-robot-prod.iam.gserviceaccount.com", graph.KindServiceAccount)
	return b.Graph()
}

// A name is its short text linked to its page with the full ID as title,
// context and tag beside it, nothing around it, everything escaped.
func TestNameComponents(t *testing.T) {
	ctx := WithGraph(context.Background(), nameGraph())
	svc := "//run.googleapis.com/projects/204815367192/locations/us-central1/services/pdf-worker"
	var b strings.Builder
	if err := name(svc).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	want := `<span class="name" data-kind="service"><a class="nm" href="/services/%2F%2Frun.googleapis.com%2Fprojects%2F204815367192%2Flocations%2Fus-central1%2Fservices%2Fpdf-worker" title="` + svc + `">pdf-worker</a> <span class="ctx">pdfconv-prod · us-central1</span></span>`
	if b.String() != want {
		t.Errorf("name(service) =\n%s\nwant\n%s", b.String(), want)
	}
	cases := []struct {
		id        string
		comp      string // name, bare, phrase
		want, not []string
	}{
		{"//cloudresourcemanager.googleapis.com/projects/204815367192", "phrase",
			[]string{`<span class="noun">project</span> <a class="nm" href="/scores?scope=project&amp;id=%2F%2Fcloudresourcemanager.googleapis.com%2Fprojects%2F204815367192"`, `>pdfconv-prod</a>`,
				`title="pdfconv-prod · //cloudresourcemanager.googleapis.com/projects/204815367192"`}, nil},
		{"serviceAccount:204815367192-compute@developer.gserviceaccount.com", "bare",
			[]string{`href="/identities/serviceAccount:204815367192-compute@developer.gserviceaccount.com"`, `<span class="tag">default compute</span>`},
			[]string{`class="ctx"`}},
		{"serviceAccount:service-204815367192@serverless-robot-prod.iam.gserviceaccount.com", "name",
			[]string{`>service-204815367192@serverless-robo…gserviceaccount.com</a>`, `title="serviceAccount:service-204815367192@serverless-robot-prod.iam.gserviceaccount.com"`,
				`<span class="tag">Google service agent</span>`}, nil},
		{`//storage.googleapis.com/<b>"evil"</b>`, "name",
			[]string{`&lt;b&gt;&#34;evil&#34;&lt;/b&gt;`}, []string{`<b>`}},
		{"user:nobody@example.com", "name", // not in the graph: no page to link to
			[]string{`<span class="nm" title="user:nobody@example.com">nobody@example.com</span>`}, []string{`<a`}},
	}
	for _, tc := range cases {
		var b strings.Builder
		c := name(tc.id)
		switch tc.comp {
		case "bare":
			c = nameBare(tc.id)
		case "phrase":
			c = phrase(tc.id)
		}
		if err := c.Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		got := b.String()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s(%q) = %s\nlacks %s", tc.comp, tc.id, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("%s(%q) = %s\nhas %s", tc.comp, tc.id, got, w)
			}
		}
		if strings.HasSuffix(got, " </span>") || strings.Contains(got, "> <span class=\"nm\"") {
			t.Errorf("%s(%q) = %s: a space inside the edges", tc.comp, tc.id, got)
		}
	}
}

// Without a graph in the context names are read from the IDs alone, and
// link nowhere (no page is known to exist).
func TestNameWithoutGraph(t *testing.T) {
	var b strings.Builder
	if err := name("group:devs@example.com").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if want := `<span class="name" data-kind="group"><span class="nm" title="group:devs@example.com">devs@example.com</span></span>`; b.String() != want {
		t.Errorf("got %s, want %s", b.String(), want)
	}
}
