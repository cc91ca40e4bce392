package tfplan_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/tfplan"
)

func readPlan(t *testing.T, path string) *tfplan.Plan {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := tfplan.Read(filepath.Base(path), f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func scanPlan(t *testing.T, p *tfplan.Plan, base *inventory.Inventory) *scan.Report {
	t.Helper()
	inv, err := p.Layer(base)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := iam.Predefined()
	if err != nil {
		t.Fatal(err)
	}
	return scan.Run(inv, roles, rules.All(), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), nil)
}

// found lists findings as "check address" (the first address, or the
// subject when none).
func found(rep *scan.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		where := f.Subject
		if len(f.Addresses) > 0 {
			where = f.Addresses[0]
		}
		out = append(out, f.Check+" "+where)
	}
	return out
}

// TestShopPlan scans a plan of a small shop written in the format of
// Terraform 1.9's terraform show -json: the same problems an inventory of
// the applied configuration shows, on the resource addresses that declare
// them, and nothing claimed from values known only after apply.
func TestShopPlan(t *testing.T) {
	p := readPlan(t, "testdata/shop.plan.json")
	rep := scanPlan(t, p, nil)
	got := found(rep)
	for _, want := range []string{
		"runtime-basic-role google_service_account.api",               // editor via a planned member of a planned account
		"invoker-public google_cloud_run_v2_service.api",              // allUsers through an _iam_member
		"bucket-public google_storage_bucket.uploads",                 // allUsers on a planned bucket
		"push-unauthenticated google_pubsub_subscription.orders_push", // endpoint is the worker's URL, unknown until apply
		"runtime-default-sa google_cloud_run_v2_service.worker",       // no service_account in the configuration
		"image-not-pinned google_cloud_run_v2_service.api",            // a tag
		"binauthz-not-enforced google_cloud_run_v2_service.api",       // no binary_authorization block
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing finding %q; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, bad := range []string{
		// render's image and batch's identity are known only after apply.
		"image-not-pinned google_cloud_run_v2_service.render",
		"image-untrusted-registry google_cloud_run_v2_service.render",
		"runtime-default-sa google_cloud_run_v2_job.batch",
		// api's identity is the planned account, resolved from the reference.
		"runtime-default-sa google_cloud_run_v2_service.api",
		// the worker's image is pinned by digest, and it uses Binary Authorization.
		"image-not-pinned google_cloud_run_v2_service.worker",
		// the Scheduler job calls with an OIDC token.
		"scheduler-unauthenticated google_cloud_scheduler_job.nightly",
	} {
		if slices.Contains(got, bad) {
			t.Errorf("finding %q claimed; got:\n%s", bad, strings.Join(got, "\n"))
		}
	}
	// The grant is named too: where the public invoker is declared.
	for _, f := range rep.Findings {
		if f.Check == "invoker-public" && !slices.Contains(f.Addresses, "google_cloud_run_v2_service_iam_member.public") {
			t.Errorf("invoker-public addresses = %v, want the _iam_member too", f.Addresses)
		}
	}
	// What stays unknown is said, with the resource and attribute.
	var unknown []string
	for _, pr := range rep.Problems {
		if pr.Kind == inventory.ProblemUnknown {
			unknown = append(unknown, pr.Msg)
		}
	}
	for _, want := range []string{
		"google_cloud_run_v2_service.render: template.0.containers.0.image is known only after apply",
		"google_cloud_run_v2_job.batch: template.0.template.0.service_account is known only after apply",
	} {
		if !slices.ContainsFunc(unknown, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no problem %q; unknown-until-apply problems: %q", want, unknown)
		}
	}
	if len(unknown) != 2 {
		t.Errorf("unknown-until-apply problems = %q, want 2", unknown)
	}
	// The resolved values reach the graph: the push subscription meets the
	// worker, the Scheduler job calls it as the api identity.
	worker := "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/shop-worker"
	var callers []string
	for _, e := range rep.Graph.In(worker) {
		callers = append(callers, e.From)
	}
	for _, want := range []string{
		"//pubsub.googleapis.com/projects/shop-prod/subscriptions/orders-push",
		"//cloudscheduler.googleapis.com/projects/shop-prod/locations/europe-west1/jobs/nightly-report",
	} {
		if !slices.Contains(callers, want) {
			t.Errorf("%s does not reach the worker; callers: %q", want, callers)
		}
	}
	if p.Skipped["google_compute_network"] != 1 {
		t.Errorf("skipped = %v, want the network counted", p.Skipped)
	}
}

// TestRealPlans scans plans published by Google with
// terraform-google-conversion (testdata/real/README.md has their
// provenance): a google_cloud_run_service with no service account, an
// untagged image and no metadata in the configuration, with IAM as a
// member, a binding and a whole policy.
func TestRealPlans(t *testing.T) {
	const svc = "google_cloud_run_service.default"
	tests := []struct {
		file      string
		want      []string
		grant     string // the address that declares the grant to jane
		wantRoles string
	}{
		{"tgc-cloud-run-service-iam-member.json", []string{"runtime-default-sa " + svc, "image-not-pinned " + svc, "ingress-open-internal " + svc},
			"google_cloud_run_service_iam_member.member", "roles/viewer"},
		{"tgc-cloud-run-service-iam-binding.json", []string{"runtime-default-sa " + svc, "image-not-pinned " + svc},
			"google_cloud_run_service_iam_binding.binding", "roles/viewer"},
		{"tgc-cloud-run-service-iam-policy.json", []string{"runtime-default-sa " + svc, "human-access-without-iap " + svc},
			"google_cloud_run_service_iam_policy.policy", "roles/editor"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := readPlan(t, filepath.Join("testdata/real", tt.file))
			rep := scanPlan(t, p, nil)
			got := found(rep)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q; got %q", w, got)
				}
			}
			inv := rep.Inventory
			name := "//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/cloudrun-srv"
			if a := inv.Address(name, tt.wantRoles, "user:jane@example.com"); a != tt.grant {
				t.Errorf("grant declared by %q, want %q", a, tt.grant)
			}
			var pol *iam.Policy
			for _, a := range inv.Assets {
				if a.Name == name {
					pol = a.IAMPolicy
				}
			}
			if pol == nil || len(pol.Bindings) != 1 || pol.Bindings[0].Role != tt.wantRoles || !slices.Equal(pol.Bindings[0].Members, []string{"user:jane@example.com"}) {
				t.Errorf("policy of the service = %+v, want %s to jane", pol, tt.wantRoles)
			}
		})
	}
	t.Run("push subscription to another host", func(t *testing.T) {
		p := readPlan(t, "testdata/real/tgc-pubsub-subscription-push.json")
		rep := scanPlan(t, p, nil)
		if len(rep.Findings) != 0 {
			t.Errorf("findings on a plan with no Cloud Run service: %q", found(rep))
		}
		var subs []string
		for _, a := range rep.Inventory.Assets {
			if a.Type == inventory.TypeSubscription {
				var s inventory.Subscription
				if err := a.Decode(&s); err != nil {
					t.Fatal(err)
				}
				ep := ""
				if s.PushConfig != nil {
					ep = s.PushConfig.PushEndpoint
				}
				subs = append(subs, a.Name+" "+ep)
			}
		}
		want := []string{
			"//pubsub.googleapis.com/projects/{{.Provider.project}}/subscriptions/example-subscription-pull ",
			"//pubsub.googleapis.com/projects/{{.Provider.project}}/subscriptions/example-subscription-push-test https://example.com/push",
		}
		if !slices.Equal(subs, want) {
			t.Errorf("subscriptions = %q, want %q", subs, want)
		}
	})
}

