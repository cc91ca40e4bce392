package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	asset "cloud.google.com/go/asset/apiv1"
	"cloud.google.com/go/asset/apiv1/assetpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/runlens/runlens/internal/iam"
)

// Names in the live fixture.
const (
	liveOrg     = "//cloudresourcemanager.googleapis.com/organizations/100"
	liveProject = "//cloudresourcemanager.googleapis.com/projects/111"
	liveSvcV2   = "//run.googleapis.com/projects/p-one/locations/europe-west1/services/api"
	liveSvcV1   = "//run.googleapis.com/projects/p-two/locations/us-central1/services/legacy"
	liveSA      = "//iam.googleapis.com/projects/p-one/serviceAccounts/104857600000000000001"
	liveJob     = "//run.googleapis.com/projects/p-flaky/locations/europe-west1/jobs/nightly"
	liveSecret  = "//secretmanager.googleapis.com/projects/333/secrets/db-password"
)

// liveFixture is a small organization, and one project outside it, in the
// spelling of `gcloud asset export` (snake_case top level). The fake server
// parses it into assetpb.Asset values and serves it through ListAssets; the
// file reader reads the same lines, and the two must agree.
var liveFixture = []struct {
	scope string
	lines string
}{
	{"organizations/100", `
{"name":"//cloudresourcemanager.googleapis.com/organizations/100","asset_type":"cloudresourcemanager.googleapis.com/Organization","resource":{"version":"v1","discovery_name":"Organization","data":{"displayName":"example.com","name":"organizations/100"}},"ancestors":["organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//cloudresourcemanager.googleapis.com/organizations/100","asset_type":"cloudresourcemanager.googleapis.com/Organization","iam_policy":{"version":1,"etag":"BwX3kSv4lSo=","bindings":[{"role":"roles/owner","members":["user:admin@example.com"]},{"role":"roles/run.invoker","members":["domain:example.com"]}]},"ancestors":["organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//cloudresourcemanager.googleapis.com/projects/111","asset_type":"cloudresourcemanager.googleapis.com/Project","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/organizations/100","data":{"projectId":"p-one","projectNumber":"111","lifecycleState":"ACTIVE"}},"ancestors":["projects/111","organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//cloudresourcemanager.googleapis.com/projects/222","asset_type":"cloudresourcemanager.googleapis.com/Project","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/organizations/100","data":{"projectId":"p-two","projectNumber":"222","lifecycleState":"ACTIVE"}},"ancestors":["projects/222","organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//run.googleapis.com/projects/p-one/locations/europe-west1/services/api","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","parent":"//cloudresourcemanager.googleapis.com/projects/111","location":"europe-west1","data":{"name":"projects/p-one/locations/europe-west1/services/api","ingress":"INGRESS_TRAFFIC_ALL","invokerIamDisabled":false,"template":{"serviceAccount":"api@p-one.iam.gserviceaccount.com","containers":[{"image":"europe-docker.pkg.dev/p-one/app/api@sha256:0123","ports":[{"containerPort":8080}]}]},"uri":"https://api-xyz-ew.a.run.app"}},"ancestors":["projects/111","organizations/100"],"update_time":"2025-06-02T08:30:00Z"}
{"name":"//run.googleapis.com/projects/p-one/locations/europe-west1/services/api","asset_type":"run.googleapis.com/Service","iam_policy":{"version":3,"etag":"BwYFmEeFfZo=","bindings":[{"role":"roles/run.invoker","members":["serviceAccount:caller@p-one.iam.gserviceaccount.com"]},{"role":"roles/run.invoker","members":["group:eng@example.com"],"condition":{"title":"until 2030","description":"temporary","expression":"request.time < timestamp(\"2030-01-01T00:00:00Z\")"}}]},"ancestors":["projects/111","organizations/100"],"update_time":"2025-06-02T08:30:00Z"}
{"name":"//run.googleapis.com/projects/p-two/locations/us-central1/services/legacy","asset_type":"run.googleapis.com/Service","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/projects/222","location":"us-central1","data":{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"legacy","namespace":"222","annotations":{"run.googleapis.com/ingress":"all"}},"spec":{"template":{"spec":{"serviceAccountName":"","containers":[{"image":"gcr.io/p-two/legacy:latest"}]}}},"status":{"url":"https://legacy-abc-uc.a.run.app"}}},"ancestors":["projects/222","organizations/100"],"update_time":"2025-06-01T11:00:00Z"}
{"name":"//iam.googleapis.com/projects/p-one/serviceAccounts/104857600000000000001","asset_type":"iam.googleapis.com/ServiceAccount","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/projects/111","data":{"email":"api@p-one.iam.gserviceaccount.com","name":"projects/p-one/serviceAccounts/api@p-one.iam.gserviceaccount.com","uniqueId":"104857600000000000001"}},"ancestors":["projects/111","organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//iam.googleapis.com/projects/p-one/serviceAccounts/104857600000000000001","asset_type":"iam.googleapis.com/ServiceAccount","iam_policy":{"version":1,"etag":"BwX3kSv4lSo=","bindings":[{"role":"roles/iam.serviceAccountUser","members":["user:dev@example.com"]}]},"ancestors":["projects/111","organizations/100"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//cloudresourcemanager.googleapis.com/projects/111","asset_type":"cloudresourcemanager.googleapis.com/Project","org_policy":[{"constraint":"constraints/iam.disableServiceAccountKeyCreation","boolean_policy":{"enforced":true},"update_time":"2025-05-01T00:00:00Z"}],"ancestors":["projects/111","organizations/100"],"update_time":"2025-05-01T00:00:00Z"}
`},
	{"projects/p-flaky", `
{"name":"//cloudresourcemanager.googleapis.com/projects/333","asset_type":"cloudresourcemanager.googleapis.com/Project","resource":{"version":"v1","data":{"projectId":"p-flaky","projectNumber":"333"}},"ancestors":["projects/333"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//run.googleapis.com/projects/p-flaky/locations/europe-west1/jobs/nightly","asset_type":"run.googleapis.com/Job","resource":{"version":"v2","parent":"//cloudresourcemanager.googleapis.com/projects/333","location":"europe-west1","data":{"template":{"template":{"serviceAccount":"batch@p-flaky.iam.gserviceaccount.com"}}}},"ancestors":["projects/333"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//secretmanager.googleapis.com/projects/333/secrets/db-password","asset_type":"secretmanager.googleapis.com/Secret","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/projects/333","data":{"name":"projects/333/secrets/db-password","replication":{"automatic":{}}}},"ancestors":["projects/333"],"update_time":"2025-06-01T10:00:00Z"}
{"name":"//secretmanager.googleapis.com/projects/333/secrets/db-password","asset_type":"secretmanager.googleapis.com/Secret","iam_policy":{"version":1,"bindings":[{"role":"roles/secretmanager.secretAccessor","members":["serviceAccount:batch@p-flaky.iam.gserviceaccount.com"]}]},"ancestors":["projects/333"],"update_time":"2025-06-01T10:00:00Z"}
`},
}

