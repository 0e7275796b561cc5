package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// How the demo cuts a level: the cutting lines of each region (Voronoi
// edges of its seeds) are clipped to the region grown by 1e-6 degrees, so
// they surely cross its boundary and get noded with it; the few crumbs they
// leave beyond it are dangles (which polygonize drops) or tiny faces that
// go to the neighbour's own children. Clipping to the exact region would
// leave line ends a rounding error short of the boundary: an unclosed cut.

// The partition works on four temporary tables the level prepares:
//
//	demo_region (code, geom)       the parents being cut
//	demo_seed   (code, region, pt) one seed per child, inside its parent
//	demo_extra  (code, g)          more cutting lines (sub-grids, the zone)
//
// and leaves demo_piece (id, geom, pt, region, code): every face of the
// noded linework, given to the region holding its point on surface and to
// the nearest seed of that region.
const (
	sqlLevelTables = `
		DROP TABLE IF EXISTS demo_region, demo_seed, demo_extra, demo_face, demo_piece;
		CREATE TEMP TABLE demo_region (code text PRIMARY KEY, geom geometry NOT NULL) ON COMMIT DROP;
		CREATE TEMP TABLE demo_seed (code text PRIMARY KEY, region text NOT NULL, pt geometry NOT NULL) ON COMMIT DROP;
		CREATE TEMP TABLE demo_extra (code text NOT NULL, g geometry NOT NULL) ON COMMIT DROP;
		CREATE TEMP TABLE demo_face (id integer PRIMARY KEY, geom geometry NOT NULL, pt geometry NOT NULL) ON COMMIT DROP;
		CREATE TEMP TABLE demo_piece (id integer PRIMARY KEY, geom geometry NOT NULL, pt geometry NOT NULL,
			region text NOT NULL, code text NOT NULL, sub text) ON COMMIT DROP`

	// One linework for the whole level: every region boundary, every
	// cutting line; ST_Union nodes it once, ST_Polygonize makes the faces.
	sqlFaces = `
		INSERT INTO demo_face (id, geom, pt)
		WITH seeds AS (
			SELECT region, ST_Collect(pt ORDER BY code) AS pts, count(*) AS n
			FROM demo_seed GROUP BY region
		), cut AS (
			SELECT r.code, ST_CollectionExtract(ST_Intersection(
				ST_VoronoiLines(s.pts, 0, r.geom), ST_Buffer(r.geom, 1e-6)), 2) AS g
			FROM demo_region r JOIN seeds s ON s.region = r.code
			WHERE s.n > 1
		), lines AS (
			SELECT 0 AS k, code, ST_Boundary(geom) AS g FROM demo_region
			UNION ALL SELECT 1, code, g FROM cut
			UNION ALL SELECT 2, code, g FROM demo_extra
		), noded AS (
			SELECT ST_Union(g ORDER BY k, code) AS g FROM lines WHERE NOT ST_IsEmpty(g)
		), faces AS (
			SELECT ST_Dump(ST_Polygonize(g)) AS f FROM noded
		)
		SELECT (f).path[1], (f).geom, ST_PointOnSurface((f).geom) FROM faces`

	sqlPieces = `
		INSERT INTO demo_piece (id, geom, pt, region, code)
		SELECT f.id, f.geom, f.pt, r.code, s.code
		FROM demo_face f
		CROSS JOIN LATERAL (SELECT code FROM demo_region
			WHERE ST_Intersects(geom, f.pt) ORDER BY code LIMIT 1) r
		CROSS JOIN LATERAL (SELECT code FROM demo_seed
			WHERE region = r.code ORDER BY pt <-> f.pt, code LIMIT 1) s`

	// Seeds of the children of every region, from the plan: ST_GeneratePoints
	// with the parent's own seed, the i-th point to the i-th child by code.
	// When a parent has both urban and rural children, the urban ones'
	// seeds are drawn in a disc round the parent's centre (its own seed,
	// kept in demo_core) big enough for $2 square degrees each, so they get
	// small cells in the middle and the rural ones the rest.
	sqlAreaSeeds = `
		INSERT INTO demo_seed (code, region, pt)
		SELECT k.codes[d.path[1]], r.code, d.geom
		FROM demo_region r
		JOIN demo_area a ON a.code = r.code
		JOIN (SELECT parent, urban, array_agg(code ORDER BY code) AS codes
		      FROM demo_area WHERE level = $1 GROUP BY parent, urban) k ON k.parent = r.code
		JOIN (SELECT parent, count(DISTINCT urban) AS kinds
		      FROM demo_area WHERE level = $1 GROUP BY parent) m ON m.parent = r.code
		LEFT JOIN demo_core c ON c.code = r.code
		CROSS JOIN LATERAL (SELECT CASE WHEN k.urban AND m.kinds = 2 AND c.pt IS NOT NULL
			THEN ST_CollectionExtract(ST_Intersection(r.geom,
				ST_Buffer(c.pt, sqrt(cardinality(k.codes) * $2 / pi()), 'quad_segs=8')), 3)
			END AS core) z
		CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
			CASE WHEN z.core IS NULL OR ST_IsEmpty(z.core) THEN r.geom ELSE z.core END,
			cardinality(k.codes), CASE WHEN k.urban THEN a.cseed / 2 + 1 ELSE a.cseed END)) d`

	// The children's seeds are the centres of their own children.
	sqlKeepCores = `
		INSERT INTO demo_core (code, pt) SELECT code, pt FROM demo_seed
		ON CONFLICT (code) DO UPDATE SET pt = EXCLUDED.pt`
)

