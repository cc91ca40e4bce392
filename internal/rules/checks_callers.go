package rules

import (
	"fmt"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
)

// checkInvokerPublic fails for a service or job that allUsers or
// allAuthenticatedUsers can invoke through an unconditional binding, on the
// service itself or inherited.
func checkInvokerPublic(c *Context) []Result {
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		failed := false
		for e := range c.Graph.EdgesIn(n.ID, graph.CanInvoke) {
			if !IsPublicUnconditional(e) {
				continue
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: e.From + "@" + e.Via,
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}

// checkPushUnauthenticated fails for a Pub/Sub push subscription that pushes
// to a service without an OIDC token.
func checkPushUnauthenticated(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindSubscription) {
		targets := c.Graph.Out(n.ID, graph.PushesTo)
		if len(targets) == 0 {
			continue // not a push subscription to Cloud Run
		}
		if len(c.Graph.Out(n.ID, graph.AuthenticatesAs)) > 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		var affects []string
		for _, t := range targets {
			affects = append(affects, t.To)
		}
		endpoint := ""
		if s, ok := n.Data.(*inventory.Subscription); ok && s.PushConfig != nil {
			endpoint = s.PushConfig.PushEndpoint
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: affects,
			Evidence: Evidence{
				Fields: []FieldEvidence{{Field: "pushConfig.pushEndpoint", Value: endpoint}, {Field: "pushConfig.oidcToken", Value: "(not set)"}},
				Path:   targets,
			}})
	}
	return out
}

func checkInvokerIAMDisabled(c *Context) []Result {
	nodes := c.Graph.NodesOf(graph.KindService)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		if !w.InvokerIAMDisabled {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: []FieldEvidence{{
			Field: fieldPath(w, "metadata.annotations[run.googleapis.com/invoker-iam-disabled]", "invokerIamDisabled"), Value: "true"}},
			Note: "anyone who can reach the URL can invoke it, whatever its IAM policy says"}})
	}
	return out
}

// checkInvokerBroadScope fails for invoke permissions granted on a project,
// folder or organization, or to a whole domain. Service agents are left out;
// basic roles count when a user, group or domain holds them (see invokers).
//
// A grant on a project, folder or organization is one finding, on that
// container, affecting every service and job it reaches: it is one binding
// to fix, however many services lie below it (and an organization with
// project-level invoker groups would otherwise have one finding per group
// per service). A domain granted on the service itself is a finding on the
// service. Services and jobs with no broad invoker pass.
func checkInvokerBroadScope(c *Context) []Result {
	type grant struct {
		e       graph.Edge
		domain  bool
		affects []string
	}
	var (
		out    []Result
		grants = map[string]*grant{} // by edgeKey
		order  []string
	)
	for _, n := range workloads(c.Graph) {
		failed := false
		for e := range invokers(c.Graph, n.ID) {
			via, _ := c.Graph.Node(e.Via)
			domain := iam.ParseMember(e.From).Kind == iam.KindDomain
			container := via != nil && via.Kind.IsContainer()
			if !container && !domain {
				continue
			}
			failed = true
			if !container {
				out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: edgeKey(e),
					Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}, Note: broadNote(e, "granted to everyone in a domain")}})
				continue
			}
			k := edgeKey(e)
			g, ok := grants[k]
			if !ok {
				g = &grant{e: e, domain: domain}
				grants[k] = g
				order = append(order, k)
			}
			g.affects = append(g.affects, n.ID)
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	for _, k := range order {
		g := grants[k]
		what := "1 service or job"
		if len(g.affects) > 1 {
			what = fmt.Sprintf("%d services and jobs", len(g.affects))
		}
		reach := fmt.Sprintf("granted on %s, so it reaches every service below it (%s today)", g.e.Via, what)
		if g.domain {
			reach = "granted to everyone in a domain, and " + reach
		}
		out = append(out, Result{Status: Fail, Subject: g.e.Via, Affects: g.affects, Key: k,
			Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(g.e)}, Note: broadNote(g.e, reach)}})
	}
	return out
}

// broadNote is the note of a broad invoke grant: what the grant reaches,
// what a basic role includes, and its condition.
func broadNote(e graph.Edge, reach string) string {
	note := reach
	if b := basicNote(e); b != "" {
		note = b + "; " + note
	}
	return conditionNote(note, e)
}

// behindIAP reports whether IAP protects the service, on the service or on a
// load balancer in front of it.
func behindIAP(w *inventory.Workload) bool {
	return w.IAPEnabled || len(w.BehindIAPLoadBalancer) > 0
}

