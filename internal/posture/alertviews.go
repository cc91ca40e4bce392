package posture

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/alerts"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/notify"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// AlertLimit is how many alerts the alerts page and its API list at most.
const AlertLimit = 200

// AlertQuery is the alerts page's filter as its URL says it: the kind
// ("" for both, "drift" or "finding") and the window ("" for all time,
// "24h" or "7d").
type AlertQuery struct {
	Kind   string
	Within string
}

// AlertWindows are the windows an AlertQuery may name, with their words.
var AlertWindows = []struct{ Value, Label string }{
	{"24h", "last 24 hours"},
	{"7d", "last 7 days"},
	{"", "all"},
}

// ParseAlertQuery reads the filter from a URL's query (kind, since);
// unknown values mean no filter.
func ParseAlertQuery(q url.Values) AlertQuery {
	var a AlertQuery
	if k := q.Get("kind"); k == store.AlertDrift || k == store.AlertFinding {
		a.Kind = k
	}
	if w := q.Get("since"); w == "24h" || w == "7d" {
		a.Within = w
	}
	return a
}

// Values is the filter as a URL query, the inverse of ParseAlertQuery.
func (q AlertQuery) Values() url.Values {
	v := url.Values{}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	if q.Within != "" {
		v.Set("since", q.Within)
	}
	return v
}

// Since is the oldest time the filter keeps (zero: all).
func (q AlertQuery) Since(now time.Time) time.Time {
	switch q.Within {
	case "24h":
		return now.Add(-24 * time.Hour)
	case "7d":
		return now.Add(-7 * 24 * time.Hour)
	}
	return time.Time{}
}

// AlertRow is a stored alert as the console shows it.
type AlertRow struct {
	store.Alert
	// Title is what the event is: the drift event's title, or the check's.
	Title string `json:"title"`
	// What is the message without the workload's name in front, for the
	// workload's own page ("runtime service account changed from …").
	What string `json:"-"`
}

// When is when the change happened, if known, else when runlens saw it.
func (a AlertRow) When() time.Time {
	if !a.ChangedAt.IsZero() {
		return a.ChangedAt
	}
	return a.At
}

// Sev is the alert's severity (zero if the stored word is not one).
func (a AlertRow) Sev() rules.Severity {
	s, _ := rules.ParseSeverity(a.Severity)
	return s
}

// Cleared reports whether the finding the alert is about went away.
func (a AlertRow) Cleared() bool { return !a.ClearedAt.IsZero() }

// AlertList is a page of alerts, newest first.
type AlertList struct {
	Rows  []AlertRow `json:"alerts"`
	Limit int        `json:"limit"`
	More  bool       `json:"more"` // older alerts match the filter beyond Limit
}

// AlertList returns the newest alerts q selects, at most AlertLimit.
func (s *Service) AlertList(ctx context.Context, q AlertQuery) (AlertList, error) {
	got, err := s.st.Alerts(ctx, store.AlertFilter{Kind: q.Kind, Since: q.Since(s.now()), Limit: AlertLimit + 1})
	if err != nil {
		return AlertList{}, err
	}
	l := AlertList{Limit: AlertLimit, More: len(got) > AlertLimit, Rows: []AlertRow{}}
	l.Rows = s.alertRows(got[:min(len(got), AlertLimit)])
	return l, nil
}

// WorkloadAlerts returns the newest alerts of one service or job, at most
// limit: its timeline of changes. Every service page asks it, and most
// workloads have none: which have any is kept by the digest's rules (until
// this process writes alerts or the minute ends), and the store is asked
// only about those.
func (s *Service) WorkloadAlerts(ctx context.Context, id string, limit int) ([]AlertRow, error) {
	ac, err := s.alertedWorkloads(ctx)
	if err != nil {
		return nil, err
	}
	if !ac.workloads[id] {
		return nil, nil
	}
	got, err := s.st.Alerts(ctx, store.AlertFilter{Workload: id, Limit: limit})
	if err != nil {
		return nil, err
	}
	return s.alertRows(got), nil
}

// AlertDigest is the overview's account of the alerts.
type AlertDigest struct {
	Day    int        // alerts in the last 24 hours
	Latest []AlertRow // the newest few
}

// digestCache is an AlertDigest and what it was worked out from.
type digestCache struct {
	writes uint64    // Service.alertWrites
	cur    *Current  // the served state its rows are named from
	minute time.Time // the minute it was worked out in
	n      int
	d      AlertDigest
}

// alertedCache is which workloads have alerts, and when that was read.
type alertedCache struct {
	writes    uint64    // Service.alertWrites
	minute    time.Time // the minute it was read in
	workloads map[string]bool
}

// alertedWorkloads returns which workloads have alerts, read again when
// this process has written alerts since or the minute has ended; one
// request reads it while the others wait for its answer (when the minute
// turns, every page under way would otherwise read it at once).
func (s *Service) alertedWorkloads(ctx context.Context) (*alertedCache, error) {
	fresh := func(ac *alertedCache, writes uint64, minute time.Time) bool {
		return ac != nil && ac.writes == writes && ac.minute.Equal(minute)
	}
	writes, minute := s.alertWrites.Load(), s.now().Truncate(time.Minute)
	if ac := s.alerted.Load(); fresh(ac, writes, minute) {
		return ac, nil
	}
	s.alertedMu.Lock()
	defer s.alertedMu.Unlock()
	writes, minute = s.alertWrites.Load(), s.now().Truncate(time.Minute)
	if ac := s.alerted.Load(); fresh(ac, writes, minute) {
		return ac, nil
	}
	ws, err := s.st.AlertedWorkloads(ctx)
	if err != nil {
		return nil, err
	}
	ac := &alertedCache{writes: writes, minute: minute, workloads: ws}
	s.alerted.Store(ac)
	return ac, nil
}

