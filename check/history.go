package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// areaHistorySQL finds the areas whose row in area (the current state,
// read by the snapshot) and whose open version in area_history (read by
// every as-of query and historical tile) disagree: a write that bypassed
// the trigger, or a history row edited by hand. Geometries are compared
// bit for bit (EWKB), the way the trigger writes them.
const areaHistorySQL = `
	WITH bad AS (
		SELECT coalesce(a.code, h.code) AS code,
			array_remove(ARRAY[
				CASE WHEN h.code IS NULL THEN 'no open version' END,
				CASE WHEN a.code IS NULL THEN 'an open version of no area' END,
				CASE WHEN a.code IS NOT NULL AND h.code IS NOT NULL AND h.level <> a.level THEN 'level' END,
				CASE WHEN a.code IS NOT NULL AND h.code IS NOT NULL AND h.name <> a.name THEN 'name' END,
				CASE WHEN a.code IS NOT NULL AND h.code IS NOT NULL AND h.parent IS DISTINCT FROM a.parent THEN 'parent' END,
				CASE WHEN a.code IS NOT NULL AND h.code IS NOT NULL AND ST_AsEWKB(h.geom) IS DISTINCT FROM ST_AsEWKB(a.geom) THEN 'geometry' END],
				NULL) AS what,
			coalesce(a.geom, h.geom) AS geom
		FROM area a FULL JOIN (SELECT * FROM area_history WHERE upper_inf(valid)) h ON h.code = a.code
		WHERE a.code IS NULL OR h.code IS NULL OR h.level <> a.level OR h.name <> a.name
		   OR h.parent IS DISTINCT FROM a.parent OR ST_AsEWKB(h.geom) IS DISTINCT FROM ST_AsEWKB(a.geom))
	SELECT code, what, count(*) OVER (), ST_PointOnSurface(ST_MakeValid(geom)) FROM bad ORDER BY code LIMIT @max`

func checkAreaHistory(ctx context.Context, c *run) error {
	var code string
	var what []string
	var total int
	var loc orb.Geometry
	return c.query(ctx, areaHistorySQL, c.args(), &total, []any{&code, &what, &total, store.ScanLocation(&loc)},
		func() (geo.Finding, error) {
			msg := fmt.Sprintf("area %s: the current row and the open version of its history differ in %s, so as-of reads and historical tiles disagree with the current map",
				code, strings.Join(what, ", "))
			if len(what) == 1 && (strings.HasPrefix(what[0], "no ") || strings.HasPrefix(what[0], "an ")) {
				msg = fmt.Sprintf("area %s has %s in area_history, so as-of reads and historical tiles disagree with the current map", code, what[0])
			}
			return geo.Finding{Codes: []string{code}, Location: loc, Message: msg}, nil
		})
}
