package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/handlers"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
)

// BenchmarkPages20k renders the pages on a generated organization of
// 20,000 services (400 projects x 50); see benchPages.
func BenchmarkPages20k(b *testing.B) {
	benchPages(b, demo.Size{Projects: 400, ServicesPerProject: 50})
}

// BenchmarkPages50k renders the pages on a generated organization of
// 50,000 services (1,000 projects x 50), the size of the page budget
// (issue 15: every page under 100 ms of server time); see benchPages.
// Building the organization takes a few minutes.
func BenchmarkPages50k(b *testing.B) {
	benchPages(b, demo.Size{Projects: 1000, ServicesPerProject: 50})
}

// benchPages renders, through the real routes, every page the browser test
// visits (TestBrowserEveryPage), and the neighbourhood the graph pictures
// ask for, on a generated organization of size. A findings view repeated is
// answered from the filter's memo; the first of each filter per served
// state and change-set version is one pass over the findings.
func benchPages(b *testing.B, size demo.Size) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ps := posture.New(st, iam.MustPredefined(), log, 0)
	if _, err := ps.Sync(ctx, "generated "+size.String(), generatedReader(size)); err != nil {
		b.Fatal(err)
	}
	h, err := handlers.New(ps, review.New(st, nil, 0), st, nil, handlers.Config{DevUser: "bench@example.com", RateLimit: -1}, log)
	if err != nil {
		b.Fatal(err)
	}
	srv := h.Routes()
	list, _ := ps.Services(posture.ServiceFilter{})
	row := list.Rows[len(list.Rows)/2]
	shared, _ := ps.Services(posture.ServiceFilter{Query: "-shared@"})
	if len(shared.Rows) == 0 {
		b.Fatal("no service runs as a project's shared account")
	}
	fl, err := ps.Findings(ctx, posture.FindingFilter{List: true, Page: 2})
	if err != nil {
		b.Fatal(err)
	}
	finding := fl.Rows[0].ID
	// A change set to review: the fix of another finding.
	propose := httptest.NewRequest(http.MethodPost, "/findings/"+fl.Rows[1].ID+"/propose", strings.NewReader(""))
	propose.Host = "127.0.0.1"
	propose.Header.Set("Sec-Fetch-Site", "same-origin")
	propose.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, propose)
	change := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(change, "/changes/") {
		b.Fatalf("propose = %d to %q", rec.Code, change)
	}
	// A public service, for a path from allUsers through it.
	var public posture.ServiceRow
	for page := 1; public.ID == "" && page <= list.Pages; page++ {
		l, _ := ps.Services(posture.ServiceFilter{Page: page})
		if i := slices.IndexFunc(l.Rows, func(r posture.ServiceRow) bool { return r.Public }); i >= 0 {
			public = l.Rows[i]
		}
	}
	if public.ID == "" {
		b.Fatal("no public service")
	}
	for _, p := range []struct {
		name, path string
		status     int // 0 is 200
	}{
		{"overview", "/", 0},
		{"services", "/services", 0},
		{"services-search", "/services?q=svc-01", 0},
		{"service-detail", "/services/" + url.PathEscape(row.ID), 0},
		// The worst-scored service, which scripts/load.sh asks for: the
		// most findings and the busiest neighbourhood.
		{"service-detail-worst", "/services/" + url.PathEscape(list.Rows[0].ID), 0},
		{"neighbours-api", "/api/v1/graph/neighbours?depth=2&id=" + url.QueryEscape(row.ID), 0},
		{"findings-grouped", "/findings", 0},
		{"findings-list", "/findings?view=list", 0},
		{"findings-filtered", "/findings?severity=high&severity=critical&project=" + url.QueryEscape(list.Rows[0].Project), 0},
		{"findings-api", "/api/v1/findings?page=3", 0},
		{"finding-page", "/findings/" + finding, 0},
		{"graph", "/graph", 0},
		{"graph-search", "/graph?q=" + url.QueryEscape(row.Name), 0},
		{"graph-focus", "/graph?focus=" + url.QueryEscape(row.ID), 0},
		{"graph-path", "/graph?query=path&from=allUsers&to=" + url.QueryEscape("serviceAccount:"+public.Identity), 0},
		{"graph-path-service", "/graph?query=path&from=allUsers&to=" + url.QueryEscape(public.ID), 0},
		{"graph-path-none", "/graph?query=path&from=allUsers&to=" + url.QueryEscape(row.ID), 0},
		{"graph-path-ambiguous", "/graph?query=path&from=svc&to=allUsers", 0},
		{"graph-kind-services", "/graph?q=services", 0},
		{"graph-kind-accounts", "/graph?q=service+accounts+prod", 0},
		{"question-public-data", "/graph?question=public-data", 0},
		{"question-act-as-editor", "/graph?question=act-as-editor", 0},
		{"question-internet-services", "/graph?question=internet-services", 0},
		{"identity", "/identities/" + url.PathEscape("serviceAccount:"+row.Identity), 0},
		{"identity-shared", "/identities/" + url.PathEscape("serviceAccount:"+shared.Rows[0].Identity), 0},
		{"changes", "/changes", 0},
		{"change", change, 0},
		{"sync", "/sync", 0},
		{"audit", "/audit", 0},
		{"users", "/admin/users", 0},
		{"scores-org", "/scores?scope=organization", 0},
		{"scores-project", "/scores?scope=project&id=" + url.QueryEscape(row.ProjectScope), 0},
		{"report", "/report", 0},
		{"not-found", "/findings/0000000000000000", http.StatusNotFound},
	} {
		want := p.status
		if want == 0 {
			want = http.StatusOK
		}
		b.Run(p.name, func(b *testing.B) {
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, loopbackGet(p.path))
				if rec.Code != want {
					b.Fatalf("%s = %d, want %d", p.path, rec.Code, want)
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
