package rules

import (
	"fmt"
	"slices"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// open reports whether a recommender state still calls for action.
func open(state string) bool {
	return state == "" || state == "ACTIVE" || state == "CLAIMED"
}

// RevokedPermissions returns the permissions a recommendation takes away:
// those of the role it removes that none of the roles it adds grant, sorted.
// ok is false when the removed role is not in the catalog.
func RevokedPermissions(roles *iam.Catalog, rc inventory.Recommendation) (perms []string, ok bool) {
	removed, ok := roles.Lookup(rc.RemoveRole)
	if !ok {
		return nil, false
	}
	var added []iam.Role
	for _, a := range rc.AddRoles {
		if r, ok := roles.Lookup(a); ok {
			added = append(added, r)
		}
	}
	for _, p := range removed.Permissions {
		kept := false
		for _, a := range added {
			if a.Has(p) {
				kept = true
				break
			}
		}
		if !kept {
			perms = append(perms, p)
		}
	}
	slices.Sort(perms)
	return perms, true
}

// checkRuntimeUnusedPermissions fails for a runtime SA that an open IAM
// recommendation targets, or whose binding a policy insight shows is partly
// unused.
func checkRuntimeUnusedPermissions(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		failed := false
		for _, rc := range c.Recommendations {
			if !open(rc.State) || iam.ParseMember(rc.Member).ID() != ri.Node.ID {
				continue
			}
			failed = true
			ev := Evidence{
				Bindings: []BindingEvidence{{Role: rc.RemoveRole, Member: rc.Member, Via: rc.Resource, Condition: rc.Condition}},
				Fields:   []FieldEvidence{{Field: "recommendation", Value: rc.Subtype + ": " + rc.Description}},
			}
			if len(rc.AddRoles) > 0 {
				ev.Fields = append(ev.Fields, FieldEvidence{Field: "replace with", Value: fmt.Sprint(rc.AddRoles)})
			}
			if perms, ok := RevokedPermissions(c.Roles, rc); ok {
				ev.Note = fmt.Sprintf("would revoke %d permissions", len(perms))
			} else if rc.RevokedPermissions > 0 {
				ev.Note = fmt.Sprintf("would revoke %d permissions (recommender's count; role %s is not in the catalog)", rc.RevokedPermissions, rc.RemoveRole)
			}
			out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Key: rc.Name, Evidence: ev})
		}
		for _, in := range c.Insights {
			if in.Type != "google.iam.policy.Insight" || !open(in.State) || iam.ParseMember(in.Member).ID() != ri.Node.ID {
				continue
			}
			used := len(in.Exercised) + len(in.Inferred)
			total := in.TotalPermissions
			if total == 0 {
				if r, ok := c.Roles.Lookup(in.Role); ok {
					total = len(r.Permissions)
				}
			}
			if total == 0 || used >= total {
				continue // nothing unused, or no way to tell
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Key: in.Name, Evidence: Evidence{
				Bindings: []BindingEvidence{{Role: in.Role, Member: in.Member, Via: in.Resource}},
				Fields:   []FieldEvidence{{Field: "insight", Value: in.Description}},
				Note:     fmt.Sprintf("%d of %d permissions used in the observation period", used, total),
			}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
		}
	}
	return out
}
