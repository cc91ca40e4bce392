package apply

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

// fake is the Google Cloud state the fake API servers share: IAM policies
// with real etag semantics (a new etag on every write; a write carrying
// another etag is ABORTED), Cloud Run services and jobs, service accounts,
// keys and subscriptions.
type fake struct {
	mu       sync.Mutex
	seq      int
	policies map[string]*iampb.Policy // by API resource name; present = the resource exists
	services map[string]*runpb.Service
	jobs     map[string]*runpb.Job
	accounts map[string]bool // emails
	keys     map[string]bool // projects/-/serviceAccounts/EMAIL/keys/ID
	subs     map[string]*pubsubpb.Subscription
	ops      map[string]*longrunningpb.Operation

	// denySet maps a resource to the error code its SetIamPolicy returns.
	denySet map[string]codes.Code
	// propagation is how many times a write naming an account created by
	// CreateServiceAccount is refused as "does not exist" (IAM's eventual
	// consistency).
	propagation int
	pending     map[string]int
	// setGate, when set, runs at the start of every SetIamPolicy, outside the
	// lock.
	setGate func()

	calls  []string // every RPC, in order
	writes []string // every accepted write, in order
}

func newFake() *fake {
	return &fake{
		policies: make(map[string]*iampb.Policy), services: make(map[string]*runpb.Service), jobs: make(map[string]*runpb.Job),
		accounts: make(map[string]bool), keys: make(map[string]bool), subs: make(map[string]*pubsubpb.Subscription),
		ops: make(map[string]*longrunningpb.Operation), denySet: make(map[string]codes.Code), pending: make(map[string]int),
	}
}

// policyKey normalizes a service account's project to "-".
func policyKey(name string) string {
	if strings.HasPrefix(name, "projects/") && strings.Contains(name, "/serviceAccounts/") {
		_, after, _ := strings.Cut(name, "/serviceAccounts/")
		return "projects/-/serviceAccounts/" + after
	}
	return name
}

func (f *fake) nextEtag() []byte {
	f.seq++
	return []byte(fmt.Sprintf("etag-%03d", f.seq))
}

// seedPolicy creates resource name with policy p (test setup).
func (f *fake) seedPolicy(name string, p *iampb.Policy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p = proto.Clone(p).(*iampb.Policy)
	p.Etag = f.nextEtag()
	f.policies[policyKey(name)] = p
}

// policy returns a copy of the stored policy of name.
func (f *fake) policy(name string) *iampb.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return proto.Clone(f.policies[policyKey(name)]).(*iampb.Policy)
}

// etag returns the etag of the policy of name as a change set records it.
func (f *fake) etag(name string) string { return etagString(f.policy(name).GetEtag()) }

func (f *fake) log(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fake) writeLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

func (f *fake) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func hasConditions(p *iampb.Policy) bool {
	for _, b := range p.GetBindings() {
		if b.GetCondition().GetExpression() != "" {
			return true
		}
	}
	return false
}

func (f *fake) getIamPolicy(req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	f.log("GetIamPolicy " + req.Resource)
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[policyKey(req.Resource)]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "resource %s not found", req.Resource)
	}
	if hasConditions(p) && req.GetOptions().GetRequestedPolicyVersion() < 3 {
		return nil, status.Errorf(codes.InvalidArgument, "the policy of %s has conditions: request policy version 3", req.Resource)
	}
	return proto.Clone(p).(*iampb.Policy), nil
}

// rejectPending refuses (once per pending count) a write naming an account
// created moments ago.
func (f *fake) rejectPending(members ...string) error {
	for _, m := range members {
		email := strings.TrimPrefix(m, "serviceAccount:")
		if f.pending[email] > 0 {
			f.pending[email]--
			return status.Errorf(codes.InvalidArgument, "Service account %s does not exist.", email)
		}
	}
	return nil
}

func (f *fake) setIamPolicy(req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	f.log("SetIamPolicy " + req.Resource)
	f.mu.Lock()
	gate := f.setGate
	f.mu.Unlock()
	if gate != nil {
		gate()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := policyKey(req.Resource)
	if c, ok := f.denySet[key]; ok {
		return nil, status.Errorf(c, "the caller does not have permission to set the IAM policy of %s", req.Resource)
	}
	cur, ok := f.policies[key]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "resource %s not found", req.Resource)
	}
	p := proto.Clone(req.GetPolicy()).(*iampb.Policy)
	if len(p.Etag) > 0 && !bytes.Equal(p.Etag, cur.Etag) {
		return nil, status.Error(codes.Aborted, "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.")
	}
	if hasConditions(p) && p.Version < 3 {
		return nil, status.Error(codes.InvalidArgument, "a policy with conditions must be version 3")
	}
	for _, b := range p.Bindings {
		if err := f.rejectPending(b.Members...); err != nil {
			return nil, err
		}
	}
	p.Etag = f.nextEtag()
	f.policies[key] = p
	f.writes = append(f.writes, "SetIamPolicy "+req.Resource)
	return proto.Clone(p).(*iampb.Policy), nil
}

