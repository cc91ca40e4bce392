package changeset

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// invokeLoss adds to the risk who loses invoke access when the binding b is
// removed, and which callers will be rejected afterwards.
func (p *planner) invokeLoss(b rules.BindingEvidence) {
	id := iam.ParseMember(b.Member).ID()
	var lost []string
	for _, e := range p.g.Out(id, graph.CanInvoke) {
		if e.Via == b.Via && e.Role == b.Role && e.Condition == b.Condition && !slices.Contains(lost, e.To) {
			lost = append(lost, e.To)
		}
	}
	if len(lost) == 0 {
		lost = []string{p.f.Subject}
	}
	var kept []string
	lost = slices.DeleteFunc(lost, func(w string) bool {
		if p.added["+"+p.target(w).Resource+"\x00roles/run.invoker\x00"+b.Member] {
			kept = append(kept, w)
			return true
		}
		return false
	})
	if len(kept) > 0 {
		p.risk("%s keeps invoke access to %s through the grant on each above.", p.label(b.Member), p.labels(kept, 10))
	}
	if len(lost) == 0 {
		return
	}
	who := p.label(b.Member)
	switch iam.ParseMember(b.Member).Kind {
	case iam.KindAllUsers:
		who = "anyone on the internet (allUsers)"
	case iam.KindAllAuthenticatedUsers:
		who = "any Google account (allAuthenticatedUsers)"
	}
	p.risk("%s loses invoke access to %d workload(s): %s.", who, len(lost), p.labels(lost, 10))
	if iam.ParseMember(b.Member).IsPublic() {
		p.risk("If a workload above is a public website or API on purpose, do not apply: record an exception with the reason instead.")
		for _, w := range lost {
			p.unauthenticatedCallers(w)
		}
	}
	for _, w := range lost {
		if !p.hasOtherInvoker(w, b) {
			p.risk("After the removal nobody but project owners and editors holds an invoke role on %s: grant roles/run.invoker on it to its real callers first.", p.label(w))
		}
	}
}

// hasOtherInvoker reports whether a principal other than b's member (basic
// roles and Google service agents aside) can invoke w after b is removed.
func (p *planner) hasOtherInvoker(w string, b rules.BindingEvidence) bool {
	id := iam.ParseMember(b.Member).ID()
	for _, e := range p.g.In(w, graph.CanInvoke) {
		m := iam.ParseMember(e.From)
		if iam.IsBasic(e.Role) || m.IsServiceAgent() {
			continue
		}
		if e.From == id && e.Via == b.Via && e.Role == b.Role {
			continue
		}
		return true
	}
	return false
}

// unauthenticatedCallers adds to the risk the push subscriptions and
// Scheduler jobs that call w without an OIDC token: they are rejected once w
// requires authentication.
func (p *planner) unauthenticatedCallers(w string) {
	for _, e := range p.g.In(w, graph.PushesTo, graph.Triggers) {
		n, ok := p.g.Node(e.From)
		if !ok {
			continue
		}
		oidc := false
		for _, a := range p.g.Out(n.ID, graph.AuthenticatesAs) {
			oidc = oidc || !strings.HasPrefix(a.Detail, "OAuth")
		}
		if oidc || n.Kind == graph.KindTrigger {
			continue
		}
		p.risk("%s calls %s without an OIDC token: its calls will be rejected (403) until it authenticates (see its %s change set).",
			p.label(n.ID), p.label(w), map[graph.Kind]string{graph.KindSubscription: "push-unauthenticated", graph.KindSchedulerJob: "scheduler-unauthenticated"}[n.Kind])
	}
}

// invokers lists the principals that can invoke w, for the risk text.
func (p *planner) invokers(w string) []string {
	var out []string
	for _, e := range p.g.In(w, graph.CanInvoke) {
		m := iam.ParseMember(e.From)
		if iam.IsBasic(e.Role) || m.IsServiceAgent() || slices.Contains(out, e.From) {
			continue
		}
		out = append(out, e.From)
	}
	return out
}

