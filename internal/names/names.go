// Package names says how a person reads a node of the graph: a project by
// its ID (never its number when the ID is known), a service or job by its
// short name with its project and region beside it, a service account by
// its email with a tag for the default compute, legacy Cloud Build and
// Google service agent kinds, a folder or organization by its display name.
// The full ID is kept beside (Name.Full) for a title, a link or a copy.
//
// Of is the one display-name function: pages, API labels, exports and
// change-set text all use it. It is a pure function of the graph (which may
// be nil: the name is then read from the ID alone) and cheap (a map lookup
// and a few string operations), so callers compute names as they show them.
package names

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// Name is what a person reads for a node ID.
type Name struct {
	// Text is the short name: a project ID, a service's name, an email.
	Text string `json:"text"`
	// Context says where it lives: "pdf-convert-prod · us-central1".
	Context string `json:"context,omitempty"`
	// Tag marks kinds that matter to a reviewer: "default compute",
	// "legacy Cloud Build", "Google service agent", "public", "deleted".
	Tag string `json:"tag,omitempty"`
	// Noun is what it is, in words: "service", "Pub/Sub subscription",
	// "folder"; "" when Text says it (an email, allUsers).
	Noun string `json:"noun,omitempty"`
	// Kind is the node's kind (from the graph, else read from the ID).
	Kind graph.Kind `json:"kind"`
	// Full is the full ID, exactly as given.
	Full string `json:"full"`
	// Known is true when the node is in the graph (it has a page).
	Known bool `json:"-"`
}

// Separator joins the parts of a context: "pdf-convert-prod · us-central1".
const Separator = " · "

const crm = "//cloudresourcemanager.googleapis.com/"

// Of returns the name of node id in g (g may be nil). It never fails: an ID
// it cannot read is its own Text. An IAM member written with capitals
// ("user:Ann@Example.com", as a policy may hold it) is the node of its
// canonical ID, which Full then is.
func Of(g *graph.Graph, id string) Name {
	nm := Name{Text: id, Full: id, Kind: graph.KindOther}
	var n *graph.Node
	if g != nil {
		n, nm.Known = g.Node(id)
		if !nm.Known && !strings.HasPrefix(id, "//") {
			if c := iam.ParseMember(id).ID(); c != id {
				if n, nm.Known = g.Node(c); nm.Known {
					nm.Full = c
				}
			}
		}
	}
	if n != nil {
		nm.Kind = n.Kind
	}
	if strings.HasPrefix(id, "//") {
		resource(g, n, &nm)
	} else {
		member(g, n, &nm)
	}
	if nm.Noun == "" {
		nm.Noun = nouns[nm.Kind]
	}
	if nm.Text == "" {
		nm.Text = id
	}
	return nm
}

// Label is the short text of id's name: what a graph picture writes under a
// node.
func Label(g *graph.Graph, id string) string { return Of(g, id).Text }

// nouns names the kinds in words.
var nouns = map[graph.Kind]string{
	graph.KindService:      "service",
	graph.KindJob:          "job",
	graph.KindUser:         "user",
	graph.KindGroup:        "group",
	graph.KindDomain:       "domain",
	graph.KindSubscription: "Pub/Sub subscription",
	graph.KindTopic:        "Pub/Sub topic",
	graph.KindTrigger:      "Eventarc trigger",
	graph.KindSchedulerJob: "Cloud Scheduler job",
	graph.KindBucket:       "bucket",
	graph.KindSecret:       "secret",
	graph.KindSQLInstance:  "Cloud SQL instance",
	graph.KindKMSKey:       "KMS key",
	graph.KindProject:      "project",
	graph.KindFolder:       "folder",
	graph.KindOrganization: "organization",
	// Service accounts and the public are read from their Text.
}

