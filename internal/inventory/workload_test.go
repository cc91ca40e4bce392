package inventory

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Values in testdata/run.
const (
	runSecretLiteral = "s3cr3t-literal-Zq8vxK2pW" // a literal env value; must never leave resource.data
	runHello         = "us-docker.pkg.dev/cloudrun/container/hello"
	runConnector     = "projects/shop-prod/locations/europe-west1/connectors/shop-vpc"
	runKey           = "projects/shop-kms/locations/europe-west1/keyRings/run/cryptoKeys/checkout"
	runPolicy        = "projects/shop-prod/platforms/cloudRun/policies/signed-only"
	runCheckoutImage = "europe-west1-docker.pkg.dev/shop-prod/apps/checkout@sha256:4c7e1b0f9a7d3e2c5b6a8f9d0e1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c"
)

// runAssets reads one file of testdata/run (or another path) and returns its
// assets by name; the file must read without problems.
func runAssets(t *testing.T, path string) map[string]*Asset {
	t.Helper()
	if !strings.Contains(path, string(filepath.Separator)) {
		path = filepath.Join("testdata", "run", path)
	}
	inv := readPaths(t, path)
	if len(inv.Problems) != 0 {
		t.Fatalf("ReadPaths(%s) problems = %q, want none", path, inv.Problems)
	}
	m := make(map[string]*Asset, len(inv.Assets))
	for _, a := range inv.Assets {
		m[NameSegment(a.Name, "services")+NameSegment(a.Name, "jobs")] = a
	}
	return m
}

// decodeAll decodes every asset of a file of testdata/run, by short name.
func decodeAll(t *testing.T, file string) map[string]*Workload {
	t.Helper()
	out := make(map[string]*Workload)
	for name, a := range runAssets(t, file) {
		w, err := DecodeWorkload(a)
		if err != nil {
			t.Fatalf("DecodeWorkload(%s from %s) error = %v", a.Name, file, err)
		}
		out[name] = w
	}
	return out
}

// runService is a service of testdata/run with nothing set but its image:
// what DecodeWorkload gives for the minimal service of either shape.
func runService(name string, set func(w *Workload)) *Workload {
	w := &Workload{Project: "shop-prod", Region: "europe-west1", Name: name, Ingress: IngressAll,
		Containers: []Container{{Image: runHello}}}
	if set != nil {
		set(w)
	}
	return w
}

// checkoutWorkload is the service of service-full-v1.json and -v2.json.
func checkoutWorkload() *Workload {
	return &Workload{
		Project:            "shop-prod",
		Region:             "europe-west1",
		Name:               "checkout",
		ServiceAccount:     "checkout-runtime@shop-prod.iam.gserviceaccount.com",
		Ingress:            IngressInternalLB,
		InvokerIAMDisabled: true,
		IAPEnabled:         true,
		BinAuthz:           BinAuthz{Enabled: true, Policy: runPolicy, Breakglass: "INC-4711 hotfix, see runbook"},
		Egress:             "all-traffic",
		VPCConnector:       runConnector,
		Containers: []Container{
			{Name: "app", Image: runCheckoutImage, Env: []EnvVar{
				{Name: "LOG_LEVEL", Literal: true},
				{Name: "API_TOKEN", Literal: true},
				{Name: "ORDERS_TOPIC", Runtime: true}, // a topic name: a reference, not a literal secret
				{Name: "EXPORT_URL", Literal: true},
				{Name: "DB_PASSWORD", SecretRef: "orders-db-password", Version: "latest"},
				{Name: "STRIPE_KEY", SecretRef: "projects/987654321098/secrets/stripe-api-key", Version: "3"},
				{Name: "FEATURE_FLAGS"},
			}},
			{Name: "otel-collector", Image: "otel/opentelemetry-collector-contrib:0.98.0"},
		},
		Refs: []Ref{
			{Kind: RefBucket, Value: "shop-prod-assets", Field: "volume assets"},
			{Kind: RefBucket, Value: "shop-prod-exports", Field: "env EXPORT_URL"},
			{Kind: RefKMSKey, Value: runKey, Field: "encryption key"},
			{Kind: RefSecret, Value: "checkout-tls", Field: "volume tls"},
			{Kind: RefSecret, Value: "orders-db-password", Version: "latest", Field: "env DB_PASSWORD"},
			{Kind: RefSecret, Value: "projects/987654321098/secrets/partner-ca", Field: "volume partner-ca"},
			{Kind: RefSecret, Value: "projects/987654321098/secrets/stripe-api-key", Version: "3", Field: "env STRIPE_KEY"},
			{Kind: RefSQL, Value: "shop-prod:europe-west1:orders-db", Field: "volume cloudsql"},
			{Kind: RefSQL, Value: "shop-shared:europe-west1:catalog-db", Field: "volume cloudsql"},
			{Kind: RefTopic, Value: "projects/shop-prod/topics/orders", Field: "env ORDERS_TOPIC"},
		},
		EncryptionKey:      runKey,
		URLs:               []string{"https://checkout-abcdefghij-ew.a.run.app"},
		DefaultURLDisabled: true,
		CustomAudiences:    []string{"https://checkout.shop.example", "checkout-internal"},
		Labels:             map[string]string{"team": "payments", "env": "prod"},
	}
}

