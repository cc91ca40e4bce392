package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/picture"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/web"
)

// graphQuery is the input of the graph page and the graph API.
type graphQuery struct {
	Q         string
	Focus     string
	Query     string // "", "reach", "path"
	Direction graph.Direction
	Depth     int
	Kinds     []graph.EdgeKind
	From, To  string
}

func bindGraphQuery(c echo.Context) (graphQuery, error) {
	q := graphQuery{Q: c.QueryParam("q"), Focus: c.QueryParam("focus"), Query: c.QueryParam("query"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Depth: 1}
	if q.Focus == "" {
		q.Focus = c.QueryParam("id")
	}
	if d := c.QueryParam("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 4 {
			return q, echo.NewHTTPError(http.StatusBadRequest, "depth must be 1 to 4")
		}
		q.Depth = n
	}
	switch c.QueryParam("direction") {
	case "", "forward":
	case "reverse":
		q.Direction = graph.Reverse
	default:
		return q, echo.NewHTTPError(http.StatusBadRequest, "direction must be forward or reverse")
	}
	valid := map[string]bool{}
	for _, k := range graph.EdgeKinds() {
		valid[string(k)] = true
	}
	for _, k := range c.QueryParams()["kind"] {
		if !valid[k] {
			return q, echo.NewHTTPError(http.StatusBadRequest, "unknown edge kind "+strconv.Quote(k))
		}
		q.Kinds = append(q.Kinds, graph.EdgeKind(k))
	}
	return q, nil
}

// endpoint resolves what a user typed as a path end: an exact ID, else the
// one node the search finds, else the one whose name is exactly the text
// (any case). When several remain it returns them instead, for the page to
// ask which one.
func (h *Handler) endpoint(text string) (string, []graph.Match, error) {
	if text == "" {
		return "", nil, posture.ErrUnknownNode
	}
	if _, err := h.posture.Node(text); err == nil {
		return text, nil, nil
	}
	m, err := h.posture.Search(text)
	if err != nil {
		return "", nil, err
	}
	switch len(m) {
	case 0:
		return "", nil, posture.ErrUnknownNode
	case 1:
		return m[0].Node.ID, nil, nil
	}
	var exact []graph.Match
	for _, x := range m {
		if strings.EqualFold(x.Node.Label, text) || strings.EqualFold(strings.TrimPrefix(x.Node.ID, "serviceAccount:"), text) {
			exact = append(exact, x)
		}
	}
	if len(exact) == 1 {
		return exact[0].Node.ID, nil, nil
	}
	if len(exact) > 1 {
		m = exact
	}
	return "", m, nil
}

// dataURL is the JSON the page's picture draws: the same query, on the API.
func dataURL(q graphQuery) string {
	v := url.Values{}
	switch q.Query {
	case "path":
		v.Set("from", q.From)
		v.Set("to", q.To)
		return "/api/v1/graph/path?" + v.Encode()
	case "reach":
		v.Set("id", q.Focus)
		if q.Direction == graph.Reverse {
			v.Set("direction", "reverse")
		}
		for _, k := range q.Kinds {
			v.Add("kind", string(k))
		}
		return "/api/v1/graph/reach?" + v.Encode()
	}
	v.Set("id", q.Focus)
	v.Set("depth", strconv.Itoa(q.Depth))
	for _, k := range q.Kinds {
		v.Add("kind", string(k))
	}
	return "/api/v1/graph/neighbours?" + v.Encode()
}

