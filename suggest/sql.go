package suggest

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The SQL of a suggestion. Everything is read and computed in one
// transaction that is rolled back: the faces live in temporary tables.

// snapDeg is the adjustment engine's snap tolerance (ops.Options.SnapM,
// 0.5 m) in degrees of latitude.
const snapDeg = 0.5 / 111320

// errNoVillage is a village code that names no village.
var errNoVillage = errors.New("no such village")

// gridRow is a current comprehensive grid of the village.
type gridRow struct {
	code, kind, name string
}

// record is a standard address, or a household or unit linked to none,
// of the village's comprehensive grids.
type record struct {
	grid                                        int // index into the grids
	x, y                                        float64
	households                                  int
	road, door, compound, building, group, text string
}

// face is a face of the village's linework: a piece of one grid, in the
// Voronoi cell of one site of that grid (or of none).
type face struct {
	id   int32 // sg_face.i
	grid int
	site int // -1 when the grid has no site
	poly orb.Polygon
}

const sqlVillage = `SELECT name, (SELECT count(*) FROM area c WHERE c.parent = a.code) FROM area a WHERE code = $1 AND level = 'village'`

const sqlGrids = `SELECT code, kind, name FROM grid_latest
	WHERE village = $1 AND length(code) = 15 AND kind <> 'exclusive' ORDER BY code`

// sqlRecords reads the points that must end in a grid: the live standard
// addresses (with the households linked to each), and the households and
// units linked to no address (which move by their own point).
const sqlRecords = `
	SELECT a.grid_code, ST_X(a.geom), ST_Y(a.geom), coalesce(h.n, 0)::int,
	       a.road, a.door_number, a.compound, a.building, a.villager_group, a.full_text
	FROM standard_address a
	LEFT JOIN (SELECT address_id, count(*) AS n FROM household WHERE grid_code = ANY($1) AND address_id IS NOT NULL GROUP BY 1) h
	  ON h.address_id = a.id
	WHERE a.grid_code = ANY($1) AND a.retired_at IS NULL
	UNION ALL
	SELECT grid_code, ST_X(geom), ST_Y(geom), 1, '', '', '', '', '', address FROM household
	WHERE grid_code = ANY($1) AND address_id IS NULL
	UNION ALL
	SELECT grid_code, ST_X(geom), ST_Y(geom), 0, '', '', '', '', '', name FROM unit
	WHERE grid_code = ANY($1) AND address_id IS NULL`

// sqlTables makes the work tables of one suggestion.
const sqlTables = `
	CREATE TEMP TABLE IF NOT EXISTS sg_grid (i int PRIMARY KEY, code text NOT NULL, geom geometry NOT NULL) ON COMMIT DROP;
	CREATE TEMP TABLE IF NOT EXISTS sg_site (i int PRIMARY KEY, grid int NOT NULL, geom geometry NOT NULL) ON COMMIT DROP;
	CREATE TEMP TABLE IF NOT EXISTS sg_face (i serial PRIMARY KEY, geom geometry NOT NULL, pt geometry, grid int, site int, part int) ON COMMIT DROP;
	TRUNCATE sg_grid, sg_site, sg_face`

