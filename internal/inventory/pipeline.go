package inventory

import (
	"bytes"
	"sync"

	"github.com/runlens/runlens/internal/par"
)

// pipeline decodes the records of a JSON-lines input on every CPU a scan
// may use (par.Workers) while the Reader joins them in input order, so that
// problems, duplicates and progress come out exactly as a one-goroutine
// read would give them.
// Decoding is most of the work of a read and needs no Reader state
// (decodeRecord); joining is cheap and stays on one goroutine.
//
// Lines are copied into batches (the line reader reuses its buffer), so
// memory in flight is bounded by the batches queued: a few MiB, never the
// input. A joined batch is reused: nothing decoded points into its text.
type pipeline struct {
	r      *Reader
	work   chan *lineBatch // to the decoders
	order  chan *lineBatch // to the joiner, in input order
	cur    *lineBatch
	free   chan *lineBatch // joined batches, for reuse
	joined chan struct{}   // closed when the joiner has finished
	wg     sync.WaitGroup
}

// lineBatch is a run of consecutive lines, decoded together.
type lineBatch struct {
	text    []byte // the lines' bytes, back to back
	items   []lineItem
	decoded chan struct{} // closed when every item is decoded
}

type lineItem struct {
	start, end int // the line in text
	src        Source
	tooLong    bool     // cut at maxRecord: not decoded
	atEOF      bool     // the input's last line
	prob       *Problem // not a record: a problem met between records, recorded in its place
	d          decoded
}

const (
	batchLines = 256
	batchBytes = 1 << 20
)

func newPipeline(r *Reader) *pipeline {
	// The secret detector takes ~90 ms to build: built beside the first
	// records rather than by the decoder that meets the first env value.
	go gitleaks()
	workers := par.Workers()
	p := &pipeline{r: r, work: make(chan *lineBatch, workers), order: make(chan *lineBatch, 2*workers+2),
		free: make(chan *lineBatch, 3*workers+3), joined: make(chan struct{})}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for b := range p.work {
				for i := range b.items {
					it := &b.items[i]
					if !it.tooLong && it.prob == nil {
						it.d = decodeRecord(b.text[it.start:it.end])
					}
				}
				close(b.decoded)
			}
		}()
	}
	go func() {
		defer close(p.joined)
		for b := range p.order {
			<-b.decoded
			for i := range b.items {
				p.joinItem(b, &b.items[i])
			}
			b.text, b.decoded = b.text[:0], make(chan struct{})
			clear(b.items) // the decoded records are the inventory's now
			b.items = b.items[:0]
			if cap(b.text) > 2*batchBytes {
				continue // grown for an outsized line: not kept
			}
			select {
			case p.free <- b:
			default:
			}
		}
	}()
	return p
}

func (p *pipeline) joinItem(b *lineBatch, it *lineItem) {
	r := p.r
	if it.prob != nil {
		r.problem(it.prob.Source, it.prob.Kind, it.prob.Msg)
		return
	}
	if it.tooLong {
		r.problem(it.src, ProblemMalformed, "record longer than 64 MiB; skipped")
		return
	}
	line := b.text[it.start:it.end]
	if r.join(&it.d, line, it.src) {
		return
	}
	if it.atEOF {
		r.problem(it.src, ProblemTruncated, "input ends inside a record (truncated file?): "+jsonError(line))
		return
	}
	src := it.src
	if bytes.IndexByte(line, '\n') >= 0 { // a pretty-printed record: the line of its error
		src.Line = syntaxLine(line, src.Line)
	}
	r.problem(src, ProblemMalformed, "invalid JSON: "+jsonError(line))
}

// problem queues a problem met between records, to be recorded after the
// records before it.
func (p *pipeline) problem(src Source, kind ProblemKind, msg string) {
	p.addItem(lineItem{src: src, prob: &Problem{Source: src, Kind: kind, Msg: msg}}, nil)
	p.flush() // the input's reading may stop here
}

// add queues one non-blank line; tooLong lines carry no text.
func (p *pipeline) add(line []byte, src Source, tooLong, atEOF bool) {
	if tooLong {
		line = nil
	}
	p.addItem(lineItem{src: src, tooLong: tooLong, atEOF: atEOF}, line)
}

// addItem queues it with its text.
func (p *pipeline) addItem(it lineItem, text []byte) {
	if p.cur == nil {
		select {
		case p.cur = <-p.free:
		default:
			p.cur = &lineBatch{text: make([]byte, 0, batchBytes), items: make([]lineItem, 0, batchLines), decoded: make(chan struct{})}
		}
	}
	b := p.cur
	it.start = len(b.text)
	b.text = append(b.text, text...)
	it.end = len(b.text)
	b.items = append(b.items, it)
	if len(b.items) == batchLines || len(b.text) >= batchBytes {
		p.flush()
	}
}

func (p *pipeline) flush() {
	if p.cur == nil {
		return
	}
	p.order <- p.cur
	p.work <- p.cur
	p.cur = nil
}

// finish decodes and joins everything queued and stops the goroutines.
// After it returns the Reader is touched by no other goroutine.
func (p *pipeline) finish() {
	p.flush()
	close(p.work)
	close(p.order)
	p.wg.Wait()
	<-p.joined
}
