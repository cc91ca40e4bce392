package apply

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/runlens/runlens/internal/apply/applytest"
	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/review"
)

var _ review.Applier = (*Applier)(nil)

const (
	svcName     = "projects/shop/locations/europe-west1/services/orders"
	svcFull     = "//run.googleapis.com/" + svcName
	jobName     = "projects/shop/locations/europe-west1/jobs/nightly"
	jobFull     = "//run.googleapis.com/" + jobName
	projectName = "projects/123456"
	projectFull = "//cloudresourcemanager.googleapis.com/" + projectName
	secretName  = "projects/123456/secrets/db-password"
	secretFull  = "//secretmanager.googleapis.com/" + secretName
	defaultSA   = "123456-compute@developer.gserviceaccount.com"
	newSA       = "orders-sa@shop.iam.gserviceaccount.com"
	subName     = "projects/shop/subscriptions/orders-push"
	subFull     = "//pubsub.googleapis.com/" + subName
	newSAFull   = "//iam.googleapis.com/projects/shop/serviceAccounts/" + newSA
)

func binding(role string, members ...string) *iampb.Binding {
	return &iampb.Binding{Role: role, Members: members}
}

func removeStep(resource, role, member string) changeset.Step {
	return changeset.Step{Kind: changeset.KindRemoveBinding, Resource: resource, ResourceType: changeset.ResourceType(resource), Role: role, Member: member}
}

func grantStep(resource, role, member string) changeset.Step {
	return changeset.Step{Kind: changeset.KindAddBinding, Resource: resource, ResourceType: changeset.ResourceType(resource), Role: role, Member: member}
}

// seedShop creates a public service, a project and a secret.
func seedShop(f *applytest.Fake) {
	f.SeedService(&runpb.Service{Name: svcName, Etag: "svc-1", Generation: 1, Ingress: runpb.IngressTraffic_INGRESS_TRAFFIC_ALL,
		Template: &runpb.RevisionTemplate{Revision: "orders-manual"}})
	f.SeedPolicy(svcName, &iampb.Policy{Version: 1, Bindings: []*iampb.Binding{binding("roles/run.invoker", "allUsers", "user:alice@example.com")}})
	f.SeedPolicy(projectName, &iampb.Policy{Version: 1, Bindings: []*iampb.Binding{
		binding("roles/editor", "serviceAccount:"+defaultSA, "user:owner@example.com"),
		binding("roles/owner", "user:owner@example.com", "user:mallory@example.com"),
	}})
	f.SeedPolicy(secretName, &iampb.Policy{Version: 1})
}

// planned returns a change set of steps with the etags of every policy they
// change as they are now.
func planned(f *applytest.Fake, steps ...changeset.Step) changeset.ChangeSet {
	cs := changeset.ChangeSet{Title: "test", Steps: steps, Etags: make(map[string]string)}
	for _, s := range steps {
		if isBinding(s) {
			_, name := parseResource(s.Resource)
			if p := f.Policy(name); p != nil {
				cs.Etags[s.Resource] = etagString(p.Etag)
			}
		}
	}
	return cs
}

func members(p *iampb.Policy, role string, cond bool) []string {
	var out []string
	for _, b := range p.GetBindings() {
		if b.Role == role && (b.GetCondition() != nil) == cond {
			out = append(out, b.Members...)
		}
	}
	slices.Sort(out)
	return out
}

