package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/web"
)

// SyncPage shows the sync history and, for admins, the button to run one.
func (h *Handler) SyncPage(c echo.Context) error {
	hist, err := h.posture.History(c.Request().Context(), 50)
	if err != nil {
		return err
	}
	u, _ := userFrom(c)
	p := web.SyncPage{Layout: h.layout(c, "Sync", "sync"), Source: h.cfg.SyncSource, CanRun: h.cfg.SyncReader != nil && u.Role.Can(auth.Sync), History: hist}
	return render(c, http.StatusOK, web.SyncView(p))
}

// RunSync reads the configured source into a new snapshot. On failure the
// previous snapshot keeps serving and the failure is in the history.
func (h *Handler) RunSync(c echo.Context) error {
	if h.cfg.SyncReader == nil {
		return echo.NewHTTPError(http.StatusConflict, "This server has no sync source configured.")
	}
	u, _ := userFrom(c)
	ctx := c.Request().Context()
	sn, err := h.posture.Sync(ctx, h.cfg.SyncSource, h.cfg.SyncReader)
	detail := ""
	if err != nil {
		detail = err.Error()
	} else {
		detail = fmt.Sprintf("snapshot %d: %d assets", sn.ID, sn.Assets)
	}
	if aerr := h.store.Audit(ctx, store.AuditEntry{Actor: u.Email, Action: "sync", Target: h.cfg.SyncSource, Detail: detail,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}); aerr != nil {
		return aerr
	}
	if err != nil {
		return echo.NewHTTPError(http.StatusBadGateway, "Sync failed; the previous snapshot is still served: "+err.Error()).SetInternal(err)
	}
	return c.Redirect(http.StatusSeeOther, "/sync")
}