// checkIngressOpenInternal fails for a service with ingress "all" that is
// not public, not behind IAP, and that no person can invoke: its callers are
// other services, so internal ingress (or internal-and-cloud-load-balancing)
// would do.
func checkIngressOpenInternal(c *Context) []Result {
	nodes := c.Graph.NodesOf(graph.KindService)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		if w.Ingress != inventory.IngressAll || behindIAP(w) {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		human, public := false, false
		for e := range invokers(c.Graph, n.ID) {
			if iam.IsBasic(e.Role) {
				// A project owner can call every service; that does not
				// make the service one people call.
				continue
			}
			m := iam.ParseMember(e.From)
			public = public || IsPublicUnconditional(e) || m.IsPublic()
			human = human || m.IsHuman()
		}
		if public || human || w.InvokerIAMDisabled {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{
			Fields: []FieldEvidence{{Field: fieldPath(w, "metadata.annotations[run.googleapis.com/ingress]", "ingress"), Value: w.Ingress}},
			Note:   callersNote(c.Graph, n.ID)}})
	}
	return out
}

// checkIAPBypass fails for a service that IAP on a load balancer fronts
// while its run.app URL stays reachable (ingress all, default URL on). IAP
// enabled on the service itself is not bypassed by other invokers: it checks
// every ingress path first and then calls the service as its own service
// agent (https://cloud.google.com/run/docs/securing/identity-aware-proxy-cloud-run).
func checkIAPBypass(c *Context) []Result {
	nodes := c.Graph.NodesOf(graph.KindService)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		failed := false
		if len(w.BehindIAPLoadBalancer) > 0 && w.Ingress == inventory.IngressAll && !w.DefaultURLDisabled {
			failed = true
			out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: "lb", Evidence: Evidence{
				Fields: []FieldEvidence{
					{Field: "IAP load balancer backend", Value: strings.Join(w.BehindIAPLoadBalancer, ", ")},
					{Field: fieldPath(w, "metadata.annotations[run.googleapis.com/ingress]", "ingress"), Value: w.Ingress},
					{Field: fieldPath(w, "metadata.annotations[run.googleapis.com/default-url-disabled]", "defaultUriDisabled"), Value: "false"},
				},
				Note: "the run.app URL reaches the service directly, around IAP"}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}

func checkHumanAccessWithoutIAP(c *Context) []Result {
	nodes := c.Graph.NodesOf(graph.KindService)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		var humans []BindingEvidence
		basic := 0
		for e := range invokers(c.Graph, n.ID) {
			if iam.ParseMember(e.From).IsHuman() {
				humans = append(humans, bindingOf(e))
				if iam.IsBasic(e.Role) {
					basic++
				}
			}
		}
		if len(humans) == 0 || behindIAP(w) {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID},
			Evidence: Evidence{Bindings: humans, Note: humanNote(len(humans), basic)}})
	}
	return out
}

// callerTargets returns the services/jobs a caller node pushes to or triggers.
func callerTargets(g *graph.Graph, id string) []graph.Edge {
	return g.Out(id, graph.PushesTo, graph.Triggers)
}

// checkSchedulerUnauthenticated fails for a Cloud Scheduler job that calls a
// service or job over HTTP without an OIDC token. An OAuth access token
// authenticates to Google APIs only: it counts for a job run through the
// Cloud Run Admin API, but a service's URL accepts identity tokens only, so a
// service called with an OAuth token alone is called unauthenticated.
func checkSchedulerUnauthenticated(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindSchedulerJob) {
		targets := callerTargets(c.Graph, n.ID)
		if len(targets) == 0 {
			continue
		}
		uri, oidc, oauth := "", false, false
		if j, ok := n.Data.(*inventory.SchedulerJob); ok && j.HTTPTarget != nil {
			uri = j.HTTPTarget.URI
			oidc = j.HTTPTarget.OIDCToken != nil && j.HTTPTarget.OIDCToken.ServiceAccountEmail != ""
			oauth = j.HTTPTarget.OAuthToken != nil && j.HTTPTarget.OAuthToken.ServiceAccountEmail != ""
		}
		var unauthenticated []graph.Edge
		var affects []string
		for _, t := range targets {
			to, ok := c.Graph.Node(t.To)
			if oidc || (oauth && ok && to.Kind == graph.KindJob) {
				continue
			}
			unauthenticated = append(unauthenticated, t)
			affects = append(affects, t.To)
		}
		if len(unauthenticated) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		fields := []FieldEvidence{{Field: "httpTarget.uri", Value: uri}, {Field: "httpTarget.oidcToken", Value: "(not set)"}}
		if oauth {
			fields = append(fields, FieldEvidence{Field: "httpTarget.oauthToken", Value: "set (an OAuth access token authenticates to Google APIs only; a service URL needs an OIDC token)"})
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: affects, Evidence: Evidence{Fields: fields, Path: unauthenticated}})
	}
	return out
}

