package apply

import (
	"testing"
	"time"

	"github.com/runlens/runlens/internal/apply/applytest"
)

// newFake starts the fake Google APIs (internal/apply/applytest) on a
// loopback port and returns them with their address.
func newFake(t *testing.T) (*applytest.Fake, string) {
	t.Helper()
	return applytest.Start(t)
}

// serve returns an Applier whose real clients reach the fakes at addr
// through EmulatorOptions, one connection per client, with short waits for
// account propagation.
func serve(t *testing.T, addr string) *Applier {
	t.Helper()
	opts, err := EmulatorOptions(addr)
	if err != nil {
		t.Fatalf("EmulatorOptions: %v", err)
	}
	a, err := New(t.Context(), OptionsForAll(opts...))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.propagation = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	a.readyPoll, a.readyTimeout = time.Millisecond, 5*time.Second
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// etag returns the etag of the fake's policy of name as a change set
// records it.
func etag(f *applytest.Fake, name string) string { return etagString(f.Policy(name).GetEtag()) }
