package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/store"
)

// auditLine is one audit entry as a Cloud Logging structured log line:
// timestamp, severity and message are the fields Cloud Logging reads.
type auditLine struct {
	Timestamp string `json:"timestamp"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`
	ID        int64  `json:"id"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	Target    string `json:"target"`
	Detail    string `json:"detail,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// AuditExport streams the whole audit log as JSON lines, oldest first.
func (h *Handler) AuditExport(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/x-ndjson")
	c.Response().Header().Set(echo.HeaderContentDisposition, "attachment; filename=runlens-audit.jsonl")
	c.Response().WriteHeader(http.StatusOK)
	enc := json.NewEncoder(c.Response())
	return h.store.EachAudit(c.Request().Context(), func(e store.AuditEntry) error {
		return enc.Encode(auditLine{Timestamp: e.At.UTC().Format(time.RFC3339Nano), Severity: "NOTICE",
			Message: e.Actor + " " + e.Action + " " + e.Target, ID: e.ID, Actor: e.Actor, Action: e.Action,
			Target: e.Target, Detail: e.Detail, RequestID: e.RequestID})
	})
}