// sqlFaces nodes the linework of the village's comprehensive grids and,
// inside each, the Voronoi edges of its sites (clipped to the grid grown
// by 1e-6°, so they cross its boundary and get noded with it; the crumbs
// beyond are dangles polygonize drops), and polygonizes it: every face
// lies in one grid and one Voronoi cell of that grid's sites. The cut
// lines are first snapped ($1 degrees, the engine's snap tolerance) to the
// grids' boundaries: a cut passing a hair from a corner goes through the
// corner, not through a node a rounding error from it (which edge
// matching would snap the neighbour's corner to, making them overlap). Edges of
// the grids are therefore edges of the faces, and a grid whose sites all
// stay together keeps its boundary exactly.
const sqlFaces = `
	WITH s AS (SELECT grid, ST_Collect(geom) AS pts, count(*) AS n FROM sg_site GROUP BY grid),
	ref AS (SELECT ST_Collect(ST_Boundary(geom)) AS b FROM sg_grid),
	cut AS (
		SELECT ST_Snap(ST_CollectionExtract(ST_Intersection(ST_VoronoiLines(s.pts, 0, g.geom), ST_Buffer(g.geom, 1e-6)), 2), ref.b, $1) AS l
		FROM sg_grid g JOIN s ON s.grid = g.i CROSS JOIN ref WHERE s.n > 1),
	lines AS (
		SELECT ST_Boundary(geom) AS l FROM sg_grid
		UNION ALL SELECT l FROM cut WHERE NOT ST_IsEmpty(l)),
	noded AS (SELECT ST_Union(l) AS g FROM lines)
	INSERT INTO sg_face (geom) SELECT (ST_Dump(ST_Polygonize(g))).geom FROM noded`

const sqlFaceOwners = `
	UPDATE sg_face f SET pt = ST_PointOnSurface(f.geom);
	UPDATE sg_face f SET grid = (SELECT min(g.i) FROM sg_grid g WHERE g.geom && f.pt AND ST_Covers(g.geom, f.pt));
	DELETE FROM sg_face WHERE grid IS NULL`

// sqlSmooth rebuilds the grids from the linework of newBorders ($1: the
// current grids' edges and the smoothed new borders): the faces of that linework go to
// the grid of the division (sg_part0, the unions of the Voronoi faces)
// holding their point on surface.
const sqlSmooth = `
	INSERT INTO sg_face2 (part, geom)
	WITH noded AS (SELECT ST_UnaryUnion($1::geometry) AS g),
	f AS (SELECT g AS f, ST_PointOnSurface(g) AS pt FROM (SELECT (ST_Dump(ST_Polygonize(g))).geom AS g FROM noded) x)
	SELECT (SELECT min(p.part) FROM sg_part0 p WHERE p.g && f.pt AND ST_Covers(p.g, f.pt)), f.f FROM f`

// sqlPieces gives every piece of a grid but its largest to the grid it
// shares the longest border with (a smoothed border crossing another can
// cut off a crumb).
const sqlPieces = `
	TRUNCATE sg_part;
	INSERT INTO sg_part SELECT part, ST_Union(geom) FROM sg_face2 WHERE part IS NOT NULL GROUP BY part;
	WITH pieces AS (SELECT part, (ST_Dump(g)).geom AS p FROM sg_part),
	ranked AS (SELECT part, p, row_number() OVER (PARTITION BY part ORDER BY ST_Area(p) DESC) AS r FROM pieces),
	moved AS (
		SELECT r.p, coalesce((SELECT o.part FROM sg_part o WHERE o.part <> r.part AND o.g && r.p
			ORDER BY ST_Length(ST_Intersection(ST_Boundary(o.g), ST_Boundary(r.p))) DESC, o.part LIMIT 1), r.part) AS part
		FROM ranked r WHERE r.r > 1)
	UPDATE sg_face2 f SET part = m.part FROM moved m
	WHERE m.p && f.geom AND ST_Covers(m.p, ST_PointOnSurface(f.geom)) AND f.part IS DISTINCT FROM m.part;
	TRUNCATE sg_part;
	INSERT INTO sg_part SELECT part, ST_Multi(ST_Union(geom)) FROM sg_face2 WHERE part IS NOT NULL GROUP BY part`

// sqlPartTables makes (empties) the work tables of the grids: sg_part0
// (the unions of the faces), sg_face2 (the faces of the final linework
// by grid) and sg_part (the grids).
const sqlPartTables = `
	CREATE TEMP TABLE IF NOT EXISTS sg_part0 (part int, g geometry) ON COMMIT DROP;
	CREATE TEMP TABLE IF NOT EXISTS sg_part (part int, g geometry) ON COMMIT DROP;
	CREATE TEMP TABLE IF NOT EXISTS sg_face2 (part int, geom geometry) ON COMMIT DROP;
	TRUNCATE sg_part0, sg_part, sg_face2`