// fixtureAssets parses the fixture for the fake server, by scope.
func fixtureAssets(t *testing.T) map[string][]*assetpb.Asset {
	t.Helper()
	byScope := make(map[string][]*assetpb.Asset)
	for _, f := range liveFixture {
		for line := range strings.Lines(strings.TrimSpace(f.lines)) {
			a := new(assetpb.Asset)
			if err := protojson.Unmarshal([]byte(line), a); err != nil {
				t.Fatalf("fixture %s: protojson.Unmarshal(%s): %v", f.scope, line, err)
			}
			byScope[f.scope] = append(byScope[f.scope], a)
		}
	}
	return byScope
}

// fixtureLines is the whole fixture as one JSON-lines file.
func fixtureLines() string {
	var b strings.Builder
	for _, f := range liveFixture {
		b.WriteString(strings.TrimSpace(f.lines))
		b.WriteString("\n")
	}
	return b.String()
}

// listCall is one ListAssets request as the fake saw it.
type listCall struct {
	Parent      string
	ContentType assetpb.ContentType
	PageToken   string
}

// failFunc decides whether the fake fails a request; attempt counts the
// requests for the same page, from 1. It may block on ctx.
type failFunc func(ctx context.Context, req *assetpb.ListAssetsRequest, attempt int) error

// fakeAssetServer serves ListAssets from a fixture, at most two assets a
// page, and records every request.
type fakeAssetServer struct {
	assetpb.UnimplementedAssetServiceServer
	assets map[string][]*assetpb.Asset // by scope
	fail   failFunc

	mu        sync.Mutex
	calls     []listCall
	requests  []*assetpb.ListAssetsRequest
	deadlines []time.Duration // time left on each request's deadline; -1 if none
	attempts  map[listCall]int
}

const fakePageSize = 2