func planInvokerPublic(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	p.cs.Title = fmt.Sprintf("Remove %s from %s on %s", p.label(b.Member), b.Role, p.label(b.Via))
	p.cs.Rationale = fmt.Sprintf("%s holds %s on %s, so %s can be invoked without authenticating as anyone in particular.", p.label(b.Member), b.Role, p.label(b.Via), p.label(n.ID))
	if b.Via != n.ID {
		p.cs.Rationale += fmt.Sprintf(" The binding is on %s, an ancestor: every service and job below it is public.", p.label(b.Via))
	}
	p.removeEvidence(b, "the public invoker binding")
	p.invokeLoss(b)
	return nil
}

func planInvokerIAMDisabled(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	p.cs.Title = fmt.Sprintf("Turn the invoker IAM check back on for %s", w.Name)
	p.cs.Rationale = fmt.Sprintf("The invoker IAM check of %s is off: anyone who can reach its URL can invoke it, whatever its IAM policy says.", w.Name)
	p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldInvokerIAMDisabled, From: "true", To: "false", Note: "requests must carry an identity token of a principal holding roles/run.invoker"})
	if inv := p.invokers(n.ID); len(inv) > 0 {
		p.risk("Afterwards only these principals (and project owners/editors) can invoke %s: %s. Every other caller, including browsers, gets 403.", w.Name, p.labels(inv, 10))
	} else {
		p.risk("No principal holds an invoke role on %s: afterwards only project owners and editors can call it. Grant roles/run.invoker to its callers first.", w.Name)
	}
	p.unauthenticatedCallers(n.ID)
	p.risk("If %s is public on purpose (a website), do not apply: record an exception instead.", w.Name)
	return nil
}

// planInvokerBroadScope narrows a broad invoke grant. A grant on a
// project, folder or organization is one finding affecting every service and
// job it reaches (its Affects): each of them is granted the invoker role on
// its own, then the broad grant is removed, so that access stays what it is
// today and services created below later no longer inherit it.
func planInvokerBroadScope(p *planner) error {
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	m := iam.ParseMember(b.Member)
	via, _ := p.g.Node(b.Via)
	container := via != nil && via.Kind.IsContainer()
	reached := p.labels(p.f.Affects, 10)
	p.cs.Title = fmt.Sprintf("Narrow %s of %s on %s", b.Role, p.label(b.Member), p.label(b.Via))
	switch {
	case iam.IsBasic(b.Role):
		// A basic role is far more than invoking: removing it is no
		// mechanical fix.
		p.cs.Rationale = fmt.Sprintf("%s holds the basic role %s on %s, which includes run.routes.invoke on every service below it, and thousands of other permissions.", p.label(b.Member), b.Role, p.label(b.Via))
		p.manual("Replace %s of %s on %s with the predefined roles the member needs (the IAM recommender's role recommendations show what it used); grant roles/run.invoker on the services it calls, of those it reaches (%s). runlens does not remove a basic role mechanically.", b.Role, p.label(b.Member), p.label(b.Via), reached)
		p.risk("Removing %s from %s takes away everything the role grants on %s, not only invoking.", b.Role, p.label(b.Member), p.label(b.Via))
		return nil
	case container && !m.IsPublic() && m.Kind != iam.KindDomain:
		p.cs.Rationale = fmt.Sprintf("%s holds %s on %s, which reaches every service and job below it (%d today). It is granted again on each of them alone, then removed from %s: services created below %s later no longer inherit it.", p.label(b.Member), b.Role, p.label(b.Via), len(p.f.Affects), p.label(b.Via), p.label(b.Via))
		for _, w := range p.f.Affects {
			if _, ok := p.g.Node(w); !ok {
				return fmt.Errorf("affected workload %s is not in the graph", w)
			}
			p.add(p.target(w), "roles/run.invoker", b.Member, "keeps "+p.label(b.Member)+" able to invoke "+p.label(w)+" after the broad grant goes")
		}
		if len(p.f.Affects) > 1 {
			p.risk("Review the grants above before approving: a service %s does not call needs no grant of its own.", p.label(b.Member))
		}
		p.removeEvidence(b, "the broad grant")
	case m.Kind == iam.KindDomain:
		p.cs.Rationale = fmt.Sprintf("%s holds %s on %s: everyone with an account in the domain can invoke %s.", p.label(b.Member), b.Role, p.label(b.Via), reached)
		p.manual("Grant roles/run.invoker on %s to the specific users, or a group, who call it before running the removal below.", reached)
		p.removeEvidence(b, "the domain-wide grant")
	default:
		p.cs.Rationale = fmt.Sprintf("%s holds %s on %s.", p.label(b.Member), b.Role, p.label(b.Via))
		p.removeEvidence(b, "the broad grant")
	}
	p.invokeLoss(b)
	return nil
}

