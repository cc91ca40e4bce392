package posture

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestMemo(t *testing.T) {
	c := &Current{}
	calls := 0
	answer := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) { calls++; return []byte(v), nil }
	}
	if b, _ := c.Memo("a", answer("first")); string(b) != "first" {
		t.Fatalf("Memo(a) = %q", b)
	}
	if b, _ := c.Memo("a", answer("second")); string(b) != "first" || calls != 1 {
		t.Errorf("Memo(a) again = %q after %d calls, want the kept answer after 1", b, calls)
	}
	// Errors are returned, not kept.
	boom := errors.New("boom")
	if _, err := c.Memo("e", func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Memo(e) error = %v", err)
	}
	if b, _ := c.Memo("e", answer("fine")); string(b) != "fine" {
		t.Errorf("Memo(e) after an error = %q, want a fresh answer", b)
	}
	// The least recently used go first once memoBytes is reached; "a",
	// used last, stays.
	big := bytes.Repeat([]byte("x"), memoBytes/16)
	for i := range 20 {
		c.Memo(fmt.Sprint("big", i), func() ([]byte, error) { return big, nil })
		c.Memo("a", answer("unused"))
	}
	if c.memo.size > memoBytes {
		t.Errorf("memo holds %d bytes, more than %d", c.memo.size, memoBytes)
	}
	if _, ok := c.memo.get("big0"); ok {
		t.Error("the oldest answer survived past the bound")
	}
	if b, _ := c.memo.get("a"); string(b) != "first" {
		t.Errorf("the most used answer was dropped (%q)", b)
	}
	// An answer larger than an eighth of the bound is not kept.
	c.Memo("huge", func() ([]byte, error) { return make([]byte, memoBytes/4), nil })
	if _, ok := c.memo.get("huge"); ok {
		t.Error("an outsized answer was kept")
	}
}
