package web

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/picture"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/review"
)

// Layout is what every page's shell shows.
type Layout struct {
	Title   string
	Nav     string // "overview", "services", "findings", "graph", "changes"
	User    string // email of the signed-in user
	Role    string
	Dev     bool   // dev mode: no IAP; a banner says so on every page
	Serving string // what is being served, e.g. "demo · 2026-11-22 18:10 UTC"
	Graph   bool   // the page draws a graph picture: load graph.js (fit and zoom)
	Flash   string // one-shot message after an action (a fixed server-side text)
}

// OverviewPage is the overview (/).
type OverviewPage struct {
	Layout
	posture.Overview
	Alerts posture.AlertDigest
	Now    time.Time
}

// MaxProjectChoices is how many project IDs the services filter offers as
// suggestions; an organization with more is filtered by typing the ID (a
// list of thousands would be most of every page's weight).
const MaxProjectChoices = 200

// ServicesPage is the services list (/services).
type ServicesPage struct {
	Layout
	Filter posture.ServiceFilter
	List   posture.ServiceList
}

// ServicePage is a service's detail (/services/{id}).
type ServicePage struct {
	Layout
	posture.ServiceDetail
	Picture Picture              // its neighbourhood, drawn
	Rows    []posture.FindingRow // Findings, with where each stands
	Actions FindingActions
	Changes []posture.AlertRow // its alerts, newest first: the Changes timeline
	Now     time.Time
}

// MaxChanges is how many of a service's alerts its page lists.
const MaxChanges = 20

// FindingsPage is the findings view (/findings): grouped by check, or the
// flat list.
type FindingsPage struct {
	Layout
	Filter     posture.FindingFilter
	List       posture.FindingList   // the list view's page (Filter.List)
	Groups     posture.FindingGroups // the grouped view (!Filter.List)
	Actions    FindingActions
	Exceptions []posture.Exception // every exception, newest first
	Now        time.Time
}

// Facets are the filter's choices of the view shown.
func (p FindingsPage) Facets() posture.Facets {
	if p.Filter.List {
		return p.List.Facets
	}
	return p.Groups.Facets
}

// Total is how many findings match the filter.
func (p FindingsPage) Total() int {
	if p.Filter.List {
		return p.List.Total
	}
	return p.Groups.Total
}

// FindingActions is what the signed-in user may do to a finding, and the
// page the forms return to (its filter kept).
type FindingActions struct {
	CanExcept  bool   // accept a risk (manager, admin)
	CanPropose bool   // propose a change set (engineer, admin)
	MinExpiry  string // earliest expiry date the form accepts, YYYY-MM-DD
	Return     string // path and query of the page the forms are on
}

// FindingPage is one finding (/findings/{id}).
type FindingPage struct {
	Layout
	posture.FindingDetail
	Actions FindingActions
	Now     time.Time
}

// GraphPage is the graph explorer (/graph).
type GraphPage struct {
	Layout
	Q          string        // search text
	Matches    []graph.Match // search results
	Focus      *graph.Node   // the focused node, if any
	Depth      int
	Query      string // "" (neighbourhood), "reach" or "path"
	Reverse    bool   // reach: who can reach the focus (else what it can reach)
	EdgeKinds  []string
	Selected   map[string]bool // edge kinds filtered on
	FromText   string          // path query as typed
	ToText     string
	From, To   string // path ends, resolved
	Path       []graph.Step
	PathFound  bool
	Result     graph.Result // reach answer with a path per node
	View       posture.View // what the picture and the tables show
	Picture    Picture      // the view, drawn
	DataURL    string       // the same answer as JSON, on the API
	Message    string
	KindSearch string // the search listed a kind: "Buckets"
	KindTotal  int    // how many of that kind match
	Choose     *Choice
	Answer     *posture.Answer // a prebuilt question's answer
}

// Choice asks which node a path end typed as Text means.
type Choice struct {
	Text    string
	End     string // "start" or "end"
	Options []ChoiceOption
}

// ChoiceOption is a node a path end may mean, and the path query with it.
type ChoiceOption struct {
	ID  string
	URL templ.SafeURL
}

// IdentityPage is an identity's detail (/identities/{id}).
type IdentityPage struct {
	Layout
	posture.IdentityDetail
	Picture Picture
	Rows    []posture.FindingRow // Findings, with where each stands
	Actions FindingActions
}

// ChangesPage is the change sets list (/changes).
type ChangesPage struct {
	Layout
	Status string
	Rows   []review.Row
}

// ChangePage is one change set (/changes/{id}).
type ChangePage struct {
	Layout
	review.ChangeSet
	Renderings []review.Rendering
	// Explain is the why, the risk (with the nodes they name linked) and the
	// manual steps, shown once above the renderings.
	Explain    review.Explanation
	CanApprove bool // a reviewer who did not propose it, while proposed
	IsProposer bool
	CanApply   bool
	CanExport  bool
	ApplyOff   bool
	// CanRollBack offers to propose its rollback (applied, by someone who
	// may propose); RollsBack is the change set a rollback reverses.
	CanRollBack bool
	RollsBack   string
}

// AlertsPage lists the alerts (/alerts).
type AlertsPage struct {
	Layout
	Query    posture.AlertQuery
	List     posture.AlertList
	CanAdmin bool // the user may set the webhook
	Now      time.Time
}

// AlertSettingsPage is the alert webhook's setting (/admin/alerts).
type AlertSettingsPage struct {
	Layout
	Webhook posture.Webhook
	Error   string // why the URL just sent was not saved, in words
}

// UsersPage lists users and roles (/admin/users).
type UsersPage struct {
	Layout
	Users []UserRow
	Roles []string
}

// UserRow is one user.
type UserRow struct {
	Sub, Email, Role string
}

// AuditPage is the audit log (/audit).
type AuditPage struct {
	Layout
	Entries []AuditRow
}

// AuditRow is one audit log entry.
type AuditRow struct {
	At                                   time.Time
	Actor, Action, Target, Detail, ReqID string
}

// ErrorPage is shown for errors and missing pages.
type ErrorPage struct {
	Layout
	Status  int
	Message string
}

// SyncPage is the sync history (/sync).
type SyncPage struct {
	Layout
	Source   string
	CanRun   bool
	History  []posture.Snapshot
	Progress posture.Progress
	Now      time.Time
}

// ScopePage is a scope's drill-down (/scores?scope=KIND&id=ID).
type ScopePage struct {
	Layout
	posture.Scope
}

// ReportPage is the one-page printable report (/report).
type ReportPage struct {
	Layout
	posture.Overview
}

// Picture is a graph picture on a page, with the page's URL to unfold its
// groups: Base (the page without expand parameters) and the keys already
// unfolded.
type Picture struct {
	picture.Picture
	Base     string
	Expanded []string
}

// ExpandURL is the page with the group key unfolded too, at the picture.
func (p Picture) ExpandURL(key string) templ.SafeURL {
	u := p.Base
	for _, k := range append(slices.Clone(p.Expanded), key) {
		if strings.Contains(u, "?") {
			u += "&"
		} else {
			u += "?"
		}
		u += "expand=" + url.QueryEscape(k)
	}
	return templ.SafeURL(u + "#picture")
}
