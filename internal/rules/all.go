package rules

// All returns the check catalog, in a fixed order. Slugs are DESIGN §4's;
// IDs are stable and never reused.
func All() []Rule {
	return []Rule{
		{
			ID: "RL-0001", Slug: "runtime-default-sa", Severity: High,
			Title:       "Runs as the default compute service account",
			Description: "The service or job runs as PROJECT_NUMBER-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which is granted roles/editor on the project by default. Any code execution in it reaches nearly everything in the project.",
			Remediation: "Create a dedicated service account for this workload, grant it only the roles it needs on the resources it uses, and deploy with --service-account.",
			References:  []string{"CIS GCP 4.1 (v1.3+: default service account)", "https://cloud.google.com/run/docs/securing/service-identity"},
			Check:       checkRuntimeDefaultSA,
		},
		{
			ID: "RL-0002", Slug: "runtime-basic-role", Severity: Critical,
			Title:       "Runtime identity holds a basic role",
			Description: "The runtime service account holds roles/owner or roles/editor (critical) or roles/viewer (high) on a project, folder or organization. Basic roles grant thousands of permissions across every service.",
			Remediation: "Remove the basic role binding and grant predefined roles on the specific resources the workload uses (see the IAM recommender for the permissions it actually exercised).",
			References:  []string{"CIS GCP v1.3 1.5", "CIS GCP v2 1.5", "https://cloud.google.com/iam/docs/understanding-roles#basic"},
			Check:       checkRuntimeBasicRole,
		},
		{
			ID: "RL-0008", Slug: "invoker-public", Severity: High,
			Title:       "Anyone on the internet can invoke it",
			Description: "allUsers or allAuthenticatedUsers holds an invoke permission (roles/run.invoker or a role containing run.routes.invoke) on the service or an ancestor, without a condition. Intended for public websites and APIs; a mistake anywhere else.",
			Remediation: "If the service is not meant to be public, remove the allUsers/allAuthenticatedUsers binding and grant roles/run.invoker to its real callers; for human users put IAP in front. If it is public on purpose, record an exception with the reason.",
			References:  []string{"CIS GCP 5.1 (public access analogue)", "https://cloud.google.com/run/docs/authenticating/public"},
			Check:       checkInvokerPublic,
		},
		{
			ID: "RL-0019", Slug: "push-unauthenticated", Severity: High,
			Title:       "Pub/Sub pushes to it without authentication",
			Description: "A push subscription delivers to the service without an OIDC token, so the service cannot tell Pub/Sub from anyone else and must allow unauthenticated invocation.",
			Remediation: "Give the subscription a dedicated service account with roles/run.invoker on the service and set --push-auth-service-account; then remove public invoker access.",
			References:  []string{"https://cloud.google.com/run/docs/triggering/pubsub-push#create-push-subscription"},
			Check:       checkPushUnauthenticated,
		},
	}
}