// base is an export of what exists: the project with its number, the
// worker already serving with two invokers, the project's viewer.
const base = `{"name":"//cloudresourcemanager.googleapis.com/projects/123","asset_type":"cloudresourcemanager.googleapis.com/Project","resource":{"version":"v1","data":{"projectId":"shop-prod","projectNumber":"123","lifecycleState":"ACTIVE"}},"ancestors":["projects/123"]}
{"name":"//cloudresourcemanager.googleapis.com/projects/123","asset_type":"cloudresourcemanager.googleapis.com/Project","iam_policy":{"bindings":[{"role":"roles/viewer","members":["user:boss@example.com"]}]},"ancestors":["projects/123"]}
{"name":"//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/shop-worker","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","data":{"name":"projects/shop-prod/locations/europe-west1/services/shop-worker","ingress":"INGRESS_TRAFFIC_ALL","template":{"serviceAccount":"old@shop-prod.iam.gserviceaccount.com","containers":[{"image":"gcr.io/shop-prod/worker:old"}]}}},"ancestors":["projects/123"]}
{"name":"//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/shop-worker","asset_type":"run.googleapis.com/Service","iam_policy":{"bindings":[{"role":"roles/run.invoker","members":["user:tester@example.com","group:ops@example.com"]}]},"ancestors":["projects/123"]}
{"name":"//iam.googleapis.com/projects/shop-prod/serviceAccounts/1111","asset_type":"iam.googleapis.com/ServiceAccount","resource":{"version":"v1","data":{"email":"shop-api@shop-prod.iam.gserviceaccount.com","uniqueId":"1111","projectId":"shop-prod"}},"ancestors":["projects/123"]}
`

