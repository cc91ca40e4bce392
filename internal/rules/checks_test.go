package rules_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// scanFixture reads a CAI fixture (a file, or a directory that may also hold
// IAM recommender output), builds the graph and runs the given rules with
// the recommendations and insights read, as the scan does.
func scanFixture(t *testing.T, fixture string, rs ...rules.Rule) ([]rules.Finding, []rules.PassRecord) {
	t.Helper()
	inv, err := inventory.ReadPaths(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) > 0 {
		t.Fatalf("fixture %s has problems: %v", fixture, inv.Problems)
	}
	b := build.Graph(inv, iam.MustPredefined(), now)
	if len(b.Problems) > 0 {
		t.Fatalf("fixture %s: graph problems: %v", fixture, b.Problems)
	}
	return rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now,
		Recommendations: inv.Recommendations, Insights: inv.Insights}, rs)
}

// runScenario runs the rule called slug on a fixture.
func runScenario(t *testing.T, fixture, slug string) ([]rules.Finding, []rules.PassRecord) {
	t.Helper()
	r, ok := rules.BySlug(rules.All(), slug)
	if !ok {
		t.Fatalf("no rule %q", slug)
	}
	return scanFixture(t, fixture, r)
}

// failure is what a scenario asserts about one finding: its subject, its
// severity and the services/jobs whose score it lowers.
type failure struct {
	Subject  string
	Severity string
	Affects  []string
}

// self is a finding on a service or job: it affects that workload only.
func self(subject, severity string) failure {
	return failure{subject, severity, []string{subject}}
}

// failuresOf reduces findings to failures, sorted by subject, severity and
// affects (the finding order within a subject is by ID, which says nothing).
func failuresOf(fs []rules.Finding) []failure {
	var out []failure
	for _, f := range fs {
		var affects []string
		if len(f.Affects) > 0 {
			affects = f.Affects
		}
		out = append(out, failure{f.Subject, f.Severity.String(), affects})
	}
	slices.SortFunc(out, func(a, b failure) int {
		return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(a.Severity, b.Severity),
			slices.Compare(a.Affects, b.Affects))
	})
	return out
}

// Node IDs used by the scenarios.
const (
	orgID    = "//cloudresourcemanager.googleapis.com/organizations/100"
	folderID = "//cloudresourcemanager.googleapis.com/folders/200"
	projA    = "//cloudresourcemanager.googleapis.com/projects/111"
	projB    = "//cloudresourcemanager.googleapis.com/projects/222"
	svcB     = "//run.googleapis.com/projects/proj-b/locations/us-central1/services/"
	jobB     = "//run.googleapis.com/projects/proj-b/locations/us-central1/jobs/"
	bucket   = "//storage.googleapis.com/"
	keyRing  = "//cloudkms.googleapis.com/projects/proj-a/locations/us/keyRings/ring"
	sqlInst  = "//cloudsql.googleapis.com/projects/proj-a/instances/"
	secret   = "//secretmanager.googleapis.com/projects/111/secrets/"
	sched    = "//cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/"
	sub      = "//pubsub.googleapis.com/projects/proj-a/subscriptions/"
	trigger  = "//eventarc.googleapis.com/projects/proj-a/locations/us-central1/triggers/"
	defaultA = "serviceAccount:111-compute@developer.gserviceaccount.com"
)

// saA is the node ID of the service account NAME@proj-a.iam.gserviceaccount.com.
func saA(name string) string { return "serviceAccount:" + name + "@proj-a.iam.gserviceaccount.com" }

// saB is the node ID of the service account NAME@proj-b.iam.gserviceaccount.com.
func saB(name string) string { return "serviceAccount:" + name + "@proj-b.iam.gserviceaccount.com" }

func svcIn(project, name string) string {
	return "//run.googleapis.com/projects/" + project + "/locations/us-central1/services/" + name
}

