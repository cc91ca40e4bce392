package apply

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	gcpiam "cloud.google.com/go/iam"
	admin "cloud.google.com/go/iam/admin/apiv1"
	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/genproto/googleapis/type/expr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
)

// policyVersion is the policy version Apply reads, and writes when any
// binding is conditional: reading an older version of a policy with
// conditions would return mangled role names.
const policyVersion = 3

// policyAPI reads and writes the IAM policy of one kind of resource, by the
// API's resource name.
type policyAPI struct {
	get func(ctx context.Context, name string) (*iampb.Policy, error)
	set func(ctx context.Context, name string, p *iampb.Policy) (*iampb.Policy, error)
}

// policyClient is the IAM method pair the generated clients share.
type policyClient interface {
	GetIamPolicy(ctx context.Context, req *iampb.GetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
	SetIamPolicy(ctx context.Context, req *iampb.SetIamPolicyRequest, opts ...gax.CallOption) (*iampb.Policy, error)
}

func getRequest(name string) *iampb.GetIamPolicyRequest {
	return &iampb.GetIamPolicyRequest{Resource: name, Options: &iampb.GetPolicyOptions{RequestedPolicyVersion: policyVersion}}
}

// policyAPI returns the policy API of kind k (not kindUnknown).
func (a *Applier) policyAPI(k resourceKind) policyAPI {
	var c policyClient
	switch k {
	case kindRunService:
		c = a.services
	case kindRunJob:
		c = a.jobs
	case kindProject:
		c = a.projects
	case kindFolder:
		c = a.folders
	case kindOrganization:
		c = a.orgs
	case kindSecret:
		c = a.secrets
	case kindTopic:
		c = a.topics
	case kindSubscription:
		c = a.subs
	case kindServiceAccount:
		// The IAM admin client wraps the policy in cloud.google.com/go/iam.Policy.
		return policyAPI{
			get: func(ctx context.Context, name string) (*iampb.Policy, error) {
				p, err := a.iam.GetIamPolicy(ctx, getRequest(name))
				if err != nil {
					return nil, err
				}
				return p.InternalProto, nil
			},
			set: func(ctx context.Context, name string, p *iampb.Policy) (*iampb.Policy, error) {
				out, err := a.iam.SetIamPolicy(ctx, &admin.SetIamPolicyRequest{Resource: name, Policy: &gcpiam.Policy{InternalProto: p}})
				if err != nil {
					return nil, err
				}
				return out.InternalProto, nil
			},
		}
	default:
		panic(fmt.Sprintf("apply: no policy API for resource kind %d", k))
	}
	return policyAPI{
		get: func(ctx context.Context, name string) (*iampb.Policy, error) {
			return c.GetIamPolicy(ctx, getRequest(name))
		},
		set: func(ctx context.Context, name string, p *iampb.Policy) (*iampb.Policy, error) {
			return c.SetIamPolicy(ctx, &iampb.SetIamPolicyRequest{Resource: name, Policy: p})
		},
	}
}

// etagString is an etag as CAI (and so the change set) writes it: standard
// base64 of the bytes.
func etagString(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// sameEtag reports whether a planned etag names the live one.
func sameEtag(planned string, live []byte) bool {
	return planned == etagString(live) || planned == string(live)
}

// movedSincePlan says how the live policy of resource differs from the one
// cs was planned against, or "" when it does not: the etag when the plan
// recorded one, otherwise the bindings of ChangeSet.Before.
func movedSincePlan(cs changeset.ChangeSet, resource string, live *iampb.Policy) string {
	if planned := cs.Etags[resource]; planned != "" {
		if !sameEtag(planned, live.GetEtag()) {
			return fmt.Sprintf("%s: planned against etag %s, the live policy has etag %s", resource, planned, etagString(live.GetEtag()))
		}
		return ""
	}
	if before, ok := cs.Before[resource]; ok && !slices.Equal(grants(before.Bindings), livegrants(live)) {
		return fmt.Sprintf("%s: no etag was planned against and the live bindings differ from the planned ones", resource)
	}
	return ""
}

// grants flattens bindings to sorted, unique "role, condition, member" keys.
func grants(bindings []iam.Binding) []string {
	var out []string
	for _, b := range bindings {
		for _, m := range b.Members {
			out = append(out, grantKey(b.Role, condKey(b.Condition), m))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func livegrants(p *iampb.Policy) []string {
	var out []string
	for _, b := range p.GetBindings() {
		c := ""
		if e := b.GetCondition(); strings.TrimSpace(e.GetExpression()) != "" {
			c = e.GetExpression() + "\x00" + e.GetTitle()
		}
		for _, m := range b.GetMembers() {
			out = append(out, grantKey(b.GetRole(), c, m))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func grantKey(role, cond, member string) string { return role + "\x01" + cond + "\x01" + member }

func condKey(c *iam.Condition) string {
	if c == nil || strings.TrimSpace(c.Expression) == "" {
		return ""
	}
	return c.Expression + "\x00" + c.Title
}

// sameCondition reports whether a binding's condition is the one a step
// names, as the planner's diff decides: both absent, or the same expression
// and, when the step gives a title, the same title.
func sameCondition(b *expr.Expr, s *iam.Condition) bool {
	bNone := b == nil || strings.TrimSpace(b.Expression) == ""
	sNone := s == nil || strings.TrimSpace(s.Expression) == ""
	if bNone || sNone {
		return bNone && sNone
	}
	return b.Expression == s.Expression && (s.Title == "" || b.Title == s.Title)
}

// edit applies binding steps to p in place and returns what each did, and
// whether p changed. Bindings left without members are dropped; the version
// becomes 3 when any binding is conditional.
func edit(p *iampb.Policy, steps []changeset.Step) (results []string, changed bool) {
	for _, s := range steps {
		var did bool
		switch s.Kind {
		case changeset.KindRemoveBinding:
			did = remove(p, s)
			results = append(results, pick(did, "removed", "already absent"))
		case changeset.KindAddBinding:
			did = add(p, s)
			results = append(results, pick(did, "granted", "already granted"))
		}
		changed = changed || did
	}
	p.Bindings = slices.DeleteFunc(p.Bindings, func(b *iampb.Binding) bool { return len(b.Members) == 0 })
	for _, b := range p.Bindings {
		if strings.TrimSpace(b.GetCondition().GetExpression()) != "" && p.Version < policyVersion {
			p.Version = policyVersion
		}
	}
	return results, changed
}

func remove(p *iampb.Policy, s changeset.Step) bool {
	did := false
	for _, b := range p.Bindings {
		if b.Role != s.Role || !sameCondition(b.Condition, s.Condition) {
			continue
		}
		n := len(b.Members)
		b.Members = slices.DeleteFunc(b.Members, func(m string) bool { return m == s.Member })
		did = did || len(b.Members) != n
	}
	return did
}

func add(p *iampb.Policy, s changeset.Step) bool {
	for _, b := range p.Bindings {
		if b.Role != s.Role || !sameCondition(b.Condition, s.Condition) {
			continue
		}
		if slices.Contains(b.Members, s.Member) {
			return false
		}
		b.Members = append(b.Members, s.Member)
		return true
	}
	nb := &iampb.Binding{Role: s.Role, Members: []string{s.Member}}
	if c := s.Condition; c != nil && strings.TrimSpace(c.Expression) != "" {
		nb.Condition = &expr.Expr{Expression: c.Expression, Title: c.Title, Description: c.Description}
	}
	p.Bindings = append(p.Bindings, nb)
	return true
}

func pick(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// policyUnit does the binding steps of u in one read-modify-write of the
// policy of u.resource.
func (r *runState) policyUnit(ctx context.Context, u unit) ([]string, error) {
	k, name := parseResource(u.resource)
	api := r.a.policyAPI(k)
	steps := make([]changeset.Step, len(u.steps))
	var added []string
	for i, si := range u.steps {
		steps[i] = r.cs.Steps[si]
		if steps[i].Kind == changeset.KindAddBinding {
			added = append(added, steps[i].Member)
		}
	}
	var results []string
	err := r.retryPropagation(ctx, added, func() error {
		live, err := api.get(ctx, name)
		if err != nil {
			return fmt.Errorf("read the IAM policy of %s: %w", u.resource, err)
		}
		if exp, ok := r.expected[u.resource]; ok && exp != "" && etagString(live.GetEtag()) != exp {
			return fmt.Errorf("%w: %s: expected etag %s, the live policy has etag %s", ErrEtagMoved, u.resource, exp, etagString(live.GetEtag()))
		}
		res, changed := edit(live, steps)
		if !changed {
			results = res
			return nil
		}
		before := etagString(live.GetEtag())
		out, err := api.set(ctx, name, live) // carries the etag just read
		if err != nil {
			return writeError(u.resource, err)
		}
		r.expected[u.resource] = etagString(out.GetEtag())
		for i := range res {
			res[i] += fmt.Sprintf(" (policy etag %s -> %s)", before, etagString(out.GetEtag()))
		}
		results = res
		return nil
	})
	return results, err
}

// writeError classifies the error of a write: a concurrent change (ABORTED,
// or FAILED_PRECONDITION about the etag) is ErrEtagMoved.
func writeError(resource string, err error) error {
	st := status.Convert(err)
	msg := strings.ToLower(st.Message())
	if st.Code() == codes.Aborted || st.Code() == codes.FailedPrecondition && (strings.Contains(msg, "etag") || strings.Contains(msg, "concurrent")) {
		return fmt.Errorf("%w: %s changed concurrently, so the write carrying the etag just read was rejected: %w", ErrEtagMoved, resource, err)
	}
	return fmt.Errorf("write %s: %w", resource, err)
}
