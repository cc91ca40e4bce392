// Package alerts says what changed for the worse between two served states
// of an organization: the findings that are new at or above a severity, and
// the drift events of each workload that exists in both (its runtime
// identity changed, an image from a repository it never ran, ingress
// widened, a public or domain-wide invoker, Binary Authorization removed or
// broken glass, the IAM check disabled). It is pure: storing, deduplicating
// and sending the alerts is the caller's.
package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

// Drift events.
const (
	ServiceAccountChanged = "service-account-changed"
	NewImageRepository    = "new-image-repository"
	IngressWidened        = "ingress-widened"
	PublicInvoker         = "public-invoker"
	BinAuthzRemoved       = "binauthz-removed"
	BreakglassSet         = "binauthz-breakglass"
	IAMCheckDisabled      = "iam-check-disabled"
)

// Events lists the drift events with what each says, for the docs and the
// console.
var Events = []struct{ Event, Title string }{
	{ServiceAccountChanged, "Runtime service account changed"},
	{NewImageRepository, "Image from a repository the workload never ran"},
	{IngressWidened, "Ingress widened"},
	{PublicInvoker, "Invoker granted to allUsers, allAuthenticatedUsers or a domain"},
	{BinAuthzRemoved, "Binary Authorization removed"},
	{BreakglassSet, "Binary Authorization breakglass set"},
	{IAMCheckDisabled, "Invoker IAM check disabled"},
}

// related are the checks whose new finding a drift event explains: one
// change, one alert (the drift event, naming the finding).
var related = map[string][]string{
	ServiceAccountChanged: {"runtime-default-sa", "runtime-basic-role", "runtime-privileged", "runtime-shared-sa"},
	NewImageRepository:    {"image-untrusted-registry", "image-not-pinned"},
	IngressWidened:        {"ingress-open-internal", "iap-bypass"},
	PublicInvoker:         {"invoker-public", "invoker-broad-scope", "human-access-without-iap"},
	BinAuthzRemoved:       {"binauthz-not-enforced"},
	BreakglassSet:         {"binauthz-not-enforced"},
	IAMCheckDisabled:      {"invoker-iam-disabled", "invoker-public", "human-access-without-iap"},
}

// Options says what to alert on.
type Options struct {
	// MinSeverity is the least severe new finding that alerts (default high).
	MinSeverity rules.Severity
	// Source is where the new state came from ("feed", or a sync's source).
	Source string
	// ChangedAt is when the change to an asset (by name) happened, if
	// known (the feed's window.startTime); nil when not.
	ChangedAt func(asset string) time.Time
	// Fresh reports whether a workload never ran images of a repository
	// before this state (the history is the caller's); nil: every
	// repository not in the previous state is new.
	Fresh func(workload, repository string) bool
	// At is when the state was seen.
	At time.Time
}

// Compare returns the alerts from prev to next, drift events first (by
// workload), then the new findings no drift event explains (most severe
// first). prev nil means next is the first state: nothing alerts.
func Compare(prev, next *scan.Report, o Options) []store.Alert {
	if prev == nil || next == nil {
		return nil
	}
	if !o.MinSeverity.Valid() {
		o.MinSeverity = rules.High
	}
	c := &comparer{prev: prev, next: next, o: o, explained: map[string]bool{}}
	before := make(map[string]bool, len(prev.Findings))
	for _, f := range prev.Findings {
		before[f.ID] = true
	}
	for _, f := range next.Findings {
		if !before[f.ID] && !f.Excepted {
			c.added = append(c.added, f)
		}
	}
	var out []store.Alert
	for _, n := range next.Graph.Nodes() {
		if n.Kind != graph.KindService && n.Kind != graph.KindJob {
			continue
		}
		p, ok := prev.Graph.Node(n.ID)
		if !ok {
			continue // new: its findings alert as findings
		}
		out = append(out, c.drift(p, n)...)
	}
	slices.SortStableFunc(out, func(a, b store.Alert) int { return strings.Compare(a.Workload, b.Workload) })
	for _, f := range c.added {
		if f.Severity < o.MinSeverity || c.explained[f.ID] {
			continue
		}
		w := workloadOf(next.Graph, f)
		out = append(out, c.alert(store.Alert{Kind: store.AlertFinding, Event: f.Check, Severity: f.Severity.String(), Subject: f.Subject,
			Workload: w, FindingID: f.ID,
			Message: fmt.Sprintf("New %s finding: %s: %s.", f.Severity, f.Title, names.Of(next.Graph, f.Subject).Phrase())}, f.Subject, w))
	}
	return out
}

