package handlers

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
)

// User is the signed-in user of a request.
type User struct {
	Subject string
	Email   string
	Role    auth.Role
}

const userKey = "runlens.user"

func userFrom(c echo.Context) (User, bool) {
	u, ok := c.Get(userKey).(User)
	return u, ok
}

// securityHeaders sets a strict CSP (no inline script or style) and the
// usual hardening headers on every response.
func securityHeaders(dev bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if !dev {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// devHostOnly refuses, in dev mode, every request whose Host is not
// localhost or a loopback IP (auth.CheckDevHost): dev mode acts as the dev
// user without asking, so a site re-pointing its own name at 127.0.0.1 (DNS
// rebinding) must not be answered.
func devHostOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := auth.CheckDevHost(c.Request().Host); err != nil {
			return echo.NewHTTPError(http.StatusForbidden,
				"Dev mode answers only requests addressed to localhost, 127.0.0.1 or [::1]: open it by one of those names.").SetInternal(err)
		}
		return next(c)
	}
}

// maxBody is the largest request body runlens reads. Its forms hold a few
// short fields, the longest an exception's reason: store.MaxExceptionReason
// characters, at most 24,000 bytes percent-encoded.
const maxBody = 64 << 10

// errBodyTooLarge is the answer to a request body over maxBody.
var errBodyTooLarge = echo.NewHTTPError(http.StatusRequestEntityTooLarge,
	fmt.Sprintf("The request body is larger than the %d KiB runlens accepts.", maxBody>>10))

// limitBody refuses a request body over maxBody with 413, whether its
// length is declared or not (the body is read through http.MaxBytesReader).
// It parses the form of a POST, PUT or PATCH here, so that an oversized or
// malformed form is an error, not — as Echo's FormValue, which drops parse
// errors, would have it — empty fields.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > maxBody {
			return errBodyTooLarge
		}
		r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, maxBody)
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			return next(c)
		}
		var err error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt == echo.MIMEMultipartForm {
			err = r.ParseMultipartForm(maxBody)
		} else {
			err = r.ParseForm()
		}
		if errors.As(err, new(*http.MaxBytesError)) {
			return errBodyTooLarge
		}
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.").SetInternal(err)
		}
		return next(c)
	}
}

// DevUserHeader names, in dev mode, which of the dev users a request acts
// as (Config.DevAlsoUsers).
const DevUserHeader = "X-Runlens-Dev-User"

// authenticate establishes the user of every request but /healthz, the
// favicon and the static files: from the IAP assertion in production (the
// email header is never trusted alone), or the dev user in dev mode.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if p == "/healthz" || p == "/favicon.ico" || strings.HasPrefix(p, "/static/") {
			return next(c)
		}
		var sub, email string
		if h.cfg.DevUser != "" {
			email = h.cfg.DevUser
			if as := c.Request().Header.Get(DevUserHeader); as != "" {
				i := slices.IndexFunc(h.cfg.DevAlsoUsers, func(u string) bool { return strings.EqualFold(u, as) })
				if i < 0 && !strings.EqualFold(as, h.cfg.DevUser) {
					return echo.NewHTTPError(http.StatusForbidden, "That dev user was not started with the server (--dev-user).")
				}
				if i >= 0 {
					email = h.cfg.DevAlsoUsers[i]
				}
			}
			sub = "dev:" + email
		} else {
			id, err := h.verifier.FromRequest(c.Request())
			if err != nil {
				return echo.NewHTTPError(http.StatusUnauthorized, "A valid Identity-Aware Proxy assertion is required.").SetInternal(err)
			}
			sub, email = id.Subject, id.Email
		}
		// Every dev identity is an admin. In production a new user is a
		// viewer; the configured first admin's email makes its user admin
		// only while nobody is (the store decides, atomically), even if
		// they signed in before the setting was made — never a second
		// account (another IAP subject) asserting the same email.
		role, firstAdmin := "viewer", false
		if h.cfg.DevUser != "" {
			role = "admin"
		} else {
			firstAdmin = h.cfg.FirstAdmin != "" && strings.EqualFold(email, h.cfg.FirstAdmin)
		}
		u, err := h.store.SignIn(c.Request().Context(), sub, email, role, firstAdmin)
		if err != nil {
			return err
		}
		r, err := auth.ParseRole(u.Role)
		if err != nil {
			return err
		}
		c.Set(userKey, User{Subject: sub, Email: u.Email, Role: r})
		return next(c)
	}
}

// require refuses the request unless the user's role allows a.
func require(a auth.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, ok := userFrom(c)
			if !ok || !u.Role.Can(a) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role does not allow this.")
			}
			return next(c)
		}
	}
}
