// Package applytest runs in-process fakes of the Google Cloud APIs package
// apply calls — Cloud Run Admin v2 (services, jobs, their operations),
// Resource Manager v3 (projects, folders, organizations), Secret Manager, IAM
// admin and Pub/Sub — for tests of apply and of the runlens binary.
//
// The fakes share one state (a Fake): IAM policies with real etag semantics
// (a new etag on every write; a write carrying another etag is ABORTED),
// Cloud Run services and jobs, service accounts, keys and subscriptions.
// Tests seed that state, may hold or fail any write with a hook, and read
// back the state and the log of calls and accepted writes.
//
// Start serves every fake on a loopback TCP address, which
// apply.EmulatorOptions (or RUNLENS_APPLY_EMULATOR for runlens serve)
// points the real clients at; Register adds them to a server of the
// caller's.
package applytest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

// WriteHook runs at the start of every write RPC the fakes receive
// (SetIamPolicy, UpdateService, UpdateJob, CreateServiceAccount,
// DeleteServiceAccountKey, ModifyPushConfig), after the call is logged and
// before the write is checked or stored, outside the Fake's lock. call is
// the log line of the RPC ("SetIamPolicy projects/p"), ctx the RPC's
// context: it is cancelled when the client goes away. A non-nil error fails
// the RPC with it (use a gRPC status error) and nothing is written. A hook
// may block, to hold an apply in the middle.
type WriteHook func(ctx context.Context, call string) error

// Fake is the Google Cloud state the fake API servers share. Its methods are
// safe for concurrent use.
type Fake struct {
	mu       sync.Mutex
	seq      int
	policies map[string]*iampb.Policy // by API resource name; present = the resource exists
	services map[string]*runpb.Service
	jobs     map[string]*runpb.Job
	accounts map[string]bool // emails
	keys     map[string]bool // projects/-/serviceAccounts/EMAIL/keys/ID
	subs     map[string]*pubsubpb.Subscription
	ops      map[string]*longrunningpb.Operation

	rollouts    map[string]Rollout // by service name: how its next update rolls out
	denySet     map[string]codes.Code
	propagation int
	pending     map[string]int
	hook        WriteHook

	calls  []string // every RPC, in order
	writes []string // every accepted write, in order
}

// New returns an empty Fake: no resource exists.
func New() *Fake {
	return &Fake{
		policies: make(map[string]*iampb.Policy), services: make(map[string]*runpb.Service), jobs: make(map[string]*runpb.Job),
		accounts: make(map[string]bool), keys: make(map[string]bool), subs: make(map[string]*pubsubpb.Subscription),
		ops: make(map[string]*longrunningpb.Operation), denySet: make(map[string]codes.Code), pending: make(map[string]int),
		rollouts: make(map[string]Rollout),
	}
}

// Start serves a new Fake on a loopback TCP port and returns it with its
// address (127.0.0.1:PORT), plaintext and without authentication. The
// server stops when the test ends.
func Start(t testing.TB) (*Fake, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("applytest: listen: %v", err)
	}
	f := New()
	srv := grpc.NewServer()
	f.Register(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f, lis.Addr().String()
}

// Register registers every fake service on srv: Cloud Run Services, Jobs
// and Operations, Resource Manager Projects, Folders and Organizations,
// Secret Manager, IAM admin, the Pub/Sub Subscriber and the IAMPolicy mixin
// (topic and subscription policies).
func (f *Fake) Register(srv *grpc.Server) {
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
}

// policyKey normalizes a service account's project to "-".
func policyKey(name string) string {
	if strings.HasPrefix(name, "projects/") && strings.Contains(name, "/serviceAccounts/") {
		_, after, _ := strings.Cut(name, "/serviceAccounts/")
		return "projects/-/serviceAccounts/" + after
	}
	return name
}

func (f *Fake) nextEtag() []byte {
	f.seq++
	return fmt.Appendf(nil, "etag-%03d", f.seq)
}

// SeedPolicy creates resource name (its API name, such as
// projects/P/locations/R/services/S or projects/-/serviceAccounts/EMAIL)
// with a copy of policy p, replacing any policy it had. p keeps its etag
// when it has one (to match the etag a change set was planned against);
// otherwise it gets a new one.
func (f *Fake) SeedPolicy(name string, p *iampb.Policy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p = proto.Clone(p).(*iampb.Policy)
	if len(p.Etag) == 0 {
		p.Etag = f.nextEtag()
	}
	f.policies[policyKey(name)] = p
}

// Policy returns a copy of the policy of name, or nil when the resource does
// not exist.
func (f *Fake) Policy(name string) *iampb.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[policyKey(name)]
	if !ok {
		return nil
	}
	return proto.Clone(p).(*iampb.Policy)
}