func TestRemovePublicInvoker(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	before := etag(f, svcName)

	outcome, err := a.Apply(t.Context(), planned(f, removeStep(svcFull, "roles/run.invoker", "allUsers")))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	p := f.Policy(svcName)
	if diff := cmp.Diff([]string{"user:alice@example.com"}, members(p, "roles/run.invoker", false)); diff != "" {
		t.Errorf("run.invoker members after (-want +got):\n%s", diff)
	}
	if etagString(p.Etag) == before {
		t.Errorf("policy etag is still %s after the write", before)
	}
	if diff := cmp.Diff([]string{"SetIamPolicy " + svcName}, f.Writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	want := "applied 1 of 1 steps:\n  1. remove allUsers from roles/run.invoker on " + svcFull + ": removed (policy etag " + before + " -> " + etagString(p.Etag) + ")"
	if outcome != want {
		t.Errorf("outcome:\n%s\nwant:\n%s", outcome, want)
	}

	// Applying it again finds the member gone and writes nothing.
	cs := planned(f, removeStep(svcFull, "roles/run.invoker", "allUsers"))
	outcome, err = a.Apply(t.Context(), cs)
	if err != nil || !strings.Contains(outcome, "already absent") {
		t.Errorf("second Apply = %q, %v; want already absent, no error", outcome, err)
	}
	if got := len(f.Writes()); got != 1 {
		t.Errorf("writes after the second Apply = %d, want 1", got)
	}
}

func TestDefaultServiceAccountMigration(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.SetPropagation(1) // the first write naming the new account is refused as "does not exist"
	a := serve(t, addr)
	cs := planned(f,
		changeset.Step{Kind: changeset.KindCreateServiceAccount, Project: "shop", AccountID: "orders-sa", DisplayName: "Runtime identity of Cloud Run service orders"},
		grantStep(secretFull, "roles/secretmanager.secretAccessor", "serviceAccount:"+newSA),
		grantStep(newSAFull, "roles/iam.serviceAccountUser", "user:deployer@example.com"), // a policy that does not exist before step 1
		changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldServiceAccount, From: defaultSA, To: newSA},
		removeStep(projectFull, "roles/editor", "serviceAccount:"+defaultSA),
	)

	outcome, err := a.Apply(t.Context(), cs)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !f.HasAccount(newSA) {
		t.Errorf("account %s was not created", newSA)
	}
	if diff := cmp.Diff([]string{"serviceAccount:" + newSA}, members(f.Policy(secretName), "roles/secretmanager.secretAccessor", false)); diff != "" {
		t.Errorf("secretAccessor members (-want +got):\n%s", diff)
	}
	svc := f.Service(svcName)
	if got := svc.GetTemplate().GetServiceAccount(); got != newSA {
		t.Errorf("service account of the service = %q, want %q", got, newSA)
	}
	if got := svc.GetTemplate().GetRevision(); got != "" {
		t.Errorf("template revision = %q, want cleared so Cloud Run names the new revision", got)
	}
	if diff := cmp.Diff([]string{"user:owner@example.com"}, members(f.Policy(projectName), "roles/editor", false)); diff != "" {
		t.Errorf("editor members (-want +got):\n%s", diff)
	}
	sets := 0
	for _, c := range f.Calls() {
		if c == "SetIamPolicy "+secretName {
			sets++
		}
	}
	if sets != 2 {
		t.Errorf("SetIamPolicy calls on the secret = %d, want 2 (one refused while the new account propagates, one retried)", sets)
	}
	if diff := cmp.Diff([]string{"user:deployer@example.com"}, members(f.Policy("projects/-/serviceAccounts/"+newSA), "roles/iam.serviceAccountUser", false)); diff != "" {
		t.Errorf("serviceAccountUser members on the new account (-want +got):\n%s", diff)
	}
	wantWrites := []string{"CreateServiceAccount " + newSA, "SetIamPolicy " + secretName, "SetIamPolicy projects/shop/serviceAccounts/" + newSA,
		"UpdateService " + svcName, "SetIamPolicy " + projectName}
	if diff := cmp.Diff(wantWrites, f.Writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"applied 5 of 5 steps:",
		"  1. create service account " + newSA + ": created",
		"  2. grant roles/secretmanager.secretAccessor to serviceAccount:" + newSA + " on " + secretFull + ": granted",
		"  4. set serviceAccount of " + svcFull + ` from "` + defaultSA + `" to "` + newSA + `": updated, revision orders-00002`,
		"  5. remove serviceAccount:" + defaultSA + " from roles/editor on " + projectFull + ": removed",
	} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome lacks %q:\n%s", want, outcome)
		}
	}
}

