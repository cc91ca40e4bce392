package apply

import (
	"context"
	"errors"
	"fmt"
	"net"

	"google.golang.org/api/impersonate"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
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
//   - grant the applier account, at the scope runlens may change, the custom
//     role deploy/terraform defines (runlensApplier: exactly the permissions
//     these clients call — Cloud Run get/update and IAM policies, project,
//     folder and organization IAM policies, secret IAM policies, service
//     account create, keys delete and IAM policies, Pub/Sub IAM policies and
//     push config). Predefined roles such as roles/run.admin would do but
//     include invoke and actAs everywhere, which runlens itself reports
//     (invoker-broad-scope, runtime-sa-impersonable); the custom role leaves
//     actAs out, so a change set that switches a service's identity needs
//     roles/iam.serviceAccountUser on that one account, granted per change
//     (deploy/README.md).
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

// EmulatorOptions returns client options that send every API call to the
// gRPC server at addr (HOST:PORT) in plaintext and without credentials,
// instead of to Google Cloud: for tests and local emulators only, in the
// manner of PUBSUB_EMULATOR_HOST (runlens serve takes addr from
// RUNLENS_APPLY_EMULATOR). Pass them to every API with OptionsForAll; the
// server must implement every service the applier calls, as
// internal/apply/applytest does.
func EmulatorOptions(addr string) ([]option.ClientOption, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("apply: emulator address %q: want HOST:PORT: %w", addr, err)
	}
	return []option.ClientOption{
		option.WithEndpoint(addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}, nil
}
