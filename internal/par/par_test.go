package par

import (
	"runtime"
	"testing"
)

func TestWorkers(t *testing.T) {
	defer Reserve(0)
	n := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ reserve, want int }{{0, n}, {1, max(n-1, 1)}, {n + 5, 1}, {-3, n}} {
		Reserve(tc.reserve)
		if got := Workers(); got != tc.want {
			t.Errorf("Reserve(%d): Workers() = %d, want %d (GOMAXPROCS %d)", tc.reserve, got, tc.want, n)
		}
	}
}
