package lookup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
)

// History answers the lookup rule as of a past time (PostGIS does, from
// the grid and area versions).
type History interface {
	LookupAt(ctx context.Context, p orb.Point, at time.Time) (PointAnswer, error)
}

// PointAnswer is the lookup rule's answer for one point as of a past
// time: the grid (the smallest code among the grids whose closed polygon
// covers the point), the sub-grid picked the same way inside it, and the
// deepest covering area. Empty codes mean none.
type PointAnswer struct {
	Grid, SubGrid geo.Code
	GridName      string
	GridKind      geo.Kind
	SubGridName   string
	Area          geo.Code // the deepest area covering the point
}

// LookupAt answers the lookup rule from the history: the grid versions
// valid at time at, and the area versions valid then (area_history).
// This is the as-of path; current lookups use the in-memory index.
func (s *PostGIS) LookupAt(ctx context.Context, p orb.Point, at time.Time) (PointAnswer, error) {
	var a PointAnswer
	var grid, sub, kind, area *string
	var gname, sname *string
	err := s.db.QueryRow(ctx, `
		WITH pt AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS p),
		g AS (
			SELECT code, name, kind FROM grid, pt
			WHERE length(code) = 15 AND valid @> $3::timestamptz AND ST_Covers(geom, pt.p)
			ORDER BY code LIMIT 1),
		sg AS (
			SELECT s.code, s.name FROM grid s, pt, g
			WHERE s.parent_grid = g.code AND s.valid @> $3::timestamptz AND ST_Covers(s.geom, pt.p)
			ORDER BY s.code LIMIT 1),
		ar AS (
			SELECT a.code FROM area_history a, pt
			WHERE a.valid @> $3::timestamptz AND a.geom IS NOT NULL AND ST_Covers(a.geom, pt.p)
			ORDER BY CASE a.level WHEN 'village' THEN 0 WHEN 'town' THEN 1 WHEN 'county' THEN 2 ELSE 3 END, a.code
			LIMIT 1)
		SELECT (SELECT code FROM g), (SELECT name FROM g), (SELECT kind FROM g),
		       (SELECT code FROM sg), (SELECT name FROM sg), (SELECT code FROM ar)`,
		p[0], p[1], at).Scan(&grid, &gname, &kind, &sub, &sname, &area)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return a, nil
		}
		return a, fmt.Errorf("lookup at %s: %w", at.Format(time.RFC3339), err)
	}
	if grid != nil {
		a.Grid, a.GridName, a.GridKind = geo.Code(*grid), *gname, geo.Kind(*kind)
	}
	if sub != nil {
		a.SubGrid, a.SubGridName = geo.Code(*sub), *sname
	}
	if area != nil {
		a.Area = geo.Code(*area)
	}
	return a, nil
}
