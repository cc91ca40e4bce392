package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/asset/apiv1/assetpb"
	"google.golang.org/protobuf/encoding/protojson"
)

// record is one export line as written by `gcloud asset export`.
type record struct {
	Name      string `json:"name"`
	AssetType string `json:"asset_type"`
	Resource  *struct {
		Version              string         `json:"version"`
		DiscoveryDocumentURI string         `json:"discovery_document_uri"`
		DiscoveryName        string         `json:"discovery_name"`
		Parent               string         `json:"parent"`
		Data                 map[string]any `json:"data"`
		Location             string         `json:"location"`
	} `json:"resource"`
	IAMPolicy *struct {
		Version  int    `json:"version"`
		Etag     string `json:"etag"`
		Bindings []struct {
			Role      string   `json:"role"`
			Members   []string `json:"members"`
			Condition *struct {
				Title      string `json:"title"`
				Expression string `json:"expression"`
			} `json:"condition"`
		} `json:"bindings"`
	} `json:"iam_policy"`
	OrgPolicy  []map[string]any `json:"org_policy"`
	Ancestors  []string         `json:"ancestors"`
	UpdateTime string           `json:"update_time"`
}

func (r *record) kind() string {
	switch {
	case r.Resource != nil:
		return "RESOURCE"
	case r.IAMPolicy != nil:
		return "IAM_POLICY"
	default:
		return "ORG_POLICY"
	}
}

// readRecords decodes and checks every line of an export; where names the
// input in messages.
func readRecords(t *testing.T, where string, r io.Reader) []record {
	t.Helper()
	var out []record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		var rec record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields() // top level only: data is a map
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("%s:%d: %v", where, n, err)
		}
		if err := checkRecord(&rec); err != nil {
			t.Errorf("%s:%d: %s: %v", where, n, rec.Name, err)
		}
		var a assetpb.Asset
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(line, &a); err != nil {
			t.Errorf("%s:%d: protojson into assetpb.Asset: %v", where, n, err)
		} else if a.GetName() != rec.Name || a.GetAssetType() != rec.AssetType {
			t.Errorf("%s:%d: protojson read name %q type %q, want %q %q", where, n, a.GetName(), a.GetAssetType(), rec.Name, rec.AssetType)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return out
}

func checkRecord(r *record) error {
	if !strings.HasPrefix(r.Name, "//") {
		return fmt.Errorf("name %q is not a full resource name", r.Name)
	}
	if r.AssetType == "" || !strings.Contains(r.AssetType, "/") {
		return fmt.Errorf("asset_type %q", r.AssetType)
	}
	parts := 0
	if r.Resource != nil {
		parts++
		if r.Resource.Version == "" || r.Resource.DiscoveryDocumentURI == "" || r.Resource.DiscoveryName == "" {
			return fmt.Errorf("resource without version/discovery fields")
		}
		if len(r.Resource.Data) == 0 {
			return fmt.Errorf("resource without data")
		}
		if r.AssetType != "cloudresourcemanager.googleapis.com/Organization" && !strings.HasPrefix(r.Resource.Parent, "//") {
			return fmt.Errorf("resource parent %q", r.Resource.Parent)
		}
	}
	if r.IAMPolicy != nil {
		parts++
		if len(r.IAMPolicy.Bindings) == 0 || r.IAMPolicy.Etag == "" {
			return fmt.Errorf("iam_policy without bindings or etag")
		}
		for _, b := range r.IAMPolicy.Bindings {
			if !strings.HasPrefix(b.Role, "roles/") && !strings.HasPrefix(b.Role, "organizations/") {
				return fmt.Errorf("role %q", b.Role)
			}
			if len(b.Members) == 0 {
				return fmt.Errorf("binding %s without members", b.Role)
			}
			for _, m := range b.Members {
				if err := checkMember(m); err != nil {
					return err
				}
			}
			if b.Condition != nil && (b.Condition.Title == "" || b.Condition.Expression == "") {
				return fmt.Errorf("condition without title or expression")
			}
			if b.Condition != nil && r.IAMPolicy.Version != 3 {
				return fmt.Errorf("conditional binding in a version %d policy", r.IAMPolicy.Version)
			}
		}
	}
	if r.OrgPolicy != nil {
		parts++
		if len(r.OrgPolicy) == 0 {
			return fmt.Errorf("empty org_policy")
		}
	}
	if parts != 1 {
		return fmt.Errorf("want exactly one of resource, iam_policy, org_policy; got %d", parts)
	}
	if len(r.Ancestors) == 0 || !strings.HasPrefix(r.Ancestors[len(r.Ancestors)-1], "organizations/") {
		return fmt.Errorf("ancestors %q do not end at an organization", r.Ancestors)
	}
	for _, a := range r.Ancestors {
		typ, num, _ := strings.Cut(a, "/")
		if (typ != "projects" && typ != "folders" && typ != "organizations") || !isDigits(num) {
			return fmt.Errorf("ancestor %q", a)
		}
	}
	if _, err := time.Parse(time.RFC3339, r.UpdateTime); err != nil {
		return fmt.Errorf("update_time: %v", err)
	}
	return nil
}