// sqlParts measures the grids: area in m² (store.AreaM2SQL, as the checks
// measure) and perimeter in metres on the spheroid.
var sqlParts = `SELECT part, g, ` + store.AreaM2SQL("g") + `, ST_Perimeter(g::geography) FROM sg_part ORDER BY part`

// loadVillage reads the village's name, its comprehensive grids and their
// records.
func loadVillage(ctx context.Context, tx pgx.Tx, v geo.Code) (string, []gridRow, []record, error) {
	var name string
	var children int
	if err := tx.QueryRow(ctx, sqlVillage, string(v)).Scan(&name, &children); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return "", nil, nil, errNoVillage
		}
		return "", nil, nil, fmt.Errorf("read village %s: %w", v, err)
	}
	rows, err := tx.Query(ctx, sqlGrids, string(v))
	if err != nil {
		return "", nil, nil, fmt.Errorf("read grids of %s: %w", v, err)
	}
	grids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gridRow, error) {
		var g gridRow
		err := r.Scan(&g.code, &g.kind, &g.name)
		return g, err
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("read grids of %s: %w", v, err)
	}
	index := map[string]int{}
	codes := make([]string, len(grids))
	for i, g := range grids {
		index[g.code] = i
		codes[i] = g.code
	}
	rows, err = tx.Query(ctx, sqlRecords, codes)
	if err != nil {
		return "", nil, nil, fmt.Errorf("read records of %s: %w", v, err)
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record, error) {
		var x record
		var code string
		err := r.Scan(&code, &x.x, &x.y, &x.households, &x.road, &x.door, &x.compound, &x.building, &x.group, &x.text)
		x.grid = index[code]
		return x, err
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("read records of %s: %w", v, err)
	}
	return name, grids, recs, nil
}

