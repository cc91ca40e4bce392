// Package changeset turns a finding into a change set and renders it.
//
// Planning (Plan) is a pure function of the identity graph, the IAM policies
// of the inventory, the recommender's output and one finding: it returns a
// ChangeSet, plain data that the store saves as JSON and that a second person
// reviews. A change set renders three ways behind one small interface
// (Renderer): a gcloud script, Terraform written with hclwrite, and a unified
// diff of every IAM policy it touches. Hash binds an approval to the exact
// content planned.
//
// Nothing here calls Google APIs: applying a change set is another package's
// job.
package changeset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/iam"
)

// ChangeSet is the remedy for one or more findings: what to change, why, and
// what could break. It is plain data, stored as JSON.
type ChangeSet struct {
	Title     string `json:"title"`
	Rationale string `json:"rationale"`
	// Fixes are the IDs of the findings the change set fixes.
	Fixes []string `json:"fixes"`
	// Risk says, in words, which callers or permissions could break: who loses
	// access, what the old identity reached that the new one does not, which
	// permissions the recommender saw in use.
	Risk []string `json:"risk,omitempty"`
	// Steps run in order.
	Steps []Step `json:"steps"`
	// Manual is true when some or all steps are instructions for a person
	// (Kind Manual) rather than mechanical changes.
	Manual bool `json:"manual"`
	// Etags maps the full name of every resource whose IAM policy a step
	// changes to the etag of the policy the plan was made against ("" when
	// the inventory's policy carried none). Apply refuses when it moved.
	Etags map[string]string `json:"etags,omitempty"`
	// Before holds those policies as planned against (an empty policy for a
	// resource that had none in the inventory), so the diff rendering does not
	// need the inventory.
	Before map[string]iam.Policy `json:"before,omitempty"`
}

// StepKind is the kind of change a Step makes.
type StepKind string

// Step kinds.
const (
	KindRemoveBinding        StepKind = "removeBinding"        // remove Member from Role on Resource
	KindAddBinding           StepKind = "addBinding"           // grant Role to Member on Resource
	KindCreateServiceAccount StepKind = "createServiceAccount" // create AccountID in Project
	KindUpdateService        StepKind = "updateService"        // set Field of Service (a service or job) From -> To
	KindSetPushAuth          StepKind = "setPushAuth"          // push Subscription with an OIDC token of ServiceAccount
	KindSetSchedulerOIDC     StepKind = "setSchedulerOIDC"     // call with an OIDC token of ServiceAccount from scheduler Job
	KindDeleteKey            StepKind = "deleteKey"            // delete Key of ServiceAccount
	KindCreateSecretFromEnv  StepKind = "createSecretFromEnv"  // create Secret in Project for EnvName of Service; the operator supplies the value
	KindManual               StepKind = "manual"               // instructions for a person, Text
)

// StepKinds lists every step kind.
func StepKinds() []StepKind {
	return []StepKind{KindRemoveBinding, KindAddBinding, KindCreateServiceAccount, KindUpdateService,
		KindSetPushAuth, KindSetSchedulerOIDC, KindDeleteKey, KindCreateSecretFromEnv, KindManual}
}

// Field is a Cloud Run service (or job) setting an UpdateService step changes.
type Field string

// Fields. Values in From and To: serviceAccount an email; ingress "all",
// "internal", "internal-and-cloud-load-balancing"; invokerIamDisabled "true"
// or "false"; binaryAuthorization "default", a policy name, or "" for none;
// env: To is "SECRET:VERSION" for the variable EnvName, From describes the
// literal value (never the value itself).
const (
	FieldServiceAccount      Field = "serviceAccount"
	FieldIngress             Field = "ingress"
	FieldInvokerIAMDisabled  Field = "invokerIamDisabled"
	FieldBinaryAuthorization Field = "binaryAuthorization"
	FieldEnv                 Field = "env"
)

// Step is one typed change. Kind says which fields are meaningful:
//
//	removeBinding, addBinding: Resource, ResourceType, Role, Member, Condition (nil: unconditional), Project
//	createServiceAccount:      Project, AccountID, DisplayName
//	updateService:             Service, Field, From, To (env: also EnvName, Secret, Container)
//	setPushAuth:               Subscription, Endpoint, ServiceAccount, Audience, From (the identity before, "" for none)
//	setSchedulerOIDC:          Job, Endpoint, ServiceAccount, Audience, From
//	deleteKey:                 Key, ServiceAccount
//	createSecretFromEnv:       Project, Secret, Service, EnvName, Container
//	manual:                    Text
//
// Note explains any step to the reviewer. Resource names are CAI full names
// ("//run.googleapis.com/projects/p/locations/r/services/s"); a service
// account resource is "//iam.googleapis.com/projects/P/serviceAccounts/EMAIL".
type Step struct {
	Kind StepKind `json:"kind"`

	Resource     string         `json:"resource,omitempty"`
	ResourceType string         `json:"resourceType,omitempty"`
	Role         string         `json:"role,omitempty"`
	Member       string         `json:"member,omitempty"`
	Condition    *iam.Condition `json:"condition,omitempty"`

	// Project is the project ID a created account or secret lives in, or the
	// project ID of a binding's resource where known.
	Project     string `json:"project,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`

	Service   string `json:"service,omitempty"`
	Field     Field  `json:"field,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Container string `json:"container,omitempty"`

	Subscription   string `json:"subscription,omitempty"`
	Job            string `json:"job,omitempty"`
	Endpoint       string `json:"endpoint,omitempty"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
	Audience       string `json:"audience,omitempty"`

	Key string `json:"key,omitempty"`

	Secret  string `json:"secret,omitempty"`
	EnvName string `json:"envName,omitempty"`

	Text string `json:"text,omitempty"`
	Note string `json:"note,omitempty"`

	// Address is the Terraform resource address that declares what the
	// step changes, when the change set was planned on a Terraform plan
	// (Locate): the Terraform rendering then names that resource.
	Address string `json:"address,omitempty"`
}