func checkCallerDefaultSA(c *Context) []Result {
	var out []Result
	for _, kind := range []graph.Kind{graph.KindSubscription, graph.KindTrigger, graph.KindSchedulerJob} {
		for _, n := range c.Graph.NodesOf(kind) {
			targets := callerTargets(c.Graph, n.ID)
			auth := c.Graph.Out(n.ID, graph.AuthenticatesAs)
			if len(targets) == 0 || len(auth) == 0 {
				continue
			}
			var affects []string
			for _, t := range targets {
				affects = append(affects, t.To)
			}
			var def []graph.Edge
			for _, a := range auth {
				if iam.IsDefaultComputeSA(iam.ParseMember(a.To).Value) {
					def = append(def, a)
				}
			}
			if len(def) == 0 {
				out = append(out, Result{Status: Pass, Subject: n.ID})
				continue
			}
			auth = def
			out = append(out, Result{Status: Fail, Subject: n.ID, Affects: affects, Evidence: Evidence{
				Fields: []FieldEvidence{{Field: "authenticates as", Value: auth[0].To}}, Path: append(auth, targets...),
				Note: "the default compute identity usually holds Editor; a caller needs only roles/run.invoker on its target"}})
		}
	}
	return out
}

// humanNote explains a human-access-without-iap finding: n bindings let
// people invoke the service, basic of them through roles/owner or
// roles/editor.
func humanNote(n, basic int) string {
	note := "people call it with their own identity tokens; IAP would give them a browser sign-in with context-aware access"
	if basic > 0 {
		note = fmt.Sprintf("%s (%d of the %s through a basic role, which includes run.routes.invoke)", note, basic, names.Count(n, "binding"))
	}
	return note
}

// callersNote says who can call a service whose invokers are all
// non-human, counting every caller the graph has: service accounts and
// other members with an invoke permission, push subscriptions, Eventarc
// triggers and Scheduler jobs, Google service agents and basic-role holders.
func callersNote(g *graph.Graph, id string) string {
	counts := map[string]int{}
	var order []string
	add := func(what string) {
		if counts[what] == 0 {
			order = append(order, what)
		}
		counts[what]++
	}
	seen := map[string]bool{}
	for _, e := range g.In(id, graph.CanInvoke, graph.PushesTo, graph.Triggers) {
		if seen[e.From] {
			continue
		}
		seen[e.From] = true
		m := iam.ParseMember(e.From)
		from, _ := g.Node(e.From)
		switch {
		case m.IsServiceAgent():
			add("Google service agent")
		case iam.IsBasic(e.Role) && m.IsHuman():
			add("Owner/Editor holder")
		case from != nil && from.Kind == graph.KindSubscription:
			add("push subscription")
		case from != nil && from.Kind == graph.KindTrigger:
			add("Eventarc trigger")
		case from != nil && from.Kind == graph.KindSchedulerJob:
			add("Scheduler job")
		case m.Kind == iam.KindServiceAccount:
			add("service account")
		default:
			add("other principal")
		}
	}
	if len(order) == 0 {
		return "no principal in the inventory can invoke it"
	}
	parts := make([]string, 0, len(order))
	for _, what := range order {
		parts = append(parts, names.Count(counts[what], what))
	}
	return "its callers are " + strings.Join(parts, ", ")
}

// checkIAPExtraInvoker fails for a service with IAP enabled on it whose
// invoke permissions reach principals other than the IAP service agent
// (basic roles aside: they are reported for what they are). While IAP is on
// these grants are unused, as IAP checks every request and then calls the
// service as its own agent; they become live the moment IAP is turned off.
func checkIAPExtraInvoker(c *Context) []Result {
	nodes := c.Graph.NodesOf(graph.KindService)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok || !w.IAPEnabled {
			continue
		}
		var extra []BindingEvidence
		for e := range invokers(c.Graph, n.ID) {
			if iam.IsBasic(e.Role) {
				continue
			}
			extra = append(extra, bindingOf(e))
		}
		if len(extra) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Bindings: extra,
			Note: "unused while IAP is on the service (IAP checks every request, then calls the service as its own agent); live again if IAP is turned off"}})
	}
	return out
}