// operation returns a done long-running operation carrying resp.
func (f *fake) operation(parent string, resp proto.Message) (*longrunningpb.Operation, error) {
	a, err := anypb.New(resp)
	if err != nil {
		return nil, err
	}
	f.seq++
	op := &longrunningpb.Operation{Name: fmt.Sprintf("%s/operations/op-%d", parent, f.seq), Done: true, Metadata: a,
		Result: &longrunningpb.Operation_Response{Response: a}}
	f.ops[op.Name] = op
	return proto.Clone(op).(*longrunningpb.Operation), nil
}

// location returns projects/P/locations/R of a Cloud Run name.
func location(name string) string {
	parts := strings.Split(name, "/")
	return strings.Join(parts[:min(4, len(parts))], "/")
}

func (f *fake) knownAccount(email string) bool {
	return email == "" || f.accounts[email] || strings.HasSuffix(email, "-compute@developer.gserviceaccount.com")
}

type fakeServices struct {
	runpb.UnimplementedServicesServer
	f *fake
}

func (s fakeServices) GetService(_ context.Context, req *runpb.GetServiceRequest) (*runpb.Service, error) {
	s.f.log("GetService " + req.Name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	svc, ok := s.f.services[req.Name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "service %s not found", req.Name)
	}
	return proto.Clone(svc).(*runpb.Service), nil
}

func (s fakeServices) UpdateService(_ context.Context, req *runpb.UpdateServiceRequest) (*longrunningpb.Operation, error) {
	name := req.GetService().GetName()
	s.f.log("UpdateService " + name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	cur, ok := s.f.services[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "service %s not found", name)
	}
	svc := proto.Clone(req.Service).(*runpb.Service)
	if svc.Etag != "" && svc.Etag != cur.Etag {
		return nil, status.Errorf(codes.Aborted, "etag mismatch: the service %s was modified", name)
	}
	sa := svc.GetTemplate().GetServiceAccount()
	if err := s.f.rejectPending(sa); err != nil {
		return nil, err
	}
	if !s.f.knownAccount(sa) {
		return nil, status.Errorf(codes.InvalidArgument, "service account %s does not exist", sa)
	}
	svc.Etag = string(s.f.nextEtag())
	svc.Generation = cur.Generation + 1
	svc.LatestCreatedRevision = fmt.Sprintf("%s/revisions/%s-%05d", location(name), lastSegment(name), svc.Generation)
	s.f.services[name] = svc
	s.f.writes = append(s.f.writes, "UpdateService "+name)
	return s.f.operation(location(name), svc)
}

func (s fakeServices) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeServices) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeJobs struct {
	runpb.UnimplementedJobsServer
	f *fake
}

func (s fakeJobs) GetJob(_ context.Context, req *runpb.GetJobRequest) (*runpb.Job, error) {
	s.f.log("GetJob " + req.Name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	j, ok := s.f.jobs[req.Name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "job %s not found", req.Name)
	}
	return proto.Clone(j).(*runpb.Job), nil
}

func (s fakeJobs) UpdateJob(_ context.Context, req *runpb.UpdateJobRequest) (*longrunningpb.Operation, error) {
	name := req.GetJob().GetName()
	s.f.log("UpdateJob " + name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	cur, ok := s.f.jobs[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "job %s not found", name)
	}
	j := proto.Clone(req.Job).(*runpb.Job)
	if j.Etag != "" && j.Etag != cur.Etag {
		return nil, status.Errorf(codes.Aborted, "etag mismatch: the job %s was modified", name)
	}
	if sa := j.GetTemplate().GetTemplate().GetServiceAccount(); !s.f.knownAccount(sa) {
		return nil, status.Errorf(codes.InvalidArgument, "service account %s does not exist", sa)
	}
	j.Etag = string(s.f.nextEtag())
	s.f.jobs[name] = j
	s.f.writes = append(s.f.writes, "UpdateJob "+name)
	return s.f.operation(location(name), j)
}

func (s fakeJobs) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeJobs) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeOperations struct {
	longrunningpb.UnimplementedOperationsServer
	f *fake
}

func (s fakeOperations) GetOperation(_ context.Context, req *longrunningpb.GetOperationRequest) (*longrunningpb.Operation, error) {
	s.f.log("GetOperation " + req.Name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	op, ok := s.f.ops[req.Name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "operation %s not found", req.Name)
	}
	return proto.Clone(op).(*longrunningpb.Operation), nil
}

type fakeProjects struct {
	resourcemanagerpb.UnimplementedProjectsServer
	f *fake
}

func (s fakeProjects) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeProjects) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeFolders struct {
	resourcemanagerpb.UnimplementedFoldersServer
	f *fake
}

func (s fakeFolders) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeFolders) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeOrganizations struct {
	resourcemanagerpb.UnimplementedOrganizationsServer
	f *fake
}

