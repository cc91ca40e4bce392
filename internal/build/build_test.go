package build_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// now is the fixed build time: after the 2020 bound of the expired fixtures,
// before the 2030 bound of the temporary ones.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Names used by the scenarios in testdata/.
const (
	crm = "//cloudresourcemanager.googleapis.com/"
	org = crm + "organizations/123456789012"

	// hierarchy.jsonl
	folderProd  = crm + "folders/210000000001"
	folderTeamA = crm + "folders/210000000002"
	projA       = crm + "projects/310000000001"
	projB       = crm + "projects/310000000002"
	svcWeb      = "//run.googleapis.com/projects/app-a/locations/us-central1/services/web"
	svcAPI      = "//run.googleapis.com/projects/app-b/locations/europe-west1/services/api"
	jobNightly  = "//run.googleapis.com/projects/app-a/locations/us-central1/jobs/nightly"
	jobBatch    = "//run.googleapis.com/projects/app-b/locations/europe-west1/jobs/batch"
	jobCleanup  = "//run.googleapis.com/projects/app-b/locations/europe-west1/jobs/cleanup"
	saRunner    = "serviceAccount:runner@app-a.iam.gserviceaccount.com"
	saBatch     = "serviceAccount:batch@app-b.iam.gserviceaccount.com"
	saComputeA  = "serviceAccount:310000000001-compute@developer.gserviceaccount.com"
	saComputeB  = "serviceAccount:310000000002-compute@developer.gserviceaccount.com"

	// conditions.jsonl
	projCond = crm + "projects/320000000001"
	svcCond  = "//run.googleapis.com/projects/cond-proj/locations/us-central1/services/svc"
	saCond   = "serviceAccount:worker@cond-proj.iam.gserviceaccount.com"

	// callers.jsonl
	projEvents   = crm + "projects/330000000001"
	svcWorker    = "//run.googleapis.com/projects/events/locations/us-central1/services/worker"
	svcEvAPI     = "//run.googleapis.com/projects/events/locations/europe-west1/services/api"
	svcHook      = "//run.googleapis.com/projects/events/locations/europe-west1/services/hook"
	svcDet       = "//run.googleapis.com/projects/events/locations/us-east1/services/det"
	jobEvBatch   = "//run.googleapis.com/projects/events/locations/us-central1/jobs/batch"
	subs         = "//pubsub.googleapis.com/projects/events/subscriptions/"
	topicOrders  = "//pubsub.googleapis.com/projects/events/topics/orders"
	trigUpload   = "//eventarc.googleapis.com/projects/events/locations/us-central1/triggers/on-upload"
	schedPingAPI = "//cloudscheduler.googleapis.com/projects/events/locations/europe-west1/jobs/ping-api"
	schedHook    = "//cloudscheduler.googleapis.com/projects/events/locations/europe-west1/jobs/ping-hook"
	schedBatch   = "//cloudscheduler.googleapis.com/projects/events/locations/us-central1/jobs/run-batch"
	saPush       = "serviceAccount:push-invoker@events.iam.gserviceaccount.com"
	saTrigger    = "serviceAccount:trigger@events.iam.gserviceaccount.com"
	saScheduler  = "serviceAccount:scheduler@events.iam.gserviceaccount.com"
	saComputeEv  = "serviceAccount:330000000001-compute@developer.gserviceaccount.com"

	// uses.jsonl
	projData   = crm + "projects/340000000001"
	svcLegacy  = "//run.googleapis.com/projects/data-proj/locations/us-central1/services/legacy"
	svcModern  = "//run.googleapis.com/projects/data-proj/locations/us-central1/services/modern"
	secrets    = "//secretmanager.googleapis.com/projects/340000000001/secrets/"
	bucket     = "//storage.googleapis.com/data-proj-assets"
	sqlMain    = "//cloudsql.googleapis.com/projects/data-proj/instances/main-db"
	sqlReports = "//cloudsql.googleapis.com/projects/data-proj/instances/reports-db"
	keyRing    = "//cloudkms.googleapis.com/projects/data-proj/locations/us-central1/keyRings/ring"
	kmsKey     = keyRing + "/cryptoKeys/run-cmek"
	orphanRing = "//cloudkms.googleapis.com/projects/data-proj/locations/us-central1/keyRings/orphan-ring"
	topicData  = "//pubsub.googleapis.com/projects/data-proj/topics/events"
	saApp      = "serviceAccount:app@data-proj.iam.gserviceaccount.com"

	// iap.jsonl
	svcPortal  = "//run.googleapis.com/projects/edge-proj/locations/us-central1/services/portal"
	svcOpen    = "//run.googleapis.com/projects/edge-proj/locations/us-central1/services/open"
	portalBES  = "//compute.googleapis.com/projects/edge-proj/global/backendServices/portal-bes"
	projRoles  = crm + "projects/360000000001"
	svcRoles   = "//run.googleapis.com/projects/roles-proj/locations/us-central1/services/svc"
	saRuntime  = "serviceAccount:runtime@roles-proj.iam.gserviceaccount.com"
	customRole = "projects/roles-proj/roles/invokeOnly"
	orgRole    = "organizations/123456789012/roles/saImpersonator"

	// cycle.jsonl
	saA = "serviceAccount:a@loop-proj.iam.gserviceaccount.com"
	saB = "serviceAccount:b@loop-proj.iam.gserviceaccount.com"

	// partial.jsonl
	projThin     = crm + "projects/380000000001"
	folderThin   = crm + "folders/220000000001"
	svcThin      = "//run.googleapis.com/projects/thin-proj/locations/us-central1/services/svc"
	svcPolicy    = "//run.googleapis.com/projects/thin-proj/locations/us-central1/services/policy-only"
	saComputeThn = "serviceAccount:380000000001-compute@developer.gserviceaccount.com"
	saHelper     = "serviceAccount:helper@thin-proj.iam.gserviceaccount.com"
)

const (
	invoker      = "roles/run.invoker"
	saUser       = "roles/iam.serviceAccountUser"
	tokenCreator = "roles/iam.serviceAccountTokenCreator"

	officeHours = `request.time.getDayOfWeek("Europe/Berlin") < 5`
	until2030   = `request.time < timestamp("2030-01-01T00:00:00Z")`
)