// Graph is the explorer: search, focus, neighbourhood, reachability both
// ways and paths, drawn and tabulated.
func (h *Handler) Graph(c echo.Context) error {
	q, err := bindGraphQuery(c)
	if err != nil {
		return err
	}
	l := h.layout(c, "Graph", "graph")
	l.Graph = true
	p := web.GraphPage{Layout: l, Q: q.Q, Depth: q.Depth, Query: q.Query,
		Reverse: q.Direction == graph.Reverse, FromText: q.From, ToText: q.To, Selected: map[string]bool{}}
	for _, k := range graph.EdgeKinds() {
		p.EdgeKinds = append(p.EdgeKinds, string(k))
	}
	for _, k := range q.Kinds {
		p.Selected[string(k)] = true
	}
	if q.Q != "" {
		if k, rest, ok := posture.KindOf(q.Q); ok {
			p.KindSearch = capitalize(names.Plural(k, 2))
			p.Matches, p.KindTotal, err = h.posture.SearchKind(k, rest)
		} else {
			p.Matches, err = h.posture.Search(q.Q)
		}
		if err != nil {
			return err
		}
	}
	if key := c.QueryParam("question"); key != "" {
		a, err := h.posture.Ask(key)
		if errors.Is(err, posture.ErrUnknownQuestion) {
			return echo.NewHTTPError(http.StatusNotFound, "No such question.")
		}
		if err != nil {
			return err
		}
		p.Answer = &a
		p.Layout.Title = a.Title
	}
	switch {
	case q.Query == "path":
		if err := h.pathAnswer(&p, q); err != nil {
			return err
		}
	case q.Focus != "":
		if p.Focus, err = h.posture.Node(q.Focus); err != nil {
			if errors.Is(err, posture.ErrUnknownNode) {
				return echo.NewHTTPError(http.StatusNotFound, "No node with that ID in the current snapshot.")
			}
			return err
		}
		if q.Query == "reach" {
			p.Result, p.View, err = h.posture.Reach(q.Focus, q.Direction, q.Kinds)
		} else {
			p.View, err = h.posture.Neighbours(q.Focus, q.Depth, q.Kinds)
		}
		if err != nil {
			return err
		}
		p.DataURL = dataURL(q)
		p.Picture = h.picture(c, p.View)
	}
	return h.render(c, http.StatusOK, web.GraphView(p))
}

// pathAnswer answers a path query on the page: the path as a chain, a calm
// sentence when there is none, or which node an end means when the text
// fits several.
func (h *Handler) pathAnswer(p *web.GraphPage, q graphQuery) error {
	from, fromChoices, err := h.endpoint(q.From)
	to := ""
	if err == nil && fromChoices == nil {
		var toChoices []graph.Match
		if to, toChoices, err = h.endpoint(q.To); err == nil && toChoices != nil {
			p.Choose = choice(q, "end", toChoices, func(v url.Values, id string) { v.Set("from", from); v.Set("to", id) })
			return nil
		}
	} else if err == nil {
		p.Choose = choice(q, "start", fromChoices, func(v url.Values, id string) { v.Set("from", id); v.Set("to", q.To) })
		return nil
	}
	if errors.Is(err, posture.ErrUnknownNode) {
		p.Message = "Nothing in the graph is called “" + q.From + "” or “" + q.To + "”; search for either above to see what there is."
		return nil
	}
	if err != nil {
		return err
	}
	q.From, q.To = from, to
	p.Path, p.View, p.PathFound, err = h.posture.Path(q.From, q.To)
	if err != nil {
		return err
	}
	p.From, p.To = q.From, q.To
	if !p.PathFound {
		g := h.graph()
		p.Message = "No path: nothing in this snapshot lets " + names.Of(g, q.From).Phrase() + " reach " + names.Of(g, q.To).Phrase() + "."
		return nil
	}
	p.DataURL = dataURL(q)
	return nil
}

// choice is the question "which one?" for a path end, each option the
// same path query with that end set to the option's ID.
func choice(q graphQuery, end string, m []graph.Match, set func(url.Values, string)) *web.Choice {
	text := q.From
	if end == "end" {
		text = q.To
	}
	c := &web.Choice{Text: text, End: end}
	for _, x := range m {
		v := url.Values{"query": {"path"}}
		set(v, x.Node.ID)
		c.Options = append(c.Options, web.ChoiceOption{ID: x.Node.ID, URL: templ.SafeURL("/graph?" + v.Encode())})
	}
	return c
}

// capitalize upper-cases the first letter of s (ASCII).
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// maxExpand bounds the groups a URL may ask to unfold.
const maxExpand = 16

// picture draws v for the page being asked, whose URL (less its expand
// parameters, which name the groups to unfold) unfolds the picture's
// groups.
func (h *Handler) picture(c echo.Context, v posture.View) web.Picture {
	exp := c.QueryParams()["expand"]
	exp = exp[:min(len(exp), maxExpand)]
	set := make(map[string]bool, len(exp))
	for _, k := range exp {
		set[k] = true
	}
	u := *c.Request().URL
	q := u.Query()
	q.Del("expand")
	u.RawQuery, u.Fragment = q.Encode(), ""
	return web.Picture{Picture: picture.Draw(h.graph(), v, set), Base: u.RequestURI(), Expanded: exp}
}

// graphError maps an unknown node to 404 for the API.
func graphError(err error) error {
	if errors.Is(err, posture.ErrUnknownNode) {
		return echo.NewHTTPError(http.StatusNotFound, "no such node in the current snapshot")
	}
	return err
}