type comparer struct {
	prev, next *scan.Report
	o          Options
	explained  map[string]bool // findings a drift event names
	added      []rules.Finding // next's open findings prev did not have, in next's order
}

// alert completes a: when, where, and the change's time from the assets
// named.
func (c *comparer) alert(a store.Alert, assets ...string) store.Alert {
	a.At, a.Source = c.o.At, c.o.Source
	if n, ok := c.next.Graph.Node(a.Subject); ok {
		a.Project = n.Project
	}
	if a.Workload != "" && a.Project == "" {
		if n, ok := c.next.Graph.Node(a.Workload); ok {
			a.Project = n.Project
		}
	}
	if c.o.ChangedAt != nil {
		for _, name := range assets {
			if t := c.o.ChangedAt(name); t.After(a.ChangedAt) {
				a.ChangedAt = t
			}
		}
	}
	return a
}

// workloadOf is the workload a finding is about: its subject if a workload,
// else the first it affects.
func workloadOf(g *graph.Graph, f rules.Finding) string {
	if n, ok := g.Node(f.Subject); ok && (n.Kind == graph.KindService || n.Kind == graph.KindJob) {
		return f.Subject
	}
	if len(f.Affects) > 0 {
		return f.Affects[0]
	}
	return ""
}

// newFindings returns the new findings of checks on workload w in the next
// state, most severe first: the findings a drift event made.
func (c *comparer) newFindings(w string, checks []string) []rules.Finding {
	var out []rules.Finding
	for _, f := range c.added {
		if c.explained[f.ID] || !slices.Contains(checks, f.Check) {
			continue
		}
		if f.Subject == w || slices.Contains(f.Affects, w) {
			out = append(out, f)
		}
	}
	// Most severe first; of equal ones, the check the event names first.
	slices.SortStableFunc(out, func(a, b rules.Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		return slices.Index(checks, a.Check) - slices.Index(checks, b.Check)
	})
	return out
}

// event makes the alert of drift event ev on workload n, naming the new
// findings it made, if any (they do not alert again on their own: one
// change, one alert). The alert carries the most severe one's ID, so the
// same finding does not alert again until it went away.
func (c *comparer) event(n *graph.Node, ev string, sev rules.Severity, what string, assets ...string) store.Alert {
	a := store.Alert{Kind: store.AlertDrift, Event: ev, Severity: sev.String(), Subject: n.ID, Workload: n.ID}
	phrase := names.Of(c.next.Graph, n.ID).Phrase()
	a.Message = strings.ToUpper(phrase[:1]) + phrase[1:] + ": " + what + "."
	for i, f := range c.newFindings(n.ID, related[ev]) {
		c.explained[f.ID] = true
		if i == 0 {
			a.FindingID = f.ID
			if f.Severity > sev {
				a.Severity = f.Severity.String()
			}
		}
		a.Message += fmt.Sprintf(" New %s finding: %s.", f.Severity, f.Title)
	}
	return c.alert(a, append(assets, n.ID)...)
}

