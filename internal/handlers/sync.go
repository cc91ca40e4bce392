package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/web"
)

// SyncPage shows the sync history and, for admins, the button to run one.
func (h *Handler) SyncPage(c echo.Context) error {
	p, err := h.syncPage(c)
	if err != nil {
		return err
	}
	p.Layout = h.layout(c, "Sync", "sync")
	return h.render(c, http.StatusOK, web.SyncView(p))
}

// syncPage is the sync page's content, without the shell (the progress poll
// must not take the flash message a page would show).
func (h *Handler) syncPage(c echo.Context) (web.SyncPage, error) {
	hist, err := h.posture.History(c.Request().Context(), 50)
	if err != nil {
		return web.SyncPage{}, err
	}
	u, _ := userFrom(c)
	return web.SyncPage{Source: h.cfg.SyncSource, CanRun: h.cfg.SyncReader != nil && u.Role.Can(auth.Sync), History: hist,
		Progress: h.posture.Progress(), Now: time.Now()}, nil
}

// RunSync starts a sync of the configured source in the background and
// shows its progress on /sync. On failure the previous snapshot keeps
// serving and the failure is in the history.
func (h *Handler) RunSync(c echo.Context) error {
	if h.cfg.SyncReader == nil {
		return echo.NewHTTPError(http.StatusConflict, "This server has no sync source configured.")
	}
	u, _ := userFrom(c)
	err := h.posture.StartSync(h.cfg.SyncSource, h.cfg.SyncReader)
	if errors.Is(err, posture.ErrSyncRunning) {
		return echo.NewHTTPError(http.StatusConflict, "A sync is already running.")
	}
	if err != nil {
		return err
	}
	if err := h.store.Audit(c.Request().Context(), store.AuditEntry{Actor: u.Email, Action: "sync.start", Target: h.cfg.SyncSource,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}); err != nil {
		return err
	}
	setFlash(c, "sync-started")
	return c.Redirect(http.StatusSeeOther, "/sync")
}

// CancelSync stops the running sync; the previous snapshot keeps serving.
func (h *Handler) CancelSync(c echo.Context) error {
	u, _ := userFrom(c)
	if !h.posture.CancelSync() {
		return echo.NewHTTPError(http.StatusConflict, "No sync is running.")
	}
	if err := h.store.Audit(c.Request().Context(), store.AuditEntry{Actor: u.Email, Action: "sync.cancel", Target: h.cfg.SyncSource,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}); err != nil {
		return err
	}
	setFlash(c, "sync-cancelled")
	return c.Redirect(http.StatusSeeOther, "/sync")
}

// SyncProgress is the progress fragment /sync polls while a sync runs.
// Once the sync has ended, htmx's poll also gets the Run button and the
// history (out-of-band swaps), so the page shows the new snapshot.
func (h *Handler) SyncProgress(c echo.Context) error {
	u, _ := userFrom(c)
	pr := h.posture.Progress()
	if pr.Running || c.Request().Header.Get("HX-Request") != "true" {
		return h.render(c, http.StatusOK, web.SyncProgress(pr, time.Now(), u.Role.Can(auth.Sync)))
	}
	p, err := h.syncPage(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.SyncDone(p))
}