// TestLayerOverInventory lays the plan over an export: grants are applied
// the way Terraform applies them, destroyed ones are taken out, and the
// plan's names meet the export's (project numbers, service account IDs).
func TestLayerOverInventory(t *testing.T) {
	rd := inventory.NewReader()
	if err := rd.Read("base.jsonl", strings.NewReader(base)); err != nil {
		t.Fatal(err)
	}
	p := readPlan(t, "testdata/shop.plan.json")
	inv, err := p.Layer(rd.Inventory())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*inventory.Asset{}
	for _, a := range inv.Assets {
		if byName[a.Name] != nil {
			t.Errorf("asset %s twice", a.Name)
		}
		byName[a.Name] = a
	}
	members := func(name, role string) []string {
		a := byName[name]
		if a == nil || a.IAMPolicy == nil {
			return nil
		}
		var out []string
		for _, b := range a.IAMPolicy.Bindings {
			if b.Role == role {
				out = append(out, b.Members...)
			}
		}
		slices.Sort(out)
		return out
	}
	proj := "//cloudresourcemanager.googleapis.com/projects/123"
	if got := members(proj, "roles/viewer"); !slices.Equal(got, []string{"user:boss@example.com"}) {
		t.Errorf("project viewers = %q: an _iam_member must keep what exists", got)
	}
	if got := members(proj, "roles/editor"); !slices.Equal(got, []string{"serviceAccount:shop-api@shop-prod.iam.gserviceaccount.com"}) {
		t.Errorf("project editors = %q", got)
	}
	if byName["//cloudresourcemanager.googleapis.com/projects/shop-prod"] != nil {
		t.Error("the plan's project by ID is a second project: it must meet the export's by number")
	}
	worker := "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/shop-worker"
	if got := members(worker, "roles/run.invoker"); !slices.Equal(got, []string{"group:ops@example.com"}) {
		t.Errorf("worker invokers = %q, want the destroyed tester gone and ops kept", got)
	}
	w, err := inventory.DecodeWorkload(byName[worker])
	if err != nil {
		t.Fatal(err)
	}
	if w.ServiceAccount != "" || w.Containers[0].Image == "gcr.io/shop-prod/worker:old" {
		t.Errorf("worker = %q %q: the planned configuration must replace the existing one", w.ServiceAccount, w.Containers[0].Image)
	}
	if byName["//iam.googleapis.com/projects/shop-prod/serviceAccounts/shop-api@shop-prod.iam.gserviceaccount.com"] != nil {
		t.Error("the planned account by email is a second account: it must meet the export's by unique ID")
	}
	if a := inv.Address(proj, "roles/editor", "serviceAccount:shop-api@shop-prod.iam.gserviceaccount.com"); a != "google_project_iam_member.api_editor" {
		t.Errorf("editor grant declared by %q", a)
	}
	if a := inv.Address(proj, "roles/viewer", "user:boss@example.com"); a != "" {
		t.Errorf("an existing grant is declared by %q: the plan does not manage it", a)
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"binary plan", "tfplan\x00\x01PK", "not JSON"},
		{"state", `{"format_version":"1.0","terraform_version":"1.9.8","values":{"root_module":{}}}`, "it is a state"},
		{"CAI export", `[{"name":"//run.googleapis.com/projects/p/locations/r/services/s","asset_type":"run.googleapis.com/Service"}]`, "not a Terraform plan"},
		{"other JSON", `{"kind":"List"}`, "has no format_version"},
		{"unsupported format", `{"format_version":"9.0","resource_changes":[]}`, "unsupported plan format version"},
		{"policy_data", `{"format_version":"1.2","resource_changes":[{"address":"google_project_iam_policy.p","mode":"managed","type":"google_project_iam_policy","name":"p","change":{"actions":["create"],"after":{"project":"p","policy_data":"{not json"}}}]}`,
			"google_project_iam_policy.p: policy_data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tfplan.Read("in.json", strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "in.json") {
				t.Errorf("error = %v, want one naming in.json and saying %q", err, tt.want)
			}
			if tt.name == "other JSON" && !errors.Is(err, tfplan.ErrNotPlan) {
				t.Errorf("error %v is not ErrNotPlan", err)
			}
		})
	}
}