// runScenarios are the v1/v2 twins of testdata/run and the workloads they
// hold, with Shape left empty.
var runScenarios = []struct {
	file string // "NAME" reads NAME-v1.* and NAME-v2.*
	want map[string]*Workload
}{
	{"service-full", map[string]*Workload{"checkout": checkoutWorkload()}},
	{"ingress", map[string]*Workload{
		"ing-default":     runService("ing-default", nil),
		"ing-all":         runService("ing-all", nil),
		"ing-internal":    runService("ing-internal", func(w *Workload) { w.Ingress = IngressInternal }),
		"ing-internal-lb": runService("ing-internal-lb", func(w *Workload) { w.Ingress = IngressInternalLB }),
		"ing-none":        runService("ing-none", func(w *Workload) { w.Ingress = IngressNone }),
		"ing-unspecified": runService("ing-unspecified", nil),
	}},
	{"binauthz", map[string]*Workload{
		"ba-off":     runService("ba-off", nil),
		"ba-default": runService("ba-default", func(w *Workload) { w.BinAuthz = BinAuthz{Enabled: true, Policy: "default"} }),
		"ba-policy":  runService("ba-policy", func(w *Workload) { w.BinAuthz = BinAuthz{Enabled: true, Policy: runPolicy} }),
		"ba-breakglass": runService("ba-breakglass", func(w *Workload) {
			w.BinAuthz = BinAuthz{Enabled: true, Policy: "default", Breakglass: "INC-4712 vendor outage"}
		}),
	}},
	{"egress", map[string]*Workload{
		"eg-none": runService("eg-none", nil),
		"eg-connector-all": runService("eg-connector-all", func(w *Workload) {
			w.Egress, w.VPCConnector = "all-traffic", runConnector
		}),
		"eg-connector-private": runService("eg-connector-private", func(w *Workload) {
			w.Egress, w.VPCConnector = "private-ranges-only", runConnector
		}),
		"eg-connector-default": runService("eg-connector-default", func(w *Workload) {
			w.Egress, w.VPCConnector = "private-ranges-only", runConnector
		}),
		"eg-direct-all": runService("eg-direct-all", func(w *Workload) {
			w.Egress, w.NetworkInterfaces = "all-traffic", true
		}),
		// An egress setting without a VPC path routes nothing.
		"eg-egress-only": runService("eg-egress-only", nil),
	}},
	{"job", map[string]*Workload{
		"nightly-export": {
			Job:            true,
			Project:        "shop-prod",
			Region:         "europe-west1",
			Name:           "nightly-export",
			ServiceAccount: "exporter@shop-prod.iam.gserviceaccount.com",
			BinAuthz:       BinAuthz{Enabled: true, Policy: "default"},
			Egress:         "private-ranges-only",
			VPCConnector:   runConnector,
			Containers: []Container{{Name: "export", Image: "europe-west1-docker.pkg.dev/shop-prod/jobs/export:2.0.1", Env: []EnvVar{
				{Name: "TARGET", Literal: true},
				{Name: "NOTIFY", Runtime: true},
				{Name: "EXPORT_SIGNING_KEY", Literal: true},
				{Name: "DB_PASSWORD", SecretRef: "orders-db-password", Version: "2"},
			}}},
			Refs: []Ref{
				{Kind: RefBucket, Value: "shop-prod-exports", Field: "env TARGET"},
				{Kind: RefKMSKey, Value: runKey, Field: "encryption key"},
				{Kind: RefSecret, Value: "export-config", Field: "volume config"},
				{Kind: RefSecret, Value: "orders-db-password", Version: "2", Field: "env DB_PASSWORD"},
				{Kind: RefSQL, Value: "shop-prod:europe-west1:orders-db", Field: "volume cloudsql"},
				{Kind: RefTopic, Value: "projects/shop-prod/topics/export-done", Field: "env NOTIFY"},
			},
			EncryptionKey: runKey,
			Labels:        map[string]string{"team": "data"},
		},
		"cleanup": {Job: true, Project: "shop-prod", Region: "europe-west1", Name: "cleanup", Containers: []Container{{Image: runHello}}},
	}},
}

