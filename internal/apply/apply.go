// Package apply applies an approved change set (DESIGN §6) through the Google
// Cloud APIs, as the applier identity, and says what it did.
//
// Apply runs in three phases:
//
//  1. Refusal. Every step must be valid and of a kind, on a resource type,
//     that this package can apply (see Applier.Apply). If any is not, nothing
//     is read or written and the error (ErrUnsupported) lists the steps:
//     export the change set and apply it by hand.
//  2. Pre-flight, reads only. The live IAM policy of every resource a binding
//     step names is read and its etag compared with the one the change set
//     was planned against (ChangeSet.Etags; where no etag was planned, its
//     bindings are compared with ChangeSet.Before instead). Each Cloud Run
//     service or job an updateService step changes, and each subscription a
//     setPushAuth step changes, is read and its current value compared with
//     the planned From (or Endpoint).
//     Any difference refuses the whole change set before any write
//     (ErrEtagMoved, ErrDrift), naming the resources.
//  3. Steps, in order. Consecutive binding steps on one resource are one
//     read-modify-write of its policy, sent with the etag just read, so a
//     change made meanwhile by someone else is rejected by the server and
//     reported as ErrEtagMoved. The first failure stops the run.
//
// Nothing is ever rolled back: when a step fails half-way, the steps before it
// stay applied, and the returned *Error says exactly which steps were applied
// and which were not, so that a person can finish or revert by hand.
package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	admin "cloud.google.com/go/iam/admin/apiv1"
	pubsub "cloud.google.com/go/pubsub/v2/apiv1"
	resourcemanager "cloud.google.com/go/resourcemanager/apiv3"
	run "cloud.google.com/go/run/apiv2"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/runlens/runlens/internal/changeset"
)

// Errors Apply wraps; test with errors.Is.
var (
	// ErrUnsupported: a step cannot be applied by runlens (export the change
	// set and apply it by hand). Nothing was read or written.
	ErrUnsupported = errors.New("apply: step cannot be applied by runlens")
	// ErrInvalid: the change set does not validate. Nothing was read or
	// written.
	ErrInvalid = errors.New("apply: invalid change set")
	// ErrEtagMoved: an IAM policy (or a Cloud Run resource) changed since the
	// change set was planned, or changed between this run's read and its
	// write. The resource is named in the message.
	ErrEtagMoved = errors.New("apply: the resource changed since it was planned (etag moved)")
	// ErrDrift: a setting an updateService or setPushAuth step changes no
	// longer has the value the plan recorded (From, Endpoint).
	ErrDrift = errors.New("apply: the resource no longer matches the plan")
	// ErrNotReady: a service's new revision did not become ready; the steps
	// after it (the removal of old grants among them) were not applied.
	ErrNotReady = errors.New("apply: the new revision is not ready")
)

// Options holds the client options of each Google API the applier calls.
// Tests pass option.WithGRPCConn to in-process fakes; production passes the
// applier identity's credentials (see ImpersonatedOptions and OptionsForAll).
type Options struct {
	Run             []option.ClientOption // Cloud Run Admin API v2: services, jobs, their IAM policies
	ResourceManager []option.ClientOption // Resource Manager v3: project, folder, organization IAM policies
	SecretManager   []option.ClientOption // Secret Manager: secret IAM policies
	IAM             []option.ClientOption // IAM admin: service accounts, their keys and IAM policies
	PubSub          []option.ClientOption // Pub/Sub admin: topic and subscription IAM policies, push config

	// ReadyPoll and ReadyTimeout pace the wait for a service's new revision
	// to be ready before the steps after its update (0: every 3 s, for up to
	// 10 minutes).
	ReadyPoll, ReadyTimeout time.Duration
}

// OptionsForAll returns Options that give every API the same client options,
// for example the applier identity's token source from ImpersonatedOptions.
func OptionsForAll(opts ...option.ClientOption) Options {
	return Options{Run: opts, ResourceManager: opts, SecretManager: opts, IAM: opts, PubSub: opts}
}

