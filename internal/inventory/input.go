package inventory

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
)

// Refusal is an input that held no asset record, and what it looks like
// instead.
type Refusal struct {
	Input string // the file, directory or input name
	Looks string // "empty", "YAML, not JSON", "a search response (...)", ...
}

// maxRefused bounds Inventory.Refused; the rest are counted.
const maxRefused = 100

// ErrNoRecords is the error (matched with errors.Is) of an inventory read
// from inputs that hold no Cloud Asset Inventory record at all: there is
// nothing to scan, and a scan of nothing would score a perfect 100.
var ErrNoRecords = errors.New("no Cloud Asset Inventory record in the input")

// NoRecordsError is ErrNoRecords with what each input looked like instead.
type NoRecordsError struct {
	Refused []Refusal
	More    int // inputs refused beyond Refused
}

// Error names the first five inputs and what each looks like, and counts
// the others.
func (e *NoRecordsError) Error() string {
	const named = 5
	var b strings.Builder
	b.WriteString(ErrNoRecords.Error())
	for i, rf := range e.Refused[:min(len(e.Refused), named)] {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", rf.Input, rf.Looks)
	}
	if more := e.More + max(len(e.Refused)-named, 0); more > 0 {
		fmt.Fprintf(&b, "; and %d more inputs", more)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNoRecords) hold.
func (e *NoRecordsError) Is(target error) bool { return target == ErrNoRecords }

// NoRecords returns a *NoRecordsError if the inventory holds no asset at
// all (every input was empty, or something other than CAI), naming each
// input and what it looks like; nil otherwise.
func (inv *Inventory) NoRecords() error {
	if len(inv.Assets) > 0 {
		return nil
	}
	return &NoRecordsError{Refused: inv.Refused, More: inv.RefusedMore}
}

// addProblem records p: it is counted, and listed if fewer than
// MaxProblems are.
func (r *Reader) addProblem(p Problem) {
	if r.inv.ProblemCounts == nil {
		r.inv.ProblemCounts = map[ProblemKind]int{}
	}
	r.inv.ProblemCounts[p.Kind]++
	if len(r.inv.Problems) < MaxProblems {
		r.inv.Problems = append(r.inv.Problems, p)
	}
}

// refuse notes an input that held no asset record.
func (r *Reader) refuse(input, looks string) {
	if len(r.inv.Refused) < maxRefused {
		r.inv.Refused = append(r.inv.Refused, Refusal{Input: input, Looks: looks})
		return
	}
	r.inv.RefusedMore++
}

// looksFor notes what the file being read looks like, from the first
// record of it that is not an asset record.
func (r *Reader) looksFor(looks string) {
	if r.fileLooks == "" {
		r.fileLooks = looks
	}
}

// fileKind names a file mode that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

var yamlKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)`)

// looksLike says what a text that is not JSON looks like, from its first
// line (br is at its first non-blank byte). It never quotes the text: an
// input may hold secrets.
func looksLike(br *bufio.Reader) string {
	head, _ := br.Peek(512)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	first = bytes.TrimSpace(first)
	switch {
	case bytes.HasPrefix(first, []byte("<")):
		return "XML or HTML, not JSON"
	case bytes.HasPrefix(first, []byte("---")), bytes.HasPrefix(first, []byte("- ")), yamlKey.Match(first):
		return "YAML, not JSON"
	case bytes.ContainsAny(first, ",;\t"):
		return "CSV or other text, not JSON"
	}
	return "text, not JSON"
}

// ctxReader reads from r until ctx ends, then fails with ctx's error: a
// large input stops being read as soon as the scan or sync reading it is
// cancelled (SIGINT, SIGTERM, the console's Cancel).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// gzipInput is the text of a gzip-compressed input. A corrupt or cut-short
// stream ends the text (io.EOF) and is kept in err, to be reported as a
// problem: the records before it are still read. Errors of the input
// underneath (I/O, cancellation) are passed on.
type gzipInput struct {
	zr  *gzip.Reader
	err error
}

func (g *gzipInput) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && isGzipFormatError(err) {
		g.err = err
		return n, io.EOF
	}
	return n, err
}

// isGzipFormatError reports whether err is about the compressed data, not
// about reading it.
func isGzipFormatError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt)
}