// scenarios covers every check of rules.All() with at least one firing and
// one non-firing case, on CAI fixtures under testdata (one file per check or
// per tricky case). Where a check reads a Cloud Run field, both shapes
// (Knative v1 and Admin API v2) appear.
var scenarios = []struct {
	name       string
	fixture    string
	slug       string
	wantFail   []failure
	wantPasses []string
}{
	// Runtime identity.
	{
		name: "runtime-default-sa: empty v1 serviceAccountName and absent v2 template.serviceAccount fire", fixture: "runtime-shared-sa.jsonl", slug: "runtime-default-sa",
		wantFail:   []failure{self(svc+"default-v1", "high"), self(svc+"default-v2", "high")},
		wantPasses: []string{job + "batch", svc + "api-v1", svc + "api-v2", svc + "solo"},
	},
	{
		name: "runtime-basic-role: editor via the organization, owner via a folder and a conditional editor fire; an expired grant is not counted", fixture: "runtime-basic-role-inherited.jsonl", slug: "runtime-basic-role",
		wantFail: []failure{
			{saA("cond-editor"), "critical", []string{svc + "svc-cond-editor"}},
			{saA("folder-owner"), "critical", []string{svc + "svc-folder-owner"}},
			{saA("org-editor"), "critical", []string{job + "job-org-editor", svc + "svc-org-editor"}},
		},
		wantPasses: []string{saA("expired-editor")},
	},
	{
		name: "runtime-privileged: token creator and project IAM admin on the project, run.admin via the org and an unknown role fire; object viewer, a basic role, a bucket-level admin and an expired grant pass", fixture: "runtime-privileged.jsonl", slug: "runtime-privileged",
		wantFail: []failure{
			{saA("iam-admin"), "high", []string{svc + "svc-iam-admin"}},
			{saA("org-run-admin"), "high", []string{svc + "svc-org-run-admin"}},
			{saA("token-creator"), "high", []string{svc + "svc-token-creator"}},
			{saA("unknown-role"), "high", []string{svc + "svc-unknown-role"}},
		},
		wantPasses: []string{saA("bucket-admin"), saA("editor"), saA("expired-token"), saA("reader")},
	},
	{
		name: "runtime-shared-sa: one SA behind two services (v1, v2) and a job, and the default SA behind two services fire; a dedicated SA passes", fixture: "runtime-shared-sa.jsonl", slug: "runtime-shared-sa",
		wantFail: []failure{
			{defaultA, "medium", []string{svc + "default-v1", svc + "default-v2"}},
			{saA("shared"), "medium", []string{job + "batch", svc + "api-v1", svc + "api-v2"}},
		},
		wantPasses: []string{saA("solo")},
	},
	{
		name: "runtime-sa-key: an enabled USER_MANAGED key fires; SYSTEM_MANAGED, disabled and expired keys pass; an SA no workload runs as is not considered", fixture: "runtime-sa-key.jsonl", slug: "runtime-sa-key",
		wantFail:   []failure{{saA("keyed"), "high", []string{svc + "svc-keyed"}}},
		wantPasses: []string{saA("disabled-key"), saA("expired-key"), saA("system-key")},
	},
	{
		name: "runtime-unused-permissions: REMOVE_ROLE with pathFilters, with the singular pathFilter, and a 3-of-708 insight fire; a SUCCEEDED recommendation, an accepted insight and another member's recommendation pass", fixture: "runtime-unused-permissions", slug: "runtime-unused-permissions",
		wantFail: []failure{
			{saA("insight"), "medium", []string{job + "job-insight"}},
			{saA("removed"), "medium", []string{svc + "svc-removed"}},
			{saA("replaced"), "medium", []string{svc + "svc-replaced"}},
		},
		wantPasses: []string{saA("clean")},
	},
	{
		name: "runtime-project-scope-grant: secretAccessor on the project (v1 and v2 secret references) and storage on the project fire; Cloud SQL client on the project and a grant on the secret pass", fixture: "runtime-project-scope-grant.jsonl", slug: "runtime-project-scope-grant",
		wantFail: []failure{
			{saA("secrets-v1"), "medium", []string{svc + "svc-secrets-v1"}},
			{saA("secrets-v2"), "medium", []string{job + "job-secrets-v2", svc + "svc-secrets-v2"}},
			{saA("storage"), "medium", []string{svc + "svc-storage"}},
		},
		wantPasses: []string{saA("scoped"), saA("sql-client")},
	},
	// Invokers and ingress.
	{
		name: "invoker-public: public on purpose fires; an expired public grant does not count", fixture: "ingress.jsonl", slug: "invoker-public",
		wantFail: []failure{self(svc+"public-site", "high")},
		wantPasses: []string{job + "batch", svc + "group-app", svc + "human-app", svc + "internal-api", svc + "internal-ok",
			svc + "lb-only", svc + "orphan", svc + "was-public"},
	},
	{
		name: "invoker-iam-disabled: v1 annotation and v2 invokerIamDisabled fire; annotation false and unset pass", fixture: "invoker-iam-disabled.jsonl", slug: "invoker-iam-disabled",
		wantFail:   []failure{self(svc+"off-v1", "high"), self(svc+"off-v2", "high")},
		wantPasses: []string{svc + "on-v1", svc + "on-v2"},
	},
	{
		name: "invoker-broad-scope: an invoker on a folder is one finding reaching the service and the job below it, a domain invoker on a service fires on it, a user holding roles/editor on the project is one finding reaching every service of it; a user on the service, the IAP agent and a project-level service agent do not", fixture: "invoker-broad-scope.jsonl", slug: "invoker-broad-scope",
		wantFail: []failure{
			{folderID, "medium", []string{job + "folder-job", svc + "folder-svc"}},
			{projB, "medium", []string{svcB + "domain-svc", svcB + "iap-svc", svcB + "user-svc"}},
			self(svcB+"domain-svc", "medium"),
		},
	},
	{
		name: "invoker-broad-scope: IAP on the service, invoked by the IAP agent", fixture: "iap-service.jsonl", slug: "invoker-broad-scope",
		wantPasses: []string{svc + "iap-leaky", svc + "iap-v1", svc + "iap-v2"},
	},
	{
		name: "ingress-open-internal: ingress all with only service callers (v1), with none, and with an expired public grant fire; public, human, internal and LB-only pass", fixture: "ingress.jsonl", slug: "ingress-open-internal",
		wantFail:   []failure{self(svc+"internal-api", "medium"), self(svc+"orphan", "medium"), self(svc+"was-public", "medium")},
		wantPasses: []string{svc + "group-app", svc + "human-app", svc + "internal-ok", svc + "lb-only", svc + "public-site"},
	},
	{
		name: "ingress-open-internal: IAP on the service passes", fixture: "iap-service.jsonl", slug: "ingress-open-internal",
		wantPasses: []string{svc + "iap-leaky", svc + "iap-v1", svc + "iap-v2"},
	},
	{
		name: "iap-bypass: IAP on the service (v2 iapEnabled, v1 annotation) passes, with other invokers too: IAP checks every ingress path first", fixture: "iap-service.jsonl", slug: "iap-bypass",
		wantPasses: []string{svc + "iap-leaky", svc + "iap-v1", svc + "iap-v2"},
	},
	{
		name: "iap-extra-invoker: IAP on the service with invokers beside the IAP agent fires (low); invoked by the agent alone passes", fixture: "iap-service.jsonl", slug: "iap-extra-invoker",
		wantFail:   []failure{self(svc+"iap-leaky", "low")},
		wantPasses: []string{svc + "iap-v1", svc + "iap-v2"},
	},
	{
		name: "iap-bypass: IAP load balancer with ingress all and the default URL on fires; internal-and-cloud-load-balancing, default URL off (both shapes) and a plain LB pass", fixture: "iap-load-balancer.jsonl", slug: "iap-bypass",
		wantFail:   []failure{self(svc+"lb-open", "high")},
		wantPasses: []string{svc + "lb-closed", svc + "lb-nourl-v1", svc + "lb-nourl-v2", svc + "plain"},
	},
	{
		name: "human-access-without-iap: a user (v1) and a group (v2) invoker without IAP fire", fixture: "ingress.jsonl", slug: "human-access-without-iap",
		wantFail: []failure{self(svc+"group-app", "medium"), self(svc+"human-app", "medium")},
		wantPasses: []string{svc + "internal-api", svc + "internal-ok", svc + "lb-only", svc + "orphan", svc + "public-site",
			svc + "was-public"},
	},
	{
		name: "human-access-without-iap: IAP on the service passes, even with a user invoker", fixture: "iap-service.jsonl", slug: "human-access-without-iap",
		wantPasses: []string{svc + "iap-leaky", svc + "iap-v1", svc + "iap-v2"},
	},
	{
		name: "human-access-without-iap: a user invoker behind an IAP load balancer passes", fixture: "iap-load-balancer.jsonl", slug: "human-access-without-iap",
		wantPasses: []string{svc + "lb-closed", svc + "lb-nourl-v1", svc + "lb-nourl-v2", svc + "lb-open", svc + "plain"},
	},
	// Network and supply chain.
	{
		name: "egress-not-restricted: private-ranges-only (explicit or default) and no VPC egress fire in both shapes; all-traffic passes", fixture: "egress.jsonl", slug: "egress-not-restricted",
		wantFail: []failure{self(svc+"v1-connector-only", "low"), self(svc+"v1-none", "low"), self(svc+"v1-private", "low"),
			self(svc+"v2-none", "low"), self(svc+"v2-private", "low")},
		wantPasses: []string{job + "job-all", svc + "v1-all", svc + "v1-direct-all", svc + "v2-all"},
	},
	{
		name: "binauthz-not-enforced: none, breakglass, ALWAYS_ALLOW, dry run and no project policy fire; default with an enforced attestation policy and a named policy pass", fixture: "binauthz.jsonl", slug: "binauthz-not-enforced",
		wantFail: []failure{self(svc+"breakglass-v1", "medium"), self(svc+"breakglass-v2", "medium"), self(svc+"none-v1", "medium"),
			self(svc+"none-v2", "medium"), self(svcIn("proj-b", "always-allow-v2"), "medium"), self(svcIn("proj-c", "dryrun-v1"), "medium"),
			self(svcIn("proj-d", "no-policy-v2"), "medium")},
		wantPasses: []string{job + "job-default-v1", svc + "default-v1", svc + "default-v2", svc + "named-v2"},
	},
	{
		name: "image-not-pinned: tags (and a bare name) fire; @sha256 digests pass", fixture: "images.jsonl", slug: "image-not-pinned",
		wantFail: []failure{self(svc+"bare-v2", "low"), self(svc+"dockerhub-v2", "low"), self(svc+"eu-gcr-v1", "low"),
			self(svc+"gcr-v2", "low"), self(svc+"sidecar-v1", "low")},
		wantPasses: []string{job + "job-pinned", svc + "ghcr-v1", svc + "pinned-v1"},
	},
	{
		name: "image-untrusted-registry: docker.io, ghcr.io, a bare name and a Docker Hub sidecar fire; *-docker.pkg.dev, gcr.io and eu.gcr.io pass", fixture: "images.jsonl", slug: "image-untrusted-registry",
		wantFail: []failure{self(svc+"bare-v2", "medium"), self(svc+"dockerhub-v2", "medium"), self(svc+"ghcr-v1", "medium"),
			self(svc+"sidecar-v1", "medium")},
		wantPasses: []string{job + "job-pinned", svc + "eu-gcr-v1", svc + "gcr-v2", svc + "pinned-v1"},
	},
	{
		name: "env-plaintext-secret: literal secret-like values fire (v1, v2 twice, v1 job); secret references and an empty value pass", fixture: "env-plaintext-secret.jsonl", slug: "env-plaintext-secret",
		wantFail: []failure{self(job+"job-literal-v1", "high"), self(svc+"literal-v1", "high"), self(svc+"literal-v2", "high"),
			self(svc+"literal-v2", "high")},
		wantPasses: []string{svc + "empty-v2", svc + "ref-v1", svc + "ref-v2"},
	},
	// Hygiene.
	{
		name: "deleted-principal-binding: deleted members on a service, a project and a service account fire; resources without pass", fixture: "blind-spots.jsonl", slug: "deleted-principal-binding",
		wantFail: []failure{
			{"//cloudresourcemanager.googleapis.com/projects/333", "low", []string{bsSvc + "api", bsSvc + "clean", bsSvc + "portal"}},
			self(bsSvc+"api", "low"),
			{bsApp, "low", []string{bsSvc + "api", bsSvc + "clean", bsSvc + "portal"}},
		},
		wantPasses: []string{"//cloudresourcemanager.googleapis.com/organizations/100", bsSvc + "clean", bsSvc + "portal"},
	},
	// Event sources.
	{
		name: "push-unauthenticated: a push without OIDC fires; pushes with OIDC pass", fixture: "callers.jsonl", slug: "push-unauthenticated",
		wantFail:   []failure{{sub + "push-noauth", "high", []string{svc + "worker"}}},
		wantPasses: []string{sub + "push-dedicated", sub + "push-default"},
	},
	{
		name: "scheduler-unauthenticated: no token (run.app URL and deterministic URL) and an OAuth token to a service fire; OIDC to a service and OAuth to the Run Admin API for a job pass; other hosts are not considered", fixture: "scheduler-unauthenticated.jsonl", slug: "scheduler-unauthenticated",
		wantFail: []failure{
			{sched + "deterministic-url", "high", []string{svc + "report"}},
			{sched + "nightly", "high", []string{svc + "worker"}},
			{sched + "oauth-to-service", "high", []string{svc + "worker"}},
		},
		wantPasses: []string{sched + "hourly", sched + "run-batch"},
	},
	{
		name: "caller-default-sa: an Eventarc trigger, a push subscription and a Scheduler job as the default compute SA fire; dedicated callers pass", fixture: "callers.jsonl", slug: "caller-default-sa",
		wantFail: []failure{
			{sched + "sched-default", "medium", []string{svc + "worker"}},
			{trigger + "on-upload", "medium", []string{svc + "worker"}},
			{sub + "push-default", "medium", []string{svc + "sink"}},
		},
		wantPasses: []string{trigger + "on-upload-dedicated", sub + "push-dedicated"},
	},
	// Impersonation.
	{
		name: "runtime-sa-impersonable: token creator to a user, SA user to a group, SA user via a folder fire; service agents, the SA itself, a viewer and an expired grant pass", fixture: "runtime-sa-impersonable.jsonl", slug: "runtime-sa-impersonable",
		wantFail: []failure{
			{saA("app"), "high", []string{svc + "svc-app"}},
			{saA("deploy-target"), "high", []string{svc + "svc-deploy-target"}},
			{saB("inherited"), "high", []string{svcB + "svc-inherited"}},
		},
		wantPasses: []string{saA("agents-only"), saA("expired-grant")},
	},
	{
		name: "sa-user-project-level: SA user on a folder and token creator on a project fire, affecting the workloads whose SA lives below; a service agent and an expired grant do not", fixture: "sa-user-project-level.jsonl", slug: "sa-user-project-level",
		wantFail: []failure{
			{folderID, "high", []string{svc + "a-v1", svc + "default-v2", svcB + "cross"}},
			{projB, "high", []string{svcB + "b-v2"}},
		},
		wantPasses: []string{orgID, projA},
	},
	// Backing resources.
	{
		name: "bucket-public: allUsers on a bucket a service mounts fires; a conditional public grant and private buckets pass", fixture: "buckets.jsonl", slug: "bucket-public",
		wantFail:   []failure{{bucket + "public-assets", "high", []string{svc + "web"}}},
		wantPasses: []string{bucket + "cond-public", bucket + "legacy-acl", bucket + "old-bpo", bucket + "private"},
	},
	{
		name: "bucket-acl-mode: fine-grained fires, affecting who names it and whose SA holds a role on it; uniformBucketLevelAccess and the legacy bucketPolicyOnly pass", fixture: "buckets.jsonl", slug: "bucket-acl-mode",
		wantFail:   []failure{{bucket + "legacy-acl", "low", []string{job + "etl", svc + "reports"}}},
		wantPasses: []string{bucket + "cond-public", bucket + "old-bpo", bucket + "private", bucket + "public-assets"},
	},
	{
		name: "legacy-storage-role: a legacy role to a user fires; the default projectOwner/Editor/Viewer bindings do not", fixture: "buckets.jsonl", slug: "legacy-storage-role",
		wantFail:   []failure{{bucket + "legacy-acl", "low", []string{job + "etl", svc + "reports"}}},
		wantPasses: []string{bucket + "cond-public", bucket + "old-bpo", bucket + "private", bucket + "public-assets"},
	},
	{
		name: "kms-broad-scope: encrypterDecrypter and a custom encrypt role on a key ring and decrypter on a project fire; on the key, to a service agent, kms admin and a custom viewer role do not", fixture: "kms-broad-scope.jsonl", slug: "kms-broad-scope",
		wantFail: []failure{
			{keyRing, "low", []string{svc + "app-svc"}},
			{keyRing, "low", []string{svc + "encrypter-svc"}},
			{projA, "low", nil},
		},
		wantPasses: []string{keyRing + "/cryptoKeys/data", keyRing + "/cryptoKeys/other"},
	},
	{
		name: "sql-open-network: 0.0.0.0/0 and ::/0 fire; a /32 passes", fixture: "sql-open-network.jsonl", slug: "sql-open-network",
		wantFail:   []failure{{sqlInst + "open", "high", []string{svc + "api-v1"}}, {sqlInst + "open-v6", "high", nil}},
		wantPasses: []string{sqlInst + "closed"},
	},
}