// runScenarioFile returns the file of scenario name in shape ("v1", "v2").
func runScenarioFile(t *testing.T, name, shape string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "run", name+"-"+shape+".*"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("scenario %s-%s: files %v (%v), want one", name, shape, matches, err)
	}
	return matches[0]
}

// TestDecodeWorkload decodes each scenario in both shapes against what it
// describes.
func TestDecodeWorkload(t *testing.T) {
	for _, sc := range runScenarios {
		for _, shape := range []string{"v1", "v2"} {
			t.Run(sc.file+"-"+shape, func(t *testing.T) {
				file := runScenarioFile(t, sc.file, shape)
				got := decodeAll(t, file)
				want := make(map[string]*Workload, len(sc.want))
				for name, w := range sc.want {
					w := *w
					w.Shape = shape
					if shape == "v1" {
						// Knative names Cloud SQL connections in an
						// annotation, not a volume.
						w.Refs = slices.Clone(w.Refs)
						for i, r := range w.Refs {
							if r.Kind == RefSQL {
								w.Refs[i].Field = "annotation run.googleapis.com/cloudsql-instances"
							}
						}
					}
					want[name] = &w
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("DecodeWorkload of the assets in %s mismatch (-want +got):\n%s", file, diff)
				}
			})
		}
	}
}

// TestDecodeWorkloadShapesAgree decodes the v1 and v2 twin of each scenario
// to the same workloads, apart from Shape.
func TestDecodeWorkloadShapesAgree(t *testing.T) {
	for _, sc := range runScenarios {
		t.Run(sc.file, func(t *testing.T) {
			v1 := decodeAll(t, runScenarioFile(t, sc.file, "v1"))
			v2 := decodeAll(t, runScenarioFile(t, sc.file, "v2"))
			if diff := cmp.Diff(v1, v2, cmpopts.IgnoreFields(Workload{}, "Shape"), cmpopts.IgnoreFields(Ref{}, "Field")); diff != "" {
				t.Errorf("workloads differ by shape (-v1 +v2):\n%s", diff)
			}
			for name, w := range v1 {
				if w.Shape != "v1" || v2[name].Shape != "v2" {
					t.Errorf("%s: Shape = %q and %q, want v1 and v2", name, w.Shape, v2[name].Shape)
				}
			}
		})
	}
}

// TestDecodeWorkloadShapeFromData reads older records without
// resource.version: the shape comes from the data.
func TestDecodeWorkloadShapeFromData(t *testing.T) {
	want := map[string]*Workload{
		"knative-no-version":     runService("knative-no-version", func(w *Workload) { w.Shape = "v1" }),
		"v2-no-version":          runService("v2-no-version", func(w *Workload) { w.Shape = "v2" }),
		"job-knative-no-version": {Job: true, Shape: "v1", Project: "shop-prod", Region: "europe-west1", Name: "job-knative-no-version", Containers: []Container{{Image: runHello}}},
		"job-v2-no-version":      {Job: true, Shape: "v2", Project: "shop-prod", Region: "europe-west1", Name: "job-v2-no-version", Containers: []Container{{Image: runHello}}},
	}
	for name, a := range runAssets(t, "shape-from-data.jsonl") {
		if a.Version != "" {
			t.Errorf("%s: Version = %q, want none in this fixture", name, a.Version)
		}
	}
	if diff := cmp.Diff(want, decodeAll(t, "shape-from-data.jsonl")); diff != "" {
		t.Errorf("workloads mismatch (-want +got):\n%s", diff)
	}
}

