package changeset_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/rules"
)

const (
	runA    = "//run.googleapis.com/projects/proj-a/locations/us-central1/services/"
	projA   = "//cloudresourcemanager.googleapis.com/projects/111"
	saTypeR = "iam.googleapis.com/ServiceAccount"
)

// step constructors keep the tables short.
func add(resource, typ, role, member, project string) changeset.Step {
	return changeset.Step{Kind: changeset.KindAddBinding, Resource: resource, ResourceType: typ, Role: role, Member: member, Project: project}
}

func remove(resource, typ, role, member, project string) changeset.Step {
	return changeset.Step{Kind: changeset.KindRemoveBinding, Resource: resource, ResourceType: typ, Role: role, Member: member, Project: project}
}

func manual() changeset.Step { return changeset.Step{Kind: changeset.KindManual} }

// The notes and manual texts are prose, checked through the golden files.
var ignoreProse = cmpopts.IgnoreFields(changeset.Step{}, "Note", "Text", "DisplayName")

func TestPlanComplete(t *testing.T) {
	tests := []struct {
		name      string
		fixture   string
		slug      string
		subject   string
		key       string // picks one finding among several on the subject
		want      []changeset.Step
		manual    bool
		wantEtags map[string]string
		gcloud    []string // command lines the script must contain, exactly
		risk      []string // substrings some risk line must contain
	}{
		{
			// The insight says the default identity used storage.objects.get
			// and .create, pubsub.topics.publish, secretmanager.versions.access
			// and cloudtrace.traces.patch: the bucket gets objectViewer and
			// objectCreator (18 permissions; objectUser has 27), the project
			// cloudtrace.agent (traces have no resource-level IAM); the KMS key
			// and Cloud SQL, named but not seen used, get what their
			// references call for.
			name: "runtime-default-sa: dedicated account, grants fitted to what was used on every referenced resource, switch, then the stale grants go", fixture: "default-sa", slug: "runtime-default-sa", subject: runA + "orders",
			want: []changeset.Step{
				{Kind: changeset.KindCreateServiceAccount, Project: "proj-a", AccountID: "orders-sa"},
				add("//cloudkms.googleapis.com/projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders", "cloudkms.googleapis.com/CryptoKey", "roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add(projA, "cloudresourcemanager.googleapis.com/Project", "roles/cloudsql.client", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add("//pubsub.googleapis.com/projects/proj-a/topics/order-events", "pubsub.googleapis.com/Topic", "roles/pubsub.publisher", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add("//secretmanager.googleapis.com/projects/111/secrets/db-pass", "secretmanager.googleapis.com/Secret", "roles/secretmanager.secretAccessor", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add("//storage.googleapis.com/orders-exports", "storage.googleapis.com/Bucket", "roles/storage.objectCreator", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add("//storage.googleapis.com/orders-exports", "storage.googleapis.com/Bucket", "roles/storage.objectViewer", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				add(projA, "cloudresourcemanager.googleapis.com/Project", "roles/cloudtrace.agent", "serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com", "proj-a"),
				{Kind: changeset.KindUpdateService, Service: runA + "orders", Field: changeset.FieldServiceAccount, From: "111-compute@developer.gserviceaccount.com", To: "orders-sa@proj-a.iam.gserviceaccount.com"},
				remove(projA, "cloudresourcemanager.googleapis.com/Project", "roles/editor", "serviceAccount:111-compute@developer.gserviceaccount.com", "proj-a"),
				remove(runA+"billing", "run.googleapis.com/Service", "roles/run.invoker", "serviceAccount:111-compute@developer.gserviceaccount.com", "proj-a"),
			},
			wantEtags: map[string]string{projA: "BwYA1111", runA + "billing": "BwYAbill", "//storage.googleapis.com/orders-exports": "CAE="},
			gcloud: []string{
				"gcloud iam service-accounts describe 'orders-sa@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'orders-sa' --project 'proj-a' --display-name 'Runtime identity of Cloud Run service orders'",
				"retry gcloud secrets add-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'",
				"retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudsql.client'",
				"retry gcloud storage buckets add-iam-policy-binding 'gs://orders-exports' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectCreator'",
				"retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudtrace.agent'",
				"retry gcloud pubsub topics add-iam-policy-binding 'order-events' --project 'proj-a' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher'",
				"gcloud run services update 'orders' --region 'us-central1' --project 'proj-a' --service-account 'orders-sa@proj-a.iam.gserviceaccount.com'",
				"gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:111-compute@developer.gserviceaccount.com' --role 'roles/editor'",
			},
			risk: []string{"holds roles/editor on project proj-a", "holds roles/run.invoker on service billing", "Compute Engine VMs"},
		},
		{
			name: "runtime-default-sa: a job whose default identity serves another workload keeps the old grants", fixture: "default-sa", slug: "runtime-default-sa", subject: "//run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export",
			want: []changeset.Step{
				{Kind: changeset.KindCreateServiceAccount, Project: "proj-b", AccountID: "nightly-export-sa"},
				{Kind: changeset.KindUpdateService, Service: "//run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export", Field: changeset.FieldServiceAccount, From: "222-compute@developer.gserviceaccount.com", To: "nightly-export-sa@proj-b.iam.gserviceaccount.com"},
				// The removal is a later step that names what still depends on it.
				{Kind: changeset.KindManual},
			},
			manual: true,
			gcloud: []string{"gcloud run jobs update 'nightly-export' --region 'europe-west1' --project 'proj-b' --service-account 'nightly-export-sa@proj-b.iam.gserviceaccount.com'"},
			risk:   []string{"references no secret"},
		},
		{
			name: "runtime-basic-role: the recommender's replacement roles, then the removal", fixture: "basic-role", slug: "runtime-basic-role", subject: "serviceAccount:app@proj-a.iam.gserviceaccount.com",
			want: []changeset.Step{
				add(projA, "cloudresourcemanager.googleapis.com/Project", "roles/pubsub.publisher", "serviceAccount:app@proj-a.iam.gserviceaccount.com", "proj-a"),
				add(projA, "cloudresourcemanager.googleapis.com/Project", "roles/storage.objectViewer", "serviceAccount:app@proj-a.iam.gserviceaccount.com", "proj-a"),
				remove(projA, "cloudresourcemanager.googleapis.com/Project", "roles/editor", "serviceAccount:app@proj-a.iam.gserviceaccount.com", "proj-a"),
			},
			wantEtags: map[string]string{projA: "BwYB0001"},
			gcloud: []string{
				"retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher' --condition 'None'",
				"gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'",
			},
			risk: []string{"revokes", "not grant again: cloudsql.instances.connect"},
		},
		{
			name: "runtime-basic-role: without a recommendation, grants on referenced resources and manual guidance", fixture: "basic-role", slug: "runtime-basic-role", subject: "serviceAccount:legacy@proj-a.iam.gserviceaccount.com",
			want: []changeset.Step{
				add("//secretmanager.googleapis.com/projects/111/secrets/ledger-token", "secretmanager.googleapis.com/Secret", "roles/secretmanager.secretAccessor", "serviceAccount:legacy@proj-a.iam.gserviceaccount.com", "proj-a"),
				manual(),
				remove(projA, "cloudresourcemanager.googleapis.com/Project", "roles/editor", "serviceAccount:legacy@proj-a.iam.gserviceaccount.com", "proj-a"),
			},
			manual:    true,
			wantEtags: map[string]string{projA: "BwYB0001"},
			gcloud:    []string{"gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:legacy@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'"},
			risk:      []string{"runtime identity of service ledger (proj-a · us-central1)"},
		},
		{
			name: "invoker-public: allUsers comes off the service itself", fixture: "../rules/testdata/invoker-public.jsonl", slug: "invoker-public", subject: runA + "pub-v1",
			want:   []changeset.Step{remove(runA+"pub-v1", "run.googleapis.com/Service", "roles/run.invoker", "allUsers", "proj-a")},
			gcloud: []string{"gcloud run services remove-iam-policy-binding 'pub-v1' --region 'us-central1' --project 'proj-a' --member 'allUsers' --role 'roles/run.invoker'"},
			risk:   []string{"anyone on the internet (allUsers) loses invoke access", "public website or API on purpose"},
		},
		{
			name: "invoker-public: an inherited binding comes off the folder that holds it", fixture: "../rules/testdata/invoker-public-inherited.jsonl", slug: "invoker-public", subject: "//run.googleapis.com/projects/proj-web/locations/europe-west1/services/site",
			want:   []changeset.Step{remove("//cloudresourcemanager.googleapis.com/folders/200", "cloudresourcemanager.googleapis.com/Folder", "roles/run.invoker", "allUsers", "")},
			gcloud: []string{"gcloud resource-manager folders remove-iam-policy-binding '200' --member 'allUsers' --role 'roles/run.invoker'"},
		},
		{
			name: "invoker-iam-disabled: the check goes back on", fixture: "../rules/testdata/invoker-iam-disabled.jsonl", slug: "invoker-iam-disabled", subject: runA + "off-v2",
			want:   []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "off-v2", Field: changeset.FieldInvokerIAMDisabled, From: "true", To: "false"}},
			gcloud: []string{"gcloud run services update 'off-v2' --region 'us-central1' --project 'proj-a' --invoker-iam-check"},
		},
		{
			name: "ingress-open-internal: ingress becomes internal", fixture: "../rules/testdata/ingress.jsonl", slug: "ingress-open-internal", subject: runA + "internal-api",
			want:   []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "internal-api", Field: changeset.FieldIngress, From: "all", To: "internal"}},
			gcloud: []string{"gcloud run services update 'internal-api' --region 'us-central1' --project 'proj-a' --ingress 'internal'"},
			risk:   []string{"Callers outside Google Cloud"},
		},
		{
			name: "push-unauthenticated: a push identity with invoker on the target alone, then OIDC on the subscription", fixture: "../rules/testdata/push-unauthenticated.jsonl", slug: "push-unauthenticated", subject: "//pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker",
			want: []changeset.Step{
				{Kind: changeset.KindCreateServiceAccount, Project: "proj-a", AccountID: "to-worker-push"},
				add(runA+"worker", "run.googleapis.com/Service", "roles/run.invoker", "serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com", "proj-a"),
				{Kind: changeset.KindSetPushAuth, Subscription: "//pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker", Endpoint: "https://worker-abc123-uc.a.run.app/push",
					ServiceAccount: "to-worker-push@proj-a.iam.gserviceaccount.com", Audience: "https://worker-abc123-uc.a.run.app"},
			},
			gcloud: []string{
				"gcloud iam service-accounts describe 'to-worker-push@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'to-worker-push' --project 'proj-a' --display-name 'Caller identity of Pub/Sub subscription to-worker'",
				"retry gcloud run services add-iam-policy-binding 'worker' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com' --role 'roles/run.invoker'",
				"retry gcloud pubsub subscriptions update 'to-worker' --project 'proj-a' --push-endpoint 'https://worker-abc123-uc.a.run.app/push' --push-auth-service-account 'to-worker-push@proj-a.iam.gserviceaccount.com' --push-auth-token-audience 'https://worker-abc123-uc.a.run.app'",
			},
			risk: []string{"serviceAccountTokenCreator"},
		},
		{
			name: "scheduler-unauthenticated: a caller identity with invoker on the target, then OIDC on the job", fixture: "../rules/testdata/scheduler-unauthenticated.jsonl", slug: "scheduler-unauthenticated", subject: "//cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/nightly",
			want: []changeset.Step{
				{Kind: changeset.KindCreateServiceAccount, Project: "proj-a", AccountID: "nightly-sched"},
				add(runA+"worker", "run.googleapis.com/Service", "roles/run.invoker", "serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com", "proj-a"),
				{Kind: changeset.KindSetSchedulerOIDC, Job: "//cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/nightly", Endpoint: "https://worker-xyz789-uc.a.run.app/run",
					ServiceAccount: "nightly-sched@proj-a.iam.gserviceaccount.com", Audience: "https://worker-xyz789-uc.a.run.app"},
			},
			gcloud: []string{"retry gcloud scheduler jobs update http 'nightly' --location 'us-central1' --project 'proj-a' --oidc-service-account-email 'nightly-sched@proj-a.iam.gserviceaccount.com' --oidc-token-audience 'https://worker-xyz789-uc.a.run.app'"},
		},
		{
			name: "runtime-project-scope-grant: the same role on the referenced secret, then off the project", fixture: "../rules/testdata/runtime-project-scope-grant.jsonl", slug: "runtime-project-scope-grant", subject: "serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com",
			want: []changeset.Step{
				add("//secretmanager.googleapis.com/projects/111/secrets/db-pass", "secretmanager.googleapis.com/Secret", "roles/secretmanager.secretAccessor", "serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com", "proj-a"),
				remove(projA, "cloudresourcemanager.googleapis.com/Project", "roles/secretmanager.secretAccessor", "serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com", "proj-a"),
			},
			gcloud: []string{
				"retry gcloud secrets add-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'",
				"gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'",
			},
			risk: []string{"loses roles/secretmanager.secretAccessor on 2 other secretmanager resources"},
		},
		{
			name: "runtime-sa-key: the user-managed key is deleted", fixture: "../rules/testdata/runtime-sa-key.jsonl", slug: "runtime-sa-key", subject: "serviceAccount:keyed@proj-a.iam.gserviceaccount.com",
			want:   []changeset.Step{{Kind: changeset.KindDeleteKey, Key: "//iam.googleapis.com/projects/proj-a/serviceAccounts/1401/keys/k1user", ServiceAccount: "keyed@proj-a.iam.gserviceaccount.com"}},
			gcloud: []string{"gcloud iam service-accounts keys delete 'k1user' --iam-account 'keyed@proj-a.iam.gserviceaccount.com' --quiet"},
			risk:   []string{"Workload Identity Federation"},
		},
		{
			name: "binauthz-not-enforced: the service uses the default policy, which its project enforces", fixture: "../rules/testdata/binauthz.jsonl", slug: "binauthz-not-enforced", subject: runA + "none-v2",
			want:   []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "none-v2", Field: changeset.FieldBinaryAuthorization, To: "default"}},
			gcloud: []string{"gcloud run services update 'none-v2' --region 'us-central1' --project 'proj-a' --binary-authorization 'default'"},
		},
		{
			name: "binauthz-not-enforced: a project policy that admits everything is manual", fixture: "../rules/testdata/binauthz.jsonl", slug: "binauthz-not-enforced", subject: "//run.googleapis.com/projects/proj-b/locations/us-central1/services/always-allow-v2",
			want:   []changeset.Step{manual()},
			manual: true,
			risk:   []string{"every deployment in project proj-b"},
		},
		{
			name: "env-plaintext-secret: secret created, readable by the runtime identity, env switched, value rotated", fixture: "../rules/testdata/env-plaintext-secret.jsonl", slug: "env-plaintext-secret", subject: runA + "literal-v1",
			want: []changeset.Step{
				{Kind: changeset.KindCreateSecretFromEnv, Project: "proj-a", Secret: "literal-v1-db_password", Service: runA + "literal-v1", EnvName: "DB_PASSWORD"},
				add("//secretmanager.googleapis.com/projects/111/secrets/literal-v1-db_password", "secretmanager.googleapis.com/Secret", "roles/secretmanager.secretAccessor", "serviceAccount:app@proj-a.iam.gserviceaccount.com", "proj-a"),
				{Kind: changeset.KindUpdateService, Service: runA + "literal-v1", Field: changeset.FieldEnv, EnvName: "DB_PASSWORD", Secret: "literal-v1-db_password", From: "literal value (not shown)", To: "literal-v1-db_password:latest"},
				manual(),
			},
			manual: true,
			gcloud: []string{
				"gcloud secrets describe 'literal-v1-db_password' --project 'proj-a' >/dev/null 2>&1 || gcloud secrets create 'literal-v1-db_password' --project 'proj-a' --replication-policy 'automatic'",
				`printf '%s' "${RUNLENS_SECRET_VALUE_1:?set RUNLENS_SECRET_VALUE_1 to the value to store}" | gcloud secrets versions add 'literal-v1-db_password' --project 'proj-a' --data-file=-`,
				"retry gcloud secrets add-iam-policy-binding 'literal-v1-db_password' --project '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'",
				"gcloud run services update 'literal-v1' --region 'us-central1' --project 'proj-a' --remove-env-vars 'DB_PASSWORD' --update-secrets 'DB_PASSWORD=literal-v1-db_password:latest'",
			},
		},
		{
			name: "legacy-storage-role: the legacy binding comes off the bucket", fixture: "../rules/testdata/buckets.jsonl", slug: "legacy-storage-role", subject: "//storage.googleapis.com/legacy-acl",
			want:   []changeset.Step{remove("//storage.googleapis.com/legacy-acl", "storage.googleapis.com/Bucket", "roles/storage.legacyObjectReader", "user:bob@example.com", "proj-a")},
			gcloud: []string{"gcloud storage buckets remove-iam-policy-binding 'gs://legacy-acl' --member 'user:bob@example.com' --role 'roles/storage.legacyObjectReader'"},
			risk:   []string{"grant roles/storage.objectViewer on the bucket instead"},
		},
		{
			name: "bucket-public: the public binding comes off the bucket", fixture: "../rules/testdata/buckets.jsonl", slug: "bucket-public", subject: "//storage.googleapis.com/public-assets",
			want:   []changeset.Step{remove("//storage.googleapis.com/public-assets", "storage.googleapis.com/Bucket", "roles/storage.objectViewer", "allUsers", "proj-a")},
			gcloud: []string{"gcloud storage buckets remove-iam-policy-binding 'gs://public-assets' --member 'allUsers' --role 'roles/storage.objectViewer'"},
		},
		{
			name: "sa-user-project-level: kept on the runtime identity the member deploys, removed from the project", fixture: "sa-user.jsonl", slug: "sa-user-project-level", subject: projA,
			want: []changeset.Step{
				add("//iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com", saTypeR, "roles/iam.serviceAccountUser", "group:deployers@example.com", "proj-a"),
				remove(projA, "cloudresourcemanager.googleapis.com/Project", "roles/iam.serviceAccountUser", "group:Deployers@example.com", "proj-a"),
			},
			wantEtags: map[string]string{projA: "BwYC0001", "//iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com": "BwYC0002"},
			gcloud: []string{
				"retry gcloud iam service-accounts add-iam-policy-binding 'api@proj-a.iam.gserviceaccount.com' --project 'proj-a' --member 'group:deployers@example.com' --role 'roles/iam.serviceAccountUser'",
				"gcloud projects remove-iam-policy-binding '111' --member 'group:Deployers@example.com' --role 'roles/iam.serviceAccountUser'",
			},
			risk: []string{"can no longer act as: etl@proj-a.iam.gserviceaccount.com"},
		},
		{
			name: "sa-user-project-level: with no runtime identity it needs, just removed", fixture: "../rules/testdata/sa-user-project-level.jsonl", slug: "sa-user-project-level", subject: "//cloudresourcemanager.googleapis.com/projects/222",
			want:   []changeset.Step{remove("//cloudresourcemanager.googleapis.com/projects/222", "cloudresourcemanager.googleapis.com/Project", "roles/iam.serviceAccountTokenCreator", "user:ops@example.com", "proj-b")},
			gcloud: []string{"gcloud projects remove-iam-policy-binding '222' --member 'user:ops@example.com' --role 'roles/iam.serviceAccountTokenCreator'"},
			risk:   []string{"removed without a narrower grant"},
		},
		{
			name: "invoker-broad-scope: granted on each service and job the folder grant reaches, removed from the folder", fixture: "../rules/testdata/invoker-broad-scope.jsonl", slug: "invoker-broad-scope", subject: "//cloudresourcemanager.googleapis.com/folders/200",
			want: []changeset.Step{
				add("//run.googleapis.com/projects/proj-a/locations/us-central1/jobs/folder-job", "run.googleapis.com/Job", "roles/run.invoker", "group:eng@example.com", "proj-a"),
				add(runA+"folder-svc", "run.googleapis.com/Service", "roles/run.invoker", "group:eng@example.com", "proj-a"),
				remove("//cloudresourcemanager.googleapis.com/folders/200", "cloudresourcemanager.googleapis.com/Folder", "roles/run.invoker", "group:eng@example.com", ""),
			},
			gcloud: []string{"gcloud resource-manager folders remove-iam-policy-binding '200' --member 'group:eng@example.com' --role 'roles/run.invoker'"},
			risk: []string{"keeps invoke access to job folder-job (proj-a · us-central1), service folder-svc (proj-a · us-central1) through the grant on each above",
				"Review the grants above before approving"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.fixture)
			f := s.finding(t, tc.slug, tc.subject, tc.key)
			cs, err := changeset.Plan(s.in, f)
			if err != nil {
				t.Fatalf("Plan(%s on %s) = %v", tc.slug, tc.subject, err)
			}
			if diff := cmp.Diff(tc.want, cs.Steps, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Plan(%s on %s) steps (-want +got):\n%s", tc.slug, tc.subject, diff)
			}
			if cs.Manual != tc.manual {
				t.Errorf("Plan(%s on %s).Manual = %v, want %v", tc.slug, tc.subject, cs.Manual, tc.manual)
			}
			if diff := cmp.Diff([]string{f.ID}, cs.Fixes); diff != "" {
				t.Errorf("Fixes (-want +got):\n%s", diff)
			}
			if tc.wantEtags != nil {
				if diff := cmp.Diff(tc.wantEtags, nonEmpty(cs.Etags)); diff != "" {
					t.Errorf("Etags (-want +got):\n%s", diff)
				}
			}
			for _, r := range tc.risk {
				if !containsSub(cs.Risk, r) {
					t.Errorf("no risk line mentions %q; risk:\n%s", r, strings.Join(cs.Risk, "\n"))
				}
			}
			if cs.Title == "" || cs.Rationale == "" {
				t.Errorf("title %q, rationale %q: want both", cs.Title, cs.Rationale)
			}

			name := goldenName(tc.slug, tc.subject)
			script := render(t, "gcloud", cs)
			golden(t, name+".sh", script)
			cmds := commandLines(script)
			for _, want := range tc.gcloud {
				if !containsLine(cmds, want) {
					t.Errorf("gcloud script lacks the line\n%s\ncommands:\n%s", want, strings.Join(cmds, "\n"))
				}
			}
			tf := render(t, "terraform", cs)
			golden(t, name+".tf", tf)
			checkTerraform(t, cs, tf)
			d := render(t, "diff", cs)
			golden(t, name+".diff", d)
			checkDiff(t, cs, d)
			golden(t, name+".rollback.sh", render(t, "rollback", cs))
		})
	}
}

