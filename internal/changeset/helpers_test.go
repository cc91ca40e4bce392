package changeset_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// scenario is a fixture read, built and checked.
type scenario struct {
	in       changeset.Input
	findings []rules.Finding
}

// load reads CAI fixtures (files or directories; paths relative to
// testdata/, or starting with ../ for other packages' testdata), builds the
// graph and runs every check, as the scan does.
func load(t testing.TB, paths ...string) scenario {
	t.Helper()
	var full []string
	for _, p := range paths {
		if !strings.HasPrefix(p, "..") {
			p = filepath.Join("testdata", p)
		}
		full = append(full, p)
	}
	inv, err := inventory.ReadPaths(full...)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) > 0 {
		t.Fatalf("fixture %v has problems: %v", paths, inv.Problems)
	}
	b := build.Graph(inv, iam.MustPredefined(), now)
	fs, _ := rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now,
		Recommendations: inv.Recommendations, Insights: inv.Insights}, rules.All())
	return scenario{
		in: changeset.Input{Graph: b.Graph, Roles: b.Roles, Policies: changeset.PoliciesOf(inv),
			Recommendations: inv.Recommendations, Insights: inv.Insights},
		findings: fs,
	}
}

// finding returns the finding of check slug on subject (the first, or the
// one whose evidence mentions key).
func (s scenario) finding(t testing.TB, slug, subject, key string) rules.Finding {
	t.Helper()
	var seen []string
	for _, f := range s.findings {
		if f.Check != slug {
			continue
		}
		seen = append(seen, f.Subject)
		if f.Subject != subject {
			continue
		}
		if key == "" || strings.Contains(f.Evidence.Note+fieldsString(f.Evidence.Fields)+bindingsString(f.Evidence.Bindings), key) {
			return f
		}
	}
	t.Fatalf("no %s finding on %s (key %q); findings of that check: %v", slug, subject, key, seen)
	return rules.Finding{}
}

func fieldsString(fs []rules.FieldEvidence) string {
	var b strings.Builder
	for _, x := range fs {
		b.WriteString(x.Field + "=" + x.Value + "\n")
	}
	return b.String()
}

func bindingsString(bs []rules.BindingEvidence) string {
	var b strings.Builder
	for _, x := range bs {
		b.WriteString(x.Role + " " + x.Member + " " + x.Via + " " + x.Condition + "\n")
	}
	return b.String()
}

// render renders cs in format, failing the test on error.
func render(t testing.TB, format string, cs changeset.ChangeSet) string {
	t.Helper()
	r, err := changeset.RendererFor(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, cs); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return buf.String()
}

// golden compares got with testdata/golden/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

// commandLines returns the lines of a gcloud script that are neither
// comments nor the fixed preamble.
func commandLines(script string) []string {
	var out []string
	for _, l := range strings.Split(script, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !slices.Contains(changeset.GcloudPreamble, l) {
			out = append(out, l)
		}
	}
	return out
}

// loadDemo is the embedded demo organization as the console plans it: with
// every finding of the scan in the input.
func loadDemo(t testing.TB) scenario {
	t.Helper()
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	b := build.Graph(inv, iam.MustPredefined(), now)
	fs, _ := rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now,
		Recommendations: inv.Recommendations, Insights: inv.Insights}, rules.All())
	return scenario{
		in: changeset.Input{Graph: b.Graph, Roles: b.Roles, Policies: changeset.PoliciesOf(inv),
			Recommendations: inv.Recommendations, Insights: inv.Insights, Findings: fs},
		findings: fs,
	}
}

// byID returns the finding with id.
func (s scenario) byID(id string) (rules.Finding, bool) {
	for _, f := range s.findings {
		if f.ID == id {
			return f, true
		}
	}
	return rules.Finding{}, false
}
