package tiles_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
	"gridmap/tiles"
)

// BenchmarkTileAtAreas compares, in one run, ?at= tiles of the area
// layers drawn from area_history (the areas of then) with the same query
// drawing the area table (today's areas, as before migration 004), on a
// demo county after a split across a town boundary gave a few areas a
// second version. Each iteration renders a ring of tiles around the
// split at z10, z12 and z14.
func BenchmarkTileAtAreas(b *testing.B) {
	ctx := context.Background()
	st := storetest.NewDemo(b, demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"})
	c := findCrossCut(b, st)
	before := applyCrossCut(b, st, c)
	const fromHistory = "FROM area_history a CROSS JOIN env LEFT JOIN ah ON ah.code = a.code\n    WHERE a.valid @> $4::timestamptz AND "
	if !strings.Contains(tiles.TileAtSQL, fromHistory) {
		b.Fatal("the tile query no longer reads area_history as this benchmark expects")
	}
	variants := map[string]string{
		"history":    tiles.TileAtSQL,
		"area-table": strings.Replace(tiles.TileAtSQL, fromHistory, "FROM area a CROSS JOIN env LEFT JOIN ah ON ah.code = a.code\n    WHERE ", 1),
	}
	type tile struct{ z, x, y int }
	var ring []tile
	for _, z := range []int{10, 12, 14} {
		t := maptile.At(orb.Point{c.mx, c.my}, maptile.Zoom(z))
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				ring = append(ring, tile{z, int(t.X) + dx, int(t.Y) + dy})
			}
		}
	}
	layers := []string{"county", "town", "village"}
	for _, name := range []string{"history", "area-table"} {
		sql := variants[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, t := range ring {
					idOnly := []string{}
					if t.z < 9 {
						idOnly = append(idOnly, "town")
					}
					if t.z < 11 {
						idOnly = append(idOnly, "village")
					}
					var out []byte
					if err := st.Pool().QueryRow(ctx, sql, t.z, t.x, t.y, before, layers, []string{}, idOnly).Scan(&out); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ring))/1000, "ms/tile")
		})
	}
}

// crossCut is a cutting line across a demo grid that ends on an edge the
// grid shares with a grid of a village of another town, in the middle of
// one of that edge's segments (so the cut's node is a new vertex of both
// grids, villages and towns).
type crossCut struct {
	grid                   geo.Code
	x0, y0, x1, y1, mx, my float64
}

// findCrossCut picks, on the current demo data, the comprehensive grid
// (no sub-grids) with the longest straight segment shared with a grid of
// a village of another town, and a line from 20% of the way into the
// neighbour, through the middle of that segment, across the grid and out
// of its box on the far side (the cross cut of the store's edge-matching
// tests).
func findCrossCut(b *testing.B, st *store.Store) crossCut {
	b.Helper()
	var c crossCut
	err := st.Pool().QueryRow(context.Background(), `
		WITH pairs AS (
			SELECT a.code AS ac, a.geom AS ag, b.geom AS bg
			FROM grid_current a JOIN grid_current b ON a.village <> b.village AND a.geom && b.geom
			  AND ST_Relate(a.geom, b.geom, 'F***1****')
			WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.kind <> 'exclusive'
			  AND NOT EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid = a.code)
			  AND substr(a.code, 1, 9) <> substr(b.code, 1, 9)),
		segs AS (
			SELECT ac, ag, (ST_DumpSegments(ST_LineMerge(ST_CollectionExtract(
				ST_Intersection(ST_Boundary(ag), ST_Boundary(bg)), 2)))).geom AS s
			FROM pairs),
		best AS (
			SELECT ac, ag, ST_LineInterpolatePoint(s, 0.5) AS m FROM segs ORDER BY ST_Length(s) DESC, ac LIMIT 1),
		dir AS (
			SELECT ac, m, ST_X(ST_PointOnSurface(ag)) - ST_X(m) AS dx, ST_Y(ST_PointOnSurface(ag)) - ST_Y(m) AS dy,
			       sqrt(pow(ST_XMax(ag) - ST_XMin(ag), 2) + pow(ST_YMax(ag) - ST_YMin(ag), 2)) AS diag
			FROM best)
		SELECT ac, ST_X(m) - 0.2 * dx, ST_Y(m) - 0.2 * dy,
		       ST_X(m) + dx / sqrt(dx * dx + dy * dy) * diag, ST_Y(m) + dy / sqrt(dx * dx + dy * dy) * diag,
		       ST_X(m), ST_Y(m)
		FROM dir`).Scan(&c.grid, &c.x0, &c.y0, &c.x1, &c.y1, &c.mx, &c.my)
	if err != nil {
		b.Fatalf("find a grid on a town boundary: %v", err)
	}
	return c
}

// applyCrossCut splits the grid of c along its line in county 320902,
// through the adjustment workflow, and returns the time just before.
func applyCrossCut(b *testing.B, st *store.Store, c crossCut) time.Time {
	b.Helper()
	ctx := context.Background()
	var before time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&before); err != nil {
		b.Fatal(err)
	}
	const county = geo.Code("320902000000")
	planner := adjust.Actor{ID: "p", Role: adjust.RolePlanner, Area: county}
	approver := adjust.Actor{ID: "a", Role: adjust.RoleApprover, Area: county}
	e := adjust.New(st, ops.Options{})
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{{
		Type: ops.Split, Grids: []geo.Code{c.grid},
		Geometry: geojson.NewGeometry(orb.LineString{{c.x0, c.y0}, {c.x1, c.y1}})}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Submit(ctx, planner, p.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := e.Approve(ctx, approver, p.ID, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := e.Apply(ctx, approver, p.ID, time.Time{}); err != nil {
		b.Fatalf("apply: %v", err)
	}
	return before
}