// TestEnvValuesRedacted: a plan's env values go through the same reader as
// an export's, so a literal secret is never kept.
func TestEnvValuesRedacted(t *testing.T) {
	const plan = `{"format_version":"1.2","resource_changes":[{"address":"google_cloud_run_v2_service.s","mode":"managed","type":"google_cloud_run_v2_service","name":"s",
"change":{"actions":["create"],"after":{"name":"s","location":"r","project":"p","template":[{"service_account":"a@p.iam.gserviceaccount.com","containers":[{"image":"gcr.io/p/i@sha256:00","env":[{"name":"DB_PASSWORD","value":"hunter2-very-secret"}]}]}]}}}]}`
	p, err := tfplan.Read("p.json", strings.NewReader(plan))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := p.Layer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range inv.Assets {
		if strings.Contains(string(a.Data), "hunter2") {
			t.Fatalf("the env value is kept: %s", a.Data)
		}
	}
	rep := scanPlan(t, p, nil)
	if !slices.Contains(found(rep), "env-plaintext-secret google_cloud_run_v2_service.s") {
		t.Errorf("findings = %q, want env-plaintext-secret", found(rep))
	}
}

func TestSources(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "modules", "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"main.tf":             "resource \"google_service_account\" \"api\" {\n  account_id = \"shop-api\"\n}\n\nresource \"google_cloud_run_v2_service\" \"api\" {\n  name = \"shop-api\"\n}\n",
		"broken.tf":           "resource {{{",
		"modules/run/main.tf": "\n\nresource \"google_cloud_run_v2_service\" \"svc\" {\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const plan = `{"format_version":"1.2","resource_changes":[],"configuration":{"root_module":{"module_calls":{"app":{"source":"./modules/run","module":{}},"reg":{"source":"terraform-google-modules/x/google","module":{}}}}}}`
	p, err := tfplan.Read("p.json", strings.NewReader(plan))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Sources(dir)
	tests := []struct {
		addr string
		file string
		line int
	}{
		{"google_cloud_run_v2_service.api", "main.tf", 5},
		{"google_service_account.api", "main.tf", 1},
		{"module.app.google_cloud_run_v2_service.svc", "modules/run/main.tf", 3},
		{"module.app[0].google_cloud_run_v2_service.svc[\"a\"]", "modules/run/main.tf", 3},
		{"module.reg.google_cloud_run_v2_service.svc", "", 0},
		{"google_pubsub_topic.none", "", 0},
	}
	for _, tt := range tests {
		file, line, ok := s.Find(tt.addr)
		want := ""
		if tt.file != "" {
			want = filepath.Join(dir, tt.file)
		}
		if file != want || line != tt.line || ok != (tt.file != "") {
			t.Errorf("Find(%s) = %q, %d, %v; want %q, %d", tt.addr, file, line, ok, want, tt.line)
		}
	}
}

