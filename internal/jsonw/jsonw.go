// Package jsonw appends JSON text the way encoding/json writes it, for the
// few hot paths that write JSON by hand (a graph answer of hundreds of KiB,
// the generator's million records) instead of by reflection. It imports no
// other project package.
package jsonw

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// htmlSafe and plain say which bytes are copied as they are: ASCII that
// needs no escape (and, for htmlSafe, is not <, > or &).
var htmlSafe, plain = func() (h, p [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\'
		h[c] = p[c] && c != '<' && c != '>' && c != '&'
	}
	return h, p
}()

// AppendString appends s as a JSON string, byte for byte as encoding/json
// writes it: HTML-safe (<, >, & as \u003c ...), U+2028 and U+2029 escaped,
// invalid UTF-8 replaced by U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i, start := 0, 0; ; {
		for i < len(s) && htmlSafe[s[i]] { // the table is a constant here: one load a byte
			i++
		}
		if i == len(s) {
			return append(append(dst, s[start:]...), '"')
		}
		dst, i, start = escape(dst, s, i, start)
	}
}

// AppendStringNoHTML is AppendString without the HTML escapes, as an
// encoding/json Encoder with SetEscapeHTML(false) writes it (and as gcloud's
// exports read).
func AppendStringNoHTML(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i, start := 0, 0; ; {
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i == len(s) {
			return append(append(dst, s[start:]...), '"')
		}
		dst, i, start = escape(dst, s, i, start)
	}
}

// escape handles s[i], a byte the plain tables do not pass: it appends
// s[start:i] and s[i]'s escape if it needs one, and returns where to go on
// from and where the text to copy as it is starts.
func escape(dst []byte, s string, i, start int) ([]byte, int, int) {
	if c := s[i]; c < utf8.RuneSelf {
		dst = append(dst, s[start:i]...)
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default: // other control characters, and <, >, & when HTML-safe
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		return dst, i + 1, i + 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		dst = append(dst, s[start:i]...)
		return append(dst, `\ufffd`...), i + 1, i + 1
	case r == '\u2028' || r == '\u2029':
		dst = append(dst, s[start:i]...)
		return append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF]), i + size, i + size
	}
	return dst, i + size, start // valid UTF-8: copied as it is, later
}