func TestCheckScenarios(t *testing.T) {
	for _, tc := range scenarios {
		t.Run(tc.name, func(t *testing.T) {
			fs, ps := runScenario(t, tc.fixture, tc.slug)
			if diff := gocmp.Diff(tc.wantFail, failuresOf(fs)); diff != "" {
				t.Errorf("%s on %s: findings (-want +got):\n%s", tc.slug, tc.fixture, diff)
			}
			if diff := gocmp.Diff(tc.wantPasses, passes(ps)); diff != "" {
				t.Errorf("%s on %s: passes (-want +got):\n%s", tc.slug, tc.fixture, diff)
			}
		})
	}
}

// TestScenarioCoverage checks that every rule of the catalog has a firing
// and a non-firing scenario.
func TestScenarioCoverage(t *testing.T) {
	fires, passing := map[string]bool{}, map[string]bool{}
	for _, tc := range scenarios {
		fires[tc.slug] = fires[tc.slug] || len(tc.wantFail) > 0
		passing[tc.slug] = passing[tc.slug] || len(tc.wantPasses) > 0
	}
	for _, r := range rules.All() {
		if !fires[r.Slug] {
			t.Errorf("%s has no scenario where it fires", r.Slug)
		}
		if !passing[r.Slug] {
			t.Errorf("%s has no scenario where it passes", r.Slug)
		}
	}
}