// SeedService stores a copy of svc under svc.Name. Its IAM policy is
// separate (SeedPolicy).
func (f *Fake) SeedService(svc *runpb.Service) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[svc.Name] = proto.Clone(svc).(*runpb.Service)
}

// Rollout says how a service's next update rolls out, as Cloud Run reports
// it on the service (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services):
// reconciling, with the Ready terminal condition pending, for Polls reads
// of the service after the update; then either ready (the new revision
// serves: Ready succeeded, latestReadyRevision = latestCreatedRevision) or,
// with Fail set, failed (Ready failed with Fail as its message; traffic
// stays on the revision that served before).
type Rollout struct {
	Polls int
	Fail  string
}

// SetRollout sets how the next update of service name rolls out. Without
// one an update is ready at once.
func (f *Fake) SetRollout(name string, r Rollout) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollouts[name] = r
}

// Service returns a copy of the Cloud Run service name, or nil.
func (f *Fake) Service(name string) *runpb.Service {
	f.mu.Lock()
	defer f.mu.Unlock()
	svc, ok := f.services[name]
	if !ok {
		return nil
	}
	return proto.Clone(svc).(*runpb.Service)
}

// settle advances the rollout of service name by one read: once its polls
// are used up it ends ready or failed. Called with f.mu held.
func (f *Fake) settle(name string) {
	svc, ok := f.services[name]
	if !ok || !svc.Reconciling {
		return
	}
	r := f.rollouts[name]
	if r.Polls > 0 {
		r.Polls--
		f.rollouts[name] = r
		return
	}
	delete(f.rollouts, name)
	svc.Reconciling = false
	if r.Fail != "" {
		svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_FAILED, Message: r.Fail}
		return
	}
	svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_SUCCEEDED}
	svc.LatestReadyRevision = svc.LatestCreatedRevision
}

// SeedJob stores a copy of j under j.Name.
func (f *Fake) SeedJob(j *runpb.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[j.Name] = proto.Clone(j).(*runpb.Job)
}

// Job returns a copy of the Cloud Run job name, or nil.
func (f *Fake) Job(name string) *runpb.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[name]
	if !ok {
		return nil
	}
	return proto.Clone(j).(*runpb.Job)
}

// AddAccount makes the service account email exist (without a policy; seed
// one with SeedPolicy if a step changes it).
func (f *Fake) AddAccount(email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[email] = true
}

// HasAccount reports whether the service account email exists.
func (f *Fake) HasAccount(email string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accounts[email]
}

// AddKey makes the service account key name exist
// (projects/P/serviceAccounts/EMAIL/keys/ID; the project may be "-").
func (f *Fake) AddKey(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[policyKey(name)] = true
}

// HasKey reports whether the key name exists.
func (f *Fake) HasKey(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[policyKey(name)]
}

// SeedSubscription stores a copy of sub under sub.Name. Its IAM policy is
// separate (SeedPolicy).
func (f *Fake) SeedSubscription(sub *pubsubpb.Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[sub.Name] = proto.Clone(sub).(*pubsubpb.Subscription)
}

// Subscription returns a copy of the Pub/Sub subscription name, or nil.
func (f *Fake) Subscription(name string) *pubsubpb.Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	sub, ok := f.subs[name]
	if !ok {
		return nil
	}
	return proto.Clone(sub).(*pubsubpb.Subscription)
}

// DenySetIamPolicy makes every SetIamPolicy of resource name fail with code.
func (f *Fake) DenySetIamPolicy(name string, code codes.Code) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denySet[policyKey(name)] = code
}

// SetPropagation sets how many times a write naming a service account that
// CreateServiceAccount created is refused as "does not exist" (IAM's
// eventual consistency), for each account created afterwards.
func (f *Fake) SetPropagation(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.propagation = n
}

// SetWriteHook sets the hook every write RPC runs first; nil removes it.
func (f *Fake) SetWriteHook(h WriteHook) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

// Calls returns every RPC received so far, in order, as "Method name".
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Writes returns every write accepted and stored so far, in order, as
// "Method name" (CreateServiceAccount names the new account's email).
func (f *Fake) Writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