// APIGraphSearch finds nodes by name or email.
func (h *Handler) APIGraphSearch(c echo.Context) error {
	m, err := h.posture.Search(c.QueryParam("q"))
	if err != nil {
		return err
	}
	// Each match labelled with its display name, as the views are (the
	// graph's nodes are shared: a copy is labelled).
	out := make([]graph.Match, 0, len(m))
	g := h.graph()
	for _, x := range m {
		n := *x.Node
		n.Label = names.Of(g, n.ID).Text
		out = append(out, graph.Match{Node: &n, Prefix: x.Prefix})
	}
	return c.JSON(http.StatusOK, map[string]any{"matches": out})
}

// APIGraphNeighbours returns the neighbourhood of a node.
func (h *Handler) APIGraphNeighbours(c echo.Context) error {
	q, err := bindGraphQuery(c)
	if err != nil {
		return err
	}
	cur, err := h.posture.Current()
	if err != nil {
		return err
	}
	// The same neighbourhood is asked by everyone who opens the node, and
	// the answer only changes with the served state: memoized there.
	key := fmt.Sprintf("neighbours\x00%s\x00%d\x00%v", q.Focus, q.Depth, q.Kinds)
	err = cur.Memo(key, func(dst []byte) ([]byte, error) {
		v, err := cur.Neighbours(q.Focus, q.Depth, q.Kinds)
		if err != nil {
			return nil, err
		}
		return append(appendView(dst, v), '\n'), nil // as c.JSON writes it
	}, func(b []byte) error {
		return c.JSONBlob(http.StatusOK, b)
	})
	return graphError(err)
}

// APIGraphReach answers "what can X reach" / "who can reach X".
func (h *Handler) APIGraphReach(c echo.Context) error {
	q, err := bindGraphQuery(c)
	if err != nil {
		return err
	}
	res, v, err := h.posture.Reach(q.Focus, q.Direction, q.Kinds)
	if err != nil {
		return graphError(err)
	}
	v.Truncated = v.Truncated || res.Truncated
	return c.JSON(http.StatusOK, map[string]any{"result": res, "nodes": v.Nodes, "edges": v.Edges, "focus": v.Focus, "truncated": v.Truncated, "omitted": v.Omitted})
}

// APIGraphPath returns a shortest explained path.
func (h *Handler) APIGraphPath(c echo.Context) error {
	var ends [2]string
	for i, text := range []string{c.QueryParam("from"), c.QueryParam("to")} {
		id, choices, err := h.endpoint(text)
		if err != nil {
			return graphError(err)
		}
		if choices != nil {
			return c.JSON(http.StatusConflict, map[string]any{"message": fmt.Sprintf("%d nodes match %q: give one's ID", len(choices), text), "candidates": choices})
		}
		ends[i] = id
	}
	from, to := ends[0], ends[1]
	path, v, ok, err := h.posture.Path(from, to)
	if err != nil {
		return graphError(err)
	}
	if path == nil {
		path = []graph.Step{}
	}
	return c.JSON(http.StatusOK, map[string]any{"found": ok, "from": from, "to": to, "path": path, "nodes": v.Nodes, "edges": v.Edges, "focus": from})
}

// APIGraphBlastRadius returns what an identity can reach and with which roles.
func (h *Handler) APIGraphBlastRadius(c echo.Context) error {
	d, err := h.posture.Identity(c.QueryParam("id"))
	if err != nil {
		return graphError(err)
	}
	ex := d.Reach
	if ex == nil {
		ex = []graph.Exposure{}
	}
	return c.JSON(http.StatusOK, map[string]any{"id": d.Node.ID, "exposures": ex, "truncated": d.ReachResult.Truncated, "omitted": d.ReachResult.Omitted})
}

// Identity shows an identity: who uses it, who can act as it, what it can
// reach, keys, findings and recommender data.
func (h *Handler) Identity(c echo.Context) error {
	id, err := pathID(c, "/identities/")
	if err != nil {
		return err
	}
	d, err := h.posture.Identity(id)
	if errors.Is(err, posture.ErrUnknownNode) {
		return echo.NewHTTPError(http.StatusNotFound, "No identity with that ID in the current snapshot.")
	}
	if err != nil {
		return err
	}
	rows, err := h.posture.FindingRows(c.Request().Context(), d.Findings)
	if err != nil {
		return err
	}
	v, err := h.posture.Neighbours(id, 1, nil)
	if err != nil {
		return err
	}
	l := h.layout(c, names.Of(nil, d.Node.ID).Text, "graph")
	l.Graph = true
	return h.render(c, http.StatusOK, web.IdentityView(web.IdentityPage{Layout: l, IdentityDetail: d, Picture: h.picture(c, v),
		Rows: rows, Actions: h.findingActions(c)}))
}