func planIngressOpenInternal(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	p.cs.Title = fmt.Sprintf("Set ingress of %s to internal", w.Name)
	p.cs.Rationale = fmt.Sprintf("%s accepts traffic from the internet (ingress all), yet no person and no public member can invoke it: %s. Internal ingress accepts only traffic from VPC networks and Google services in the same project or VPC Service Controls perimeter.", w.Name, p.f.Evidence.Note)
	p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldIngress, From: w.Ingress, To: inventory.IngressInternal, Note: "requests from the internet are rejected (404) before authentication"})
	for _, e := range p.g.In(n.ID, graph.CanInvoke) {
		for _, caller := range p.workloadsRunningAs(e.From) {
			cn, ok := p.g.Node(caller)
			if !ok {
				continue
			}
			cw, _ := cn.Data.(*inventory.Workload)
			if cw == nil || cw.Egress != "all-traffic" {
				p.risk("%s calls as %s, but its requests do not leave through a VPC (egress %q): route them through Direct VPC egress or a connector with egress all-traffic, or they will be rejected.", p.label(caller), p.label(e.From), egressOf(cw))
			}
		}
	}
	proj, _ := p.projectOf(n.ID)
	for _, e := range p.g.In(n.ID, graph.PushesTo, graph.Triggers) {
		cp, ok := p.projectOf(e.From)
		if ok && proj != nil && cp.ID != proj.ID {
			p.risk("%s calls from another project (%s): Pub/Sub, Eventarc and Scheduler count as internal only within the same project or VPC Service Controls perimeter, so its calls will be rejected.", p.label(e.From), p.label(cp.ID))
		}
	}
	p.risk("Callers outside Google Cloud (on-premises systems, other clouds, developers' machines) can no longer reach %s; they need a VPN or Interconnect into the VPC, or a load balancer (then use internal-and-cloud-load-balancing).", w.Name)
	return nil
}

func egressOf(w *inventory.Workload) string {
	if w == nil || w.Egress == "" {
		return "none"
	}
	return w.Egress
}

func planIAPBypass(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	p.cs.Title = fmt.Sprintf("Close the run.app URL of %s around IAP", w.Name)
	p.cs.Rationale = fmt.Sprintf("IAP on a load balancer fronts %s, but its ingress is all and its default run.app URL is on, so the URL reaches it without IAP.", w.Name)
	p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldIngress, From: w.Ingress, To: inventory.IngressInternalLB, Note: "only the load balancer (and internal traffic) reaches the service"})
	p.manual("Disable the default run.app URL of %s as well: gcloud run services update %s --region %s --project %s --no-default-url (the load balancer keeps serving it).", w.Name, r.Name, r.Region, r.Project)
	p.risk("Clients that call the run.app URL of %s directly (scripts, other services, bookmarks) stop working; they must go through the load balancer and IAP.", w.Name)
	return nil
}