var (
	actAs        = []string{"iam.serviceAccounts.actAs"}
	tokenCreates = []string{
		"iam.serviceAccounts.getAccessToken",
		"iam.serviceAccounts.getOpenIdToken",
		"iam.serviceAccounts.implicitDelegation",
		"iam.serviceAccounts.signBlob",
		"iam.serviceAccounts.signJwt",
	}
)

// Detail is free text for people; the tests assert the structure.
var edgeOpts = cmp.Options{cmpopts.IgnoreFields(graph.Edge{}, "Detail"), cmpopts.EquateEmpty()}

// readScenario reads testdata/NAME.jsonl.
func readScenario(t testing.TB, name string) *inventory.Inventory {
	t.Helper()
	inv, err := inventory.ReadPaths(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatalf("ReadPaths(%s): %v", name, err)
	}
	return inv
}

var scenarios = map[string]*build.Result{}

// scenario builds testdata/NAME.jsonl once per test binary. TestScenarios
// checks that every scenario reads and builds cleanly.
func scenario(t *testing.T, name string) *build.Result {
	t.Helper()
	if r, ok := scenarios[name]; ok {
		return r
	}
	r := build.Graph(readScenario(t, name), iam.MustPredefined(), now)
	scenarios[name] = r
	return r
}

// TestScenarios reads and builds every scenario in testdata: no reading or
// building problems, and every edge well formed.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("Glob(testdata/*.jsonl) = %v, %v; want scenario files", files, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		t.Run(name, func(t *testing.T) {
			inv := readScenario(t, name)
			for _, p := range inv.Problems {
				t.Errorf("reading: %v", p)
			}
			res := build.Graph(inv, iam.MustPredefined(), now)
			for _, p := range res.Problems {
				t.Errorf("building: %v", p)
			}
			checkInvariants(t, name, res.Graph)
		})
	}
}

// checkInvariants asserts that every edge joins existing nodes of the kinds
// DESIGN §3 allows for its edge kind, and carries the attributes it must.
func checkInvariants(t testing.TB, name string, g *graph.Graph) {
	t.Helper()
	kindIs := func(k graph.Kind, ks ...graph.Kind) bool { return slices.Contains(ks, k) }
	for _, e := range g.Edges() {
		from, ok1 := g.Node(e.From)
		to, ok2 := g.Node(e.To)
		if !ok1 || !ok2 {
			t.Errorf("%s: edge %s -%s-> %s has a missing end", name, e.From, e.Kind, e.To)
			continue
		}
		var ok bool
		switch e.Kind {
		case graph.ChildOf:
			ok = e.From != e.To && (to.Kind.IsContainer() || from.Kind == graph.KindKMSKey && strings.Contains(e.To, "/keyRings/"))
		case graph.RunsAs:
			ok = from.Kind.IsWorkload() && to.Kind == graph.KindServiceAccount
		case graph.CanInvoke:
			ok = from.Kind.IsPrincipal() && to.Kind.IsWorkload() && e.Role != "" && e.Via != ""
		case graph.PushesTo:
			ok = from.Kind == graph.KindSubscription && to.Kind == graph.KindService
		case graph.Triggers:
			ok = kindIs(from.Kind, graph.KindTrigger, graph.KindSchedulerJob) && to.Kind.IsWorkload()
		case graph.AuthenticatesAs:
			ok = kindIs(from.Kind, graph.KindSubscription, graph.KindTrigger, graph.KindSchedulerJob) && to.Kind == graph.KindServiceAccount
		case graph.HasRole:
			ok = from.Kind.IsPrincipal() && e.Role != "" && e.Via != ""
		case graph.CanActAs:
			ok = from.Kind.IsPrincipal() && to.Kind == graph.KindServiceAccount && e.Role != "" && e.Via != "" && len(e.Permissions) > 0
		case graph.Uses:
			ok = from.Kind.IsWorkload() && kindIs(to.Kind, graph.KindSecret, graph.KindSQLInstance, graph.KindBucket, graph.KindKMSKey, graph.KindTopic)
		}
		if !ok {
			t.Errorf("%s: edge %+v joins a %s to a %s, which DESIGN §3 does not allow", name, e, from.Kind, to.Kind)
		}
	}
}

