// Package build turns an inventory into the identity graph: one node per
// resource and principal, child_of edges for the resource hierarchy, IAM
// bindings resolved through the role catalog (inherited from projects,
// folders and organizations, conditions kept, expired time-bound grants
// dropped), runtime identities, callers matched to the services they reach,
// and the resources a service's configuration references.
package build

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
)

// Permissions that let a principal act as a service account (DESIGN §3).
var actAsPermissions = []string{
	"iam.serviceAccounts.actAs",
	"iam.serviceAccounts.getAccessToken",
	"iam.serviceAccounts.getOpenIdToken",
	"iam.serviceAccounts.implicitDelegation",
	"iam.serviceAccounts.signBlob",
	"iam.serviceAccounts.signJwt",
}

// Result is the built graph and what the builder could not use.
type Result struct {
	Graph        *graph.Graph
	Roles        *iam.Catalog        // predefined plus the inventory's custom roles
	UnknownRoles map[string][]string // role -> node IDs whose policies grant it
	Problems     []inventory.Problem // assets whose data could not be decoded
	Timings      Timings
}

// Timings is how long each step of a build took.
type Timings struct {
	Views     time.Duration // waiting for each asset's resource data to be decoded into its typed view (on every CPU, beside the resources step)
	Resources time.Duration // resource nodes and the edges their configuration makes (runs as, uses, pushes to)
	Bindings  time.Duration // the edges IAM bindings make (can invoke, can act as, has role)
	Index     time.Duration // sorting every node's edges, dropping duplicates
}

const crm = "//cloudresourcemanager.googleapis.com/"

type builder struct {
	b       *graph.Builder
	roles   *iam.Catalog
	now     time.Time
	res     *Result
	numByID map[string]string // project ID -> number
	idByNum map[string]string // project number -> ID
	saByKey map[string]string // SA CAI name, unique ID or email -> node ID
	alias   map[string]string // canonical resource name -> node ID
	kids    map[string][]string
	ids     map[string]string        // container reference -> node ID (containerID)
	below   map[string][]*graph.Node // container node ID -> grantees
	views   []view                   // typed views of inv.Assets, index for index
	// buildCreators are the bindings that grant cloudbuild.builds.create on
	// a container (From, Role, Via, Condition), for cloudBuildActAs.
	buildCreators []graph.Edge
}

// Graph builds the identity graph of inv at time now (which decides whether
// time-bound conditions have expired). roles is the predefined catalog; the
// inventory's custom roles are added to it.
func Graph(inv *inventory.Inventory, roles *iam.Catalog, now time.Time) *Result {
	return GraphWith(inv, roles, now, nil)
}

// GraphWith is Graph reusing the typed views an earlier build with the same
// views left (nil: none), and leaving there those of inv's assets.
func GraphWith(inv *inventory.Inventory, roles *iam.Catalog, now time.Time, views *Views) *Result {
	if inv.DataReleased {
		panic("build: the inventory's data was released (inventory.ReleaseData): it cannot be built again")
	}
	bl := &builder{
		b:       graph.NewBuilderSize(len(inv.Assets), 3*len(inv.Assets)),
		now:     now,
		res:     &Result{UnknownRoles: map[string][]string{}},
		numByID: map[string]string{},
		idByNum: map[string]string{},
		saByKey: map[string]string{},
		alias:   make(map[string]string, len(inv.Assets)),
		kids:    map[string][]string{},
		ids:     map[string]string{},
		below:   map[string][]*graph.Node{},
	}
	bl.b.Workers = par.Workers()
	t1 := time.Now()
	vs := decodeViews(inv.Assets, views)
	var waited time.Duration
	wait(vs.others, &waited)
	bl.views = vs.out // only the others' are read until every asset is placed
	bl.roles = roles.With(bl.customRoles(inv)...)
	bl.res.Roles = bl.roles
	bl.learnProjects(inv)
	bl.containers(inv)
	ids := make([]string, len(inv.Assets)) // node of each asset, index for index
	for i, a := range inv.Assets {
		ids[i] = bl.resourceNode(a, vs.at(i, &waited))
	}
	bl.keysAndPolicies(inv)
	bl.indexURLs()
	for i, a := range inv.Assets {
		if id := ids[i]; id != "" {
			bl.configEdges(a, id)
		}
	}
	bl.placeServiceAccounts(inv, ids)
	bl.linkContainers(inv)
	for _, n := range bl.b.Nodes() {
		if n.Parent != "" && n.Parent != n.ID {
			bl.kids[n.Parent] = append(bl.kids[n.Parent], n.ID)
			bl.b.Edge(graph.Edge{From: n.ID, To: n.Parent, Kind: graph.ChildOf})
		}
	}
	t2 := time.Now()
	for i, a := range inv.Assets {
		if id := ids[i]; id != "" && a.IAMPolicy != nil {
			bl.bindings(id, a.IAMPolicy)
		}
	}
	bl.cloudBuildActAs()
	t3 := time.Now()
	bl.res.Graph = bl.b.Graph()
	bl.res.Timings = Timings{Views: waited, Resources: t2.Sub(t1) - waited, Bindings: t3.Sub(t2), Index: time.Since(t3)}
	return bl.res
}

// buildsCreate is the permission to start a Cloud Build build.
const buildsCreate = "cloudbuild.builds.create"

