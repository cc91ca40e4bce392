package iam

import "strings"

// MemberKind classifies an IAM member string.
type MemberKind string

// Member kinds, named as in IAM member strings.
const (
	KindUser                  MemberKind = "user"
	KindGroup                 MemberKind = "group"
	KindServiceAccount        MemberKind = "serviceAccount"
	KindDomain                MemberKind = "domain"
	KindAllUsers              MemberKind = "allUsers"
	KindAllAuthenticatedUsers MemberKind = "allAuthenticatedUsers"
	KindPrincipal             MemberKind = "principal"
	KindPrincipalSet          MemberKind = "principalSet"
	KindProjectOwner          MemberKind = "projectOwner"
	KindProjectEditor         MemberKind = "projectEditor"
	KindProjectViewer         MemberKind = "projectViewer"
	KindDeleted               MemberKind = "deleted"
	KindUnknown               MemberKind = "unknown"
)

// Member is a parsed IAM member string such as "user:a@example.com".
type Member struct {
	Raw   string     // the member exactly as written in the policy
	Kind  MemberKind // what kind of principal
	Value string     // the part after "kind:", lower-cased for emails
}

// ParseMember parses an IAM member string. It never fails: a member it does
// not recognise has Kind KindUnknown and keeps its raw text.
func ParseMember(s string) Member {
	switch s {
	case "allUsers":
		return Member{Raw: s, Kind: KindAllUsers}
	case "allAuthenticatedUsers":
		return Member{Raw: s, Kind: KindAllAuthenticatedUsers}
	}
	if strings.HasPrefix(s, "principal://") {
		return Member{Raw: s, Kind: KindPrincipal, Value: s}
	}
	if strings.HasPrefix(s, "principalSet://") {
		return Member{Raw: s, Kind: KindPrincipalSet, Value: s}
	}
	kind, value, ok := strings.Cut(s, ":")
	if !ok {
		return Member{Raw: s, Kind: KindUnknown, Value: s}
	}
	switch k := MemberKind(kind); k {
	case KindUser, KindGroup, KindServiceAccount, KindDomain:
		return Member{Raw: s, Kind: k, Value: strings.ToLower(value)}
	case KindProjectOwner, KindProjectEditor, KindProjectViewer:
		return Member{Raw: s, Kind: k, Value: value}
	case KindDeleted:
		return Member{Raw: s, Kind: KindDeleted, Value: value}
	}
	return Member{Raw: s, Kind: KindUnknown, Value: s}
}

// ID is the canonical node ID of the member: its member string with the
// email part lower-cased.
func (m Member) ID() string {
	switch m.Kind {
	case KindUser, KindGroup, KindServiceAccount, KindDomain:
		return string(m.Kind) + ":" + m.Value
	}
	return m.Raw
}

// IsPublic reports whether the member is allUsers or allAuthenticatedUsers.
func (m Member) IsPublic() bool {
	return m.Kind == KindAllUsers || m.Kind == KindAllAuthenticatedUsers
}

// IsHuman reports whether the member stands for people: a user, a group or a
// whole domain.
func (m Member) IsHuman() bool {
	return m.Kind == KindUser || m.Kind == KindGroup || m.Kind == KindDomain
}

// IsConvenience reports whether the member is one of the project convenience
// members (projectOwner:, projectEditor:, projectViewer:) every bucket has.
func (m Member) IsConvenience() bool {
	return m.Kind == KindProjectOwner || m.Kind == KindProjectEditor || m.Kind == KindProjectViewer
}

// IsDefaultComputeSA reports whether email is a project's default compute
// service account (PROJECT_NUMBER-compute@developer.gserviceaccount.com).
func IsDefaultComputeSA(email string) bool {
	return strings.HasSuffix(strings.ToLower(email), "-compute@developer.gserviceaccount.com")
}

