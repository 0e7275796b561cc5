package api

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gridmap/geo"
	"gridmap/store"
)

// CheckNewToken checks the token gridd token create is asked for (t's
// role, worker and department, and the area its --area names) and sets
// t.Area to its scope: the role is required, TokenScope and
// TokenDepartment say the rest. Its messages name the command's flags.
func CheckNewToken(t *store.NewToken, area string) error {
	if t.Role == "" {
		return errors.New("--role is required: viewer, planner, approver or admin")
	}
	r, err := ParseRole(t.Role)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	t.Department = strings.TrimSpace(t.Department)
	if t.Area, err = TokenScope(r, area, t.Worker); err != nil {
		return err
	}
	return TokenDepartment(r, t.Area, t.Department)
}

// TokenScope checks the scope of a token of role r made by gridd token
// create (the admin API makes no worker tokens: it points there) and
// returns its area: a worker token, and only it, names its worker and is
// scoped to the worker's grid; any other token is scoped to an area, or
// to the whole city when area is "". Its messages name that command's
// flags (--area, --worker).
func TokenScope(r Role, area string, worker int64) (geo.Code, error) {
	if r == RoleWorker && area == "" {
		return "", errors.New("a worker token is scoped to the worker's grid: give --area GRID")
	}
	if (r == RoleWorker) != (worker != 0) {
		return "", errors.New("a worker token, and only a worker token, needs --worker ID and --area GRID (the grid the worker patrols)")
	}
	if area == "" {
		return "", nil
	}
	c, err := geo.ParseCode(area)
	if err != nil {
		return "", fmt.Errorf("--area: %w", err)
	}
	if c.IsGrid() != (r == RoleWorker) {
		if r == RoleWorker {
			return "", fmt.Errorf("--area %s: a worker token is scoped to a grid: give the grid's 15- or 17-digit code", area)
		}
		return "", fmt.Errorf("--area %s is a grid code: give an area (city, county, town or village)", area)
	}
	return c, nil
}

// TokenDepartment checks the department of a token of role r made by
// gridd token create, given the scope TokenScope returned: a department
// token, and only it, names its department (--department 城管局, at most
// 50 characters) and is scoped to a county (--area COUNTY).
func TokenDepartment(r Role, scope geo.Code, department string) error {
	department = strings.TrimSpace(department)
	if (r == RoleDepartment) != (department != "") {
		return errors.New("a department token, and only a department token, needs --department NAME and --area COUNTY (the county the department serves)")
	}
	if r != RoleDepartment {
		return nil
	}
	if utf8.RuneCountInString(department) > 50 {
		return fmt.Errorf("--department: %d characters; at most 50", utf8.RuneCountInString(department))
	}
	if scope.Level() != geo.LevelCounty {
		return errors.New("a department token is scoped to its county: give --area COUNTY (6 digits)")
	}
	return nil
}