// TestRollback: on every change set the demo's findings plan, the rollback
// is valid, puts every IAM policy back exactly as it was planned against,
// sets every workload setting back, and says what it cannot undo.
func TestRollback(t *testing.T) {
	s := loadDemo(t)
	planned := 0
	for _, f := range s.findings {
		cs, err := changeset.Plan(s.in, f)
		if err != nil {
			continue
		}
		planned++
		rb := changeset.Rollback(cs)
		if err := rb.Validate(); err != nil && len(rb.Steps) > 0 {
			t.Errorf("rollback of %q: %v", cs.Title, err)
		}
		for res, before := range cs.Before {
			after := changeset.ApplySteps(before, res, cs.Steps)
			back := changeset.ApplySteps(after, res, rb.Steps)
			if diff := cmp.Diff(changeset.CanonicalPolicy(before), back, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rollback of %q leaves %s different from before (-before +after rollback):\n%s", cs.Title, res, diff)
			}
			if diff := cmp.Diff(after, changeset.CanonicalPolicy(rb.Before[res]), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rollback of %q: its policy before is not the change's policy after for %s:\n%s", cs.Title, res, diff)
			}
		}
		for i, st := range cs.Steps {
			switch st.Kind {
			case changeset.KindUpdateService:
				if st.Field == changeset.FieldEnv || st.From == "" {
					continue
				}
				if !slices.ContainsFunc(rb.Steps, func(r changeset.Step) bool {
					return r.Kind == changeset.KindUpdateService && r.Service == st.Service && r.Field == st.Field && r.To == st.From && r.From == st.To
				}) {
					t.Errorf("rollback of %q does not set %s of %s back to %q", cs.Title, st.Field, st.Service, st.From)
				}
			case changeset.KindDeleteKey:
				if !slices.ContainsFunc(rb.Steps, func(r changeset.Step) bool {
					return r.Kind == changeset.KindManual && strings.Contains(r.Text, fmt.Sprintf("Step %d deleted key", i+1)) && strings.Contains(r.Text, "cannot be restored")
				}) {
					t.Errorf("rollback of %q does not say the deleted key cannot be restored", cs.Title)
				}
			}
		}
	}
	if planned < 20 {
		t.Fatalf("only %d change sets planned on the demo", planned)
	}
}

