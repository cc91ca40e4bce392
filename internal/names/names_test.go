package names_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
)

const (
	crm    = "//cloudresourcemanager.googleapis.com/"
	number = "204815367192" // pdfconv-prod's project number
)

// fixture is a graph with the shapes build makes: project nodes named by
// number whose Project is the ID, folders and an organization with display
// names, a Cloud Run service with its typed view.
func fixture() *graph.Graph {
	b := graph.NewBuilder()
	org := b.Node(crm+"organizations/584930217465", graph.KindOrganization)
	org.Label = "example.com"
	prod := b.Node(crm+"folders/301934856720", graph.KindFolder)
	prod.Label, prod.Parent = "prod", org.ID
	bare := b.Node(crm+"folders/999", graph.KindFolder)
	bare.Label = "folders/999" // no display name in the record
	p := b.Node(crm+"projects/"+number, graph.KindProject)
	p.Project, p.Label, p.Parent = "pdfconv-prod", "pdfconv-prod", prod.ID
	svc := b.Node("//run.googleapis.com/projects/"+number+"/locations/us-central1/services/pdf-worker", graph.KindService)
	svc.Project, svc.Label, svc.Parent = "pdfconv-prod", "pdf-worker", p.ID
	svc.Data = &inventory.Workload{Shape: "v1", Project: number, Region: "us-central1", Name: "pdf-worker"}
	kn := b.Node("//run.googleapis.com/apis/serving.knative.dev/v1/namespaces/"+number+"/services/knative-svc", graph.KindService)
	kn.Project, kn.Label = "pdfconv-prod", "knative-svc"
	kn.Data = &inventory.Workload{Shape: "v1", Project: number, Region: "europe-west1", Name: "knative-svc"}
	bk := b.Node("//storage.googleapis.com/pdfconv-output", graph.KindBucket)
	bk.Project, bk.Label = "pdfconv-prod", "pdfconv-output"
	b.Node("serviceAccount:"+number+"-compute@developer.gserviceaccount.com", graph.KindServiceAccount)
	b.Node("user:dana@example.com", graph.KindUser)
	b.Node("allUsers", graph.KindPublic)
	return b.Graph()
}