func planHumanAccessWithoutIAP(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	p.cs.Title = fmt.Sprintf("Put IAP in front of %s for its human users", w.Name)
	p.cs.Rationale = fmt.Sprintf("People call %s with their own identity tokens, without IAP's browser sign-in and context-aware access.", w.Name)
	var members, basic []string
	for _, b := range p.f.Evidence.Bindings {
		members = append(members, b.Member)
		if iam.IsBasic(b.Role) {
			basic = append(basic, fmt.Sprintf("%s (%s on %s)", p.label(b.Member), b.Role, p.label(b.Via)))
		}
	}
	num := ""
	if proj, ok := p.projectOf(n.ID); ok {
		num = strings.TrimPrefix(proj.ID, crm+"projects/")
	}
	p.manual("This change needs an order runlens cannot script safely, so every step is manual:\n"+
		"1. Enable IAP on the service: gcloud run services update %s --region %s --project %s --iap\n"+
		"2. Let IAP invoke it: grant roles/run.invoker on the service to service-%s@gcp-sa-iap.iam.gserviceaccount.com\n"+
		"3. Grant each person or group roles/iap.httpsResourceAccessor: gcloud iap web add-iam-policy-binding --resource-type=cloud-run --service=%s --region=%s --project=%s --member=MEMBER --role=roles/iap.httpsResourceAccessor, for %s\n"+
		"4. Only then remove their direct roles/run.invoker bindings.",
		r.Name, r.Region, r.Project, orPlaceholder(num, "PROJECT_NUMBER"), r.Name, r.Region, r.Project, strings.Join(members, ", "))
	if len(basic) > 0 {
		p.manual("A basic role includes run.routes.invoke, so removing invoker bindings does not end the direct access of %s: replace those basic roles with the predefined roles each member needs (runlens does not remove a basic role mechanically).", strings.Join(basic, ", "))
	}
	p.risk("Until step 4, the people keep their direct access; after it, they reach %s only through IAP in a browser. Scripts that call it with identity tokens need a service account with roles/run.invoker instead.", w.Name)
	return nil
}

func orPlaceholder(s, ph string) string {
	if s == "" || !isNumber(s) {
		return ph
	}
	return s
}

// callerIdentity plans a dedicated caller identity (create or reuse
// <caller>-<suffix> in the caller's project) holding roles/run.invoker on each
// target. It returns the email, or "" when the project is unknown.
func (p *planner) callerIdentity(caller *graph.Node, suffix string, targets []string) string {
	project := caller.Project
	if project == "" || isNumber(project) {
		project = p.projectIDOf(caller.ID)
	}
	if project == "" || isNumber(project) {
		p.manual("Create a service account for %s in its project and grant it roles/run.invoker on %s (runlens knows the project only by number, so it cannot name the account).", p.label(caller.ID), p.labels(targets, 10))
		return ""
	}
	id, email, exists := p.accountFor(project, last(caller.ID), suffix, caller.ID, func(sa *graph.Node) bool {
		return len(p.workloadsRunningAs(sa.ID)) == 0
	})
	if exists {
		p.risk("Service account %s already exists and is reused as the caller identity; check what else it holds.", email)
	} else {
		p.step(Step{Kind: KindCreateServiceAccount, Project: project, AccountID: id,
			DisplayName: truncate("Caller identity of "+kindWord(caller.Kind)+" "+last(caller.ID), 100),
			Note:        "a dedicated identity for " + p.label(caller.ID) + " to call its targets with"})
	}
	for _, t := range targets {
		p.add(p.target(t), "roles/run.invoker", "serviceAccount:"+email, "lets "+last(caller.ID)+" invoke "+last(t)+" and nothing else")
	}
	p.risk("Whoever runs this needs iam.serviceAccounts.actAs on %s to attach it to %s.", email, last(caller.ID))
	return email
}

// audience returns the audience for calls to service w at endpoint: the
// service URL the endpoint points at (scheme and host), else its first URL.
func audience(w *inventory.Workload, endpoint string) string {
	base := ""
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		base = u.Scheme + "://" + u.Host
	}
	if w != nil {
		for _, x := range slices.Concat(w.URLs, w.CustomAudiences) {
			if base != "" && strings.EqualFold(strings.TrimSuffix(x, "/"), base) {
				return strings.TrimSuffix(x, "/")
			}
		}
	}
	if strings.HasSuffix(base, ".run.app") {
		return base
	}
	if w != nil && len(w.URLs) > 0 {
		return w.URLs[0]
	}
	return base
}