// urbanCell is the area (square degrees) an urban child takes in its
// parent's centre: a street ≈30 km², an urban community ≈1 km².
var urbanCell = map[geo.Level]float64{geo.LevelTown: 0.003, geo.LevelVillage: 0.0001}

// partition cuts the prepared level into demo_piece.
func (d *demoRun) partition(ctx context.Context) error {
	return d.exec(ctx,
		"CREATE INDEX ON demo_region USING gist (geom)",
		"CREATE INDEX IF NOT EXISTS demo_seed_region_idx ON demo_seed (region)",
		"ANALYZE demo_region", "ANALYZE demo_seed", "ANALYZE demo_extra",
		sqlFaces,
		"ANALYZE demo_face",
		sqlPieces,
		"ANALYZE demo_piece",
	)
}

// keepChildren replaces each child by the union of its pieces in
// demo_geom, and returns how many children it has.
func (d *demoRun) keepChildren(ctx context.Context, level geo.Level) (int, error) {
	tag, err := d.tx.Exec(ctx, `
		INSERT INTO demo_geom (code, geom)
		SELECT p.code, ST_Multi(ST_Union(p.geom ORDER BY p.id))
		FROM demo_piece p JOIN demo_area a ON a.code = p.code AND a.level = $1
		GROUP BY p.code`, level.String())
	if err != nil {
		return 0, fmt.Errorf("union %s pieces: %w", level, err)
	}
	n := int(tag.RowsAffected())
	var want int
	if err := d.tx.QueryRow(ctx, "SELECT count(*) FROM demo_area WHERE level = $1", level.String()).Scan(&want); err != nil {
		return 0, err
	}
	if n != want {
		return 0, fmt.Errorf("%d of %d %ss got an area (a seed outside its parent?)", n, want, level)
	}
	return n, nil
}

