package check

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// checkHouseholdRange reports the urban comprehensive grids whose
// households (the kept counts of record_count, which check.Run verifies
// in its record-count check) are outside the range, located at a point
// inside the grid, each with the route that suggests a division of its
// village (package suggest). Options without a range leave it out.
func checkHouseholdRange(ctx context.Context, c *run) error {
	if c.opts.HouseholdsHigh == 0 {
		return nil // not asked for
	}
	var code, village string
	var n, total int
	var loc orb.Geometry
	args := c.args()
	args["low"], args["high"] = c.opts.HouseholdsLow, c.opts.HouseholdsHigh
	return c.query(ctx, `
		SELECT g.code, g.village, coalesce(r.households, 0), count(*) OVER (), ST_PointOnSurface(FIXG(g))
		FROM grid_current g LEFT JOIN record_count r ON r.grid_code = g.code
		WHERE length(g.code) = 15 AND g.kind = 'urban'
		  AND coalesce(r.households, 0) NOT BETWEEN @low AND @high
		ORDER BY g.code
		LIMIT @max`, args, &total, []any{&code, &village, &n, &total, store.ScanLocation(&loc)},
		func() (geo.Finding, error) {
			return geo.Finding{Codes: []string{code, village}, Location: loc,
				Suggest: "/villages/" + village + "/suggest-division",
				Message: fmt.Sprintf("urban grid %s has %d households, outside the county's range %d-%d (Art. 7: about 300); POST /villages/%s/suggest-division drafts a division of its village",
					code, n, c.opts.HouseholdsLow, c.opts.HouseholdsHigh, village)}, nil
		})
}