func planPushUnauthenticated(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	sub, _ := n.Data.(*inventory.Subscription)
	if sub == nil || sub.PushConfig == nil || sub.PushConfig.PushEndpoint == "" {
		return fmt.Errorf("%s has no push configuration", n.ID)
	}
	endpoint := sub.PushConfig.PushEndpoint
	var targets []string
	for _, e := range p.g.Out(n.ID, graph.PushesTo) {
		targets = append(targets, e.To)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s pushes to no Cloud Run service in the graph", n.ID)
	}
	p.cs.Title = fmt.Sprintf("Authenticate the pushes of subscription %s", last(n.ID))
	p.cs.Rationale = fmt.Sprintf("Subscription %s pushes to %s without an OIDC token, so the service cannot tell Pub/Sub from anyone else and has to accept unauthenticated requests. "+
		"A dedicated caller identity holding roles/run.invoker on that service alone signs every push.", last(n.ID), p.labels(targets, 10))
	email := p.callerIdentity(n, "push", targets)
	if email == "" {
		return nil
	}
	tn, _ := p.g.Node(targets[0])
	tw, _ := tn.Data.(*inventory.Workload)
	p.step(Step{Kind: KindSetPushAuth, Subscription: n.ID, Endpoint: endpoint, ServiceAccount: email, Audience: audience(tw, endpoint),
		Note: "Pub/Sub signs each push with an OIDC token of " + email})
	for _, t := range targets {
		if p.publicOrOpen(t) {
			p.risk("%s still accepts unauthenticated requests (public invoker or invoker IAM check off): once pushes authenticate, fix that with its own change set.", p.label(t))
		}
	}
	p.risk("In projects created before 8 April 2021 the Pub/Sub service agent (service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com) also needs roles/iam.serviceAccountTokenCreator on %s to mint the tokens.", email)
	p.risk("If the push handler checks the token's audience itself, it must accept %q.", audience(tw, endpoint))
	return nil
}

// publicOrOpen reports whether a workload can be invoked without
// authentication.
func (p *planner) publicOrOpen(id string) bool {
	n, ok := p.g.Node(id)
	if !ok {
		return false
	}
	if w, ok := n.Data.(*inventory.Workload); ok && w != nil && w.InvokerIAMDisabled {
		return true
	}
	for _, e := range p.g.In(id, graph.CanInvoke) {
		if iam.ParseMember(e.From).IsPublic() && e.Condition == "" {
			return true
		}
	}
	return false
}

