// Package notify sends alerts where people see them: a structured log line
// Cloud Logging understands (severity, message, labels an alerting policy
// can match), and a chat webhook (Slack- and Google Chat-compatible JSON).
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/store"
)

// LevelCritical is Cloud Logging's CRITICAL, above slog's ERROR.
const LevelCritical = slog.Level(12)

// Level is the log level of an alert of severity sev: critical alerts are
// CRITICAL, high ERROR, medium WARNING, low INFO.
func Level(sev string) slog.Level {
	switch sev {
	case "critical":
		return LevelCritical
	case "high":
		return slog.LevelError
	case "medium":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// CloudSeverity names a slog level as Cloud Logging's LogSeverity
// (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#logseverity).
func CloudSeverity(l slog.Level) string {
	switch {
	case l >= LevelCritical:
		return "CRITICAL"
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// Log writes each alert as one log line: its message, its severity, and
// labels (logging.googleapis.com/labels: runlens_alert, kind, event, check,
// service, project) an alerting policy or a log-based metric can match.
func Log(ctx context.Context, log *slog.Logger, alerts []store.Alert) {
	for _, a := range alerts {
		labels := map[string]string{"runlens_alert": "true", "kind": a.Kind, "event": a.Event, "severity": a.Severity}
		if a.Kind == store.AlertFinding {
			labels["check"] = a.Event
		}
		if a.Workload != "" {
			labels["service"] = a.Workload
		}
		if a.Project != "" {
			labels["project"] = a.Project
		}
		attrs := []slog.Attr{slog.Any("logging.googleapis.com/labels", labels), slog.Int64("alert_id", a.ID),
			slog.String("subject", a.Subject), slog.String("source", a.Source)}
		if a.FindingID != "" {
			attrs = append(attrs, slog.String("finding_id", a.FindingID))
		}
		if !a.ChangedAt.IsZero() {
			attrs = append(attrs, slog.Time("changed_at", a.ChangedAt))
		}
		log.LogAttrs(ctx, Level(a.Severity), a.Message, attrs...)
	}
}

// Webhook posts alerts to a chat webhook: {"text": ...}, which Slack
// incoming webhooks and Google Chat space webhooks both take. The URL is a
// secret (it carries the token that lets anyone post): it is never logged.
type Webhook struct {
	Client  *http.Client // nil: one with a 10 s timeout
	Retries int          // attempts after the first, on a network error, 429 or 5xx (default 3)
	Backoff time.Duration
	// DigestOver is how many alerts of one batch are sent one by one; more
	// become one digest message (default 3).
	DigestOver int
	// Console is the console's address, linked from the messages ("" for none).
	Console string
}

// SettingWebhook is the console setting (store.Setting) that holds the
// webhook's URL; an admin sets it on the console's alerts settings page.
const SettingWebhook = "alerts.webhook_url"

// ValidateURL says what is wrong with a webhook URL: it must be HTTPS, with
// a host, and no user information.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "https":
		return errors.New("not HTTPS: the alerts would cross the network in clear text")
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil:
		return errors.New("credentials in the URL are not accepted")
	}
	return nil
}

// Messages returns the texts to post for a batch of alerts: one per alert,
// or one digest when there are more than DigestOver.
func (w *Webhook) Messages(alerts []store.Alert) []string {
	over := w.DigestOver
	if over <= 0 {
		over = 3
	}
	link := func(a store.Alert) string {
		if w.Console == "" {
			return ""
		}
		return " " + strings.TrimRight(w.Console, "/") + "/alerts#alert-" + fmt.Sprint(a.ID)
	}
	if len(alerts) <= over {
		out := make([]string, len(alerts))
		for i, a := range alerts {
			out[i] = fmt.Sprintf("runlens [%s] %s%s", a.Severity, a.Message, link(a))
		}
		return out
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runlens: %d alerts", len(alerts))
	if w.Console != "" {
		b.WriteString(" (" + strings.TrimRight(w.Console, "/") + "/alerts)")
	}
	for i, a := range alerts {
		if i == 10 {
			fmt.Fprintf(&b, "\n… and %d more", len(alerts)-i)
			break
		}
		fmt.Fprintf(&b, "\n• [%s] %s", a.Severity, a.Message)
	}
	return []string{b.String()}
}

// Send posts the messages for alerts to rawURL, each retried with backoff.
// Errors name the attempt and the status, never the URL.
func (w *Webhook) Send(ctx context.Context, rawURL string, alerts []store.Alert) error {
	if err := ValidateURL(rawURL); err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	retries := w.Retries
	if retries <= 0 {
		retries = 3
	}
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	var errs []error
	for _, text := range w.Messages(alerts) {
		body, _ := json.Marshal(map[string]string{"text": text})
		if err := post(ctx, client, rawURL, body, retries, backoff); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func post(ctx context.Context, client *http.Client, rawURL string, body []byte, retries int, backoff time.Duration) error {
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("notify: webhook: %w (after %d attempts: %v)", ctx.Err(), attempt, last)
			case <-time.After(backoff << (attempt - 1)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
		if err != nil {
			return errors.New("notify: webhook: the request could not be made")
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := client.Do(req)
		if err != nil {
			// The error of a failed request names its URL: not repeated.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			last = fmt.Errorf("attempt %d: %v", attempt+1, err)
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("attempt %d: status %d", attempt+1, resp.StatusCode)
		default:
			return fmt.Errorf("notify: webhook: refused with status %d (not retried)", resp.StatusCode)
		}
	}
	return fmt.Errorf("notify: webhook: gave up after %d attempts: %v", retries+1, last)
}