// cloudBuildActAs adds a can_act_as edge from every principal that may
// create builds in a project to the project's legacy Cloud Build service
// account (PROJECT_NUMBER@cloudbuild.gserviceaccount.com) where the graph
// knows that account: a build runs as it, so a build author holds what it
// holds (https://cloud.google.com/build/docs/cloud-build-service-account).
// The edge's permission is cloudbuild.builds.create, its role and via those
// of the binding that grants it (on the project or an ancestor).
func (bl *builder) cloudBuildActAs() {
	if len(bl.buildCreators) == 0 {
		return
	}
	byVia := map[string][]graph.Edge{}
	for _, e := range bl.buildCreators {
		byVia[e.Via] = append(byVia[e.Via], e)
	}
	perms := []string{buildsCreate}
	for _, n := range bl.b.Nodes() {
		if n.Kind != graph.KindServiceAccount {
			continue
		}
		num, ok := iam.LegacyCloudBuildProject(strings.TrimPrefix(n.ID, "serviceAccount:"))
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for c := crm + "projects/" + num; c != "" && !seen[c]; {
			seen[c] = true
			for _, e := range byVia[c] {
				if e.From != n.ID {
					bl.edge(e, n.ID, graph.CanActAs, perms)
				}
			}
			p, ok := bl.b.Lookup(c)
			if !ok {
				break
			}
			c = p.Parent
		}
	}
}