func TestSameResourceTwice(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.AddAccount(newSA)
	a := serve(t, addr)
	// Grant the new identity, switch, then remove the old one: two writes of
	// the project policy, the second expecting the etag of the first.
	cs := planned(f,
		grantStep(projectFull, "roles/cloudsql.client", "serviceAccount:"+newSA),
		changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldServiceAccount, From: defaultSA, To: newSA},
		removeStep(projectFull, "roles/editor", "serviceAccount:"+defaultSA),
	)
	if _, err := a.Apply(t.Context(), cs); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := []string{"SetIamPolicy " + projectName, "UpdateService " + svcName, "SetIamPolicy " + projectName}
	if diff := cmp.Diff(want, f.Writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	p := f.Policy(projectName)
	if got := members(p, "roles/cloudsql.client", false); !slices.Equal(got, []string{"serviceAccount:" + newSA}) {
		t.Errorf("cloudsql.client = %q", got)
	}
	if got := members(p, "roles/editor", false); slices.Contains(got, "serviceAccount:"+defaultSA) {
		t.Errorf("editor still holds the default account: %q", got)
	}
}

func TestEtagMovedRefusesBeforeAnyWrite(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	cs := planned(f,
		removeStep(projectFull, "roles/owner", "user:mallory@example.com"),
		removeStep(svcFull, "roles/run.invoker", "allUsers"),
	)
	// Someone changes the service's policy after the plan.
	f.SeedPolicy(svcName, &iampb.Policy{Version: 1, Bindings: []*iampb.Binding{binding("roles/run.invoker", "allUsers", "user:bob@example.com")}})

	outcome, err := a.Apply(t.Context(), cs)
	if !errors.Is(err, ErrEtagMoved) {
		t.Fatalf("Apply error = %v, want ErrEtagMoved", err)
	}
	if !strings.Contains(err.Error(), svcFull) || strings.Contains(err.Error(), projectFull+":") {
		t.Errorf("error should name %s only:\n%v", svcFull, err)
	}
	if outcome != err.Error() {
		t.Errorf("outcome %q differs from the error %q", outcome, err)
	}
	if w := f.Writes(); len(w) != 0 {
		t.Errorf("writes = %q, want none", w)
	}
	var ae *Error
	if !errors.As(err, &ae) || len(ae.Applied) != 0 || !slices.Equal(ae.NotApplied, []int{1, 2}) {
		t.Errorf("Error = %+v, want nothing applied, steps 1 and 2 not applied", ae)
	}
}

func TestEmptyPlannedEtagComparesBindings(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	cs := planned(f, removeStep(svcFull, "roles/run.invoker", "allUsers"))
	cs.Etags[svcFull] = "" // the inventory carried no etag
	cs.Before = map[string]iam.Policy{svcFull: {Bindings: []iam.Binding{{Role: "roles/run.invoker", Members: []string{"allUsers"}}}}}

	_, err := a.Apply(t.Context(), cs)
	if !errors.Is(err, ErrEtagMoved) {
		t.Fatalf("Apply error = %v, want ErrEtagMoved (live bindings differ from Before)", err)
	}
	cs.Before[svcFull] = iam.Policy{Bindings: []iam.Binding{{Role: "roles/run.invoker", Members: []string{"user:alice@example.com", "allUsers"}}}}
	if _, err := a.Apply(t.Context(), cs); err != nil {
		t.Fatalf("Apply with matching Before: %v", err)
	}
}

func TestPermissionDeniedHalfWay(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.DenySetIamPolicy(projectName, codes.PermissionDenied)
	a := serve(t, addr)
	projectEtag, secretEtag := etag(f, projectName), etag(f, secretName)
	cs := planned(f,
		removeStep(svcFull, "roles/run.invoker", "allUsers"),
		removeStep(projectFull, "roles/owner", "user:mallory@example.com"),
		grantStep(secretFull, "roles/secretmanager.secretAccessor", "serviceAccount:"+newSA),
		changeset.Step{Kind: changeset.KindManual, Text: "tell the team"},
	)

	outcome, err := a.Apply(t.Context(), cs)
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Apply error = %v, want PermissionDenied", err)
	}
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("Apply error %T is not an *Error", err)
	}
	if diff := cmp.Diff(&Error{Applied: []int{1}, NotApplied: []int{2, 3, 4}, Failed: 2}, ae, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Err" || p.Last().String() == ".Outcome"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("Error (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"apply stopped at step 2 of 4: write " + projectFull,
		"Nothing was rolled back.",
		"Applied (1):\n  1. remove allUsers from roles/run.invoker on " + svcFull + ": removed",
		"Not applied (3):\n  2. remove user:mallory@example.com from roles/owner on " + projectFull + ": FAILED\n" +
			"  3. grant roles/secretmanager.secretAccessor to serviceAccount:" + newSA + " on " + secretFull + ": not attempted\n" +
			"  4. manual: tell the team: manual, for a person",
	} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome lacks %q:\n%s", want, outcome)
		}
	}
	if got := members(f.Policy(svcName), "roles/run.invoker", false); slices.Contains(got, "allUsers") {
		t.Errorf("step 1 not applied: run.invoker = %q", got)
	}
	if etag(f, projectName) != projectEtag || etag(f, secretName) != secretEtag {
		t.Errorf("project or secret policy changed")
	}
}