func isDigits(s string) bool {
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

// checkMember accepts IAM members on example.com or Google service account
// domains only.
func checkMember(m string) error {
	switch m {
	case "allUsers", "allAuthenticatedUsers":
		return nil
	}
	typ, v, ok := strings.Cut(m, ":")
	if !ok {
		return fmt.Errorf("member %q has no type", m)
	}
	switch typ {
	case "projectOwner", "projectEditor", "projectViewer":
		return nil
	case "domain":
		if v != "example.com" {
			return fmt.Errorf("member %q", m)
		}
		return nil
	case "user", "group", "serviceAccount":
		if strings.HasSuffix(v, "@example.com") || strings.HasSuffix(v, ".gserviceaccount.com") {
			return nil
		}
	}
	return fmt.Errorf("member %q", m)
}

// index groups records by content type and name.
type index map[string]map[string]*record

func indexRecords(t *testing.T, recs []record) index {
	t.Helper()
	ix := index{"RESOURCE": {}, "IAM_POLICY": {}, "ORG_POLICY": {}}
	for i := range recs {
		r := &recs[i]
		if _, dup := ix[r.kind()][r.Name]; dup {
			t.Errorf("duplicate %s record for %s", r.kind(), r.Name)
		}
		ix[r.kind()][r.Name] = r
	}
	return ix
}

// checkJoins reports policies without a resource record.
func checkJoins(t *testing.T, ix index) {
	t.Helper()
	for _, kind := range []string{"IAM_POLICY", "ORG_POLICY"} {
		for name, r := range ix[kind] {
			res, ok := ix["RESOURCE"][name]
			if !ok {
				t.Errorf("%s for %s has no resource record", kind, name)
				continue
			}
			if res.AssetType != r.AssetType {
				t.Errorf("%s for %s has asset_type %s, resource has %s", kind, name, r.AssetType, res.AssetType)
			}
		}
	}
}

func readOrg(t *testing.T) ([]record, index) {
	t.Helper()
	var all []record
	for _, f := range []struct{ name, kind string }{
		{"resources.jsonl", "RESOURCE"},
		{"iam_policies.jsonl", "IAM_POLICY"},
		{"org_policies.jsonl", "ORG_POLICY"},
	} {
		b, err := fs.ReadFile(FS(), f.name)
		if err != nil {
			t.Fatal(err)
		}
		recs := readRecords(t, f.name, bytes.NewReader(b))
		for _, r := range recs {
			if r.kind() != f.kind {
				t.Errorf("%s: %s record for %s", f.name, r.kind(), r.Name)
			}
		}
		all = append(all, recs...)
	}
	return all, indexRecords(t, all)
}

func TestOrgFiles(t *testing.T) {
	recs, ix := readOrg(t)
	checkJoins(t, ix)
	if n := len(recs); n < 240 {
		t.Errorf("demo organization has %d records, want at least 240", n)
	}
	matches, err := fs.Glob(FS(), "*")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"iam_policies.jsonl", "org_policies.jsonl", "resources.jsonl"}; strings.Join(matches, " ") != strings.Join(want, " ") {
		t.Errorf("FS() holds %q, want %q", matches, want)
	}
}

