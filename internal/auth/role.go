package auth

import "fmt"

// Role is what a user may do inside runlens. The zero Role is not a valid
// role and may do nothing. Roles are ordered for display; use [Role.Can],
// not comparison, to decide access, since a Manager may not do everything
// an Engineer may.
type Role int

// The roles, in display order.
const (
	// Viewer may read.
	Viewer Role = iota + 1
	// Reviewer may read and approve or reject change sets.
	Reviewer
	// Engineer may read, propose change sets and apply approved ones.
	Engineer
	// Manager may read and manage exceptions.
	Manager
	// Admin may do everything, including managing users and roles.
	Admin
)

var roleNames = [...]string{
	Viewer:   "viewer",
	Reviewer: "reviewer",
	Engineer: "engineer",
	Manager:  "manager",
	Admin:    "admin",
}

// String returns the role's lower-case name, as accepted by [ParseRole], or
// "Role(N)" for an invalid role.
func (r Role) String() string {
	if r.valid() {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// ParseRole returns the role named s, which must be one of the lower-case
// names returned by [Role.String].
func ParseRole(s string) (Role, error) {
	for r := Viewer; r <= Admin; r++ {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("auth: parse role: unknown role %q", s)
}

func (r Role) valid() bool { return Viewer <= r && r <= Admin }

// Action is something a user may be allowed to do.
type Action int

// The actions checked by [Role.Can].
const (
	// Read is viewing findings, assets and change sets.
	Read Action = iota + 1
	// Approve is approving or rejecting a change set.
	Approve
	// Propose is creating a change set.
	Propose
	// Apply is applying an approved change set.
	Apply
	// Except is creating or removing an exception to a finding.
	Except
	// ManageUsers is granting and revoking roles.
	ManageUsers
	// Sync is running a sync of the inventory.
	Sync
	// ReadAudit is reading the audit log.
	ReadAudit
)

// Can reports whether r may perform a. Every valid role may Read; Approve
// needs Reviewer, Propose, Apply and Sync need Engineer, Except needs Manager,
// ReadAudit needs Reviewer or Manager, and Admin may do everything. An invalid role or action is always refused.
func (r Role) Can(a Action) bool {
	if !r.valid() {
		return false
	}
	switch a {
	case Read:
		return true
	case Approve:
		return r == Reviewer || r == Admin
	case Propose, Apply:
		return r == Engineer || r == Admin
	case Except:
		return r == Manager || r == Admin
	case ManageUsers:
		return r == Admin
	case Sync:
		return r == Engineer || r == Admin
	case ReadAudit:
		return r == Reviewer || r == Manager || r == Admin
	default:
		return false
	}
}