// linkContainers makes sure every parent named by a node exists, and gives a
// folder or organization known only by reference (no asset of its own) the
// parent the inventory's ancestors lists name, so that bindings on containers
// higher up still reach what lies below.
func (bl *builder) linkContainers(inv *inventory.Inventory) {
	up := map[string]string{} // container node ID -> parent container node ID, from ancestors
	for _, a := range inv.Assets {
		for i := 0; i+1 < len(a.Ancestors); i++ {
			c, p := bl.containerRef(a.Ancestors[i]), bl.containerRef(a.Ancestors[i+1])
			if c != "" && p != "" && c != p {
				if _, ok := up[c]; !ok {
					up[c] = p
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range slices.Clone(bl.b.Nodes()) {
			if n.Parent == "" && n.Kind.IsContainer() && up[n.ID] != "" {
				n.Parent = up[n.ID]
				changed = true
			}
			if n.Parent != "" && n.Parent != n.ID {
				if _, ok := bl.b.Lookup(n.Parent); !ok {
					bl.ensureContainer(n.Parent)
					if _, ok := bl.b.Lookup(n.Parent); ok { // not created: not a container name
						changed = true
					}
				}
			}
		}
	}
}

// containerRef is the node ID of an ancestors entry ("projects/N",
// "folders/N", "organizations/N"; a project by ID is turned to its number).
func (bl *builder) containerRef(anc string) string {
	if p, ok := strings.CutPrefix(anc, "projects/"); ok {
		if n, ok := bl.numByID[p]; ok {
			return bl.containerID("projects/" + n)
		}
	}
	return bl.containerID(anc)
}

// placeServiceAccounts puts a service account known only by email (a runtime
// or caller identity, or a binding member, with no ServiceAccount asset) under
// its project when the email names a project of the inventory, so that grants
// on the project (iam.serviceAccountUser, ...) reach it like any other.
func (bl *builder) placeServiceAccounts(inv *inventory.Inventory, ids []string) {
	// The members bindings will add, added now so that they can be placed.
	for i, a := range inv.Assets {
		if a.IAMPolicy == nil || ids[i] == "" {
			continue
		}
		for _, bd := range a.IAMPolicy.Bindings {
			if bd.Condition != nil && bd.Condition.State(bl.now) == iam.Expired {
				continue
			}
			for _, raw := range bd.Members {
				if m := iam.ParseMember(raw); m.Kind == iam.KindServiceAccount {
					bl.principal(m)
				}
			}
		}
	}
	for _, n := range bl.b.Nodes() {
		if n.Kind != graph.KindServiceAccount || n.Parent != "" {
			continue
		}
		ref := saProjectRef(strings.TrimPrefix(n.ID, "serviceAccount:"))
		if ref == "" {
			continue
		}
		if num, ok := bl.numByID[ref]; ok {
			ref = num
		}
		if p, ok := bl.b.Lookup(crm + "projects/" + ref); ok && p.Kind == graph.KindProject {
			n.Parent, n.Project = p.ID, p.Project
		}
	}
}

// saProjectRef returns the project ID or number a service account email names:
// NUM-compute@developer.gserviceaccount.com, NAME@PROJECT.iam.gserviceaccount.com
// or PROJECT@appspot.gserviceaccount.com. Google-managed service agents
// (…@gcp-sa-*.iam.gserviceaccount.com and the like) live in Google's projects
// and give "".
func saProjectRef(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return ""
	}
	switch {
	case domain == "developer.gserviceaccount.com":
		if num, ok := strings.CutSuffix(local, "-compute"); ok && isNumber(num) {
			return num
		}
	case domain == "appspot.gserviceaccount.com":
		return local
	case strings.HasSuffix(domain, ".iam.gserviceaccount.com") && !strings.HasPrefix(domain, "gcp-sa-"):
		return strings.TrimSuffix(domain, ".iam.gserviceaccount.com")
	}
	return ""
}

func (bl *builder) problem(a *inventory.Asset, err error) {
	bl.res.Problems = append(bl.res.Problems, inventory.Problem{Source: a.Source, Kind: inventory.ProblemNotCAI, Msg: err.Error()})
}

func (bl *builder) customRoles(inv *inventory.Inventory) []iam.Role {
	var out []iam.Role
	for i, a := range inv.Assets {
		if a.Type != inventory.TypeRole || a.Data == nil {
			continue
		}
		r, err := viewAs[inventory.CustomRole](bl.views[i])
		if err != nil {
			bl.problem(a, err)
			continue
		}
		name := r.Name
		if name == "" {
			name = strings.TrimPrefix(a.Name, "//iam.googleapis.com/")
		}
		out = append(out, iam.Role{Name: name, Title: r.Title, Permissions: r.IncludedPermissions})
	}
	return out
}

// learnProjects maps project IDs to numbers from Project assets, and from
// any asset whose name carries a project ID and whose ancestors carry the
// number.
func (bl *builder) learnProjects(inv *inventory.Inventory) {
	for i, a := range inv.Assets {
		if a.Type != inventory.TypeProject || a.Data == nil {
			continue
		}
		p, err := viewAs[inventory.Project](bl.views[i])
		if err != nil {
			bl.problem(a, err)
			continue
		}
		num := p.ProjectNumber
		if num == "" {
			num = inventory.NameSegment(a.Name, "projects")
		}
		if p.ProjectID != "" && num != "" {
			bl.numByID[p.ProjectID], bl.idByNum[num] = num, p.ProjectID
		}
	}
	for _, a := range inv.Assets {
		pid := inventory.NameSegment(a.Name, "projects")
		if pid == "" || isNumber(pid) || bl.numByID[pid] != "" {
			continue
		}
		for _, anc := range a.Ancestors {
			if num, ok := strings.CutPrefix(anc, "projects/"); ok {
				bl.numByID[pid], bl.idByNum[num] = num, pid
				break
			}
		}
	}
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// projectNode returns the node ID of a project given its ID or number,
// creating the node if the inventory has no Project asset for it.
func (bl *builder) projectNode(idOrNum string) string {
	if idOrNum == "" {
		return ""
	}
	num := idOrNum
	if !isNumber(idOrNum) {
		if n, ok := bl.numByID[idOrNum]; ok {
			num = n
		}
	}
	id := crm + "projects/" + num
	n := bl.b.Node(id, graph.KindProject)
	if n.Project == "" {
		n.Project = bl.projectID(num)
		n.Label = n.Project
		n.Name = id
	}
	return id
}

// projectID returns the project ID for an ID or number, or the input.
func (bl *builder) projectID(idOrNum string) string {
	if id, ok := bl.idByNum[idOrNum]; ok {
		return id
	}
	return idOrNum
}

// containerID is the node ID of a container reference ("folders/N",
// "organizations/N" or "projects/N"). A million assets name a few thousand
// containers: each ID is made once and shared by every node that names it.
func (bl *builder) containerID(ref string) string {
	if ref == "" {
		return ""
	}
	id, ok := bl.ids[ref]
	if !ok {
		id = crm + ref
		bl.ids[ref] = id
	}
	return id
}

// containers adds organization, folder and project nodes with their parents.
func (bl *builder) containers(inv *inventory.Inventory) {
	for i, a := range inv.Assets {
		switch a.Type {
		case inventory.TypeOrganization:
			n := bl.b.Node(a.Name, graph.KindOrganization)
			n.Name = a.Name
			if o, err := viewAs[inventory.Organization](bl.views[i]); err == nil && o.DisplayName != "" {
				n.Label = o.DisplayName
			} else {
				n.Label = strings.TrimPrefix(a.Name, crm)
			}
		case inventory.TypeFolder:
			n := bl.b.Node(a.Name, graph.KindFolder)
			n.Name = a.Name
			n.Label = strings.TrimPrefix(a.Name, crm)
			f, err := viewAs[inventory.Folder](bl.views[i])
			if err != nil {
				bl.problem(a, err)
			}
			if f.DisplayName != "" {
				n.Label = f.DisplayName
			}
			n.Parent = bl.parentOf(a, bl.containerID(f.Parent))
			bl.ensureContainer(n.Parent)
		case inventory.TypeProject:
			id := bl.projectNode(inventory.NameSegment(a.Name, "projects"))
			n, ok := bl.b.Lookup(id)
			if !ok {
				bl.problem(a, fmt.Errorf("build: project asset %q is not named //cloudresourcemanager.googleapis.com/projects/NUMBER", a.Name))
				continue
			}
			if a.Data == nil {
				n.Parent = bl.parentOf(a, "")
				bl.ensureContainer(n.Parent)
				continue
			}
			p, err := viewAs[inventory.Project](bl.views[i])
			if err != nil {
				continue // reported by learnProjects
			}
			n.Labels = p.Labels
			parent := ""
			if p.Parent.Type != "" && p.Parent.ID != "" {
				parent = bl.containerID(p.Parent.Type + "s/" + p.Parent.ID)
			}
			n.Parent = bl.parentOf(a, parent)
			bl.ensureContainer(n.Parent)
			n.Data = p
		}
	}
}

// parentOf picks an asset's parent: the given one, else resource.parent,
// else the second of its ancestors.
func (bl *builder) parentOf(a *inventory.Asset, given string) string {
	if given != "" {
		return given
	}
	if strings.HasPrefix(a.Parent, crm) {
		return a.Parent
	}
	if len(a.Ancestors) > 1 {
		return bl.containerID(a.Ancestors[1])
	}
	return ""
}

func (bl *builder) ensureContainer(id string) {
	rest, ok := strings.CutPrefix(id, crm)
	if !ok {
		return
	}
	kind := graph.KindFolder
	switch {
	case strings.HasPrefix(rest, "organizations/"):
		kind = graph.KindOrganization
	case strings.HasPrefix(rest, "projects/"):
		bl.projectNode(strings.TrimPrefix(rest, "projects/"))
		return
	}
	n := bl.b.Node(id, kind)
	if n.Name == "" {
		n.Name, n.Label = id, rest
	}
}

// runProject returns the project node of a Cloud Run service or job: the
// project its own name says (//run.googleapis.com/projects/P/...), whatever
// its ancestors, its resource.parent or its v1 metadata.namespace (a project
// number) say; "" when the name says none. Ancestors that name another
// project make a record that contradicts itself: that is a problem, and the
// name wins.
func (bl *builder) runProject(a *inventory.Asset) string {
	p := inventory.NameSegment(a.Name, "projects")
	if p == "" || p == "_" {
		return ""
	}
	number := func(idOrNum string) string {
		if isNumber(idOrNum) {
			return idOrNum
		}
		return bl.numByID[idOrNum]
	}
	for _, anc := range a.Ancestors {
		q, ok := strings.CutPrefix(anc, "projects/")
		if !ok {
			continue
		}
		if n, m := number(p), number(q); n != "" && m != "" && n != m {
			bl.res.Problems = append(bl.res.Problems, inventory.Problem{Source: a.Source, Kind: inventory.ProblemConflict,
				Msg: fmt.Sprintf("%s: its ancestors name project %s (%s), its name project %s (%s): attributed to %s, as its name says",
					a.Name, bl.projectID(m), m, bl.projectID(n), n, bl.projectID(n))})
		}
		break
	}
	return bl.projectNode(p)
}

// containerOf returns the project (or other container) a non-container asset
// lives in.
func (bl *builder) containerOf(a *inventory.Asset) string {
	for _, anc := range a.Ancestors {
		if p, ok := strings.CutPrefix(anc, "projects/"); ok {
			return bl.projectNode(p)
		}
	}
	if p, ok := strings.CutPrefix(a.Parent, crm+"projects/"); ok {
		return bl.projectNode(p)
	}
	if p := inventory.NameSegment(a.Name, "projects"); p != "" {
		return bl.projectNode(p)
	}
	if strings.HasPrefix(a.Parent, crm) {
		bl.ensureContainer(a.Parent)
		return a.Parent
	}
	if len(a.Ancestors) > 0 {
		id := bl.containerID(a.Ancestors[0])
		bl.ensureContainer(id)
		return id
	}
	return ""
}

// canonical rewrites "projects/ID/" in a resource name to the project number
// where known, so that names written either way meet.
func (bl *builder) canonical(name string) string {
	i := strings.Index(name, "projects/")
	if i < 0 {
		return name
	}
	rest := name[i+len("projects/"):]
	pid, tail, hasTail := strings.Cut(rest, "/")
	if num, ok := bl.numByID[pid]; ok {
		if !hasTail {
			return name[:i] + "projects/" + num
		}
		return name[:i] + "projects/" + num + "/" + tail
	}
	return name
}

func (bl *builder) register(id string, names ...string) {
	for _, n := range names {
		if n != "" {
			bl.alias[bl.canonical(n)] = id
		}
	}
}

var kindOfType = map[string]graph.Kind{
	inventory.TypeRunService:   graph.KindService,
	inventory.TypeRunJob:       graph.KindJob,
	inventory.TypeSubscription: graph.KindSubscription,
	inventory.TypeTopic:        graph.KindTopic,
	inventory.TypeTrigger:      graph.KindTrigger,
	inventory.TypeSchedulerJob: graph.KindSchedulerJob,
	inventory.TypeBucket:       graph.KindBucket,
	inventory.TypeSecret:       graph.KindSecret,
	inventory.TypeSQLInstance:  graph.KindSQLInstance,
	inventory.TypeCryptoKey:    graph.KindKMSKey,
}

// resourceNode adds the node for a non-container asset and returns its ID
// ("" for assets that are not nodes of their own, like keys).
func (bl *builder) resourceNode(a *inventory.Asset, v view) string {
	switch a.Type {
	case inventory.TypeOrganization, inventory.TypeFolder:
		return a.Name
	case inventory.TypeProject:
		return bl.projectNode(inventory.NameSegment(a.Name, "projects"))
	case inventory.TypeServiceAccountKey, inventory.TypeBinAuthzPolicy, inventory.TypeRole:
		return ""
	case inventory.TypeServiceAccount:
		return bl.serviceAccountNode(a, v)
	}
	kind, ok := kindOfType[a.Type]
	if !ok {
		if a.IAMPolicy == nil && !inventory.IsKnownType(a.Type) {
			return "" // irrelevant to reachability
		}
		kind = graph.KindOther
	}
	n := bl.b.Node(a.Name, kind)
	n.Name = a.Name
	n.Label = shortName(a.Name)
	if a.Type == inventory.TypeCryptoKey || a.Type == inventory.TypeKeyRing {
		// Keys sit under their key ring, key rings under the project.
		if strings.HasPrefix(a.Parent, "//cloudkms.googleapis.com/") && a.Type == inventory.TypeCryptoKey {
			n.Parent = a.Parent
			kr := bl.b.Node(a.Parent, graph.KindOther)
			if kr.Name == "" {
				kr.Name, kr.Label = a.Parent, shortName(a.Parent)
			}
			if kr.Parent == "" {
				kr.Parent = bl.containerOf(a)
			}
			if p, ok := bl.b.Lookup(kr.Parent); ok && kr.Project == "" {
				kr.Project = p.Project
			}
		}
	}
	if n.Parent == "" && (a.Type == inventory.TypeRunService || a.Type == inventory.TypeRunJob) {
		n.Parent = bl.runProject(a)
	}
	if n.Parent == "" {
		n.Parent = bl.containerOf(a)
	}
	if n.Parent == n.ID {
		// A mistyped record named like its own container (a "Bucket" called
		// //cloudresourcemanager.googleapis.com/projects/p): no self-loop.
		n.Parent = ""
	}
	if p, ok := bl.b.Lookup(n.Parent); ok {
		n.Project = p.Project
	}
	bl.register(a.Name, a.Name)
	switch a.Type {
	case inventory.TypeRunService, inventory.TypeRunJob:
		w, err := v.v.(*inventory.Workload), v.err
		if n.Project == "" {
			n.Project = bl.projectID(w.Project)
		}
		n.Label = w.Name
		if len(a.Data) == 0 {
			// Only an IAM policy record: no configuration to check, so no
			// typed view (checks of its configuration skip it); its
			// invoker bindings still count.
			break
		}
		if err != nil {
			bl.problem(a, err)
		}
		n.Data = w
		n.Labels = w.Labels
	default:
		if v.err != nil {
			bl.problem(a, v.err)
		} else if v.v != nil {
			n.Data = v.v
		}
	}
	switch a.Type {
	case inventory.TypeBucket:
		bucket := strings.TrimPrefix(a.Name, "//storage.googleapis.com/")
		bl.register(a.Name, "bucket:"+bucket)
		bl.alias["bucket-hash:"+inventory.NameHash(bucket)] = a.Name // what a bare word in a configuration resolves to
	case inventory.TypeTopic:
		project, topic := bl.projectID(inventory.NameSegment(a.Name, "projects")), inventory.NameSegment(a.Name, "topics")
		bl.alias["topic-hash:"+project+":"+inventory.NameHash(topic)] = a.Name
	case inventory.TypeSQLInstance:
		if v, ok := n.Data.(*inventory.SQLInstance); ok && v.ConnectionName != "" {
			bl.register(a.Name, "sql:"+v.ConnectionName)
		}
		// project:instance (region unknown) also resolves.
		bl.register(a.Name, "sql:"+bl.projectID(inventory.NameSegment(a.Name, "projects"))+":"+inventory.NameSegment(a.Name, "instances"))
	}
	return a.Name
}

// shortName is the last path segment of a resource name.
func shortName(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

func (bl *builder) serviceAccountNode(a *inventory.Asset, v view) string {
	sa, err := viewAs[inventory.ServiceAccount](v)
	if err != nil {
		bl.problem(a, err)
	}
	email := strings.ToLower(sa.Email)
	if email == "" {
		// A policy-only record: the name ends in the email or the unique ID.
		email = strings.ToLower(shortName(a.Name))
		if !strings.Contains(email, "@") {
			if id, ok := bl.saByKey[email]; ok {
				return id
			}
			email = "unknown-" + email
		}
	}
	id := "serviceAccount:" + email
	n := bl.b.Node(id, graph.KindServiceAccount)
	n.Name = a.Name
	n.Label = email
	if n.Data == nil || sa.Email != "" {
		n.Data = sa
	}
	n.Parent = bl.containerOf(a)
	if p, ok := bl.b.Lookup(n.Parent); ok {
		n.Project = p.Project
	}
	for _, k := range []string{a.Name, sa.UniqueID, email, shortName(a.Name)} {
		if k != "" {
			bl.saByKey[strings.ToLower(k)] = id
		}
	}
	return id
}

// principal returns the node for an IAM member, creating it.
func (bl *builder) principal(m iam.Member) string {
	kind := graph.KindOther
	switch m.Kind {
	case iam.KindUser:
		kind = graph.KindUser
	case iam.KindGroup:
		kind = graph.KindGroup
	case iam.KindDomain:
		kind = graph.KindDomain
	case iam.KindServiceAccount:
		kind = graph.KindServiceAccount
	case iam.KindAllUsers, iam.KindAllAuthenticatedUsers:
		kind = graph.KindPublic
	}
	id := m.ID()
	n := bl.b.Node(id, kind)
	if kind == graph.KindServiceAccount && n.Data == nil {
		n.Label = m.Value
		n.Data = &inventory.ServiceAccount{Email: m.Value}
	}
	return id
}

// serviceAccountByEmail returns the node of an SA named by email, creating a
// bare node for an SA outside the inventory.
func (bl *builder) serviceAccountByEmail(email string) string {
	if id, ok := bl.saByKey[strings.ToLower(email)]; ok {
		return id
	}
	return bl.principal(iam.ParseMember("serviceAccount:" + email))
}

// keysAndPolicies attaches keys to their service accounts and Binary
// Authorization policies to their projects.
func (bl *builder) keysAndPolicies(inv *inventory.Inventory) {
	for i, a := range inv.Assets {
		switch a.Type {
		case inventory.TypeServiceAccountKey:
			if a.Data == nil {
				continue
			}
			k, err := viewAs[inventory.ServiceAccountKey](bl.views[i])
			if err != nil {
				bl.problem(a, err)
				continue
			}
			k.Name = a.Name
			saKey := strings.ToLower(inventory.NameSegment(a.Name, "serviceAccounts"))
			id, ok := bl.saByKey[saKey]
			if !ok && strings.Contains(saKey, "@") {
				id = bl.serviceAccountByEmail(saKey)
				ok = true
			}
			if !ok {
				continue
			}
			n, _ := bl.b.Lookup(id)
			if sa, ok := n.Data.(*inventory.ServiceAccount); ok {
				sa.Keys = append(sa.Keys, *k)
			}
		case inventory.TypeBinAuthzPolicy:
			if a.Data == nil {
				continue
			}
			p, err := viewAs[inventory.BinAuthzPolicy](bl.views[i])
			if err != nil {
				bl.problem(a, err)
				continue
			}
			id := bl.containerOf(a)
			if n, ok := bl.b.Lookup(id); ok {
				if pr, ok := n.Data.(*inventory.Project); ok {
					pr.BinAuthz = p
				} else if n.Data == nil {
					n.Data = &inventory.Project{ProjectID: n.Project, BinAuthz: p}
				}
			}
		}
	}
}

// configEdges adds the edges a resource's own configuration implies.
func (bl *builder) configEdges(a *inventory.Asset, id string) {
	n, _ := bl.b.Lookup(id)
	switch v := n.Data.(type) {
	case *inventory.Workload:
		if len(a.Data) == 0 {
			return // IAM policy only: the runtime identity and references are unknown
		}
		bl.workloadEdges(n, v)
	case *inventory.Subscription:
		if v.PushConfig == nil || v.PushConfig.PushEndpoint == "" {
			return
		}
		if svc := bl.serviceByURL(v.PushConfig.PushEndpoint); svc != "" {
			bl.b.Edge(graph.Edge{From: id, To: svc, Kind: graph.PushesTo, Detail: v.PushConfig.PushEndpoint})
		}
		if o := v.PushConfig.OIDCToken; o != nil && o.ServiceAccountEmail != "" {
			bl.b.Edge(graph.Edge{From: id, To: bl.serviceAccountByEmail(o.ServiceAccountEmail), Kind: graph.AuthenticatesAs, Detail: "OIDC token, audience " + orDefault(o.Audience, "push endpoint")})
		}
		if v.Topic != "" {
			t := bl.resourceByName("//pubsub.googleapis.com/"+v.Topic, graph.KindTopic, n.Parent)
			_ = t // the topic exists as a node so reviewers see what feeds the push
		}
	case *inventory.Trigger:
		if cr := v.Destination.CloudRun; cr != nil && cr.Service != "" {
			project := bl.projectID(inventory.NameSegment(a.Name, "projects"))
			svc := bl.resolve(fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/services/%s", project, cr.Region, cr.Service))
			if _, ok := bl.b.Lookup(svc); ok {
				bl.b.Edge(graph.Edge{From: id, To: svc, Kind: graph.Triggers, Detail: "Eventarc destination " + cr.Service + " (" + cr.Region + ")"})
			}
		}
		if v.ServiceAccount != "" {
			bl.b.Edge(graph.Edge{From: id, To: bl.serviceAccountByEmail(v.ServiceAccount), Kind: graph.AuthenticatesAs, Detail: "Eventarc trigger identity"})
		}
	case *inventory.SchedulerJob:
		if v.HTTPTarget == nil {
			return
		}
		if svc := bl.serviceByURL(v.HTTPTarget.URI); svc != "" {
			bl.b.Edge(graph.Edge{From: id, To: svc, Kind: graph.Triggers, Detail: v.HTTPTarget.HTTPMethod + " " + v.HTTPTarget.URI})
		}
		if o := v.HTTPTarget.OIDCToken; o != nil && o.ServiceAccountEmail != "" {
			bl.b.Edge(graph.Edge{From: id, To: bl.serviceAccountByEmail(o.ServiceAccountEmail), Kind: graph.AuthenticatesAs, Detail: "OIDC token"})
		}
		// An OAuth access token is how Scheduler authenticates to Google APIs,
		// such as the Cloud Run Admin API that runs a job.
		if o := v.HTTPTarget.OAuthToken; o != nil && o.ServiceAccountEmail != "" {
			bl.b.Edge(graph.Edge{From: id, To: bl.serviceAccountByEmail(o.ServiceAccountEmail), Kind: graph.AuthenticatesAs, Detail: "OAuth token"})
		}
	case *inventory.BackendService:
		if v.IAP == nil || !v.IAP.Enabled {
			return
		}
		for _, be := range v.Backends {
			if svc := bl.serviceByNEG(be.Group); svc != "" {
				s, _ := bl.b.Lookup(svc)
				if w, ok := s.Data.(*inventory.Workload); ok && !slices.Contains(w.BehindIAPLoadBalancer, a.Name) {
					w.BehindIAPLoadBalancer = append(w.BehindIAPLoadBalancer, a.Name)
				}
			}
		}
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// resolve maps a resource name to the node ID it is known under.
func (bl *builder) resolve(name string) string {
	if id, ok := bl.alias[bl.canonical(name)]; ok {
		return id
	}
	return name
}

// resourceByName returns the node for a referenced resource, creating a node
// of kind k under parent when the inventory lacks it.
func (bl *builder) resourceByName(name string, k graph.Kind, parent string) string {
	id := bl.resolve(name)
	if _, ok := bl.b.Lookup(id); ok {
		return id
	}
	n := bl.b.Node(id, k)
	n.Name, n.Label = id, shortName(id)
	if p := inventory.NameSegment(id, "projects"); p != "" {
		n.Parent = bl.projectNode(p)
	} else {
		n.Parent = parent
	}
	if p, ok := bl.b.Lookup(n.Parent); ok {
		n.Project = p.Project
	}
	bl.register(id, name)
	return id
}

func (bl *builder) workloadEdges(n *graph.Node, w *inventory.Workload) {
	sa := strings.ToLower(w.ServiceAccount)
	switch {
	case w.IsUnknown(inventory.FieldServiceAccount):
		// Known only after apply (a plan): no identity is assumed, the
		// default one least of all.
	case sa == "":
		num := w.Project
		if !isNumber(num) {
			num = bl.numByID[w.Project]
		}
		if num == "" {
			// The number is not in the inventory: a placeholder that names
			// the project, so default identities of different projects stay
			// apart (and are still recognised as default compute identities).
			num = "number-of-" + strings.ToLower(w.Project)
		}
		sa = num + "-compute@developer.gserviceaccount.com"
	case !strings.Contains(sa, "@"):
		// A bare account ID means ID@PROJECT.iam.gserviceaccount.com.
		sa = sa + "@" + bl.projectID(w.Project) + ".iam.gserviceaccount.com"
	}
	if sa != "" {
		bl.b.Edge(graph.Edge{From: n.ID, To: bl.serviceAccountByEmail(sa), Kind: graph.RunsAs, Detail: orDefault(w.ServiceAccount, "default compute service account (none set)")})
	}
	for _, r := range w.Refs {
		if id, what := bl.refNode(n, w, r); id != "" {
			bl.b.Edge(graph.Edge{From: n.ID, To: id, Kind: graph.Uses, Detail: what + " (" + r.Field + ")"})
		}
	}
}

// refNode resolves a reference of workload n to the node it names (creating
// one for a resource the inventory lacks), and says what it is in words:
// "bucket pdf-uploads", "Cloud SQL p:r:db". A bare word resolves only to a
// bucket the inventory holds by that name or, failing that, to a topic of
// that ID in the workload's own project; else "".
func (bl *builder) refNode(n *graph.Node, w *inventory.Workload, r inventory.Ref) (string, string) {
	switch r.Kind {
	case inventory.RefSecret:
		name := r.Value
		if !strings.HasPrefix(name, "projects/") {
			num := w.Project
			if x, ok := bl.numByID[w.Project]; ok {
				num = x
			}
			name = "projects/" + num + "/secrets/" + name
		}
		name, _, _ = strings.Cut(name, "/versions/")
		return bl.resourceByName("//secretmanager.googleapis.com/"+name, graph.KindSecret, n.Parent), "secret " + r.Value
	case inventory.RefSQL:
		parts := strings.Split(r.Value, ":")
		id, ok := bl.alias["sql:"+r.Value]
		if !ok && len(parts) >= 3 {
			// DOMAIN:PROJECT:REGION:INSTANCE keeps the domain in the project.
			project, inst := strings.Join(parts[:len(parts)-2], ":"), parts[len(parts)-1]
			if id, ok = bl.alias["sql:"+project+":"+inst]; !ok {
				id = bl.resourceByName("//cloudsql.googleapis.com/projects/"+project+"/instances/"+inst, graph.KindSQLInstance, n.Parent)
			}
		}
		return id, "Cloud SQL " + r.Value
	case inventory.RefBucket:
		id, ok := bl.alias["bucket:"+r.Value]
		if !ok {
			id = bl.resourceByName("//storage.googleapis.com/"+r.Value, graph.KindBucket, "")
		}
		return id, "bucket " + r.Value
	case inventory.RefTopic:
		return bl.resourceByName("//pubsub.googleapis.com/"+r.Value, graph.KindTopic, n.Parent), "topic " + r.Value
	case inventory.RefKMSKey:
		what := "KMS key "
		if r.Value == w.EncryptionKey {
			what = "CMEK "
		}
		return bl.resourceByName("//cloudkms.googleapis.com/"+r.Value, graph.KindKMSKey, n.Parent), what + r.Value
	case inventory.RefName:
		if id, ok := bl.alias["bucket-hash:"+r.Value]; ok {
			return id, "bucket " + shortName(id)
		}
		if id, ok := bl.alias["topic-hash:"+bl.projectID(w.Project)+":"+r.Value]; ok {
			return id, "topic " + shortName(id)
		}
	}
	return "", ""
}

// serviceByURL finds the Cloud Run service whose URL (or custom audience) the
// endpoint points at: the same scheme and host. The deterministic URL form
// https://NAME-PROJECT_NUMBER.REGION.run.app is also matched.
func (bl *builder) serviceByURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return ""
	}
	if id, ok := bl.alias["host:"+strings.ToLower(u.Host)]; ok {
		return id
	}
	// Jobs: https://REGION-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/P/jobs/J:run
	if strings.HasSuffix(u.Host, "run.googleapis.com") {
		p := inventory.NameSegment(u.Path, "namespaces")
		if p == "" {
			p = inventory.NameSegment(u.Path, "projects")
		}
		job, _, _ := strings.Cut(inventory.NameSegment(u.Path, "jobs"), ":")
		region := strings.TrimSuffix(u.Host, "-run.googleapis.com")
		if p != "" && job != "" {
			if loc := inventory.NameSegment(u.Path, "locations"); loc != "" {
				region = loc
			}
			id := bl.resolve(fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/jobs/%s", bl.projectID(p), region, job))
			if _, ok := bl.b.Lookup(id); ok {
				return id
			}
		}
	}
	return ""
}

// indexURLs registers every URL and custom audience of every workload.
func (bl *builder) indexURLs() {
	for _, n := range bl.b.Nodes() {
		w, ok := n.Data.(*inventory.Workload)
		if !ok || w.Job {
			continue
		}
		hosts := slices.Clone(w.URLs)
		hosts = append(hosts, w.CustomAudiences...)
		num := w.Project
		if v, ok := bl.numByID[w.Project]; ok {
			num = v
		}
		hosts = append(hosts, "https://"+w.Name+"-"+num+"."+w.Region+".run.app")
		for _, h := range hosts {
			if u, err := url.Parse(h); err == nil && u.Host != "" {
				bl.alias["host:"+strings.ToLower(u.Host)] = n.ID
			}
		}
	}
}

func (bl *builder) serviceByNEG(group string) string {
	// group is a NEG URL: .../projects/P/regions/R/networkEndpointGroups/NAME
	name := shortName(group)
	project := inventory.NameSegment(group, "projects")
	region := inventory.NameSegment(group, "regions")
	id := bl.resolve(fmt.Sprintf("//compute.googleapis.com/projects/%s/regions/%s/networkEndpointGroups/%s", project, region, name))
	n, ok := bl.b.Lookup(id)
	if !ok {
		return ""
	}
	neg, ok := n.Data.(*inventory.NEG)
	if !ok || neg.CloudRun == nil {
		return ""
	}
	svc := bl.resolve(fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/services/%s", bl.projectID(project), region, neg.CloudRun.Service))
	if _, ok := bl.b.Lookup(svc); ok {
		return svc
	}
	return ""
}

// bindings turns the IAM policy on node id into edges: can_invoke on
// workloads (and on every workload below a container), can_act_as on
// service accounts (and below containers), has_role for the rest.
func (bl *builder) bindings(id string, p *iam.Policy) {
	target, ok := bl.b.Lookup(id)
	if !ok {
		return
	}
	for _, bd := range p.Bindings {
		var cond, title string
		if bd.Condition != nil {
			if bd.Condition.State(bl.now) == iam.Expired {
				continue // a time-bound grant that has passed grants nothing
			}
			cond, title = bd.Condition.Expression, bd.Condition.Title
		}
		role, known := bl.roles.Lookup(bd.Role)
		if !known && !slices.Contains(bl.res.UnknownRoles[bd.Role], id) {
			bl.res.UnknownRoles[bd.Role] = append(bl.res.UnknownRoles[bd.Role], id)
		}
		invokeSvc := role.Has("run.routes.invoke")
		invokeJob := role.Has("run.jobs.run")
		var actAs []string
		for _, perm := range actAsPermissions {
			if role.Has(perm) {
				actAs = append(actAs, perm)
			}
		}
		var below []*graph.Node // workloads and SAs the binding reaches under a container
		if target.Kind.IsContainer() && (invokeSvc || invokeJob || len(actAs) > 0) {
			below = bl.grantees(id)
		}
		buildCreate := target.Kind.IsContainer() && role.Has(buildsCreate)
		for _, raw := range bd.Members {
			m := iam.ParseMember(raw)
			if m.IsDeleted() {
				// Grants nothing until the account is undeleted: a finding
				// of its own, never an edge.
				bl.b.DeletedBinding(graph.Edge{From: raw, To: id, Role: bd.Role, Via: id, Condition: cond, CondTitle: title})
				continue
			}
			from := bl.principal(m)
			if buildCreate && !m.IsServiceAgent() {
				bl.buildCreators = append(bl.buildCreators, graph.Edge{From: from, Role: bd.Role, Via: id, Condition: cond, CondTitle: title})
			}
			base := graph.Edge{From: from, Role: bd.Role, Via: id, Condition: cond, CondTitle: title}
			switch {
			case target.Kind.IsWorkload():
				if (target.Kind == graph.KindService && invokeSvc) || (target.Kind == graph.KindJob && invokeJob) {
					bl.edge(base, id, graph.CanInvoke, nil)
				} else {
					bl.edge(base, id, graph.HasRole, nil)
				}
			case target.Kind == graph.KindServiceAccount:
				if len(actAs) > 0 {
					bl.edge(base, id, graph.CanActAs, actAs)
				} else {
					bl.edge(base, id, graph.HasRole, nil)
				}
			default:
				bl.edge(base, id, graph.HasRole, nil)
				for _, d := range below {
					switch {
					case d.Kind == graph.KindService && invokeSvc, d.Kind == graph.KindJob && invokeJob:
						bl.edge(base, d.ID, graph.CanInvoke, nil)
					case d.Kind == graph.KindServiceAccount && len(actAs) > 0:
						bl.edge(base, d.ID, graph.CanActAs, actAs)
					}
				}
			}
		}
	}
}

func (bl *builder) edge(base graph.Edge, to string, k graph.EdgeKind, perms []string) {
	base.To, base.Kind, base.Permissions = to, k, perms
	bl.b.Edge(base)
}

// grantees returns the workloads and service accounts below container id,
// found once per container (an organization's bindings each reach all of
// them).
func (bl *builder) grantees(id string) []*graph.Node {
	if below, ok := bl.below[id]; ok {
		return below
	}
	var below []*graph.Node
	bl.walkBelow(id, func(d *graph.Node) {
		if d.Kind.IsWorkload() || d.Kind == graph.KindServiceAccount {
			below = append(below, d)
		}
	})
	bl.below[id] = below
	return below
}

// walkBelow calls fn for every node below container id.
func (bl *builder) walkBelow(id string, fn func(*graph.Node)) {
	stack := slices.Clone(bl.kids[id])
	seen := map[string]bool{}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		if n, ok := bl.b.Lookup(c); ok {
			fn(n)
		}
		stack = append(stack, bl.kids[c]...)
	}
}
