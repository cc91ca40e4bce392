package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/auth"
	"github.com/runlens/runlens/internal/review"
	"github.com/runlens/runlens/internal/store"
	"github.com/runlens/runlens/web"
)

func actor(c echo.Context) review.Actor {
	u, _ := userFrom(c)
	return review.Actor{Sub: u.Subject, Email: u.Email, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
}

func changeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "Not a change set ID.")
	}
	return id, nil
}

// reviewError maps workflow errors to responses a person understands.
func reviewError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "No such change set.")
	case errors.Is(err, review.ErrUnknownFinding):
		return echo.NewHTTPError(http.StatusNotFound, "No such finding in the current snapshot.")
	case errors.Is(err, review.ErrSelfApproval), errors.Is(err, review.ErrApplyDisabled):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, review.ErrStale), errors.Is(err, review.ErrState), errors.Is(err, review.ErrNotApproved):
		return echo.NewHTTPError(http.StatusConflict, err.Error())
	case errors.Is(err, review.ErrNoteTooLong):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return err
}

// Changes lists change sets, optionally of one status.
func (h *Handler) Changes(c echo.Context) error {
	status := c.QueryParam("status")
	list, err := h.review.List(c.Request().Context(), status)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, web.ChangesView(web.ChangesPage{Layout: h.layout(c, "Change sets", "changes"), Status: status, Rows: list}))
}

// ChangeDetail shows a change set: what it fixes, the risk, the steps, its
// three renderings, its review state, and the buttons the user may use.
func (h *Handler) ChangeDetail(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	cs, err := h.review.Get(c.Request().Context(), id)
	if err != nil {
		return reviewError(err)
	}
	renderings, err := review.Renderings(cs.Plan)
	if err != nil {
		return err
	}
	// The risk links the services and identities it names when they are in
	// the snapshot served; without one it is plain text.
	g := h.graph()
	u, _ := userFrom(c)
	proposer := review.IsProposer(cs.ChangeSetRow, actor(c))
	p := web.ChangePage{Layout: h.layout(c, cs.Title, "changes"), ChangeSet: cs, Renderings: renderings, Explain: review.Explain(cs.Plan, g),
		CanApprove:  u.Role.Can(auth.Approve) && cs.Status == store.StatusProposed && !proposer,
		IsProposer:  proposer,
		CanApply:    u.Role.Can(auth.Apply) && cs.Status == store.StatusApproved && cs.AppliedBy == "" && h.review.ApplyEnabled(),
		CanExport:   cs.Status == store.StatusApproved || cs.Status == store.StatusApplied,
		ApplyOff:    !h.review.ApplyEnabled(),
		CanRollBack: u.Role.Can(auth.Propose) && review.Reversible(cs.ChangeSetRow) && !strings.HasPrefix(cs.FindingID, review.RollbackPrefix)}
	if n, ok := strings.CutPrefix(cs.FindingID, review.RollbackPrefix); ok {
		p.RollsBack = n
	}
	return h.render(c, http.StatusOK, web.ChangeView(p))
}