// Applier applies approved change sets. It implements review.Applier. It is
// safe for concurrent use; it does not serialize applies itself (review
// claims each change set once), and concurrent writers of one policy are
// kept apart by the etag.
type Applier struct {
	services *run.ServicesClient
	jobs     *run.JobsClient
	projects *resourcemanager.ProjectsClient
	folders  *resourcemanager.FoldersClient
	orgs     *resourcemanager.OrganizationsClient
	secrets  *secretmanager.Client
	iam      *admin.IamClient
	topics   *pubsub.TopicAdminClient
	subs     *pubsub.SubscriptionAdminClient

	// propagation are the waits before retrying a write rejected because a
	// service account created by this run is not visible yet (IAM is
	// eventually consistent: a new account can be refused as "does not
	// exist" for a few seconds).
	propagation []time.Duration
	// readyPoll and readyTimeout pace the wait for a service's new revision
	// to be ready (waitReady).
	readyPoll, readyTimeout time.Duration
	closers                 []func() error
}

// New returns an Applier with one client per API, built with opts. Close
// releases them.
func New(ctx context.Context, opts Options) (*Applier, error) {
	a := &Applier{propagation: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second},
		readyPoll: cmp.Or(opts.ReadyPoll, 3*time.Second), readyTimeout: cmp.Or(opts.ReadyTimeout, 10*time.Minute)}
	err := a.open(ctx, opts)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("apply: new clients: %w", err), a.Close())
	}
	return a, nil
}

// open creates the clients, remembering how to close each one made.
func (a *Applier) open(ctx context.Context, opts Options) error {
	var err error
	if a.services, err = run.NewServicesClient(ctx, opts.Run...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.services.Close)
	if a.jobs, err = run.NewJobsClient(ctx, opts.Run...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.jobs.Close)
	if a.projects, err = resourcemanager.NewProjectsClient(ctx, opts.ResourceManager...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.projects.Close)
	if a.folders, err = resourcemanager.NewFoldersClient(ctx, opts.ResourceManager...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.folders.Close)
	if a.orgs, err = resourcemanager.NewOrganizationsClient(ctx, opts.ResourceManager...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.orgs.Close)
	if a.secrets, err = secretmanager.NewClient(ctx, opts.SecretManager...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.secrets.Close)
	if a.iam, err = admin.NewIamClient(ctx, opts.IAM...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.iam.Close)
	if a.topics, err = pubsub.NewTopicAdminClient(ctx, opts.PubSub...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.topics.Close)
	if a.subs, err = pubsub.NewSubscriptionAdminClient(ctx, opts.PubSub...); err != nil {
		return err
	}
	a.closers = append(a.closers, a.subs.Close)
	return nil
}

// Close closes the clients. A connection passed with option.WithGRPCConn is
// closed too; a connection shared by several clients of one API is closed
// once (the "already closing" error of the later closes is ignored).
func (a *Applier) Close() error {
	var errs []error
	for _, c := range a.closers {
		if err := c(); err != nil && status.Code(err) != codes.Canceled {
			errs = append(errs, err)
		}
	}
	a.closers = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("apply: close: %w", err)
	}
	return nil
}

// Error is the error of an Apply that was refused or stopped. Its message is
// the outcome: why, which steps were applied (and stay applied: there is no
// rollback) and which were not. It wraps the cause (ErrUnsupported,
// ErrInvalid, ErrEtagMoved, ErrDrift, or the API's error).
type Error struct {
	// Applied and NotApplied are 1-based step numbers; manual steps count as
	// not applied. Refused before any write: Applied is empty.
	Applied    []int
	NotApplied []int
	// Failed is the 1-based number of the step whose write failed (the first
	// of a policy write covering several steps), 0 when refused before any
	// write.
	Failed  int
	Err     error
	Outcome string
}

func (e *Error) Error() string { return e.Outcome }