func (s fakeOrganizations) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeOrganizations) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeSecrets struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	f *fake
}

func (s fakeSecrets) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeSecrets) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeIAM struct {
	adminpb.UnimplementedIAMServer
	f *fake
}

func (s fakeIAM) CreateServiceAccount(_ context.Context, req *adminpb.CreateServiceAccountRequest) (*adminpb.ServiceAccount, error) {
	s.f.log("CreateServiceAccount " + req.Name + " " + req.AccountId)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	project := strings.TrimPrefix(req.Name, "projects/")
	email := req.AccountId + "@" + project + ".iam.gserviceaccount.com"
	if s.f.accounts[email] {
		return nil, status.Errorf(codes.AlreadyExists, "Service account %s already exists within project %s.", req.AccountId, req.Name)
	}
	s.f.accounts[email] = true
	s.f.pending[email] = s.f.propagation
	s.f.policies[policyKey("projects/-/serviceAccounts/"+email)] = &iampb.Policy{Version: 1, Etag: s.f.nextEtag()}
	s.f.writes = append(s.f.writes, "CreateServiceAccount "+email)
	return &adminpb.ServiceAccount{Name: req.Name + "/serviceAccounts/" + email, ProjectId: project, Email: email,
		DisplayName: req.GetServiceAccount().GetDisplayName()}, nil
}

func (s fakeIAM) DeleteServiceAccountKey(_ context.Context, req *adminpb.DeleteServiceAccountKeyRequest) (*emptypb.Empty, error) {
	s.f.log("DeleteServiceAccountKey " + req.Name)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	key := policyKey(req.Name)
	if !s.f.keys[key] {
		return nil, status.Errorf(codes.NotFound, "key %s not found", req.Name)
	}
	delete(s.f.keys, key)
	s.f.writes = append(s.f.writes, "DeleteServiceAccountKey "+req.Name)
	return &emptypb.Empty{}, nil
}

func (s fakeIAM) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeIAM) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

type fakeSubscriber struct {
	pubsubpb.UnimplementedSubscriberServer
	f *fake
}

func (s fakeSubscriber) GetSubscription(_ context.Context, req *pubsubpb.GetSubscriptionRequest) (*pubsubpb.Subscription, error) {
	s.f.log("GetSubscription " + req.Subscription)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	sub, ok := s.f.subs[req.Subscription]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "subscription %s not found", req.Subscription)
	}
	return proto.Clone(sub).(*pubsubpb.Subscription), nil
}

func (s fakeSubscriber) ModifyPushConfig(_ context.Context, req *pubsubpb.ModifyPushConfigRequest) (*emptypb.Empty, error) {
	s.f.log("ModifyPushConfig " + req.Subscription)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	sub, ok := s.f.subs[req.Subscription]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "subscription %s not found", req.Subscription)
	}
	if err := s.f.rejectPending(req.GetPushConfig().GetOidcToken().GetServiceAccountEmail()); err != nil {
		return nil, err
	}
	sub.PushConfig = proto.Clone(req.PushConfig).(*pubsubpb.PushConfig)
	s.f.writes = append(s.f.writes, "ModifyPushConfig "+req.Subscription)
	return &emptypb.Empty{}, nil
}

// fakeIAMPolicy is the IAM mixin the Pub/Sub admin clients call for topic
// and subscription policies.
type fakeIAMPolicy struct {
	iampb.UnimplementedIAMPolicyServer
	f *fake
}

func (s fakeIAMPolicy) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeIAMPolicy) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(req)
}

// serve starts the fake servers on a bufconn listener and returns an Applier
// whose real clients reach them, one connection per API.
func serve(t *testing.T, f *fake) *Applier {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	runpb.RegisterServicesServer(srv, fakeServices{f: f})
	runpb.RegisterJobsServer(srv, fakeJobs{f: f})
	longrunningpb.RegisterOperationsServer(srv, fakeOperations{f: f})
	resourcemanagerpb.RegisterProjectsServer(srv, fakeProjects{f: f})
	resourcemanagerpb.RegisterFoldersServer(srv, fakeFolders{f: f})
	resourcemanagerpb.RegisterOrganizationsServer(srv, fakeOrganizations{f: f})
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, fakeSecrets{f: f})
	adminpb.RegisterIAMServer(srv, &fakeIAM{f: f})
	pubsubpb.RegisterSubscriberServer(srv, fakeSubscriber{f: f})
	iampb.RegisterIAMPolicyServer(srv, fakeIAMPolicy{f: f})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	dial := func() []option.ClientOption {
		conn, err := grpc.NewClient("passthrough:///bufnet",
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatalf("dial bufconn: %v", err)
		}
		return []option.ClientOption{option.WithGRPCConn(conn)}
	}
	a, err := New(t.Context(), Options{Run: dial(), ResourceManager: dial(), SecretManager: dial(), IAM: dial(), PubSub: dial()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.propagation = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}
