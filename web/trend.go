package web

import (
	"fmt"
	"strings"

	"github.com/runlens/runlens/internal/posture"
)

func trendX(i, n int) int  { return 30 + i*560/max(1, n-1) }
func trendY(score int) int { return 105 - score } // 0..100 -> 105..5

func trendPoints(points []posture.TrendPoint) string {
	var b strings.Builder
	for i, p := range points {
		fmt.Fprintf(&b, "%d,%d ", trendX(i, len(points)), trendY(p.Score))
	}
	return strings.TrimSpace(b.String())
}

func trendLabel(what string, points []posture.TrendPoint) string {
	first, last := points[0], points[len(points)-1]
	return fmt.Sprintf("%s score over %d snapshots, from %d to %d", what, len(points), first.Score, last.Score)
}

// trendWords says in words how the last score moved since the snapshot
// before it and since the first one: "+7 since 21 Nov · +19 since 24 Oct".
// Two snapshots give one comparison.
func trendWords(points []posture.TrendPoint) string {
	last := points[len(points)-1]
	since := func(p posture.TrendPoint) string {
		return fmt.Sprintf("%+d since %s", last.Score-p.Score, p.At.UTC().Format("2 Jan"))
	}
	prev, first := points[len(points)-2], points[0]
	if len(points) == 2 {
		return fmt.Sprintf("Now %d: %s", last.Score, since(prev))
	}
	return fmt.Sprintf("Now %d: %s · %s", last.Score, since(prev), since(first))
}