// serviceAgentDomains are the Google-owned domains of service agents named
// service-NUM@DOMAIN (or service-org-NUM@ / service-folder-NUM@), from
// Google's list of service agents
// (https://cloud.google.com/iam/docs/service-agents). A user can create
// service-123@THEIR-PROJECT.iam.gserviceaccount.com, so the domain, not the
// local part, decides.
var serviceAgentDomains = map[string]bool{
	"serverless-robot-prod.iam.gserviceaccount.com":          true, // Cloud Run, Cloud Functions
	"compute-system.iam.gserviceaccount.com":                 true,
	"container-engine-robot.iam.gserviceaccount.com":         true,
	"containerregistry.iam.gserviceaccount.com":              true,
	"container-analysis.iam.gserviceaccount.com":             true,
	"gcf-admin-robot.iam.gserviceaccount.com":                true,
	"dataflow-service-producer-prod.iam.gserviceaccount.com": true,
	"dataproc-accounts.iam.gserviceaccount.com":              true,
	"cloudcomposer-accounts.iam.gserviceaccount.com":         true,
	"firebase-rules.iam.gserviceaccount.com":                 true,
	"cloud-tpu.iam.gserviceaccount.com":                      true,
	"cloud-redis.iam.gserviceaccount.com":                    true,
	"cloud-filer.iam.gserviceaccount.com":                    true,
	"cloud-ml.google.com.iam.gserviceaccount.com":            true,
	"gae-api-prod.google.com.iam.gserviceaccount.com":        true,
	"gcp-gae-service.iam.gserviceaccount.com":                true, // App Engine standard environment (https://cloud.google.com/appengine/docs/standard/service-agent)
	"genomics-api.google.com.iam.gserviceaccount.com":        true,
	"gs-project-accounts.iam.gserviceaccount.com":            true,
	"dlp-api.iam.gserviceaccount.com":                        true,
	"sourcerepo-service-accounts.iam.gserviceaccount.com":    true,
	"service-networking.iam.gserviceaccount.com":             true,
	"endpoints-portal.iam.gserviceaccount.com":               true,
	"remotebuildexecution.iam.gserviceaccount.com":           true,
}

// IsServiceAgent reports whether email belongs to a Google-managed service
// agent (https://cloud.google.com/iam/docs/service-agents): any account on a
// gcp-sa-*.iam.gserviceaccount.com domain (service-NUM@gcp-sa-run, IAP's
// service-NUM@gcp-sa-iap, the Logging sink writers), service-NUM@ on one of
// the older Google-owned robot domains (serverless-robot-prod,
// compute-system, ...), and the Google APIs Service Agent
// NUM@cloudservices.gserviceaccount.com. A customer's own account named
// service-123@PROJECT.iam.gserviceaccount.com is not one.
//
// Nor is the legacy Cloud Build service account
// NUM@cloudbuild.gserviceaccount.com: it is a default service account that
// runs the builds of anyone who may create builds in its project
// (https://cloud.google.com/build/docs/cloud-build-service-account), so a
// grant to it is a grant to every build author (see LegacyCloudBuildProject).
// Cloud Build's own service agent is service-NUM@gcp-sa-cloudbuild.
func IsServiceAgent(email string) bool {
	e := strings.ToLower(email)
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return false
	}
	if domain == "cloudservices.gserviceaccount.com" {
		return digits(local)
	}
	if strings.HasPrefix(domain, "gcp-sa-") && strings.HasSuffix(domain, ".iam.gserviceaccount.com") {
		return true
	}
	if !serviceAgentDomains[domain] {
		return false
	}
	for _, prefix := range []string{"service-org-", "service-folder-", "service-"} {
		if num, ok := strings.CutPrefix(local, prefix); ok && digits(num) {
			return true
		}
	}
	return false
}

// LegacyCloudBuildProject returns the project number of a legacy Cloud Build
// service account (PROJECT_NUMBER@cloudbuild.gserviceaccount.com), and
// whether email is one. Whoever holds cloudbuild.builds.create in that
// project runs code as it.
func LegacyCloudBuildProject(email string) (string, bool) {
	local, domain, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok || domain != "cloudbuild.gserviceaccount.com" || !digits(local) {
		return "", false
	}
	return local, true
}

// IsServiceAgent reports whether the member is a Google-managed service
// agent's service account (see IsServiceAgent).
func (m Member) IsServiceAgent() bool {
	return m.Kind == KindServiceAccount && IsServiceAgent(m.Value)
}

// IsDeleted reports whether the member is a deleted principal
// (deleted:serviceAccount:EMAIL?uid=N, deleted:user:..., deleted:group:...).
// A deleted principal grants nothing; its binding comes back to life only if
// the account is undeleted
// (https://cloud.google.com/iam/docs/principal-identifiers#deleted).
func (m Member) IsDeleted() bool { return m.Kind == KindDeleted }

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// IsIAPServiceAgent reports whether email is IAP's service agent
// (service-NUM@gcp-sa-iap.iam.gserviceaccount.com).
func IsIAPServiceAgent(email string) bool {
	return strings.HasSuffix(strings.ToLower(email), "@gcp-sa-iap.iam.gserviceaccount.com")
}