// TestDecodeWorkloadTGC decodes the Cloud Run samples converted by
// terraform-google-conversion; their project is a Go-template placeholder.
func TestDecodeWorkloadTGC(t *testing.T) {
	const project = "{{.Provider.project}}"
	labels := map[string]string{"goog-terraform-provisioned": "true"}
	tests := []struct {
		file string
		want *Workload
	}{
		{"tgc-derived-run-Service-knative-v1__example_cloud_run_service.json", &Workload{
			Shape: "v1", Project: project, Region: "us-central1", Name: "cloudrun-to-get-cai", Ingress: IngressAll,
			Containers: []Container{{Image: "gcr.io/cloudrun/hello"}}, Labels: labels,
			// Its argument "arrgs" is a bare word: a bucket or topic only if
			// the inventory holds one by that name; its hash is kept, not it.
			Refs: []Ref{{Kind: RefName, Value: NameHash("arrgs"), Field: "args"}},
		}},
		{"tgc-derived-run-Service-v2__example_cloud_run_v2_service.json", &Workload{
			Shape: "v2", Project: project, Region: "us-central1", Name: "cloudrunv2-to-get-cai", Ingress: IngressAll,
			Containers: []Container{{Image: "gcr.io/cloudrun/hello"}}, Labels: labels,
			// Its argument "arrgs" is a bare word: a bucket or topic only if
			// the inventory holds one by that name; its hash is kept, not it.
			Refs: []Ref{{Kind: RefName, Value: NameHash("arrgs"), Field: "args"}},
		}},
		{"tgc-derived-run-Job-v2__example_cloud_run_v2_job.json", &Workload{
			Job: true, Shape: "v2", Project: project, Region: "us-central1", Name: "cloudrun-job",
			Containers: []Container{{Image: runHello}}, Labels: labels,
		}},
		{"tgc-derived-run-Service-with-iam_policy__example_cloud_run_service_iam_policy.json", &Workload{
			Shape: "v1", Project: project, Region: "us-central1", Name: "cloudrun-srv", Ingress: IngressAll,
			Containers: []Container{{Image: runHello}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			assets := runAssets(t, filepath.Join(realDir, tc.file))
			if len(assets) != 1 {
				t.Fatalf("%d assets in %s, want 1", len(assets), tc.file)
			}
			for _, a := range assets {
				got, err := DecodeWorkload(a)
				if err != nil {
					t.Fatalf("DecodeWorkload(%s) error = %v", a.Name, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("DecodeWorkload(%s) mismatch (-want +got):\n%s", a.Name, diff)
				}
			}
		})
	}
}

// TestDecodeWorkloadKeepsNoLiteral checks that a literal env value is kept
// nowhere in the Workload, however it is printed.
func TestDecodeWorkloadKeepsNoLiteral(t *testing.T) {
	for _, file := range []string{"service-full-v1.json", "service-full-v2.json", "job-v1.jsonl", "job-v2.jsonl"} {
		t.Run(file, func(t *testing.T) {
			for name, a := range runAssets(t, file) {
				if !strings.Contains(string(a.Data), runSecretLiteral) {
					continue // the minimal job has no env
				}
				w, err := DecodeWorkload(a)
				if err != nil {
					t.Fatalf("DecodeWorkload(%s) error = %v", name, err)
				}
				j, err := json.Marshal(w)
				if err != nil {
					t.Fatal(err)
				}
				for _, out := range []string{string(j), fmt.Sprintf("%#v", w), fmt.Sprintf("%+v", *w), fmt.Sprint(w.Containers)} {
					if strings.Contains(out, runSecretLiteral) {
						t.Errorf("the literal value of an env var leaks from the %s workload: %s", name, out)
					}
				}
				// The value was there, and is recorded as set.
				literal := false
				for _, c := range w.Containers {
					for _, e := range c.Env {
						if e.Name == "API_TOKEN" || e.Name == "EXPORT_SIGNING_KEY" {
							literal = e.Literal
						}
					}
				}
				if !literal {
					t.Errorf("%s: the env var holding %q has Literal = false, want true", name, runSecretLiteral)
				}
			}
		})
	}
}

// TestDecodeWorkloadErrors: DecodeWorkload refuses what it cannot read, and
// says which asset and which shape.
func TestDecodeWorkloadErrors(t *testing.T) {
	assets := runAssets(t, "undecodable.jsonl")
	tests := []struct {
		name     string
		asset    *Asset
		wantErr  string
		wantPart *Workload // what is known from the name alone; nil if nothing
	}{
		{
			name: "not a Cloud Run asset",
			asset: &Asset{Name: "//pubsub.googleapis.com/projects/shop-prod/topics/orders", Type: TypeTopic,
				Data: json.RawMessage(`{"name":"projects/shop-prod/topics/orders"}`)},
			wantErr: "not a Cloud Run service or job",
		},
		{
			name:     "an IAM policy without a resource record",
			asset:    assets["iam-only"],
			wantErr:  "has no resource data",
			wantPart: &Workload{Project: "shop-prod", Region: "europe-west1", Name: "iam-only"},
		},
		{
			name:     "v1 containers of the wrong type",
			asset:    assets["bad-containers"],
			wantErr:  "(v1 shape)",
			wantPart: &Workload{Shape: "v1", Project: "shop-prod", Region: "europe-west1", Name: "bad-containers"},
		},
		{
			name:     "v2 env of the wrong type",
			asset:    assets["bad-template"],
			wantErr:  "(v2 shape)",
			wantPart: &Workload{Shape: "v2", Project: "shop-prod", Region: "europe-west1", Name: "bad-template"},
		},
		{
			name:     "data that is not an object",
			asset:    &Asset{Name: "//run.googleapis.com/projects/p/locations/r/services/s", Type: TypeRunService, Version: "v2", Data: json.RawMessage(`[1]`)},
			wantErr:  "services/s",
			wantPart: &Workload{Project: "p", Region: "r", Name: "s"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.asset == nil {
				t.Fatal("fixture asset missing")
			}
			got, err := DecodeWorkload(tc.asset)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.asset.Name) {
				t.Errorf("DecodeWorkload(%s) error = %v, want one naming the asset and containing %q", tc.asset.Name, err, tc.wantErr)
			}
			if tc.wantPart == nil {
				if got != nil {
					t.Errorf("DecodeWorkload(%s) = %+v, want nil", tc.asset.Name, got)
				}
				return
			}
			if got == nil {
				t.Fatalf("DecodeWorkload(%s) = nil, want the parts known from the name", tc.asset.Name)
			}
			// Only what the name says is promised; the rest is partial.
			part := &Workload{Shape: got.Shape, Project: got.Project, Region: got.Region, Name: got.Name}
			if diff := cmp.Diff(tc.wantPart, part); diff != "" {
				t.Errorf("DecodeWorkload(%s) partial workload mismatch (-want +got):\n%s", tc.asset.Name, diff)
			}
		})
	}
}

func TestRunNameParts(t *testing.T) {
	tests := []struct {
		name                    string
		project, region, workld string
	}{
		{"//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/checkout", "shop-prod", "europe-west1", "checkout"},
		{"//run.googleapis.com/projects/123456789012/locations/us-central1/jobs/nightly", "123456789012", "us-central1", "nightly"},
		{"//run.googleapis.com/namespaces/shop-prod/services/checkout", "shop-prod", "", "checkout"},
		{"//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/x", "{{.Provider.project}}", "us-central1", "x"},
		{"", "", "", ""},
		{"//run.googleapis.com/projects", "", "", ""},
	}
	for _, tc := range tests {
		p, r, n := runNameParts(tc.name)
		if got, want := []string{p, r, n}, []string{tc.project, tc.region, tc.workld}; !slices.Equal(got, want) {
			t.Errorf("runNameParts(%q) = %q, want %q", tc.name, got, want)
		}
	}
}

// TestNotServing: a service whose Ready condition failed and that has no
// URL never served; it is marked, in both shapes. One that serves, one
// whose record carries no status, and a job are not marked.
func TestNotServing(t *testing.T) {
	const svc = "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/"
	tests := []struct {
		name, version, data, want string
		job                       bool
	}{
		{"v2 failed, no uri", "v2", `{"name":"projects/shop-prod/locations/europe-west1/services/broken","template":{"containers":[{"image":"europe-docker.pkg.dev/shop-prod/app/api:1"}]},"terminalCondition":{"type":"Ready","state":"CONDITION_FAILED","reason":"REVISION_FAILED","message":"Revision 'broken-00001-abc' is not ready and cannot serve traffic."},"reconciling":false}`, "CONDITION_FAILED (REVISION_FAILED)", false},
		{"v2 ready with uri", "v2", `{"name":"projects/shop-prod/locations/europe-west1/services/ok","template":{"containers":[{"image":"europe-docker.pkg.dev/shop-prod/app/api:1"}]},"terminalCondition":{"type":"Ready","state":"CONDITION_SUCCEEDED"},"uri":"https://ok-abc-ew.a.run.app"}`, "", false},
		{"v2 no status", "v2", `{"name":"projects/shop-prod/locations/europe-west1/services/bare","template":{"containers":[{"image":"europe-docker.pkg.dev/shop-prod/app/api:1"}]}}`, "", false},
		{"v1 not ready", "v1", `{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"broken","namespace":"123456789012"},"spec":{"template":{"spec":{"containers":[{"image":"gcr.io/shop-prod/api:1"}]}}},"status":{"conditions":[{"type":"Ready","status":"False","reason":"HealthCheckContainerError","message":"The user-provided container failed to start and listen on the port"},{"type":"ConfigurationsReady","status":"False"}]}}`, "Ready False (HealthCheckContainerError)", false},
		{"v1 ready", "v1", `{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"ok","namespace":"123456789012"},"spec":{"template":{"spec":{"containers":[{"image":"gcr.io/shop-prod/api:1"}]}}},"status":{"url":"https://ok-abc-ew.a.run.app","conditions":[{"type":"Ready","status":"True"}]}}`, "", false},
		{"v2 job never has a uri", "v2", `{"name":"projects/shop-prod/locations/europe-west1/jobs/nightly","template":{"template":{"containers":[{"image":"europe-docker.pkg.dev/shop-prod/app/job:1"}]}},"terminalCondition":{"type":"Ready","state":"CONDITION_FAILED"}}`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &Asset{Name: svc + "x", Type: TypeRunService, Version: tc.version, Data: []byte(tc.data)}
			if tc.job {
				a.Name, a.Type = "//run.googleapis.com/projects/shop-prod/locations/europe-west1/jobs/nightly", TypeRunJob
			}
			w, err := DecodeWorkload(a)
			if err != nil {
				t.Fatal(err)
			}
			if w.NotServing != tc.want {
				t.Errorf("NotServing = %q, want %q", w.NotServing, tc.want)
			}
		})
	}
}

