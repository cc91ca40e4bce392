package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
)

// BenchmarkPages20k renders the pages managers and reviewers open most on a
// generated organization of 20,000 services (400 projects x 50), through
// the real routes (issue: the overview under 100 ms; issue 15: the
// findings views and a finding's page too). A findings view repeated is
// answered from the filter's memo; the first of each filter per served
// state and change-set version is one pass over the findings.
func BenchmarkPages20k(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps := posture.New(st, iam.MustPredefined(), log, 0)
	if _, err := ps.Sync(ctx, "generated 400x50", generatedReader(demo.Size{Projects: 400, ServicesPerProject: 50})); err != nil {
		b.Fatal(err)
	}
	h, err := handlers.New(ps, review.New(st, nil, 0), st, nil, handlers.Config{DevUser: "bench@example.com", RateLimit: -1}, log)
	if err != nil {
		b.Fatal(err)
	}
	srv := h.Routes()
	list, _ := ps.Services(posture.ServiceFilter{})
	svc := list.Rows[len(list.Rows)/2].ID
	fl, err := ps.Findings(ctx, posture.FindingFilter{List: true, Page: 2})
	if err != nil {
		b.Fatal(err)
	}
	finding := fl.Rows[0].ID
	for _, p := range []struct{ name, path string }{
		{"overview", "/"},
		{"services", "/services"},
		{"services-search", "/services?q=svc-01"},
		{"service-detail", "/services/" + url.PathEscape(svc)},
		{"neighbours-api", "/api/v1/graph/neighbours?depth=2&id=" + url.QueryEscape(svc)},
		{"findings-grouped", "/findings"},
		{"findings-list", "/findings?view=list"},
		{"findings-filtered", "/findings?severity=high&severity=critical&project=" + url.QueryEscape(list.Rows[0].Project)},
		{"findings-api", "/api/v1/findings?page=3"},
		{"finding-page", "/findings/" + finding},
	} {
		b.Run(p.name, func(b *testing.B) {
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, loopbackGet(p.path))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s = %d", p.path, rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
	// The neighbourhoods of 2,000 services in turn: more than the memo of
	// answers holds, so this is the cost of computing one.
	var cold []string
	for page := 1; page <= 20; page++ {
		l, _ := ps.Services(posture.ServiceFilter{Page: page})
		for _, r := range l.Rows {
			cold = append(cold, "/api/v1/graph/neighbours?depth=2&id="+url.QueryEscape(r.ID))
		}
	}
	b.Run("neighbours-api-cold", func(b *testing.B) {
		i := 0
		for b.Loop() {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, loopbackGet(cold[i%len(cold)]))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s = %d", cold[i%len(cold)], rec.Code)
			}
			i++
		}
	})
}

// loopbackGet is a GET of path addressed to a loopback name, as dev mode
// (which answers only those) requires.
func loopbackGet(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = "127.0.0.1"
	return r
}
