package posture

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// ask asks c for key, answering misses with answer; it returns what use was
// given (copied: it is only valid during use).
func ask(t *testing.T, c *Current, key string, answer []byte, calls *int) []byte {
	t.Helper()
	var got []byte
	err := c.Memo(key, func(dst []byte) ([]byte, error) {
		if len(dst) != 0 {
			t.Errorf("Memo(%s) gave a scratch buffer of %d bytes, want empty", key, len(dst))
		}
		*calls++
		return append(dst, answer...), nil
	}, func(b []byte) error {
		got = bytes.Clone(b)
		return nil
	})
	if err != nil {
		t.Fatalf("Memo(%s) = %v", key, err)
	}
	return got
}

func TestMemo(t *testing.T) {
	c := &Current{}
	calls := 0
	if b := ask(t, c, "a", []byte("first"), &calls); string(b) != "first" {
		t.Fatalf("Memo(a) = %q", b)
	}
	if b := ask(t, c, "a", []byte("second"), &calls); string(b) != "first" || calls != 1 {
		t.Errorf("Memo(a) again = %q after %d calls, want the kept answer after 1", b, calls)
	}

	// Errors of either function are returned; a failed answer is not kept.
	boom := errors.New("boom")
	if err := c.Memo("e", func([]byte) ([]byte, error) { return nil, boom }, func([]byte) error {
		t.Error("use called after fill failed")
		return nil
	}); !errors.Is(err, boom) {
		t.Errorf("Memo(e) error = %v, want boom", err)
	}
	if b := ask(t, c, "e", []byte("fine"), &calls); string(b) != "fine" {
		t.Errorf("Memo(e) after an error = %q, want a fresh answer", b)
	}
	if err := c.Memo("a", nil, func([]byte) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Memo(a) with a failing use = %v, want boom", err)
	}

	// Scratch buffers are reused: an answer given to use is not the kept one.
	kept := ask(t, c, "a", nil, &calls)
	for i := range 5 {
		ask(t, c, fmt.Sprint("other", i), bytes.Repeat([]byte{'z'}, 100), &calls)
	}
	if b := ask(t, c, "a", nil, &calls); !bytes.Equal(b, kept) {
		t.Errorf("kept answer changed to %q after other answers were made", b)
	}

	// Full: the least recently used answer goes, but only for a key asked
	// more often than it; answers asked once each do not push out the
	// others (a reviewer paging through more neighbourhoods than fit).
	big := bytes.Repeat([]byte("x"), memoBytes/16)
	for i := range 16 {
		ask(t, c, fmt.Sprint("big", i), big, &calls)
	}
	if c.memo.size > memoBytes {
		t.Errorf("memo holds %d bytes, more than %d", c.memo.size, memoBytes)
	}
	for i := range 10 {
		ask(t, c, fmt.Sprint("once", i), big, &calls)
	}
	for i := range 10 {
		if _, ok := c.memo.items[fmt.Sprint("once", i)]; ok {
			t.Errorf("once%d, asked once, pushed out an answer asked as often", i)
		}
	}
	if _, ok := c.memo.items["big1"]; !ok {
		t.Error("big1 was pushed out by answers asked once")
	}
	calls = 0
	for range 3 {
		ask(t, c, "hot", big, &calls)
	}
	if _, ok := c.memo.items["hot"]; !ok || calls != 2 {
		t.Errorf("hot, asked 3 times: kept = %v after %d calls, want kept after 2", ok, calls)
	}
	if c.memo.size > memoBytes {
		t.Errorf("memo holds %d bytes, more than %d", c.memo.size, memoBytes)
	}
	if b := ask(t, c, "a", nil, &calls); string(b) != "first" {
		t.Errorf("the most used answer was dropped (%q)", b)
	}

	// An answer larger than an eighth of the bound is not kept.
	ask(t, c, "huge", make([]byte, memoBytes/4), &calls)
	if _, ok := c.memo.items["huge"]; ok {
		t.Error("an outsized answer was kept")
	}
}

// What was popular long ago fades: counts are halved as keys are counted.
func TestSketchAges(t *testing.T) {
	s := newSketch()
	for range 20 {
		s.touch("old")
	}
	// Few other keys, so that "old" shares a counter with one of them in
	// both rows about once in a million runs (with 1,000 it did in 1.5%
	// of runs, and took that key's count).
	for i := range sketchAging {
		s.touch(fmt.Sprint("k", i%8))
	}
	if n := s.count("old"); n > 10 {
		t.Errorf("count(old) = %d after %d other counts, want at most 10 (halved)", n, sketchAging)
	}
	if s.count("never") > s.count("k1") {
		t.Errorf("a key never asked counts more than one asked")
	}
}