// TestScenarioEvidence checks what a reviewer sees on one finding: the
// bindings (with the ancestor they come from and their condition), fields
// and notes.
func TestScenarioEvidence(t *testing.T) {
	editor, ok := iam.MustPredefined().Lookup("roles/editor")
	if !ok {
		t.Fatal("roles/editor is not in the catalog")
	}
	tests := []struct {
		name    string
		fixture string
		slug    string
		subject string
		want    rules.Evidence
	}{
		{
			name: "basic role inherited from the organization", fixture: "runtime-basic-role-inherited.jsonl", slug: "runtime-basic-role", subject: saA("org-editor"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: saA("org-editor"), Via: orgID}},
				Note: "runtime identity of 2 workloads"},
		},
		{
			name: "basic role inherited from a folder", fixture: "runtime-basic-role-inherited.jsonl", slug: "runtime-basic-role", subject: saA("folder-owner"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/owner", Member: saA("folder-owner"), Via: folderID}},
				Note: "runtime identity of 1 workload"},
		},
		{
			name: "conditional basic role shows its condition", fixture: "runtime-basic-role-inherited.jsonl", slug: "runtime-basic-role", subject: saA("cond-editor"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: saA("cond-editor"), Via: projA,
				Condition: `request.time < timestamp("2030-01-01T00:00:00Z")`}}, Note: "runtime identity of 1 workload"},
		},
		{
			name: "unknown role is reported as unknown", fixture: "runtime-privileged.jsonl", slug: "runtime-privileged", subject: saA("unknown-role"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/made.up.role", Member: saA("unknown-role"), Via: projA}},
				Note: "role roles/made.up.role is unknown: its permissions cannot be checked, so it is not assumed harmless"},
		},
		{
			name: "project-level secretAccessor names the secret the v1 service references", fixture: "runtime-project-scope-grant.jsonl", slug: "runtime-project-scope-grant", subject: saA("secrets-v1"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/secretmanager.secretAccessor", Member: saA("secrets-v1"), Via: projA}},
				Fields: []rules.FieldEvidence{{Field: "grant on instead", Value: secret + "db-pass"}}},
		},
		{
			name: "project-level secretAccessor names the secret a v2 service and job share, once", fixture: "runtime-project-scope-grant.jsonl", slug: "runtime-project-scope-grant", subject: saA("secrets-v2"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/secretmanager.secretAccessor", Member: saA("secrets-v2"), Via: projA}},
				Fields: []rules.FieldEvidence{{Field: "grant on instead", Value: secret + "api-key"}}},
		},
		{
			name: "project-level storage role with no bucket referenced says so", fixture: "runtime-project-scope-grant.jsonl", slug: "runtime-project-scope-grant", subject: saA("storage"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/storage.objectAdmin", Member: saA("storage"), Via: projA}},
				Note: "no storage resource is referenced by the workload's configuration; the grant may be unused or reach resources named at run time"},
		},
		{
			name: "only the enabled user-managed key is listed", fixture: "runtime-sa-key.jsonl", slug: "runtime-sa-key", subject: saA("keyed"),
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "key //iam.googleapis.com/projects/proj-a/serviceAccounts/1401/keys/k1user",
				Value: "USER_MANAGED, valid until 9999-12-31T23:59:59Z"}}},
		},
		{
			name: "REMOVE_ROLE recommendation read from pathFilters", fixture: "runtime-unused-permissions", slug: "runtime-unused-permissions", subject: saA("removed"),
			want: rules.Evidence{
				Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: saA("removed"), Via: "//cloudresourcemanager.googleapis.com/projects/proj-a"}},
				Fields:   []rules.FieldEvidence{{Field: "recommendation", Value: "REMOVE_ROLE: This role has not been used during the observation window."}},
				Note:     fmt.Sprintf("would revoke %d permissions", len(editor.Permissions)),
			},
		},
		{
			name: "REMOVE_ROLE recommendation read from the singular pathFilter", fixture: "runtime-unused-permissions", slug: "runtime-unused-permissions", subject: saA("replaced"),
			want: rules.Evidence{
				Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: saA("replaced"), Via: "//cloudresourcemanager.googleapis.com/projects/proj-a"}},
				Fields:   []rules.FieldEvidence{{Field: "recommendation", Value: "REMOVE_ROLE: This role has not been used during the observation window."}},
				Note:     fmt.Sprintf("would revoke %d permissions", len(editor.Permissions)),
			},
		},
		{
			name: "policy insight counts exercised permissions against the string total", fixture: "runtime-unused-permissions", slug: "runtime-unused-permissions", subject: saA("insight"),
			want: rules.Evidence{
				Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: saA("insight"), Via: projA}},
				Fields:   []rules.FieldEvidence{{Field: "insight", Value: "3 of the permissions in this role binding were used in the past 90 days."}},
				Note:     "3 of 708 permissions used in the observation period",
			},
		},
		{
			name: "invoker on a folder names the folder and what it reaches", fixture: "invoker-broad-scope.jsonl", slug: "invoker-broad-scope", subject: folderID,
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/run.invoker", Member: "group:eng@example.com", Via: folderID}},
				Note: "granted on " + folderID + ", so it reaches every service below it (2 services and jobs today)"},
		},
		{
			name: "domain invoker", fixture: "invoker-broad-scope.jsonl", slug: "invoker-broad-scope", subject: svcB + "domain-svc",
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/run.invoker", Member: "domain:example.com", Via: svcB + "domain-svc"}},
				Note: "granted to everyone in a domain"},
		},
		{
			name: "IAP on the service lists the invokers other than the IAP agent", fixture: "iap-service.jsonl", slug: "iap-extra-invoker", subject: svc + "iap-leaky",
			want: rules.Evidence{Bindings: []rules.BindingEvidence{
				{Role: "roles/run.invoker", Member: saA("ci"), Via: svc + "iap-leaky"},
				{Role: "roles/run.invoker", Member: "user:dev@example.com", Via: svc + "iap-leaky"},
			}, Note: "unused while IAP is on the service (IAP checks every request, then calls the service as its own agent); live again if IAP is turned off"},
		},
		{
			name: "a basic role on the project names the role and where it is granted", fixture: "invoker-broad-scope.jsonl", slug: "invoker-broad-scope", subject: projB,
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/editor", Member: "user:owner@example.com", Via: "//cloudresourcemanager.googleapis.com/projects/222"}},
				Note: "roles/editor includes run.routes.invoke; granted on //cloudresourcemanager.googleapis.com/projects/222, so it reaches every service below it (3 services and jobs today)"},
		},
		{
			name: "IAP load balancer bypassed through the default URL", fixture: "iap-load-balancer.jsonl", slug: "iap-bypass", subject: svc + "lb-open",
			want: rules.Evidence{Fields: []rules.FieldEvidence{
				{Field: "IAP load balancer backend", Value: "//compute.googleapis.com/projects/proj-a/global/backendServices/iap-bs"},
				{Field: "ingress", Value: "all"},
				{Field: "defaultUriDisabled", Value: "false"},
			}, Note: "the run.app URL reaches the service directly, around IAP"},
		},
		{
			name: "Scheduler with only an OAuth token to a service URL", fixture: "scheduler-unauthenticated.jsonl", slug: "scheduler-unauthenticated", subject: sched + "oauth-to-service",
			want: rules.Evidence{Fields: []rules.FieldEvidence{
				{Field: "httpTarget.uri", Value: "https://worker-xyz789-uc.a.run.app/run"},
				{Field: "httpTarget.oidcToken", Value: "(not set)"},
				{Field: "httpTarget.oauthToken", Value: "set (an OAuth access token authenticates to Google APIs only; a service URL needs an OIDC token)"},
			}},
		},
		{
			name: "SA user inherited from a folder", fixture: "runtime-sa-impersonable.jsonl", slug: "runtime-sa-impersonable", subject: saB("inherited"),
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/iam.serviceAccountUser", Member: "user:ops@example.com", Via: folderID}},
				Note: "1 binding let others act as this runtime identity"},
		},
		{
			name: "v1 egress field", fixture: "egress.jsonl", slug: "egress-not-restricted", subject: svc + "v1-private",
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "spec.template.metadata.annotations[run.googleapis.com/vpc-access-egress]",
				Value: "private-ranges-only (only private ranges go through the VPC; the rest bypasses its firewall)"}}},
		},
		{
			name: "v2 egress field", fixture: "egress.jsonl", slug: "egress-not-restricted", subject: svc + "v2-none",
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "template.vpcAccess.egress",
				Value: "(no VPC egress: traffic leaves through Google's internet path)"}}},
		},
		{
			name: "v1 breakglass", fixture: "binauthz.jsonl", slug: "binauthz-not-enforced", subject: svc + "breakglass-v1",
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "metadata.annotations[run.googleapis.com/binary-authorization-breakglass]", Value: "incident-4711"}}},
		},
		{
			name: "project policy in dry run", fixture: "binauthz.jsonl", slug: "binauthz-not-enforced", subject: svcIn("proj-c", "dryrun-v1"),
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "policy defaultAdmissionRule.enforcementMode", Value: "DRYRUN_AUDIT_LOG_ONLY"}}},
		},
		{
			name: "project policy allows all", fixture: "binauthz.jsonl", slug: "binauthz-not-enforced", subject: svcIn("proj-b", "always-allow-v2"),
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "policy defaultAdmissionRule.evaluationMode", Value: "ALWAYS_ALLOW"}}},
		},
		{
			name: "legacy role to a user", fixture: "buckets.jsonl", slug: "legacy-storage-role", subject: bucket + "legacy-acl",
			want: rules.Evidence{Bindings: []rules.BindingEvidence{{Role: "roles/storage.legacyObjectReader", Member: "user:bob@example.com", Via: bucket + "legacy-acl"}}},
		},
		{
			name: "open SQL network names the entry", fixture: "sql-open-network.jsonl", slug: "sql-open-network", subject: sqlInst + "open",
			want: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "settings.ipConfiguration.authorizedNetworks", Value: "0.0.0.0/0 (anywhere)"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, _ := runScenario(t, tc.fixture, tc.slug)
			var got []rules.Evidence
			for _, f := range fs {
				if f.Subject == tc.subject {
					got = append(got, f.Evidence)
				}
			}
			if len(got) == 0 {
				t.Fatalf("%s on %s: no finding on %s", tc.slug, tc.fixture, tc.subject)
			}
			// A subject may have several findings (one per binding): one
			// of them has the evidence wanted.
			var diffs []string
			for _, ev := range got {
				diff := gocmp.Diff(tc.want, ev, cmpopts.IgnoreFields(rules.Evidence{}, "Path"))
				if diff == "" {
					return
				}
				diffs = append(diffs, diff)
			}
			t.Errorf("%s on %s: no finding on %s has the evidence wanted (-want +got):\n%s", tc.slug, tc.fixture, tc.subject, strings.Join(diffs, "\n"))
		})
	}
}