// Locate sets the Address of each step whose object a Terraform
// configuration declares; address answers for a resource (role ""), or for
// the grant of role to member on a resource (see inventory.Inventory.Address).
func (cs *ChangeSet) Locate(address func(resource, role, member string) string) {
	for i, s := range cs.Steps {
		switch s.Kind {
		case KindRemoveBinding:
			cs.Steps[i].Address = address(s.Resource, s.Role, s.Member)
		case KindUpdateService, KindCreateSecretFromEnv:
			cs.Steps[i].Address = address(s.Service, "", "")
		case KindSetPushAuth:
			cs.Steps[i].Address = address(s.Subscription, "", "")
		case KindSetSchedulerOIDC:
			cs.Steps[i].Address = address(s.Job, "", "")
		}
	}
}

var (
	accountIDPattern = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	secretIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
)

// ValidAccountID reports whether id is a valid service account ID: 6 to 30
// characters, lowercase letters, digits and hyphens, starting with a letter
// and not ending with a hyphen.
func ValidAccountID(id string) bool { return accountIDPattern.MatchString(id) }

// Validate reports what a step lacks for its kind.
func (s Step) Validate() error {
	var missing []string
	need := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	switch s.Kind {
	case KindRemoveBinding, KindAddBinding:
		need("resource", s.Resource)
		need("resourceType", s.ResourceType)
		need("role", s.Role)
		need("member", s.Member)
		if s.Condition != nil {
			need("condition.expression", s.Condition.Expression)
		}
	case KindCreateServiceAccount:
		need("project", s.Project)
		if !ValidAccountID(s.AccountID) {
			return fmt.Errorf("changeset: step %s: account ID %q is not 6-30 lowercase letters, digits and hyphens", s.Kind, s.AccountID)
		}
	case KindUpdateService:
		need("service", s.Service)
		switch s.Field {
		case FieldServiceAccount, FieldIngress, FieldInvokerIAMDisabled:
			need("to", s.To)
		case FieldBinaryAuthorization:
		case FieldEnv:
			need("envName", s.EnvName)
			need("secret", s.Secret)
		default:
			return fmt.Errorf("changeset: step %s: unknown field %q", s.Kind, s.Field)
		}
		if _, ok := parseRunName(s.Service); !ok {
			return fmt.Errorf("changeset: step %s: %q is not a Cloud Run service or job name", s.Kind, s.Service)
		}
	case KindSetPushAuth:
		need("subscription", s.Subscription)
		need("endpoint", s.Endpoint)
		need("serviceAccount", s.ServiceAccount)
	case KindSetSchedulerOIDC:
		need("job", s.Job)
		need("serviceAccount", s.ServiceAccount)
	case KindDeleteKey:
		need("key", s.Key)
		need("serviceAccount", s.ServiceAccount)
	case KindCreateSecretFromEnv:
		need("project", s.Project)
		need("service", s.Service)
		need("envName", s.EnvName)
		if !secretIDPattern.MatchString(s.Secret) {
			return fmt.Errorf("changeset: step %s: secret ID %q is not valid", s.Kind, s.Secret)
		}
	case KindManual:
		need("text", s.Text)
	default:
		return fmt.Errorf("changeset: unknown step kind %q", s.Kind)
	}
	if len(missing) > 0 {
		return fmt.Errorf("changeset: step %s lacks %s", s.Kind, strings.Join(missing, ", "))
	}
	return nil
}

// Validate reports the first invalid step of cs, by position.
func (cs ChangeSet) Validate() error {
	if len(cs.Steps) == 0 {
		return errors.New("changeset: no steps")
	}
	var errs []error
	for i, s := range cs.Steps {
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("step %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// hashed is what Hash covers, in a fixed field order.
type hashed struct {
	Title  string                `json:"title"`
	Fixes  []string              `json:"fixes,omitempty"`
	Steps  []Step                `json:"steps,omitempty"`
	Etags  map[string]string     `json:"etags,omitempty"`
	Before map[string]iam.Policy `json:"before,omitempty"`
}

// Hash returns the hex SHA-256 of a canonical JSON encoding of the content a
// reviewer approves: the title, the fixed finding IDs (sorted), the steps in
// order, the policy etags and the policies planned against (bindings sorted
// by role and condition, members sorted). Rationale and risk are
// explanations, not content, and are not covered. The encoding has map keys
// sorted and empty fields left out, so the hash is stable across runs and
// across a JSON round trip through the store.
func Hash(cs ChangeSet) string {
	h := hashed{Title: cs.Title, Fixes: slices.Sorted(slices.Values(cs.Fixes)), Steps: cs.Steps, Etags: cs.Etags}
	if len(cs.Before) > 0 {
		h.Before = make(map[string]iam.Policy, len(cs.Before))
		for k, p := range cs.Before {
			h.Before[k] = canonicalPolicy(p)
		}
	}
	b, err := json.Marshal(h)
	if err != nil {
		// Only strings, slices and maps of them: Marshal cannot fail.
		panic(fmt.Sprintf("changeset: hash: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