// TestKnativeProbeIsUnmarshal: the probe that tells the v1 shape from the
// v2 answers as decoding into a struct of its two marks does, including
// for repeated names, nulls and values of the wrong type.
func TestKnativeProbeIsUnmarshal(t *testing.T) {
	for _, data := range []string{
		`{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"a"},"spec":{}}`,
		`{"name":"projects/p/locations/r/services/a","template":{"metadata":{"x":1}}}`,
		`{"apiVersion":"run.googleapis.com/v1"}`,
		`{"metadata":{"name":"a"},"metadata":null}`,
		`{"metadata":null,"metadata":{}}`,
		`{"apiVersion":"serving.knative.dev/v1","apiVersion":null}`,
		`{"apiVersion":"x","apiVersion":"serving.knative.dev/v1"}`,
		`{"apiVersion":5}`,
		`{"metadata":"a string"}`,
		`{"metadata":[]}`,
		`[1,2]`,
		`"a string"`,
		`{"apiVersion":"v1",}`,
		`{"apiVersion":"serving.knative.dev/v1"`,
		`{}`,
		`{"a":{"apiVersion":"serving.knative.dev/v1","metadata":{}}}`,
		`{"apiVersion":"serving.knative.dev/v1"} trailing`,
	} {
		var probe struct {
			APIVersion string    `json:"apiVersion"`
			Metadata   *struct{} `json:"metadata"`
		}
		wantErr := unmarshal([]byte(data), &probe) != nil
		apiVersion, metadata, err := knativeProbe([]byte(data))
		if (err != nil) != wantErr {
			t.Errorf("knativeProbe(%s): error %v, want an error: %v", data, err, wantErr)
			continue
		}
		if !wantErr && (apiVersion != probe.APIVersion || metadata != (probe.Metadata != nil)) {
			t.Errorf("knativeProbe(%s) = %q, %v; want %q, %v", data, apiVersion, metadata, probe.APIVersion, probe.Metadata != nil)
		}
	}
}