// Plural names n nodes of kind k in words, without the number: "service
// account", "Pub/Sub subscriptions", "Cloud Scheduler jobs".
func Plural(k graph.Kind, n int) string {
	noun, ok := nouns[k]
	switch {
	case k == graph.KindServiceAccount:
		noun = "service account"
	case k == graph.KindPublic:
		noun = "public principal"
	case !ok:
		noun = "other node"
	}
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Count counts n things in words: "1 finding", "3 findings".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Edge is an edge in words, with the binding behind it: "allUsers can
// invoke service pdf-frontend (pdf-convert-prod · us-central1) with
// roles/run.invoker on project pdf-convert-prod".
func Edge(g *graph.Graph, e graph.Edge) string {
	from, to := Of(g, e.From), Of(g, e.To)
	s := from.Phrase() + " " + e.Kind.Verb() + " " + to.Phrase()
	if e.Role != "" {
		s += " with " + e.Role
	}
	if e.Via != "" && e.Via != e.To {
		s += " on " + Of(g, e.Via).Phrase()
	}
	if e.CondTitle != "" {
		s += ", if " + e.CondTitle
	} else if e.Condition != "" {
		s += ", if " + e.Condition
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// String is the name as plain text: "pdf-worker (pdf-convert-prod ·
// us-central1)", "123-compute@developer.gserviceaccount.com
// (pdf-convert-prod, default compute)".
func (n Name) String() string {
	if x := n.extra(); x != "" {
		return n.Text + " (" + x + ")"
	}
	return n.Text
}

// Phrase is the name in a sentence, with what it is: "project
// pdf-convert-prod", "folder prod", "group devs@example.com", "service
// pdf-worker (pdf-convert-prod · us-central1)".
func (n Name) Phrase() string {
	if n.Noun == "" {
		return n.String()
	}
	return n.Noun + " " + n.String()
}

// extra is the context and tag, joined.
func (n Name) extra() string {
	switch {
	case n.Context != "" && n.Tag != "":
		return n.Context + ", " + n.Tag
	case n.Context != "":
		return n.Context
	}
	return n.Tag
}

// Title is the text a hover shows: the full ID, with the whole short name
// first when the ID does not contain it (a project's ID beside its number).
func (n Name) Title() string {
	if n.Full == "" || strings.Contains(n.Full, n.Text) {
		return n.Full
	}
	return n.Text + Separator + n.Full
}

// MaxText is how many characters of a name's Text a page shows before
// Shorten cuts it in the middle.
const MaxText = 56

// Short is n.Text shortened in the middle to MaxText characters.
func (n Name) Short() string { return Shorten(n.Text, MaxText) }

// Shorten cuts s to at most max characters (runes) by replacing its middle
// with an ellipsis, keeping more of the head (what a name starts with tells
// most) than of the tail. It never splits a character.
func Shorten(s string, max int) string {
	if max < 3 || utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	head := (max - 1) * 2 / 3
	tail := max - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// joinContext joins the non-empty parts with Separator.
func joinContext(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += Separator
		}
		out += p
	}
	return out
}

// segment returns the path segment after key in segs, or "".
func segment(segs []string, key string) string {
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] == key {
			return segs[i+1]
		}
	}
	return ""
}

