package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/runlens/runlens/internal/changeset"
)

// runState is one Apply call.
type runState struct {
	a  *Applier
	cs changeset.ChangeSet
	// expected maps a resource to the policy etag this run expects it to
	// have: read at pre-flight, then returned by this run's own write. Absent
	// for a service account this run creates.
	expected map[string]string
	// created holds the emails of the service accounts this run created (or
	// found existing and reused).
	created map[string]bool
}

// preflight reads, without writing, everything the steps will change and
// refuses when a policy moved since the plan, a setting no longer has its
// planned value, or a resource cannot be read.
func (r *runState) preflight(ctx context.Context, units []unit) *Error {
	willCreate := make(map[string]bool)
	for _, s := range r.cs.Steps {
		if s.Kind == changeset.KindCreateServiceAccount {
			willCreate[accountEmail(s.Project, s.AccountID)] = true
		}
	}
	var errs []error
	read := make(map[string]bool)
	values := make(map[string]string) // service + field -> value after the steps so far
	for _, u := range units {
		if u.resource != "" {
			if read[u.resource] {
				continue
			}
			read[u.resource] = true
			k, name := parseResource(u.resource)
			live, err := r.a.policyAPI(k).get(ctx, name)
			switch {
			case err != nil && status.Code(err) == codes.NotFound && k == kindServiceAccount && willCreate[accountOf(name)]:
				// Created by an earlier step.
			case err != nil:
				errs = append(errs, fmt.Errorf("read the IAM policy of %s: %w", u.resource, err))
			default:
				if why := movedSincePlan(r.cs, u.resource, live); why != "" {
					errs = append(errs, fmt.Errorf("%w: %s", ErrEtagMoved, why))
					continue
				}
				r.expected[u.resource] = etagString(live.GetEtag())
			}
			continue
		}
		s := r.cs.Steps[u.steps[0]]
		switch s.Kind {
		case changeset.KindUpdateService:
			key := s.Service + "\x00" + string(s.Field)
			cur, ok := values[key]
			if !ok {
				x, err := r.getRun(ctx, s.Service)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				cur = x.get(s.Field)
			}
			if err := drift(s, cur); err != nil {
				errs = append(errs, err)
			}
			values[key] = s.To
		case changeset.KindSetPushAuth:
			if _, err := r.pushConfig(ctx, s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = "  - " + err.Error()
	}
	return refusal(r.cs, errors.Join(errs...), "pre-flight checks failed:\n"+strings.Join(lines, "\n"))
}

// do runs one unit and returns what each of its steps did.
func (r *runState) do(ctx context.Context, u unit) ([]string, error) {
	if u.resource != "" {
		return r.policyUnit(ctx, u)
	}
	s := r.cs.Steps[u.steps[0]]
	var res string
	var err error
	switch s.Kind {
	case changeset.KindManual:
		res = "skipped: manual, for a person"
	case changeset.KindCreateServiceAccount:
		res, err = r.createAccount(ctx, s)
	case changeset.KindUpdateService:
		res, err = r.updateRun(ctx, s)
	case changeset.KindDeleteKey:
		res, err = r.deleteKey(ctx, s)
	case changeset.KindSetPushAuth:
		res, err = r.setPushAuth(ctx, s)
	default:
		err = fmt.Errorf("%w: %s", ErrUnsupported, s.Kind) // refuse() rules this out
	}
	return []string{res}, err
}

// retryPropagation runs write, and runs it again after each of the
// applier's propagation waits while it fails as a write naming a service
// account this run created may fail until IAM has propagated it
// (INVALID_ARGUMENT "... does not exist", or NOT_FOUND).
func (r *runState) retryPropagation(ctx context.Context, members []string, write func() error) error {
	fresh := false
	for _, m := range members {
		fresh = fresh || r.created[accountOf(m)]
	}
	for attempt := 0; ; attempt++ {
		err := write()
		var p permanentError
		if errors.As(err, &p) {
			return p.error
		}
		c := status.Code(err)
		if err == nil || !fresh || attempt >= len(r.a.propagation) || (c != codes.InvalidArgument && c != codes.NotFound) {
			return err
		}
		t := time.NewTimer(r.a.propagation[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// permanentError marks an error of a write that retryPropagation must not retry.
type permanentError struct{ error }

func (p permanentError) Unwrap() error { return p.error }

func (r *runState) createAccount(ctx context.Context, s changeset.Step) (string, error) {
	email := accountEmail(s.Project, s.AccountID)
	_, err := r.a.iam.CreateServiceAccount(ctx, &adminpb.CreateServiceAccountRequest{
		Name: "projects/" + s.Project, AccountId: s.AccountID,
		ServiceAccount: &adminpb.ServiceAccount{DisplayName: s.DisplayName},
	})
	switch {
	case status.Code(err) == codes.AlreadyExists:
		r.created[email] = true
		return "already existed; reused", nil
	case err != nil:
		return "", fmt.Errorf("create service account %s: %w", email, err)
	}
	r.created[email] = true
	return "created", nil
}

func (r *runState) deleteKey(ctx context.Context, s changeset.Step) (string, error) {
	name, _ := keyName(s) // refuse() checked it parses
	err := r.a.iam.DeleteServiceAccountKey(ctx, &adminpb.DeleteServiceAccountKeyRequest{Name: name})
	switch {
	case status.Code(err) == codes.NotFound:
		return "already gone", nil
	case err != nil:
		return "", fmt.Errorf("delete key %s: %w", name, err)
	}
	return "deleted", nil
}

// pushConfig reads the push config of the subscription of s and checks that
// it still pushes to the planned endpoint.
func (r *runState) pushConfig(ctx context.Context, s changeset.Step) (*pubsubpb.PushConfig, error) {
	name, _ := subscriptionName(s.Subscription)
	sub, err := r.a.subs.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: name})
	if err != nil {
		return nil, fmt.Errorf("read subscription %s: %w", name, err)
	}
	pc := sub.GetPushConfig()
	switch {
	case pc.GetPushEndpoint() == "":
		return nil, fmt.Errorf("%w: %s is not a push subscription any more", ErrDrift, name)
	case s.Endpoint != "" && pc.GetPushEndpoint() != s.Endpoint:
		return nil, fmt.Errorf("%w: %s pushes to %s, not to the planned %s", ErrDrift, name, pc.GetPushEndpoint(), s.Endpoint)
	}
	return pc, nil
}

func (r *runState) setPushAuth(ctx context.Context, s changeset.Step) (string, error) {
	name, _ := subscriptionName(s.Subscription)
	email := accountOf(s.ServiceAccount)
	pc, err := r.pushConfig(ctx, s)
	if err != nil {
		return "", err
	}
	if t := pc.GetOidcToken(); t.GetServiceAccountEmail() == email && t.GetAudience() == s.Audience {
		return "already set", nil
	}
	pc = proto.Clone(pc).(*pubsubpb.PushConfig)
	pc.AuthenticationMethod = &pubsubpb.PushConfig_OidcToken_{OidcToken: &pubsubpb.PushConfig_OidcToken{ServiceAccountEmail: email, Audience: s.Audience}}
	err = r.retryPropagation(ctx, []string{email}, func() error {
		return r.a.subs.ModifyPushConfig(ctx, &pubsubpb.ModifyPushConfigRequest{Subscription: name, PushConfig: pc})
	})
	if err != nil {
		return "", fmt.Errorf("modify push config of %s: %w", name, err)
	}
	return "set", nil
}

// runResource is a Cloud Run service or job, one of the two set.
type runResource struct {
	svc *runpb.Service
	job *runpb.Job
}

func (r *runState) getRun(ctx context.Context, full string) (runResource, error) {
	k, name := parseResource(full)
	if k == kindRunJob {
		j, err := r.a.jobs.GetJob(ctx, &runpb.GetJobRequest{Name: name})
		if err != nil {
			return runResource{}, fmt.Errorf("read job %s: %w", name, err)
		}
		return runResource{job: j}, nil
	}
	svc, err := r.a.services.GetService(ctx, &runpb.GetServiceRequest{Name: name})
	if err != nil {
		return runResource{}, fmt.Errorf("read service %s: %w", name, err)
	}
	return runResource{svc: svc}, nil
}

// get returns the value of field f, in the change set's words.
func (x runResource) get(f changeset.Field) string {
	switch f {
	case changeset.FieldServiceAccount:
		if x.job != nil {
			return x.job.GetTemplate().GetTemplate().GetServiceAccount()
		}
		return x.svc.GetTemplate().GetServiceAccount()
	case changeset.FieldIngress:
		return ingressWords[x.svc.GetIngress()]
	case changeset.FieldInvokerIAMDisabled:
		return strconv.FormatBool(x.svc.GetInvokerIamDisabled())
	case changeset.FieldBinaryAuthorization:
		ba := x.svc.GetBinaryAuthorization()
		if x.job != nil {
			ba = x.job.GetBinaryAuthorization()
		}
		switch {
		case ba.GetUseDefault():
			return "default"
		case ba.GetPolicy() != "":
			return ba.GetPolicy()
		}
	}
	return ""
}

// set sets field f to v (a value unsupported() accepted).
func (x runResource) set(f changeset.Field, v string) {
	switch f {
	case changeset.FieldServiceAccount:
		if x.job != nil {
			if x.job.Template == nil {
				x.job.Template = &runpb.ExecutionTemplate{}
			}
			if x.job.Template.Template == nil {
				x.job.Template.Template = &runpb.TaskTemplate{}
			}
			x.job.Template.Template.ServiceAccount = v
			return
		}
		if x.svc.Template == nil {
			x.svc.Template = &runpb.RevisionTemplate{}
		}
		x.svc.Template.ServiceAccount = v
		// A named revision cannot be redeployed with another configuration:
		// let Cloud Run name the new one.
		x.svc.Template.Revision = ""
	case changeset.FieldIngress:
		x.svc.Ingress, _ = ingressValue(v)
	case changeset.FieldInvokerIAMDisabled:
		x.svc.InvokerIamDisabled = v == "true"
	case changeset.FieldBinaryAuthorization:
		var ba *runpb.BinaryAuthorization
		switch v {
		case "":
		case "default":
			ba = &runpb.BinaryAuthorization{BinauthzMethod: &runpb.BinaryAuthorization_UseDefault{UseDefault: true}}
		default:
			ba = &runpb.BinaryAuthorization{BinauthzMethod: &runpb.BinaryAuthorization_Policy{Policy: v}}
		}
		if x.job != nil {
			ba = keepBreakglass(x.job.BinaryAuthorization, ba)
			x.job.BinaryAuthorization = ba
			return
		}
		x.svc.BinaryAuthorization = keepBreakglass(x.svc.BinaryAuthorization, ba)
	}
}

// keepBreakglass carries a breakglass justification over to the new setting.
func keepBreakglass(old, ba *runpb.BinaryAuthorization) *runpb.BinaryAuthorization {
	if ba != nil && old.GetBreakglassJustification() != "" {
		ba.BreakglassJustification = old.GetBreakglassJustification()
	}
	return ba
}

var ingressWords = map[runpb.IngressTraffic]string{
	runpb.IngressTraffic_INGRESS_TRAFFIC_ALL:                    "all",
	runpb.IngressTraffic_INGRESS_TRAFFIC_INTERNAL_ONLY:          "internal",
	runpb.IngressTraffic_INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER: "internal-and-cloud-load-balancing",
	runpb.IngressTraffic_INGRESS_TRAFFIC_NONE:                   "none",
}

// ingressValue parses an ingress setting in gcloud's words or as the enum
// name.
func ingressValue(s string) (runpb.IngressTraffic, bool) {
	for v, w := range ingressWords {
		if s == w || s == v.String() {
			return v, true
		}
	}
	return runpb.IngressTraffic_INGRESS_TRAFFIC_UNSPECIFIED, false
}

// sameValue reports whether the live value of field f is the one a step
// names. An empty live service account is the project's default compute
// account.
func sameValue(f changeset.Field, live, planned string) bool {
	switch f {
	case changeset.FieldServiceAccount:
		return live == planned || live == "" && strings.HasSuffix(planned, "-compute@developer.gserviceaccount.com")
	case changeset.FieldIngress:
		l, _ := ingressValue(live)
		p, _ := ingressValue(planned)
		return l == p
	}
	return live == planned
}

// drift returns ErrDrift when the live value cur of s's field is neither the
// planned From nor already To. An empty From (other than for Binary
// Authorization, where it means none) is not checked.
func drift(s changeset.Step, cur string) error {
	if sameValue(s.Field, cur, s.To) || (s.From == "" && s.Field != changeset.FieldBinaryAuthorization) || sameValue(s.Field, cur, s.From) {
		return nil
	}
	return fmt.Errorf("%w: %s of %s is %q, planned from %q", ErrDrift, s.Field, s.Service, cur, s.From)
}

// updateRun changes one field of a Cloud Run service or job: read it, set the
// field, write it back whole with the etag read, and wait for the operation.
func (r *runState) updateRun(ctx context.Context, s changeset.Step) (string, error) {
	var res string
	var members []string
	if s.Field == changeset.FieldServiceAccount {
		members = []string{s.To}
	}
	err := r.retryPropagation(ctx, members, func() error {
		x, err := r.getRun(ctx, s.Service)
		if err != nil {
			return err
		}
		cur := x.get(s.Field)
		if sameValue(s.Field, cur, s.To) {
			res = "already " + strconv.Quote(s.To)
			return nil
		}
		if err := drift(s, cur); err != nil {
			return err
		}
		x.set(s.Field, s.To)
		if x.job != nil {
			op, err := r.a.jobs.UpdateJob(ctx, &runpb.UpdateJobRequest{Job: x.job})
			if err != nil {
				return writeError(s.Service, err)
			}
			if _, err := op.Wait(ctx); err != nil {
				return permanentError{fmt.Errorf("%s was updated but its operation failed: %w", s.Service, err)}
			}
			res = "updated"
			return nil
		}
		op, err := r.a.services.UpdateService(ctx, &runpb.UpdateServiceRequest{Service: x.svc})
		if err != nil {
			return writeError(s.Service, err)
		}
		got, err := op.Wait(ctx)
		if err != nil {
			return permanentError{fmt.Errorf("%s was updated but its operation (the new revision) failed: %w", s.Service, err)}
		}
		// Staged: nothing after this step runs until the new revision
		// serves (a dedicated identity lacking a grant shows here, before
		// the old identity's grants go).
		if got, err = r.a.waitReady(ctx, got); err != nil {
			return permanentError{err}
		}
		res = "updated"
		if rev := got.GetLatestReadyRevision(); rev != "" {
			res += ", revision " + lastSegment(rev) + " ready"
		}
		return nil
	})
	return res, err
}

// waitReady waits until the service's latest revision is ready: Cloud Run
// v2 says so on the service (reconciling false, the Ready terminal
// condition succeeded, latestReadyRevision = latestCreatedRevision;
// https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services).
// It reads the service every a.readyPoll up to a.readyTimeout. A failed
// terminal condition, or the timeout, is an error naming the revision and
// the reason; the revision that served before keeps serving.
func (a *Applier) waitReady(ctx context.Context, svc *runpb.Service) (*runpb.Service, error) {
	deadline := time.Now().Add(a.readyTimeout)
	for {
		cond := svc.GetTerminalCondition()
		switch {
		case cond.GetState() == runpb.Condition_CONDITION_FAILED:
			return svc, fmt.Errorf("%w: revision %s of %s did not become ready: %s (the revision that served before still serves)",
				ErrNotReady, lastSegment(svc.GetLatestCreatedRevision()), svc.GetName(), cond.GetMessage())
		case !svc.GetReconciling() && (cond == nil || cond.GetState() == runpb.Condition_CONDITION_SUCCEEDED) &&
			(svc.GetLatestReadyRevision() == "" || svc.GetLatestReadyRevision() == svc.GetLatestCreatedRevision()):
			return svc, nil
		}
		if time.Now().After(deadline) {
			return svc, fmt.Errorf("%w: revision %s of %s was not ready after %s", ErrNotReady, lastSegment(svc.GetLatestCreatedRevision()), svc.GetName(), a.readyTimeout)
		}
		select {
		case <-ctx.Done():
			return svc, ctx.Err()
		case <-time.After(a.readyPoll):
		}
		next, err := a.services.GetService(ctx, &runpb.GetServiceRequest{Name: svc.GetName()})
		if err != nil {
			return svc, fmt.Errorf("reading %s while waiting for its new revision: %w", svc.GetName(), err)
		}
		svc = next
	}
}
