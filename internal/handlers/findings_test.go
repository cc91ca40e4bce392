package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
)

// The findings list is paged, page and API alike, with the filter kept
// from page to page: a large organization has hundreds of thousands of
// findings, and the list once sent them all.
func TestFindingsPages(t *testing.T) {
	e := newEnv(t, "dev@example.com", generatedReader(demo.Size{Projects: 5, ServicesPerProject: 50}))

	_, body := e.do(t, http.MethodGet, "/api/v1/findings?page=2", nil)
	var api struct {
		Findings []struct {
			ID string `json:"ID"`
		} `json:"findings"`
		Total, Page, Pages int
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatalf("GET /api/v1/findings: %v: %.200s", err, body)
	}
	if api.Total <= posture.FindingsPageSize || api.Page != 2 || api.Pages != (api.Total+posture.FindingsPageSize-1)/posture.FindingsPageSize ||
		len(api.Findings) != min(posture.FindingsPageSize, api.Total-posture.FindingsPageSize) {
		t.Fatalf("GET /api/v1/findings?page=2: total %d, page %d, pages %d, %d findings", api.Total, api.Page, api.Pages, len(api.Findings))
	}

	resp, body := e.do(t, http.MethodGet, "/findings?severity=high&page=2", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /findings = %d", resp.StatusCode)
	}
	d := doc(t, body)
	rows := d.Find(`[data-testid="finding"]`)
	if rows.Length() == 0 || rows.Length() > posture.FindingsPageSize {
		t.Fatalf("page 2 of the high findings shows %d rows", rows.Length())
	}
	rows.Each(func(_ int, s *goquery.Selection) {
		if sev := strings.TrimSpace(s.Find("td").First().Text()); !strings.Contains(sev, "high") {
			t.Errorf("a %q finding in a list filtered on high", sev)
		}
	})
	if count := d.Find(`[data-testid="findings-count"]`).Text(); !strings.Contains(count, "page 2 of") {
		t.Errorf("count line = %q, want the page", count)
	}
	prev, ok := d.Find(`[data-testid="pager"] a[rel="prev"]`).Attr("href")
	if !ok {
		t.Fatal("no link to page 1")
	}
	u, err := url.Parse(prev)
	if err != nil || u.Path != "/findings" || u.Query().Get("page") != "1" || u.Query().Get("severity") != "high" {
		t.Errorf("previous page link %q: want /findings, page 1, severity kept", prev)
	}
}

// generatedReader reads a generated organization of size, streamed from the
// generator as `serve --demo-size` reads it.
func generatedReader(size demo.Size) posture.Reader {
	return func(context.Context, func(posture.ReadProgress)) (*inventory.Inventory, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.Generate(pw, size, 1)) }()
		r := inventory.NewReader()
		if err := r.Read("generated.jsonl", pr); err != nil {
			return nil, err
		}
		return r.Inventory(), nil
	}
}
