package apply

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/api/impersonate"
	"google.golang.org/api/option"
)

// cloudPlatformScope is the OAuth scope the applier's tokens carry; what the
// applier may do is bounded by its IAM roles, not by the scope.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// ImpersonatedOptions returns client options that call the Google APIs as
// the applier service account applierSA, impersonated from runlens's own
// credentials (Application Default Credentials: on Cloud Run, its runtime
// service account). Pass them to every API with OptionsForAll:
//
//	opts, err := apply.ImpersonatedOptions(ctx, "runlens-applier@PROJECT.iam.gserviceaccount.com")
//	...
//	a, err := apply.New(ctx, apply.OptionsForAll(opts...))
//
// The operator sets this up once:
//
//   - create the applier account, separate from runlens's runtime account
//     (which only reads);
//   - grant runlens's runtime account roles/iam.serviceAccountTokenCreator on
//     the applier account only (not on the project), so it can mint the
//     applier's tokens;
//   - grant the applier account, on the projects (or folders) runlens may
//     change: roles/run.admin (services, jobs and their IAM policies),
//     roles/resourcemanager.projectIamAdmin (project policies; folder and
//     organization policies need the matching folderIamAdmin /
//     organizationAdmin), roles/secretmanager.admin (secret policies; no
//     access to secret values is needed), roles/iam.serviceAccountAdmin
//     (create accounts, their policies), roles/iam.serviceAccountKeyAdmin
//     (delete keys), roles/pubsub.admin (topic and subscription policies,
//     push config), and roles/iam.serviceAccountUser (Cloud Run and Pub/Sub
//     check actAs on the account a service is switched to or pushes as; as
//     a change set may create that account, this is granted on the project).
//
// Tokens are minted through the IAM Credentials API on first use and
// refreshed before they expire; building the options makes no call.
func ImpersonatedOptions(ctx context.Context, applierSA string) ([]option.ClientOption, error) {
	if applierSA == "" {
		return nil, errors.New("apply: impersonate: no applier service account")
	}
	ts, err := impersonate.CredentialsTokenSource(ctx, impersonate.CredentialsConfig{
		TargetPrincipal: applierSA,
		Scopes:          []string{cloudPlatformScope},
	})
	if err != nil {
		return nil, fmt.Errorf("apply: impersonate %s: %w", applierSA, err)
	}
	return []option.ClientOption{option.WithTokenSource(ts)}, nil
}