// Propose plans the fix of a finding and stores it for review, then shows
// the change set, or returns to the page the form was on (its "return"
// field, the finding's row). A finding with a change set under way gets no
// second: the answer is that change set (or the page the form was on).
func (h *Handler) Propose(c echo.Context) error {
	cur, err := h.posture.Current()
	if err != nil {
		return err
	}
	id, err := h.review.Propose(c.Request().Context(), cur.Report, cur.Snapshot.ID, c.Param("id"), actor(c))
	var open *store.OpenChangeSetError
	switch {
	case errors.As(err, &open):
		id = open.ID
		setFlash(c, "change-open")
	case err != nil:
		return reviewError(err)
	default:
		setFlash(c, "change-proposed")
	}
	if back := returnTo(c, ""); back != "" {
		return c.Redirect(http.StatusSeeOther, withAnchor(back, c.Param("id")))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/changes/%d", id))
}

// ProposeRollback proposes the reverse of an applied change set, for a
// second person to approve and apply.
func (h *Handler) ProposeRollback(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	rb, err := h.review.ProposeRollback(c.Request().Context(), id, actor(c))
	var open *store.OpenChangeSetError
	switch {
	case errors.As(err, &open):
		rb = open.ID
		setFlash(c, "rollback-open")
	case err != nil:
		return reviewError(err)
	default:
		setFlash(c, "rollback-proposed")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/changes/%d", rb))
}

// Approve approves a change set as it was shown (the form carries its hash).
func (h *Handler) Approve(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	if err := h.review.Approve(c.Request().Context(), id, c.FormValue("hash"), actor(c)); err != nil {
		return reviewError(err)
	}
	setFlash(c, "change-approved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/changes/%d", id))
}

// Reject rejects a change set with a note.
func (h *Handler) Reject(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	if err := h.review.Reject(c.Request().Context(), id, c.FormValue("note"), actor(c)); err != nil {
		return reviewError(err)
	}
	setFlash(c, "change-rejected")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/changes/%d", id))
}

// Apply applies an approved change set (when the operator turned apply on).
func (h *Handler) Apply(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	if err := h.review.Apply(c.Request().Context(), id, actor(c)); err != nil {
		if errors.Is(err, review.ErrApplyDisabled) || errors.Is(err, review.ErrState) || errors.Is(err, review.ErrNotApproved) || errors.Is(err, store.ErrNotFound) {
			return reviewError(err)
		}
		// The outcome is recorded on the change set; show it there.
		h.log.Warn("apply failed", "change_set", id, "err", err)
	} else {
		setFlash(c, "change-applied")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/changes/%d", id))
}

// Export downloads an approved change set as a gcloud script, Terraform, an
// IAM policy diff, or its rollback (a gcloud script).
func (h *Handler) Export(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	ext := map[string]string{"gcloud": "sh", "terraform": "tf", "diff": "diff", "rollback": "rollback.sh"}[format]
	if ext == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "format must be gcloud, terraform, diff or rollback")
	}
	var buf bytes.Buffer
	if err := h.review.Export(c.Request().Context(), &buf, id, format, actor(c)); err != nil {
		return reviewError(err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=runlens-change-%d.%s", id, ext))
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", buf.Bytes())
}

// APIChanges lists change sets as JSON.
func (h *Handler) APIChanges(c echo.Context) error {
	list, err := h.review.List(c.Request().Context(), c.QueryParam("status"))
	if err != nil {
		return err
	}
	type row struct {
		ID           int64  `json:"id"`
		Title        string `json:"title"`
		Finding      string `json:"finding"`
		Check        string `json:"check"`
		Status       string `json:"status"`
		ProposedBy   string `json:"proposedBy"`
		DecidedBy    string `json:"decidedBy,omitempty"`
		Verification string `json:"verification,omitempty"`
		ContentHash  string `json:"contentHash"` // what an approval is bound to (POST /changes/{id}/approve, hash=...)
	}
	out := []row{}
	for _, cs := range list {
		out = append(out, row{cs.ID, cs.Title, cs.FindingID, cs.Check, cs.Status, cs.ProposedBy, cs.DecidedBy, cs.Verification, cs.ContentHash})
	}
	return c.JSON(http.StatusOK, map[string]any{"changes": out})
}

// Users lists users and their roles (admin).
func (h *Handler) Users(c echo.Context) error {
	users, err := h.store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	p := web.UsersPage{Layout: h.layout(c, "Users and roles", "admin")}
	for _, u := range users {
		p.Users = append(p.Users, web.UserRow{Sub: u.Sub, Email: u.Email, Role: u.Role})
	}
	for r := auth.Viewer; r <= auth.Admin; r++ {
		p.Roles = append(p.Roles, r.String())
	}
	return h.render(c, http.StatusOK, web.UsersView(p))
}

// SetRole changes a user's role (admin); the change is audited.
func (h *Handler) SetRole(c echo.Context) error {
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown role.")
	}
	sub := c.FormValue("sub")
	u, _ := userFrom(c)
	if sub == u.Subject && role != auth.Admin {
		return echo.NewHTTPError(http.StatusConflict, "You cannot remove your own admin role; ask another admin.")
	}
	if err := h.store.SetRole(c.Request().Context(), sub, role.String(), store.AuditEntry{Actor: u.Email, Action: "user.role", Target: sub,
		Detail: role.String(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "No such user.")
		}
		return err
	}
	setFlash(c, "role-changed")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// Audit shows the audit log, newest first.
func (h *Handler) Audit(c echo.Context) error {
	log, err := h.store.AuditLog(c.Request().Context(), 500)
	if err != nil {
		return err
	}
	p := web.AuditPage{Layout: h.layout(c, "Audit log", "audit")}
	for _, e := range log {
		p.Entries = append(p.Entries, web.AuditRow{At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, ReqID: e.RequestID})
	}
	return h.render(c, http.StatusOK, web.AuditView(p))
}