func (c *comparer) drift(p, n *graph.Node) []store.Alert {
	pw, ok1 := p.Data.(*inventory.Workload)
	nw, ok2 := n.Data.(*inventory.Workload)
	if !ok1 || !ok2 {
		return nil
	}
	var out []store.Alert
	if was, is := c.identity(c.prev.Graph, p.ID), c.identity(c.next.Graph, n.ID); was != is && is != "" && was != "" {
		// Any switch is worth a look (a more powerful identity is how a
		// compromised deployer escalates); leaving the default compute
		// identity for a dedicated one is how it is fixed: low.
		sev := rules.High
		if isDefaultCompute(was) && !isDefaultCompute(is) {
			sev = rules.Low
		}
		out = append(out, c.event(n, ServiceAccountChanged, sev,
			"runtime service account changed from "+c.identityName(c.prev.Graph, was)+" to "+c.identityName(c.next.Graph, is)))
	}
	had := repositories(pw)
	for _, r := range repositories(nw) {
		if slices.Contains(had, r) || (c.o.Fresh != nil && !c.o.Fresh(n.ID, r)) {
			continue
		}
		out = append(out, c.event(n, NewImageRepository, rules.High, "runs an image from "+r+", a repository it never ran before"))
	}
	if !nw.Job && ingressRank(nw.Ingress) > ingressRank(pw.Ingress) {
		out = append(out, c.event(n, IngressWidened, rules.Medium, "ingress widened from "+pw.Ingress+" to "+nw.Ingress))
	}
	wasPublic := map[string]bool{}
	for _, e := range c.prev.Graph.In(p.ID, graph.CanInvoke) {
		wasPublic[e.From] = true
	}
	var granted []string
	for _, e := range c.next.Graph.In(n.ID, graph.CanInvoke) {
		if wasPublic[e.From] || !broad(e.From) || slices.Contains(granted, e.From) {
			continue
		}
		granted = append(granted, e.From)
		where := "on it"
		if e.Via != n.ID {
			where = "on " + names.Of(c.next.Graph, e.Via).Phrase()
		}
		out = append(out, c.event(n, PublicInvoker, rules.High, names.Of(c.next.Graph, e.From).Phrase()+" can now invoke it ("+e.Role+" "+where+")", e.Via))
	}
	if pw.BinAuthz.Enabled && !nw.BinAuthz.Enabled {
		out = append(out, c.event(n, BinAuthzRemoved, rules.High, "Binary Authorization removed (it used policy "+pw.BinAuthz.Policy+")"))
	}
	if pw.BinAuthz.Breakglass == "" && nw.BinAuthz.Breakglass != "" {
		out = append(out, c.event(n, BreakglassSet, rules.High, "Binary Authorization breakglass set"))
	}
	if !pw.InvokerIAMDisabled && nw.InvokerIAMDisabled {
		out = append(out, c.event(n, IAMCheckDisabled, rules.High, "the invoker IAM check was disabled: anyone who can reach it can call it"))
	}
	return out
}

// identity is the service account node a workload runs as ("" if none).
func (c *comparer) identity(g *graph.Graph, id string) string {
	for _, e := range g.Out(id, graph.RunsAs) {
		return e.To
	}
	return ""
}

func (c *comparer) identityName(g *graph.Graph, id string) string {
	if isDefaultCompute(id) {
		return "the default compute identity (" + strings.TrimPrefix(id, "serviceAccount:") + ")"
	}
	return names.Of(g, id).Text
}

// isDefaultCompute reports whether a service account node is a project's
// default compute identity.
func isDefaultCompute(id string) bool {
	return iam.IsDefaultComputeSA(strings.TrimPrefix(id, "serviceAccount:"))
}

// broad reports whether a principal is everyone, every Google account or a
// whole domain.
func broad(id string) bool {
	return id == "allUsers" || id == "allAuthenticatedUsers" || strings.HasPrefix(id, "domain:")
}

// ingressRank orders ingress settings from narrowest to widest.
func ingressRank(s string) int {
	switch s {
	case inventory.IngressNone:
		return 0
	case inventory.IngressInternal:
		return 1
	case inventory.IngressInternalLB:
		return 2
	case inventory.IngressAll, "":
		return 3
	}
	return 3
}

// repositories are the image repositories of a workload's containers: the
// image reference without its tag or digest ("europe-docker.pkg.dev/p/r/app",
// "docker.io/library/nginx"); images known only after apply are left out.
func repositories(w *inventory.Workload) []string {
	var out []string
	for _, c := range w.Containers {
		if r := Repository(c.Image); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// Repository returns the repository of an image reference, with Docker
// Hub's implicit host and library/ namespace written out.
func Repository(image string) string {
	if image == "" {
		return ""
	}
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	// A tag is after the last colon that follows the last slash (a colon
	// before it is a registry port).
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	// The registry is the first component if it looks like a host (a dot,
	// a port, or localhost); else the reference is Docker Hub's, where
	// index.docker.io is docker.io and a one-component path is under
	// library/ ("nginx", "docker.io/nginx" and "index.docker.io/nginx" are
	// all docker.io/library/nginx).
	host, path := "docker.io", ref
	if first, rest, found := strings.Cut(ref, "/"); found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		host, path = strings.ToLower(first), rest
		if host == "index.docker.io" {
			host = "docker.io"
		}
	}
	if host == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	return strings.ToLower(host + "/" + path)
}

// Repositories returns the repositories each workload of a report runs, by
// workload node ID, for the caller's history (Options.Fresh).
func Repositories(rep *scan.Report) map[string][]string {
	out := map[string][]string{}
	for _, n := range rep.Graph.Nodes() {
		if w, ok := n.Data.(*inventory.Workload); ok {
			if rs := repositories(w); len(rs) > 0 {
				out[n.ID] = rs
			}
		}
	}
	return out
}