// TestSecretValuesNeverShown runs the whole catalog on services with literal
// secret values and checks that no value appears in the findings or passes.
func TestSecretValuesNeverShown(t *testing.T) {
	fs, ps := scanFixture(t, "env-plaintext-secret.jsonl", rules.All()...)
	out, err := json.Marshal(struct {
		Findings []rules.Finding
		Passes   []rules.PassRecord
	}{fs, ps})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v1-literal-hunter2", "v2-literal-sk-live-0123", "v2-literal-ghp-4567", "v1-job-literal-BEGIN-KEY", "hunter2", "sk-live"} {
		if strings.Contains(string(out), v) {
			t.Errorf("findings contain the literal value %q", v)
		}
	}
	// The names are shown, so a reviewer knows what to move.
	var names []string
	for _, f := range fs {
		if f.Check != "env-plaintext-secret" {
			continue
		}
		for _, fe := range f.Evidence.Fields {
			names = append(names, fe.Field+" = "+fe.Value)
		}
	}
	slices.Sort(names)
	want := []string{
		"env API_KEY = (literal value set; not shown): the name contains KEY and the value is a literal",
		"env DB_PASSWORD = (literal value set; not shown): the name contains PASSWORD and the value is a literal",
		"env GITHUB_TOKEN = (literal value set; not shown): the name contains TOKEN and the value is a literal",
		"env PRIVATE_KEY = (literal value set; not shown): the name contains KEY and the value is a literal",
	}
	if diff := gocmp.Diff(want, names); diff != "" {
		t.Errorf("env-plaintext-secret evidence (-want +got):\n%s", diff)
	}
}