func TestUnsupportedRefusedBeforeAnyCall(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	cs := planned(f,
		removeStep(svcFull, "roles/run.invoker", "allUsers"),
		grantStep("//storage.googleapis.com/shop-uploads", "roles/storage.objectViewer", "serviceAccount:"+newSA),
		changeset.Step{Kind: changeset.KindCreateSecretFromEnv, Project: "shop", Secret: "orders-db_password", Service: svcFull, EnvName: "DB_PASSWORD"},
	)

	outcome, err := a.Apply(t.Context(), cs)
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Apply error = %v, want ErrUnsupported", err)
	}
	for _, want := range []string{"nothing was changed", "2 of 3 steps cannot be applied", "export the change set and apply it by hand",
		"  2. grant roles/storage.objectViewer", "  3. create secret orders-db_password", "runlens never holds"} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome lacks %q:\n%s", want, outcome)
		}
	}
	if strings.Contains(outcome, "  1. ") {
		t.Errorf("outcome lists the supported step 1:\n%s", outcome)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("the fakes saw %q, want no call at all", calls)
	}
}

func TestUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name string
		step changeset.Step
		want string // "" supported
	}{
		{"service binding", removeStep(svcFull, "roles/run.invoker", "allUsers"), ""},
		{"job binding", removeStep(jobFull, "roles/run.invoker", "allUsers"), ""},
		{"folder binding", removeStep("//cloudresourcemanager.googleapis.com/folders/42", "roles/owner", "user:a@example.com"), ""},
		{"service account binding", removeStep("//iam.googleapis.com/projects/shop/serviceAccounts/"+newSA, "roles/iam.serviceAccountUser", "user:a@example.com"), ""},
		{"topic binding", removeStep("//pubsub.googleapis.com/projects/shop/topics/orders", "roles/pubsub.publisher", "allUsers"), ""},
		{"bucket binding", removeStep("//storage.googleapis.com/b", "roles/storage.objectViewer", "allUsers"), "does not change IAM policies of storage.googleapis.com/Bucket"},
		{"kms binding", removeStep("//cloudkms.googleapis.com/projects/shop/locations/eu/keyRings/r/cryptoKeys/k", "roles/cloudkms.cryptoKeyEncrypterDecrypter", "allUsers"), "does not change IAM policies"},
		{"ingress", changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldIngress, To: "internal"}, ""},
		{"bad ingress", changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldIngress, To: "sideways"}, "unknown ingress"},
		{"job ingress", changeset.Step{Kind: changeset.KindUpdateService, Service: jobFull, Field: changeset.FieldIngress, To: "internal"}, "jobs have no ingress"},
		{"env", changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldEnv, EnvName: "X", Secret: "s", To: "s:latest"}, "does not switch environment variables"},
		{"scheduler", changeset.Step{Kind: changeset.KindSetSchedulerOIDC, Job: "projects/shop/locations/eu/jobs/j", ServiceAccount: newSA}, "Cloud Scheduler"},
		{"bare key", changeset.Step{Kind: changeset.KindDeleteKey, Key: "abc123", ServiceAccount: newSA}, ""},
		{"full key", changeset.Step{Kind: changeset.KindDeleteKey, Key: "//iam.googleapis.com/projects/shop/serviceAccounts/" + newSA + "/keys/abc", ServiceAccount: newSA}, ""},
		{"push", changeset.Step{Kind: changeset.KindSetPushAuth, Subscription: subFull, Endpoint: "https://x", ServiceAccount: newSA}, ""},
		{"manual", changeset.Step{Kind: changeset.KindManual, Text: "do it"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unsupported(tc.step)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("unsupported(%+v) = %q, want %q", tc.step, got, tc.want)
			}
		})
	}
}

