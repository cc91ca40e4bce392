package posture

import (
	"container/list"
	"hash/maphash"
	"sync"
)

// memoBytes bounds what one served state memoizes; the least recently used
// of the answers asked less often go first.
const memoBytes = 32 << 20

// Memo answers a request for key in this served state: use is called with
// the answer kept under key, or, on a miss, with what fill appended to an
// empty scratch buffer. The answer is only valid during use (a scratch
// buffer is reused afterwards). Errors of fill are returned, not kept, and
// so are use's.
//
// The state is immutable, so a kept answer stays right until the state is
// replaced, and goes with it. Handlers memoize rendered answers that do not
// depend on who asks (a graph neighbourhood many reviewers open). Once the
// memo is full, a miss keeps a copy only when its key has been asked more
// often than the answers it would push out (see memo.put): reviewers paging
// through more neighbourhoods than the memo holds leave the often-asked ones
// in place, and their one-off answers cost no copy. Concurrent misses may
// each call fill.
func (c *Current) Memo(key string, fill func(dst []byte) ([]byte, error), use func([]byte) error) error {
	if b, ok := c.memo.get(key); ok {
		return use(b)
	}
	bp := scratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxScratch {
			scratch.Put(bp)
		}
	}()
	b, err := fill((*bp)[:0])
	if err != nil {
		return err
	}
	*bp = b[:0]
	c.memo.put(key, b)
	return use(b)
}

// scratch holds buffers Memo's misses are made in: answers run to hundreds
// of KiB, and a fresh buffer of that size costs more than writing it (it is
// grown, cleared, and faulted in page by page).
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// maxScratch is the largest buffer kept for reuse.
const maxScratch = memoBytes / 8

// memo is a byte-bounded LRU of answers, with admission by frequency.
type memo struct {
	mu    sync.Mutex
	size  int
	order list.List // of *memoEntry, most recent first
	items map[string]*list.Element
	freq  *sketch
}

type memoEntry struct {
	key string
	val []byte
}

// get returns the answer kept under key, and counts that key was asked.
func (m *memo) get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.freq == nil {
		m.freq = newSketch()
	}
	m.freq.touch(key)
	e, ok := m.items[key]
	if !ok {
		return nil, false
	}
	m.order.MoveToFront(e)
	return e.Value.(*memoEntry).val, true
}

// maxVictimLook is how many of the least recently used answers put looks
// at for room.
const maxVictimLook = 32

// put keeps a copy of val under key if there is room, or if answers asked
// less often than key, among the maxVictimLook least recently used, make
// room, which then go
// (frequency-based admission, as TinyLFU's: a run of keys asked once each
// does not push out the answers asked again and again).
func (m *memo) put(key string, val []byte) {
	if len(val) > memoBytes/8 {
		return // one answer may not push out most of the others
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]*list.Element{}
	}
	if m.freq == nil {
		m.freq = newSketch()
	}
	if _, ok := m.items[key]; ok {
		return
	}
	need := len(key) + len(val)
	if m.size+need > memoBytes {
		asked := m.freq.count(key)
		var victims []*list.Element
		room := memoBytes - m.size
		looked := 0 // a miss holds the lock every hit takes: look at a few only
		for e := m.order.Back(); e != nil && room < need && looked < maxVictimLook; e = e.Prev() {
			looked++
			if old := e.Value.(*memoEntry); m.freq.count(old.key) < asked {
				victims = append(victims, e)
				room += len(old.key) + len(old.val)
			}
		}
		if room < need {
			return
		}
		for _, e := range victims {
			old := e.Value.(*memoEntry)
			m.order.Remove(e)
			delete(m.items, old.key)
			m.size -= len(old.key) + len(old.val)
		}
	}
	m.items[key] = m.order.PushFront(&memoEntry{key: key, val: append([]byte(nil), val...)})
	m.size += need
}

// sketch counts, approximately and in fixed memory, how often keys were
// asked: a count-min sketch of two rows of small counters. Every
// sketchAging counts all counters are halved, so that what was popular
// long ago fades.
type sketch struct {
	seed  maphash.Seed
	rows  [2][sketchWidth]uint8
	added int
}

const (
	sketchWidth = 1 << 13
	sketchAging = 8 * sketchWidth
)

func newSketch() *sketch { return &sketch{seed: maphash.MakeSeed()} }

func (s *sketch) slots(key string) (int, int) {
	h := maphash.String(s.seed, key)
	return int(h % sketchWidth), int((h >> 32) % sketchWidth)
}

func (s *sketch) touch(key string) {
	i, j := s.slots(key)
	for r, k := range [2]int{i, j} {
		if s.rows[r][k] < 255 {
			s.rows[r][k]++
		}
	}
	if s.added++; s.added == sketchAging {
		s.added = 0
		for r := range s.rows {
			for k := range s.rows[r] {
				s.rows[r][k] /= 2
			}
		}
	}
}

func (s *sketch) count(key string) uint8 {
	i, j := s.slots(key)
	return min(s.rows[0][i], s.rows[1][j])
}