func nonEmpty(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

func goldenName(slug, subject string) string {
	n := subject[strings.LastIndexAny(subject, "/:")+1:]
	return slug + "_" + strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(n), "-"), "-")
}

// checkTerraform parses the Terraform rendering and checks it holds a
// resource for every grant, account and secret the change set creates.
func checkTerraform(t *testing.T, cs changeset.ChangeSet, tf string) {
	t.Helper()
	if _, diags := hclwrite.ParseConfig([]byte(tf), "changes.tf", hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("hclwrite cannot parse the Terraform rendering: %v\n%s", diags, tf)
	}
	file, diags := hclsyntax.ParseConfig([]byte(tf), "changes.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("hclsyntax cannot parse the Terraform rendering: %v", diags)
	}
	count := map[string]int{}
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 {
			switch {
			case strings.HasSuffix(b.Labels[0], "_iam_member"):
				count["grant"]++
			default:
				count[b.Labels[0]]++
			}
		}
	}
	want := map[string]int{}
	for _, s := range cs.Steps {
		switch s.Kind {
		case changeset.KindAddBinding:
			want["grant"]++
		case changeset.KindCreateServiceAccount:
			want["google_service_account"]++
		case changeset.KindCreateSecretFromEnv:
			want["google_secret_manager_secret"]++
		case changeset.KindSetPushAuth:
			want["google_pubsub_subscription"]++
		case changeset.KindSetSchedulerOIDC:
			want["google_cloud_scheduler_job"]++
		}
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("Terraform rendering has %d %s resources, want %d", count[k], k, n)
		}
	}
}