func TestOf(t *testing.T) {
	g := fixture()
	tests := []struct {
		id   string
		want names.Name
	}{
		// Cloud Run: v1 names (project number), v2 names (project ID), Knative paths.
		{"//run.googleapis.com/projects/" + number + "/locations/us-central1/services/pdf-worker",
			names.Name{Text: "pdf-worker", Context: "pdfconv-prod · us-central1", Noun: "service", Kind: graph.KindService, Known: true}},
		{"//run.googleapis.com/projects/pdfconv-prod/locations/us-east1/services/pdf-frontend",
			names.Name{Text: "pdf-frontend", Context: "pdfconv-prod · us-east1", Noun: "service", Kind: graph.KindService}},
		{"//run.googleapis.com/projects/" + number + "/locations/us-central1/jobs/pdf-cleanup",
			names.Name{Text: "pdf-cleanup", Context: "pdfconv-prod · us-central1", Noun: "job", Kind: graph.KindJob}},
		{"//run.googleapis.com/projects/555/locations/us-central1/services/svc", // a number nobody knows
			names.Name{Text: "svc", Context: "555 · us-central1", Noun: "service", Kind: graph.KindService}},
		{"//run.googleapis.com/apis/serving.knative.dev/v1/namespaces/" + number + "/services/knative-svc",
			names.Name{Text: "knative-svc", Context: "pdfconv-prod · europe-west1", Noun: "service", Kind: graph.KindService, Known: true}},
		// Containers: the project's ID, the folder's and organization's display names.
		{crm + "projects/" + number, names.Name{Text: "pdfconv-prod", Noun: "project", Kind: graph.KindProject, Known: true}},
		{crm + "projects/123", names.Name{Text: "123", Noun: "project", Kind: graph.KindProject}},
		{crm + "projects/other-proj", names.Name{Text: "other-proj", Noun: "project", Kind: graph.KindProject}},
		{crm + "folders/301934856720", names.Name{Text: "prod", Noun: "folder", Kind: graph.KindFolder, Known: true}},
		{crm + "folders/999", names.Name{Text: "999", Noun: "folder", Kind: graph.KindFolder, Known: true}},
		{crm + "folders/42", names.Name{Text: "42", Noun: "folder", Kind: graph.KindFolder}},
		{crm + "organizations/584930217465", names.Name{Text: "example.com", Noun: "organization", Kind: graph.KindOrganization, Known: true}},
		// Resources.
		{"//storage.googleapis.com/pdfconv-output", names.Name{Text: "pdfconv-output", Context: "pdfconv-prod", Noun: "bucket", Kind: graph.KindBucket, Known: true}},
		{"//storage.googleapis.com/projects/_/buckets/other-bucket", names.Name{Text: "other-bucket", Noun: "bucket", Kind: graph.KindBucket}},
		{"//secretmanager.googleapis.com/projects/" + number + "/secrets/db-password",
			names.Name{Text: "db-password", Context: "pdfconv-prod", Noun: "secret", Kind: graph.KindSecret}},
		{"//secretmanager.googleapis.com/projects/" + number + "/secrets/db-password/versions/3",
			names.Name{Text: "db-password", Context: "pdfconv-prod · version 3", Noun: "secret", Kind: graph.KindSecret}},
		{"//cloudkms.googleapis.com/projects/vault-prod/locations/europe-west1/keyRings/vault-ring/cryptoKeys/vault-dek",
			names.Name{Text: "vault-dek", Context: "vault-prod · europe-west1 · key ring vault-ring", Noun: "KMS key", Kind: graph.KindKMSKey}},
		{"//cloudkms.googleapis.com/projects/vault-prod/locations/europe-west1/keyRings/vault-ring",
			names.Name{Text: "vault-ring", Context: "vault-prod · europe-west1", Noun: "key ring", Kind: graph.KindOther}},
		{"//pubsub.googleapis.com/projects/pdfconv-prod/topics/pdf-jobs",
			names.Name{Text: "pdf-jobs", Context: "pdfconv-prod", Noun: "Pub/Sub topic", Kind: graph.KindTopic}},
		{"//pubsub.googleapis.com/projects/pdfconv-prod/subscriptions/pdf-jobs-worker-push",
			names.Name{Text: "pdf-jobs-worker-push", Context: "pdfconv-prod", Noun: "Pub/Sub subscription", Kind: graph.KindSubscription}},
		{"//cloudscheduler.googleapis.com/projects/pdfconv-prod/locations/us-central1/jobs/nightly",
			names.Name{Text: "nightly", Context: "pdfconv-prod · us-central1", Noun: "Cloud Scheduler job", Kind: graph.KindSchedulerJob}},
		{"//eventarc.googleapis.com/projects/pdfconv-prod/locations/us-central1/triggers/on-upload",
			names.Name{Text: "on-upload", Context: "pdfconv-prod · us-central1", Noun: "Eventarc trigger", Kind: graph.KindTrigger}},
		{"//cloudsql.googleapis.com/projects/fleet-web-prod/instances/fleet-db",
			names.Name{Text: "fleet-db", Context: "fleet-web-prod", Noun: "Cloud SQL instance", Kind: graph.KindSQLInstance}},
		{"//compute.googleapis.com/projects/qa-portal/global/backendServices/qa-backend",
			names.Name{Text: "qa-backend", Context: "qa-portal", Noun: "backend service", Kind: graph.KindOther}},
		{"//iam.googleapis.com/projects/pdfconv-prod/serviceAccounts/runner@pdfconv-prod.iam.gserviceaccount.com",
			names.Name{Text: "runner@pdfconv-prod.iam.gserviceaccount.com", Kind: graph.KindServiceAccount}},
		{"//iam.googleapis.com/projects/pdfconv-prod/serviceAccounts/123456789/keys/1ddc46eec8a0",
			names.Name{Text: "1ddc46eec8a0", Context: "pdfconv-prod · of 123456789", Noun: "service account key", Kind: graph.KindOther}},
		// Members.
		{"user:dana@example.com", names.Name{Text: "dana@example.com", Noun: "user", Kind: graph.KindUser, Known: true}},
		{"user:Dana@Example.com", names.Name{Text: "dana@example.com", Noun: "user", Kind: graph.KindUser, Known: true, Full: "user:dana@example.com"}},
		{"group:Fleet-Devs@example.com", names.Name{Text: "fleet-devs@example.com", Noun: "group", Kind: graph.KindGroup}},
		{"domain:example.com", names.Name{Text: "example.com", Noun: "domain", Kind: graph.KindDomain}},
		{"allUsers", names.Name{Text: "allUsers", Tag: "anyone on the internet", Kind: graph.KindPublic, Known: true}},
		{"allAuthenticatedUsers", names.Name{Text: "allAuthenticatedUsers", Tag: "any Google account", Kind: graph.KindPublic}},
		{"serviceAccount:pdf-frontend@pdfconv-prod.iam.gserviceaccount.com",
			names.Name{Text: "pdf-frontend@pdfconv-prod.iam.gserviceaccount.com", Kind: graph.KindServiceAccount}},
		{"serviceAccount:" + number + "-compute@developer.gserviceaccount.com",
			names.Name{Text: number + "-compute@developer.gserviceaccount.com", Context: "pdfconv-prod", Tag: "default compute", Kind: graph.KindServiceAccount, Known: true}},
		{"serviceAccount:" + number + "@cloudbuild.gserviceaccount.com",
			names.Name{Text: number + "@cloudbuild.gserviceaccount.com", Context: "pdfconv-prod", Tag: "legacy Cloud Build", Kind: graph.KindServiceAccount}},
		{"serviceAccount:service-" + number + "@gcp-sa-pubsub.iam.gserviceaccount.com",
			names.Name{Text: "service-" + number + "@gcp-sa-pubsub.iam.gserviceaccount.com", Context: "pdfconv-prod", Tag: "Google service agent", Kind: graph.KindServiceAccount}},
		{"serviceAccount:" + number + "@cloudservices.gserviceaccount.com",
			names.Name{Text: number + "@cloudservices.gserviceaccount.com", Context: "pdfconv-prod", Tag: "Google service agent", Kind: graph.KindServiceAccount}},
		{"serviceAccount:777-compute@developer.gserviceaccount.com", // a project the inventory does not hold
			names.Name{Text: "777-compute@developer.gserviceaccount.com", Tag: "default compute", Kind: graph.KindServiceAccount}},
		{"serviceAccount:service-123@myproj.iam.gserviceaccount.com", // a customer's account, not an agent
			names.Name{Text: "service-123@myproj.iam.gserviceaccount.com", Kind: graph.KindServiceAccount}},
		{"serviceAccount:legacy-app@appspot.gserviceaccount.com",
			names.Name{Text: "legacy-app@appspot.gserviceaccount.com", Tag: "App Engine default", Kind: graph.KindServiceAccount}},
		{"projectEditor:pdfconv-prod", names.Name{Text: "editors of pdfconv-prod", Kind: graph.KindOther}},
		{"deleted:serviceAccount:old@pdfconv-prod.iam.gserviceaccount.com?uid=1234",
			names.Name{Text: "old@pdfconv-prod.iam.gserviceaccount.com", Tag: "deleted", Kind: graph.KindServiceAccount}},
		{"principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/sre",
			names.Name{Text: "group sre", Context: "workforce pool corp", Noun: "principal set", Kind: graph.KindOther}},
		{"principalSet://iam.googleapis.com/projects/" + number + "/locations/global/workloadIdentityPools/github/attribute.repository/acme/app",
			names.Name{Text: "repository = acme/app", Context: "workload identity pool github · pdfconv-prod", Noun: "principal set", Kind: graph.KindOther}},
		{"principal://iam.googleapis.com/locations/global/workforcePools/corp/subject/ann@corp.example",
			names.Name{Text: "ann@corp.example", Context: "workforce pool corp", Noun: "principal", Kind: graph.KindOther}},
		{"principalSet://iam.googleapis.com/locations/global/workforcePools/corp/*",
			names.Name{Text: "every identity", Context: "workforce pool corp", Noun: "principal set", Kind: graph.KindOther}},
		{"principalSet://goog/public:all", names.Name{Text: "everyone", Tag: "anyone on the internet", Kind: graph.KindPublic}},
		{"principalSet://cloudresourcemanager.googleapis.com/projects/" + number + "/type/ServiceAccount",
			names.Name{Text: "every service account in project pdfconv-prod", Noun: "principal set", Kind: graph.KindOther}},
		// Unknown shapes are their own text.
		{"something:odd", names.Name{Text: "something:odd", Kind: graph.KindOther}},
		{"", names.Name{Text: "", Kind: graph.KindOther}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got := names.Of(g, tc.id)
			if tc.want.Full == "" {
				tc.want.Full = tc.id
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Of(%q) (-want +got):\n%s", tc.id, diff)
			}
		})
	}
}

