package tiles

import (
	"context"
	"fmt"
	"time"
)

// Historical vector tiles, rendered by PostGIS with the query shape of
// pg_tileserv and Martin: ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857),
// ST_TileEnvelope(z, x, y), 4096, 64)) over the grid and area versions
// valid at a time, behind a GiST && filter. The layer names and
// properties are those of the in-memory renderer (which renders current
// tiles); only aggregates are written, never a household's own data.

// tileLean gives the layers whose polygons are lean below a zoom (their
// labels' first zoom): towns and villages carry their id only, grids
// their id and kind (the map colours grid fills by kind). They match the
// in-memory renderer (LayerInfo.FullZoom and LeanFields); the tests
// compare both renderers' properties at every zoom.
var tileLean = []struct {
	layer  string
	before int
}{{"town", 9}, {"village", 11}, {"grid", 13}}

const tileAtSQL = `
WITH env AS (
    SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS e,
           ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int, margin => 64.0 / 4096), 4326) AS q
),
g AS (
    SELECT g.code, g.kind, g.name, g.village, coalesce(g.parent_grid, g.village) AS parent, g.geom,
           (SELECT count(*) FROM assignment a WHERE a.record_type = 'household' AND a.grid_code = g.code AND a.valid @> $4::timestamptz) AS households,
           (SELECT count(*) FROM assignment a WHERE a.record_type = 'unit' AND a.grid_code = g.code AND a.valid @> $4::timestamptz) AS units
    FROM grid g
    WHERE g.valid @> $4::timestamptz
),
areas AS (
    -- An area's households are those of the grids and sub-grids whose
    -- codes start with its own (6 digits for a county, 9 for a town, 12
    -- for a village): counted for the areas in this tile only, as a
    -- range of grid_code (digit strings of one length order the same in
    -- any collation), so the index on grid_code serves it.
    SELECT ((a.code::numeric * 100) + 12)::bigint AS id, a.code, a.name, a.level, coalesce(a.parent, '') AS parent,
           (SELECT count(*) FROM assignment s
            WHERE s.record_type = 'household' AND s.valid @> $4::timestamptz AND length(s.grid_code) >= 15
              AND s.grid_code >= p.lo AND s.grid_code < p.hi)::bigint AS households, a.geom
    FROM area_history a CROSS JOIN env
    CROSS JOIN LATERAL (SELECT pre AS lo, lpad((pre::bigint + 1)::text, length(pre), '0') AS hi
        FROM (SELECT CASE a.level WHEN 'county' THEN left(a.code, 6) WHEN 'town' THEN left(a.code, 9) ELSE a.code END) x(pre)) p
    WHERE a.valid @> $4::timestamptz AND a.geom && env.q AND a.level IN ('county', 'town', 'village')
      AND (a.level = ANY($5::text[]) OR ('label' = ANY($5::text[]) AND a.level = ANY($6::text[])))
),
grids AS (
    SELECT ((g.code::numeric * 100) + length(g.code))::bigint AS id, g.code, g.name,
           CASE length(g.code) WHEN 15 THEN 'grid' ELSE 'subgrid' END AS level,
           g.kind, g.parent, g.village, g.households::bigint AS households, g.units::bigint AS units, g.geom
    FROM g CROSS JOIN env
    WHERE g.geom && env.q
),
polys AS (
    SELECT layer, ST_AsMVTGeom(ST_Transform(geom, 3857), env.e, 4096, 64, true) AS geom,
           id, code, name, level, kind, parent, village, households, units
    FROM (SELECT level AS layer, id, code, name, level, NULL::text AS kind, parent, NULL::text AS village,
                 households, NULL::bigint AS units, geom FROM areas
          UNION ALL
          SELECT level, id, code, name, level, kind, parent, village, households, units, geom FROM grids) f
    CROSS JOIN env
    WHERE layer = ANY($5::text[])
),
labels AS (
    SELECT ST_AsMVTGeom(ST_Transform((ST_MaximumInscribedCircle(geom)).center, 3857), env.e, 4096, 64, true) AS geom,
           id, code, name, level, kind, households
    FROM (SELECT id, code, name, level, NULL::text AS kind, households, geom FROM areas
          UNION ALL
          SELECT id, code, name, level, kind, households, geom FROM grids) f
    CROSS JOIN env
    WHERE 'label' = ANY($5::text[]) AND level = ANY($6::text[])
)
SELECT
  coalesce((SELECT ST_AsMVT(t, 'county', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent, households FROM polys WHERE layer = 'county' AND geom IS NOT NULL ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'town', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent, households FROM polys WHERE layer = 'town' AND geom IS NOT NULL
       AND NOT 'town' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'town', 4096, 'geom', 'id') FROM
      (SELECT geom, id FROM polys WHERE layer = 'town' AND geom IS NOT NULL AND 'town' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'village', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, parent, households FROM polys WHERE layer = 'village' AND geom IS NOT NULL
       AND NOT 'village' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'village', 4096, 'geom', 'id') FROM
      (SELECT geom, id FROM polys WHERE layer = 'village' AND geom IS NOT NULL AND 'village' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'grid', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, parent, village, households, units FROM polys WHERE layer = 'grid' AND geom IS NOT NULL
       AND NOT 'grid' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'grid', 4096, 'geom', 'id') FROM
      (SELECT geom, id, kind FROM polys WHERE layer = 'grid' AND geom IS NOT NULL AND 'grid' = ANY($7::text[]) ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'subgrid', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, parent, village, households, units FROM polys WHERE layer = 'subgrid' AND geom IS NOT NULL ORDER BY code) t), '')
  || coalesce((SELECT ST_AsMVT(t, 'label', 4096, 'geom', 'id') FROM
      (SELECT geom, id, code, name, level, kind, households FROM labels WHERE geom IS NOT NULL ORDER BY code) t), '')
`

// TileAt renders vector tile z/x/y of the named layers as they were at
// time at: the grid and area versions valid then (area_history: the
// village, town and county outlines and names as they were, vertices
// added by edge matching since included only after) and household and
// unit counts from the assignment history. It returns nil for an empty
// tile.
// Below the zoom of their labels, town and village polygons carry their
// ids only and grids their ids and kinds, as the in-memory renderer
// writes them. Layers and properties match the in-memory renderer's; the
// caller passes only the layers visible at z (LayersAt). This path is
// slower than the in-memory one: it is for looking back, not for the
// live map.
func (s *PostGIS) TileAt(ctx context.Context, layers []string, z, x, y int, at time.Time) ([]byte, error) {
	if z < 0 || z > 30 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, fmt.Errorf("tile %d/%d/%d: out of range (z 0-30, x and y 0-(2^z-1))", z, x, y)
	}
	for _, l := range layers {
		if !containsString(tileLayerNames, l) {
			return nil, fmt.Errorf("tile %d/%d/%d: unknown layer %q", z, x, y, l)
		}
	}
	var labelLevels []string
	for _, lz := range tileLabelZooms {
		if z >= lz.min && z <= lz.max {
			labelLevels = append(labelLevels, lz.level)
		}
	}
	lean := []string{}
	for _, l := range tileLean {
		if z < l.before {
			lean = append(lean, l.layer)
		}
	}
	var b []byte
	if err := s.db.QueryRow(ctx, tileAtSQL, z, x, y, at, layers, labelLevels, lean).Scan(&b); err != nil {
		return nil, fmt.Errorf("render tile %d/%d/%d at %s: %w", z, x, y, at.Format(time.RFC3339), err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}
