package auth

import "testing"

func TestRoleStringParse(t *testing.T) {
	tests := []struct {
		role Role
		name string
	}{
		{Viewer, "viewer"},
		{Reviewer, "reviewer"},
		{Engineer, "engineer"},
		{Manager, "manager"},
		{Admin, "admin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.role.String(); got != tc.name {
				t.Errorf("Role(%d).String() = %q; want %q", int(tc.role), got, tc.name)
			}
			got, err := ParseRole(tc.name)
			if err != nil || got != tc.role {
				t.Errorf("ParseRole(%q) = %v, %v; want %v, nil", tc.name, got, err, tc.role)
			}
		})
	}
}

func TestParseRoleInvalid(t *testing.T) {
	for _, s := range []string{"", "Admin", " admin", "root", "Role(0)", "owner"} {
		if got, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) = %v, nil; want error", s, got)
		}
	}
}

func TestRoleStringInvalid(t *testing.T) {
	for _, r := range []Role{0, -1, Admin + 1} {
		got := r.String()
		if _, err := ParseRole(got); err == nil {
			t.Errorf("ParseRole(Role(%d).String() = %q) error = nil; want error", int(r), got)
		}
	}
}

func TestRoleCan(t *testing.T) {
	actions := []Action{Read, Approve, Propose, Apply, Except, ManageUsers, Sync, ReadAudit}
	// want lists, for each role, the actions in the order above.
	tests := []struct {
		role Role
		want []bool
	}{
		{Viewer, []bool{true, false, false, false, false, false, false, false}},
		{Reviewer, []bool{true, true, false, false, false, false, false, true}},
		{Engineer, []bool{true, false, true, true, false, false, true, false}},
		{Manager, []bool{true, false, false, false, true, false, false, true}},
		{Admin, []bool{true, true, true, true, true, true, true, true}},
		{0, []bool{false, false, false, false, false, false, false, false}},
		{Admin + 1, []bool{false, false, false, false, false, false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.role.String(), func(t *testing.T) {
			for i, a := range actions {
				if got := tc.role.Can(a); got != tc.want[i] {
					t.Errorf("%v.Can(action %d) = %t; want %t", tc.role, int(a), got, tc.want[i])
				}
			}
			if tc.role.Can(0) || tc.role.Can(ReadAudit+1) {
				t.Errorf("%v.Can(invalid action) = true; want false", tc.role)
			}
		})
	}
}
