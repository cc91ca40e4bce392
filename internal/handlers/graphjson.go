package handlers

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
)

// appendView appends v as encoding/json writes it (struct tags, sorted map
// keys, HTML-safe escaping, invalid UTF-8 replaced). A neighbourhood is
// hundreds of nodes and edges, and encoding/json's reflection was most of
// the cost of computing one; TestAppendView holds this to encoding/json byte
// for byte.
func appendView(b []byte, v posture.View) []byte {
	b = append(b, '{')
	if v.Focus != "" {
		b = append(b, `"focus":`...)
		b = appendString(b, v.Focus)
		b = append(b, ',')
	}
	b = append(b, `"nodes":`...)
	if v.Nodes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, n := range v.Nodes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendViewNode(b, n)
		}
		b = append(b, ']')
	}
	b = append(b, `,"edges":`...)
	if v.Edges == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, e := range v.Edges {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEdge(b, e)
		}
		b = append(b, ']')
	}
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, v.Truncated)
	if len(v.Omitted) > 0 {
		b = append(b, `,"omitted":{`...)
		for i, k := range slices.Sorted(maps.Keys(v.Omitted)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, string(k))
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(v.Omitted[k]), 10)
		}
		b = append(b, '}')
	}
	if len(v.Path) > 0 {
		b = append(b, `,"path":[`...)
		for i, st := range v.Path {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"edge":`...)
			b = appendEdge(b, st.Edge)
			if st.Contains {
				b = append(b, `,"contains":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendViewNode(b []byte, n posture.ViewNode) []byte {
	b = append(b, '{')
	if n.Node != nil {
		b = append(b, `"id":`...)
		b = appendString(b, n.ID)
		b = append(b, `,"kind":`...)
		b = appendString(b, string(n.Kind))
		b = append(b, `,"label":`...)
		b = appendString(b, n.Label)
		for _, f := range [...]struct{ key, v string }{{`,"name":`, n.Name}, {`,"project":`, n.Project}, {`,"parent":`, n.Parent}} {
			if f.v != "" {
				b = append(b, f.key...)
				b = appendString(b, f.v)
			}
		}
		if len(n.Labels) > 0 {
			b = append(b, `,"labels":{`...)
			for i, k := range slices.Sorted(maps.Keys(n.Labels)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				b = appendString(b, n.Labels[k])
			}
			b = append(b, '}')
		}
		b = append(b, ',')
	}
	if n.Severity != "" {
		b = append(b, `"severity":`...)
		b = appendString(b, n.Severity)
		b = append(b, ',')
	}
	b = append(b, `"findings":`...)
	b = strconv.AppendInt(b, int64(n.Findings), 10)
	return append(b, '}')
}

func appendEdge(b []byte, e graph.Edge) []byte {
	b = append(b, `{"from":`...)
	b = appendString(b, e.From)
	b = append(b, `,"to":`...)
	b = appendString(b, e.To)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(e.Kind))
	for _, f := range [...]struct{ key, v string }{{`,"role":`, e.Role}, {`,"via":`, e.Via}, {`,"condition":`, e.Condition}, {`,"conditionTitle":`, e.CondTitle}} {
		if f.v != "" {
			b = append(b, f.key...)
			b = appendString(b, f.v)
		}
	}
	if len(e.Permissions) > 0 {
		b = append(b, `,"permissions":[`...)
		for i, p := range e.Permissions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, p)
		}
		b = append(b, ']')
	}
	if e.Detail != "" {
		b = append(b, `,"detail":`...)
		b = appendString(b, e.Detail)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// plainByte says which bytes appendString copies as they are: ASCII that
// needs no escape, HTML-safe.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString is encoding/json's string encoding with HTML escaping.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if plainByte[s[i]] {
			i++
			continue
		}
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
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