func (s *fakeAssetServer) ListAssets(ctx context.Context, req *assetpb.ListAssetsRequest) (*assetpb.ListAssetsResponse, error) {
	call := listCall{req.GetParent(), req.GetContentType(), req.GetPageToken()}
	left := time.Duration(-1)
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.requests = append(s.requests, req)
	s.deadlines = append(s.deadlines, left)
	s.attempts[call]++
	attempt := s.attempts[call]
	s.mu.Unlock()

	if s.fail != nil {
		if err := s.fail(ctx, req, attempt); err != nil {
			return nil, err
		}
	}
	var match []*assetpb.Asset
	for _, a := range s.assets[req.GetParent()] {
		if contentTypeOf(a) == req.GetContentType() &&
			(len(req.GetAssetTypes()) == 0 || slices.Contains(req.GetAssetTypes(), a.GetAssetType())) {
			match = append(match, a)
		}
	}
	start := 0
	if tok := req.GetPageToken(); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "tok-"))
		if err != nil || n > len(match) {
			return nil, status.Errorf(codes.InvalidArgument, "bad page token %q", tok)
		}
		start = n
	}
	size := fakePageSize
	if ps := int(req.GetPageSize()); ps > 0 && ps < size {
		size = ps
	}
	end := min(start+size, len(match))
	resp := &assetpb.ListAssetsResponse{Assets: match[start:end]}
	if end < len(match) {
		resp.NextPageToken = fmt.Sprintf("tok-%d", end)
	}
	return resp, nil
}

// log returns copies of what the fake has seen, in order.
func (s *fakeAssetServer) log() ([]listCall, []*assetpb.ListAssetsRequest, []time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls), slices.Clone(s.requests), slices.Clone(s.deadlines)
}

// attemptsAt returns how many requests the fake has seen for one page.
func (s *fakeAssetServer) attemptsAt(c listCall) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[c]
}

func contentTypeOf(a *assetpb.Asset) assetpb.ContentType {
	switch {
	case a.GetResource() != nil:
		return assetpb.ContentType_RESOURCE
	case a.GetIamPolicy() != nil:
		return assetpb.ContentType_IAM_POLICY
	case len(a.GetOrgPolicy()) > 0:
		return assetpb.ContentType_ORG_POLICY
	}
	return assetpb.ContentType_CONTENT_TYPE_UNSPECIFIED
}

