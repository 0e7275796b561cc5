package api_test

import (
	"strings"
	"testing"

	"gridmap/api"
	"gridmap/geo"
)

func TestTokenScope(t *testing.T) {
	t.Parallel()
	const grid = "320902001001001"
	for _, tc := range []struct {
		role   api.Role
		area   string
		worker int64
		want   geo.Code
		says   string
	}{
		{role: api.RolePlanner, want: ""},
		{role: api.RolePlanner, area: "320902", want: geo.MustParseCode("320902")},
		{role: api.RoleWorker, area: grid, worker: 1, want: geo.MustParseCode(grid)},
		{role: api.RolePlanner, area: "32x", says: "not a digit"},
		{role: api.RolePlanner, area: grid, says: "grid code"},
		{role: api.RoleWorker, area: grid, says: "--worker"},
		{role: api.RoleWorker, worker: 1, says: "--area GRID"},
		{role: api.RoleWorker, area: "320902001000", worker: 1, says: "scoped to a grid"},
		{role: api.RoleOperator, area: "320902001000", worker: 1, says: "--worker"},
	} {
		got, err := api.TokenScope(tc.role, tc.area, tc.worker)
		if tc.says != "" {
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("TokenScope(%v, %q, %d) = %q, %v: want an error saying %q", tc.role, tc.area, tc.worker, got, err, tc.says)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("TokenScope(%v, %q, %d) = %q, %v; want %q", tc.role, tc.area, tc.worker, got, err, tc.want)
		}
	}
}

func TestTokenDepartment(t *testing.T) {
	t.Parallel()
	county := geo.MustParseCode("320902")
	for _, tc := range []struct {
		role       api.Role
		scope      geo.Code
		department string
		says       string
	}{
		{role: api.RoleDepartment, scope: county, department: "城管局"},
		{role: api.RoleOperator, scope: geo.MustParseCode("320902001")},
		{role: api.RoleDepartment, scope: county, says: "--department NAME"},
		{role: api.RoleOperator, scope: county, department: "城管局", says: "only a department token"},
		{role: api.RoleDepartment, scope: geo.MustParseCode("320902001"), department: "城管局", says: "--area COUNTY"},
		{role: api.RoleDepartment, department: "城管局", says: "--area COUNTY"},
		{role: api.RoleDepartment, scope: county, department: strings.Repeat("局", 51), says: "at most 50"},
	} {
		err := api.TokenDepartment(tc.role, tc.scope, tc.department)
		if (tc.says == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.says)) {
			t.Errorf("TokenDepartment(%v, %q, %q) = %v; want an error saying %q", tc.role, tc.scope, tc.department, err, tc.says)
		}
	}
}