// TestPlatformPlan: a plan with a module instantiated with for_each, a v1
// service with its annotations, Eventarc, a Binary Authorization policy, a
// custom role, KMS, a folder binding and members known only after apply.
func TestPlatformPlan(t *testing.T) {
	p := readPlan(t, "testdata/platform.plan.json")
	rep := scanPlan(t, p, nil)
	got := found(rep)
	const billing = `module.svc["billing"].google_cloud_run_v2_service.this`
	for _, want := range []string{
		"runtime-privileged google_project_iam_member.legacy_deployer", // a custom role with actAs and run.services.update
		"image-untrusted-registry google_cloud_run_service.legacy",     // Docker Hub
		"image-not-pinned google_cloud_run_service.legacy",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, bad := range []string{
		"binauthz-not-enforced " + billing,                      // the project's policy enforces attestations
		"binauthz-not-enforced google_cloud_run_service.legacy", // its annotation uses that policy
		"ingress-open-internal google_cloud_run_service.legacy", // internal by annotation
		"runtime-default-sa " + billing,
		"image-not-pinned " + billing,
		"egress-not-restricted " + billing, // all traffic through the VPC
	} {
		if slices.Contains(got, bad) {
			t.Errorf("finding %q claimed; got:\n%s", bad, strings.Join(got, "\n"))
		}
	}
	inv := rep.Inventory
	svc := "//run.googleapis.com/projects/plat-prod/locations/us-central1/services/billing"
	caller := "serviceAccount:billing-caller@plat-prod.iam.gserviceaccount.com"
	if a := inv.Address(svc, "", ""); a != billing {
		t.Errorf("billing declared by %q, want %q", a, billing)
	}
	if a := inv.Address(svc, "roles/run.invoker", caller); a != `module.svc["billing"].google_cloud_run_v2_service_iam_binding.invokers` {
		t.Errorf("invoker declared by %q", a)
	}
	key := "//cloudkms.googleapis.com/projects/plat-prod/locations/us-central1/keyRings/apps/cryptoKeys/billing"
	if a := inv.Address(key, "roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:billing@plat-prod.iam.gserviceaccount.com"); a != "google_kms_crypto_key_iam_member.billing_key" {
		t.Errorf("key grant declared by %q (the key's id is resolved through its planned key ring)", a)
	}
	if a := inv.Address("//cloudresourcemanager.googleapis.com/folders/4242", "roles/run.invoker", "allAuthenticatedUsers"); a != "google_folder_iam_binding.invokers" {
		t.Errorf("folder binding declared by %q", a)
	}
	// The trigger delivers to billing as its planned account; the caller
	// resolved from the binding invokes it.
	edges := map[string]bool{}
	for _, e := range rep.Graph.In(svc) {
		edges[string(e.Kind)+" "+e.From] = true
	}
	for _, want := range []string{
		"triggers //eventarc.googleapis.com/projects/plat-prod/locations/us-central1/triggers/audit-to-billing",
		"can_invoke " + caller,
	} {
		if !edges[want] {
			t.Errorf("no edge %q into billing; edges: %v", want, edges)
		}
	}
	var unknown []string
	for _, pr := range rep.Problems {
		if pr.Kind == inventory.ProblemUnknown {
			unknown = append(unknown, pr.Msg)
		}
	}
	for _, want := range []string{
		`module.svc["billing"].google_cloud_run_v2_service_iam_binding.invokers: members is known only after apply`,
		"google_project_iam_member.from_data: member is known only after apply",
	} {
		if !slices.ContainsFunc(unknown, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no problem %q; got %q", want, unknown)
		}
	}
	for _, a := range inv.Assets {
		if a.IAMPolicy == nil {
			continue
		}
		for _, b := range a.IAMPolicy.Bindings {
			if b.Role == "roles/run.admin" {
				t.Errorf("a member known only after apply is counted: %v on %s", b, a.Name)
			}
		}
	}
}

// TestSameAsInventory: Google's converter turns the plan into CAI records
// (testdata/real/README.md); scanned as an export, they give the same
// findings, on the same subjects, as the plan scanned as a plan.
func TestSameAsInventory(t *testing.T) {
	inv, err := inventory.ReadPaths("testdata/real/tgc-cai-cloud-run-service-iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	roles := iam.MustPredefined()
	at := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	exported := scan.Run(inv, roles, rules.All(), at, nil)
	planned := scanPlan(t, readPlan(t, "testdata/real/tgc-cloud-run-service-iam-policy.json"), nil)
	key := func(rep *scan.Report) []string {
		var out []string
		for _, f := range rep.Findings {
			out = append(out, f.Check+" "+f.Subject)
		}
		slices.Sort(out)
		return out
	}
	if got, want := key(planned), key(exported); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("findings of the plan:\n%s\nof the converter's CAI records:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPlanLoadBalancer: a serverless NEG and a backend service with IAP in
// the plan put billing behind IAP, and the checks that need load
// balancers are no longer blind.
func TestPlanLoadBalancer(t *testing.T) {
	rep := scanPlan(t, readPlan(t, "testdata/platform.plan.json"), nil)
	n, ok := rep.Graph.Node("//run.googleapis.com/projects/plat-prod/locations/us-central1/services/billing")
	if !ok {
		t.Fatal("no billing")
	}
	w := n.Data.(*inventory.Workload)
	if want := []string{"//compute.googleapis.com/projects/plat-prod/global/backendServices/billing-backend"}; !slices.Equal(w.BehindIAPLoadBalancer, want) {
		t.Errorf("billing behind %q, want %q", w.BehindIAPLoadBalancer, want)
	}
	for _, g := range rep.Gaps {
		if strings.Contains(g.Missing, "load balancer") {
			t.Errorf("gap %q with backend services in the plan", g.Missing)
		}
	}
}

// TestEmptyPolicyData: an _iam_policy whose policy_data the plan leaves
// empty (not in the configuration it was read with) is reported, not an
// error, and counts as no policy.
func TestEmptyPolicyData(t *testing.T) {
	const plan = `{"format_version":"1.2","resource_changes":[{"address":"google_project_iam_policy.p","mode":"managed","type":"google_project_iam_policy","name":"p",
"change":{"actions":["create"],"after":{"project":"p1"},"after_unknown":{"policy_data":true}}}]}`
	p, err := tfplan.Read("p.json", strings.NewReader(plan))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Grants) != 0 || len(p.Unknown) != 1 || p.Unknown[0].Attribute != "policy_data" {
		t.Errorf("grants %v, unknown %v; want none and policy_data unknown", p.Grants, p.Unknown)
	}
}

// TestTypesDocumented: docs/terraform-plans.md names every Terraform type
// runlens reads from a plan.
func TestTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "terraform-plans.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range tfplan.Types() {
		name := typ
		for _, suffix := range []string{"_iam_member", "_iam_binding", "_iam_policy"} {
			if base, ok := strings.CutSuffix(typ, suffix); ok {
				name = base // the IAM resources are listed by the type they grant on
			}
		}
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/terraform-plans.md does not name %s", name)
		}
	}
}