func planSchedulerUnauthenticated(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	job, _ := n.Data.(*inventory.SchedulerJob)
	if job == nil || job.HTTPTarget == nil {
		return fmt.Errorf("%s has no HTTP target", n.ID)
	}
	var targets []string
	for _, e := range p.f.Evidence.Path {
		if e.Kind == graph.Triggers || e.Kind == graph.PushesTo {
			targets = append(targets, e.To)
		}
	}
	if len(targets) == 0 {
		for _, e := range p.g.Out(n.ID, graph.Triggers) {
			targets = append(targets, e.To)
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s calls no Cloud Run service or job in the graph", n.ID)
	}
	p.cs.Title = fmt.Sprintf("Authenticate the calls of Scheduler job %s", last(n.ID))
	p.cs.Rationale = fmt.Sprintf("Cloud Scheduler job %s calls %s without an OIDC token, so the target has to accept unauthenticated requests. A dedicated caller identity holding roles/run.invoker on the target alone signs every call.", last(n.ID), p.labels(targets, 10))
	email := p.callerIdentity(n, "sched", targets)
	if email == "" {
		return nil
	}
	p.switchScheduler(n, job, email, targets, "")
	for _, t := range targets {
		if p.publicOrOpen(t) {
			p.risk("%s still accepts unauthenticated requests (public invoker or invoker IAM check off): once the job authenticates, fix that with its own change set.", p.label(t))
		}
	}
	return nil
}

// switchScheduler plans making scheduler job n call its targets as email:
// an OIDC token for a service, an OAuth token (Cloud Run Admin API) for a job.
func (p *planner) switchScheduler(n *graph.Node, job *inventory.SchedulerJob, email string, targets []string, from string) {
	tn, ok := p.g.Node(targets[0])
	if ok && tn.Kind == graph.KindJob {
		p.manual("%s runs Cloud Run job %s through the Cloud Run Admin API, which takes an OAuth access token: gcloud scheduler jobs update http %s --location %s --project %s --oauth-service-account-email %s --oauth-token-scope https://www.googleapis.com/auth/cloud-platform",
			last(n.ID), tn.Label, last(n.ID), seg(n.ID, "locations"), p.projectIDOf(n.ID), email)
		return
	}
	var tw *inventory.Workload
	if ok {
		tw, _ = tn.Data.(*inventory.Workload)
	}
	p.step(Step{Kind: KindSetSchedulerOIDC, Job: n.ID, Endpoint: job.HTTPTarget.URI, ServiceAccount: email, Audience: audience(tw, job.HTTPTarget.URI), From: from,
		Note: "Cloud Scheduler signs each call with an OIDC token of " + email})
}

func planCallerDefaultSA(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	var targets []string
	for _, e := range p.g.Out(n.ID, graph.PushesTo, graph.Triggers) {
		targets = append(targets, e.To)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s calls nothing in the graph", n.ID)
	}
	def := strings.TrimPrefix(strings.Join(p.fieldValues("authenticates as"), ""), "serviceAccount:")
	p.cs.Title = fmt.Sprintf("Give %s %s a dedicated caller identity", kindWord(n.Kind), last(n.ID))
	p.cs.Rationale = fmt.Sprintf("%s authenticates as the default compute identity %s, which usually holds roles/editor on its project; a caller needs only roles/run.invoker on its target.", p.label(n.ID), def)
	suffix := map[graph.Kind]string{graph.KindSubscription: "push", graph.KindSchedulerJob: "sched", graph.KindTrigger: "trigger"}[n.Kind]
	email := p.callerIdentity(n, suffix, targets)
	if email == "" {
		return nil
	}
	switch n.Kind {
	case graph.KindSubscription:
		sub, _ := n.Data.(*inventory.Subscription)
		if sub == nil || sub.PushConfig == nil {
			return fmt.Errorf("%s has no push configuration", n.ID)
		}
		aud := ""
		if sub.PushConfig.OIDCToken != nil {
			aud = sub.PushConfig.OIDCToken.Audience
		}
		if aud == "" {
			tn, _ := p.g.Node(targets[0])
			tw, _ := tn.Data.(*inventory.Workload)
			aud = audience(tw, sub.PushConfig.PushEndpoint)
		}
		p.step(Step{Kind: KindSetPushAuth, Subscription: n.ID, Endpoint: sub.PushConfig.PushEndpoint, ServiceAccount: email, Audience: aud, From: def,
			Note: "pushes are signed by " + email + " instead of the default compute identity"})
	case graph.KindSchedulerJob:
		job, _ := n.Data.(*inventory.SchedulerJob)
		if job == nil || job.HTTPTarget == nil {
			return fmt.Errorf("%s has no HTTP target", n.ID)
		}
		p.switchScheduler(n, job, email, targets, def)
	case graph.KindTrigger:
		p.manual("Switch the trigger to the new identity: gcloud eventarc triggers update %s --location %s --project %s --service-account %s",
			last(n.ID), seg(n.ID, "locations"), p.projectIDOf(n.ID), email)
		p.risk("Eventarc triggers for direct events (Cloud Storage, Pub/Sub) also need the new identity to hold roles/eventarc.eventReceiver on the project; audit-log triggers need it too.")
	}
	p.risk("The default compute identity keeps its grants; other callers or workloads may still use it.")
	return nil
}

// kindWord names a caller's node kind for people.
func kindWord(k graph.Kind) string {
	switch k {
	case graph.KindSubscription:
		return "Pub/Sub subscription"
	case graph.KindSchedulerJob:
		return "Cloud Scheduler job"
	case graph.KindTrigger:
		return "Eventarc trigger"
	}
	return string(k)
}

// planIAPExtraInvoker removes the direct invokers of a service that has IAP
// on it, but for the IAP service agent; grants on ancestors are left to
// their own findings.
func planIAPExtraInvoker(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	p.cs.Title = fmt.Sprintf("Leave invoking %s to IAP", w.Name)
	p.cs.Rationale = fmt.Sprintf("IAP is on %s, so the other invoke grants on it are unused; they would let their holders call it directly the moment IAP is turned off.", w.Name)
	for _, b := range p.f.Evidence.Bindings {
		if b.Via != n.ID {
			p.manual("%s holds %s on %s, an ancestor of %s: remove it there if nothing else below needs it (see that binding's invoker-broad-scope finding).", p.label(b.Member), b.Role, p.label(b.Via), w.Name)
			continue
		}
		p.removeEvidence(b, "an invoker beside the IAP service agent")
	}
	p.risk("Nothing that goes through IAP changes. People keep access through IAP only if they hold roles/iap.httpsResourceAccessor on the service; scripts calling the service with identity tokens stop working while IAP is on anyway.")
	return nil
}
