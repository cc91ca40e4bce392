package apply

import (
	"fmt"
	"strings"

	"github.com/runlens/runlens/internal/changeset"
)

// resourceKind is a kind of resource whose IAM policy, or settings, Apply
// changes.
type resourceKind int

const (
	kindUnknown resourceKind = iota
	kindRunService
	kindRunJob
	kindProject
	kindFolder
	kindOrganization
	kindSecret
	kindServiceAccount
	kindTopic
	kindSubscription
)

// parseResource returns the kind of a CAI full resource name and the name the
// resource's own API uses ("//run.googleapis.com/projects/p/locations/r/services/s"
// -> kindRunService, "projects/p/locations/r/services/s"); kindUnknown when
// Apply cannot change its IAM policy.
func parseResource(full string) (resourceKind, string) {
	for _, r := range []struct {
		kind        resourceKind
		host        string
		collections []string
	}{
		{kindRunService, "run.googleapis.com", []string{"projects", "locations", "services"}},
		{kindRunJob, "run.googleapis.com", []string{"projects", "locations", "jobs"}},
		{kindProject, "cloudresourcemanager.googleapis.com", []string{"projects"}},
		{kindFolder, "cloudresourcemanager.googleapis.com", []string{"folders"}},
		{kindOrganization, "cloudresourcemanager.googleapis.com", []string{"organizations"}},
		{kindSecret, "secretmanager.googleapis.com", []string{"projects", "secrets"}},
		{kindServiceAccount, "iam.googleapis.com", []string{"projects", "serviceAccounts"}},
		{kindTopic, "pubsub.googleapis.com", []string{"projects", "topics"}},
		{kindSubscription, "pubsub.googleapis.com", []string{"projects", "subscriptions"}},
	} {
		if name, ok := relative(full, r.host, r.collections...); ok {
			return r.kind, name
		}
	}
	return kindUnknown, ""
}

// relative returns the part of full after "//host/" when it is exactly
// collection/ID pairs with these collections, in order.
func relative(full, host string, collections ...string) (string, bool) {
	rest, ok := strings.CutPrefix(full, "//"+host+"/")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2*len(collections) {
		return "", false
	}
	for i, c := range collections {
		if parts[2*i] != c || parts[2*i+1] == "" {
			return "", false
		}
	}
	return rest, true
}

// subscriptionName returns the Pub/Sub name (projects/P/subscriptions/S) of a
// subscription given by full or relative name.
func subscriptionName(s string) (string, bool) {
	if !strings.HasPrefix(s, "//") {
		s = "//pubsub.googleapis.com/" + s
	}
	return relative(s, "pubsub.googleapis.com", "projects", "subscriptions")
}

// accountOf returns the email of a service account given as an email,
// "serviceAccount:EMAIL" or a resource name ending in serviceAccounts/EMAIL.
func accountOf(s string) string {
	s = strings.TrimPrefix(s, "serviceAccount:")
	if _, after, ok := strings.Cut(s, "/serviceAccounts/"); ok {
		s, _, _ = strings.Cut(after, "/")
	}
	return s
}

// keyName returns the IAM API name of the key a deleteKey step deletes:
// projects/P/serviceAccounts/EMAIL/keys/ID, from a full or relative key name,
// or from a bare key ID and the step's service account.
func keyName(s changeset.Step) (string, bool) {
	k := strings.TrimPrefix(s.Key, "//iam.googleapis.com/")
	if !strings.Contains(k, "/") {
		email := accountOf(s.ServiceAccount)
		if k == "" || email == "" {
			return "", false
		}
		return "projects/-/serviceAccounts/" + email + "/keys/" + k, true
	}
	return relative("//iam.googleapis.com/"+k, "iam.googleapis.com", "projects", "serviceAccounts", "keys")
}

// supportedTypes lists the resource types whose IAM policies Apply changes.
const supportedTypes = "Cloud Run services and jobs, projects, folders, organizations, secrets, service accounts, Pub/Sub topics and subscriptions"

// unsupported says why Apply cannot apply s, or "" when it can.
func unsupported(s changeset.Step) string {
	switch s.Kind {
	case changeset.KindRemoveBinding, changeset.KindAddBinding:
		if k, _ := parseResource(s.Resource); k == kindUnknown {
			what := s.ResourceType
			if what == "" {
				what = "this resource"
			}
			return fmt.Sprintf("runlens does not change IAM policies of %s (only of %s)", what, supportedTypes)
		}
	case changeset.KindCreateServiceAccount, changeset.KindManual:
	case changeset.KindUpdateService:
		return unsupportedUpdate(s)
	case changeset.KindSetPushAuth:
		if _, ok := subscriptionName(s.Subscription); !ok {
			return fmt.Sprintf("%q is not a Pub/Sub subscription name", s.Subscription)
		}
		if accountOf(s.ServiceAccount) == "" {
			return "no service account"
		}
	case changeset.KindDeleteKey:
		if _, ok := keyName(s); !ok {
			return fmt.Sprintf("%q is not a service account key name", s.Key)
		}
	case changeset.KindSetSchedulerOIDC:
		return "runlens does not change Cloud Scheduler jobs"
	case changeset.KindCreateSecretFromEnv:
		return "it needs the variable's value, which runlens never holds"
	default:
		return fmt.Sprintf("unknown step kind %q", s.Kind)
	}
	return ""
}

// unsupportedUpdate says why an updateService step cannot be applied.
func unsupportedUpdate(s changeset.Step) string {
	k, _ := parseResource(s.Service)
	if k != kindRunService && k != kindRunJob {
		return fmt.Sprintf("%q is not a Cloud Run service or job", s.Service)
	}
	switch s.Field {
	case changeset.FieldServiceAccount:
		if s.To == "" {
			return "no service account to switch to"
		}
	case changeset.FieldBinaryAuthorization:
	case changeset.FieldIngress:
		if k == kindRunJob {
			return "jobs have no ingress setting"
		}
		if _, ok := ingressValue(s.To); !ok {
			return fmt.Sprintf("unknown ingress %q", s.To)
		}
	case changeset.FieldInvokerIAMDisabled:
		if k == kindRunJob {
			return "jobs have no invoker IAM check setting"
		}
		if s.To != "true" && s.To != "false" {
			return fmt.Sprintf("invokerIamDisabled must be true or false, not %q", s.To)
		}
	case changeset.FieldEnv:
		return "runlens does not switch environment variables to secrets (the secret must be created with the value first)"
	default:
		return fmt.Sprintf("runlens does not change field %q", s.Field)
	}
	return ""
}