func (f *Fake) log(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

// write logs a write RPC and runs the hook; an error refuses the write.
func (f *Fake) write(ctx context.Context, call string) error {
	f.log(call)
	f.mu.Lock()
	h := f.hook
	f.mu.Unlock()
	if h == nil {
		return nil
	}
	return h(ctx, call)
}

func hasConditions(p *iampb.Policy) bool {
	for _, b := range p.GetBindings() {
		if b.GetCondition().GetExpression() != "" {
			return true
		}
	}
	return false
}

func (f *Fake) getIamPolicy(req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
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
func (f *Fake) rejectPending(members ...string) error {
	for _, m := range members {
		email := strings.TrimPrefix(m, "serviceAccount:")
		if f.pending[email] > 0 {
			f.pending[email]--
			return status.Errorf(codes.InvalidArgument, "Service account %s does not exist.", email)
		}
	}
	return nil
}

func (f *Fake) setIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	if err := f.write(ctx, "SetIamPolicy "+req.Resource); err != nil {
		return nil, err
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
func (f *Fake) operation(parent string, resp proto.Message) (*longrunningpb.Operation, error) {
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

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func (f *Fake) knownAccount(email string) bool {
	return email == "" || f.accounts[email] || strings.HasSuffix(email, "-compute@developer.gserviceaccount.com")
}

type fakeServices struct {
	runpb.UnimplementedServicesServer
	f *Fake
}

func (s fakeServices) GetService(_ context.Context, req *runpb.GetServiceRequest) (*runpb.Service, error) {
	s.f.log("GetService " + req.Name)
	s.f.mu.Lock()
	s.f.settle(req.Name)
	s.f.mu.Unlock()
	if svc := s.f.Service(req.Name); svc != nil {
		return svc, nil
	}
	return nil, status.Errorf(codes.NotFound, "service %s not found", req.Name)
}

func (s fakeServices) UpdateService(ctx context.Context, req *runpb.UpdateServiceRequest) (*longrunningpb.Operation, error) {
	name := req.GetService().GetName()
	if err := s.f.write(ctx, "UpdateService "+name); err != nil {
		return nil, err
	}
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
	svc.LatestReadyRevision = cur.LatestReadyRevision
	svc.Reconciling = true
	svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_RECONCILING}
	s.f.services[name] = svc
	if r := s.f.rollouts[name]; r.Polls == 0 && r.Fail == "" {
		s.f.settle(name) // no rollout set: ready at once
	}
	s.f.writes = append(s.f.writes, "UpdateService "+name)
	return s.f.operation(location(name), svc)
}

func (s fakeServices) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeServices) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeJobs struct {
	runpb.UnimplementedJobsServer
	f *Fake
}

func (s fakeJobs) GetJob(_ context.Context, req *runpb.GetJobRequest) (*runpb.Job, error) {
	s.f.log("GetJob " + req.Name)
	if j := s.f.Job(req.Name); j != nil {
		return j, nil
	}
	return nil, status.Errorf(codes.NotFound, "job %s not found", req.Name)
}

func (s fakeJobs) UpdateJob(ctx context.Context, req *runpb.UpdateJobRequest) (*longrunningpb.Operation, error) {
	name := req.GetJob().GetName()
	if err := s.f.write(ctx, "UpdateJob "+name); err != nil {
		return nil, err
	}
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

func (s fakeJobs) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeOperations struct {
	longrunningpb.UnimplementedOperationsServer
	f *Fake
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
	f *Fake
}

func (s fakeProjects) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeProjects) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeFolders struct {
	resourcemanagerpb.UnimplementedFoldersServer
	f *Fake
}

func (s fakeFolders) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeFolders) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeOrganizations struct {
	resourcemanagerpb.UnimplementedOrganizationsServer
	f *Fake
}

func (s fakeOrganizations) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeOrganizations) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeSecrets struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	f *Fake
}

func (s fakeSecrets) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeSecrets) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeIAM struct {
	adminpb.UnimplementedIAMServer
	f *Fake
}

func (s fakeIAM) CreateServiceAccount(ctx context.Context, req *adminpb.CreateServiceAccountRequest) (*adminpb.ServiceAccount, error) {
	if err := s.f.write(ctx, "CreateServiceAccount "+req.Name+" "+req.AccountId); err != nil {
		return nil, err
	}
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

func (s fakeIAM) DeleteServiceAccountKey(ctx context.Context, req *adminpb.DeleteServiceAccountKeyRequest) (*emptypb.Empty, error) {
	if err := s.f.write(ctx, "DeleteServiceAccountKey "+req.Name); err != nil {
		return nil, err
	}
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

func (s fakeIAM) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}

type fakeSubscriber struct {
	pubsubpb.UnimplementedSubscriberServer
	f *Fake
}

func (s fakeSubscriber) GetSubscription(_ context.Context, req *pubsubpb.GetSubscriptionRequest) (*pubsubpb.Subscription, error) {
	s.f.log("GetSubscription " + req.Subscription)
	if sub := s.f.Subscription(req.Subscription); sub != nil {
		return sub, nil
	}
	return nil, status.Errorf(codes.NotFound, "subscription %s not found", req.Subscription)
}

func (s fakeSubscriber) ModifyPushConfig(ctx context.Context, req *pubsubpb.ModifyPushConfigRequest) (*emptypb.Empty, error) {
	if err := s.f.write(ctx, "ModifyPushConfig "+req.Subscription); err != nil {
		return nil, err
	}
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
	f *Fake
}

func (s fakeIAMPolicy) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.getIamPolicy(req)
}

func (s fakeIAMPolicy) SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	return s.f.setIamPolicy(ctx, req)
}
