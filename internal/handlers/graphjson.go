package handlers

import (
	"maps"
	"slices"
	"strconv"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/jsonw"
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
		b = jsonw.AppendString(b, v.Focus)
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
			b = jsonw.AppendString(b, string(k))
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
		b = jsonw.AppendString(b, n.ID)
		b = append(b, `,"kind":`...)
		b = jsonw.AppendString(b, string(n.Kind))
		b = append(b, `,"label":`...)
		b = jsonw.AppendString(b, n.Label)
		for _, f := range [...]struct{ key, v string }{{`,"name":`, n.Name}, {`,"project":`, n.Project}, {`,"parent":`, n.Parent}} {
			if f.v != "" {
				b = append(b, f.key...)
				b = jsonw.AppendString(b, f.v)
			}
		}
		if len(n.Labels) > 0 {
			b = append(b, `,"labels":{`...)
			for i, k := range slices.Sorted(maps.Keys(n.Labels)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = jsonw.AppendString(b, k)
				b = append(b, ':')
				b = jsonw.AppendString(b, n.Labels[k])
			}
			b = append(b, '}')
		}
		b = append(b, ',')
	}
	if n.Severity != "" {
		b = append(b, `"severity":`...)
		b = jsonw.AppendString(b, n.Severity)
		b = append(b, ',')
	}
	b = append(b, `"findings":`...)
	b = strconv.AppendInt(b, int64(n.Findings), 10)
	for _, f := range [...]struct{ key, v string }{{`,"context":`, n.Context}, {`,"tag":`, n.Tag}} {
		if f.v != "" {
			b = append(b, f.key...)
			b = jsonw.AppendString(b, f.v)
		}
	}
	return append(b, '}')
}

func appendEdge(b []byte, e graph.Edge) []byte {
	b = append(b, `{"from":`...)
	b = jsonw.AppendString(b, e.From)
	b = append(b, `,"to":`...)
	b = jsonw.AppendString(b, e.To)
	b = append(b, `,"kind":`...)
	b = jsonw.AppendString(b, string(e.Kind))
	for _, f := range [...]struct{ key, v string }{{`,"role":`, e.Role}, {`,"via":`, e.Via}, {`,"condition":`, e.Condition}, {`,"conditionTitle":`, e.CondTitle}} {
		if f.v != "" {
			b = append(b, f.key...)
			b = jsonw.AppendString(b, f.v)
		}
	}
	if len(e.Permissions) > 0 {
		b = append(b, `,"permissions":[`...)
		for i, p := range e.Permissions {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.AppendString(b, p)
		}
		b = append(b, ']')
	}
	if e.Detail != "" {
		b = append(b, `,"detail":`...)
		b = jsonw.AppendString(b, e.Detail)
	}
	return append(b, '}')
}
