package posture

// Warm reports whether c's once-built indexes were built (for
// TestServedStateIsWarm), without building them.
func Warm(c *Current) bool {
	return c.rows != nil && c.detail.scores != nil && c.byNode != nil && c.fixes != nil && c.findingsIdx.byID != nil
}