// counties makes the county outlines: Voronoi cells of the (jittered)
// county seats inside the city outline, or the given real outlines; the
// development zone is carved out of its host as a disc.
func (d *demoRun) counties(ctx context.Context) error {
	if err := d.exec(ctx, sqlLevelTables); err != nil {
		return err
	}
	zoneOutline := false
	if d.opts.Counties != nil {
		if err := d.realCounties(ctx); err != nil {
			return err
		}
		_, zoneOutline = d.opts.Counties[zoneCode]
	} else if err := d.syntheticCounties(ctx); err != nil {
		return err
	}
	if !zoneOutline {
		// The disc's centre must be inside the host (real outlines may not
		// have it there): otherwise the host's point on surface.
		if _, err := d.tx.Exec(ctx, `
			INSERT INTO demo_extra (code, g)
			SELECT $1, ST_ExteriorRing(ST_Buffer(c, $4, 'quad_segs=8'))
			FROM (SELECT CASE WHEN ST_Intersects(r.geom, p) THEN p ELSE ST_PointOnSurface(r.geom) END AS c
			      FROM demo_region r, ST_SetSRID(ST_MakePoint($2, $3), 4326) p
			      WHERE r.code = $5 OR (r.code = $6 AND NOT EXISTS (SELECT 1 FROM demo_region WHERE code = $5))
			      ORDER BY r.code DESC LIMIT 1) z`,
			string(zoneCode), zoneCentre[0], zoneCentre[1], zoneRadius, string(zoneHost), "320900000000"); err != nil {
			return fmt.Errorf("zone disc: %w", err)
		}
	}
	if err := d.partition(ctx); err != nil {
		return err
	}
	if !zoneOutline {
		// Pieces of the host inside the disc go to the zone.
		if _, err := d.tx.Exec(ctx, `
			UPDATE demo_piece p SET code = $1
			FROM demo_extra e
			WHERE e.code = $1 AND p.code = $2 AND ST_Intersects(ST_MakePolygon(e.g), p.pt)`,
			string(zoneCode), string(zoneHost)); err != nil {
			return fmt.Errorf("carve zone: %w", err)
		}
	}
	if err := d.exec(ctx, sqlKeepCores); err != nil {
		return err
	}
	n, err := d.keepChildren(ctx, geo.LevelCounty)
	if err != nil {
		return err
	}
	d.stats.Counties = n
	d.progress("counties", n, n)
	return nil
}

