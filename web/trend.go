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
