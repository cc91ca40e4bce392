package web

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
)

// graphKey keys the graph a page's names are read from in the render
// context.
type graphKey struct{}

// WithGraph returns ctx carrying g: the components that show a node by
// name (name, phrase) read it with names.Of from g. Handlers render every
// page under the graph of the state being served; without one a name is
// read from the ID alone.
func WithGraph(ctx context.Context, g *graph.Graph) context.Context {
	return context.WithValue(ctx, graphKey{}, g)
}

// nameFor is the name of node id under the graph in ctx.
func nameFor(ctx context.Context, id string) names.Name {
	g, _ := ctx.Value(graphKey{}).(*graph.Graph)
	return names.Of(g, id)
}

// nameURL is the page of a named node: a service's or job's detail, a
// principal's identity page, a project's or folder's scores, else the
// graph explorer focused on it; "" for a node the graph does not hold.
func nameURL(n names.Name) templ.SafeURL {
	if !n.Known {
		return ""
	}
	switch {
	case n.Kind.IsWorkload():
		return ServiceURL(n.Full)
	case n.Kind == graph.KindProject:
		return ScopeURL("project", n.Full)
	case n.Kind == graph.KindFolder:
		return ScopeURL("folder", n.Full)
	case n.Kind == graph.KindOrganization:
		return "/scores?scope=organization"
	case n.Kind.IsPrincipal() && n.Kind != graph.KindOther:
		return IdentityURL(n.Full)
	}
	return GraphURL(n.Full)
}

// nameParts writes a name: the noun (withNoun), the short text linked to
// href (or not, when href is "") with the full ID as its title, the context
// (withContext) and the tag, separated by single spaces and with none
// around them (a name is followed by punctuation in sentences). It is
// written here rather than in templ, whose line breaks between elements
// would leave a space before that punctuation.
func nameParts(n names.Name, href templ.SafeURL, testid string, withContext, withNoun bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var err error
		put := func(ss ...string) {
			for _, x := range ss {
				if err == nil {
					_, err = io.WriteString(w, x)
				}
			}
		}
		esc := templ.EscapeString[string]
		put(`<span class="name" data-kind="`, esc(string(n.Kind)), `">`)
		if withNoun && n.Noun != "" {
			put(`<span class="noun">`, esc(n.Noun), `</span> `)
		}
		end := `</span>`
		if href != "" {
			put(`<a class="nm" href="`, esc(string(href)), `"`)
			if testid != "" {
				put(` data-testid="`, esc(testid), `"`)
			}
			end = `</a>`
		} else {
			put(`<span class="nm"`)
		}
		put(` title="`, esc(n.Title()), `">`, esc(n.Short()), end)
		if withContext && n.Context != "" {
			put(` <span class="ctx">`, esc(n.Context), `</span>`)
		}
		if n.Tag != "" {
			put(` <span class="tag">`, esc(n.Tag), `</span>`)
		}
		put(`</span>`)
		return err
	})
}
