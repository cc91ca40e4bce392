package inventory

import (
	"context"
	"fmt"
	"strings"

	iamapi "google.golang.org/api/iam/v1"

	"github.com/runlens/runlens/internal/iam"
)

// FetchPredefinedRoles lists every predefined role with its permissions from
// the IAM API (roles.list, view FULL), to refresh the embedded catalog.
func FetchPredefinedRoles(ctx context.Context, svc *iamapi.Service) ([]iam.Role, error) {
	var out []iam.Role
	err := svc.Roles.List().View("FULL").PageSize(1000).Pages(ctx, func(resp *iamapi.ListRolesResponse) error {
		for _, r := range resp.Roles {
			if !strings.HasPrefix(r.Name, "roles/") {
				continue
			}
			out = append(out, iam.Role{Name: r.Name, Title: r.Title, Stage: r.Stage, Permissions: r.IncludedPermissions})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inventory: list predefined roles: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("inventory: list predefined roles: the API returned none")
	}
	return out, nil
}
