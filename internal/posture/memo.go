package posture

import (
	"container/list"
	"sync"
)

// memoBytes bounds what one served state memoizes; the least recently used
// answers go first.
const memoBytes = 32 << 20

// Memo returns the answer stored under key in this served state, calling fn
// on a miss and keeping what it returns (not its errors). The state is
// immutable, so an answer stays right until the state is replaced, and goes
// with it. Handlers memoize rendered answers that do not depend on who asks
// (a graph neighbourhood many reviewers open); concurrent misses may each
// call fn.
func (c *Current) Memo(key string, fn func() ([]byte, error)) ([]byte, error) {
	if b, ok := c.memo.get(key); ok {
		return b, nil
	}
	b, err := fn()
	if err != nil {
		return nil, err
	}
	c.memo.put(key, b)
	return b, nil
}

// memo is a byte-bounded LRU of answers.
type memo struct {
	mu    sync.Mutex
	size  int
	order list.List // of *memoEntry, most recent first
	items map[string]*list.Element
}

type memoEntry struct {
	key string
	val []byte
}

func (m *memo) get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[key]
	if !ok {
		return nil, false
	}
	m.order.MoveToFront(e)
	return e.Value.(*memoEntry).val, true
}

func (m *memo) put(key string, val []byte) {
	if len(val) > memoBytes/8 {
		return // one answer may not push out most of the others
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]*list.Element{}
	}
	if _, ok := m.items[key]; ok {
		return
	}
	m.items[key] = m.order.PushFront(&memoEntry{key: key, val: val})
	m.size += len(key) + len(val)
	for m.size > memoBytes {
		last := m.order.Back()
		old := last.Value.(*memoEntry)
		m.order.Remove(last)
		delete(m.items, old.key)
		m.size -= len(old.key) + len(old.val)
	}
}
