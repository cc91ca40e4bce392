package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/notify"
	"github.com/runlens/runlens/internal/store"
)

func alert(i int, sev string) store.Alert {
	return store.Alert{ID: int64(i), Kind: store.AlertDrift, Event: "public-invoker", Severity: sev,
		Subject: "//run.googleapis.com/projects/p/locations/r/services/s", Workload: "//run.googleapis.com/projects/p/locations/r/services/s",
		Project: "p", Message: "Service s (p · r): allUsers (anyone on the internet) can now invoke it.", FindingID: "f1", Source: "feed"}
}

// TestLog: one JSON line per alert with Cloud Logging's severity, the
// message and labels an alerting policy can match.
func TestLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.LevelKey {
			return slog.String("severity", notify.CloudSeverity(a.Value.Any().(slog.Level)))
		}
		if len(groups) == 0 && a.Key == slog.MessageKey {
			a.Key = "message"
		}
		return a
	}}))
	notify.Log(context.Background(), log, []store.Alert{alert(1, "critical"), alert(2, "high"), alert(3, "medium"), alert(4, "low")})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{"CRITICAL", "ERROR", "WARNING", "INFO"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, l := range lines {
		var e struct {
			Severity string            `json:"severity"`
			Message  string            `json:"message"`
			Labels   map[string]string `json:"logging.googleapis.com/labels"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.Severity != want[i] || !strings.Contains(e.Message, "allUsers") {
			t.Errorf("line %d: severity %q message %q", i, e.Severity, e.Message)
		}
		if e.Labels["runlens_alert"] != "true" || e.Labels["event"] != "public-invoker" || e.Labels["project"] != "p" || !strings.HasSuffix(e.Labels["service"], "/services/s") {
			t.Errorf("line %d: labels %v", i, e.Labels)
		}
	}
}

func TestValidateURL(t *testing.T) {
	for _, tt := range []struct {
		url, want string
	}{
		{"https://hooks.slack.com/services/T/B/x", ""},
		{"https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", ""},
		{"http://hooks.slack.com/services/T/B/x", "not HTTPS"},
		{"https://user:pass@example.com/hook", "credentials"},
		{"https:///nohost", "no host"},
		{"::not a url", "not a URL"},
	} {
		err := notify.ValidateURL(tt.url)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("ValidateURL(%q) = %v, want %q", tt.url, err, tt.want)
		}
	}
}

// hook is a chat webhook over TLS that answers with the statuses given,
// then 200, and records what it was posted.
type hook struct {
	mu       sync.Mutex
	statuses []int
	posts    []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts = append(h.posts, string(b))
	if r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	if len(h.statuses) > 0 {
		s := h.statuses[0]
		h.statuses = h.statuses[1:]
		w.WriteHeader(s)
	}
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name     string
		alerts   int
		statuses []int
		posts    int    // requests made
		texts    int    // messages that reached it in the end
		err      string // "" for none
	}{
		{"one alert, one message", 1, nil, 1, 1, ""},
		{"three alerts, three messages", 3, nil, 3, 3, ""},
		{"a burst is one digest", 12, nil, 1, 1, ""},
		{"retried after 503 and 429", 1, []int{503, 429}, 3, 1, ""},
		{"gives up after the retries", 1, []int{500, 500, 500, 500}, 4, 0, "gave up after 4 attempts: attempt 4: status 500"},
		{"a refusal is not retried", 1, []int{404}, 1, 0, "refused with status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &hook{statuses: tt.statuses}
			srv := httptest.NewTLSServer(h)
			defer srv.Close()
			secret := srv.URL + "/services/T000/B000/SECRET-TOKEN"
			w := &notify.Webhook{Client: srv.Client(), Backoff: time.Millisecond, Console: "https://runlens.example.com"}
			var as []store.Alert
			for i := range tt.alerts {
				as = append(as, alert(i+1, "high"))
			}
			err := w.Send(context.Background(), secret, as)
			if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("Send = %v, want %q", err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET-TOKEN") {
				t.Errorf("the error names the webhook URL: %v", err)
			}
			if len(h.posts) != tt.posts {
				t.Errorf("%d requests, want %d", len(h.posts), tt.posts)
			}
			for _, p := range h.posts {
				var m struct{ Text string }
				if err := json.Unmarshal([]byte(p), &m); err != nil || !strings.Contains(m.Text, "runlens") {
					t.Errorf("posted %q, want {\"text\": ...}", p)
				}
				if tt.alerts > 3 && (!strings.Contains(m.Text, "12 alerts") || !strings.Contains(m.Text, "… and 2 more")) {
					t.Errorf("digest %q", m.Text)
				}
				if tt.alerts <= 3 && !strings.Contains(m.Text, "https://runlens.example.com/alerts#alert-") {
					t.Errorf("message %q does not link to its alert", m.Text)
				}
			}
		})
	}
	t.Run("not HTTPS", func(t *testing.T) {
		srv := httptest.NewServer(&hook{})
		defer srv.Close()
		if err := (&notify.Webhook{}).Send(context.Background(), srv.URL, []store.Alert{alert(1, "high")}); err == nil || !strings.Contains(err.Error(), "not HTTPS") {
			t.Errorf("Send over http = %v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewTLSServer(&hook{})
		url := srv.URL + "/hook/SECRET-TOKEN"
		client := srv.Client()
		srv.Close()
		err := (&notify.Webhook{Client: client, Retries: 1, Backoff: time.Millisecond}).Send(context.Background(), url, []store.Alert{alert(1, "high")})
		if err == nil || strings.Contains(err.Error(), "SECRET-TOKEN") {
			t.Errorf("Send to a closed server = %v (must fail, without the URL)", err)
		}
	})
}
