package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// flashCookie carries a one-shot message across the redirect that follows
// an action. Its value only selects one of flashes' fixed texts, so it needs
// no signature: a forged or stale cookie can show nothing but one of them,
// and no text a user typed is ever carried or shown back.
const flashCookie = "runlens_flash"

// flashes are the messages an action may leave for the next page.
var flashes = map[string]string{
	"exception-recorded": "Exception recorded: the finding is now an accepted risk until its expiry.",
	"exception-revoked":  "Exception revoked: the finding counts again.",
	"change-proposed":    "Change set proposed. A reviewer other than you must approve it before it can be applied.",
	"rollback-proposed":  "Rollback proposed as a change set of its own. A reviewer other than you must approve it before it can be applied.",
	"rollback-open":      "A rollback of that change set is already under way: here it is.",
	"change-open":        "This finding already has a change set under way, so no second one was proposed.",
	"change-approved":    "Change set approved. Download it or apply it below.",
	"change-rejected":    "Change set rejected. It can no longer be approved or applied.",
	"change-applied":     "Change set applied.",
	"sync-started":       "Sync started. This page follows its progress; the current snapshot keeps serving until it is complete.",
	"sync-cancelled":     "Sync cancelled. The previous snapshot is still being served.",
	"role-changed":       "Role changed.",
	"webhook-set":        "Alert webhook saved: the next alerts are posted to it.",
	"webhook-cleared":    "Alert webhook removed: alerts go to the log only.",
}

// setFlash leaves the message of key for the next page this browser shows.
func setFlash(c echo.Context, key string) {
	if _, ok := flashes[key]; !ok {
		panic("handlers: unknown flash " + key) // a programming error
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the message left for this page, if any, and clears it
// so that it is shown once.
func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	return flashes[ck.Value]
}
