package geocodetest

import (
	"context"
	"fmt"

	"gridmap/geo"
	"gridmap/store"
)

// Read reads the live standard addresses of the database (the demo
// city's own, or any imported), in id order, as the noisy set takes them.
func Read(ctx context.Context, st *store.Store) ([]Address, error) {
	rows, err := st.Pool().Query(ctx, `
SELECT id, code, city, county, town, village, villager_group, road, door_number, compound, building, entrance, room,
       ST_X(geom), ST_Y(geom), grid_code
FROM standard_address WHERE retired_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read addresses: %w", err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		var a Address
		var grid string
		if err := rows.Scan(&a.ID, &a.Code, &a.City, &a.County, &a.Town, &a.Village, &a.Group, &a.Road, &a.Number,
			&a.Compound, &a.Building, &a.Entrance, &a.Room, &a.Point[0], &a.Point[1], &grid); err != nil {
			return nil, fmt.Errorf("read addresses: %w", err)
		}
		a.Grid = geo.Code(grid)
		out = append(out, a)
	}
	return out, rows.Err()
}
