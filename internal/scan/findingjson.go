package scan

import (
	"unicode/utf8"

	"github.com/runlens/runlens/internal/rules"
)

// appendFinding appends f as an element of the findings array of the scan
// document: encoding/json's output for a rules.Finding indented with
// prefix (the depth the element sits at) and two spaces, byte for byte,
// without reflection. A finding with a path in its evidence (graph edges)
// reports false, and the caller encodes it the general way. A test holds
// the two to the same bytes on the demo and on hostile strings.
func appendFinding(dst []byte, f *rules.Finding, prefix string) ([]byte, bool) {
	if len(f.Evidence.Path) > 0 {
		return dst, false
	}
	in1, in2, in3, in4 := prefix+"  ", prefix+"    ", prefix+"      ", prefix+"        "
	dst = append(dst, "{\n"...)
	dst = appendMember(dst, in1, "id", f.ID, true)
	dst = appendMember(dst, in1, "check", f.Check, true)
	dst = appendMember(dst, in1, "severity", f.Severity.String(), true)
	dst = appendMember(dst, in1, "title", f.Title, true)
	dst = appendMember(dst, in1, "subject", f.Subject, true)
	dst = appendStrings(dst, in1, "affects", f.Affects)
	dst = append(dst, ",\n"...)
	dst = append(dst, in1...)
	dst = append(dst, `"evidence": `...)
	ev := &f.Evidence
	if len(ev.Bindings) == 0 && len(ev.Fields) == 0 && ev.Note == "" {
		dst = append(dst, "{}"...)
	} else {
		dst = append(dst, "{\n"...)
		more := false
		next := func() {
			if more {
				dst = append(dst, ",\n"...)
			}
			more = true
		}
		if len(ev.Bindings) > 0 {
			next()
			dst = append(dst, in2...)
			dst = append(dst, "\"bindings\": [\n"...)
			for i, b := range ev.Bindings {
				if i > 0 {
					dst = append(dst, ",\n"...)
				}
				dst = append(dst, in3...)
				dst = append(dst, "{\n"...)
				dst = appendMember(dst, in4, "role", b.Role, true)
				dst = appendMember(dst, in4, "member", b.Member, true)
				dst = appendMember(dst, in4, "via", b.Via, b.Condition != "")
				if b.Condition != "" {
					dst = appendMember(dst, in4, "condition", b.Condition, false)
				}
				dst = append(dst, '\n')
				dst = append(dst, in3...)
				dst = append(dst, '}')
			}
			dst = append(dst, '\n')
			dst = append(dst, in2...)
			dst = append(dst, ']')
		}
		if len(ev.Fields) > 0 {
			next()
			dst = append(dst, in2...)
			dst = append(dst, "\"fields\": [\n"...)
			for i, fe := range ev.Fields {
				if i > 0 {
					dst = append(dst, ",\n"...)
				}
				dst = append(dst, in3...)
				dst = append(dst, "{\n"...)
				dst = appendMember(dst, in4, "field", fe.Field, true)
				dst = appendMember(dst, in4, "value", fe.Value, false)
				dst = append(dst, '\n')
				dst = append(dst, in3...)
				dst = append(dst, '}')
			}
			dst = append(dst, '\n')
			dst = append(dst, in2...)
			dst = append(dst, ']')
		}
		if ev.Note != "" {
			next()
			dst = appendMember(dst, in2, "note", ev.Note, false)
		}
		dst = append(dst, '\n')
		dst = append(dst, in1...)
		dst = append(dst, '}')
	}
	dst = append(dst, ",\n"...)
	dst = append(dst, in1...)
	if f.Excepted {
		dst = append(dst, `"excepted": true`...)
	} else {
		dst = append(dst, `"excepted": false`...)
	}
	if f.BaselineState != "" {
		dst = append(dst, ",\n"...)
		dst = appendMember(dst, in1, "baselineState", f.BaselineState, false)
	}
	if len(f.Addresses) > 0 {
		dst = append(dst, ",\n"...)
		dst = appendStrings(dst, in1, "addresses", f.Addresses)
	}
	dst = append(dst, '\n')
	dst = append(dst, prefix...)
	dst = append(dst, '}')
	return dst, true
}

// appendMember appends `indent"name": "value"`, and ",\n" when more follow.
func appendMember(dst []byte, indent, name, value string, more bool) []byte {
	dst = append(dst, indent...)
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `": `...)
	dst = appendJSONString(dst, value)
	if more {
		dst = append(dst, ",\n"...)
	}
	return dst
}

// appendStrings appends `indent"name": [...]` as encoding/json indents a
// string slice: null when nil, [] when empty.
func appendStrings(dst []byte, indent, name string, ss []string) []byte {
	dst = append(dst, indent...)
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `": `...)
	switch {
	case ss == nil:
		return append(dst, "null"...)
	case len(ss) == 0:
		return append(dst, "[]"...)
	}
	dst = append(dst, "[\n"...)
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ",\n"...)
		}
		dst = append(dst, indent...)
		dst = append(dst, "  "...)
		dst = appendJSONString(dst, s)
	}
	dst = append(dst, '\n')
	dst = append(dst, indent...)
	return append(dst, ']')
}

// appendJSONString appends s quoted as encoding/json quotes strings (its
// appendString with HTML escaping, Go 1.22 and later): <, > and & as
// \u003c, \u003e and \u0026, control characters as \b \f \n \r \t or
// \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
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
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
