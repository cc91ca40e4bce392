package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/a-h/templ"
)

// codeLine is one line of a rendering with the class that colours it.
type codeLine struct {
	Text  string
	Class string
}

// diffLines splits a unified diff into lines classed by their first
// characters: "--- " and "+++ " file labels (dl-file), "@@" hunk headers
// (dl-hunk), "+" added (dl-add), "-" removed (dl-del), "#" comments
// (dl-comment), anything else context (dl-ctx).
func diffLines(text string) []codeLine {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	var out []codeLine
	for _, l := range strings.Split(text, "\n") {
		c := "dl-ctx"
		switch {
		case strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "):
			c = "dl-file"
		case strings.HasPrefix(l, "@@"):
			c = "dl-hunk"
		case strings.HasPrefix(l, "+"):
			c = "dl-add"
		case strings.HasPrefix(l, "-"):
			c = "dl-del"
		case strings.HasPrefix(l, "#"):
			c = "dl-comment"
		}
		out = append(out, codeLine{Text: l, Class: c})
	}
	return out
}

// exportURL downloads change set id in format (a file with its header).
func exportURL(id int64, format string) templ.SafeURL {
	return templ.SafeURL(fmt.Sprintf("/changes/%d/export?format=%s", id, url.QueryEscape(format)))
}