// TestOrgCloudRunShapes checks both shapes are present and consistent, and
// that every service and job has its own IAM policy.
func TestOrgCloudRunShapes(t *testing.T) {
	_, ix := readOrg(t)
	projectNumber := map[string]string{} // project ID -> number
	for _, r := range ix["RESOURCE"] {
		if r.AssetType == "cloudresourcemanager.googleapis.com/Project" {
			projectNumber[str(r.Resource.Data, "projectId")] = str(r.Resource.Data, "projectNumber")
		}
	}
	count := map[string]int{}
	for name, r := range ix["RESOURCE"] {
		if r.AssetType != "run.googleapis.com/Service" && r.AssetType != "run.googleapis.com/Job" {
			continue
		}
		count[r.AssetType+" "+r.Resource.Version]++
		if _, ok := ix["IAM_POLICY"][name]; !ok {
			t.Errorf("%s has no IAM policy record", name)
		}
		id := strings.Split(name, "/")[4] // //run.googleapis.com/projects/ID/...
		if want := "projects/" + projectNumber[id]; r.Ancestors[0] != want {
			t.Errorf("%s: ancestors[0] = %s, want %s", name, r.Ancestors[0], want)
		}
		d := r.Resource.Data
		switch r.Resource.Version {
		case "v1":
			wantAPI := "serving.knative.dev/v1"
			if r.AssetType == "run.googleapis.com/Job" {
				wantAPI = "run.googleapis.com/v1"
			}
			if got := str(d, "apiVersion"); got != wantAPI {
				t.Errorf("%s: apiVersion %q, want %q", name, got, wantAPI)
			}
			if got := str(d, "metadata.namespace"); got != projectNumber[id] {
				t.Errorf("%s: metadata.namespace %q, want project number %q", name, got, projectNumber[id])
			}
		case "v2":
			if got, want := str(d, "name"), strings.TrimPrefix(name, "//run.googleapis.com/"); got != want {
				t.Errorf("%s: data.name %q, want %q", name, got, want)
			}
		default:
			t.Errorf("%s: resource.version %q", name, r.Resource.Version)
		}
	}
	for _, k := range []string{"run.googleapis.com/Service v1", "run.googleapis.com/Service v2"} {
		if count[k] < 3 {
			t.Errorf("%d records of %s, want at least 3 (counts: %v)", count[k], k, count)
		}
	}
	for _, k := range []string{"run.googleapis.com/Job v1", "run.googleapis.com/Job v2"} {
		if count[k] < 1 {
			t.Errorf("no %s record (counts: %v)", k, count)
		}
	}
	total := 0
	for _, n := range count {
		total += n
	}
	if total < 25 || total > 40 {
		t.Errorf("%d services and jobs, want 25..40", total)
	}
}