// checkDiff checks the diff rendering shows every removed member as a
// removed line and every added member as an added line.
func checkDiff(t *testing.T, cs changeset.ChangeSet, d string) {
	t.Helper()
	for _, s := range cs.Steps {
		var sign string
		switch s.Kind {
		case changeset.KindRemoveBinding:
			sign = "-"
		case changeset.KindAddBinding:
			sign = "+"
		default:
			continue
		}
		// The member's line changes, or (when the same member moves from
		// one role to another) the role's line does.
		m, _ := json.Marshal(s.Member)
		r, _ := json.Marshal(s.Role)
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sign) + `\s+(` + regexp.QuoteMeta(string(m)) + `,?|"role": ` + regexp.QuoteMeta(string(r)) + `,)$`)
		if !re.MatchString(d) {
			t.Errorf("%s: diff has no %q line for member %s of %s:\n%s", cs.Title, sign, s.Member, s.Resource, d)
		}
	}
	if !strings.Contains(d, "--- ") || !strings.Contains(d, "+++ ") {
		if !cs.Manual {
			t.Errorf("diff rendering has no unified diff:\n%s", d)
		}
	}
}

// TestPlanEveryCheck plans every finding of every fixture and renders it
// three ways: every check of rules.All has a planner, every planner runs on
// real findings, and every rendering is well formed.
func TestPlanEveryCheck(t *testing.T) {
	for _, r := range rules.All() {
		if !changeset.Planned(r.Slug) {
			t.Errorf("no planner for check %q", r.Slug)
		}
	}
	fixtures, err := filepath.Glob("../rules/testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	fixtures = append(fixtures, "default-sa", "basic-role", "sa-user.jsonl", "hostile.jsonl", "collision.jsonl")
	planned := map[string]int{}
	manualOnly := map[string]bool{}
	for _, fx := range fixtures {
		s := load(t, fx)
		for _, f := range s.findings {
			cs, err := changeset.Plan(s.in, f)
			if err != nil {
				t.Errorf("%s: Plan(%s on %s) = %v", fx, f.Check, f.Subject, err)
				continue
			}
			planned[f.Check]++
			if _, seen := manualOnly[f.Check]; !seen {
				manualOnly[f.Check] = true
			}
			for _, st := range cs.Steps {
				if st.Kind != changeset.KindManual {
					manualOnly[f.Check] = false
				}
			}
			if cs.Title == "" || len(cs.Fixes) != 1 || cs.Fixes[0] != f.ID {
				t.Errorf("%s: Plan(%s on %s): title %q, fixes %v", fx, f.Check, f.Subject, cs.Title, cs.Fixes)
			}
			hasManual := false
			for _, st := range cs.Steps {
				hasManual = hasManual || st.Kind == changeset.KindManual
			}
			if cs.Manual != hasManual {
				t.Errorf("%s: Plan(%s on %s).Manual = %v with manual steps %v", fx, f.Check, f.Subject, cs.Manual, hasManual)
			}
			for _, format := range changeset.Formats() {
				out := render(t, format, cs)
				if format == "terraform" {
					checkTerraform(t, cs, out)
				}
				if format == "gcloud" {
					for _, l := range strings.Split(out, "\n") {
						if !allowedLine(l) {
							t.Errorf("%s: %s on %s: gcloud line not allowed: %q", fx, f.Check, f.Subject, l)
						}
					}
				}
				if format == "diff" {
					checkDiff(t, cs, out)
				}
			}
		}
	}
	for _, r := range rules.All() {
		if planned[r.Slug] == 0 {
			t.Errorf("no fixture has a %s finding to plan", r.Slug)
		}
	}
	// Checks whose plans are, by design, instructions only.
	wantManualOnly := []string{"egress-not-restricted", "human-access-without-iap", "image-not-pinned", "image-untrusted-registry", "bucket-acl-mode", "sql-open-network"}
	for _, slug := range wantManualOnly {
		if !manualOnly[slug] {
			t.Errorf("%s plans mechanical steps; the test expects it manual-only (update the list and the report)", slug)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	s := load(t, "../rules/testdata/invoker-public.jsonl")
	tests := []struct {
		name string
		f    rules.Finding
		want error
	}{
		{"unknown check", rules.Finding{ID: "x", Check: "no-such-check", Subject: runA + "pub-v1"}, changeset.ErrNoPlanner},
		{"subject not in the graph", rules.Finding{ID: "x", Check: "invoker-iam-disabled", Subject: runA + "gone"}, nil},
		{"binding evidence missing", rules.Finding{ID: "x", Check: "invoker-public", Subject: runA + "pub-v1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := changeset.Plan(s.in, tc.f)
			if err == nil {
				t.Fatalf("Plan(%+v) = nil error", tc.f)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Plan(%+v) = %v, want %v", tc.f, err, tc.want)
			}
		})
	}
	if _, err := changeset.Plan(changeset.Input{}, rules.Finding{Check: "invoker-public"}); err == nil {
		t.Error("Plan without a graph = nil error")
	}
}

func TestPlanDeterministic(t *testing.T) {
	for i := 0; i < 2; i++ {
		a := load(t, "default-sa")
		b := load(t, "default-sa")
		f := a.finding(t, "runtime-default-sa", runA+"orders", "")
		x, err := changeset.Plan(a.in, f)
		if err != nil {
			t.Fatal(err)
		}
		y, err := changeset.Plan(b.in, f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(x, y); diff != "" {
			t.Fatalf("two plans of the same finding differ (-first +second):\n%s", diff)
		}
		if changeset.Hash(x) != changeset.Hash(y) {
			t.Fatal("two plans of the same finding hash differently")
		}
	}
}

func TestAccountID(t *testing.T) {
	tests := []struct{ base, suffix, want string }{
		{"orders", "sa", "orders-sa"},
		{"api", "sa", "api-sa"},
		{"ab", "sa", "ab-run-sa"},
		{"a", "sa", "a-run-sa"},
		{"Orders_API.v2", "sa", "orders-api-v2-sa"},
		{"9lives", "sa", "run-9lives-sa"},
		{"", "sa", "run-sa"},
		{"to-worker", "push", "to-worker-push"},
		{"a-very-long-subscription-name-for-orders", "push", "a-very-long-subscrip-c2fb-push"},
		{"evil'$(touch x)`id`;\nrm -rf /", "sa", "evil-touch-x-id-rm-rf-sa"},
		{"---", "---", "run-sa"},
	}
	for _, tc := range tests {
		got := changeset.AccountID(tc.base, tc.suffix)
		if !changeset.ValidAccountID(got) {
			t.Errorf("AccountID(%q, %q) = %q, not a valid account ID", tc.base, tc.suffix, got)
		}
		if got != tc.want {
			t.Errorf("AccountID(%q, %q) = %q, want %q", tc.base, tc.suffix, got, tc.want)
		}
	}
	if a, b := changeset.AccountID("a-very-long-subscription-name-for-orders-1", "push"), changeset.AccountID("a-very-long-subscription-name-for-orders-2", "push"); a == b {
		t.Errorf("two long names share account ID %q", a)
	}
}

func TestSecretID(t *testing.T) {
	tests := []struct{ service, env, want string }{
		{"literal-v1", "DB_PASSWORD", "literal-v1-db_password"},
		{"evil'$(x)", "API KEY", "evil-x-api-key"},
		{"", "", "runlens-secret"},
	}
	for _, tc := range tests {
		if got := changeset.SecretID(tc.service, tc.env); got != tc.want {
			t.Errorf("SecretID(%q, %q) = %q, want %q", tc.service, tc.env, got, tc.want)
		}
	}
}

func TestResourceType(t *testing.T) {
	tests := map[string]string{
		runA + "x": "run.googleapis.com/Service",
		"//run.googleapis.com/projects/p/locations/r/jobs/j": "run.googleapis.com/Job",
		projA: "cloudresourcemanager.googleapis.com/Project",
		"//cloudresourcemanager.googleapis.com/folders/1":                             "cloudresourcemanager.googleapis.com/Folder",
		"//cloudresourcemanager.googleapis.com/organizations/1":                       "cloudresourcemanager.googleapis.com/Organization",
		"//storage.googleapis.com/b":                                                  "storage.googleapis.com/Bucket",
		"//secretmanager.googleapis.com/projects/1/secrets/s":                         "secretmanager.googleapis.com/Secret",
		"//pubsub.googleapis.com/projects/p/topics/t":                                 "pubsub.googleapis.com/Topic",
		"//pubsub.googleapis.com/projects/p/subscriptions/s":                          "pubsub.googleapis.com/Subscription",
		"//cloudkms.googleapis.com/projects/p/locations/l/keyRings/r/cryptoKeys/k":    "cloudkms.googleapis.com/CryptoKey",
		"//cloudkms.googleapis.com/projects/p/locations/l/keyRings/r":                 "cloudkms.googleapis.com/KeyRing",
		"//iam.googleapis.com/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com": saTypeR,
		"//compute.googleapis.com/projects/p/global/backendServices/b":                "",
	}
	for name, want := range tests {
		if got := changeset.ResourceType(name); got != want {
			t.Errorf("ResourceType(%q) = %q, want %q", name, got, want)
		}
	}
}

// iamPolicy is used by tests that build change sets by hand.
func iamPolicy(etag string, bindings ...iam.Binding) iam.Policy {
	return iam.Policy{Version: 1, Etag: etag, Bindings: bindings}
}

func TestPlanAccountNames(t *testing.T) {
	s := load(t, "collision.jsonl")
	const runC = "//run.googleapis.com/projects/proj-c/locations/us-east1/services/"
	t.Run("an existing account serving another workload is not reused", func(t *testing.T) {
		cs, err := changeset.Plan(s.in, s.finding(t, "runtime-default-sa", runC+"web", ""))
		if err != nil {
			t.Fatal(err)
		}
		create := cs.Steps[0]
		if create.Kind != changeset.KindCreateServiceAccount || create.AccountID == "web-sa" || !strings.HasPrefix(create.AccountID, "web-") || !changeset.ValidAccountID(create.AccountID) {
			t.Errorf("first step = %+v, want creating a valid account other than web-sa", create)
		}
		sw := cs.Steps[len(cs.Steps)-1]
		if sw.Kind != changeset.KindUpdateService || sw.To != create.AccountID+"@proj-c.iam.gserviceaccount.com" {
			t.Errorf("last step = %+v, want switching web to the new account", sw)
		}
	})
	t.Run("an existing unused account is reused, not created", func(t *testing.T) {
		cs, err := changeset.Plan(s.in, s.finding(t, "runtime-default-sa", runC+"api", ""))
		if err != nil {
			t.Fatal(err)
		}
		want := []changeset.Step{{Kind: changeset.KindUpdateService, Service: runC + "api", Field: changeset.FieldServiceAccount,
			From: "444-compute@developer.gserviceaccount.com", To: "api-sa@proj-c.iam.gserviceaccount.com"}}
		if diff := cmp.Diff(want, cs.Steps, ignoreProse); diff != "" {
			t.Errorf("steps (-want +got):\n%s", diff)
		}
		if !containsSub(cs.Risk, "already exists and runs nothing else") {
			t.Errorf("risk does not say the account is reused: %v", cs.Risk)
		}
	})
}

// TestFittedGrants: what an insight shows used is granted by the smallest
// roles on the narrowest resource; what cannot be is listed with why; and
// without an insight the plan says its grants come from the configuration
// alone.
func TestFittedGrants(t *testing.T) {
	s := load(t, "default-sa")
	f := s.finding(t, "runtime-default-sa", runA+"orders", "")
	s.in.Insights = slices.Clone(s.in.Insights)
	in := s.in.Insights[0]
	in.Exercised = append(slices.Clone(in.Exercised), "bigquery.jobs.create", "spanner.databases.read", "storage.buckets.list", "pubsub.subscriptions.consume", "logging.logEntries.create")
	s.in.Insights[0] = in
	cs, err := changeset.Plan(s.in, f)
	if err != nil {
		t.Fatal(err)
	}
	var manual string
	var logWriter, jobUser bool
	for _, st := range cs.Steps {
		if st.Kind == changeset.KindManual {
			manual += st.Text
		}
		if st.Kind == changeset.KindAddBinding && st.Role == "roles/logging.logWriter" && st.Resource == projA {
			logWriter = true
		}
		if st.Kind == changeset.KindAddBinding && st.Role == "roles/bigquery.jobUser" && st.Resource == projA {
			jobUser = true
		}
	}
	if !logWriter {
		t.Error("logging.logEntries.create (no resource-level IAM) is not granted as roles/logging.logWriter on the project")
	}
	if !jobUser {
		t.Error("bigquery.jobs.create (jobs run in a project) is not granted as roles/bigquery.jobUser on the project")
	}
	for _, want := range []string{
		"spanner.databases.read (runlens does not know which spanner resource the code uses",
		"storage.buckets.list (acts on the project's buckets",
		"pubsub.subscriptions.consume (no Pub/Sub topic is named",
	} {
		if !strings.Contains(manual, want) {
			t.Errorf("the left-out step lacks %q:\n%s", want, manual)
		}
	}

	s.in.Insights = nil
	cs, err = changeset.Plan(s.in, f)
	if err != nil {
		t.Fatal(err)
	}
	if !containsSub(cs.Risk, "No IAM recommender insight says which permissions") {
		t.Errorf("without an insight the risk does not say so:\n%s", strings.Join(cs.Risk, "\n"))
	}
	for _, st := range cs.Steps {
		if st.Role == "roles/storage.objectCreator" || st.Role == "roles/cloudtrace.agent" {
			t.Errorf("without evidence of use, %s is granted", st.Role)
		}
	}
}

// TestOnePlanPerWorkload: on the demo, every finding a change set lists as
// fixed is offered that same change set when it is the one proposed, and a
// workload on the default identity (which serves nothing else) gets one
// change set fixing its default-identity finding and the identity's
// basic-role finding.
func TestOnePlanPerWorkload(t *testing.T) {
	s := loadDemo(t)
	bundles := 0
	for _, f := range s.findings {
		cs, err := changeset.Plan(s.in, f)
		if err != nil {
			continue
		}
		if !slices.Contains(cs.Fixes, f.ID) {
			t.Errorf("the plan proposed for %s %s does not list it as fixed", f.Check, f.ID)
		}
		// A bundle is the plan of the default-identity or identity findings:
		// each finding it fixes is offered that plan. (Another kind of plan
		// may remove a flagged binding too, and then lists that finding as
		// fixed, so it is not proposed twice; it need not be its plan.)
		if len(cs.Fixes) < 2 || f.Check != "runtime-default-sa" && !slices.Contains([]string{"runtime-basic-role", "runtime-project-scope-grant", "runtime-unused-permissions", "runtime-privileged"}, f.Check) {
			continue
		}
		bundles++
		for _, id := range cs.Fixes {
			g, ok := s.byID(id)
			if !ok {
				t.Fatalf("%s lists unknown finding %s", cs.Title, id)
			}
			other, err := changeset.Plan(s.in, g)
			if err != nil {
				t.Fatalf("Plan(%s): %v", id, err)
			}
			if changeset.Hash(other) != changeset.Hash(cs) {
				t.Errorf("proposing %s (%s) offers %q, not %q which fixes it", id, g.Check, other.Title, cs.Title)
			}
		}
	}
	if bundles == 0 {
		t.Fatal("no change set of the demo fixes more than one finding")
	}
}

// TestDefaultIdentityBundle: orders is the only workload on the default
// identity of proj-a, so its dedicated-identity plan removes that identity's
// roles/editor too, and lists the basic-role finding as fixed; proposing the
// basic-role finding offers the same change set.
func TestDefaultIdentityBundle(t *testing.T) {
	s := load(t, "default-sa")
	s.in.Findings = s.findings
	f := s.finding(t, "runtime-default-sa", runA+"orders", "")
	basic := s.finding(t, "runtime-basic-role", "serviceAccount:111-compute@developer.gserviceaccount.com", "")
	cs, err := changeset.Plan(s.in, f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cs.Fixes, basic.ID) || cs.Fixes[0] != f.ID {
		t.Errorf("Fixes = %v, want %s first and the basic-role finding %s", cs.Fixes, f.ID, basic.ID)
	}
	again, err := changeset.Plan(s.in, basic)
	if err != nil {
		t.Fatal(err)
	}
	if changeset.Hash(again) != changeset.Hash(cs) {
		t.Errorf("proposing the basic-role finding offers %q, not the workload's plan %q", again.Title, cs.Title)
	}
}

// TestPlanOnRealInsight plans the basic-role fix of the service account
// that Google's published policy-insight example describes: it held
// roles/owner and used only iam.roles.create, .delete, .list and .update,
// which only a project grants; the plan grants roles/iam.roleAdmin there,
// saying what it covers, and removes roles/owner.
func TestPlanOnRealInsight(t *testing.T) {
	s := load(t, "real-insight")
	f := s.finding(t, "runtime-basic-role", "serviceAccount:my-service-account2@my-project.iam.gserviceaccount.com", "")
	cs, err := changeset.Plan(s.in, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []changeset.Step{
		add("//cloudresourcemanager.googleapis.com/projects/123456789012", "cloudresourcemanager.googleapis.com/Project", "roles/iam.roleAdmin", "serviceAccount:my-service-account2@my-project.iam.gserviceaccount.com", "my-project"),
		remove("//cloudresourcemanager.googleapis.com/projects/123456789012", "cloudresourcemanager.googleapis.com/Project", "roles/owner", "serviceAccount:my-service-account2@my-project.iam.gserviceaccount.com", "my-project"),
	}
	if diff := cmp.Diff(want, cs.Steps, ignoreProse, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if n := cs.Steps[0].Note; !strings.Contains(n, "iam.roles.create, iam.roles.delete, iam.roles.list, iam.roles.update") {
		t.Errorf("the grant does not say what it covers: %q", n)
	}
}