// AppliedSteps are the steps carried out before the apply stopped (review
// records them, so the rollback reverses exactly those).
func (e *Error) AppliedSteps() []int { return e.Applied }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Apply applies the steps of cs in order and returns the outcome: one line per
// step saying what was done. It must be given only approved content.
//
// Supported steps:
//
//   - removeBinding, addBinding on the IAM policy of a Cloud Run service or
//     job, a project, folder or organization, a Secret Manager secret, a
//     service account, a Pub/Sub topic or subscription. Conditions are matched
//     as in the planned diff (same expression; same title when the step
//     gives one); other bindings, conditional ones included, and the rest of
//     the policy (audit configs) are kept. The policy is read and written at
//     version 3 when any binding is conditional. A member already absent (or
//     already granted) is not an error; a policy needing no change is not
//     written.
//   - createServiceAccount; an account that already exists is reused.
//   - updateService of a Cloud Run service (serviceAccount, ingress,
//     invokerIamDisabled, binaryAuthorization) or job (serviceAccount,
//     binaryAuthorization): read, change the one field, write the whole
//     resource back with its etag, and wait for the operation (the new
//     revision) to finish. A field already at To is left alone.
//   - deleteKey; a key already gone is not an error.
//   - setPushAuth: the subscription's push config gets an OIDC token of the
//     service account (and audience); its endpoint must still be the planned
//     one.
//   - manual steps are skipped and listed for a person.
//
// Not supported, refused before anything is done (ErrUnsupported): bindings
// on buckets, KMS keys and other resource types, setSchedulerOIDC,
// createSecretFromEnv (it needs the variable's value, which runlens never
// holds) and updateService of env.
//
// On failure Apply returns the outcome text and an *Error with the same text.
// It does not roll back: the doc comment of the package says what each phase
// guarantees.
func (a *Applier) Apply(ctx context.Context, cs changeset.ChangeSet) (string, error) {
	if err := refuse(cs); err != nil {
		return err.Outcome, err
	}
	r := &runState{a: a, cs: cs, expected: make(map[string]string), created: make(map[string]bool)}
	units := group(cs.Steps)
	if err := r.preflight(ctx, units); err != nil {
		return err.Outcome, err
	}
	results := make([]string, len(cs.Steps))
	log := changeset.StepLogFrom(ctx)
	for _, u := range units {
		res, err := r.do(ctx, u)
		if err != nil {
			log(u.steps[0]+1, len(cs.Steps), describe(cs.Steps[u.steps[0]]), "FAILED: "+err.Error())
			e := stopped(cs, results, u, err)
			return e.Outcome, e
		}
		for i, s := range u.steps {
			results[s] = res[i]
			log(s+1, len(cs.Steps), describe(cs.Steps[s]), res[i])
		}
	}
	return succeeded(cs, results), nil
}

// unit is what Apply does in one go: one non-IAM step, or consecutive binding
// steps on one resource (one policy write).
type unit struct {
	steps    []int  // indexes into ChangeSet.Steps
	resource string // binding units: the resource whose policy they change
}

// group splits steps into units, in order.
func group(steps []changeset.Step) []unit {
	var out []unit
	for i, s := range steps {
		if isBinding(s) {
			if n := len(out); n > 0 && out[n-1].resource == s.Resource {
				out[n-1].steps = append(out[n-1].steps, i)
				continue
			}
			out = append(out, unit{steps: []int{i}, resource: s.Resource})
			continue
		}
		out = append(out, unit{steps: []int{i}})
	}
	return out
}

func isBinding(s changeset.Step) bool {
	return s.Kind == changeset.KindRemoveBinding || s.Kind == changeset.KindAddBinding
}

