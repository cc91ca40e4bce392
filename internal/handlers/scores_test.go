package handlers_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestScopePages(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	_, body := e.do(t, http.MethodGet, "/scores?scope=organization", nil)
	d := doc(t, body)
	folders := d.Find(`[data-testid="folders"] [data-testid="group-row"] a`)
	if folders.Length() == 0 {
		t.Fatal("organization page lists no folders")
	}
	// Drill down: organization -> folder -> project -> service.
	href, _ := folders.First().Attr("href")
	_, body = e.do(t, http.MethodGet, href, nil)
	d = doc(t, body)
	projects := d.Find(`[data-testid="projects"] [data-testid="group-row"] a`)
	if projects.Length() == 0 {
		t.Fatalf("folder page %s lists no projects", href)
	}
	href, _ = projects.First().Attr("href")
	resp, body := e.do(t, http.MethodGet, href, nil)
	d = doc(t, body)
	if resp.StatusCode != http.StatusOK || d.Find(`[data-testid="service-row"]`).Length() == 0 {
		t.Fatalf("project page %s: %d, no services", href, resp.StatusCode)
	}
	if d.Find(`.crumbs a`).Length() < 2 {
		t.Error("project page has no breadcrumb through its folder")
	}
	if r, _ := e.do(t, http.MethodGet, "/scores?scope=project&id=nope", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown scope = %d", r.StatusCode)
	}
	if r, _ := e.do(t, http.MethodGet, "/scores?scope=label&id="+url.QueryEscape("team=payments"), nil); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusNotFound {
		t.Errorf("label scope = %d", r.StatusCode)
	}
}

func TestReportAndExports(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	_, body := e.do(t, http.MethodGet, "/report", nil)
	d := doc(t, body)
	if d.Find(`[data-testid="report"] [data-testid="top-fix"]`).Length() == 0 {
		t.Error("report lacks the top fixes")
	}
	resp, body := e.do(t, http.MethodGet, "/exports/scores.csv", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("scores.csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]int{}
	for _, r := range recs[1:] {
		scopes[r[2]]++
	}
	if scopes["organization"] != 1 || scopes["project"] < 5 || scopes["service"] < 20 {
		t.Errorf("scopes in scores.csv = %v", scopes)
	}
	resp, body = e.do(t, http.MethodGet, "/exports/findings.csv?snapshot=1", nil)
	if resp.StatusCode != http.StatusOK || strings.Count(body, "\n") < 20 {
		t.Errorf("findings.csv: %d, %d lines", resp.StatusCode, strings.Count(body, "\n"))
	}
	if r, _ := e.do(t, http.MethodGet, "/exports/findings.csv?snapshot=99", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown snapshot = %d", r.StatusCode)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	e := newEnv(t, "dev@example.com", fileReader(filepath.Join("testdata", "formula.jsonl")))
	_, body := e.do(t, http.MethodGet, "/exports/scores.csv", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
}
