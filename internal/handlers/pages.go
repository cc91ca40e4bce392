package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/web"
)

// Overview shows scores, trend, top risks and sync status.
func (h *Handler) Overview(c echo.Context) error {
	o, err := h.posture.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	a, err := h.posture.AlertDigest(c.Request().Context(), 5)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.OverviewView(web.OverviewPage{Layout: h.layout(c, "Overview", "overview"), Overview: o,
		Alerts: a, Now: time.Now()}))
}

// Services lists services and jobs with search, project filter, sort and
// pages.
func (h *Handler) Services(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := posture.ServiceFilter{Query: c.QueryParam("q"), Project: c.QueryParam("project"), Sort: c.QueryParam("sort"), Page: page}
	l, err := h.posture.Services(f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.ServicesView(web.ServicesPage{Layout: h.layout(c, "Services", "services"), Filter: f, List: l}))
}

// ServiceDetail shows one service: callers, identity, reach, findings.
func (h *Handler) ServiceDetail(c echo.Context) error {
	id, err := pathID(c, "/services/")
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
	rows, err := h.posture.FindingRows(c.Request().Context(), d.Findings)
	if err != nil {
		return err
	}
	v, err := h.posture.Neighbours(id, 1, nil)
	if err != nil {
		return err
	}
	changes, err := h.posture.WorkloadAlerts(c.Request().Context(), id, web.MaxChanges)
	if err != nil {
		return err
	}
	l := h.layout(c, d.Row.Name, "services")
	l.Graph = true
	return h.render(c, http.StatusOK, web.ServiceView(web.ServicePage{Layout: l, ServiceDetail: d,
		Picture: h.picture(c, v), Rows: rows, Actions: h.findingActions(c), Changes: changes, Now: time.Now()}))
}

// pathID recovers a node ID from /services/{id} or /identities/{id}: the ID
// arrives URL-escaped in one segment ("%2F%2Frun.googleapis.com%2F...") or,
// from a hand-typed URL, as raw path segments. Resource names get their
// leading "//" back.
func pathID(c echo.Context, prefix string) (string, error) {
	raw := strings.TrimPrefix(c.Request().URL.EscapedPath(), prefix)
	id, err := url.PathUnescape(raw)
	if err != nil || id == "" {
		return "", echo.NewHTTPError(http.StatusBadRequest, "The ID in the URL is not valid.")
	}
	if strings.Contains(id, ".googleapis.com/") && !strings.HasPrefix(id, "//") {
		id = "//" + strings.TrimLeft(id, "/")
	}
	return id, nil
}