// Without a graph a name is read from the ID alone: project numbers stay
// numbers, but every shape still has a short text.
func TestOfWithoutGraph(t *testing.T) {
	for id, want := range map[string]string{
		"//run.googleapis.com/projects/" + number + "/locations/us-central1/services/pdf-worker": "pdf-worker (" + number + " · us-central1)",
		crm + "projects/" + number:                                            number,
		"serviceAccount:a@b.iam.gserviceaccount.com":                          "a@b.iam.gserviceaccount.com",
		"serviceAccount:" + number + "-compute@developer.gserviceaccount.com": number + "-compute@developer.gserviceaccount.com (default compute)",
		"group:devs@example.com":                                              "devs@example.com",
	} {
		if got := names.Of(nil, id).String(); got != want {
			t.Errorf("Of(nil, %q) = %q, want %q", id, got, want)
		}
	}
}

func TestPhraseStringTitle(t *testing.T) {
	g := fixture()
	for _, tc := range []struct{ id, phrase, str, title string }{
		{crm + "projects/" + number, "project pdfconv-prod", "pdfconv-prod", "pdfconv-prod · " + crm + "projects/" + number},
		{crm + "folders/301934856720", "folder prod", "prod", "prod · " + crm + "folders/301934856720"},
		{"group:devs@example.com", "group devs@example.com", "devs@example.com", "group:devs@example.com"},
		{"//run.googleapis.com/projects/" + number + "/locations/us-central1/services/pdf-worker",
			"service pdf-worker (pdfconv-prod · us-central1)", "pdf-worker (pdfconv-prod · us-central1)",
			"//run.googleapis.com/projects/" + number + "/locations/us-central1/services/pdf-worker"},
		{"serviceAccount:" + number + "-compute@developer.gserviceaccount.com",
			number + "-compute@developer.gserviceaccount.com (pdfconv-prod, default compute)",
			number + "-compute@developer.gserviceaccount.com (pdfconv-prod, default compute)",
			"serviceAccount:" + number + "-compute@developer.gserviceaccount.com"},
		{"allUsers", "allUsers (anyone on the internet)", "allUsers (anyone on the internet)", "allUsers"},
	} {
		n := names.Of(g, tc.id)
		if got := n.Phrase(); got != tc.phrase {
			t.Errorf("Of(%q).Phrase() = %q, want %q", tc.id, got, tc.phrase)
		}
		if got := n.String(); got != tc.str {
			t.Errorf("Of(%q).String() = %q, want %q", tc.id, got, tc.str)
		}
		if got := n.Title(); got != tc.title {
			t.Errorf("Of(%q).Title() = %q, want %q", tc.id, got, tc.title)
		}
	}
}

