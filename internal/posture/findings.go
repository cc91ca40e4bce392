package posture

import (
	"cmp"
	"context"
	"maps"
	"math/bits"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/store"
)

// State is where a finding stands. Each finding has exactly one, decided
// in this order: fixed (gone since the previous snapshot, or its change
// set applied and not yet checked by a sync, or verified), excepted (its
// risk accepted), fix proposed (a change set under way: proposed, or
// approved and not lapsed), else open.
type State uint8

// States of a finding.
const (
	StateOpen State = iota
	StateExcepted
	StateProposed
	StateFixed
	numStates
)

// AllStates lists every state, in the order the filter shows them.
func AllStates() []State { return []State{StateOpen, StateProposed, StateExcepted, StateFixed} }

// DefaultStates is what the findings views show when the URL names no
// state: what still needs someone (as SCC shows active findings and
// GitHub open alerts).
func DefaultStates() []State { return []State{StateOpen, StateProposed} }

// String is the state's name in URLs and exports: open, excepted,
// proposed, fixed.
func (s State) String() string {
	switch s {
	case StateOpen:
		return "open"
	case StateExcepted:
		return "excepted"
	case StateProposed:
		return "proposed"
	case StateFixed:
		return "fixed"
	}
	return "unknown"
}

// Label is the state in words: "fix proposed" for proposed.
func (s State) Label() string {
	if s == StateProposed {
		return "fix proposed"
	}
	return s.String()
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseState parses a state's name (String); "fix proposed" is accepted
// for proposed.
func ParseState(v string) (State, bool) {
	for _, s := range AllStates() {
		if v == s.String() || v == s.Label() {
			return s, true
		}
	}
	return 0, false
}

// FindingFilter selects findings, and how to show them. The zero value is
// every finding in every state, grouped by check; ParseFindingFilter is
// what a URL asks for (DefaultStates when it names no state).
type FindingFilter struct {
	Checks     []string         // check slugs; none: every check
	Severities []rules.Severity // none: every severity
	States     []State          // none: every state
	Project    string           // project ID of an affected workload (or of the subject, if it affects none)
	Label      string           // "key=value" on an affected workload
	List       bool             // the flat list (else grouped by check)
	Page       int              // of the flat list, 1-based; out of range means the nearest page
}

// ParseFindingFilter reads a filter from a URL's query: check and severity
// may repeat; state may repeat, and is DefaultStates when absent and every
// state when present but empty (state=); view=list asks for the flat list.
// Unknown severities and states are ignored.
func ParseFindingFilter(q url.Values) FindingFilter {
	f := FindingFilter{Project: strings.TrimSpace(q.Get("project")), Label: strings.TrimSpace(q.Get("label")), List: q.Get("view") == "list"}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	for _, c := range q["check"] {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(f.Checks, c) {
			f.Checks = append(f.Checks, c)
		}
	}
	slices.Sort(f.Checks)
	for _, v := range q["severity"] {
		if sev, err := rules.ParseSeverity(v); err == nil && !slices.Contains(f.Severities, sev) {
			f.Severities = append(f.Severities, sev)
		}
	}
	slices.SortFunc(f.Severities, func(a, b rules.Severity) int { return int(b) - int(a) })
	vs, named := q["state"]
	if !named {
		f.States = DefaultStates()
		return f
	}
	for _, v := range vs {
		if s, ok := ParseState(v); ok && !slices.Contains(f.States, s) {
			f.States = append(f.States, s)
		}
	}
	slices.Sort(f.States)
	return f
}

// Values is the filter as a URL query, the inverse of ParseFindingFilter
// (the page only for the list, when set).
func (f FindingFilter) Values() url.Values {
	v := url.Values{}
	for _, c := range f.Checks {
		v.Add("check", c)
	}
	for _, s := range f.Severities {
		v.Add("severity", s.String())
	}
	switch states := sortedStates(f.States); {
	case slices.Equal(states, sortedStates(DefaultStates())):
	case len(states) == 0 || len(states) == int(numStates):
		v.Set("state", "")
	default:
		for _, s := range states {
			v.Add("state", s.String())
		}
	}
	if f.Project != "" {
		v.Set("project", f.Project)
	}
	if f.Label != "" {
		v.Set("label", f.Label)
	}
	if f.List {
		v.Set("view", "list")
		if f.Page > 0 {
			v.Set("page", strconv.Itoa(f.Page))
		}
	}
	return v
}

func sortedStates(s []State) []State {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// key identifies what the filter selects (not how it is shown).
func (f FindingFilter) key() string {
	f.List, f.Page = false, 0
	f.States = sortedStates(f.States)
	if len(f.States) == int(numStates) {
		f.States = nil
	}
	return f.Values().Encode()
}

// FindingRow is a finding with the projects of the workloads it affects
// and where it stands.
type FindingRow struct {
	rules.Finding
	Projects []string `json:"projects"`
	State    State    `json:"state"`
	// ChangeSet is the change set under way for it (proposed, approved or
	// applied awaiting a sync), 0 if none: a second is not offered.
	ChangeSet int64 `json:"changeSet,omitempty"`
	// Gone is true for a finding of the previous snapshot that the current
	// one no longer holds (State is fixed).
	Gone bool `json:"gone,omitempty"`
	// ProjectScopes are the project scopes (score drill-down IDs) of
	// Projects, index for index ("" where the project is not in the graph).
	ProjectScopes []string `json:"-"`
}

// FindingsPageSize is how many findings a page of the list holds: a large
// organization has hundreds of thousands.
const FindingsPageSize = 250

// Facet is one value a filter can take, with how many findings it would
// show if chosen (with the other parts of the filter as they are).
type Facet struct {
	Value    string
	Label    string
	N        int
	Selected bool
}

// Facets are the filter's choices, each with its count.
type Facets struct {
	Checks     []Facet // every check with a finding under the rest of the filter, or chosen; the chosen first, then by slug
	Severities []Facet // most severe first
	States     []Facet
	Projects   []Facet // suggestions: the MaxSuggestions projects with most findings
	Labels     []Facet // suggestions: the MaxSuggestions label values with most findings
}

// MaxSuggestions is how many projects and label values the filter
// suggests.
const MaxSuggestions = 200

// FindingList is one page of the findings matching a filter.
type FindingList struct {
	Rows   []FindingRow
	Checks []string // the check slugs present, for the filter's choices
	Total  int      // findings matching the filter
	Page   int
	Pages  int
	Facets Facets
}

// FindingGroup is the findings of one check that match a filter.
type FindingGroup struct {
	Check       string         `json:"check"`
	Title       string         `json:"title"`
	Severity    rules.Severity `json:"severity"` // the highest among them
	Fix         string         `json:"fix"`      // the check's remediation, its first sentence
	Findings    int            `json:"findings"`
	Workloads   int            `json:"workloads"` // services and jobs they affect, each once
	Projects    int            `json:"projects"`  // projects of those (or of the subjects that affect none)
	DocURL      string         `json:"docURL"`
	Instances   []FindingRow   `json:"instances"` // the first GroupInstances, in list order
	MoreInGroup int            `json:"more"`      // how many more the list view has
}

// GroupInstances is how many instances a group shows when expanded; the
// flat list filtered on the check has them all.
const GroupInstances = 20

// FindingGroups is the findings matching a filter, one group per check.
type FindingGroups struct {
	Groups []FindingGroup
	Total  int // findings matching the filter
	Facets Facets
}

// Findings lists one page of the findings matching f: those of the current
// snapshot in report order (most severe first), then those gone since the
// previous snapshot, with the filter's choices and their counts.
func (s *Service) Findings(ctx context.Context, f FindingFilter) (FindingList, error) {
	c, si, err := s.findingState(ctx)
	if err != nil {
		return FindingList{}, err
	}
	ix := c.findingList()
	q := si.query(ix, f)
	l := FindingList{Checks: ix.checks, Total: len(q.match), Pages: max(1, (len(q.match)+FindingsPageSize-1)/FindingsPageSize), Facets: q.facets}
	l.Page = min(max(f.Page, 1), l.Pages)
	from := (l.Page - 1) * FindingsPageSize
	for _, i := range q.match[min(from, len(q.match)):min(from+FindingsPageSize, len(q.match))] {
		l.Rows = append(l.Rows, ix.row(c, si, int(i)))
	}
	return l, nil
}

// FindingGroups answers the grouped view: the findings matching f (the
// filter's page and list flag aside), one group per check, ordered by
// severity (highest first), then workloads affected, then findings (most
// first), then slug.
func (s *Service) FindingGroups(ctx context.Context, f FindingFilter) (FindingGroups, error) {
	c, si, err := s.findingState(ctx)
	if err != nil {
		return FindingGroups{}, err
	}
	ix := c.findingList()
	q := si.query(ix, f)
	out := FindingGroups{Total: len(q.match), Facets: q.facets, Groups: make([]FindingGroup, 0, len(q.groups))}
	for _, g := range q.groups {
		fg := g.FindingGroup
		for _, i := range g.first {
			fg.Instances = append(fg.Instances, ix.row(c, si, int(i)))
		}
		fg.MoreInGroup = fg.Findings - len(fg.Instances)
		out.Groups = append(out.Groups, fg)
	}
	return out, nil
}

// FindingRows returns fs (findings of the current snapshot) with where each
// stands, for the pages that list a service's or an identity's findings.
func (s *Service) FindingRows(ctx context.Context, fs []rules.Finding) ([]FindingRow, error) {
	c, si, err := s.findingState(ctx)
	if err != nil {
		return nil, err
	}
	ix := c.findingList()
	out := make([]FindingRow, 0, len(fs))
	for _, f := range fs {
		i, ok := ix.byID[f.ID]
		if !ok || int(i) >= ix.n {
			out = append(out, FindingRow{Finding: f})
			continue
		}
		out = append(out, ix.row(c, si, int(i)))
	}
	return out, nil
}

// findingState returns the served state and where its findings stand now.
func (s *Service) findingState(ctx context.Context) (*Current, *stateIndex, error) {
	c, err := s.Current()
	if err != nil {
		return nil, nil, err
	}
	si, err := s.states(ctx, c)
	return c, si, err
}

// findingListIndex is what the findings views need of each finding (entry),
// built once per served state: the current snapshot's findings (entries
// 0..n-1, report order) and those gone since the previous snapshot
// (entries n.., by check then subject). Checks, projects, label values and
// workloads are numbered, so a request filters and counts with integers.
type findingListIndex struct {
	n      int
	gone   []rules.Finding
	byID   map[string]int32
	checks []string // slugs present, sorted
	rules  map[string]rules.Rule

	titles    []string // by check: the title its findings carry
	check     []uint16 // by entry: index into checks
	sevs      []rules.Severity
	projects  ragged // by entry: indices into projectNames
	labels    ragged // by entry: indices into labelNames
	workloads ragged // by entry: indices of the affected workloads

	projectNames  []string
	projectScopes []string // index for index: the project's node ID ("" if not in the graph)
	labelNames    []string // "key=value"
	nWorkloads    int
}

// ragged is a list of int32 lists in two flat slices.
type ragged struct {
	end []uint32
	val []int32
}

func (r *ragged) add(vs []int32) {
	r.val = append(r.val, vs...)
	r.end = append(r.end, uint32(len(r.val)))
}

func (r *ragged) at(i int) []int32 {
	start := uint32(0)
	if i > 0 {
		start = r.end[i-1]
	}
	return r.val[start:r.end[i]]
}

func (ix *findingListIndex) entry(c *Current, i int) *rules.Finding {
	if i < ix.n {
		return &c.Report.Findings[i]
	}
	return &ix.gone[i-ix.n]
}

func (ix *findingListIndex) row(c *Current, si *stateIndex, i int) FindingRow {
	r := FindingRow{Finding: *ix.entry(c, i), State: si.state[i], ChangeSet: si.change[int32(i)], Gone: i >= ix.n}
	for _, p := range ix.projects.at(i) {
		r.Projects = append(r.Projects, ix.projectNames[p])
		r.ProjectScopes = append(r.ProjectScopes, ix.projectScopes[p])
	}
	return r
}

// projectOf is the project ID of node id: the graph's, or read from a
// resource name (projects/P/...) of a resource the graph no longer has.
func projectOf(g *graph.Graph, id string) string {
	if n, ok := g.Node(id); ok {
		return n.Project
	}
	if _, rest, ok := strings.Cut(id, "/projects/"); ok {
		p, _, _ := strings.Cut(rest, "/")
		return p
	}
	return ""
}

func (c *Current) findingList() *findingListIndex {
	c.findingListOnce.Do(func() {
		g := c.Report.Graph
		ix := &c.findingsIdx
		ix.n, ix.gone = len(c.Report.Findings), c.gone
		total := ix.n + len(ix.gone)
		ix.byID = make(map[string]int32, total)
		ix.rules = catalog()
		checkIdx := map[string]uint16{}
		for i := range total {
			checkIdx[ix.entry(c, i).Check] = 0
		}
		for _, slug := range slices.Sorted(func(yield func(string) bool) {
			for k := range checkIdx {
				if !yield(k) {
					return
				}
			}
		}) {
			checkIdx[slug] = uint16(len(ix.checks))
			ix.checks = append(ix.checks, slug)
		}
		projectIdx, labelIdx, workloadIdx := map[string]int32{}, map[string]int32{}, map[string]int32{}
		scopes := map[string]string{}
		for _, p := range g.NodesOf(graph.KindProject) {
			scopes[p.Project] = p.ID
		}
		project := func(p string) int32 {
			i, ok := projectIdx[p]
			if !ok {
				i = int32(len(ix.projectNames))
				projectIdx[p] = i
				ix.projectNames = append(ix.projectNames, p)
				ix.projectScopes = append(ix.projectScopes, scopes[p])
			}
			return i
		}
		label := func(kv string) int32 {
			i, ok := labelIdx[kv]
			if !ok {
				i = int32(len(ix.labelNames))
				labelIdx[kv] = i
				ix.labelNames = append(ix.labelNames, kv)
			}
			return i
		}
		ix.check, ix.sevs, ix.titles = make([]uint16, total), make([]rules.Severity, total), make([]string, len(ix.checks))
		var ps, ls, ws []int32
		for i := range total {
			f := ix.entry(c, i)
			ix.byID[f.ID] = int32(i)
			ix.check[i], ix.sevs[i] = checkIdx[f.Check], f.Severity
			ix.titles[ix.check[i]] = f.Title
			ps, ls, ws = ps[:0], ls[:0], ws[:0]
			for _, a := range f.Affects {
				w, ok := workloadIdx[a]
				if !ok {
					w = int32(len(workloadIdx))
					workloadIdx[a] = w
				}
				ws = append(ws, w)
				if p := projectOf(g, a); p != "" {
					if pi := project(p); !slices.Contains(ps, pi) {
						ps = append(ps, pi)
					}
				}
				if n, ok := g.Node(a); ok {
					for k, v := range n.Labels {
						if li := label(k + "=" + v); !slices.Contains(ls, li) {
							ls = append(ls, li)
						}
					}
				}
			}
			if len(f.Affects) == 0 {
				if p := projectOf(g, f.Subject); p != "" {
					ps = append(ps, project(p))
				}
			}
			ix.projects.add(ps)
			ix.labels.add(ls)
			ix.workloads.add(ws)
		}
		ix.nWorkloads = len(workloadIdx)
	})
	return &c.findingsIdx
}

// stateIndex is where each finding of a served state stands, as of a
// version of the change sets (store.ChangeSetsVersion), with the answers
// to the filters asked since (views).
type stateIndex struct {
	version uint64
	built   time.Time
	state   []State         // by entry
	change  map[int32]int64 // entry -> its change set under way

	mu    sync.Mutex
	views map[string]*findingQuery
}

// stateTTL is how long where findings stand is kept without a write to the
// change sets: an approval that lapses meanwhile is seen within it.
const stateTTL = time.Minute

// maxViews bounds the filters whose answers one stateIndex keeps.
const maxViews = 64

// states returns where the findings of c stand, rebuilt when the change
// sets have changed since (or stateTTL passed): a read of every change
// set's state (hundreds, not the findings) and one pass over the findings.
func (s *Service) states(ctx context.Context, c *Current) (*stateIndex, error) {
	version := s.st.ChangeSetsVersion()
	now := s.now()
	if si := c.states.Load(); si != nil && si.version == version && now.Sub(si.built) < stateTTL {
		return si, nil
	}
	c.statesMu.Lock()
	defer c.statesMu.Unlock()
	if si := c.states.Load(); si != nil && si.version == version && now.Sub(si.built) < stateTTL {
		return si, nil
	}
	sets, err := s.st.ChangeSetStates(ctx, now)
	if err != nil {
		return nil, err
	}
	ix := c.findingList()
	si := &stateIndex{version: version, built: now, state: make([]State, ix.n+len(ix.gone)), change: map[int32]int64{}}
	for i := range ix.n {
		if c.Report.Findings[i].Excepted {
			si.state[i] = StateExcepted
		}
	}
	for i := ix.n; i < len(si.state); i++ {
		si.state[i] = StateFixed
	}
	// Oldest first: a finding has one change set under way at a time (the
	// store refuses a second), so a later one was made after the earlier
	// closed, and decides.
	for _, cs := range sets {
		fixedBy := (cs.Status == store.StatusApplied && cs.Verification != "not-fixed") || cs.Verification == "verified"
		for _, id := range append([]string{cs.FindingID}, cs.Fixes...) {
			i, ok := ix.byID[id]
			if !ok {
				continue
			}
			if cs.Open {
				si.change[i] = cs.ID
			}
			switch {
			case si.state[i] == StateFixed:
			case fixedBy && int(i) < ix.n && cs.Verification == "verified":
				// Verified gone, yet here again: it came back and is open.
			case fixedBy:
				si.state[i] = StateFixed
			case si.state[i] == StateExcepted:
			case cs.Open:
				si.state[i] = StateProposed
			}
		}
	}
	if old := c.states.Load(); old != nil && slices.Equal(old.state, si.state) && maps.Equal(old.change, si.change) {
		// Nothing moved (a write elsewhere, or the time to look again):
		// the answers kept stay right.
		old.mu.Lock()
		si.views = maps.Clone(old.views)
		old.mu.Unlock()
	}
	c.states.Store(si)
	return si, nil
}

// findingQuery is the answer to one filter: the entries it selects, the
// facet counts, and the groups by check.
type findingQuery struct {
	match  []int32
	facets Facets
	groups []queryGroup
}

type queryGroup struct {
	FindingGroup
	first []int32
}

// query answers filter f, once per stateIndex (kept for the next request
// with the same filter, up to maxViews filters).
func (si *stateIndex) query(ix *findingListIndex, f FindingFilter) *findingQuery {
	key := f.key()
	si.mu.Lock()
	q, ok := si.views[key]
	si.mu.Unlock()
	if ok {
		return q
	}
	q = si.compute(ix, f)
	si.mu.Lock()
	if si.views == nil || len(si.views) >= maxViews {
		si.views = map[string]*findingQuery{}
	}
	si.views[key] = q
	si.mu.Unlock()
	return q
}

// compute runs f over every entry in one pass. A facet's count is what
// choosing that value would show with the rest of the filter unchanged: an
// entry that fails only that facet's part of the filter counts toward it.
func (si *stateIndex) compute(ix *findingListIndex, f FindingFilter) *findingQuery {
	var (
		checkOK = make([]bool, len(ix.checks))
		sevOK   [rules.Critical + 1]bool
		stateOK [numStates]bool
	)
	for _, slug := range f.Checks {
		if i, ok := slices.BinarySearch(ix.checks, slug); ok {
			checkOK[i] = true
		}
	}
	for _, s := range f.Severities {
		if s.Valid() {
			sevOK[s] = true
		}
	}
	for _, s := range f.States {
		if s < numStates {
			stateOK[s] = true
		}
	}
	byCheck, bySev, byState := len(f.Checks) > 0, len(f.Severities) > 0, len(f.States) > 0
	project, label := int32(-1), int32(-1)
	if f.Project != "" {
		if i := slices.Index(ix.projectNames, f.Project); i >= 0 {
			project = int32(i)
		}
	}
	if f.Label != "" {
		if i := slices.Index(ix.labelNames, f.Label); i >= 0 {
			label = int32(i)
		}
	}
	checkN := make([]int, len(ix.checks))
	var sevN [rules.Critical + 1]int
	var stateN [numStates]int
	projectN := make([]int, len(ix.projectNames))
	labelN := make([]int, len(ix.labelNames))

	type acc struct {
		g         *queryGroup
		workloads []uint64
		projects  []uint64
	}
	groups := make([]*acc, len(ix.checks))
	q := &findingQuery{}
	words := (ix.nWorkloads + 63) / 64
	pwords := (len(ix.projectNames) + 63) / 64
	const (
		failCheck = 1 << iota
		failSev
		failState
		failProject
		failLabel
	)
	for i, st := range si.state {
		ck := ix.check[i]
		sev := ix.sevs[i]
		fails := 0
		if byCheck && !checkOK[ck] {
			fails |= failCheck
		}
		if bySev && !sevOK[sev] {
			fails |= failSev
		}
		if byState && !stateOK[st] {
			fails |= failState
		}
		ps := ix.projects.at(i)
		if f.Project != "" && (project < 0 || !slices.Contains(ps, project)) {
			fails |= failProject
		}
		ls := ix.labels.at(i)
		if f.Label != "" && (label < 0 || !slices.Contains(ls, label)) {
			fails |= failLabel
		}
		if fails&(fails-1) != 0 {
			continue // fails two parts or more: counts nowhere
		}
		if fails == 0 || fails == failCheck {
			checkN[ck]++
		}
		if fails == 0 || fails == failSev {
			sevN[sev]++
		}
		if fails == 0 || fails == failState {
			stateN[st]++
		}
		if fails == 0 || fails == failProject {
			for _, p := range ps {
				projectN[p]++
			}
		}
		if fails == 0 || fails == failLabel {
			for _, l := range ls {
				labelN[l]++
			}
		}
		if fails != 0 {
			continue
		}
		q.match = append(q.match, int32(i))
		a := groups[ck]
		if a == nil {
			slug := ix.checks[ck]
			r := ix.rules[slug]
			a = &acc{g: &queryGroup{FindingGroup: FindingGroup{Check: slug, Title: r.Title, Fix: firstSentence(r.Remediation),
				DocURL: rules.DocURL(slug)}}, workloads: make([]uint64, words), projects: make([]uint64, pwords)}
			if a.g.Title == "" {
				a.g.Title = ix.titles[ck]
			}
			groups[ck] = a
		}
		a.g.Findings++
		a.g.Severity = max(a.g.Severity, sev)
		if len(a.g.first) < GroupInstances {
			a.g.first = append(a.g.first, int32(i))
		}
		for _, w := range ix.workloads.at(i) {
			a.workloads[w>>6] |= 1 << (w & 63)
		}
		for _, p := range ps {
			a.projects[p>>6] |= 1 << (p & 63)
		}
	}
	for _, a := range groups {
		if a == nil {
			continue
		}
		for _, w := range a.workloads {
			a.g.Workloads += bits.OnesCount64(w)
		}
		for _, p := range a.projects {
			a.g.Projects += bits.OnesCount64(p)
		}
		q.groups = append(q.groups, *a.g)
	}
	slices.SortFunc(q.groups, func(a, b queryGroup) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Workloads, a.Workloads), cmp.Compare(b.Findings, a.Findings),
			strings.Compare(a.Check, b.Check))
	})

	for i, slug := range ix.checks {
		sel := checkOK[i]
		if checkN[i] > 0 || sel {
			q.facets.Checks = append(q.facets.Checks, Facet{Value: slug, Label: ix.rules[slug].Title, N: checkN[i], Selected: sel})
		}
	}
	// The chosen checks first (a long list scrolls), each part by slug.
	slices.SortStableFunc(q.facets.Checks, func(a, b Facet) int {
		switch {
		case a.Selected == b.Selected:
			return 0
		case a.Selected:
			return -1
		}
		return 1
	})
	for _, s := range rules.Severities() {
		q.facets.Severities = append(q.facets.Severities, Facet{Value: s.String(), Label: s.String(), N: sevN[s], Selected: sevOK[s]})
	}
	for _, s := range AllStates() {
		q.facets.States = append(q.facets.States, Facet{Value: s.String(), Label: s.Label(), N: stateN[s], Selected: stateOK[s]})
	}
	q.facets.Projects = suggestions(ix.projectNames, projectN, f.Project)
	q.facets.Labels = suggestions(ix.labelNames, labelN, f.Label)
	return q
}

// suggestions are the MaxSuggestions values with most findings (then by
// name), the selected one always among them.
func suggestions(names []string, n []int, selected string) []Facet {
	var out []Facet
	for i, name := range names {
		if n[i] > 0 || name == selected {
			out = append(out, Facet{Value: name, Label: name, N: n[i], Selected: name == selected})
		}
	}
	slices.SortFunc(out, func(a, b Facet) int {
		return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Value, b.Value))
	})
	if len(out) > MaxSuggestions {
		keep := out[:MaxSuggestions]
		if selected != "" && !slices.ContainsFunc(keep, func(f Facet) bool { return f.Selected }) {
			if i := slices.IndexFunc(out, func(f Facet) bool { return f.Selected }); i >= 0 {
				keep[MaxSuggestions-1] = out[i]
			}
		}
		out = keep
	}
	return out
}

// firstSentence is text up to and including its first full stop followed
// by a space (or all of it).
func firstSentence(text string) string {
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}
