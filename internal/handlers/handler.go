// Package handlers is runlens's HTTP layer (Echo v4): it authenticates the
// request, binds input, calls one domain operation and renders a templ view
// or JSON. No SQL and no rule logic live here.
package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/web"
)

// Config is the server's configuration.
type Config struct {
	// DevUser, when set, skips IAP and acts as this email (loopback only;
	// the caller checks the address).
	DevUser string
	// DevAlsoUsers are further dev-mode identities a request may act as
	// by naming one in the X-Runlens-Dev-User header: two people on one
	// machine, to try (or load-test) the two-person approval. Dev mode only;
	// every dev identity is an admin, so naming one grants nothing more.
	DevAlsoUsers []string
	// FirstAdmin is the email whose account becomes admin on sign-in while
	// no user is admin (users are keyed on the IAP subject: a second
	// account with the same email is not made admin once one is).
	FirstAdmin string
	// SyncSource describes what POST /sync reads ("demo", "files: ...").
	SyncSource string
	// SyncReader reads the inventory for POST /sync; nil disables it.
	SyncReader posture.Reader
	// RateLimit is the requests per second one identity may make (0: 20;
	// negative: no limit).
	RateLimit float64
}

// Handler holds the dependencies of every handler.
type Handler struct {
	posture  *posture.Service
	review   *review.Service
	store    *store.Store
	verifier *auth.Verifier // nil in dev mode
	cfg      Config
	log      *slog.Logger
}

// New returns a Handler. verifier may be nil only when cfg.DevUser is set.
func New(p *posture.Service, rv *review.Service, st *store.Store, verifier *auth.Verifier, cfg Config, log *slog.Logger) (*Handler, error) {
	if verifier == nil && cfg.DevUser == "" {
		return nil, errors.New("handlers: an IAP verifier is required outside dev mode")
	}
	return &Handler{posture: p, review: rv, store: st, verifier: verifier, cfg: cfg, log: log}, nil
}

// render writes a templ component with status. Names on the page are read
// from the graph of the state being served (web.WithGraph).
func (h *Handler) render(c echo.Context, status int, t templ.Component) error {
	return writePage(web.WithGraph(c.Request().Context(), h.graph()), c, status, t)
}

// writePage renders t whole, then sends it with its length; a component
// that fails sends nothing (the error handler answers).
func writePage(ctx context.Context, c echo.Context, status int, t templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledPage {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := t.Render(ctx, buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// pageBuffers are the buffers pages are rendered into, whole, before they are
// sent with their length in one write: written as templ renders it, a page
// of 150 KB went out in chunks of 4 KB, each a write to the connection, and
// a page that failed half-way could only be cut short (now it is an error
// page).
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page.
const maxPooledPage = 1 << 20

// graph is the graph of the state being served, or nil before the first
// sync: names are then read from IDs alone.
func (h *Handler) graph() *graph.Graph {
	cur, err := h.posture.Current()
	if err != nil {
		return nil
	}
	return cur.Report.Graph
}

// layout builds the page shell for the signed-in user.
func (h *Handler) layout(c echo.Context, title, nav string) web.Layout {
	l := web.Layout{Title: title, Nav: nav, Dev: h.cfg.DevUser != ""}
	u, ok := userFrom(c)
	if !ok {
		return l // nothing about the deployment for a request that did not sign in
	}
	l.User, l.Role = u.Email, u.Role.String()
	l.Flash = takeFlash(c)
	if cur, err := h.posture.Current(); err == nil {
		l.Serving = cur.Snapshot.Source + " · " + cur.Snapshot.CreatedAt.Format("2006-01-02 15:04 MST")
	}
	return l
}

// ErrorHandler is Echo's HTTPErrorHandler: it logs once with request fields
// and renders an error fragment for htmx, JSON for the API, a page otherwise.
func (h *Handler) ErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Something went wrong; the error has been logged."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
	case errors.Is(err, posture.ErrNoSnapshot):
		status, msg = http.StatusServiceUnavailable, "No snapshot has been synced yet. An admin can run one on the Sync page (/sync), or with runlens sync on the command line."
	case errors.Is(err, context.Canceled):
		status, msg = 499, "request cancelled"
	case errors.As(err, new(*http.MaxBytesError)):
		status, msg = errBodyTooLarge.Code, errBodyTooLarge.Message.(string)
	}
	req := c.Request()
	attrs := []any{"method", req.Method, "path", req.URL.Path, "status", status, "request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
	if status >= 500 {
		h.log.Error("request failed", append(attrs, "err", err)...)
	} else {
		h.log.Info("request refused", append(attrs, "err", err)...)
	}
	var rerr error
	switch {
	case isAPI(req):
		rerr = c.JSON(status, map[string]string{"error": msg})
	case req.Header.Get("HX-Request") == "true":
		rerr = h.render(c, status, web.ErrorFragment(status, msg))
	default:
		rerr = h.render(c, status, web.ErrorView(web.ErrorPage{Layout: h.layout(c, http.StatusText(status), ""), Status: status, Message: msg}))
	}
	if rerr != nil {
		h.log.Error("render error", "err", rerr)
	}
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 8 && r.URL.Path[:8] == "/api/v1/"
}