// startFake serves fake over an in-memory connection and returns the real
// Cloud Asset client talking to it.
func startFake(t *testing.T, fake *fakeAssetServer) *asset.Client {
	t.Helper()
	if fake.attempts == nil {
		fake.attempts = make(map[listCall]int)
	}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	assetpb.RegisterAssetServiceServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	client, err := asset.NewClient(t.Context(), option.WithGRPCConn(conn))
	if err != nil {
		t.Fatalf("asset.NewClient: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// fastRetry keeps test backoff tiny.
var fastRetry = RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: 2 * time.Millisecond}

// failOn fails the given attempts of one page (parent, content type, token)
// with code; attempts nil means every attempt.
func failOn(page listCall, code codes.Code, attempts ...int) failFunc {
	return func(_ context.Context, req *assetpb.ListAssetsRequest, attempt int) error {
		if (listCall{req.GetParent(), req.GetContentType(), req.GetPageToken()}) != page {
			return nil
		}
		if attempts != nil && !slices.Contains(attempts, attempt) {
			return nil
		}
		return status.Errorf(code, "fake %s on %s", code, req.GetParent())
	}
}

// failScope fails every request for parent with code.
func failScope(parent string, code codes.Code) failFunc {
	return func(_ context.Context, req *assetpb.ListAssetsRequest, _ int) error {
		if req.GetParent() != parent {
			return nil
		}
		return status.Errorf(code, "fake %s on %s", code, parent)
	}
}

func anyOf(fs ...failFunc) failFunc {
	return func(ctx context.Context, req *assetpb.ListAssetsRequest, attempt int) error {
		for _, f := range fs {
			if err := f(ctx, req, attempt); err != nil {
				return err
			}
		}
		return nil
	}
}

const (
	ctRes = assetpb.ContentType_RESOURCE
	ctIAM = assetpb.ContentType_IAM_POLICY
	ctOrg = assetpb.ContentType_ORG_POLICY
)

// TestReadLive reads the fixture organization, a project whose second page
// fails once with UNAVAILABLE, and a project the caller may not read.
func TestReadLive(t *testing.T) {
	fake := &fakeAssetServer{
		assets: fixtureAssets(t),
		fail: anyOf(
			failOn(listCall{"projects/p-flaky", ctRes, "tok-2"}, codes.Unavailable, 1),
			failScope("projects/denied", codes.PermissionDenied),
		),
	}
	client := startFake(t, fake)
	type progressCall struct {
		Scope          string
		Records, Pages int
	}
	var progress []progressCall
	opts := LiveOptions{
		PageTimeout: 5 * time.Second,
		Retry:       fastRetry,
		Progress:    func(scope string, n, pages int) { progress = append(progress, progressCall{scope, n, pages}) },
	}
	r := NewReader()
	scopes := []string{"organizations/100", "projects/p-flaky", "projects/denied"}
	if err := r.ReadLive(t.Context(), client, scopes, opts); err != nil {
		t.Fatalf("ReadLive(%v) = %v, want nil", scopes, err)
	}
	live := r.Inventory()

	t.Run("agrees with the file reader", func(t *testing.T) {
		fr := NewReader()
		if err := fr.Read("fixture.jsonl", strings.NewReader(fixtureLines())); err != nil {
			t.Fatalf("Read(fixture) = %v", err)
		}
		file := fr.Inventory()
		if len(file.Problems) != 0 {
			t.Fatalf("file reader problems: %v", file.Problems)
		}
		if diff := cmp.Diff(file.Assets, live.Assets, cmpopts.IgnoreFields(Asset{}, "Source"), jsonEqual()); diff != "" {
			t.Errorf("live assets differ from file assets (-want file +got live):\n%s", diff)
		}
		if got, want := live.Records, file.Records; got != want {
			t.Errorf("live Records = %d, want %d (as the file reader counts)", got, want)
		}
		if got, want := live.Skipped, 0; got != want {
			t.Errorf("live Skipped = %d, want %d", got, want)
		}
	})

	t.Run("pages are requested by token", func(t *testing.T) {
		want := []listCall{
			{"organizations/100", ctRes, ""}, {"organizations/100", ctRes, "tok-2"}, {"organizations/100", ctRes, "tok-4"},
			{"organizations/100", ctIAM, ""}, {"organizations/100", ctIAM, "tok-2"},
			{"organizations/100", ctOrg, ""},
			{"projects/p-flaky", ctRes, ""}, {"projects/p-flaky", ctRes, "tok-2"}, {"projects/p-flaky", ctRes, "tok-2"}, // retried
			{"projects/p-flaky", ctIAM, ""},
			{"projects/p-flaky", ctOrg, ""},
			{"projects/denied", ctRes, ""},
			{"projects/denied", ctIAM, ""},
			{"projects/denied", ctOrg, ""},
		}
		calls, _, _ := fake.log()
		if diff := cmp.Diff(want, calls); diff != "" {
			t.Errorf("ListAssets calls (-want +got):\n%s", diff)
		}
	})

	t.Run("requests carry asset types, page size and a deadline", func(t *testing.T) {
		calls, requests, deadlines := fake.log()
		for i, req := range requests {
			if diff := cmp.Diff(KnownTypes(), req.GetAssetTypes()); diff != "" {
				t.Errorf("request %d (%v): asset types (-want +got):\n%s", i, calls[i], diff)
			}
			if got, want := req.GetPageSize(), int32(500); got != want {
				t.Errorf("request %d (%v): page size = %d, want %d", i, calls[i], got, want)
			}
			if left := deadlines[i]; left <= 0 || left > opts.PageTimeout {
				t.Errorf("request %d (%v): deadline %v away, want within the page timeout %v", i, calls[i], left, opts.PageTimeout)
			}
		}
	})

	t.Run("the retried page arrived", func(t *testing.T) {
		if got, want := fake.attemptsAt(listCall{"projects/p-flaky", ctRes, "tok-2"}), 2; got != want {
			t.Errorf("attempts at the flaky page = %d, want %d", got, want)
		}
		if a := findAsset(live, liveSecret); a == nil || a.Data == nil {
			t.Errorf("asset %s from the flaky page: got %+v, want its resource", liveSecret, a)
		}
	})

	t.Run("permission denied is a problem per content type", func(t *testing.T) {
		want := []Problem{
			{Source: Source{File: "live projects/denied (RESOURCE)"}, Kind: ProblemPermissionDenied},
			{Source: Source{File: "live projects/denied (IAM_POLICY)"}, Kind: ProblemPermissionDenied},
			{Source: Source{File: "live projects/denied (ORG_POLICY)"}, Kind: ProblemPermissionDenied},
		}
		if diff := cmp.Diff(want, live.Problems, cmpopts.IgnoreFields(Problem{}, "Msg")); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		for _, p := range live.Problems {
			for _, s := range []string{"projects/denied", "fake PermissionDenied on projects/denied"} {
				if !strings.Contains(p.Msg, s) {
					t.Errorf("problem %q does not name %q", p.Msg, s)
				}
			}
		}
	})

	t.Run("progress", func(t *testing.T) {
		want := []progressCall{
			{"organizations/100", 2, 1}, {"organizations/100", 4, 2}, {"organizations/100", 6, 3}, // RESOURCE
			{"organizations/100", 8, 4}, {"organizations/100", 9, 5}, // IAM_POLICY
			{"organizations/100", 10, 6},                           // ORG_POLICY
			{"projects/p-flaky", 2, 1}, {"projects/p-flaky", 3, 2}, // retried pages count once
			{"projects/p-flaky", 4, 3},
			{"projects/p-flaky", 4, 4}, // no org policies: an empty page
		}
		if diff := cmp.Diff(want, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
	})

	t.Run("IAM policies decode from protojson", func(t *testing.T) {
		tests := []struct {
			name string
			want *iam.Policy
		}{
			{liveSvcV2, &iam.Policy{Version: 3, Etag: "BwYFmEeFfZo=", Bindings: []iam.Binding{
				{Role: "roles/run.invoker", Members: []string{"serviceAccount:caller@p-one.iam.gserviceaccount.com"}},
				{Role: "roles/run.invoker", Members: []string{"group:eng@example.com"}, Condition: &iam.Condition{
					Title: "until 2030", Description: "temporary", Expression: `request.time < timestamp("2030-01-01T00:00:00Z")`,
				}},
			}}},
			{liveOrg, &iam.Policy{Version: 1, Etag: "BwX3kSv4lSo=", Bindings: []iam.Binding{
				{Role: "roles/owner", Members: []string{"user:admin@example.com"}},
				{Role: "roles/run.invoker", Members: []string{"domain:example.com"}},
			}}},
			{liveSvcV1, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := findAsset(live, tc.name)
				if a == nil {
					t.Fatalf("asset %s missing", tc.name)
				}
				if diff := cmp.Diff(tc.want, a.IAMPolicy); diff != "" {
					t.Errorf("IAMPolicy of %s (-want +got):\n%s", tc.name, diff)
				}
			})
		}
	})

	t.Run("resource data decodes from structpb", func(t *testing.T) {
		tests := []struct {
			name    string
			asset   string
			path    string
			want    any
			version string
		}{
			{"v2 runtime service account", liveSvcV2, "template/serviceAccount", "api@p-one.iam.gserviceaccount.com", "v2"},
			{"v2 image", liveSvcV2, "template/containers/0/image", "europe-docker.pkg.dev/p-one/app/api@sha256:0123", "v2"},
			{"v2 port is a number", liveSvcV2, "template/containers/0/ports/0/containerPort", 8080.0, "v2"},
			{"v2 ingress", liveSvcV2, "ingress", "INGRESS_TRAFFIC_ALL", "v2"},
			{"v2 false is kept", liveSvcV2, "invokerIamDisabled", false, "v2"},
			{"v1 api version", liveSvcV1, "apiVersion", "serving.knative.dev/v1", "v1"},
			{"v1 ingress annotation", liveSvcV1, "metadata/annotations/run.googleapis.com~1ingress", "all", "v1"},
			{"v1 empty service account", liveSvcV1, "spec/template/spec/serviceAccountName", "", "v1"},
			{"v1 namespace is the project number", liveSvcV1, "metadata/namespace", "222", "v1"},
			{"service account email", liveSA, "email", "api@p-one.iam.gserviceaccount.com", "v1"},
			{"job runtime service account", liveJob, "template/template/serviceAccount", "batch@p-flaky.iam.gserviceaccount.com", "v2"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := findAsset(live, tc.asset)
				if a == nil {
					t.Fatalf("asset %s missing", tc.asset)
				}
				if a.Version != tc.version {
					t.Errorf("%s: Version = %q, want %q", tc.asset, a.Version, tc.version)
				}
				got, err := jsonPointer(a.Data, tc.path)
				if err != nil {
					t.Fatalf("%s data at /%s: %v\ndata: %s", tc.asset, tc.path, err, a.Data)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s data at /%s (-want +got):\n%s", tc.asset, tc.path, diff)
				}
			})
		}
	})

	t.Run("parent and ancestors", func(t *testing.T) {
		a := findAsset(live, liveSvcV2)
		if a == nil {
			t.Fatalf("asset %s missing", liveSvcV2)
		}
		got := []string{a.Type, a.Parent, a.Location, a.UpdateTime, strings.Join(a.Ancestors, ",")}
		want := []string{TypeRunService, liveProject, "europe-west1", "2025-06-02T08:30:00Z", "projects/111,organizations/100"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s type, parent, location, update time, ancestors (-want +got):\n%s", liveSvcV2, diff)
		}
	})
}

// TestReadLiveFailures covers what a failing or slow API does to a read.
func TestReadLiveFailures(t *testing.T) {
	blockFirst := func(page listCall) failFunc {
		return func(ctx context.Context, req *assetpb.ListAssetsRequest, attempt int) error {
			if (listCall{req.GetParent(), req.GetContentType(), req.GetPageToken()}) != page || attempt > 1 {
				return nil
			}
			<-ctx.Done() // outlive the client's page deadline
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	tests := []struct {
		name         string
		scopes       []string
		fail         failFunc
		opts         LiveOptions
		wantErr      bool
		wantProblems []Problem // Msg is checked to contain the Msg given here
		wantAttempts map[listCall]int
		wantAssets   []string // present; all assets when nil
		wantNoIAM    []string // present, without an IAM policy
	}{
		{
			name:   "permanently unavailable scope gives up after bounded attempts",
			scopes: []string{"organizations/100", "projects/p-down"},
			fail:   failScope("projects/p-down", codes.Unavailable),
			wantProblems: []Problem{
				{Source: Source{File: "live projects/p-down (RESOURCE)"}, Kind: ProblemUnavailable, Msg: "gave up after 3 attempts: fake Unavailable on projects/p-down"},
				{Source: Source{File: "live projects/p-down (IAM_POLICY)"}, Kind: ProblemUnavailable, Msg: "projects/p-down"},
				{Source: Source{File: "live projects/p-down (ORG_POLICY)"}, Kind: ProblemUnavailable, Msg: "projects/p-down"},
			},
			wantAttempts: map[listCall]int{
				{"projects/p-down", ctRes, ""}: 3, {"projects/p-down", ctIAM, ""}: 3, {"projects/p-down", ctOrg, ""}: 3,
			},
			wantAssets: []string{liveOrg, liveSvcV1, liveSvcV2, liveSA},
		},
		{
			name:   "resource exhausted is retried",
			scopes: []string{"organizations/100"},
			fail:   failOn(listCall{"organizations/100", ctIAM, "tok-2"}, codes.ResourceExhausted, 1, 2),
			wantAttempts: map[listCall]int{
				{"organizations/100", ctIAM, ""}: 1, {"organizations/100", ctIAM, "tok-2"}: 3,
			},
			wantAssets: []string{liveSA},
		},
		{
			name:   "a page that outlives its deadline is fetched again",
			scopes: []string{"organizations/100"},
			fail:   blockFirst(listCall{"organizations/100", ctRes, "tok-2"}),
			opts:   LiveOptions{PageTimeout: 300 * time.Millisecond},
			wantAttempts: map[listCall]int{
				{"organizations/100", ctRes, ""}: 1, {"organizations/100", ctRes, "tok-2"}: 2, {"organizations/100", ctRes, "tok-4"}: 1,
			},
			wantAssets: []string{liveProject, liveSvcV2},
		},
		{
			name:   "permission denied on one content type",
			scopes: []string{"organizations/100"},
			fail:   failOn(listCall{"organizations/100", ctIAM, ""}, codes.PermissionDenied),
			wantProblems: []Problem{
				{Source: Source{File: "live organizations/100 (IAM_POLICY)"}, Kind: ProblemPermissionDenied, Msg: "IAM_POLICY of organizations/100 not read: fake PermissionDenied on organizations/100"},
			},
			wantAttempts: map[listCall]int{{"organizations/100", ctIAM, ""}: 1},
			wantNoIAM:    []string{liveOrg, liveSvcV2, liveSA},
		},
		{
			name:   "other refusals are not retried",
			scopes: []string{"projects/p-gone", "organizations/100"},
			fail:   failScope("projects/p-gone", codes.NotFound),
			wantProblems: []Problem{
				{Source: Source{File: "live projects/p-gone (RESOURCE)"}, Kind: ProblemAPIError, Msg: "fake NotFound on projects/p-gone"},
				{Source: Source{File: "live projects/p-gone (IAM_POLICY)"}, Kind: ProblemAPIError, Msg: "projects/p-gone"},
				{Source: Source{File: "live projects/p-gone (ORG_POLICY)"}, Kind: ProblemAPIError, Msg: "projects/p-gone"},
			},
			wantAttempts: map[listCall]int{{"projects/p-gone", ctRes, ""}: 1},
			wantAssets:   []string{liveOrg},
		},
		{
			name:    "nothing readable is an error",
			scopes:  []string{"projects/denied"},
			fail:    failScope("projects/denied", codes.PermissionDenied),
			wantErr: true,
			wantProblems: []Problem{
				{Source: Source{File: "live projects/denied (RESOURCE)"}, Kind: ProblemPermissionDenied, Msg: "projects/denied"},
				{Source: Source{File: "live projects/denied (IAM_POLICY)"}, Kind: ProblemPermissionDenied, Msg: "projects/denied"},
				{Source: Source{File: "live projects/denied (ORG_POLICY)"}, Kind: ProblemPermissionDenied, Msg: "projects/denied"},
			},
			wantAssets: []string{},
		},
		{
			name:       "an empty scope is not an error",
			scopes:     []string{"folders/42"},
			wantAssets: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeAssetServer{assets: fixtureAssets(t), fail: tc.fail}
			client := startFake(t, fake)
			opts := tc.opts
			opts.Retry = fastRetry
			r := NewReader()
			err := r.ReadLive(t.Context(), client, tc.scopes, opts)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("ReadLive(%v) = %v, want error: %v", tc.scopes, err, tc.wantErr)
			}
			inv := r.Inventory()

			if diff := cmp.Diff(tc.wantProblems, inv.Problems, cmpopts.EquateEmpty(), cmp.Comparer(func(want, got Problem) bool {
				return want.Source == got.Source && want.Kind == got.Kind &&
					(strings.Contains(got.Msg, want.Msg) || strings.Contains(want.Msg, got.Msg))
			})); diff != "" {
				t.Errorf("problems (-want +got, Msg by containment):\n%s", diff)
			}
			for call, want := range tc.wantAttempts {
				if got := fake.attemptsAt(call); got != want {
					t.Errorf("attempts at %v = %d, want %d", call, got, want)
				}
			}
			var names []string
			for _, a := range inv.Assets {
				names = append(names, a.Name)
			}
			for _, name := range tc.wantAssets {
				if !slices.Contains(names, name) {
					t.Errorf("asset %s missing; got %v", name, names)
				}
			}
			if tc.wantAssets != nil && len(tc.wantAssets) == 0 && len(names) != 0 {
				t.Errorf("assets = %v, want none", names)
			}
			for _, name := range tc.wantNoIAM {
				switch a := findAsset(inv, name); {
				case a == nil:
					t.Errorf("asset %s missing", name)
				case a.IAMPolicy != nil:
					t.Errorf("asset %s: IAMPolicy = %+v, want nil (IAM_POLICY was denied)", name, a.IAMPolicy)
				}
			}
		})
	}
}

func TestReadLiveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fake := &fakeAssetServer{
		assets: fixtureAssets(t),
		fail: func(sctx context.Context, req *assetpb.ListAssetsRequest, _ int) error {
			if req.GetPageToken() != "tok-2" {
				return nil
			}
			cancel()
			<-sctx.Done()
			return status.FromContextError(sctx.Err()).Err()
		},
	}
	client := startFake(t, fake)
	r := NewReader()
	err := r.ReadLive(ctx, client, []string{"organizations/100", "projects/p-flaky"}, LiveOptions{Retry: fastRetry})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadLive with a cancelled context = %v, want context.Canceled", err)
	}
	if got, want := fake.attemptsAt(listCall{"organizations/100", ctRes, "tok-2"}), 1; got != want {
		t.Errorf("attempts at the cancelled page = %d, want %d (no retry after cancel)", got, want)
	}
	calls, _, _ := fake.log()
	for _, c := range calls {
		if c.Parent == "projects/p-flaky" {
			t.Errorf("request %v after cancel", c)
		}
	}
}