// makeFaces writes the grids and sites to the work tables and returns
// the faces of the linework.
func makeFaces(ctx context.Context, tx pgx.Tx, grids []gridRow, sites []site) ([]face, error) {
	if _, err := tx.Exec(ctx, sqlTables); err != nil {
		return nil, fmt.Errorf("suggest work tables: %w", err)
	}
	codes := make([]string, len(grids))
	idx := make([]int32, len(grids))
	for i, g := range grids {
		codes[i], idx[i] = g.code, int32(i)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sg_grid (i, code, geom)
		SELECT u.i, u.code, g.geom FROM unnest($1::int[], $2::text[]) AS u(i, code) JOIN grid_latest g ON g.code = u.code`, idx, codes); err != nil {
		return nil, fmt.Errorf("suggest grids: %w", err)
	}
	si := make([]int32, len(sites))
	sg := make([]int32, len(sites))
	sx := make([]float64, len(sites))
	sy := make([]float64, len(sites))
	for i, s := range sites {
		si[i], sg[i], sx[i], sy[i] = int32(i), int32(s.grid), s.lon, s.lat
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sg_site (i, grid, geom)
		SELECT i, g, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM unnest($1::int[], $2::int[], $3::float8[], $4::float8[]) AS u(i, g, x, y)`,
		si, sg, sx, sy); err != nil {
		return nil, fmt.Errorf("suggest sites: %w", err)
	}
	if _, err := tx.Exec(ctx, `ANALYZE sg_site`); err != nil {
		return nil, fmt.Errorf("suggest sites: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlFaces, snapDeg); err != nil {
		return nil, fmt.Errorf("suggest faces: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlFaceOwners); err != nil {
		return nil, fmt.Errorf("suggest faces: %w", err)
	}
	// Each face lies in the Voronoi cell of one site of its grid: the site
	// nearest its point on surface.
	byGrid := map[int32][]int{}
	for i, s := range sites {
		byGrid[int32(s.grid)] = append(byGrid[int32(s.grid)], i)
	}
	rows, err := tx.Query(ctx, `SELECT i, grid, ST_X(pt), ST_Y(pt), geom FROM sg_face ORDER BY i`)
	if err != nil {
		return nil, fmt.Errorf("read faces: %w", err)
	}
	var out []face
	for rows.Next() {
		var id, g int32
		var x, y float64
		var geom orb.Geometry
		if err := rows.Scan(&id, &g, &x, &y, store.ScanOrb(&geom)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read faces: %w", err)
		}
		p, ok := geom.(orb.Polygon)
		if !ok {
			continue
		}
		out = append(out, face{id: id, grid: int(g), site: nearestSite(sites, byGrid[g], x, y), poly: p})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read faces: %w", err)
	}
	return out, nil
}

// nearestSite returns the site of cand nearest (x, y) in degrees scaled
// alike (a Voronoi cell is the same in any uniform scale; the plane's
// anisotropy at these latitudes is what PostGIS's Voronoi ignores too),
// or -1 when cand is empty.
func nearestSite(sites []site, cand []int, x, y float64) int {
	best, bd := -1, math.Inf(1)
	for _, i := range cand {
		dx, dy := sites[i].lon-x, sites[i].lat-y
		if d := dx*dx + dy*dy; d < bd {
			best, bd = i, d
		}
	}
	return best
}

// partGeom is one suggested grid as PostGIS unions it.
type partGeom struct {
	geom      orb.MultiPolygon
	areaM2    float64
	perimeter float64
}

// unionParts labels the faces with their parts, rebuilds the parts with
// the smoothed borders, and returns each part's geometry and measures.
func unionParts(ctx context.Context, tx pgx.Tx, faces []face, facePart []int, parts int, borders orb.MultiLineString) ([]partGeom, error) {
	lab := make([]int32, len(facePart))
	ids := make([]int32, len(facePart))
	for i, p := range facePart {
		lab[i], ids[i] = int32(p), faces[i].id
	}
	if _, err := tx.Exec(ctx, `UPDATE sg_face f SET part = u.p FROM unnest($1::int[], $2::int[]) AS u(i, p) WHERE f.i = u.i`, ids, lab); err != nil {
		return nil, fmt.Errorf("label faces: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlPartTables+`;
		INSERT INTO sg_part0 SELECT part, ST_Union(geom) FROM sg_face GROUP BY part`); err != nil {
		return nil, fmt.Errorf("union parts: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlSmooth, geomArg(borders)); err != nil {
		return nil, fmt.Errorf("smooth borders: %w", err)
	}
	return measureParts(ctx, tx, parts)
}

// geomArg is lines as a query argument (NULL when empty).
func geomArg(lines orb.MultiLineString) any {
	if len(lines) == 0 {
		return nil
	}
	return store.Geom(lines)
}

// measureParts makes each part of sg_face2 one piece (sqlPieces) and
// returns the parts' geometry and measures.
func measureParts(ctx context.Context, tx pgx.Tx, parts int) ([]partGeom, error) {
	if _, err := tx.Exec(ctx, sqlPieces); err != nil {
		return nil, fmt.Errorf("smooth borders: %w", err)
	}
	rows, err := tx.Query(ctx, sqlParts)
	if err != nil {
		return nil, fmt.Errorf("union parts: %w", err)
	}
	out := make([]partGeom, parts)
	for rows.Next() {
		var p int32
		var g partGeom
		if err := rows.Scan(&p, store.ScanMultiPolygon(&g.geom), &g.areaM2, &g.perimeter); err != nil {
			rows.Close()
			return nil, fmt.Errorf("union parts: %w", err)
		}
		if int(p) >= 0 && int(p) < parts {
			out[p] = g
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("union parts: %w", err)
	}
	return out, nil
}
