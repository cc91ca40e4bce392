package iam

import "testing"

func TestParseMember(t *testing.T) {
	tests := []struct {
		in   string
		kind MemberKind
		id   string
	}{
		{"user:Alice@Example.com", KindUser, "user:alice@example.com"},
		{"group:g@example.com", KindGroup, "group:g@example.com"},
		{"serviceAccount:a@p.iam.gserviceaccount.com", KindServiceAccount, "serviceAccount:a@p.iam.gserviceaccount.com"},
		{"domain:example.com", KindDomain, "domain:example.com"},
		{"allUsers", KindAllUsers, "allUsers"},
		{"allAuthenticatedUsers", KindAllAuthenticatedUsers, "allAuthenticatedUsers"},
		{"projectOwner:p", KindProjectOwner, "projectOwner:p"},
		{"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s", KindPrincipal, "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s"},
		{"principalSet://goog/public:all", KindPrincipalSet, "principalSet://goog/public:all"},
		{"deleted:user:x@example.com?uid=1", KindDeleted, "deleted:user:x@example.com?uid=1"},
		{"weird", KindUnknown, "weird"},
		{"frob:x", KindUnknown, "frob:x"},
	}
	for _, tc := range tests {
		m := ParseMember(tc.in)
		if m.Kind != tc.kind || m.ID() != tc.id {
			t.Errorf("ParseMember(%q) = kind %q id %q, want %q %q", tc.in, m.Kind, m.ID(), tc.kind, tc.id)
		}
	}
}

func TestServiceAccountClasses(t *testing.T) {
	tests := []struct {
		email                 string
		agent, defaultCompute bool
	}{
		{"service-123@gcp-sa-iap.iam.gserviceaccount.com", true, false},
		{"service-123@serverless-robot-prod.iam.gserviceaccount.com", true, false},
		{"service-org-123@gcp-sa-logging.iam.gserviceaccount.com", true, false},
		{"123@cloudservices.gserviceaccount.com", true, false},
		{"123-compute@developer.gserviceaccount.com", false, true},
		{"app@proj.iam.gserviceaccount.com", false, false},
		{"service-app@proj.iam.gserviceaccount.com", false, false},
		{"service-123@evil.example.com", false, false},
		{"service-123456@attacker-proj.iam.gserviceaccount.com", false, false},
		{"app@cloudservices.gserviceaccount.com", false, false},
		{"service-123@gs-project-accounts.iam.gserviceaccount.com", true, false},
		// App Engine standard environment agent, seen in gcpdiag's gce3 policy
		// (internal/inventory/testdata/real/iam-policies).
		{"service-12345001@gcp-gae-service.iam.gserviceaccount.com", true, false},
		{"gcpdiag-gce3-aaaa@appspot.gserviceaccount.com", false, false},
		// The legacy Cloud Build account is a default service account, not
		// an agent; Cloud Build's service agent is one.
		{"123@cloudbuild.gserviceaccount.com", false, false},
		{"service-123@gcp-sa-cloudbuild.iam.gserviceaccount.com", true, false},
		{"service-123@dlp-api.iam.gserviceaccount.com", true, false},
	}
	for _, tc := range tests {
		if got := IsServiceAgent(tc.email); got != tc.agent {
			t.Errorf("IsServiceAgent(%q) = %v, want %v", tc.email, got, tc.agent)
		}
		if got := IsDefaultComputeSA(tc.email); got != tc.defaultCompute {
			t.Errorf("IsDefaultComputeSA(%q) = %v, want %v", tc.email, got, tc.defaultCompute)
		}
	}
	if !IsIAPServiceAgent("service-1@gcp-sa-iap.iam.gserviceaccount.com") || IsIAPServiceAgent("a@gcp-sa-run.iam.gserviceaccount.com") {
		t.Error("IsIAPServiceAgent misclassifies")
	}
}

func TestLegacyCloudBuildProject(t *testing.T) {
	tests := []struct {
		email, num string
		ok         bool
	}{
		{"123456789012@cloudbuild.gserviceaccount.com", "123456789012", true},
		{"123456789012@CloudBuild.gserviceaccount.com", "123456789012", true},
		{"builder@cloudbuild.gserviceaccount.com", "", false},
		{"service-123@gcp-sa-cloudbuild.iam.gserviceaccount.com", "", false},
		{"123@cloudbuild.example.com", "", false},
	}
	for _, tc := range tests {
		num, ok := LegacyCloudBuildProject(tc.email)
		if num != tc.num || ok != tc.ok {
			t.Errorf("LegacyCloudBuildProject(%q) = %q, %v, want %q, %v", tc.email, num, ok, tc.num, tc.ok)
		}
	}
}