func TestNodes(t *testing.T) {
	// want nil: the node must not exist.
	tests := []struct {
		name     string
		scenario string
		id       string
		want     *graph.Node
	}{
		{"organization", "hierarchy", org,
			&graph.Node{ID: org, Kind: graph.KindOrganization, Name: org}},
		{"folder under organization", "hierarchy", folderProd,
			&graph.Node{ID: folderProd, Kind: graph.KindFolder, Name: folderProd, Parent: org}},
		{"folder under folder", "hierarchy", folderTeamA,
			&graph.Node{ID: folderTeamA, Kind: graph.KindFolder, Name: folderTeamA, Parent: folderProd}},
		{"project named by number carries its ID", "hierarchy", projA,
			&graph.Node{ID: projA, Kind: graph.KindProject, Name: projA, Project: "app-a", Parent: folderTeamA}},
		{"no project node named by ID", "hierarchy", crm + "projects/app-a", nil},
		{"v1 service by CAI name, under the project by number", "hierarchy", svcWeb,
			&graph.Node{ID: svcWeb, Kind: graph.KindService, Name: svcWeb, Project: "app-a", Parent: projA}},
		{"v2 service", "hierarchy", svcAPI,
			&graph.Node{ID: svcAPI, Kind: graph.KindService, Name: svcAPI, Project: "app-b", Parent: projB}},
		{"v1 job", "hierarchy", jobNightly,
			&graph.Node{ID: jobNightly, Kind: graph.KindJob, Name: jobNightly, Project: "app-a", Parent: projA}},
		{"v2 job", "hierarchy", jobBatch,
			&graph.Node{ID: jobBatch, Kind: graph.KindJob, Name: jobBatch, Project: "app-b", Parent: projB}},
		{"service account by email with its CAI name", "hierarchy", saRunner,
			&graph.Node{ID: saRunner, Kind: graph.KindServiceAccount, Name: "//iam.googleapis.com/projects/app-a/serviceAccounts/104000000000000000001", Project: "app-a", Parent: projA}},
		{"no service account node by CAI name", "hierarchy", "//iam.googleapis.com/projects/app-a/serviceAccounts/104000000000000000001", nil},
		{"user", "hierarchy", "user:org-caller@example.com",
			&graph.Node{ID: "user:org-caller@example.com", Kind: graph.KindUser}},
		{"user member lower-cased", "hierarchy", "user:direct@example.com",
			&graph.Node{ID: "user:direct@example.com", Kind: graph.KindUser}},
		{"group", "hierarchy", "group:prod-callers@example.com",
			&graph.Node{ID: "group:prod-callers@example.com", Kind: graph.KindGroup}},
		{"domain", "hierarchy", "domain:example.com",
			&graph.Node{ID: "domain:example.com", Kind: graph.KindDomain}},
		{"allUsers is public", "hierarchy", "allUsers",
			&graph.Node{ID: "allUsers", Kind: graph.KindPublic}},

		{"subscription", "callers", subs + "to-worker",
			&graph.Node{ID: subs + "to-worker", Kind: graph.KindSubscription, Name: subs + "to-worker", Project: "events", Parent: projEvents}},
		{"topic", "callers", topicOrders,
			&graph.Node{ID: topicOrders, Kind: graph.KindTopic, Name: topicOrders, Project: "events", Parent: projEvents}},
		{"Eventarc trigger", "callers", trigUpload,
			&graph.Node{ID: trigUpload, Kind: graph.KindTrigger, Name: trigUpload, Project: "events", Parent: projEvents}},
		{"Scheduler job", "callers", schedPingAPI,
			&graph.Node{ID: schedPingAPI, Kind: graph.KindSchedulerJob, Name: schedPingAPI, Project: "events", Parent: projEvents}},

		{"secret named by project number", "uses", secrets + "db-password",
			&graph.Node{ID: secrets + "db-password", Kind: graph.KindSecret, Name: secrets + "db-password", Project: "data-proj", Parent: projData}},
		{"no secret node named by project ID", "uses", "//secretmanager.googleapis.com/projects/data-proj/secrets/db-password", nil},
		{"bucket", "uses", bucket,
			&graph.Node{ID: bucket, Kind: graph.KindBucket, Name: bucket, Project: "data-proj", Parent: projData}},
		{"Cloud SQL instance named cloudsql, typed sqladmin", "uses", sqlMain,
			&graph.Node{ID: sqlMain, Kind: graph.KindSQLInstance, Name: sqlMain, Project: "data-proj", Parent: projData}},
		{"KMS key under its key ring", "uses", kmsKey,
			&graph.Node{ID: kmsKey, Kind: graph.KindKMSKey, Name: kmsKey, Project: "data-proj", Parent: keyRing}},
		{"key ring under the project", "uses", keyRing,
			&graph.Node{ID: keyRing, Kind: graph.KindOther, Name: keyRing, Project: "data-proj", Parent: projData}},
		{"KMS key whose key ring is not exported", "uses", orphanRing + "/cryptoKeys/k2",
			&graph.Node{ID: orphanRing + "/cryptoKeys/k2", Kind: graph.KindKMSKey, Name: orphanRing + "/cryptoKeys/k2", Project: "data-proj", Parent: orphanRing}},
		{"key ring known only from its key", "uses", orphanRing,
			&graph.Node{ID: orphanRing, Kind: graph.KindOther, Name: orphanRing, Project: "data-proj", Parent: projData}},

		{"folder known only from ancestors", "partial", folderThin,
			&graph.Node{ID: folderThin, Kind: graph.KindFolder, Name: folderThin, Parent: org}},
		{"organization known only from its IAM policy", "partial", org,
			&graph.Node{ID: org, Kind: graph.KindOrganization, Name: org}},
		{"default compute SA without an asset sits in its project", "partial", saComputeThn,
			&graph.Node{ID: saComputeThn, Kind: graph.KindServiceAccount, Project: "thin-proj", Parent: projThin}},
		{"binding member SA without an asset sits in its project", "partial", saHelper,
			&graph.Node{ID: saHelper, Kind: graph.KindServiceAccount, Project: "thin-proj", Parent: projThin}},
		{"service seen only through its IAM policy", "partial", svcPolicy,
			&graph.Node{ID: svcPolicy, Kind: graph.KindService, Name: svcPolicy, Project: "thin-proj", Parent: projThin}},

		{"expired binding creates no principal", "conditions", "user:expired@example.com", nil},
	}
	ignore := cmpopts.IgnoreFields(graph.Node{}, "Label", "Labels", "Data")
	for _, tc := range tests {
		t.Run(tc.scenario+"/"+tc.name, func(t *testing.T) {
			g := scenario(t, tc.scenario).Graph
			got, ok := g.Node(tc.id)
			if tc.want == nil {
				if ok {
					t.Errorf("Node(%q) = %+v, want no such node", tc.id, got)
				}
				return
			}
			if !ok {
				t.Fatalf("Node(%q) not found", tc.id)
			}
			if diff := cmp.Diff(tc.want, got, ignore); diff != "" {
				t.Errorf("Node(%q) mismatch (-want +got):\n%s", tc.id, diff)
			}
		})
	}
}