// ProjectID returns the project ID for a project ID or number: a number is
// looked up as the project node //cloudresourcemanager.googleapis.com/projects/N,
// whose Project field is the ID. Unknown numbers are returned as they are.
func ProjectID(g *graph.Graph, idOrNumber string) string {
	if g == nil || !digits(idOrNumber) {
		return idOrNumber
	}
	if p, ok := g.Node(crm + "projects/" + idOrNumber); ok && p.Project != "" {
		return p.Project
	}
	return idOrNumber
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// location is the region or zone a resource name gives ("" for global).
func location(segs []string) string {
	for _, k := range []string{"locations", "regions", "zones"} {
		if l := segment(segs, k); l != "" && l != "global" && l != "-" {
			return l
		}
	}
	return ""
}

// resource names a full resource name (//SERVICE.googleapis.com/...).
func resource(g *graph.Graph, n *graph.Node, nm *Name) {
	host, rest, _ := strings.Cut(strings.TrimPrefix(nm.Full, "//"), "/")
	segs := strings.Split(rest, "/")
	last := segs[len(segs)-1]
	project := func() string {
		if n != nil && n.Project != "" {
			return n.Project
		}
		p := segment(segs, "projects")
		if p == "" || p == "_" || p == "-" {
			p = segment(segs, "namespaces") // Knative (Cloud Run v1) paths
		}
		return ProjectID(g, p)
	}
	nm.Text = last
	switch host {
	case "cloudresourcemanager.googleapis.com":
		container(g, n, nm, segs)
		return
	case "run.googleapis.com":
		switch {
		case segment(segs, "services") != "":
			nm.Text, nm.Kind = segment(segs, "services"), graph.KindService
		case segment(segs, "jobs") != "":
			nm.Text, nm.Kind = segment(segs, "jobs"), graph.KindJob
		}
		region := location(segs)
		if n != nil {
			if w, ok := n.Data.(*inventory.Workload); ok && w != nil {
				if w.Name != "" {
					nm.Text = w.Name
				}
				if w.Region != "" {
					region = w.Region
				}
			}
		}
		nm.Context = joinContext(project(), region)
		if n != nil && n.Kind.IsWorkload() {
			nm.Kind = n.Kind
		}
		return
	case "storage.googleapis.com":
		nm.Kind = graph.KindBucket
		if b := segment(segs, "buckets"); b != "" {
			nm.Text = b
		} else {
			nm.Text = segs[0]
		}
		if n != nil {
			nm.Context = n.Project
		}
		return
	case "secretmanager.googleapis.com":
		if s := segment(segs, "secrets"); s != "" {
			nm.Text, nm.Kind = s, graph.KindSecret
			ver := ""
			if v := segment(segs, "versions"); v != "" {
				ver = "version " + v
			}
			nm.Context = joinContext(project(), ver)
			return
		}
	case "cloudkms.googleapis.com":
		ring := segment(segs, "keyRings")
		if k := segment(segs, "cryptoKeys"); k != "" {
			nm.Text, nm.Kind = k, graph.KindKMSKey
			nm.Context = joinContext(project(), location(segs), "key ring "+ring)
			return
		}
		if ring != "" {
			nm.Text, nm.Noun = ring, "key ring"
			nm.Context = joinContext(project(), location(segs))
			return
		}
	case "pubsub.googleapis.com":
		if t := segment(segs, "topics"); t != "" {
			nm.Text, nm.Kind = t, graph.KindTopic
		} else if s := segment(segs, "subscriptions"); s != "" {
			nm.Text, nm.Kind = s, graph.KindSubscription
		}
		nm.Context = project()
		return
	case "cloudscheduler.googleapis.com", "eventarc.googleapis.com":
		if j := segment(segs, "jobs"); j != "" && host == "cloudscheduler.googleapis.com" {
			nm.Text, nm.Kind = j, graph.KindSchedulerJob
		} else if t := segment(segs, "triggers"); t != "" {
			nm.Text, nm.Kind = t, graph.KindTrigger
		}
		nm.Context = joinContext(project(), location(segs))
		return
	case "cloudsql.googleapis.com", "sqladmin.googleapis.com":
		if i := segment(segs, "instances"); i != "" {
			nm.Text, nm.Kind = i, graph.KindSQLInstance
		}
		nm.Context = project()
		return
	case "iam.googleapis.com":
		if key := segment(segs, "keys"); key != "" {
			// A service account key: its ID, and whose key it is.
			nm.Text, nm.Noun = key, "service account key"
			nm.Context = joinContext(project(), "of "+strings.ToLower(segment(segs, "serviceAccounts")))
			return
		}
		if sa := segment(segs, "serviceAccounts"); sa != "" {
			nm.Text, nm.Kind = strings.ToLower(sa), graph.KindServiceAccount
			if strings.Contains(sa, "@") {
				serviceAccount(g, nm)
				return
			}
			nm.Noun = "service account"
			nm.Context = project()
			return
		}
	}
	// Any other resource: its last segment, where it lives, and what it is
	// from the collection its name is in ("backendServices").
	if nm.Noun == "" && nm.Kind == graph.KindOther && len(segs) >= 2 {
		nm.Noun = singular(segs[len(segs)-2])
	}
	nm.Context = joinContext(project(), location(segs))
}

// singular turns a collection name into a noun: "backendServices" ->
// "backend service".
func singular(c string) string {
	c = strings.TrimSuffix(c, "s")
	var b strings.Builder
	for i, r := range c {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r - 'A' + 'a')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// container names a project, folder or organization.
func container(g *graph.Graph, n *graph.Node, nm *Name, segs []string) {
	if len(segs) < 2 {
		return
	}
	kind, id := segs[0], segs[1]
	nm.Text = id
	switch kind {
	case "projects":
		nm.Kind = graph.KindProject
		if n != nil && n.Project != "" {
			nm.Text = n.Project
		} else {
			nm.Text = ProjectID(g, id)
		}
	case "folders", "organizations":
		nm.Kind = graph.KindFolder
		if kind == "organizations" {
			nm.Kind = graph.KindOrganization
		}
		if n != nil && n.Label != "" && n.Label != kind+"/"+id {
			nm.Text = n.Label // the display name
		}
	}
}

// member names an IAM member string (a principal's node ID).
func member(g *graph.Graph, n *graph.Node, nm *Name) {
	m := iam.ParseMember(nm.Full)
	switch m.Kind {
	case iam.KindAllUsers:
		nm.Kind, nm.Tag = graph.KindPublic, "anyone on the internet"
	case iam.KindAllAuthenticatedUsers:
		nm.Kind, nm.Tag = graph.KindPublic, "any Google account"
	case iam.KindUser, iam.KindGroup, iam.KindDomain:
		nm.Text = m.Value
		nm.Kind = map[iam.MemberKind]graph.Kind{iam.KindUser: graph.KindUser, iam.KindGroup: graph.KindGroup, iam.KindDomain: graph.KindDomain}[m.Kind]
	case iam.KindServiceAccount:
		nm.Text, nm.Kind = m.Value, graph.KindServiceAccount
		serviceAccount(g, nm)
	case iam.KindProjectOwner, iam.KindProjectEditor, iam.KindProjectViewer:
		who := map[iam.MemberKind]string{iam.KindProjectOwner: "owners", iam.KindProjectEditor: "editors", iam.KindProjectViewer: "viewers"}[m.Kind]
		nm.Text = who + " of " + ProjectID(g, m.Value)
	case iam.KindDeleted:
		inner, _, _ := strings.Cut(m.Value, "?uid=")
		d := Of(nil, inner)
		nm.Text, nm.Noun, nm.Kind, nm.Tag = d.Text, d.Noun, d.Kind, "deleted"
	case iam.KindPrincipal, iam.KindPrincipalSet:
		principal(g, nm, m.Kind == iam.KindPrincipalSet)
	}
	if n != nil && nm.Kind == graph.KindOther {
		nm.Kind = n.Kind
	}
}

// serviceAccount tags a service account named by its email (nm.Text) and,
// when the email carries its project's number rather than its ID, says
// the project.
func serviceAccount(g *graph.Graph, nm *Name) {
	email := nm.Text
	local, domain, _ := strings.Cut(email, "@")
	num := ""
	switch {
	case iam.IsDefaultComputeSA(email):
		nm.Tag, num = "default compute", strings.TrimSuffix(local, "-compute")
	case strings.HasSuffix(domain, "cloudbuild.gserviceaccount.com"):
		if p, ok := iam.LegacyCloudBuildProject(email); ok {
			nm.Tag, num = "legacy Cloud Build", p
		}
	case iam.IsServiceAgent(email):
		nm.Tag = "Google service agent"
		if p, ok := strings.CutPrefix(local, "service-"); ok && digits(p) {
			num = p
		} else if digits(local) {
			num = local // NUM@cloudservices.gserviceaccount.com
		}
	case domain == "appspot.gserviceaccount.com":
		nm.Tag = "App Engine default"
	}
	if num != "" {
		if id := ProjectID(g, num); id != num {
			nm.Context = id
		}
	}
}

// principal names a workforce or workload identity federation principal
// (principal://...) or principal set (principalSet://...).
func principal(g *graph.Graph, nm *Name, set bool) {
	id := nm.Full
	if set {
		nm.Noun = "principal set"
	} else {
		nm.Noun = "principal"
	}
	switch id {
	case "principalSet://goog/public:all":
		nm.Text, nm.Kind, nm.Tag, nm.Noun = "everyone", graph.KindPublic, "anyone on the internet", ""
		return
	}
	_, path, _ := strings.Cut(id, "://")
	host, rest, _ := strings.Cut(path, "/")
	segs := strings.Split(rest, "/")
	if host == "goog" {
		if s, ok := strings.CutPrefix(rest, "subject/"); ok {
			nm.Text = s
		}
		return
	}
	if host == "cloudresourcemanager.googleapis.com" && len(segs) >= 2 {
		// principalSet://cloudresourcemanager.googleapis.com/projects/P/type/ServiceAccount
		where := Of(g, crm+segs[0]+"/"+segs[1])
		if t := segment(segs, "type"); t != "" {
			nm.Text = "every " + singular(strings.ToLower(t[:1])+t[1:]) + " in " + where.Noun + " " + where.Text
		}
		return
	}
	for _, pool := range []struct{ key, noun string }{{"workforcePools", "workforce pool"}, {"workloadIdentityPools", "workload identity pool"}} {
		i := strings.Index(rest, pool.key+"/")
		if i < 0 {
			continue
		}
		name, tail, _ := strings.Cut(rest[i+len(pool.key)+1:], "/")
		proj := ""
		if p := segment(segs, "projects"); p != "" {
			proj = ProjectID(g, p)
		}
		nm.Context = joinContext(pool.noun+" "+name, proj)
		switch {
		case tail == "" || tail == "*":
			nm.Text = "every identity"
		case strings.HasPrefix(tail, "subject/"):
			nm.Text = strings.TrimPrefix(tail, "subject/")
		case strings.HasPrefix(tail, "group/"):
			nm.Text = "group " + strings.TrimPrefix(tail, "group/")
		case strings.HasPrefix(tail, "attribute."):
			k, v, _ := strings.Cut(strings.TrimPrefix(tail, "attribute."), "/")
			nm.Text = k + " = " + v
		default:
			nm.Text = tail
		}
		return
	}
	if len(segs) > 0 && segs[len(segs)-1] != "" {
		nm.Text = segs[len(segs)-1]
	}
}