// AlertDigest counts the alerts of the last 24 hours and returns the
// latest n. Every overview asks it: the answer is kept until this process
// writes alerts, the served state changes or the minute ends (alerts a
// command writes into the same database from another process show within
// a minute).
func (s *Service) AlertDigest(ctx context.Context, n int) (AlertDigest, error) {
	now := s.now()
	writes, cur, minute := s.alertWrites.Load(), s.cur.Load(), now.Truncate(time.Minute)
	if dc := s.digest.Load(); dc != nil && dc.writes == writes && dc.cur == cur && dc.minute.Equal(minute) && dc.n == n {
		return dc.d, nil
	}
	d, err := s.alertDigest(ctx, now, n)
	if err != nil {
		return d, err
	}
	s.digest.Store(&digestCache{writes: writes, cur: cur, minute: minute, n: n, d: d})
	return d, nil
}

func (s *Service) alertDigest(ctx context.Context, now time.Time, n int) (AlertDigest, error) {
	day, err := s.st.CountAlerts(ctx, store.AlertFilter{Since: now.Add(-24 * time.Hour)})
	if err != nil {
		return AlertDigest{}, err
	}
	got, err := s.st.Alerts(ctx, store.AlertFilter{Limit: n})
	if err != nil {
		return AlertDigest{}, err
	}
	return AlertDigest{Day: day, Latest: s.alertRows(got)}, nil
}

// alertRows titles the alerts and says each without its workload's name,
// read from the graph served now (the one the message was written with,
// unless the workload was renamed or is gone: then What is the message).
func (s *Service) alertRows(as []store.Alert) []AlertRow {
	var g *graph.Graph
	if c := s.cur.Load(); c != nil {
		g = c.Report.Graph
	}
	out := make([]AlertRow, len(as))
	for i, a := range as {
		out[i] = AlertRow{Alert: a, Title: AlertTitle(a.Kind, a.Event), What: a.Message}
		if a.Workload != "" {
			phrase := names.Of(g, a.Workload).Phrase()
			if phrase == "" {
				continue
			}
			prefix := strings.ToUpper(phrase[:1]) + phrase[1:] + ": "
			if rest, ok := strings.CutPrefix(a.Message, prefix); ok && rest != "" {
				out[i].What = rest
			}
		}
	}
	return out
}

// AlertTitle is what an alert's event is: a drift event's title, or the
// title of the check a finding alert is about (the slug if the catalog no
// longer has it).
func AlertTitle(kind, event string) string {
	if kind == store.AlertDrift {
		for _, e := range alerts.Events {
			if e.Event == event {
				return e.Title
			}
		}
		return event
	}
	if r, ok := catalog()[event]; ok {
		return r.Title
	}
	return event
}

// Webhook is the alert webhook as the console may show it: whether one is
// set and its host, never the rest of the URL (its path carries the token
// that lets anyone post to the chat).
type Webhook struct {
	Set  bool
	Host string
}

// AlertWebhook says whether an alert webhook is set, and its host.
func (s *Service) AlertWebhook(ctx context.Context) (Webhook, error) {
	raw, err := s.st.Setting(ctx, notify.SettingWebhook)
	if err != nil || raw == "" {
		return Webhook{}, err
	}
	return Webhook{Set: true, Host: webhookHost(raw)}, nil
}

func webhookHost(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "an address that is not a valid URL"
}

// InvalidWebhookError is a webhook URL refused, with what is wrong in
// words that may be shown (they never repeat the URL).
type InvalidWebhookError struct{ Reason string }

func (e *InvalidWebhookError) Error() string { return "posture: invalid webhook URL: " + e.Reason }

// MaxWebhookURL is the longest webhook URL accepted.
const MaxWebhookURL = 2048

// SetAlertWebhook sets the alert webhook to raw (HTTPS, no credentials),
// or clears it when raw is "", and audits who did it (actor, requestID)
// with the host only: the URL's path carries the webhook's token, which
// neither the audit log nor a page may show.
func (s *Service) SetAlertWebhook(ctx context.Context, raw, actor, requestID string) (Webhook, error) {
	raw = strings.TrimSpace(raw)
	audit := store.AuditEntry{Actor: actor, Action: "alerts.webhook.set", RequestID: requestID}
	var w Webhook
	if raw == "" {
		prev, err := s.AlertWebhook(ctx)
		if err != nil {
			return Webhook{}, err
		}
		audit.Action, audit.Target, audit.Detail = "alerts.webhook.clear", prev.Host, "alerts go to the log only"
	} else {
		if len(raw) > MaxWebhookURL {
			return Webhook{}, &InvalidWebhookError{Reason: fmt.Sprintf("longer than %d characters", MaxWebhookURL)}
		}
		if err := notify.ValidateURL(raw); err != nil {
			return Webhook{}, &InvalidWebhookError{Reason: err.Error()}
		}
		w = Webhook{Set: true, Host: webhookHost(raw)}
		audit.Target, audit.Detail = w.Host, "only the host is recorded: the URL's path carries the webhook's token"
	}
	if err := s.st.SetSettingAudited(ctx, notify.SettingWebhook, raw, audit); err != nil {
		return Webhook{}, err
	}
	return w, nil
}