func TestReadLiveInvalidScope(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		want   string // in the error
	}{
		{"no scopes", nil, "no scope"},
		{"organization not a number", []string{"organizations/example.com"}, `"organizations/example.com"`},
		{"folder without number", []string{"folders/"}, `"folders/"`},
		{"project without id", []string{"projects/"}, `"projects/"`},
		{"project id upper case", []string{"projects/P-One"}, `"projects/P-One"`},
		{"project id too short", []string{"projects/abc"}, `"projects/abc"`},
		{"unknown kind", []string{"org/100"}, `"org/100"`},
		{"full resource name", []string{"//cloudresourcemanager.googleapis.com/projects/p-one"}, "//cloudresourcemanager"},
		{"leading space", []string{" projects/p-one"}, `" projects/p-one"`},
		{"bad one among good ones", []string{"projects/my-project", "projects/p_two", "organizations/100"}, `"projects/p_two"`},
		{"empty", []string{""}, `""`},
	}
	fake := &fakeAssetServer{assets: fixtureAssets(t)}
	client := startFake(t, fake)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewReader().ReadLive(t.Context(), client, tc.scopes, LiveOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadLive(%q) = %v, want an error naming %s", tc.scopes, err, tc.want)
			}
		})
	}
	if calls, _, _ := fake.log(); len(calls) != 0 {
		t.Errorf("ListAssets calls for invalid scopes: %v, want none", calls)
	}
}