func TestShorten(t *testing.T) {
	agent := "service-123456789012@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"pdf-worker", 56, "pdf-worker"},
		{strings.Repeat("a", 56), 56, strings.Repeat("a", 56)},
		{agent, 40, "service-123456789012@gcp-s…ceaccount.com"},
		{"ünïcödé-ünïcödé-ünïcödé", 10, "ünïcöd…ödé"},
		{"abc", 2, "abc"}, // too small to shorten
	} {
		got := names.Shorten(tc.s, tc.max)
		if got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); tc.max >= 3 && n > tc.max {
			t.Errorf("Shorten(%q, %d) has %d characters", tc.s, tc.max, n)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Shorten(%q, %d) split a character: %q", tc.s, tc.max, got)
		}
	}
}

// On the demo organization (real CAI records), no name a person reads is
// a full resource name or a project number where the project's ID is known,
// every workload says its project and region, and every hover holds the
// full ID.
func TestDemoNames(t *testing.T) {
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		t.Fatal(err)
	}
	g := build.Graph(r.Inventory(), iam.MustPredefined(), time.Now()).Graph
	numbers := map[string]string{}
	for _, p := range g.NodesOf(graph.KindProject) {
		numbers[strings.TrimPrefix(p.ID, crm+"projects/")] = p.Project
	}
	seen := map[graph.Kind]int{}
	for _, n := range g.Nodes() {
		nm := names.Of(g, n.ID)
		seen[nm.Kind]++
		if nm.Kind != n.Kind && n.Kind != graph.KindOther {
			t.Errorf("%s: kind %s, the graph says %s", n.ID, nm.Kind, n.Kind)
		}
		if strings.HasPrefix(nm.Text, "//") || strings.Contains(nm.Text, "/projects/") {
			t.Errorf("%s: text %q is a resource name", n.ID, nm.Text)
		}
		for num, id := range numbers {
			if strings.Contains(nm.Context, num) || (nm.Text == num && id != num) {
				t.Errorf("%s: %q shows project number %s, not its ID %s", n.ID, nm.String(), num, id)
			}
		}
		if n.Kind.IsWorkload() && strings.Count(nm.Context, names.Separator) != 1 {
			t.Errorf("%s: context %q, want project · region", n.ID, nm.Context)
		}
		if !strings.Contains(nm.Title(), n.ID) {
			t.Errorf("%s: title %q lacks the full ID", n.ID, nm.Title())
		}
		if !nm.Known || nm.Full != n.ID {
			t.Errorf("%s: Known %v Full %q", n.ID, nm.Known, nm.Full)
		}
	}
	for _, k := range []graph.Kind{graph.KindService, graph.KindJob, graph.KindServiceAccount, graph.KindProject, graph.KindFolder, graph.KindOrganization, graph.KindBucket, graph.KindSecret} {
		if seen[k] == 0 {
			t.Errorf("the demo has no %s node to name", k)
		}
	}
	def := names.Of(g, "serviceAccount:204815367192-compute@developer.gserviceaccount.com")
	if diff := cmp.Diff(names.Name{Text: "204815367192-compute@developer.gserviceaccount.com", Context: "pdf-convert-prod", Tag: "default compute"}, def,
		cmpopts.IgnoreFields(names.Name{}, "Kind", "Full", "Known")); diff != "" {
		t.Errorf("the demo's default compute identity (-want +got):\n%s", diff)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 findings", 1: "1 finding", 2: "2 findings", 1000: "1000 findings"} {
		if got := names.Count(n, "finding"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
