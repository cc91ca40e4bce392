package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/web"
)

// Alerts lists the alerts, newest first, under the filter in the URL (kind,
// since).
func (h *Handler) Alerts(c echo.Context) error {
	q := posture.ParseAlertQuery(c.QueryParams())
	l, err := h.posture.AlertList(c.Request().Context(), q)
	if err != nil {
		return err
	}
	u, _ := userFrom(c)
	return h.render(c, http.StatusOK, web.AlertsView(web.AlertsPage{Layout: h.layout(c, "Alerts", "alerts"), Query: q, List: l,
		CanAdmin: u.Role.Can(auth.ManageUsers), Now: time.Now()}))
}

// APIAlerts lists the alerts with the same filter as /alerts.
func (h *Handler) APIAlerts(c echo.Context) error {
	l, err := h.posture.AlertList(c.Request().Context(), posture.ParseAlertQuery(c.QueryParams()))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// AlertSettings shows whether an alert webhook is set (its host only) and
// the form to set or remove it (admin).
func (h *Handler) AlertSettings(c echo.Context) error {
	return h.alertSettings(c, http.StatusOK, "")
}

func (h *Handler) alertSettings(c echo.Context, status int, problem string) error {
	w, err := h.posture.AlertWebhook(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, status, web.AlertSettingsView(web.AlertSettingsPage{Layout: h.layout(c, "Alert webhook", "admin"), Webhook: w, Error: problem}))
}

// SetAlertWebhook sets the alert webhook's URL, or removes it
// (action=clear); the change is audited with the host only. A URL refused
// shows the page again with why, never the URL.
func (h *Handler) SetAlertWebhook(c echo.Context) error {
	raw := ""
	switch c.FormValue("action") {
	case "clear":
	case "set":
		if raw = strings.TrimSpace(c.FormValue("url")); raw == "" {
			return h.alertSettings(c, http.StatusBadRequest, "no URL was given (to stop posting alerts, remove the webhook)")
		}
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Say whether to set or to remove the webhook.")
	}
	u, _ := userFrom(c)
	_, err := h.posture.SetAlertWebhook(c.Request().Context(), raw, u.Email, c.Response().Header().Get(echo.HeaderXRequestID))
	var invalid *posture.InvalidWebhookError
	switch {
	case errors.As(err, &invalid):
		return h.alertSettings(c, http.StatusBadRequest, invalid.Reason)
	case err != nil:
		return err
	}
	if raw == "" {
		setFlash(c, "webhook-cleared")
	} else {
		setFlash(c, "webhook-set")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/alerts")
}