func TestEdges(t *testing.T) {
	type dir int
	const (
		out dir = iota
		in
	)
	tests := []struct {
		name     string
		scenario string
		dir      dir
		node     string
		kinds    []graph.EdgeKind
		want     []graph.Edge
	}{
		// Hierarchy and project number <-> ID.
		{"service child_of project by number", "hierarchy", out, svcWeb, []graph.EdgeKind{graph.ChildOf},
			[]graph.Edge{{From: svcWeb, To: projA, Kind: graph.ChildOf}}},
		{"project child_of folder", "hierarchy", out, projA, []graph.EdgeKind{graph.ChildOf},
			[]graph.Edge{{From: projA, To: folderTeamA, Kind: graph.ChildOf}}},
		{"folder child_of folder", "hierarchy", out, folderTeamA, []graph.EdgeKind{graph.ChildOf},
			[]graph.Edge{{From: folderTeamA, To: folderProd, Kind: graph.ChildOf}}},
		{"folder child_of organization", "hierarchy", out, folderProd, []graph.EdgeKind{graph.ChildOf},
			[]graph.Edge{{From: folderProd, To: org, Kind: graph.ChildOf}}},
		{"organization has no parent", "hierarchy", out, org, []graph.EdgeKind{graph.ChildOf}, nil},
		{"children of the project", "hierarchy", in, projA, []graph.EdgeKind{graph.ChildOf}, []graph.Edge{
			{From: jobNightly, To: projA, Kind: graph.ChildOf},
			{From: svcWeb, To: projA, Kind: graph.ChildOf},
			{From: saComputeA, To: projA, Kind: graph.ChildOf},
			{From: saRunner, To: projA, Kind: graph.ChildOf},
		}},

		// Runtime identities.
		{"v1 empty serviceAccountName runs as default compute SA", "hierarchy", out, svcWeb, []graph.EdgeKind{graph.RunsAs},
			[]graph.Edge{{From: svcWeb, To: saComputeA, Kind: graph.RunsAs}}},
		{"v2 absent template.serviceAccount runs as default compute SA", "hierarchy", out, svcAPI, []graph.EdgeKind{graph.RunsAs},
			[]graph.Edge{{From: svcAPI, To: saComputeB, Kind: graph.RunsAs}}},
		{"v1 job serviceAccountName", "hierarchy", out, jobNightly, []graph.EdgeKind{graph.RunsAs},
			[]graph.Edge{{From: jobNightly, To: saRunner, Kind: graph.RunsAs}}},
		{"v2 job template.template.serviceAccount", "hierarchy", out, jobBatch, []graph.EdgeKind{graph.RunsAs},
			[]graph.Edge{{From: jobBatch, To: saBatch, Kind: graph.RunsAs}}},
		{"v2 job without SA runs as default compute SA", "hierarchy", out, jobCleanup, []graph.EdgeKind{graph.RunsAs},
			[]graph.Edge{{From: jobCleanup, To: saComputeB, Kind: graph.RunsAs}}},

		// Inherited invoker bindings.
		{"run.invoker on service, project, folder and organization", "hierarchy", in, svcWeb, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "allUsers", To: svcWeb, Kind: graph.CanInvoke, Role: invoker, Via: svcWeb},
			{From: "domain:example.com", To: svcWeb, Kind: graph.CanInvoke, Role: invoker, Via: projA},
			{From: "group:prod-callers@example.com", To: svcWeb, Kind: graph.CanInvoke, Role: invoker, Via: folderProd},
			{From: saComputeA, To: svcWeb, Kind: graph.CanInvoke, Role: "roles/editor", Via: projA}, // editor has run.routes.invoke
			{From: "user:org-caller@example.com", To: svcWeb, Kind: graph.CanInvoke, Role: invoker, Via: org},
		}},
		{"run.invoker reaches jobs too (run.jobs.run)", "hierarchy", in, jobNightly, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "domain:example.com", To: jobNightly, Kind: graph.CanInvoke, Role: invoker, Via: projA},
			{From: "group:prod-callers@example.com", To: jobNightly, Kind: graph.CanInvoke, Role: invoker, Via: folderProd},
			{From: saComputeA, To: jobNightly, Kind: graph.CanInvoke, Role: "roles/editor", Via: projA},
			{From: "user:org-caller@example.com", To: jobNightly, Kind: graph.CanInvoke, Role: invoker, Via: org},
		}},
		{"other branch inherits only from the organization", "hierarchy", in, svcAPI, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "user:org-caller@example.com", To: svcAPI, Kind: graph.CanInvoke, Role: invoker, Via: org},
		}},
		{"invoker at container is also has_role on it", "hierarchy", out, "group:prod-callers@example.com", []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: "group:prod-callers@example.com", To: folderProd, Kind: graph.HasRole, Role: invoker, Via: folderProd},
		}},

		// Impersonation.
		{"project-level SA user and token creator, and a grant on the SA", "hierarchy", in, saRunner, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: "group:ci@example.com", To: saRunner, Kind: graph.CanActAs, Role: tokenCreator, Via: projA, Permissions: tokenCreates},
			{From: saComputeA, To: saRunner, Kind: graph.CanActAs, Role: "roles/editor", Via: projA, Permissions: actAs},
			{From: "user:deployer@example.com", To: saRunner, Kind: graph.CanActAs, Role: saUser, Via: projA, Permissions: actAs},
			{From: "user:direct@example.com", To: saRunner, Kind: graph.CanActAs, Role: saUser, Via: saRunner, Permissions: actAs},
		}},
		{"project-level grants stay in their project", "hierarchy", in, saBatch, []graph.EdgeKind{graph.CanActAs}, nil},
		{"editor on a project is has_role", "hierarchy", out, saComputeA, []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: saComputeA, To: projA, Kind: graph.HasRole, Role: "roles/editor", Via: projA},
		}},

		// Conditions.
		{"conditional kept, expired dropped, future kept", "conditions", in, svcCond, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "user:office@example.com", To: svcCond, Kind: graph.CanInvoke, Role: invoker, Via: svcCond, Condition: officeHours, CondTitle: "office hours"},
			{From: "user:temp@example.com", To: svcCond, Kind: graph.CanInvoke, Role: invoker, Via: svcCond, Condition: until2030, CondTitle: "until 2030"},
		}},
		{"inherited conditional can_act_as; expired one dropped", "conditions", in, saCond, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: "user:deployer@example.com", To: saCond, Kind: graph.CanActAs, Role: saUser, Via: projCond, Condition: until2030, CondTitle: "until 2030", Permissions: actAs},
		}},
		{"expired project grant leaves no has_role", "conditions", in, projCond, []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: "user:deployer@example.com", To: projCond, Kind: graph.HasRole, Role: saUser, Via: projCond, Condition: until2030, CondTitle: "until 2030"},
		}},

		// Callers.
		{"push by v1 status.url with OIDC", "callers", out, subs + "to-worker", []graph.EdgeKind{graph.PushesTo, graph.AuthenticatesAs}, []graph.Edge{
			{From: subs + "to-worker", To: saPush, Kind: graph.AuthenticatesAs},
			{From: subs + "to-worker", To: svcWorker, Kind: graph.PushesTo},
		}},
		{"push by v2 uri without OIDC", "callers", out, subs + "to-api", []graph.EdgeKind{graph.PushesTo, graph.AuthenticatesAs}, []graph.Edge{
			{From: subs + "to-api", To: svcEvAPI, Kind: graph.PushesTo},
		}},
		{"push by v2 urls", "callers", out, subs + "to-hook", []graph.EdgeKind{graph.PushesTo, graph.AuthenticatesAs}, []graph.Edge{
			{From: subs + "to-hook", To: saPush, Kind: graph.AuthenticatesAs},
			{From: subs + "to-hook", To: svcHook, Kind: graph.PushesTo},
		}},
		{"push by deterministic URL NAME-PROJECTNUMBER.REGION.run.app", "callers", out, subs + "to-det", []graph.EdgeKind{graph.PushesTo, graph.AuthenticatesAs}, []graph.Edge{
			{From: subs + "to-det", To: saPush, Kind: graph.AuthenticatesAs},
			{From: subs + "to-det", To: svcDet, Kind: graph.PushesTo},
		}},
		{"push to a non-Cloud Run URL", "callers", out, subs + "to-external", []graph.EdgeKind{graph.PushesTo}, nil},
		{"pull subscription", "callers", out, subs + "pull", []graph.EdgeKind{graph.PushesTo, graph.AuthenticatesAs}, nil},
		{"Eventarc trigger to Cloud Run", "callers", out, trigUpload, []graph.EdgeKind{graph.Triggers, graph.AuthenticatesAs}, []graph.Edge{
			{From: trigUpload, To: saTrigger, Kind: graph.AuthenticatesAs},
			{From: trigUpload, To: svcWorker, Kind: graph.Triggers},
		}},
		{"Scheduler with OIDC", "callers", out, schedPingAPI, []graph.EdgeKind{graph.Triggers, graph.AuthenticatesAs}, []graph.Edge{
			{From: schedPingAPI, To: saScheduler, Kind: graph.AuthenticatesAs},
			{From: schedPingAPI, To: svcEvAPI, Kind: graph.Triggers},
		}},
		{"Scheduler without a token", "callers", out, schedHook, []graph.EdgeKind{graph.Triggers, graph.AuthenticatesAs}, []graph.Edge{
			{From: schedHook, To: svcHook, Kind: graph.Triggers},
		}},
		{"Scheduler runs a job through the Admin API", "callers", out, schedBatch, []graph.EdgeKind{graph.Triggers}, []graph.Edge{
			{From: schedBatch, To: jobEvBatch, Kind: graph.Triggers},
		}},
		{"callers of one service", "callers", in, svcWorker, []graph.EdgeKind{graph.PushesTo, graph.Triggers}, []graph.Edge{
			{From: trigUpload, To: svcWorker, Kind: graph.Triggers},
			{From: subs + "to-worker", To: svcWorker, Kind: graph.PushesTo},
		}},
		{"v1 default SA in the callers project", "callers", out, svcWorker, []graph.EdgeKind{graph.RunsAs}, []graph.Edge{
			{From: svcWorker, To: saComputeEv, Kind: graph.RunsAs},
		}},

		// Configuration references.
		{"v1 env secretKeyRef, secret volume, Cloud SQL annotation, GCS volume, CMEK, topic", "uses", out, svcLegacy, []graph.EdgeKind{graph.Uses}, []graph.Edge{
			{From: svcLegacy, To: kmsKey, Kind: graph.Uses},
			{From: svcLegacy, To: sqlMain, Kind: graph.Uses},
			{From: svcLegacy, To: topicData, Kind: graph.Uses},
			{From: svcLegacy, To: secrets + "api-key", Kind: graph.Uses},
			{From: svcLegacy, To: secrets + "db-password", Kind: graph.Uses},
			{From: svcLegacy, To: secrets + "tls-cert", Kind: graph.Uses},
			{From: svcLegacy, To: bucket, Kind: graph.Uses},
		}},
		{"v2 valueSource.secretKeyRef, secret volume, Cloud SQL volume, GCS volume, CMEK", "uses", out, svcModern, []graph.EdgeKind{graph.Uses}, []graph.Edge{
			{From: svcModern, To: kmsKey, Kind: graph.Uses},
			{From: svcModern, To: sqlReports, Kind: graph.Uses},
			{From: svcModern, To: secrets + "cross", Kind: graph.Uses},
			{From: svcModern, To: secrets + "v2-token", Kind: graph.Uses},
			{From: svcModern, To: secrets + "v2-vol", Kind: graph.Uses},
			{From: svcModern, To: bucket, Kind: graph.Uses},
		}},
		{"secretAccessor on a secret", "uses", in, secrets + "db-password", []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: saApp, To: secrets + "db-password", Kind: graph.HasRole, Role: "roles/secretmanager.secretAccessor", Via: secrets + "db-password"},
		}},
		{"objectViewer and legacy roles on a bucket", "uses", in, bucket, []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: "projectEditor:data-proj", To: bucket, Kind: graph.HasRole, Role: "roles/storage.legacyBucketOwner", Via: bucket},
			{From: "projectOwner:data-proj", To: bucket, Kind: graph.HasRole, Role: "roles/storage.legacyBucketOwner", Via: bucket},
			{From: saApp, To: bucket, Kind: graph.HasRole, Role: "roles/storage.objectViewer", Via: bucket},
		}},
		{"editor on a project", "uses", out, "user:owner@example.com", []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: "user:owner@example.com", To: projData, Kind: graph.HasRole, Role: "roles/editor", Via: projData},
		}},
		{"editor on a project can invoke and act as below", "uses", out, "user:owner@example.com", []graph.EdgeKind{graph.CanInvoke, graph.CanActAs}, []graph.Edge{
			{From: "user:owner@example.com", To: saApp, Kind: graph.CanActAs, Role: "roles/editor", Via: projData, Permissions: actAs},
			{From: "user:owner@example.com", To: svcLegacy, Kind: graph.CanInvoke, Role: "roles/editor", Via: projData},
			{From: "user:owner@example.com", To: svcModern, Kind: graph.CanInvoke, Role: "roles/editor", Via: projData},
		}},
		{"KMS key child_of key ring", "uses", out, kmsKey, []graph.EdgeKind{graph.ChildOf}, []graph.Edge{
			{From: kmsKey, To: keyRing, Kind: graph.ChildOf},
		}},

		// Custom and unknown roles.
		{"custom role with run.routes.invoke gives can_invoke", "roles", in, svcRoles, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "user:custom@example.com", To: svcRoles, Kind: graph.CanInvoke, Role: customRole, Via: svcRoles},
		}},
		{"unknown role on a service is has_role", "roles", in, svcRoles, []graph.EdgeKind{graph.HasRole}, []graph.Edge{
			{From: "user:mystery@example.com", To: svcRoles, Kind: graph.HasRole, Role: "roles/run.notARealRole", Via: svcRoles},
		}},
		{"unknown role on a project is has_role", "roles", out, "group:mystery@example.com", nil, []graph.Edge{
			{From: "group:mystery@example.com", To: projRoles, Kind: graph.HasRole, Role: "roles/bogus.role", Via: projRoles},
		}},
		{"organization custom role with getAccessToken gives can_act_as", "roles", in, saRuntime, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: "user:imp@example.com", To: saRuntime, Kind: graph.CanActAs, Role: orgRole, Via: projRoles, Permissions: []string{"iam.serviceAccounts.getAccessToken"}},
		}},

		// Cycles.
		{"A can act as B", "cycle", out, saA, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: saA, To: saB, Kind: graph.CanActAs, Role: tokenCreator, Via: saB, Permissions: tokenCreates},
		}},
		{"B can act as A", "cycle", out, saB, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: saB, To: saA, Kind: graph.CanActAs, Role: tokenCreator, Via: saA, Permissions: tokenCreates},
		}},

		// What a filtered export leaves out.
		{"folder known only from ancestors links project to organization", "partial", out, folderThin, []graph.EdgeKind{graph.ChildOf}, []graph.Edge{
			{From: folderThin, To: org, Kind: graph.ChildOf},
		}},
		{"organization invoker reaches through the unexported folder", "partial", in, svcThin, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "group:org-callers@example.com", To: svcThin, Kind: graph.CanInvoke, Role: invoker, Via: org},
		}},
		{"project-level SA user reaches the unexported default SA", "partial", in, saComputeThn, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: "user:deployer@example.com", To: saComputeThn, Kind: graph.CanActAs, Role: saUser, Via: projThin, Permissions: actAs},
		}},
		{"project-level SA user reaches a member-only SA", "partial", in, saHelper, []graph.EdgeKind{graph.CanActAs}, []graph.Edge{
			{From: "user:deployer@example.com", To: saHelper, Kind: graph.CanActAs, Role: saUser, Via: projThin, Permissions: actAs},
		}},
		{"policy-only service has no guessed runtime identity", "partial", out, svcPolicy, []graph.EdgeKind{graph.RunsAs, graph.Uses}, nil},
		{"policy-only service keeps its invokers", "partial", in, svcPolicy, []graph.EdgeKind{graph.CanInvoke}, []graph.Edge{
			{From: "group:org-callers@example.com", To: svcPolicy, Kind: graph.CanInvoke, Role: invoker, Via: org},
			{From: "user:caller@example.com", To: svcPolicy, Kind: graph.CanInvoke, Role: invoker, Via: svcPolicy},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario+"/"+tc.name, func(t *testing.T) {
			g := scenario(t, tc.scenario).Graph
			if _, ok := g.Node(tc.node); !ok {
				t.Fatalf("Node(%q) not found", tc.node)
			}
			got, call := g.Out(tc.node, tc.kinds...), "Out"
			if tc.dir == in {
				got, call = g.In(tc.node, tc.kinds...), "In"
			}
			if diff := cmp.Diff(tc.want, got, edgeOpts); diff != "" {
				t.Errorf("%s(%q, %v) mismatch (-want +got):\n%s", call, tc.node, tc.kinds, diff)
			}
		})
	}
}