// TestOrgScenarios pins the facts org/README.md promises, so the findings
// listed there keep their evidence.
func TestOrgScenarios(t *testing.T) {
	_, ix := readOrg(t)
	svc := func(project, region, name string) string {
		return "//run.googleapis.com/projects/" + project + "/locations/" + region + "/services/" + name
	}
	job := func(project, region, name string) string {
		return "//run.googleapis.com/projects/" + project + "/locations/" + region + "/jobs/" + name
	}
	res := func(name string) map[string]any {
		t.Helper()
		r, ok := ix["RESOURCE"][name]
		if !ok {
			t.Fatalf("no resource %s", name)
		}
		return r.Resource.Data
	}
	members := func(name, role string) []string {
		t.Helper()
		r, ok := ix["IAM_POLICY"][name]
		if !ok {
			t.Fatalf("no IAM policy for %s", name)
		}
		var out []string
		for _, b := range r.IAMPolicy.Bindings {
			if b.Role == role {
				out = append(out, b.Members...)
			}
		}
		return out
	}
	project := func(num string) string { return "//cloudresourcemanager.googleapis.com/projects/" + num }
	findByType := func(typ string, pred func(map[string]any) bool) *record {
		for _, r := range ix["RESOURCE"] {
			if r.AssetType == typ && pred(r.Resource.Data) {
				return r
			}
		}
		return nil
	}

	tests := []struct {
		name string
		got  string
		want string
	}{
		// PDF conversion.
		{"pdf-frontend invokers", strings.Join(members(svc("pdf-convert-prod", "us-central1", "pdf-frontend"), "roles/run.invoker"), ","), "allUsers"},
		{"pdf-worker runtime SA", str(res(svc("pdf-convert-prod", "us-central1", "pdf-worker")), "spec.template.spec.serviceAccountName"), ""},
		{"pdf-worker invokers", strings.Join(members(svc("pdf-convert-prod", "us-central1", "pdf-worker"), "roles/run.invoker"), ","), "allUsers"},
		{"pdf default SA is editor", fmt.Sprint(contains(members(project("204815367192"), "roles/editor"), "serviceAccount:204815367192-compute@developer.gserviceaccount.com")), "true"},
		{"pdf-thumbnailer runtime SA", str(res(svc("pdf-convert-prod", "us-central1", "pdf-thumbnailer")), "template.serviceAccount"), "204815367192-compute@developer.gserviceaccount.com"},
		{"pdf-cleanup runtime SA", str(res(job("pdf-convert-prod", "us-central1", "pdf-cleanup")), "spec.template.spec.template.spec.serviceAccountName"), ""},
		// Vault.
		{"vault-api DB_PASSWORD", str(res(svc("vault-prod", "europe-west1", "vault-api")), "spec.template.spec.containers.0.env.1.value"), "demo-only-not-a-real-password"},
		{"vault-api invokers", strings.Join(members(svc("vault-prod", "europe-west1", "vault-api"), "roles/run.invoker"), ","), "allUsers"},
		{"vault project secretAccessor", strings.Join(members(project("318276450921"), "roles/secretmanager.secretAccessor"), ","), "serviceAccount:vault-api@vault-prod.iam.gserviceaccount.com"},
		{"vault key ring encrypter", strings.Join(members("//cloudkms.googleapis.com/projects/vault-prod/locations/europe-west1/keyRings/vault-ring", "roles/cloudkms.cryptoKeyEncrypterDecrypter"), ","), "serviceAccount:vault-api@vault-prod.iam.gserviceaccount.com"},
		{"vault documents legacy reader", fmt.Sprint(contains(members("//storage.googleapis.com/vault-prod-documents", "roles/storage.legacyBucketReader"), "serviceAccount:vault-api@vault-prod.iam.gserviceaccount.com")), "true"},
		{"vault exports uniform access", fmt.Sprint(get(res("//storage.googleapis.com/vault-prod-exports"), "iamConfiguration.uniformBucketLevelAccess.enabled")), "false"},
		{"vault-admin iapEnabled", fmt.Sprint(get(res(svc("vault-prod", "europe-west1", "vault-admin")), "iapEnabled")), "true"},
		{"vault-rotate-keys runtime SA", str(res(job("vault-prod", "europe-west1", "vault-rotate-keys")), "template.template.serviceAccount"), "vault-api@vault-prod.iam.gserviceaccount.com"},
		// QA.
		{"qa-portal iapEnabled", fmt.Sprint(get(res(svc("qa-portal-nonprod", "us-east1", "qa-portal")), "iapEnabled")), "true"},
		{"qa-portal invokers", strings.Join(members(svc("qa-portal-nonprod", "us-east1", "qa-portal"), "roles/run.invoker"), ","), "serviceAccount:service-429187365042@gcp-sa-iap.iam.gserviceaccount.com"},
		{"qa-legacy-dashboard ingress", str(res(svc("qa-portal-nonprod", "us-east1", "qa-legacy-dashboard")), "metadata.annotations.run\\.googleapis\\.com/ingress"), "all"},
		{"qa backend IAP", fmt.Sprint(get(res("//compute.googleapis.com/projects/qa-portal-nonprod/global/backendServices/qa-dashboard-backend"), "iap.enabled")), "true"},
		{"qa NEG service", str(res("//compute.googleapis.com/projects/qa-portal-nonprod/regions/us-east1/networkEndpointGroups/qa-dashboard-neg"), "cloudRun.service"), "qa-legacy-dashboard"},
		// Fleet.
		{"fleet-web image", str(res(svc("fleet-web-prod", "us-central1", "fleet-web")), "template.containers.0.image"), "docker.io/library/nginx:1.27"},
		{"fleet-web invokers", strings.Join(members(svc("fleet-web-prod", "us-central1", "fleet-web"), "roles/run.invoker"), ","), "domain:example.com"},
		{"fleet-web-prod binauthz", str(res("//binaryauthorization.googleapis.com/projects/537291846503/policy"), "defaultAdmissionRule.evaluationMode"), "ALWAYS_ALLOW"},
		{"fleet-dev binauthz", str(res("//binaryauthorization.googleapis.com/projects/759413068725/policy"), "defaultAdmissionRule.enforcementMode"), "DRYRUN_AUDIT_LOG_ONLY"},
		{"fleet project invoker", strings.Join(members(project("537291846503"), "roles/run.invoker"), ","), "group:fleet-devs@example.com"},
		{"fleet project SA user", strings.Join(members(project("537291846503"), "roles/iam.serviceAccountUser"), ","), "group:fleet-deployers@example.com"},
		{"fleet-db open", str(res("//cloudsql.googleapis.com/projects/fleet-web-prod/instances/fleet-db"), "settings.ipConfiguration.authorizedNetworks.0.value"), "0.0.0.0/0"},
		{"fleet-reports invoker IAM off", str(res(svc("fleet-web-prod", "us-central1", "fleet-reports")), "metadata.annotations.run\\.googleapis\\.com/invoker-iam-disabled"), "true"},
		{"fleet-preview breakglass", fmt.Sprint(get(res(svc("fleet-dev", "us-central1", "fleet-preview")), "binaryAuthorization.breakglassJustification") != nil), "true"},
		{"fleet-api-dev invokers", strings.Join(members(svc("fleet-dev", "us-central1", "fleet-api-dev"), "roles/run.invoker"), ","), "allAuthenticatedUsers"},
		// Ledger (clean).
		{"ledger-api ingress", str(res(svc("ledger-prod", "us-central1", "ledger-api")), "ingress"), "INGRESS_TRAFFIC_INTERNAL_ONLY"},
		{"ledger-api egress", str(res(svc("ledger-prod", "us-central1", "ledger-api")), "template.vpcAccess.egress"), "ALL_TRAFFIC"},
		{"ledger-api binauthz", fmt.Sprint(get(res(svc("ledger-prod", "us-central1", "ledger-api")), "binaryAuthorization.useDefault")), "true"},
		{"ledger-api invokers", strings.Join(members(svc("ledger-prod", "us-central1", "ledger-api"), "roles/run.invoker"), ","), "serviceAccount:ledger-push-invoker@ledger-prod.iam.gserviceaccount.com"},
		{"ledger binauthz", str(res("//binaryauthorization.googleapis.com/projects/860524179836/policy"), "defaultAdmissionRule.evaluationMode"), "REQUIRE_ATTESTATION"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}

	// Push subscriptions: pdf-worker's has no OIDC token, ledger-api's has one.
	worker := str(res(svc("pdf-convert-prod", "us-central1", "pdf-worker")), "status.url")
	sub := findByType("pubsub.googleapis.com/Subscription", func(d map[string]any) bool {
		return strings.HasPrefix(str(d, "pushConfig.pushEndpoint"), worker)
	})
	if sub == nil || get(sub.Resource.Data, "pushConfig.oidcToken") != nil {
		t.Errorf("want a push subscription to %s without oidcToken, got %+v", worker, sub)
	}
	ledger := str(res(svc("ledger-prod", "us-central1", "ledger-api")), "uri")
	sub = findByType("pubsub.googleapis.com/Subscription", func(d map[string]any) bool {
		return strings.HasPrefix(str(d, "pushConfig.pushEndpoint"), ledger)
	})
	if sub == nil || str(sub.Resource.Data, "pushConfig.oidcToken.serviceAccountEmail") != "ledger-push-invoker@ledger-prod.iam.gserviceaccount.com" {
		t.Errorf("want a push subscription to %s with oidcToken as ledger-push-invoker, got %+v", ledger, sub)
	}
	// The Scheduler job calling fleet-reports has no token.
	reports := str(res(svc("fleet-web-prod", "us-central1", "fleet-reports")), "status.url")
	sj := findByType("cloudscheduler.googleapis.com/Job", func(d map[string]any) bool {
		return strings.HasPrefix(str(d, "httpTarget.uri"), reports)
	})
	if sj == nil || get(sj.Resource.Data, "httpTarget.oidcToken") != nil || get(sj.Resource.Data, "httpTarget.oauthToken") != nil {
		t.Errorf("want an unauthenticated Scheduler job calling %s, got %+v", reports, sj)
	}
	// Eventarc trigger as the default compute SA.
	tr := res("//eventarc.googleapis.com/projects/fleet-web-prod/locations/us-central1/triggers/fleet-asset-uploaded")
	if got := str(tr, "serviceAccount"); got != "537291846503-compute@developer.gserviceaccount.com" {
		t.Errorf("fleet-asset-uploaded serviceAccount = %q", got)
	}
	// An enabled user-managed key on fleet-runtime, a disabled one on fleet-dev-runtime.
	keys := map[string]int{}
	for _, r := range ix["RESOURCE"] {
		if r.AssetType == "iam.googleapis.com/ServiceAccountKey" && str(r.Resource.Data, "keyType") == "USER_MANAGED" {
			email := strings.Split(str(r.Resource.Data, "name"), "/")[3]
			keys[email+" disabled="+fmt.Sprint(get(r.Resource.Data, "disabled"))]++
		}
	}
	for _, want := range []string{
		"fleet-runtime@fleet-web-prod.iam.gserviceaccount.com disabled=false",
		"fleet-dev-runtime@fleet-dev.iam.gserviceaccount.com disabled=true",
	} {
		if keys[want] != 1 {
			t.Errorf("user-managed keys %v: want one %q", keys, want)
		}
	}
	// Conditional invokers on fleet-api, one expired.
	var conds []string
	for _, b := range ix["IAM_POLICY"][svc("fleet-web-prod", "us-central1", "fleet-api")].IAMPolicy.Bindings {
		if b.Condition != nil {
			conds = append(conds, b.Condition.Expression)
		}
	}
	if len(conds) != 2 || !strings.Contains(conds[0], "2030-01-01") || !strings.Contains(conds[1], "2025-06-30") {
		t.Errorf("fleet-api conditions = %q", conds)
	}
	// Token creator on the shared runtime SA for a user.
	rt := ix["RESOURCE"]
	var rtName string
	for name, r := range rt {
		if r.AssetType == "iam.googleapis.com/ServiceAccount" && str(r.Resource.Data, "email") == "fleet-runtime@fleet-web-prod.iam.gserviceaccount.com" {
			rtName = name
		}
	}
	if got := members(rtName, "roles/iam.serviceAccountTokenCreator"); !contains(got, "user:sam.contractor@example.com") {
		t.Errorf("fleet-runtime token creators = %q", got)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// get walks a dotted path through decoded JSON; numeric segments index
// arrays and `\.` escapes a dot inside a key.
func get(v any, path string) any {
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			cur.WriteByte(path[i])
		case path[i] == '.':
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(path[i])
		}
	}
	segs = append(segs, cur.String())
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			v = x[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path string) string {
	s, _ := get(v, path).(string)
	return s
}
