package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/names"
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

// resolve turns what a user typed into a node ID: an exact ID, or the best
// search match.
func (h *Handler) resolve(text string) (string, error) {
	if text == "" {
		return "", posture.ErrUnknownNode
	}
	if _, err := h.posture.Node(text); err == nil {
		return text, nil
	}
	m, err := h.posture.Search(text)
	if err != nil {
		return "", err
	}
	if len(m) == 0 {
		return "", posture.ErrUnknownNode
	}
	return m[0].Node.ID, nil
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
		if p.Matches, err = h.posture.Search(q.Q); err != nil {
			return err
		}
	}
	switch {
	case q.Query == "path":
		if q.From, err = h.resolve(q.From); err == nil {
			q.To, err = h.resolve(q.To)
		}
		if errors.Is(err, posture.ErrUnknownNode) {
			p.Message = "Nothing in the graph matches the path's start or end."
			break
		}
		if err != nil {
			return err
		}
		p.Path, p.View, p.PathFound, err = h.posture.Path(q.From, q.To)
		if err != nil {
			return err
		}
		p.From, p.To = q.From, q.To
		p.DataURL = dataURL(q)
		if !p.PathFound {
			p.Message = "No path: " + q.To + " cannot be reached from " + q.From + "."
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
	}
	return h.render(c, http.StatusOK, web.GraphView(p))
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
	if m == nil {
		m = []graph.Match{}
	}
	return c.JSON(http.StatusOK, map[string]any{"matches": m})
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
	from, err := h.resolve(c.QueryParam("from"))
	if err != nil {
		return graphError(err)
	}
	to, err := h.resolve(c.QueryParam("to"))
	if err != nil {
		return graphError(err)
	}
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
	l := h.layout(c, names.Of(nil, d.Node.ID).Text, "graph")
	l.Graph = true
	return h.render(c, http.StatusOK, web.IdentityView(web.IdentityPage{Layout: l, IdentityDetail: d, DataURL: dataURL(graphQuery{Focus: id, Depth: 1}),
		Rows: rows, Actions: h.findingActions(c)}))
}
