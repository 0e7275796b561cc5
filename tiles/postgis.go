package tiles

import (
	"context"
	"fmt"

	"gridmap/store"
)

// PostGIS renders tiles in the database, with the per-tile ST_AsMVT query
// of a PostGIS tile server: tiles of a past time (TileAt, the ?at= path,
// a HistoryRenderer) and, as the yardstick the in-memory renderer is
// measured against, tiles of the current state (TileCurrent). It is safe
// for concurrent use.
type PostGIS struct {
	db store.Querier
}

// NewPostGIS returns a renderer on the database of st.
func NewPostGIS(st *store.Store) *PostGIS { return &PostGIS{db: st.Pool()} }

// tileLayerNames are the layers PostGIS can render, bottom to top.
var tileLayerNames = []string{"county", "town", "village", "grid", "subgrid", "label"}

// tileLabelZooms are the zooms at which each level's labels appear in the
// label layer; they match the in-memory renderer's.
var tileLabelZooms = []struct {
	level    string
	min, max int
}{
	{"county", 6, 14}, {"town", 9, 14}, {"village", 11, 16}, {"grid", 13, 22}, {"subgrid", 15, 22},
}

// tileCurrentSQL is the per-request query a PostGIS tile server (pg_tileserv,
// Martin) would run for the current map: per layer
// ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64))
// behind a GiST && filter, serving the tables' columns. Grids carry their
// household and unit counts (indexed counts); areas carry no counts, since
// a tile server would need a materialised view for them, and labels are
// ST_PointOnSurface: both keep this path as cheap as PostGIS can be, so
// the comparison with the in-memory renderer is generous to PostGIS.
const tileCurrentSQL = `
WITH env AS (
    SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS e,
           ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int, margin => 64.0 / 4096), 4326) AS q
),
f AS (
    SELECT ((a.code::numeric * 100) + 12)::bigint AS id, a.code, a.name, a.level::text AS level, NULL::text AS kind,
           coalesce(a.parent, '') AS parent, NULL::text AS village, NULL::bigint AS households, NULL::bigint AS units, a.geom
    FROM area a, env
    WHERE a.geom && env.q AND a.level IN ('county', 'town', 'village')
      AND (a.level = ANY($4::text[]) OR a.level = ANY($5::text[]))
    UNION ALL
    SELECT ((g.code::numeric * 100) + length(g.code))::bigint, g.code, g.name,
           CASE length(g.code) WHEN 15 THEN 'grid' ELSE 'subgrid' END, g.kind,
           coalesce(g.parent_grid, g.village), g.village,
           (SELECT count(*) FROM household h WHERE h.grid_code = g.code),
           (SELECT count(*) FROM unit u WHERE u.grid_code = g.code), g.geom
    FROM grid_current g, env
    WHERE g.geom && env.q
      AND (CASE length(g.code) WHEN 15 THEN 'grid' ELSE 'subgrid' END = ANY($4::text[])
           OR CASE length(g.code) WHEN 15 THEN 'grid' ELSE 'subgrid' END = ANY($5::text[]))
),
polys AS (
    SELECT ST_AsMVTGeom(ST_Transform(f.geom, 3857), env.e, 4096, 64, true) AS geom,
           id, code, name, level, kind, parent, village, households, units
    FROM f, env WHERE f.level = ANY($4::text[])
),
labels AS (
    SELECT ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(f.geom), 3857), env.e, 4096, 64, true) AS geom,
           id, code, name, level, kind, households
    FROM f, env WHERE f.level = ANY($5::text[])
)
SELECT
  coalesce((SELECT ST_AsMVT(t, 'county', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent FROM polys WHERE level = 'county' AND geom IS NOT NULL) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'town', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent FROM polys WHERE level = 'town' AND geom IS NOT NULL) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'village', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent FROM polys WHERE level = 'village' AND geom IS NOT NULL) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'grid', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, parent, village, households, units FROM polys WHERE level = 'grid' AND geom IS NOT NULL) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'subgrid', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, parent, village, households, units FROM polys WHERE level = 'subgrid' AND geom IS NOT NULL) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'label', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, households FROM labels WHERE geom IS NOT NULL) t), '')
`

// TileCurrent renders vector tile z/x/y of the current grids and areas
// the way a PostGIS tile server does, with one query per tile (see
// tileCurrentSQL). It is the yardstick of `gridd bench tiles`, not a
// serving path: current tiles are rendered from memory. layers are the
// polygon and label layers visible at z (LayersAt); label levels follow
// the same zooms as the in-memory renderer. It returns nil for an empty
// tile.
func (s *PostGIS) TileCurrent(ctx context.Context, layers []string, z, x, y int) ([]byte, error) {
	if z < 0 || z > 30 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, fmt.Errorf("tile %d/%d/%d: out of range (z 0-30, x and y 0-(2^z-1))", z, x, y)
	}
	var polys, labelLevels []string
	for _, l := range layers {
		switch {
		case l == "label":
			for _, lz := range tileLabelZooms {
				if z >= lz.min && z <= lz.max {
					labelLevels = append(labelLevels, lz.level)
				}
			}
		case containsString(tileLayerNames, l):
			polys = append(polys, l)
		default:
			return nil, fmt.Errorf("tile %d/%d/%d: unknown layer %q", z, x, y, l)
		}
	}
	var b []byte
	if err := s.db.QueryRow(ctx, tileCurrentSQL, z, x, y, polys, labelLevels).Scan(&b); err != nil {
		return nil, fmt.Errorf("render current tile %d/%d/%d: %w", z, x, y, err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
