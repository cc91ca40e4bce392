package web

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 5, 14, 2, 0, 0, time.UTC)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "just now"}, // a clock a little ahead
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{23*time.Hour + 59*time.Minute, "23 hours ago"},
		{24 * time.Hour, "1 day ago"},
		{29 * 24 * time.Hour, "29 days ago"},
		{40 * 24 * time.Hour, "on 2026-10-26"},
	}
	for _, tc := range tests {
		if got := ago(now.Add(-tc.d), now); got != tc.want {
			t.Errorf("ago(now - %v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestClockTime(t *testing.T) {
	now := time.Date(2026, 12, 5, 14, 2, 0, 0, time.UTC)
	if got := clockTime(now.Add(-time.Hour), now); got != "13:02" {
		t.Errorf("today = %q, want the hour alone", got)
	}
	if got := clockTime(now.Add(-15*time.Hour), now); got != "2026-12-04 23:02" {
		t.Errorf("yesterday = %q, want the date too", got)
	}
	// The day is the time's own: now in another zone does not change it.
	if got := clockTime(now.Add(-time.Hour), now.In(time.FixedZone("X", 11*3600))); got != "13:02" {
		t.Errorf("today, now in another zone = %q", got)
	}
}

func TestLatestNote(t *testing.T) {
	if got := latestNote(3, 20); got != "" {
		t.Errorf("short list: %q", got)
	}
	if got := latestNote(20, 20); got != " (the latest 20)" {
		t.Errorf("full list: %q", got)
	}
}
