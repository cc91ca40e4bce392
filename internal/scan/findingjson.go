package scan

import (
	"github.com/runlens/runlens/internal/jsonw"
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
	dst = jsonw.AppendString(dst, value)
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
		dst = jsonw.AppendString(dst, s)
	}
	dst = append(dst, '\n')
	dst = append(dst, indent...)
	return append(dst, ']')
}
