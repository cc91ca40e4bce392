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
// service-NUM@DOMAIN (or service-org-NUM@ / service-folder-NUM@). A user can
// create service-123@THEIR-PROJECT.iam.gserviceaccount.com, so the domain,
// not the local part, decides.
var serviceAgentDomains = map[string]bool{
	"serverless-robot-prod.iam.gserviceaccount.com":          true,
	"compute-system.iam.gserviceaccount.com":                 true,
	"container-engine-robot.iam.gserviceaccount.com":         true,
	"containerregistry.iam.gserviceaccount.com":              true,
	"gcf-admin-robot.iam.gserviceaccount.com":                true,
	"dataflow-service-producer-prod.iam.gserviceaccount.com": true,
	"dataproc-accounts.iam.gserviceaccount.com":              true,
	"cloudcomposer-accounts.iam.gserviceaccount.com":         true,
	"firebase-rules.iam.gserviceaccount.com":                 true,
	"cloud-tpu.iam.gserviceaccount.com":                      true,
	"cloud-redis.iam.gserviceaccount.com":                    true,
	"cloud-ml.google.com.iam.gserviceaccount.com":            true,
	"gae-api-prod.google.com.iam.gserviceaccount.com":        true,
	"genomics-api.google.com.iam.gserviceaccount.com":        true,
	"gs-project-accounts.iam.gserviceaccount.com":            true,
}

// IsServiceAgent reports whether email belongs to a Google-managed service
// agent: service-NUM@gcp-sa-*.iam.gserviceaccount.com, service-NUM@ on one of
// the older Google-owned robot domains (serverless-robot-prod, compute-system,
// ...), the Cloud Services account NUM@cloudservices.gserviceaccount.com and
// Cloud Build's NUM@cloudbuild.gserviceaccount.com. A customer's own account
// named service-123@PROJECT.iam.gserviceaccount.com is not one.
func IsServiceAgent(email string) bool {
	e := strings.ToLower(email)
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return false
	}
	switch domain {
	case "cloudservices.gserviceaccount.com", "cloudbuild.gserviceaccount.com":
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

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// IsIAPServiceAgent reports whether email is IAP's service agent
// (service-NUM@gcp-sa-iap.iam.gserviceaccount.com).
func IsIAPServiceAgent(email string) bool {
	return strings.HasSuffix(strings.ToLower(email), "@gcp-sa-iap.iam.gserviceaccount.com")
}
