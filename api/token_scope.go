package api

import (
	"errors"
	"fmt"

	"gridmap/geo"
)

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
