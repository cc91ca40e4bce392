package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	xrate "golang.org/x/time/rate"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/web"
)

// Routes returns the Echo server with every route registered, method and
// path visible, grouped by page.
func (h *Handler) Routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.ErrorHandler
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(securityHeaders(h.cfg.DevUser != ""))
	if h.cfg.DevUser != "" {
		// DNS rebinding: dev mode answers only loopback names.
		e.Use(devHostOnly)
	}
	// CSRF: every state-changing request must be same-origin (Sec-Fetch-Site
	// / Origin checks of net/http's CrossOriginProtection).
	e.Use(echo.WrapMiddleware(http.NewCrossOriginProtection().Handler))
	e.Use(h.authenticate)
	// At most RateLimit requests a second (bursts of three times that) per
	// signed-in identity, per anonymous address otherwise.
	rate := h.cfg.RateLimit
	if rate == 0 {
		rate = 20
	}
	e.Use(middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: xrate.Limit(rate), Burst: int(3 * rate), ExpiresIn: 3 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) {
			if u, ok := userFrom(c); ok {
				return "user:" + u.Subject, nil
			}
			return "ip:" + c.RealIP(), nil
		},
		Skipper: func(c echo.Context) bool { return rate < 0 || c.Request().URL.Path == "/healthz" },
	}))
	// Request bodies: at most 64 KiB (413 beyond); fields have their own
	// limits in the domain (400 naming the field).
	e.Use(limitBody)

	// Health and static files (no user needed).
	e.GET("/healthz", h.Healthz)
	e.GET("/static/*", h.Static)
	e.GET("/favicon.ico", h.Favicon)

	// Overview, score drill-down, report and exports.
	e.GET("/", h.Overview)
	e.GET("/scores", h.Scope)
	e.GET("/report", h.Report)
	e.GET("/exports/scores.csv", h.ExportCSV)
	e.GET("/exports/findings.csv", h.ExportCSV)
	// Services and a service's detail (the ID is URL-escaped into one segment
	// or spread over the wildcard).
	e.GET("/services", h.Services)
	e.GET("/services/*", h.ServiceDetail)
	// Findings (grouped by check, or the list; the filter in the URL), the
	// view's export, a finding's page, and exceptions (accepted risks).
	e.GET("/findings", h.Findings)
	e.GET("/findings/export", h.ExportFindings)
	e.GET("/findings/:id", h.Finding)
	e.POST("/findings/:id/exception", h.AddException, require(auth.Except))
	e.POST("/exceptions/:id/revoke", h.RevokeException, require(auth.Except))
	// Alerts: drift and new findings, newest first.
	e.GET("/alerts", h.Alerts)
	// Graph explorer and identities.
	e.GET("/graph", h.Graph)
	e.GET("/identities/*", h.Identity)
	// Change sets: propose from a finding, review, export, apply.
	e.GET("/changes", h.Changes)
	e.GET("/changes/:id", h.ChangeDetail)
	e.GET("/changes/:id/export", h.Export)
	e.POST("/findings/:id/propose", h.Propose, require(auth.Propose))
	e.POST("/changes/:id/approve", h.Approve, require(auth.Approve))
	e.POST("/changes/:id/reject", h.Reject, require(auth.Approve))
	e.POST("/changes/:id/apply", h.Apply, require(auth.Apply))
	e.POST("/changes/:id/rollback", h.ProposeRollback, require(auth.Propose))
	// Audit log, users and the alert webhook.
	e.GET("/audit", h.Audit, require(auth.ReadAudit))
	e.GET("/audit.jsonl", h.AuditExport, require(auth.ReadAudit))
	e.GET("/admin/users", h.Users, require(auth.ManageUsers))
	e.POST("/admin/users", h.SetRole, require(auth.ManageUsers))
	e.GET("/admin/alerts", h.AlertSettings, require(auth.ManageUsers))
	e.POST("/admin/alerts", h.SetAlertWebhook, require(auth.ManageUsers))
	// Sync: history and a run.
	e.GET("/sync", h.SyncPage)
	e.POST("/sync", h.RunSync, require(auth.Sync))
	e.GET("/sync/progress", h.SyncProgress)
	e.POST("/sync/cancel", h.CancelSync, require(auth.Sync))

	// JSON API.
	api := e.Group("/api/v1")
	api.GET("/scan", h.APIScan)
	api.GET("/graph", h.APIGraph)
	api.GET("/services", h.APIServices)
	api.GET("/findings", h.APIFindings)
	api.GET("/findings/groups", h.APIFindingGroups)
	api.GET("/graph/search", h.APIGraphSearch)
	api.GET("/graph/neighbours", h.APIGraphNeighbours)
	api.GET("/graph/reach", h.APIGraphReach)
	api.GET("/graph/path", h.APIGraphPath)
	api.GET("/graph/blast-radius", h.APIGraphBlastRadius)
	api.GET("/changes", h.APIChanges)
	api.GET("/alerts", h.APIAlerts)
	return e
}

// Static serves the embedded static files; URLs carry a content hash, so
// they may be cached for a year.
func (h *Handler) Static(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return echo.StaticFileHandler(c.Param("*"), web.Static())(c)
}

// Favicon sends clients that ask for /favicon.ico without reading the
// page's <link rel="icon"> to the SVG icon.
func (h *Handler) Favicon(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, web.Asset("favicon.svg"))
}

// Healthz answers cheaply whether the process and its database are up.
func (h *Handler) Healthz(c echo.Context) error {
	if err := h.store.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}
