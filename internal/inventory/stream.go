package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds the nesting of a streamed input; CAI records nest a dozen
// levels at most.
const maxDepth = 10000

// Roles of an open bracket of a streamed input.
const (
	roleInner    = iota // inside a record
	roleRecords         // a top-level array: its elements are records
	roleAssets          // the "assets" array of a ListAssets response: its elements are records
	roleTop             // a top-level object: a record, unless it turns out to be a ListAssets response
	roleResponse        // a top-level ListAssets response ({"assets": [...], "nextPageToken": ...})
)

// What may come next in a container whose elements are records.
const (
	expValueOrClose = iota // after '['
	expValue               // after ','
	expCommaOrClose        // after an element
)

type open struct {
	bracket byte // '{' or '['
	role    int
	exp     int // roleRecords and roleAssets: what may come next
}

// framer splits a streamed JSON input into records by its structure alone:
// each top-level value, each element of a top-level array, and each element
// of the "assets" array of a top-level ListAssets response (REST, one page
// or several one after another) is a record; the rest of a response (its
// nextPageToken, readTime) is skipped. It holds one record at a time, at
// most maxRecord bytes of it, and hands each to the pipeline, which decodes
// and joins it; whether a record is valid JSON is the decoder's business.
// What breaks the structure between records — a missing comma, a stray
// bracket, the end of the input inside a value — is a problem that ends the
// reading of the input.
type framer struct {
	name   string
	p      *pipeline
	arrays bool // the input is JSON arrays: after the first, only another array may come

	line              int // line of the next byte
	stack             []open
	inString, escaped bool
	sawArray          bool // a top-level array has ended

	// The record being framed.
	inRec     bool
	recDepth  int  // len(stack) where it started
	scalar    bool // a number or literal (ends at a delimiter)
	recLine   int
	tooLong   bool
	rec       []byte
	recFrom   int // where the record starts in the current chunk, -1 if before it
	recString bool

	// The members of a top-level object, watched for "assets": [.
	keyNext   bool // the next string is a member name
	inKey     bool
	key       []byte
	afterKey  bool // a member name was read; its value comes after ':'
	valueNext bool // the value of the member named key comes next
}

// errStop ends framing after a structural problem has been recorded.
var errStop = errors.New("stop")