func TestConcurrentApplyOneWins(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	cs := planned(f, removeStep(svcFull, "roles/run.invoker", "allUsers"))

	// Hold every SetIamPolicy until both applies have sent theirs, so that
	// both read the policy before either writes.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	f.SetWriteHook(func(ctx context.Context, _ string) error {
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
		return nil
	})

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = a.Apply(t.Context(), cs) })
	}
	wg.Wait()

	var won, lost int
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, ErrEtagMoved) && status.Code(err) == codes.Aborted && strings.Contains(err.Error(), svcFull):
			lost++
		default:
			t.Errorf("Apply error = %v, want nil or ErrEtagMoved (ABORTED) naming %s", err, svcFull)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("%d applies succeeded and %d lost on the etag, want 1 and 1: %v", won, lost, errs)
	}
	if diff := cmp.Diff([]string{"SetIamPolicy " + svcName}, f.Writes()); diff != "" {
		t.Errorf("accepted writes (-want +got):\n%s", diff)
	}
	if got := members(f.Policy(svcName), "roles/run.invoker", false); slices.Contains(got, "allUsers") {
		t.Errorf("run.invoker = %q, want allUsers removed", got)
	}
}

func TestConditionsPreserved(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	until := &expr.Expr{Title: "until 2030", Expression: `request.time < timestamp("2030-01-01T00:00:00Z")`}
	prefix := &expr.Expr{Title: "reports only", Expression: `resource.name.startsWith("projects/_/buckets/reports")`}
	f.SeedPolicy(projectName, &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{
		binding("roles/storage.objectViewer", "allUsers", "user:a@example.com"),
		{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}, Condition: until},
		{Role: "roles/storage.objectAdmin", Members: []string{"user:b@example.com"}, Condition: prefix},
	}})
	a := serve(t, addr)
	conditional := grantStep(projectFull, "roles/storage.objectAdmin", "user:c@example.com")
	conditional.Condition = &iam.Condition{Title: prefix.Title, Expression: prefix.Expression}

	if _, err := a.Apply(t.Context(), planned(f, removeStep(projectFull, "roles/storage.objectViewer", "allUsers"), conditional)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := &iampb.Policy{Version: 3, Bindings: []*iampb.Binding{
		binding("roles/storage.objectViewer", "user:a@example.com"),
		{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}, Condition: until},
		{Role: "roles/storage.objectAdmin", Members: []string{"user:b@example.com", "user:c@example.com"}, Condition: prefix},
	}}
	if diff := cmp.Diff(want, f.Policy(projectName), protocmp.Transform(), protocmp.IgnoreFields(&iampb.Policy{}, "etag")); diff != "" {
		t.Errorf("policy after (-want +got):\n%s", diff)
	}
	if got := len(f.Writes()); got != 1 {
		t.Errorf("writes = %d, want 1 (both steps in one policy write)", got)
	}
}