// refuse checks cs before anything is read: it must validate and every step
// must be supported.
func refuse(cs changeset.ChangeSet) *Error {
	if err := cs.Validate(); err != nil {
		return refusal(cs, fmt.Errorf("%w: %w", ErrInvalid, err), "the change set is invalid:\n"+indent(err.Error()))
	}
	var lines []string
	for i, s := range cs.Steps {
		if why := unsupported(s); why != "" {
			lines = append(lines, fmt.Sprintf("  %d. %s: %s", i+1, describe(s), why))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return refusal(cs, ErrUnsupported, fmt.Sprintf("%d of %d steps cannot be applied by runlens; export the change set and apply it by hand:\n%s",
		len(lines), len(cs.Steps), strings.Join(lines, "\n")))
}

// refusal is an Error for a change set refused before any write.
func refusal(cs changeset.ChangeSet, err error, why string) *Error {
	e := &Error{Err: err}
	for i := range cs.Steps {
		e.NotApplied = append(e.NotApplied, i+1)
	}
	e.Outcome = "apply refused, nothing was changed: " + why
	return e
}

// stopped is the Error for a run that failed at unit u, results holding what
// the units before it did.
func stopped(cs changeset.ChangeSet, results []string, u unit, cause error) *Error {
	e := &Error{Err: cause, Failed: u.steps[0] + 1}
	failed := make(map[int]bool)
	for _, s := range u.steps {
		failed[s] = true
	}
	var applied, notApplied []string
	for i, s := range cs.Steps {
		line := fmt.Sprintf("  %d. %s", i+1, describe(s))
		switch {
		case results[i] != "" && s.Kind != changeset.KindManual:
			e.Applied = append(e.Applied, i+1)
			applied = append(applied, line+": "+results[i])
		case failed[i]:
			e.NotApplied = append(e.NotApplied, i+1)
			notApplied = append(notApplied, line+": FAILED")
		case s.Kind == changeset.KindManual:
			e.NotApplied = append(e.NotApplied, i+1)
			notApplied = append(notApplied, line+": manual, for a person")
		default:
			e.NotApplied = append(e.NotApplied, i+1)
			notApplied = append(notApplied, line+": not attempted")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apply stopped at step %d of %d: %v\nNothing was rolled back.\n", u.steps[0]+1, len(cs.Steps), cause)
	fmt.Fprintf(&b, "Applied (%d):\n", len(applied))
	for _, l := range applied {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "Not applied (%d):\n", len(notApplied))
	for _, l := range notApplied {
		b.WriteString(l + "\n")
	}
	e.Outcome = strings.TrimSuffix(b.String(), "\n")
	return e
}

// succeeded is the outcome of a run that did every step.
func succeeded(cs changeset.ChangeSet, results []string) string {
	manual := 0
	for _, s := range cs.Steps {
		if s.Kind == changeset.KindManual {
			manual++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "applied %d of %d steps", len(cs.Steps)-manual, len(cs.Steps))
	if manual > 0 {
		fmt.Fprintf(&b, "; %d manual step(s) left for a person", manual)
	}
	b.WriteString(":\n")
	for i, s := range cs.Steps {
		fmt.Fprintf(&b, "  %d. %s: %s\n", i+1, describe(s), results[i])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// describe says in words what a step does.
func describe(s changeset.Step) string {
	cond := ""
	if s.Condition != nil && strings.TrimSpace(s.Condition.Expression) != "" {
		c := s.Condition.Title
		if c == "" {
			c = s.Condition.Expression
		}
		cond = fmt.Sprintf(" (condition %q)", c)
	}
	switch s.Kind {
	case changeset.KindRemoveBinding:
		return fmt.Sprintf("remove %s from %s%s on %s", s.Member, s.Role, cond, s.Resource)
	case changeset.KindAddBinding:
		return fmt.Sprintf("grant %s to %s%s on %s", s.Role, s.Member, cond, s.Resource)
	case changeset.KindCreateServiceAccount:
		return fmt.Sprintf("create service account %s", accountEmail(s.Project, s.AccountID))
	case changeset.KindUpdateService:
		if s.Field == changeset.FieldEnv {
			return fmt.Sprintf("switch env %s of %s to secret %s", s.EnvName, s.Service, s.To)
		}
		return fmt.Sprintf("set %s of %s from %q to %q", s.Field, s.Service, s.From, s.To)
	case changeset.KindSetPushAuth:
		return fmt.Sprintf("push %s with an OIDC token of %s", s.Subscription, s.ServiceAccount)
	case changeset.KindSetSchedulerOIDC:
		return fmt.Sprintf("call from scheduler job %s with an OIDC token of %s", s.Job, s.ServiceAccount)
	case changeset.KindDeleteKey:
		return fmt.Sprintf("delete key %s of %s", lastSegment(s.Key), s.ServiceAccount)
	case changeset.KindCreateSecretFromEnv:
		return fmt.Sprintf("create secret %s from env %s of %s", s.Secret, s.EnvName, s.Service)
	case changeset.KindManual:
		return "manual: " + s.Text
	}
	return string(s.Kind)
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func accountEmail(project, id string) string { return id + "@" + project + ".iam.gserviceaccount.com" }

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }
