// Package par says how many goroutines a scan may keep busy at once. A scan
// (reading, building, checking) spreads over every CPU; a console that syncs
// in the background keeps one CPU for the people using it (Reserve).
package par

import (
	"runtime"
	"sync/atomic"
)

var reserved atomic.Int32

// Reserve keeps n CPUs out of Workers, from now on. runlens serve calls it
// once at start.
func Reserve(n int) { reserved.Store(int32(max(n, 0))) }

// Workers is how many goroutines a scan phase may run side by side: every
// CPU (GOMAXPROCS) but the reserved ones, and at least one.
func Workers() int { return max(runtime.GOMAXPROCS(0)-int(reserved.Load()), 1) }