func TestBehindIAPLoadBalancer(t *testing.T) {
	g := scenario(t, "iap").Graph
	tests := []struct {
		name string
		svc  string
		want []string
	}{
		{"IAP backend service over a serverless NEG", svcPortal, []string{portalBES}},
		{"backend service with IAP off", svcOpen, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := g.Node(tc.svc)
			if !ok {
				t.Fatalf("Node(%q) not found", tc.svc)
			}
			w, ok := n.Data.(*inventory.Workload)
			if !ok || w == nil {
				t.Fatalf("Node(%q).Data = %T, want *inventory.Workload", tc.svc, n.Data)
			}
			if diff := cmp.Diff(tc.want, w.BehindIAPLoadBalancer, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("BehindIAPLoadBalancer of %s mismatch (-want +got):\n%s", tc.svc, diff)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	res := scenario(t, "roles")
	want := map[string][]string{
		"roles/bogus.role":       {projRoles},
		"roles/run.notARealRole": {svcRoles},
	}
	if diff := cmp.Diff(want, res.UnknownRoles); diff != "" {
		t.Errorf("UnknownRoles mismatch (-want +got):\n%s", diff)
	}
	for _, name := range []string{customRole, orgRole, invoker} {
		if _, ok := res.Roles.Lookup(name); !ok {
			t.Errorf("Roles.Lookup(%q) = _, false, want the role", name)
		}
	}
	if r, _ := res.Roles.Lookup(customRole); !r.Custom || !r.Has("run.routes.invoke") {
		t.Errorf("Roles.Lookup(%q) = %+v, want a custom role with run.routes.invoke", customRole, r)
	}
	// Scenarios without unknown roles report none.
	if got := scenario(t, "hierarchy").UnknownRoles; len(got) != 0 {
		t.Errorf("hierarchy: UnknownRoles = %v, want none", got)
	}
}

func TestCycleTerminates(t *testing.T) {
	inv := readScenario(t, "cycle")
	done := make(chan *build.Result, 1)
	go func() { done <- build.Graph(inv, iam.MustPredefined(), now) }()
	select {
	case res := <-done:
		// Both directions are there, and walking up from either ends.
		for _, id := range []string{saA, saB} {
			if got := len(res.Graph.Out(id, graph.CanActAs)); got != 1 {
				t.Errorf("len(Out(%q, can_act_as)) = %d, want 1", id, got)
			}
			if got := res.Graph.Ancestors(id); len(got) != 2 {
				t.Errorf("len(Ancestors(%q)) = %d, want 2 (project, organization)", id, len(got))
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("build.Graph did not return within 30s on an impersonation cycle")
	}
}

// TestRealSamples builds every published CAI sample kept in
// internal/inventory/testdata/real (policy-library and forseti fixtures,
// terraform-google-conversion output; provenance in its README).
func TestRealSamples(t *testing.T) {
	dir := filepath.Join("..", "inventory", "testdata", "real")
	inv, err := inventory.ReadPaths(dir)
	if err != nil {
		t.Fatalf("ReadPaths(%s): %v", dir, err)
	}
	// The directory also holds non-CAI samples (role descriptions,
	// recommender output); only those may fail to read as CAI.
	for _, p := range inv.Problems {
		rel, _ := filepath.Rel(dir, p.Source.File)
		if !strings.HasPrefix(rel, "iam-roles"+string(filepath.Separator)) && !strings.HasPrefix(rel, "recommender"+string(filepath.Separator)) {
			t.Errorf("reading a CAI sample: %v", p)
		}
	}
	var res *build.Result
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("build.Graph panicked: %v", r)
			}
		}()
		res = build.Graph(inv, iam.MustPredefined(), now)
	}()
	for _, p := range res.Problems {
		t.Errorf("building: %v", p)
	}
	checkInvariants(t, "real", res.Graph)
	g := res.Graph

	t.Run("tgc run service iam_policy gives can_invoke", func(t *testing.T) {
		svc := "//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/cloudrun-srv"
		want := []graph.Edge{{From: "user:jane@example.com", To: svc, Kind: graph.CanInvoke, Role: "roles/editor", Via: svc}}
		if diff := cmp.Diff(want, g.In(svc, graph.CanInvoke), edgeOpts); diff != "" {
			t.Errorf("In(%q, can_invoke) mismatch (-want +got):\n%s", svc, diff)
		}
	})
	t.Run("both Cloud Run shapes and a v2 job are workloads", func(t *testing.T) {
		for id, kind := range map[string]graph.Kind{
			"//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/cloudrun-to-get-cai":   graph.KindService,
			"//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/cloudrunv2-to-get-cai": graph.KindService,
			"//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/jobs/cloudrun-job":              graph.KindJob,
		} {
			n, ok := g.Node(id)
			if !ok || n.Kind != kind {
				t.Errorf("Node(%q) = %+v, %v; want a %s", id, n, ok, kind)
				continue
			}
			if w, ok := n.Data.(*inventory.Workload); !ok || w == nil || len(w.Containers) == 0 {
				t.Errorf("Node(%q).Data = %+v, want a decoded workload with containers", id, n.Data)
			}
			if got := g.Out(id, graph.RunsAs); len(got) != 1 {
				t.Errorf("Out(%q, runs_as) = %v, want one edge", id, got)
			}
		}
	})
	t.Run("forseti hierarchy", func(t *testing.T) {
		want := []string{crm + "folders/1031", crm + "organizations/111222333"}
		var got []string
		for _, a := range g.Ancestors(crm + "projects/1043") {
			got = append(got, a.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Ancestors(projects/1043) mismatch (-want +got):\n%s", diff)
		}
		if n, ok := g.Node(crm + "projects/1043"); !ok || n.Project != "project3" {
			t.Errorf("Node(projects/1043) = %+v, %v; want project ID project3", n, ok)
		}
	})
	t.Run("forseti project owner can act as the project's SAs", func(t *testing.T) {
		sa := "serviceAccount:1041-compute@developer.gserviceaccount.com"
		var froms []string
		for _, e := range g.In(sa, graph.CanActAs) {
			if e.Role == "roles/owner" {
				froms = append(froms, e.From)
			}
		}
		want := []string{"group:c_grp@forseti.test", "user:a_user@forseti.test"}
		if diff := cmp.Diff(want, froms); diff != "" {
			t.Errorf("owners acting as %s mismatch (-want +got):\n%s", sa, diff)
		}
	})
	t.Run("Cloud SQL named cloudsql, typed sqladmin", func(t *testing.T) {
		id := "//cloudsql.googleapis.com/projects/test-project/instances/public-sql"
		n, ok := g.Node(id)
		if !ok || n.Kind != graph.KindSQLInstance {
			t.Fatalf("Node(%q) = %+v, %v; want a sqlInstance", id, n, ok)
		}
		if _, ok := n.Data.(*inventory.SQLInstance); !ok {
			t.Errorf("Node(%q).Data = %T, want *inventory.SQLInstance", id, n.Data)
		}
	})
	t.Run("KMS keys sit under their key ring, in their project", func(t *testing.T) {
		ring := "//cloudkms.googleapis.com/projects/test-project/locations/us-central1/keyRings/test-key-ring"
		for _, k := range []string{"rotation-30-days", "rotation-never"} {
			id := ring + "/cryptoKeys/" + k
			n, ok := g.Node(id)
			if !ok || n.Kind != graph.KindKMSKey || n.Parent != ring || n.Project != "test-project" {
				t.Errorf("Node(%q) = %+v, %v; want a kmsKey under %s in test-project", id, n, ok, ring)
			}
		}
	})
	t.Run("a push to a non-Cloud Run URL pushes nowhere", func(t *testing.T) {
		id := "//pubsub.googleapis.com/projects/{{.Provider.project}}/subscriptions/example-subscription-push-test"
		if got := g.Out(id, graph.PushesTo, graph.AuthenticatesAs); len(got) != 0 {
			t.Errorf("Out(%q, pushes_to, authenticates_as) = %v, want none", id, got)
		}
	})
	t.Run("keys joined to an account known only from their names", func(t *testing.T) {
		id := "serviceAccount:111111-compute@developer.gserviceaccount.com"
		n, ok := g.Node(id)
		if !ok {
			t.Fatalf("Node(%q) not found", id)
		}
		sa, ok := n.Data.(*inventory.ServiceAccount)
		if !ok {
			t.Fatalf("Node(%q).Data = %T, want *inventory.ServiceAccount", id, n.Data)
		}
		var got []string
		for _, k := range sa.Keys {
			got = append(got, k.KeyType)
		}
		slices.Sort(got)
		if diff := cmp.Diff([]string{"SYSTEM_MANAGED", "USER_MANAGED"}, got); diff != "" {
			t.Errorf("key types of %s mismatch (-want +got):\n%s", id, diff)
		}
	})
}

func TestDemoInvariants(t *testing.T) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	res := build.Graph(inv, iam.MustPredefined(), now)
	for _, p := range res.Problems {
		t.Errorf("building the demo: %v", p)
	}
	if len(res.UnknownRoles) != 0 {
		t.Errorf("demo UnknownRoles = %v, want none", res.UnknownRoles)
	}
	checkInvariants(t, "demo", res.Graph)
	if len(res.Graph.NodesOf(graph.KindService)) == 0 {
		t.Error("demo graph has no services")
	}
}

// TestDemoReferences: the uses edges of the demo's workloads come from every
// form its configurations name resources in (bare bucket names, a list of
// them, a topic, a KMS key, a Cloud SQL connection), each saying which
// field. (Bare words that name nothing in the inventory, such as DB_USER's
// "vault", make no edge: the demo has many.)
func TestDemoReferences(t *testing.T) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	g := build.Graph(r.Inventory(), iam.MustPredefined(), now).Graph
	uses := func(svc string) map[string]string {
		out := map[string]string{}
		for _, e := range g.Out(svc, graph.Uses) {
			out[e.To] = e.Detail
		}
		return out
	}
	tests := []struct {
		workload string
		want     map[string]string // to -> detail
	}{
		{"//run.googleapis.com/projects/vault-prod/locations/europe-west1/services/vault-api", map[string]string{
			"//storage.googleapis.com/vault-prod-documents": "bucket vault-prod-documents (env DOCUMENTS_BUCKET)",
			"//storage.googleapis.com/vault-prod-exports":   "bucket vault-prod-exports (env EXPORT_BUCKET)",
		}},
		{"//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-web", map[string]string{
			"//storage.googleapis.com/fleet-web-prod-assets": "bucket fleet-web-prod-assets (env STATIC_BUCKET)",
		}},
		{"//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/jobs/pdf-cleanup", map[string]string{
			"//storage.googleapis.com/pdf-convert-prod-output":  "bucket pdf-convert-prod-output (env BUCKETS)",
			"//storage.googleapis.com/pdf-convert-prod-uploads": "bucket pdf-convert-prod-uploads (env BUCKETS)",
		}},
		{"//run.googleapis.com/projects/vault-prod/locations/europe-west1/jobs/vault-rotate-keys", map[string]string{
			"//cloudkms.googleapis.com/projects/vault-prod/locations/europe-west1/keyRings/vault-ring/cryptoKeys/vault-dek": "KMS key projects/vault-prod/locations/europe-west1/keyRings/vault-ring/cryptoKeys/vault-dek (env KMS_KEY)",
		}},
		{"//run.googleapis.com/projects/fleet-web-prod/locations/us-central1/services/fleet-api", map[string]string{
			"//cloudsql.googleapis.com/projects/fleet-web-prod/instances/fleet-db": "Cloud SQL fleet-web-prod:us-central1:fleet-db (annotation run.googleapis.com/cloudsql-instances)",
		}},
	}
	for _, tt := range tests {
		got := uses(tt.workload)
		for to, detail := range tt.want {
			if got[to] != detail {
				t.Errorf("%s uses %s: detail %q, want %q (all: %v)", tt.workload, to, got[to], detail, got)
			}
		}
	}
}

func BenchmarkBuildDemo(b *testing.B) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		b.Fatal(err)
	}
	inv := r.Inventory()
	roles := iam.MustPredefined()
	b.ReportAllocs()
	for b.Loop() {
		build.Graph(inv, roles, now)
	}
}

