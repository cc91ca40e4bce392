package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/web"
)

// Scope drills into the score of the organization, a folder, a project or a
// label value.
func (h *Handler) Scope(c echo.Context) error {
	kind := c.QueryParam("scope")
	if kind == "" {
		kind = posture.ScopeOrganization
	}
	sc, err := h.posture.Scope(c.Request().Context(), kind, c.QueryParam("id"))
	if errors.Is(err, posture.ErrUnknownScope) {
		return echo.NewHTTPError(http.StatusNotFound, "No score for that scope in the current snapshot.")
	}
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.ScopeView(web.ScopePage{Layout: h.layout(c, sc.Score.Label, "overview"), Scope: sc}))
}

// Report is the one-page printable summary a manager forwards.
func (h *Handler) Report(c echo.Context) error {
	o, err := h.posture.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.ReportView(web.ReportPage{Layout: h.layout(c, "Posture report", "overview"), Overview: o}))
}

// ExportCSV downloads the scores or findings of a snapshot as CSV.
func (h *Handler) ExportCSV(c echo.Context) error {
	id, err := strconv.ParseInt(c.QueryParam("snapshot"), 10, 64)
	if err != nil {
		cur, cerr := h.posture.Current()
		if cerr != nil {
			return cerr
		}
		id = cur.Snapshot.ID
	}
	write, name := h.posture.ScoresCSV, "scores"
	if c.Path() == "/exports/findings.csv" {
		write, name = h.posture.FindingsCSV, "findings"
	}
	// Render into memory first, so a failure is an error page, not half a file.
	var buf bytes.Buffer
	if err := write(c.Request().Context(), &buf, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "No such snapshot.")
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=runlens-%s-snapshot-%d.csv", name, id))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