// frame reads rd to its end. It returns only read errors.
func (f *framer) frame(rd io.Reader) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if ferr := f.chunk(buf[:n]); ferr != nil {
				// The rest is not read, but a read error met on the way
				// is still an error.
				_, cerr := io.Copy(io.Discard, rd)
				return cerr
			}
		}
		if errors.Is(err, io.EOF) {
			f.end()
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// chunk frames the next bytes of the input.
func (f *framer) chunk(b []byte) error {
	f.recFrom = -1
	if f.inRec {
		f.recFrom = 0
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if f.inString {
			if f.escaped { // the byte after a backslash
				f.escaped = false
				if c == '\n' {
					f.line++
				}
				continue
			}
			// Most bytes are inside strings: skip to the next quote or
			// backslash at once.
			j := i
			for j < len(b) && b[j] != '"' && b[j] != '\\' && b[j] != '\n' {
				j++
			}
			if f.inKey {
				f.key = append(f.key, b[i:min(j, i+16)]...)
			}
			if j == len(b) {
				break
			}
			i, c = j, b[j]
			switch {
			case c == '\n':
				f.line++ // invalid in a string; counted for the lines of what follows
			case c == '\\':
				f.escaped = true
			default: // the closing quote
				f.inString = false
				if f.inKey {
					f.inKey, f.afterKey = false, true
				}
				if f.inRec && f.recString && len(f.stack) == f.recDepth {
					f.emit(b, i+1)
					f.afterElement()
				}
			}
			continue
		}
		if f.scalar {
			switch c {
			case ' ', '\t', '\r', '\n', ',', ']', '}':
				f.emit(b, i)
				f.afterElement()
			default:
				continue
			}
		}
		switch c {
		case '\n':
			f.line++
		case ' ', '\t', '\r':
		case '"':
			if err := f.valueStart(b, i, c); err != nil {
				return err
			}
			f.inString = true
			if f.keyNext && f.topMembers() {
				f.keyNext, f.inKey, f.key = false, true, f.key[:0]
			}
		case '{', '[':
			if len(f.stack) == 1 && f.stack[0].role == roleTop && f.valueNext && c == '[' && string(f.key) == "assets" {
				// A ListAssets response: its assets are the records.
				f.stack[0].role = roleResponse
				f.inRec, f.tooLong, f.rec, f.recFrom = false, false, f.rec[:0], -1
				f.stack = append(f.stack, open{bracket: c, role: roleAssets, exp: expValueOrClose})
				f.valueNext = false
				continue
			}
			if err := f.valueStart(b, i, c); err != nil {
				return err
			}
			if len(f.stack) >= maxDepth {
				return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: nested more than %d levels deep; the rest of this file cannot be read", maxDepth))
			}
			o := open{bracket: c, role: roleInner}
			switch {
			case len(f.stack) == 0 && c == '[':
				o.role, o.exp = roleRecords, expValueOrClose
				f.inRec = false // a top-level array is no record: its elements are
			case len(f.stack) == 0:
				o.role = roleTop
				f.keyNext = true
			}
			f.stack = append(f.stack, o)
		case '}', ']':
			if len(f.stack) == 0 {
				return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: unexpected %q; the rest of this file cannot be read", c))
			}
			top := &f.stack[len(f.stack)-1]
			if (c == '}') != (top.bracket == '{') {
				return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: %q closes a %q; the rest of this file cannot be read", c, top.bracket))
			}
			if (top.role == roleRecords || top.role == roleAssets) && top.exp == expValue {
				return f.stop(f.line, ProblemMalformed, "invalid JSON: a comma before the end of an array; the rest of this file cannot be read")
			}
			role := top.role
			f.stack = f.stack[:len(f.stack)-1]
			switch {
			case f.inRec && len(f.stack) == f.recDepth:
				f.emit(b, i+1)
				f.afterElement()
			case role == roleRecords:
				f.sawArray = true
			case role == roleAssets || role == roleResponse:
				f.afterElement()
			}
		case ',':
			if err := f.comma(); err != nil {
				return err
			}
		case ':':
			if f.afterKey && f.topMembers() {
				f.afterKey, f.valueNext = false, true
			}
		default:
			if err := f.valueStart(b, i, c); err != nil {
				return err
			}
			f.scalar = f.inRec && len(f.stack) == f.recDepth
		}
	}
	if f.inRec && !f.tooLong && f.recFrom >= 0 {
		f.keep(b[f.recFrom:])
	}
	f.recFrom = -1
	return nil
}

// topMembers reports whether the framer is directly inside a top-level
// object, where member names are watched.
func (f *framer) topMembers() bool {
	return len(f.stack) == 1 && (f.stack[0].role == roleTop || f.stack[0].role == roleResponse)
}

// valueStart is met at the first byte (c, at b[i]) of a value: a record
// starts here if the value is at a record's place, and a value where none
// may come stops the framing.
func (f *framer) valueStart(b []byte, i int, c byte) error {
	if f.topMembers() {
		f.valueNext = false
	}
	if f.inRec {
		return nil
	}
	if len(f.stack) == 0 {
		switch {
		case f.arrays && f.sawArray && c != '[':
			if c == '{' {
				return f.stop(f.line, ProblemMalformed, "unexpected content after the JSON array; the rest of this file cannot be read")
			}
			return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: unexpected %q after the JSON array; the rest of this file cannot be read", c))
		case !isValueStart(c):
			return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: unexpected %q; the rest of this file cannot be read", c))
		case c == '[':
			return nil // an array of records, not a record
		}
		f.startRecord(i, c)
		return nil
	}
	top := &f.stack[len(f.stack)-1]
	if top.role != roleRecords && top.role != roleAssets {
		return nil // a member of a response, skipped
	}
	if top.exp == expCommaOrClose {
		return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: %q where a comma or the end of the array belongs (a missing comma?); the rest of this file cannot be read", c))
	}
	if !isValueStart(c) {
		return f.stop(f.line, ProblemMalformed, fmt.Sprintf("invalid JSON: unexpected %q in an array; the rest of this file cannot be read", c))
	}
	f.startRecord(i, c)
	return nil
}

func isValueStart(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return true
	}
	return false
}

