package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/store"
)

// AddException accepts the risk of a finding: owner, reason and an expiry
// date (YYYY-MM-DD, end of that day UTC). It returns to the page the form
// was on (its "return" field, the finding's row), else to the exceptions.
func (h *Handler) AddException(c echo.Context) error {
	day, err := time.Parse("2006-01-02", c.FormValue("expires"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The expiry must be a date (YYYY-MM-DD).")
	}
	u, _ := userFrom(c)
	_, err = h.posture.AddException(c.Request().Context(), posture.ExceptionRequest{
		FindingID: c.Param("id"), Owner: c.FormValue("owner"), Reason: c.FormValue("reason"),
		Expires: day.Add(24*time.Hour - time.Second), Actor: u.Email, RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	})
	switch {
	case errors.Is(err, posture.ErrUnknownFinding):
		return echo.NewHTTPError(http.StatusNotFound, "No such finding in the current snapshot.")
	case errors.Is(err, store.ErrInvalidException):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	case err != nil:
		return err
	}
	setFlash(c, "exception-recorded")
	if back := returnTo(c, ""); back != "" {
		return c.Redirect(http.StatusSeeOther, withAnchor(back, c.Param("id")))
	}
	return c.Redirect(http.StatusSeeOther, "/findings#exceptions")
}

// RevokeException ends an exception early, and returns to the page the
// form was on.
func (h *Handler) RevokeException(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Not an exception ID.")
	}
	u, _ := userFrom(c)
	err = h.posture.RevokeException(c.Request().Context(), id, u.Email, c.Response().Header().Get(echo.HeaderXRequestID))
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "No such active exception.")
	}
	if err != nil {
		return err
	}
	setFlash(c, "exception-revoked")
	return c.Redirect(http.StatusSeeOther, returnTo(c, "/findings#exceptions"))
}
