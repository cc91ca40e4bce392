package rules_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/rules"
)

// checkDocsDir holds one page per check, docs/checks/<slug>.md, and the
// index, docs/checks/README.md: the pages the console and the scan output
// link to.
var checkDocsDir = filepath.Join("..", "..", "docs", "checks")

// checkDocHeadings are the level-2 headings every check page has, in order.
var checkDocHeadings = []string{
	"## What it means",
	"## When it fires",
	"## When it does not fire",
	"## Evidence",
	"## How to fix",
	"## References",
}

// documentedCheck is what a page must agree with: the rule's slug, ID and
// severity.
type documentedCheck struct {
	Slug, ID, Severity string
}

// pendingChecks are documented ahead of their rule. Each one is checked like
// the rules of All; once All holds its slug, All's ID and severity are used
// and the entry here is redundant (remove it then).
var pendingChecks = []documentedCheck{
	{Slug: "deleted-principal-binding", ID: "RL-0029", Severity: "low"},
}

// documentedChecks returns every check that must have a page: the rules of
// All, then the pending checks All does not hold yet.
func documentedChecks() []documentedCheck {
	var out []documentedCheck
	for _, r := range rules.All() {
		out = append(out, documentedCheck{Slug: r.Slug, ID: r.ID, Severity: r.Severity.String()})
	}
	for _, p := range pendingChecks {
		if !slices.ContainsFunc(out, func(c documentedCheck) bool { return c.Slug == p.Slug }) {
			out = append(out, p)
		}
	}
	return out
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(checkDocsDir, name))
	if err != nil {
		t.Fatalf("docs/checks/%s: %v", name, err)
	}
	return string(b)
}

// level2Headings returns the "## " headings of a Markdown page, outside code
// fences, in order.
func level2Headings(page string) []string {
	var out []string
	fenced := false
	for line := range strings.Lines(page) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced && strings.HasPrefix(line, "## ") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// firstLines returns the first two non-empty lines of a page.
func firstLines(page string) (title, byline string) {
	var got []string
	for line := range strings.Lines(page) {
		if line = strings.TrimSpace(line); line != "" {
			got = append(got, line)
			if len(got) == 2 {
				break
			}
		}
	}
	for len(got) < 2 {
		got = append(got, "")
	}
	return got[0], got[1]
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsCheckPages checks every check's page: the index links it, it starts
// with "# <slug>" and a line naming the ID and "severity **<severity>**"
// (for example "**RL-0001** · severity **high** · Title"), it has exactly
// the six level-2 headings of checkDocHeadings in order, and its references
// cite at least one URL.
func TestDocsCheckPages(t *testing.T) {
	index := readDoc(t, "README.md")
	for _, c := range documentedChecks() {
		t.Run(c.Slug, func(t *testing.T) {
			name := c.Slug + ".md"
			if !strings.Contains(index, "]("+name+")") {
				t.Errorf("docs/checks/README.md does not link %s (want a row linking [%s](%s))", c.Slug, c.Slug, name)
			}
			page := readDoc(t, name)
			title, byline := firstLines(page)
			if want := "# " + c.Slug; title != want {
				t.Errorf("docs/checks/%s: title is %q, want %q", name, title, want)
			}
			if !strings.Contains(byline, c.ID) {
				t.Errorf("docs/checks/%s: line under the title %q does not name the ID %s", name, byline, c.ID)
			}
			if want := "severity **" + c.Severity + "**"; !strings.Contains(byline, want) {
				t.Errorf("docs/checks/%s: line under the title %q does not say %q", name, byline, want)
			}
			got := level2Headings(page)
			for i, want := range checkDocHeadings {
				switch {
				case !slices.Contains(got, want):
					t.Errorf("docs/checks/%s (%s): missing heading %q", name, c.Slug, want)
				case i >= len(got) || got[i] != want:
					t.Errorf("docs/checks/%s (%s): heading %q out of order: got %q, want %q", name, c.Slug, want, got, checkDocHeadings)
				}
			}
			for _, h := range got {
				if !slices.Contains(checkDocHeadings, h) {
					t.Errorf("docs/checks/%s (%s): unexpected heading %q (want only %q; use ### inside a section)", name, c.Slug, h, checkDocHeadings)
				}
			}
			if _, refs, ok := strings.Cut(page, "\n## References"); !ok || !strings.Contains(refs, "https://") {
				t.Errorf("docs/checks/%s (%s): ## References cites no https:// URL", name, c.Slug)
			}
		})
	}
}

// TestDocsCheckPagesNameKnownChecks checks that every page in docs/checks but
// the index is named for a check of All (or a pending one).
func TestDocsCheckPagesNameKnownChecks(t *testing.T) {
	known := map[string]bool{}
	for _, c := range documentedChecks() {
		known[c.Slug] = true
	}
	entries, err := os.ReadDir(checkDocsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "README.md" {
			continue
		}
		slug, ok := strings.CutSuffix(name, ".md")
		if !ok || !known[slug] {
			t.Errorf("docs/checks/%s names no check in rules.All() (nor a pending one): rename it to <slug>.md or remove it", name)
		}
	}
}

// TestDocsCheckLinks checks that every relative link between the check pages
// resolves, that the pages stand alone (no design notes outside the
// repository), and that the repository README links the index.
func TestDocsCheckLinks(t *testing.T) {
	entries, err := os.ReadDir(checkDocsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		page := readDoc(t, e.Name())
		for _, m := range mdLink.FindAllStringSubmatch(page, -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(checkDocsDir, filepath.FromSlash(target))); err != nil {
				t.Errorf("docs/checks/%s links %s, which does not exist", e.Name(), m[1])
			}
		}
		if strings.Contains(page, "DESIGN") {
			t.Errorf("docs/checks/%s refers to DESIGN, which is not in the repository: say it here instead", e.Name())
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "(docs/checks/README.md)") {
		t.Error("README.md does not link docs/checks/README.md")
	}
}