func (f *framer) startRecord(i int, c byte) {
	f.inRec, f.recDepth, f.recLine, f.recFrom = true, len(f.stack), f.line, i
	f.tooLong, f.rec, f.recString = false, f.rec[:0], c == '"'
}

// comma is met outside strings.
func (f *framer) comma() error {
	if f.topMembers() {
		f.keyNext = true
		return nil
	}
	if f.inRec || len(f.stack) == 0 {
		if len(f.stack) == 0 {
			return f.stop(f.line, ProblemMalformed, "invalid JSON: unexpected ','; the rest of this file cannot be read")
		}
		return nil
	}
	top := &f.stack[len(f.stack)-1]
	if top.role != roleRecords && top.role != roleAssets {
		return nil
	}
	if top.exp != expCommaOrClose {
		return f.stop(f.line, ProblemMalformed, "invalid JSON: a comma where an array element belongs; the rest of this file cannot be read")
	}
	top.exp = expValue
	return nil
}

// afterElement notes that a value has ended at a record's place.
func (f *framer) afterElement() {
	if len(f.stack) > 0 {
		top := &f.stack[len(f.stack)-1]
		if top.role == roleRecords || top.role == roleAssets {
			top.exp = expCommaOrClose
		}
	}
}

// keep adds b to the record being framed, up to maxRecord.
func (f *framer) keep(b []byte) {
	n := len(f.rec) + len(b)
	if n > maxRecord {
		f.tooLong, f.rec = true, f.rec[:0]
		return
	}
	if n > cap(f.rec) {
		// Doubled, not append's quarter at a time: a record that grows
		// to the bound costs twice the bound, not five times.
		grown := make([]byte, len(f.rec), min(max(2*cap(f.rec), n, 4<<10), maxRecord))
		copy(grown, f.rec)
		f.rec = grown
	}
	f.rec = append(f.rec, b...)
}

// emit hands the record, which ends before b[end], to the pipeline.
func (f *framer) emit(b []byte, end int) {
	if !f.tooLong && f.recFrom >= 0 {
		f.keep(b[f.recFrom:end])
	}
	f.p.add(f.rec, Source{File: f.name, Line: f.recLine}, f.tooLong, false)
	f.inRec, f.scalar, f.recString, f.recFrom = false, false, false, -1
	if cap(f.rec) > 1<<20 {
		f.rec = nil // let an outsized record's buffer go
	} else {
		f.rec = f.rec[:0]
	}
}

// stop records a problem that ends the framing.
func (f *framer) stop(line int, kind ProblemKind, msg string) error {
	f.p.problem(Source{File: f.name, Line: line}, kind, msg)
	return errStop
}

// end is met at the end of the input.
func (f *framer) end() {
	switch {
	case f.scalar:
		f.emit(nil, 0)
	case f.inRec:
		f.p.problem(Source{File: f.name, Line: f.recLine}, ProblemTruncated, "input ends inside a record (truncated file?); records after this point are lost")
	case len(f.stack) > 0:
		what := "the JSON array"
		if f.stack[0].role == roleResponse {
			what = "the ListAssets response"
		}
		f.p.problem(Source{File: f.name, Line: f.line}, ProblemTruncated, "input ends inside "+what+" (truncated file?)")
	}
}

// syntaxOffset is the offset in b of the byte where b stops being valid
// JSON: its syntax error, or len(b) when b ends inside a value.
func syntaxOffset(b []byte) int {
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.Unmarshal(b, &raw); errors.As(err, &se) && se.Offset > 0 {
		return int(se.Offset) - 1 // Offset counts the offending byte
	}
	return len(b)
}

// syntaxLine is the line of the byte where b, a record starting on line
// first, stops being valid JSON (first when it cannot tell).
func syntaxLine(b []byte, first int) int {
	off := syntaxOffset(b)
	return first + bytes.Count(b[:min(off, len(b))], []byte("\n"))
}