func TestValidScope(t *testing.T) {
	tests := []struct {
		scope string
		want  bool
	}{
		{"organizations/100", true},
		{"folders/42", true},
		{"projects/my-project", true},
		{"projects/123456789012", true},
		{"projects/example.com:legacy-app", true},
		{"projects/a-thirty-one-character-projectx", false},
		{"projects/abcdef", true},
		{"projects/my-project-", false},
		{"organizations/", false},
		{"folders/x", false},
		{"projects/my-project/", false},
	}
	for _, tc := range tests {
		if got := ValidScope(tc.scope); got != tc.want {
			t.Errorf("ValidScope(%q) = %v, want %v", tc.scope, got, tc.want)
		}
	}
}

// TestLiveRecordJSON checks that assets built as protos, the way the client
// returns them, reach the reader intact: an iam.v1.Policy with a conditional
// binding and resource data as a structpb.Struct.
func TestLiveRecordJSON(t *testing.T) {
	data, err := structpb.NewStruct(map[string]any{
		"template": map[string]any{
			"serviceAccount":                "api@p-one.iam.gserviceaccount.com",
			"containers":                    []any{map[string]any{"image": "gcr.io/p/app@sha256:00", "env": []any{map[string]any{"name": "PORT", "value": "8080"}}}},
			"maxInstanceRequestConcurrency": 80,
		},
		"binaryAuthorization": map[string]any{"useDefault": true},
	})
	if err != nil {
		t.Fatalf("structpb.NewStruct: %v", err)
	}
	tests := []struct {
		name       string
		asset      *assetpb.Asset
		wantPolicy *iam.Policy
		wantData   string // JSON; "" for no data
	}{
		{
			name: "IAM policy with a conditional binding",
			asset: &assetpb.Asset{
				Name: liveSvcV2, AssetType: TypeRunService,
				IamPolicy: &iampb.Policy{Version: 3, Etag: []byte{0x07, 0x06, 0x05}, Bindings: []*iampb.Binding{
					{Role: "roles/run.invoker", Members: []string{"allUsers"}},
					{Role: "roles/run.developer", Members: []string{"user:a@example.com", "group:g@example.com"}, Condition: &expr.Expr{
						Title: "expires", Expression: `request.time < timestamp("2020-01-01T00:00:00Z")`,
					}},
				}},
			},
			wantPolicy: &iam.Policy{Version: 3, Etag: "BwYF", Bindings: []iam.Binding{
				{Role: "roles/run.invoker", Members: []string{"allUsers"}},
				{Role: "roles/run.developer", Members: []string{"user:a@example.com", "group:g@example.com"}, Condition: &iam.Condition{
					Title: "expires", Expression: `request.time < timestamp("2020-01-01T00:00:00Z")`,
				}},
			}},
		},
		{
			name: "resource data as a struct",
			asset: &assetpb.Asset{
				Name: liveSvcV2, AssetType: TypeRunService,
				Resource: &assetpb.Resource{Version: "v2", Parent: liveProject, Location: "europe-west1", Data: data},
			},
			wantData: `{"template":{"serviceAccount":"api@p-one.iam.gserviceaccount.com","containers":[{"image":"gcr.io/p/app@sha256:00","env":[{"name":"PORT","value":"runlens:redacted"}]}],"maxInstanceRequestConcurrency":80},"binaryAuthorization":{"useDefault":true}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := protojson.Marshal(tc.asset)
			if err != nil {
				t.Fatalf("protojson.Marshal: %v", err)
			}
			r := NewReader()
			r.addJSON(b, Source{File: "live test"})
			inv := r.Inventory()
			if len(inv.Problems) != 0 || len(inv.Assets) != 1 {
				t.Fatalf("addJSON(%s): %d assets, problems %v; want 1 asset, no problems", b, len(inv.Assets), inv.Problems)
			}
			a := inv.Assets[0]
			if diff := cmp.Diff(tc.wantPolicy, a.IAMPolicy); diff != "" {
				t.Errorf("IAMPolicy from %s (-want +got):\n%s", b, diff)
			}
			var want json.RawMessage
			if tc.wantData != "" {
				want = json.RawMessage(tc.wantData)
			}
			if diff := cmp.Diff(want, a.Data, jsonEqual()); diff != "" {
				t.Errorf("Data from %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

// jsonEqual compares JSON documents by value, not by spelling.
func jsonEqual() cmp.Option {
	return cmp.Transformer("json", func(m json.RawMessage) any {
		if m == nil {
			return nil
		}
		var v any
		if err := json.Unmarshal(m, &v); err != nil {
			return "invalid JSON: " + string(m)
		}
		return v
	})
}

func findAsset(inv *Inventory, name string) *Asset {
	for _, a := range inv.Assets {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// jsonPointer returns the value at path (RFC 6901, without the leading
// slash) in the JSON document data.
func jsonPointer(data json.RawMessage, path string) (any, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	for _, tok := range strings.Split(path, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("no key %q", tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("no index %q", tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%q: not an object or array", tok)
		}
	}
	return v, nil
}
