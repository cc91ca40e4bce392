package rules

// CIS references cite the CIS Google Cloud Platform Foundation Benchmark
// v4.0.0 numbering (stable since v1.3 for these controls). "analogous" marks a
// control written for another service whose intent the check applies to
// Cloud Run. v5 numbering is not cited: it was not verified.
const cis = "CIS GCP Foundation v4.0.0 "

// All returns the check catalog, in a fixed order. Slugs are DESIGN §4's;
// IDs are stable and never reused.
func All() []Rule {
	return []Rule{
		// Runtime identity.
		{
			ID: "RL-0001", Slug: "runtime-default-sa", Severity: High,
			Title:       "Runs as the default compute service account",
			Description: "The service or job runs as PROJECT_NUMBER-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which is granted roles/editor on the project by default. Any code execution in it reaches nearly everything in the project.",
			Remediation: "Create a dedicated service account for this workload, grant it only the roles it needs on the resources it uses, and deploy with --service-account.",
			References:  []string{cis + "4.1 (analogous: Compute instances)", "https://cloud.google.com/run/docs/securing/service-identity"},
			Check:       checkRuntimeDefaultSA,
		},
		{
			ID: "RL-0002", Slug: "runtime-basic-role", Severity: Critical,
			Title:       "Runtime identity holds a basic role",
			Description: "The runtime service account holds roles/owner or roles/editor (critical) or roles/viewer (high) on a project, folder or organization. Basic roles grant thousands of permissions across every service.",
			Remediation: "Remove the basic role binding and grant predefined roles on the specific resources the workload uses (the IAM recommender shows what it exercised).",
			References:  []string{cis + "1.5", "https://cloud.google.com/iam/docs/understanding-roles#basic"},
			Check:       checkRuntimeBasicRole,
		},
		{
			ID: "RL-0003", Slug: "runtime-privileged", Severity: High,
			Title:       "Runtime identity can escalate privileges",
			Description: "The runtime service account holds, on a project, folder or organization, a role with setIamPolicy, service account impersonation (actAs, getAccessToken, signBlob, signJwt, implicitDelegation), key creation, run.services.update, or an admin role. Code in the workload can grant itself more. An unknown role is reported too: it cannot be shown harmless.",
			Remediation: "Move administrative duties to a separate identity used by deployment pipelines, and keep the runtime identity to data-plane roles on specific resources.",
			References:  []string{cis + "1.5", "https://cloud.google.com/iam/docs/service-account-overview#service-account-permissions"},
			Check:       checkRuntimePrivileged,
		},
		{
			ID: "RL-0004", Slug: "runtime-shared-sa", Severity: Medium,
			Title:       "Runtime identity is shared by several workloads",
			Description: "More than one service or job runs as the same service account, so each holds the union of what all of them need and a compromise of one reaches the others' data.",
			Remediation: "Give each service and job its own service account with only its own grants.",
			References:  []string{"https://cloud.google.com/run/docs/securing/service-identity#per-service-identity"},
			Check:       checkRuntimeSharedSA,
		},
		{
			ID: "RL-0005", Slug: "runtime-sa-key", Severity: High,
			Title:       "Runtime identity has a user-managed key",
			Description: "The runtime service account has an enabled, unexpired USER_MANAGED key. Cloud Run never needs one; a key is a long-lived credential that works from anywhere.",
			Remediation: "Delete the key; use the attached identity on Cloud Run and Workload Identity Federation elsewhere. Enforce iam.disableServiceAccountKeyCreation.",
			References:  []string{cis + "1.4", cis + "1.7", "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"},
			Check:       checkRuntimeSAKey,
		},
		{
			ID: "RL-0006", Slug: "runtime-unused-permissions", Severity: Medium,
			Title:       "Runtime identity holds permissions it does not use",
			Description: "The IAM recommender has an open recommendation, or a policy insight shows that permissions of a binding of the runtime service account went unused in the observation period.",
			Remediation: "Apply the recommendation (remove or replace the role) after checking the risk shown with it.",
			References:  []string{"https://cloud.google.com/policy-intelligence/docs/role-recommendations-overview"},
			Check:       checkRuntimeUnusedPermissions,
		},
		{
			ID: "RL-0007", Slug: "runtime-project-scope-grant", Severity: Medium,
			Title:       "Data role granted on the whole project",
			Description: "The runtime service account holds a Cloud Storage, Secret Manager, Cloud KMS or Pub/Sub role on a project, folder or organization, reaching every bucket, secret, key or topic in it where a grant on the one it uses would do. (Cloud SQL client is excluded: Cloud SQL has no instance-level IAM.)",
			Remediation: "Grant the role on the bucket, secret, key or topic the workload references, then remove the project-level binding.",
			References:  []string{"https://cloud.google.com/iam/docs/using-iam-securely#least_privilege"},
			Check:       checkRuntimeProjectScopeGrant,
		},
		// Callers.
		{
			ID: "RL-0008", Slug: "invoker-public", Severity: High,
			Title:       "Anyone on the internet can invoke it",
			Description: "allUsers or allAuthenticatedUsers holds an invoke permission on the service or an ancestor, without a condition. Intended for public websites and APIs; a mistake anywhere else.",
			Remediation: "If the service is not meant to be public, remove the allUsers/allAuthenticatedUsers binding and grant roles/run.invoker to its real callers; for people, put IAP in front. If it is public on purpose, record an exception with the reason.",
			References:  []string{"https://cloud.google.com/run/docs/authenticating/public"},
			Check:       checkInvokerPublic,
		},
		{
			ID: "RL-0009", Slug: "invoker-iam-disabled", Severity: High,
			Title:       "Invoker IAM check is disabled",
			Description: "The service has the invoker IAM check turned off, so its IAM policy no longer decides who can call it: anyone who can reach the URL can.",
			Remediation: "Turn the invoker IAM check back on (--invoker-iam-check) and grant roles/run.invoker to the callers.",
			References:  []string{"https://cloud.google.com/run/docs/securing/security-best-practices#invoker-iam-check"},
			Check:       checkInvokerIAMDisabled,
		},
		{
			ID: "RL-0010", Slug: "invoker-broad-scope", Severity: Medium,
			Title:       "Invoke permission granted too broadly",
			Description: "An invoke permission is granted on a project, folder or organization (reaching every service below) or to a whole domain. Google service agents and basic roles are not counted here.",
			Remediation: "Grant roles/run.invoker on the service itself to the specific callers, and remove the broad binding.",
			References:  []string{"https://cloud.google.com/run/docs/securing/managing-access"},
			Check:       checkInvokerBroadScope,
		},
		{
			ID: "RL-0011", Slug: "ingress-open-internal", Severity: Medium,
			Title:       "Ingress wider than its callers need",
			Description: "Ingress is 'all', yet the service is not public, not behind IAP and no person can invoke it: its callers are services, which internal ingress would serve.",
			Remediation: "Set ingress to internal (or internal-and-cloud-load-balancing behind a load balancer).",
			References:  []string{"https://cloud.google.com/run/docs/securing/ingress"},
			Check:       checkIngressOpenInternal,
		},
		{
			ID: "RL-0012", Slug: "iap-bypass", Severity: High,
			Title:       "IAP can be bypassed",
			Description: "IAP on a load balancer fronts the service while its ingress is 'all' and the default run.app URL is on, so the URL reaches it around IAP; or IAP is on the service while principals other than the IAP service agent hold invoke permissions.",
			Remediation: "Set ingress to internal-and-cloud-load-balancing and disable the default URL; with IAP on the service, leave roles/run.invoker only to the IAP service agent.",
			References:  []string{"https://cloud.google.com/iap/docs/enabling-cloud-run"},
			Check:       checkIAPBypass,
		},
		{
			ID: "RL-0013", Slug: "human-access-without-iap", Severity: Medium,
			Title:       "People invoke it without IAP",
			Description: "Users, groups or a domain can invoke the service, and IAP is not on it nor on a load balancer in front of it.",
			Remediation: "Enable IAP (on the service or its load balancer), grant people roles/iap.httpsResourceAccessor, and remove their direct invoker bindings.",
			References:  []string{"https://cloud.google.com/iap/docs/enabling-cloud-run"},
			Check:       checkHumanAccessWithoutIAP,
		},
		// Network and supply chain.
		{
			ID: "RL-0014", Slug: "egress-not-restricted", Severity: Low,
			Title:       "Egress not routed through the VPC",
			Description: "The workload has no VPC egress, or sends only private ranges through the VPC, so its internet traffic bypasses VPC firewall rules and egress controls.",
			Remediation: "Use Direct VPC egress or a connector with egress all-traffic, and control egress with firewall rules or Cloud NAT.",
			References:  []string{"https://cloud.google.com/run/docs/configuring/vpc-direct-vpc"},
			Check:       checkEgressNotRestricted,
		},
		{
			ID: "RL-0015", Slug: "binauthz-not-enforced", Severity: Medium,
			Title:       "Binary Authorization not enforced",
			Description: "The workload does not use Binary Authorization, uses a breakglass, or its project's policy admits every image (ALWAYS_ALLOW, also the default when no policy is set) or only audits (dry run).",
			Remediation: "Enable Binary Authorization on the service or job and enforce a project policy that requires attestations.",
			References:  []string{"https://cloud.google.com/binary-authorization/docs/run/enabling-binauthz-cloud-run"},
			Check:       checkBinAuthzNotEnforced,
		},
		{
			ID: "RL-0016", Slug: "image-not-pinned", Severity: Low,
			Title:       "Image referenced by tag",
			Description: "A container image is referenced by tag, not by @sha256: digest, so what runs can change without a deployment review.",
			Remediation: "Deploy images by digest.",
			References:  []string{"https://cloud.google.com/run/docs/deploying#service"},
			Check:       checkImageNotPinned,
		},
		{
			ID: "RL-0017", Slug: "image-untrusted-registry", Severity: Medium,
			Title:       "Image from an untrusted registry",
			Description: "A container image comes from outside the trusted registries (by default Artifact Registry *-docker.pkg.dev and Container Registry gcr.io, *.gcr.io).",
			Remediation: "Mirror the image into your Artifact Registry after review and deploy from there.",
			References:  []string{"https://cloud.google.com/artifact-registry/docs/docker/store-docker-container-images"},
			Check:       checkImageUntrustedRegistry,
		},
		{
			ID: "RL-0018", Slug: "env-plaintext-secret", Severity: High,
			Title:       "Secret in a plain environment variable",
			Description: "An environment variable with a secret-like name (PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIAL) has a literal value, visible to anyone who can view the service configuration. runlens never reads or shows the value.",
			Remediation: "Store the value in Secret Manager, reference it with --set-secrets, grant the runtime identity secretAccessor on that secret, and rotate the exposed value.",
			References:  []string{cis + "1.17 (analogous: Cloud Functions)", "https://cloud.google.com/run/docs/configuring/services/secrets"},
			Check:       checkEnvPlaintextSecret,
		},
		// Event sources.
		{
			ID: "RL-0019", Slug: "push-unauthenticated", Severity: High,
			Title:       "Pub/Sub pushes to it without authentication",
			Description: "A push subscription delivers to the service without an OIDC token, so the service cannot tell Pub/Sub from anyone else and must allow unauthenticated invocation.",
			Remediation: "Give the subscription a dedicated service account with roles/run.invoker on the service and set --push-auth-service-account; then remove public invoker access.",
			References:  []string{"https://cloud.google.com/run/docs/triggering/pubsub-push#create-push-subscription"},
			Check:       checkPushUnauthenticated,
		},
		{
			ID: "RL-0020", Slug: "scheduler-unauthenticated", Severity: High,
			Title:       "Cloud Scheduler calls it without authentication",
			Description: "A Cloud Scheduler job calls the service over HTTP without an OIDC token (or OAuth token for Google APIs).",
			Remediation: "Set --oidc-service-account-email on the job to a dedicated service account with roles/run.invoker on the service.",
			References:  []string{"https://cloud.google.com/run/docs/triggering/using-scheduler"},
			Check:       checkSchedulerUnauthenticated,
		},
		{
			ID: "RL-0021", Slug: "caller-default-sa", Severity: Medium,
			Title:       "Caller authenticates as the default compute identity",
			Description: "A push subscription, Eventarc trigger or Scheduler job authenticates as the default compute service account, which usually holds Editor; a caller needs only roles/run.invoker on its target.",
			Remediation: "Create a dedicated caller service account with roles/run.invoker on the target and switch the subscription, trigger or job to it.",
			References:  []string{"https://cloud.google.com/eventarc/docs/run/create-trigger-cloud-run"},
			Check:       checkCallerDefaultSA,
		},
		// Impersonation.
		{
			ID: "RL-0022", Slug: "runtime-sa-impersonable", Severity: High,
			Title:       "Others can act as the runtime identity",
			Description: "Principals other than the service account itself and Google service agents can act as it (actAs, getAccessToken, getOpenIdToken, signBlob, signJwt, implicitDelegation), on the account or an ancestor: they hold everything the workload can reach.",
			Remediation: "Remove serviceAccountUser / serviceAccountTokenCreator (and basic roles) from people and other identities; grant deployers actAs on this one account only.",
			References:  []string{cis + "1.6", "https://cloud.google.com/iam/docs/service-account-permissions"},
			Check:       checkRuntimeSAImpersonable,
		},
		{
			ID: "RL-0023", Slug: "sa-user-project-level", Severity: High,
			Title:       "Service Account User or Token Creator on a whole project",
			Description: "roles/iam.serviceAccountUser or roles/iam.serviceAccountTokenCreator is granted on a project, folder or organization, letting the member act as every service account below it.",
			Remediation: "Grant the role on the specific service account the member needs, and remove the project-level binding.",
			References:  []string{cis + "1.6"},
			Check:       checkSAUserProjectLevel,
		},
		// Backing resources.
		{
			ID: "RL-0024", Slug: "bucket-public", Severity: High,
			Title:       "Bucket is public",
			Description: "A bucket grants a role to allUsers or allAuthenticatedUsers without a condition.",
			Remediation: "Remove the public binding and enforce public access prevention; serve public content through a CDN with signed URLs where needed.",
			References:  []string{cis + "5.1"},
			Check:       checkBucketPublic,
		},
		{
			ID: "RL-0025", Slug: "bucket-acl-mode", Severity: Low,
			Title:       "Bucket uses fine-grained ACLs",
			Description: "Uniform bucket-level access is off, so object ACLs can grant access that IAM policies do not show.",
			Remediation: "Enable uniform bucket-level access after moving any needed ACL grants to IAM.",
			References:  []string{cis + "5.2"},
			Check:       checkBucketACLMode,
		},
		{
			ID: "RL-0026", Slug: "legacy-storage-role", Severity: Low,
			Title:       "Legacy storage role granted",
			Description: "A roles/storage.legacy* role is granted to a member other than the project convenience members every bucket has by default. Legacy roles mirror ACLs and grant more than their names suggest.",
			Remediation: "Replace the legacy role with roles/storage.objectViewer, objectCreator or objectUser as needed.",
			References:  []string{"https://cloud.google.com/storage/docs/access-control/iam-roles#legacy-roles"},
			Check:       checkLegacyStorageRole,
		},
		{
			ID: "RL-0027", Slug: "kms-broad-scope", Severity: Low,
			Title:       "Encrypt/decrypt granted on more than one key",
			Description: "A Cloud KMS encrypt or decrypt role is granted on a key ring, project or higher, reaching every key in it.",
			Remediation: "Grant the role on the crypto key the workload uses.",
			References:  []string{cis + "1.11 (related: separation of duties for KMS)", "https://cloud.google.com/kms/docs/iam"},
			Check:       checkKMSBroadScope,
		},
		{
			ID: "RL-0028", Slug: "sql-open-network", Severity: High,
			Title:       "Cloud SQL open to the internet",
			Description: "A Cloud SQL instance authorizes 0.0.0.0/0 (or ::/0) on its public IP.",
			Remediation: "Remove the authorized network; connect from Cloud Run through the Cloud SQL connector or a private IP.",
			References:  []string{cis + "6.5"},
			Check:       checkSQLOpenNetwork,
		},
	}
}