// syntheticCounties prepares the city outline as the one region and the
// county seats, moved a little by the seed, as its seeds.
func (d *demoRun) syntheticCounties(ctx context.Context) error {
	if _, err := d.tx.Exec(ctx, "INSERT INTO demo_region (code, geom) VALUES ('320900000000', $1)",
		store.Geom(orb.Polygon{yanchengOutline})); err != nil {
		return fmt.Errorf("city outline: %w", err)
	}
	codes := make([]string, 0, len(countySeats))
	for c := range countySeats {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	rng := rand.New(rand.NewPCG(uint64(d.opts.Seed), 0x5eed5))
	xs, ys := make([]float64, len(codes)), make([]float64, len(codes))
	for i, c := range codes {
		p := countySeats[geo.Code(c)]
		xs[i] = p[0] + seatJitter*(2*rng.Float64()-1)
		ys[i] = p[1] + seatJitter*(2*rng.Float64()-1)
	}
	if _, err := d.tx.Exec(ctx, `
		INSERT INTO demo_seed (code, region, pt)
		SELECT c, '320900000000', ST_SetSRID(ST_MakePoint(x, y), 4326)
		FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(c, x, y)`, codes, xs, ys); err != nil {
		return fmt.Errorf("county seats: %w", err)
	}
	return nil
}

// realCounties prepares the given outlines, each its own region with one
// seed, repairing invalid ones.
func (d *demoRun) realCounties(ctx context.Context) error {
	known := map[geo.Code]string{}
	for _, a := range d.plan.areas {
		if a.level == geo.LevelCounty {
			known[a.code] = a.name
		}
	}
	codes := make([]string, 0, len(d.opts.Counties))
	for c := range d.opts.Counties {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	for _, c := range codes {
		code := geo.Code(c)
		if code.Level() != geo.LevelCounty || code.Parent() != "320900000000" {
			return fmt.Errorf("county outline %s: not a county code of Yancheng (3209xx)", c)
		}
		mp := d.opts.Counties[code]
		if len(mp) == 0 {
			return fmt.Errorf("county outline %s is empty", c)
		}
		var valid bool
		var reason string
		if err := d.tx.QueryRow(ctx, `
			WITH g AS (SELECT ST_SetSRID($2::geometry, 4326) AS g)
			INSERT INTO demo_region (code, geom)
			SELECT $1, CASE WHEN ST_IsValid(g) THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END FROM g
			RETURNING (SELECT ST_IsValid(g) FROM g), (SELECT ST_IsValidReason(g) FROM g)`,
			c, store.Geom(mp)).Scan(&valid, &reason); err != nil {
			return fmt.Errorf("county outline %s: %w", c, err)
		}
		if !valid {
			msg := fmt.Sprintf("%s %s: %s (repaired with ST_MakeValid)", code.Short(), known[code], reason)
			d.stats.Repaired = append(d.stats.Repaired, msg)
			d.log.Warn("demo: invalid county outline repaired", "county", code.Short(), "reason", reason)
		}
		// The seed is the county's centre for its towns: the seat when it
		// lies inside the outline.
		seat, ok := countySeats[code]
		if !ok {
			seat = zoneCentre
		}
		if _, err := d.tx.Exec(ctx, `INSERT INTO demo_seed (code, region, pt)
			SELECT code, code, CASE WHEN ST_Intersects(geom, p) THEN p ELSE ST_PointOnSurface(geom) END
			FROM demo_region, ST_SetSRID(ST_MakePoint($2, $3), 4326) p WHERE code = $1`, c, seat[0], seat[1]); err != nil {
			return fmt.Errorf("county outline %s: %w", c, err)
		}
	}
	needed := []geo.Code{}
	for code := range known {
		if code == zoneCode {
			needed = append(needed, zoneHost) // carved from its host
			continue
		}
		needed = append(needed, code)
	}
	for _, code := range needed {
		if _, ok := d.opts.Counties[code]; !ok {
			return fmt.Errorf("the county outlines have no %s %s; give every county (320971 may be left out: it is carved from 320902)", code.Short(), known[code])
		}
	}
	return nil
}

// towns and villages cut their parents among their children's seeds.
func (d *demoRun) towns(ctx context.Context) error {
	n, err := d.areaLevel(ctx, geo.LevelCounty, geo.LevelTown)
	d.stats.Towns = n
	d.progress("towns", n, n)
	return err
}

func (d *demoRun) villages(ctx context.Context) error {
	n, err := d.areaLevel(ctx, geo.LevelTown, geo.LevelVillage)
	d.stats.Villages = n
	d.progress("villages", n, n)
	return err
}

func (d *demoRun) areaLevel(ctx context.Context, parent, child geo.Level) (int, error) {
	if err := d.exec(ctx, sqlLevelTables); err != nil {
		return 0, err
	}
	if _, err := d.tx.Exec(ctx, `INSERT INTO demo_region (code, geom)
		SELECT g.code, g.geom FROM demo_geom g JOIN demo_area a USING (code) WHERE a.level = $1`,
		parent.String()); err != nil {
		return 0, fmt.Errorf("%s regions: %w", parent, err)
	}
	if _, err := d.tx.Exec(ctx, sqlAreaSeeds, child.String(), urbanCell[child]); err != nil {
		return 0, fmt.Errorf("%s seeds: %w", child, err)
	}
	if err := d.partition(ctx); err != nil {
		return 0, err
	}
	if err := d.exec(ctx, sqlKeepCores); err != nil {
		return 0, err
	}
	return d.keepChildren(ctx, child)
}

// grids cuts the villages into grids and, in the same linework, the
// exclusive grids into their sub-grids: cutting them afterwards would add
// vertices to the exclusive grid's edges that its neighbours lack.
func (d *demoRun) grids(ctx context.Context) error {
	if err := d.exec(ctx, sqlLevelTables); err != nil {
		return err
	}
	if err := d.exec(ctx, `
		INSERT INTO demo_region (code, geom)
		SELECT g.code, g.geom FROM demo_geom g JOIN demo_area a USING (code) WHERE a.level = 'village'`,
		// An exclusive grid is a compact block (a park, a campus, a
		// compound): a rectangle of ≈600 × 420 m at most, turned at random,
		// round a point far enough inside the village for the whole
		// rectangle to fit; in a narrow village the rectangle shrinks until
		// it fits. Its cell is the rectangle within the village.
		`CREATE TEMP TABLE demo_cell ON COMMIT DROP AS
		SELECT g.code, g.village, ST_Rotate(ST_Expand(c.pt, z.h, z.h * 0.7), k.angle, c.pt) AS rect
		FROM demo_grid g
		JOIN demo_region r ON r.code = g.village
		CROSS JOIN LATERAL (SELECT least(0.003, sqrt(ST_Area(r.geom)) / 6) AS h,
		                           (g.cseed % 180) * pi() / 180 AS angle) k
		CROSS JOIN LATERAL (SELECT ST_Buffer(r.geom, -1.25 * k.h) AS big,
		                           ST_Buffer(r.geom, -1.25 * k.h / 3) AS small) b
		CROSS JOIN LATERAL (SELECT
			CASE WHEN NOT ST_IsEmpty(b.big) THEN k.h WHEN NOT ST_IsEmpty(b.small) THEN k.h / 3 ELSE k.h / 10 END AS h,
			CASE WHEN NOT ST_IsEmpty(b.big) THEN b.big WHEN NOT ST_IsEmpty(b.small) THEN b.small ELSE r.geom END AS room) z
		CROSS JOIN LATERAL (SELECT (ST_Dump(ST_GeneratePoints(z.room, 1, g.cseed))).geom AS pt) c
		WHERE g.kind = 'exclusive' AND g.parent_grid IS NULL`,
		"ALTER TABLE demo_cell ADD geom geometry",
		"UPDATE demo_cell c SET geom = ST_CollectionExtract(ST_Intersection(r.geom, c.rect), 3) FROM demo_region r WHERE r.code = c.village",
		// Comprehensive grids' seeds keep out of the rectangle, so each
		// keeps a cell of its own.
		`INSERT INTO demo_seed (code, region, pt)
		SELECT k.codes[d.path[1]], r.code, d.geom
		FROM demo_region r
		JOIN demo_area a ON a.code = r.code
		JOIN (SELECT village, array_agg(code ORDER BY code) AS codes
		      FROM demo_grid WHERE parent_grid IS NULL AND kind <> 'exclusive' GROUP BY village) k ON k.village = r.code
		LEFT JOIN demo_cell c ON c.village = r.code
		CROSS JOIN LATERAL (SELECT CASE WHEN c.rect IS NOT NULL
			THEN ST_Difference(r.geom, ST_Buffer(c.rect, 1e-5, 'join=mitre')) END AS rest) z
		CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
			CASE WHEN z.rest IS NULL OR ST_IsEmpty(z.rest) THEN r.geom ELSE z.rest END,
			cardinality(k.codes), a.cseed)) d`,
		"CREATE INDEX IF NOT EXISTS demo_seed_region_idx ON demo_seed (region)",
		"ANALYZE demo_seed",
		// Sub-grid seeds keep 1 m off the cell's edge.
		`CREATE TEMP TABLE demo_subseed ON COMMIT DROP AS
		SELECT k.codes[d.path[1]] AS code, c.code AS region, d.geom AS pt
		FROM demo_cell c
		JOIN demo_grid g ON g.code = c.code
		JOIN (SELECT parent_grid, array_agg(code ORDER BY code) AS codes
		      FROM demo_grid WHERE parent_grid IS NOT NULL GROUP BY parent_grid) k ON k.parent_grid = c.code
		CROSS JOIN LATERAL (SELECT ST_Buffer(c.geom, -1e-5) AS inner) b
		CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
			CASE WHEN ST_IsEmpty(b.inner) THEN c.geom ELSE b.inner END, cardinality(k.codes), g.cseed)) d`,
		"CREATE INDEX ON demo_subseed (region)",
		"ANALYZE demo_subseed",
		// The rectangle's outline and the sub-grids' cuts join the level's
		// linework, clipped like every cut.
		`INSERT INTO demo_extra (code, g)
		SELECT c.code, ST_CollectionExtract(ST_Intersection(ST_ExteriorRing(c.rect), ST_Buffer(r.geom, 1e-6)), 2)
		FROM demo_cell c JOIN demo_region r ON r.code = c.village
		UNION ALL
		SELECT c.code, ST_CollectionExtract(ST_Intersection(
			ST_VoronoiLines(s.pts, 0, c.geom), ST_Buffer(c.geom, 1e-6)), 2)
		FROM demo_cell c
		JOIN (SELECT region, ST_Collect(pt ORDER BY code) AS pts, count(*) AS n FROM demo_subseed GROUP BY region) s
		  ON s.region = c.code
		WHERE s.n > 1`,
	); err != nil {
		return err
	}
	if err := d.partition(ctx); err != nil {
		return err
	}
	if err := d.exec(ctx, `
		UPDATE demo_piece p SET code = c.code
		FROM demo_cell c WHERE c.village = p.region AND ST_Intersects(c.rect, p.pt)`, `
		UPDATE demo_piece p SET sub = (SELECT s.code FROM demo_subseed s
			WHERE s.region = p.code ORDER BY s.pt <-> p.pt, s.code LIMIT 1)
		WHERE p.code IN (SELECT region FROM demo_subseed)`, `
		CREATE TEMP TABLE demo_gridgeom ON COMMIT DROP AS
		SELECT code, ST_Multi(ST_Union(geom ORDER BY id)) AS geom FROM demo_piece GROUP BY code
		UNION ALL
		SELECT sub, ST_Multi(ST_Union(geom ORDER BY id)) FROM demo_piece WHERE sub IS NOT NULL GROUP BY sub`,
		"ALTER TABLE demo_gridgeom ADD PRIMARY KEY (code)",
		"ANALYZE demo_gridgeom",
	); err != nil {
		return err
	}
	var grids, excl, subs, want int
	if err := d.tx.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE length(gg.code) = 15),
		       count(*) FILTER (WHERE length(gg.code) = 15 AND g.kind = 'exclusive'),
		       count(*) FILTER (WHERE length(gg.code) = 17),
		       (SELECT count(*) FROM demo_grid)
		FROM demo_gridgeom gg JOIN demo_grid g USING (code)`).Scan(&grids, &excl, &subs, &want); err != nil {
		return err
	}
	if grids+subs != want {
		return fmt.Errorf("%d of %d grids and sub-grids got an area", grids+subs, want)
	}
	d.stats.Grids, d.stats.Exclusive, d.stats.SubGrids = grids, excl, subs
	d.progress("grids", grids, grids)
	d.progress("sub-grids", subs, subs)
	return nil
}

// writeAreas replaces every area by the union of its children, from the
// villages (unions of their grids) up to the city, so each level carries
// the vertices its children added, and writes the area rows.
func (d *demoRun) writeAreas(ctx context.Context) error {
	if err := d.exec(ctx, `
		CREATE TEMP TABLE demo_final (code text PRIMARY KEY, geom geometry NOT NULL) ON COMMIT DROP`, `
		INSERT INTO demo_final (code, geom)
		SELECT g.village, ST_Multi(ST_Union(gg.geom ORDER BY g.code))
		FROM demo_gridgeom gg JOIN demo_grid g USING (code)
		WHERE g.parent_grid IS NULL GROUP BY g.village`,
	); err != nil {
		return err
	}
	for _, lvl := range []geo.Level{geo.LevelTown, geo.LevelCounty, geo.LevelCity} {
		if _, err := d.tx.Exec(ctx, `
			INSERT INTO demo_final (code, geom)
			SELECT a.parent, ST_Multi(ST_Union(f.geom ORDER BY f.code))
			FROM demo_final f JOIN demo_area a USING (code)
			WHERE a.level = $1 GROUP BY a.parent`, (lvl + 1).String()); err != nil {
			return fmt.Errorf("%s outlines: %w", lvl, err)
		}
	}
	for _, lvl := range []geo.Level{geo.LevelCity, geo.LevelCounty, geo.LevelTown, geo.LevelVillage} {
		if _, err := d.tx.Exec(ctx, `
			INSERT INTO area (code, level, name, parent, geom)
			SELECT a.code, a.level, a.name, a.parent, f.geom
			FROM demo_area a JOIN demo_final f USING (code)
			WHERE a.level = $1 ORDER BY a.code`, lvl.String()); err != nil {
			return fmt.Errorf("write %s areas: %w", lvl, err)
		}
	}
	n := len(d.plan.areas)
	d.progress("areas", n, n)
	return nil
}

// writeGrids writes the grid rows, 15-digit grids before their sub-grids.
func (d *demoRun) writeGrids(ctx context.Context) error {
	for _, l := range []int{15, 17} {
		if _, err := d.tx.Exec(ctx, `
			INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			SELECT g.code, g.kind, g.village, g.parent_grid, g.name, gg.geom, tstzrange($1, NULL)
			FROM demo_grid g JOIN demo_gridgeom gg USING (code)
			WHERE length(g.code) = $2 ORDER BY g.code`, d.opts.ValidFrom, l); err != nil {
			return fmt.Errorf("write grids: %w", err)
		}
	}
	n := len(d.plan.grids)
	d.progress("grid rows", n, n)
	return nil
}
