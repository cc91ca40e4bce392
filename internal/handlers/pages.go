package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/web"
)

// Overview shows scores, trend, top risks and sync status.
func (h *Handler) Overview(c echo.Context) error {
	o, err := h.posture.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.OverviewView(web.OverviewPage{Layout: h.layout(c, "Overview", "overview"), Overview: o}))
}

// Services lists services and jobs with search, project filter and sort.
func (h *Handler) Services(c echo.Context) error {
	f := posture.ServiceFilter{Query: c.QueryParam("q"), Project: c.QueryParam("project"), Sort: c.QueryParam("sort")}
	rows, projects, err := h.posture.Services(f)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.ServicesView(web.ServicesPage{Layout: h.layout(c, "Services", "services"), Filter: f, Projects: projects, Rows: rows}))
}

// ServiceDetail shows one service: callers, identity, reach, findings.
func (h *Handler) ServiceDetail(c echo.Context) error {
	id, err := serviceID(c)
	if err != nil {
		return err
	}
	d, ok, err := h.posture.Service(id)
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "No service or job with that ID in the current snapshot.")
	}
	return render(c, http.StatusOK, web.ServiceView(web.ServicePage{Layout: h.layout(c, d.Row.Name, "services"), ServiceDetail: d}))
}

// serviceID recovers a service ID from /services/{id}: the ID arrives
// URL-escaped in one segment ("%2F%2Frun.googleapis.com%2F...") or, from a
// hand-typed URL, as raw path segments.
func serviceID(c echo.Context) (string, error) {
	raw := c.Request().URL.EscapedPath()
	raw = strings.TrimPrefix(raw, "/services/")
	id, err := url.PathUnescape(raw)
	if err != nil || id == "" {
		return "", echo.NewHTTPError(http.StatusBadRequest, "The service ID in the URL is not valid.")
	}
	if !strings.HasPrefix(id, "//") {
		id = "//" + strings.TrimLeft(id, "/")
	}
	return id, nil
}

// Findings lists findings with filters.
func (h *Handler) Findings(c echo.Context) error {
	f := posture.FindingFilter{Check: c.QueryParam("check"), Severity: c.QueryParam("severity"), Project: c.QueryParam("project"), Label: c.QueryParam("label")}
	rows, checks, err := h.posture.Findings(f)
	if err != nil {
		return err
	}
	exceptions, err := h.posture.Exceptions(c.Request().Context())
	if err != nil {
		return err
	}
	u, _ := userFrom(c)
	now := time.Now()
	return render(c, http.StatusOK, web.FindingsView(web.FindingsPage{Layout: h.layout(c, "Findings", "findings"), Filter: f, Checks: checks, Rows: rows,
		CanExcept: u.Role.Can(auth.Except), Exceptions: exceptions, MinExpiry: now.AddDate(0, 0, 1).Format("2006-01-02"), Now: now}))
}

// graphLimit bounds the graph listing page.
const graphLimit = 500

// Graph lists nodes and edges, filtered by kind and bounded.
func (h *Handler) Graph(c echo.Context) error {
	kind, edge := c.QueryParam("kind"), c.QueryParam("edge")
	l, err := h.posture.GraphListing(graph.Kind(kind), graph.EdgeKind(edge), graphLimit)
	if err != nil {
		return err
	}
	p := web.GraphPage{Layout: h.layout(c, "Graph", "graph"), Kind: kind, EdgeKind: edge, Listing: l}
	for _, k := range graph.Kinds() {
		p.Kinds = append(p.Kinds, string(k))
	}
	for _, k := range graph.EdgeKinds() {
		p.EdgeKinds = append(p.EdgeKinds, string(k))
	}
	return render(c, http.StatusOK, web.GraphView(p))
}

// Changes lists change sets.
func (h *Handler) Changes(c echo.Context) error {
	return render(c, http.StatusOK, web.ChangesView(web.ChangesPage{Layout: h.layout(c, "Change sets", "changes")}))
}