func TestServiceJobKeyAndPushSteps(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.AddAccount(newSA)
	f.SeedJob(&runpb.Job{Name: jobName, Etag: "job-1", Template: &runpb.ExecutionTemplate{Template: &runpb.TaskTemplate{}}})
	key := "projects/-/serviceAccounts/" + newSA + "/keys/k1"
	f.AddKey(key)
	f.SeedSubscription(&pubsubpb.Subscription{Name: subName, PushConfig: &pubsubpb.PushConfig{PushEndpoint: "https://orders.example.com/push",
		Attributes: map[string]string{"x-goog-version": "v1"}}})
	a := serve(t, addr)
	push := "push-sa@shop.iam.gserviceaccount.com"
	f.AddAccount(push)
	cs := changeset.ChangeSet{Title: "misc", Steps: []changeset.Step{
		{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldIngress, From: "all", To: "internal-and-cloud-load-balancing"},
		{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldInvokerIAMDisabled, From: "false", To: "false"},
		{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldBinaryAuthorization, From: "", To: "default"},
		{Kind: changeset.KindUpdateService, Service: jobFull, Field: changeset.FieldServiceAccount, From: defaultSA, To: newSA},
		{Kind: changeset.KindDeleteKey, Key: "k1", ServiceAccount: newSA},
		{Kind: changeset.KindDeleteKey, Key: "k2", ServiceAccount: newSA},
		{Kind: changeset.KindSetPushAuth, Subscription: subFull, Endpoint: "https://orders.example.com/push", ServiceAccount: push, Audience: "orders"},
		{Kind: changeset.KindManual, Text: "check the load balancer"},
	}}

	outcome, err := a.Apply(t.Context(), cs)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	svc := f.Service(svcName)
	if svc.Ingress != runpb.IngressTraffic_INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER || !svc.GetBinaryAuthorization().GetUseDefault() {
		t.Errorf("service after: ingress %v, binary authorization %v", svc.Ingress, svc.GetBinaryAuthorization())
	}
	if got := f.Job(jobName).GetTemplate().GetTemplate().GetServiceAccount(); got != newSA {
		t.Errorf("job service account = %q, want %q", got, newSA)
	}
	if f.HasKey(key) {
		t.Errorf("key %s not deleted", key)
	}
	pc := f.Subscription(subName).PushConfig
	if pc.GetOidcToken().GetServiceAccountEmail() != push || pc.GetOidcToken().GetAudience() != "orders" || pc.Attributes["x-goog-version"] != "v1" {
		t.Errorf("push config after = %v", pc)
	}
	for _, want := range []string{
		"applied 7 of 8 steps; 1 manual step(s) left for a person:",
		`  2. set invokerIamDisabled of ` + svcFull + ` from "false" to "false": already "false"`,
		"  5. delete key k1 of " + newSA + ": deleted",
		"  6. delete key k2 of " + newSA + ": already gone",
		"  7. push " + subFull + " with an OIDC token of " + push + ": set",
		"  8. manual: check the load balancer: skipped: manual, for a person",
	} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome lacks %q:\n%s", want, outcome)
		}
	}
}

func TestDriftRefusesBeforeAnyWrite(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	svc := f.Service(svcName)
	svc.Template.ServiceAccount = "someone-else@shop.iam.gserviceaccount.com"
	f.SeedService(svc)
	f.SeedSubscription(&pubsubpb.Subscription{Name: subName, PushConfig: &pubsubpb.PushConfig{PushEndpoint: "https://moved.example.com"}})
	a := serve(t, addr)
	cs := planned(f,
		removeStep(svcFull, "roles/run.invoker", "allUsers"),
		changeset.Step{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldServiceAccount, From: defaultSA, To: newSA},
		changeset.Step{Kind: changeset.KindSetPushAuth, Subscription: subFull, Endpoint: "https://orders.example.com/push", ServiceAccount: newSA},
	)
	outcome, err := a.Apply(t.Context(), cs)
	if !errors.Is(err, ErrDrift) {
		t.Fatalf("Apply error = %v, want ErrDrift", err)
	}
	for _, want := range []string{"someone-else@shop.iam.gserviceaccount.com", "pushes to https://moved.example.com"} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome lacks %q:\n%s", want, outcome)
		}
	}
	if w := f.Writes(); len(w) != 0 {
		t.Errorf("writes = %q, want none", w)
	}
}

func TestInvalidChangeSetRefused(t *testing.T) {
	f, addr := newFake(t)
	a := serve(t, addr)
	_, err := a.Apply(t.Context(), changeset.ChangeSet{Title: "empty"})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Apply error = %v, want ErrInvalid", err)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("the fakes saw %q, want no call", calls)
	}
}

