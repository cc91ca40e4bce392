package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/posture"
)

// APIScan returns the scan document of the current snapshot, in the shape
// of `runlens scan --format json`.
func (h *Handler) APIScan(c echo.Context) error {
	cur, err := h.posture.Current()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cur.Report.JSON())
}

// APIGraph returns the graph document, in the shape of `runlens graph`.
func (h *Handler) APIGraph(c echo.Context) error {
	cur, err := h.posture.Current()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cur.Report.GraphDocument())
}

// APIServices lists services with the same filters and pages as
// /services.
func (h *Handler) APIServices(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	l, err := h.posture.Services(posture.ServiceFilter{Query: c.QueryParam("q"), Project: c.QueryParam("project"), Sort: c.QueryParam("sort"), Page: page})
	if err != nil {
		return err
	}
	rows := l.Rows
	if rows == nil {
		rows = []posture.ServiceRow{}
	}
	return c.JSON(http.StatusOK, map[string]any{"services": rows, "total": l.Total, "page": l.Page, "pages": l.Pages})
}