// TestViewsReused: builds that reuse the views of an earlier build (the
// feed's rebuilds) give the same graph as a build from scratch, however
// many times, and never share a view a build fills in (an account's keys,
// a project's Binary Authorization policy, a workload's load balancers).
func TestViewsReused(t *testing.T) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	roles := iam.MustPredefined()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	scratch := build.Graph(inv, roles, now).Graph
	views := &build.Views{}
	var prev *graph.Graph
	for i := range 3 {
		g := build.GraphWith(inv, roles, now, views).Graph
		if got, want := digestGraph(g), digestGraph(scratch); got != want {
			t.Fatalf("build %d with reused views differs from a build from scratch:\n%s\nwant:\n%s", i, got, want)
		}
		if prev != nil {
			for _, n := range g.Nodes() {
				p, ok := prev.Node(n.ID)
				if ok && n.Data != nil && p.Data == n.Data {
					switch n.Data.(type) {
					case *inventory.Workload, *inventory.ServiceAccount, *inventory.Project:
						t.Fatalf("build %d shares the view of %s with the build before", i, n.ID)
					}
				}
			}
		}
		prev = g
	}
}

// digestGraph says what a graph holds: its nodes with the fields builds
// join in, and its edges.
func digestGraph(g *graph.Graph) string {
	var lines []string
	for _, n := range g.Nodes() {
		extra := ""
		switch d := n.Data.(type) {
		case *inventory.Workload:
			extra = fmt.Sprint(d.BehindIAPLoadBalancer, d.ServiceAccount)
		case *inventory.ServiceAccount:
			extra = fmt.Sprint(len(d.Keys))
		case *inventory.Project:
			extra = fmt.Sprint(d.BinAuthz != nil)
		}
		lines = append(lines, fmt.Sprintf("%s %s %s", n.ID, n.Kind, extra))
		for _, e := range g.Out(n.ID) {
			lines = append(lines, fmt.Sprintf("  %s %s %s %s", e.Kind, e.To, e.Role, e.Via))
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