func TestImpersonatedOptions(t *testing.T) {
	if _, err := ImpersonatedOptions(t.Context(), ""); err == nil {
		t.Error("ImpersonatedOptions with no account: no error")
	}
	// Application Default Credentials from a service account key file; no
	// token is minted until a call is made.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "shop", "private_key_id": "1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "runlens@shop.iam.gserviceaccount.com", "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts, err := ImpersonatedOptions(ctx, "runlens-applier@shop.iam.gserviceaccount.com")
	if err != nil {
		t.Fatalf("ImpersonatedOptions: %v", err)
	}
	a, err := New(ctx, OptionsForAll(opts...))
	if err != nil {
		t.Fatalf("New with impersonated options: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestPolicyOfEachResourceKind(t *testing.T) {
	for _, tc := range []struct{ full, name string }{
		{svcFull, svcName},
		{jobFull, jobName},
		{projectFull, projectName},
		{"//cloudresourcemanager.googleapis.com/folders/42", "folders/42"},
		{"//cloudresourcemanager.googleapis.com/organizations/7", "organizations/7"},
		{secretFull, secretName},
		{newSAFull, "projects/shop/serviceAccounts/" + newSA},
		{"//pubsub.googleapis.com/projects/shop/topics/orders", "projects/shop/topics/orders"},
		{subFull, subName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addr := newFake(t)
			f.SeedPolicy(tc.name, &iampb.Policy{Bindings: []*iampb.Binding{binding("roles/viewer", "allUsers", "user:a@example.com")}})
			a := serve(t, addr)
			if _, err := a.Apply(t.Context(), planned(f, removeStep(tc.full, "roles/viewer", "allUsers"))); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff([]string{"SetIamPolicy " + tc.name}, f.Writes()); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
			if got := members(f.Policy(tc.name), "roles/viewer", false); !slices.Equal(got, []string{"user:a@example.com"}) {
				t.Errorf("roles/viewer = %q", got)
			}
		})
	}
}

func TestEmulatorOptions(t *testing.T) {
	for _, addr := range []string{"", "localhost", "http://127.0.0.1:8085"} {
		if _, err := EmulatorOptions(addr); err == nil {
			t.Errorf("EmulatorOptions(%q): no error, want a refusal of an address that is not HOST:PORT", addr)
		}
	}
	// A working address is covered by every test above: serve builds the
	// Applier with EmulatorOptions.
}

// TestSharedConnection: clients of every API on one connection passed with
// option.WithGRPCConn apply, and Close closes the shared connection once
// without reporting the later closes.
func TestSharedConnection(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), OptionsForAll(option.WithGRPCConn(conn)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := a.Apply(t.Context(), planned(f, removeStep(svcFull, "roles/run.invoker", "allUsers"),
		removeStep(projectFull, "roles/owner", "user:mallory@example.com"))); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"SetIamPolicy " + svcName, "SetIamPolicy " + projectName}, f.Writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestStoppedMidApply: an apply whose second write never returns (the fake
// holds it) and whose context is then cancelled — what a caller going away
// or a shutdown does — stops there: step 1 stays applied, step 2 is not
// written, and the error says so.
func TestStoppedMidApply(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	a := serve(t, addr)
	projectEtag := etag(f, projectName)
	cs := planned(f,
		removeStep(svcFull, "roles/run.invoker", "allUsers"),
		removeStep(projectFull, "roles/owner", "user:mallory@example.com"),
	)
	held := make(chan struct{})
	f.SetWriteHook(func(ctx context.Context, call string) error {
		if call != "SetIamPolicy "+projectName {
			return nil
		}
		close(held)
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		select {
		case <-held:
			cancel()
		case <-time.After(10 * time.Second):
		}
	}()

	outcome, err := a.Apply(ctx, cs)
	select {
	case <-held:
	default:
		t.Fatalf("Apply ended (%v) before its second write reached the fake", err)
	}
	var ae *Error
	if !errors.As(err, &ae) || !slices.Equal(ae.Applied, []int{1}) || !slices.Equal(ae.NotApplied, []int{2}) || ae.Failed != 2 {
		t.Fatalf("Apply error = %#v, want step 1 applied, step 2 failed", err)
	}
	if status.Code(err) != codes.Canceled {
		t.Errorf("Apply error code = %v, want Canceled", status.Code(err))
	}
	if !strings.Contains(outcome, "apply stopped at step 2 of 2") || !strings.Contains(outcome, "Nothing was rolled back.") {
		t.Errorf("outcome:\n%s", outcome)
	}
	if diff := cmp.Diff([]string{"SetIamPolicy " + svcName}, f.Writes()); diff != "" {
		t.Errorf("accepted writes (-want +got):\n%s", diff)
	}
	if got := etag(f, projectName); got != projectEtag {
		t.Errorf("project policy etag = %s, want %s unchanged", got, projectEtag)
	}
}

// stagedSteps is the dedicated-identity fix as planned: create and grant,
// switch the service, then remove the old identity's grant.
func stagedSteps() []changeset.Step {
	return []changeset.Step{
		{Kind: changeset.KindCreateServiceAccount, Project: "shop", AccountID: "orders-sa"},
		grantStep(secretFull, "roles/secretmanager.secretAccessor", "serviceAccount:"+newSA),
		{Kind: changeset.KindUpdateService, Service: svcFull, Field: changeset.FieldServiceAccount, From: "", To: newSA},
		removeStep(projectFull, "roles/editor", "serviceAccount:"+defaultSA),
	}
}

// TestStagedApplyWaitsForTheNewRevision: the old identity's grants go only
// once the service's new revision is ready, as Cloud Run v2 reports it
// (reconciling, then the Ready terminal condition), read through the real
// client.
func TestStagedApplyWaitsForTheNewRevision(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.SetRollout(svcName, applytest.Rollout{Polls: 3})
	a := serve(t, addr)
	outcome, err := a.Apply(t.Context(), planned(f, stagedSteps()...))
	if err != nil {
		t.Fatalf("Apply: %v\n%s", err, outcome)
	}
	// The calls after the update: three reads still reconciling, one ready,
	// and only then the project policy is written.
	calls := f.Calls()
	update := slices.Index(calls, "UpdateService "+svcName)
	removal := slices.IndexFunc(calls, func(c string) bool { return c == "SetIamPolicy "+projectName })
	if update < 0 || removal < update {
		t.Fatalf("calls: %v", calls)
	}
	reads := 0
	for _, c := range calls[update:removal] {
		if c == "GetService "+svcName {
			reads++
		}
	}
	if reads < 4 {
		t.Errorf("%d reads of the service between its update and the removal, want the 3 while reconciling and the ready one", reads)
	}
	if svc := f.Service(svcName); svc.LatestReadyRevision != svc.LatestCreatedRevision || !strings.Contains(outcome, "ready") {
		t.Errorf("service %v, outcome:\n%s", svc, outcome)
	}
}

// TestStagedApplyStopsWhenNotReady: a new revision that fails to become
// ready stops the apply before the old grants go: they still serve the
// revision that serves, and the error says what was applied.
func TestStagedApplyStopsWhenNotReady(t *testing.T) {
	f, addr := newFake(t)
	seedShop(f)
	f.SetRollout(svcName, applytest.Rollout{Polls: 1, Fail: "Revision 'orders-00002' is not ready: the container exited (PERMISSION_DENIED reading secret db-pass)"})
	a := serve(t, addr)
	before := f.Policy(projectName)
	outcome, err := a.Apply(t.Context(), planned(f, stagedSteps()...))
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Apply = %v, want ErrNotReady\n%s", err, outcome)
	}
	var e *Error
	if !errors.As(err, &e) || !slices.Equal(e.Applied, []int{1, 2}) || !slices.Equal(e.NotApplied, []int{3, 4}) || e.Failed != 3 {
		t.Errorf("error = %+v, want steps 1-2 applied, 3 failed, 4 not attempted", e)
	}
	if diff := cmp.Diff(before, f.Policy(projectName), protocmp.Transform()); diff != "" {
		t.Errorf("the old identity's grant changed although the new revision is not ready:\n%s", diff)
	}
	if !strings.Contains(e.Outcome, "PERMISSION_DENIED reading secret db-pass") || !strings.Contains(e.Outcome, "still serves") {
		t.Errorf("outcome does not say why:\n%s", e.Outcome)
	}
}
