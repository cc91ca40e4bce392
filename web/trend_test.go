package web

import (
	"testing"
	"time"

	"github.com/runlens/runlens/internal/posture"
)

func TestTrendWords(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		points []posture.TrendPoint
		want   string
	}{
		{[]posture.TrendPoint{{At: day(14), Score: 40}, {At: day(28), Score: 47}}, "Now 47: +7 since 14 Oct"},
		{[]posture.TrendPoint{{At: day(1), Score: 30}, {At: day(14), Score: 50}, {At: day(28), Score: 45}}, "Now 45: -5 since 14 Oct · +15 since 1 Oct"},
		{[]posture.TrendPoint{{At: day(1), Score: 45}, {At: day(14), Score: 45}, {At: day(28), Score: 45}}, "Now 45: +0 since 14 Oct · +0 since 1 Oct"},
	}
	for _, tc := range tests {
		if got := trendWords(tc.points); got != tc.want {
			t.Errorf("trendWords(%v) = %q, want %q", tc.points, got, tc.want)
		}
	}
}
