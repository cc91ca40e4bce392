package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/web"
)

// Findings shows the findings view: grouped by check (the default) or the
// flat list (view=list), under the filter in the URL.
func (h *Handler) Findings(c echo.Context) error {
	ctx := c.Request().Context()
	f := posture.ParseFindingFilter(c.QueryParams())
	p := web.FindingsPage{Layout: h.layout(c, "Findings", "findings"), Filter: f, Actions: h.findingActions(c), Now: time.Now()}
	var err error
	if f.List {
		p.List, err = h.posture.Findings(ctx, f)
	} else {
		p.Groups, err = h.posture.FindingGroups(ctx, f)
	}
	if err != nil {
		return err
	}
	if p.Exceptions, err = h.posture.Exceptions(ctx); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.FindingsView(p))
}

// Finding shows one finding: its permalink.
func (h *Handler) Finding(c echo.Context) error {
	d, ok, err := h.posture.Finding(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "No finding with that ID in the stored snapshots.")
	}
	return h.render(c, http.StatusOK, web.FindingView(web.FindingPage{Layout: h.layout(c, d.Finding.Title, "findings"), FindingDetail: d,
		Actions: h.findingActions(c), Now: time.Now()}))
}

// ExportFindings downloads every finding of the view in the URL (the
// filter; all pages) as CSV or JSON (format=csv|json), streamed.
func (h *Handler) ExportFindings(c echo.Context) error {
	format := c.QueryParam("format")
	mime, ok := map[string]string{"csv": "text/csv; charset=utf-8", "json": echo.MIMEApplicationJSONCharsetUTF8}[format]
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "format must be csv or json")
	}
	if _, err := h.posture.Current(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, mime)
	c.Response().Header().Set(echo.HeaderContentDisposition, "attachment; filename=runlens-findings."+format)
	c.Response().WriteHeader(http.StatusOK)
	return h.posture.ExportFindings(c.Request().Context(), c.Response(), posture.ParseFindingFilter(c.QueryParams()), format)
}

// APIFindings lists findings with the same filter and pages as the list
// view of /findings (view=list implied).
func (h *Handler) APIFindings(c echo.Context) error {
	f := posture.ParseFindingFilter(c.QueryParams())
	f.List = true
	l, err := h.posture.Findings(c.Request().Context(), f)
	if err != nil {
		return err
	}
	rows := l.Rows
	if rows == nil {
		rows = []posture.FindingRow{}
	}
	return c.JSON(http.StatusOK, map[string]any{"findings": rows, "total": l.Total, "page": l.Page, "pages": l.Pages, "facets": facetsJSON(l.Facets)})
}

// APIFindingGroups answers the grouped view of /findings: one group per
// check, with the filter's choices and their counts.
func (h *Handler) APIFindingGroups(c echo.Context) error {
	g, err := h.posture.FindingGroups(c.Request().Context(), posture.ParseFindingFilter(c.QueryParams()))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"groups": g.Groups, "total": g.Total, "facets": facetsJSON(g.Facets)})
}

// facetsJSON is the filter's choices as the API gives them:
// {"check": [{"value", "n", "selected"}], "severity": ..., "state": ...,
// "project": ..., "label": ...}.
func facetsJSON(f posture.Facets) map[string]any {
	type facet struct {
		Value    string `json:"value"`
		N        int    `json:"n"`
		Selected bool   `json:"selected,omitempty"`
	}
	conv := func(fs []posture.Facet) []facet {
		out := make([]facet, 0, len(fs))
		for _, x := range fs {
			out = append(out, facet{x.Value, x.N, x.Selected})
		}
		return out
	}
	return map[string]any{"check": conv(f.Checks), "severity": conv(f.Severities), "state": conv(f.States),
		"project": conv(f.Projects), "label": conv(f.Labels)}
}

// findingActions is what the signed-in user may do to findings on this
// page, whose forms return to it.
func (h *Handler) findingActions(c echo.Context) web.FindingActions {
	u, _ := userFrom(c)
	return web.FindingActions{CanExcept: u.Role.Can(auth.Except), CanPropose: u.Role.Can(auth.Propose),
		MinExpiry: time.Now().AddDate(0, 0, 1).Format("2006-01-02"), Return: c.Request().URL.RequestURI()}
}

// returnTo is where a form's action goes back to: its "return" field, a
// path on this server (never another host), or fallback.
func returnTo(c echo.Context, fallback string) string {
	r := c.FormValue("return")
	if r == "" || !strings.HasPrefix(r, "/") || strings.HasPrefix(r, "//") || strings.HasPrefix(r, "/\\") || strings.ContainsAny(r, "\r\n\\") {
		return fallback
	}
	u, err := url.Parse(r)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return u.RequestURI()
}

// withAnchor appends #f-ID, the finding's row, to a return path.
func withAnchor(path, findingID string) string {
	if strings.Contains(path, "#") {
		return path
	}
	return fmt.Sprintf("%s#f-%s", path, findingID)
}