// TestEnvSecretsRealistic runs env-plaintext-secret on one service with the
// env vars real apps set: secret-like names with literal values and values
// that are secrets by their form fire; references resolved at run time,
// placeholders, paths, IDs and names that only describe a secret do not.
// No value appears in the output.
func TestEnvSecretsRealistic(t *testing.T) {
	fs, _ := scanFixture(t, "env-secrets-realistic.jsonl", rules.All()...)
	var got []string
	for _, f := range fs {
		if f.Check != "env-plaintext-secret" {
			continue
		}
		for _, fe := range f.Evidence.Fields {
			got = append(got, strings.TrimPrefix(fe.Field, "env "))
		}
	}
	slices.Sort(got)
	want := []string{
		"ACCESS_KEY", "APIKEY", "API_KEY", "APP_CREDENTIALS", "DATABASE_URL", "DB_PASS", "ENCRYPTION_KEY",
		"GOOGLE_APPLICATION_CREDENTIALS_JSON", "KEYSTORE_PASSPHRASE", "MAPS", "MYSQL_PWD", "OAUTH_CLIENT_SECRET",
		"PRIVATE_KEY", "SENTRY_AUTH_TOKEN", "SIGNING_KEY", "SLACK_HOOK_CONFIG", "SMTP_PASSWD", "STRIPE", "TLS",
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("env vars reported (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"k9T2mQ7x", "Wq8!vx2Lr", "sk_live_4eC39", "AIzaSyDd", "xoxb-1234", "MIIEvQ", "MHcCAQ", "tr0ub4dor", "correct-horse", "GOCSPX"} {
		if strings.Contains(string(out), v) {
			t.Errorf("findings contain the literal value %q", v)
		}
	}
	// Why each matched is said, by name or by form.
	for _, f := range fs {
		for _, fe := range f.Evidence.Fields {
			switch fe.Field {
			case "env STRIPE":
				if !strings.Contains(fe.Value, "gitleaks rule stripe-access-token") {
					t.Errorf("env STRIPE evidence %q does not name the detector rule", fe.Value)
				}
			case "env DATABASE_URL":
				if !strings.Contains(fe.Value, "URL with a password") {
					t.Errorf("env DATABASE_URL evidence %q does not say the URL holds a password", fe.Value)
				}
			case "env TLS":
				if !strings.Contains(fe.Value, "private key") {
					t.Errorf("env TLS evidence %q does not say it is a private key", fe.Value)
				}
			}
		}
	}
}
