package api_test

import (
	"testing"

	"gridmap/api"
)

// TestRoleIncludes checks the role table: the boundary chain, the worker
// roles beside it, and admin above both.
func TestRoleIncludes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r, o api.Role
		want bool
	}{
		{api.RoleAdmin, api.RoleViewer, true},
		{api.RoleApprover, api.RolePlanner, true},
		{api.RolePlanner, api.RoleApprover, false},
		{api.RoleAdmin, api.RoleOperator, true},
		{api.RoleOperator, api.RoleViewer, false},
		{api.RoleOperator, api.RoleWorker, false},
		{api.RoleWorker, api.RoleOperator, false},
		{api.RolePlanner, api.RoleOperator, false},
		{api.RoleWorker, api.RoleWorker, true},
		{api.RoleNone, api.RoleNone, false},
	}
	for _, tc := range tests {
		if got := tc.r.Includes(tc.o); got != tc.want {
			t.Errorf("%s includes %s = %v, want %v", tc.r, tc.o, got, tc.want)
		}
	}
	for _, s := range []string{"operator", "worker"} {
		if r, err := api.ParseRole(s); err != nil || r.String() != s {
			t.Errorf("ParseRole(%q) = %v, %v", s, r, err)
		}
	}
}
