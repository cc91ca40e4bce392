package rules_test

// Tests on real, published samples kept verbatim in
// internal/inventory/testdata/real (provenance, licence and class in its
// README). None of the samples here is a CAI export: they are Cloud Run Admin
// API responses and getIamPolicy responses recorded by the test suites of
// other tools (gcpdiag, Cloud Custodian). Where a CAI export would carry the
// same object (a v2 Service is resource.data of a run.googleapis.com/Service
// record with resource.version "v2", a project's getIamPolicy response is the
// iam_policy of its cloudresourcemanager.googleapis.com/Project record), the
// test wraps it in an inventory.Asset as the reader would and runs the graph
// and every check on it; otherwise it tests the parsing of what is in it.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

var realSampleDir = filepath.Join("..", "inventory", "testdata", "real")

func realSample(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realSampleDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordedBody returns the response body of a Cloud Custodian flight
// recording ({"headers": ..., "body": ...}), or b itself.
func recordedBody(t *testing.T, b []byte) []byte {
	t.Helper()
	var rec struct {
		Headers map[string]any  `json:"headers"`
		Body    json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Headers != nil && len(rec.Body) > 0 {
		return rec.Body
	}
	return b
}

func realPolicy(t *testing.T, rel string) *iam.Policy {
	t.Helper()
	var p iam.Policy
	if err := json.Unmarshal(recordedBody(t, realSample(t, rel)), &p); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(p.Bindings) == 0 {
		t.Fatalf("%s: no bindings", rel)
	}
	return &p
}

// realRunObjects returns the services of a v2 ListServices response
// ({"services": [...]}) or the items of a v1 list ({"items": [...]}).
func realRunObjects(t *testing.T, rel string) []json.RawMessage {
	t.Helper()
	var list struct {
		Services []json.RawMessage `json:"services"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(recordedBody(t, realSample(t, rel)), &list); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if objs := append(list.Services, list.Items...); len(objs) > 0 {
		return objs
	}
	t.Fatalf("%s: no services or items", rel)
	return nil
}

// asCAIProject wraps a project's getIamPolicy response and its v2 services
// as the CAI records of that project would carry them.
func asCAIProject(t *testing.T, number string, ancestors []string, policy *iam.Policy, services []json.RawMessage) *inventory.Inventory {
	t.Helper()
	project := "//cloudresourcemanager.googleapis.com/projects/" + number
	assets := []*inventory.Asset{{Name: project, Type: inventory.TypeProject, IAMPolicy: policy, Ancestors: ancestors}}
	for _, s := range services {
		var v struct{ Name string }
		if err := json.Unmarshal(s, &v); err != nil || v.Name == "" {
			t.Fatalf("service without a name: %v", err)
		}
		assets = append(assets, &inventory.Asset{
			Name: "//run.googleapis.com/" + v.Name, Type: inventory.TypeRunService, Version: "v2",
			Parent: project, Data: s, Ancestors: ancestors,
		})
	}
	slices.SortFunc(assets, func(a, b *inventory.Asset) int { return strings.Compare(a.Name, b.Name) })
	return &inventory.Inventory{Assets: assets, Coverage: inventory.CoverageOf(assets)}
}

func runRealSample(t *testing.T, inv *inventory.Inventory) (*build.Result, []rules.Finding) {
	t.Helper()
	b := build.Graph(inv, iam.MustPredefined(), now)
	for _, p := range b.Problems {
		t.Errorf("graph problem: %v", p)
	}
	fs, _ := rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now, Coverage: &inv.Coverage,
		Recommendations: inv.Recommendations, Insights: inv.Insights}, rules.All())
	return b, fs
}

func workloadOf(t *testing.T, g *graph.Graph, id string) *inventory.Workload {
	t.Helper()
	n, ok := g.Node(id)
	if !ok {
		t.Fatalf("no node %s", id)
	}
	w, ok := n.Data.(*inventory.Workload)
	if !ok || w == nil {
		t.Fatalf("node %s carries no workload", id)
	}
	return w
}

// bindingMembers lists "member role" of the findings of check on subject or
// affecting it.
func bindingMembers(fs []rules.Finding, check, subject string) []string {
	var out []string
	for _, f := range fs {
		if f.Check == check && (f.Subject == subject || slices.Contains(f.Affects, subject)) {
			for _, be := range f.Evidence.Bindings {
				out = append(out, be.Member+" "+be.Role)
			}
		}
	}
	slices.Sort(out)
	return out
}

// noServiceAgentInFindings: a Google-managed service agent is never a
// caller or an impersonator, whatever role it holds.
func noServiceAgentInFindings(t *testing.T, fs []rules.Finding) {
	t.Helper()
	for _, f := range fs {
		for _, be := range f.Evidence.Bindings {
			if m := iam.ParseMember(be.Member); m.Kind == iam.KindServiceAccount && iam.IsServiceAgent(m.Value) {
				t.Errorf("%s on %s names service agent %s (%s)", f.Check, f.Subject, be.Member, be.Role)
			}
		}
	}
}

const (
	gd2Project = "//cloudresourcemanager.googleapis.com/projects/123400010"
	gd2Svc     = "//run.googleapis.com/projects/gcpdiag-cloudrun2-aaaa/locations/us-central1/services/"
	gd2Compute = "serviceAccount:123400010-compute@developer.gserviceaccount.com"
	gd2Build   = "serviceAccount:123400010@cloudbuild.gserviceaccount.com"
)

// TestRealSamplesGcpdiagFailedServices: gcpdiag's cloudrun2 project (three v2
// services whose first revision never became ready: terminalCondition
// CONDITION_FAILED, no uri) with its project policy (the legacy Cloud Build
// account with Cloud Build Service Account, the Cloud Run, Cloud Build,
// Pub/Sub, Artifact Registry, Container Registry and Web Security Scanner
// agents, the default compute account as Editor, one Owner).
func TestRealSamplesGcpdiagFailedServices(t *testing.T) {
	inv := asCAIProject(t, "123400010", []string{"projects/123400010", "folders/373737373737"},
		realPolicy(t, "iam-policies/project-getIamPolicy_legacy-cloudbuild_service-agents__gcpdiag-cloudrun2.json.txt"),
		realRunObjects(t, "run-api/run-v2-ListServices_terminalCondition-FAILED-no-uri__gcpdiag-cloudrun2.json.txt"))
	b, fs := runRealSample(t, inv)
	g := b.Graph

	t.Run("services read as never served", func(t *testing.T) {
		// invalid-container's condition gives its cause in revisionReason
		// (HEALTH_CHECK_CONTAINER_ERROR); the other two give it in reason.
		want := map[string]string{
			"image-does-not-exist": "CONDITION_FAILED (REVISION_FAILED)",
			"invalid-container":    "CONDITION_FAILED (HEALTH_CHECK_CONTAINER_ERROR)",
			"no-image-permission":  "CONDITION_FAILED (CONTAINER_PERMISSION_DENIED)",
		}
		for name, notServing := range want {
			w := workloadOf(t, g, gd2Svc+name)
			got := []string{w.Shape, w.ServiceAccount, w.Ingress, w.NotServing}
			if diff := gocmp.Diff([]string{"v2", "123400010-compute@developer.gserviceaccount.com", inventory.IngressAll, notServing}, got); diff != "" {
				t.Errorf("%s: shape, runtime SA, ingress, not serving (-want +got):\n%s", name, diff)
			}
			if len(w.URLs) != 0 || w.InvokerIAMDisabled || w.IAPEnabled {
				t.Errorf("%s: URLs %v, invoker IAM disabled %v, IAP %v; want none, false, false", name, w.URLs, w.InvokerIAMDisabled, w.IAPEnabled)
			}
		}
	})

	t.Run("never-served services are still checked", func(t *testing.T) {
		var got []string
		for _, f := range fs {
			if f.Check == "runtime-default-sa" {
				got = append(got, strings.TrimPrefix(f.Subject, gd2Svc))
			}
		}
		slices.Sort(got)
		if diff := gocmp.Diff([]string{"image-does-not-exist", "invalid-container", "no-image-permission"}, got); diff != "" {
			t.Errorf("runtime-default-sa subjects (-want +got):\n%s", diff)
		}
	})

	t.Run("service agents are never impersonators or callers", func(t *testing.T) {
		// The Cloud Run, Cloud Build and Pub/Sub agents' roles let them act
		// as the default compute account, and the Cloud Run agent's lets it
		// invoke: none of them is reported.
		if diff := gocmp.Diff([]string{"user:testuser@example.com roles/owner"},
			bindingMembers(fs, "runtime-sa-impersonable", gd2Compute)); diff != "" {
			t.Errorf("runtime-sa-impersonable on the default compute account (-want +got):\n%s", diff)
		}
		for _, check := range []string{"invoker-broad-scope", "human-access-without-iap"} {
			if diff := gocmp.Diff([]string{"user:testuser@example.com roles/owner"},
				bindingMembers(fs, check, gd2Svc+"no-image-permission")); diff != "" {
				t.Errorf("%s on no-image-permission (-want +got):\n%s", check, diff)
			}
		}
		noServiceAgentInFindings(t, fs)
	})

	t.Run("build authors can act as the legacy Cloud Build account", func(t *testing.T) {
		var got []string
		for _, e := range g.In(gd2Build, graph.CanActAs) {
			got = append(got, e.From+" "+e.Role)
		}
		slices.Sort(got)
		want := []string{gd2Compute + " roles/editor", "user:testuser@example.com roles/owner"}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("can_act_as into %s (-want +got):\n%s", gd2Build, diff)
		}
	})
}

// TestRealSamplesGcpdiagServingService: gcpdiag's cloudrun1 project, one v2
// service that serves (terminalCondition CONDITION_SUCCEEDED, a uri).
func TestRealSamplesGcpdiagServingService(t *testing.T) {
	inv := asCAIProject(t, "123400010", []string{"projects/123400010"},
		realPolicy(t, "iam-policies/project-getIamPolicy_legacy-cloudbuild_service-agents__gcpdiag-cloudrun1.json.txt"),
		realRunObjects(t, "run-api/run-v2-ListServices_serving__gcpdiag-cloudrun1.json.txt"))
	b, fs := runRealSample(t, inv)
	w := workloadOf(t, b.Graph, "//run.googleapis.com/projects/gcpdiag-cloudrun1-aaaa/locations/us-central1/services/cloudrun1")
	if w.NotServing != "" || !slices.Contains(w.URLs, "https://cloudrun1-vavezhxkqq-uc.a.run.app") {
		t.Errorf("cloudrun1: NotServing %q, URLs %v; want serving at its run.app URL", w.NotServing, w.URLs)
	}
	if w.ServiceAccount != "123400010-compute@developer.gserviceaccount.com" || w.Ingress != inventory.IngressAll {
		t.Errorf("cloudrun1: runtime SA %q, ingress %q", w.ServiceAccount, w.Ingress)
	}
	if diff := gocmp.Diff([]string{"user:testuser@example.com roles/owner"},
		bindingMembers(fs, "runtime-sa-impersonable", "serviceAccount:123400010-compute@developer.gserviceaccount.com")); diff != "" {
		t.Errorf("runtime-sa-impersonable (-want +got):\n%s", diff)
	}
	noServiceAgentInFindings(t, fs)
}

// TestRealSamplesGcpdiagManyAgents: gcpdiag's gce3 project policy, 46
// distinct principals, most of them service agents (gcp-sa-*, the older
// robot domains, the App Engine standard agent on gcp-gae-service, the
// Google APIs agent NUM@cloudservices), the legacy Cloud Build account and
// the default compute account with Service Account User on the project, and
// one Owner listed twice in the same binding.
func TestRealSamplesGcpdiagManyAgents(t *testing.T) {
	const project = "//cloudresourcemanager.googleapis.com/projects/12345001"
	inv := asCAIProject(t, "12345001", []string{"projects/12345001"},
		realPolicy(t, "iam-policies/project-getIamPolicy_many-service-agents_gae-service_appspot__gcpdiag-gce3.json.txt"), nil)
	_, fs := runRealSample(t, inv)
	want := []string{
		"serviceAccount:12345001-compute@developer.gserviceaccount.com roles/iam.serviceAccountUser",
		"serviceAccount:12345001@cloudbuild.gserviceaccount.com roles/iam.serviceAccountUser",
		"user:testuser@example.com roles/iam.serviceAccountTokenCreator",
		"user:testuser@example.com roles/iam.serviceAccountUser",
	}
	if diff := gocmp.Diff(want, bindingMembers(fs, "sa-user-project-level", project)); diff != "" {
		t.Errorf("sa-user-project-level on the project (-want +got):\n%s", diff)
	}
	noServiceAgentInFindings(t, fs)
}

// TestRealSamplesKnativeV1: Cloud Run Admin API v1 (Knative) list responses
// recorded by Cloud Custodian: two ready services and a job whose task
// template gives timeoutSeconds as a string.
func TestRealSamplesKnativeV1(t *testing.T) {
	for _, s := range realRunObjects(t, "run-api/run-v1-knative-ServiceList-recorded__cloud-custodian.json.txt") {
		var meta struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		if err := json.Unmarshal(s, &meta); err != nil {
			t.Fatal(err)
		}
		name := "//run.googleapis.com/projects/cloud-custodian/locations/us-central1/services/" + meta.Metadata.Name
		w, err := inventory.DecodeWorkload(&inventory.Asset{Name: name, Type: inventory.TypeRunService, Version: "v1", Data: s})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := []string{w.Shape, w.Name, w.ServiceAccount, w.Ingress, w.NotServing}
		if diff := gocmp.Diff([]string{"v1", meta.Metadata.Name, "1098479648729-compute@developer.gserviceaccount.com", inventory.IngressAll, ""}, got); diff != "" {
			t.Errorf("%s: shape, name, runtime SA, ingress, not serving (-want +got):\n%s", name, diff)
		}
		if !slices.Contains(w.URLs, "https://hello-g3kdvpt64a-uc.a.run.app") {
			t.Errorf("%s: URLs %v, want the status URL", name, w.URLs)
		}
		if len(w.Containers) != 1 || w.Containers[0].Image != "us-docker.pkg.dev/cloudrun/container/hello" {
			t.Errorf("%s: containers %+v", name, w.Containers)
		}
	}
	jobs := realRunObjects(t, "run-api/run-v1-JobList-recorded-timeoutSeconds-string__cloud-custodian.json.txt")
	w, err := inventory.DecodeWorkload(&inventory.Asset{Name: "//run.googleapis.com/projects/cloud-custodian/locations/us-central1/jobs/job",
		Type: inventory.TypeRunJob, Version: "v1", Data: jobs[0]})
	if err != nil {
		t.Fatalf("job: %v", err)
	}
	if !w.Job || w.Shape != "v1" || w.ServiceAccount != "1098479648729-compute@developer.gserviceaccount.com" ||
		len(w.Containers) != 1 || w.Containers[0].Image != "us-docker.pkg.dev/cloudrun/container/job:latest" {
		t.Errorf("job read as %+v", w)
	}
}

// TestRealSamplesPolicyMembers parses every member of the real policies and
// classifies it: service agents by Google's list, the legacy Cloud Build
// account (not an agent), default compute and App Engine accounts (not
// agents), users.
func TestRealSamplesPolicyMembers(t *testing.T) {
	robots := []string{
		"compute-system", "containerregistry", "container-engine-robot", "container-analysis",
		"serverless-robot-prod", "gcf-admin-robot", "dataproc-accounts", "cloudcomposer-accounts",
		"firebase-rules", "cloud-redis", "dataflow-service-producer-prod", "service-networking",
		"gcp-gae-service",
	}
	wantAgent := func(email string) bool {
		local, domain, _ := strings.Cut(email, "@")
		if domain == "cloudservices.gserviceaccount.com" {
			return true
		}
		sub, ok := strings.CutSuffix(domain, ".iam.gserviceaccount.com")
		return ok && strings.HasPrefix(local, "service-") && (strings.HasPrefix(sub, "gcp-sa-") || slices.Contains(robots, sub))
	}
	files := map[string]string{ // file -> project number of its legacy Cloud Build account
		"iam-policies/project-getIamPolicy_legacy-cloudbuild_service-agents__gcpdiag-cloudrun1.json.txt":   "123400010",
		"iam-policies/project-getIamPolicy_legacy-cloudbuild_service-agents__gcpdiag-cloudrun2.json.txt":   "123400010",
		"iam-policies/project-getIamPolicy_many-service-agents_gae-service_appspot__gcpdiag-gce3.json.txt": "12345001",
		"iam-policies/topic-getIamPolicy-recorded_logging-writers__cloud-custodian.json.txt":               "",
	}
	agents, legacy := 0, 0
	for file, number := range files {
		for _, bd := range realPolicy(t, file).Bindings {
			for _, raw := range bd.Members {
				m := iam.ParseMember(raw)
				if m.Kind != iam.KindServiceAccount && m.Kind != iam.KindUser {
					t.Errorf("%s: %q parsed as %s", file, raw, m.Kind)
					continue
				}
				if m.IsDeleted() || m.IsPublic() || m.ID() != raw {
					t.Errorf("%s: %q: deleted %v, public %v, ID %q", file, raw, m.IsDeleted(), m.IsPublic(), m.ID())
				}
				if m.Kind == iam.KindUser {
					continue
				}
				if m.Value == "cloud-logs@system.gserviceaccount.com" {
					// Cloud Logging's legacy sink writer: Google-owned, but not
					// on the service agents list; left undecided here.
					continue
				}
				if got, want := iam.IsServiceAgent(m.Value), wantAgent(m.Value); got != want {
					t.Errorf("%s: IsServiceAgent(%q) = %v, want %v", file, m.Value, got, want)
				} else if got {
					agents++
				}
				num, ok := iam.LegacyCloudBuildProject(m.Value)
				wantLegacy := strings.HasSuffix(m.Value, "@cloudbuild.gserviceaccount.com")
				if ok != wantLegacy || (ok && num != number) {
					t.Errorf("%s: LegacyCloudBuildProject(%q) = %q, %v; want %v for project %s", file, m.Value, num, ok, wantLegacy, number)
				}
				if ok {
					legacy++
					if iam.IsServiceAgent(m.Value) {
						t.Errorf("%s: the legacy Cloud Build account %s is taken for a service agent", file, m.Value)
					}
				}
				if iam.IsDefaultComputeSA(m.Value) != strings.HasSuffix(m.Value, "-compute@developer.gserviceaccount.com") {
					t.Errorf("%s: IsDefaultComputeSA(%q) = %v", file, m.Value, iam.IsDefaultComputeSA(m.Value))
				}
			}
		}
	}
	// Counted so that a sample read as empty cannot pass.
	if agents != 54 || legacy != 5 {
		t.Errorf("%d service agent and %d legacy Cloud Build members, want 54 and 5", agents, legacy)
	}
}
