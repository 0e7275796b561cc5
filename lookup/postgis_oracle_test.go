package lookup_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store/storetest"
)

// oracleFixture builds a small realistic partition in PostGIS itself, so
// neighbours share vertices exactly as PostGIS computes them:
//
//   - village 320902001001: ≈150 Voronoi cells of random points clipped to
//     a 0.06°×0.04° box by noding their linework with the box and
//     polygonizing; every 11th cell is a gap (no grid); one grid has a hole
//     filled by an island grid, one an empty hole, one is a multipolygon of
//     two cells apart, one is exclusive with two sub-grids (ST_Split);
//   - village 320902001002: a 0.4°×0.3° box cut by long straight lines
//     into big polygons with edges tens of kilometres long, where
//     PostGIS's float point-in-polygon test differs from exact geometry
//     for some points next to an edge;
//   - town, county and city envelopes around them.
const oracleFixture = `
CREATE TEMP TABLE cell AS
WITH b AS (SELECT ST_MakeEnvelope(120, 33, 120.06, 33.04, 4326) AS g),
v AS (SELECT (ST_Dump(ST_VoronoiPolygons(ST_GeneratePoints(b.g, 150, 7)))).geom AS g FROM b),
lines AS (SELECT ST_Union(ST_Boundary(g)) AS g FROM (SELECT g FROM v UNION ALL SELECT g FROM b) x),
polys AS (SELECT (ST_Dump(ST_Polygonize(g))).geom AS g FROM lines)
SELECT row_number() OVER (ORDER BY md5(ST_AsText(ST_PointOnSurface(p.g)))) AS k, ST_SetSRID(p.g, 4326) AS g
FROM polys p, b WHERE ST_Within(ST_PointOnSurface(p.g), b.g);

CREATE TEMP TABLE big AS
WITH b AS (SELECT ST_MakeEnvelope(120.1, 33, 120.5, 33.3, 4326) AS g),
l AS (SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint(x1, y1), 4326), ST_SetSRID(ST_MakePoint(x2, y2), 4326)) AS g
      FROM (VALUES (120.1, 33.0137, 120.5, 33.2861), (120.1731, 33.0, 120.4177, 33.3),
                   (120.1, 33.2213, 120.5, 33.0419), (120.3119, 33.0, 120.2447, 33.3)) AS t(x1, y1, x2, y2)),
lines AS (SELECT ST_Union(g) AS g FROM (SELECT g FROM l UNION ALL SELECT ST_Boundary(g) FROM b) x),
polys AS (SELECT (ST_Dump(ST_Polygonize(g))).geom AS g FROM lines)
SELECT row_number() OVER (ORDER BY md5(ST_AsText(ST_PointOnSurface(p.g)))) AS k, ST_SetSRID(p.g, 4326) AS g
FROM polys p, b WHERE ST_Within(ST_PointOnSurface(p.g), b.g);

INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', 'City', NULL, ST_Multi(ST_MakeEnvelope(119.8, 32.8, 120.7, 33.5, 4326))),
 ('320902000000', 'county', 'County', '320900000000', ST_Multi(ST_MakeEnvelope(119.9, 32.9, 120.6, 33.4, 4326))),
 ('320902001000', 'town', 'Town', '320902000000', ST_Multi(ST_MakeEnvelope(119.95, 32.95, 120.55, 33.35, 4326))),
 ('320902001001', 'village', 'Voronoi', '320902001000', ST_Multi(ST_MakeEnvelope(120, 33, 120.06, 33.04, 4326))),
 ('320902001002', 'village', 'Long edges', '320902001000', ST_Multi(ST_MakeEnvelope(120.1, 33, 120.5, 33.3, 4326)));

-- Island in cell 3, empty hole in cell 4: rings scaled about the centroid
-- of a convex cell lie strictly inside it.
CREATE TEMP TABLE inner_ring AS
SELECT k, ST_Translate(ST_Scale(ST_Translate(g, -ST_X(c), -ST_Y(c)), 0.3, 0.3), ST_X(c), ST_Y(c)) AS g
FROM (SELECT k, g, ST_Centroid(g) AS c FROM cell WHERE k IN (3, 4)) x;

CREATE TEMP TABLE partner AS
SELECT min(c.k) AS k FROM cell c, cell six WHERE six.k = 6 AND c.k > 6 AND c.k % 11 <> 5 AND NOT ST_Intersects(c.g, six.g);

INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001001' || lpad(c.k::text, 3, '0'), CASE WHEN c.k = 8 THEN 'exclusive' ELSE 'urban' END, '320902001001', 'G' || c.k,
       ST_Multi(CASE
         WHEN c.k IN (3, 4) THEN ST_MakePolygon(ST_ExteriorRing(c.g), ARRAY[(SELECT ST_ExteriorRing(i.g) FROM inner_ring i WHERE i.k = c.k)])
         WHEN c.k = 6 THEN ST_Collect(c.g, (SELECT g FROM cell WHERE k = (SELECT k FROM partner)))
         ELSE c.g END),
       tstzrange(now() - interval '1 day', NULL)
FROM cell c WHERE c.k % 11 <> 5 AND c.k <> (SELECT k FROM partner);

INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001001900', 'urban', '320902001001', 'Island', ST_Multi(g), tstzrange(now() - interval '1 day', NULL)
FROM inner_ring WHERE k = 3;

INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
SELECT '320902001001008' || lpad(n::text, 2, '0'), 'exclusive', '320902001001', '320902001001008', 'Sub ' || n,
       ST_Multi(part), tstzrange(now() - interval '1 hour', NULL)
FROM (SELECT row_number() OVER (ORDER BY ST_X(ST_Centroid(d.geom))) AS n, d.geom AS part
      FROM cell c, ST_Dump(ST_Split(c.g, ST_MakeLine(
           ST_Translate(ST_Centroid(c.g), -0.01, -0.003), ST_Translate(ST_Centroid(c.g), 0.01, 0.004)))) d
      WHERE c.k = 8) s;

INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001002' || lpad(k::text, 3, '0'), 'rural', '320902001002', 'B' || k, ST_Multi(g),
       tstzrange(now() - interval '1 day', NULL)
FROM big;
`

// oracleQuery answers every point by the rule, in PostGIS.
const oracleQuery = `
SELECT p.i, coalesce(g.code, ''), coalesce(s.code, ''),
       coalesce((SELECT a.code FROM area a WHERE g.code IS NULL AND ST_Covers(a.geom, p.pt)
                 ORDER BY CASE a.level WHEN 'village' THEN 0 WHEN 'town' THEN 1 WHEN 'county' THEN 2 ELSE 3 END, a.code
                 LIMIT 1), '')
FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt
      FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, i)) p
LEFT JOIN LATERAL (SELECT code FROM grid_current WHERE length(code) = 15 AND ST_Covers(geom, p.pt)
                   ORDER BY code LIMIT 1) g ON true
LEFT JOIN LATERAL (SELECT code FROM grid_current WHERE parent_grid = g.code AND ST_Covers(geom, p.pt)
                   ORDER BY code LIMIT 1) s ON true
ORDER BY p.i`

// TestLookupMatchesPostGIS builds the index from a snapshot loaded from
// PostGIS and compares it with the PostGIS rule on more than 20k points:
// random ones, every vertex, points computed on edges and one ulp off them
// in each direction, points where PostGIS's float test and exact geometry
// disagree, and points outside the city. Zero disagreements allowed.
func TestLookupMatchesPostGIS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := st.Pool().Exec(ctx, oracleFixture); err != nil {
		t.Fatalf("oracle fixture: %v", err)
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatalf("load snapshot: %v", err)
	}
	var withHole, multi, subs int
	for _, g := range snap.Grids {
		if g.ParentGrid != "" {
			subs++
		}
		if len(g.Geom) > 1 {
			multi++
		}
		if len(g.Geom) == 1 && len(g.Geom[0]) > 1 {
			withHole++
		}
	}
	if len(snap.Grids) < 100 || withHole != 2 || multi != 1 || subs != 2 {
		t.Fatalf("fixture: %d grids, %d with a hole, %d multipolygons, %d sub-grids; want ≥100, 2, 1, 2",
			len(snap.Grids), withHole, multi, subs)
	}
	ix := geo.NewIndex(snap, geo.IndexOptions{})

	pts, hard := oraclePoints(snap)
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
	}
	rows, err := st.Pool().Query(ctx, oracleQuery, xs, ys)
	if err != nil {
		t.Fatalf("oracle query: %v", err)
	}
	defer rows.Close()
	out := make([]geo.Hit, len(pts))
	ix.LookupBatch(pts, out)
	code := func(i int32, grid bool) string {
		switch {
		case i < 0:
			return ""
		case grid:
			return string(snap.Grids[i].Code)
		}
		return string(snap.Areas[i].Code)
	}
	n, bad, gridHits, onEdge := 0, 0, 0, 0
	for rows.Next() {
		var i int
		var pg, psub, parea string
		if err := rows.Scan(&i, &pg, &psub, &parea); err != nil {
			t.Fatalf("oracle row: %v", err)
		}
		p := pts[i-1]
		h := ix.Lookup(p)
		g, sg, a := code(h.Grid, true), code(h.SubGrid, true), code(h.Area, false)
		if pg != "" {
			gridHits++
			parea = pg[:12] // with a grid, the answer's area is its village
		}
		if out[i-1] != h || g != pg || sg != psub || a != parea {
			bad++
			if bad <= 20 {
				t.Errorf("point %v (x=%b y=%b): index grid %q sub %q area %q (batch %+v), PostGIS grid %q sub %q area %q",
					p, math.Float64bits(p[0]), math.Float64bits(p[1]), g, sg, a, out[i-1], pg, psub, parea)
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("oracle rows: %v", err)
	}
	if n != len(pts) {
		t.Fatalf("PostGIS answered %d of %d points", n, len(pts))
	}
	for _, p := range pts {
		for _, g := range snap.Grids {
			if g.Geom.Bound().Contains(p) && exactOnBoundary(g.Geom, p) {
				onEdge++
				break
			}
		}
	}
	t.Logf("%d points (%d in a grid, %d exactly on a grid boundary, %d where PostGIS's float test and exact geometry differ), %d disagreements; index %+v",
		n, gridHits, onEdge, hard, bad, ix.Stats())
	if bad > 0 {
		t.Errorf("%d of %d points disagree with PostGIS", bad, n)
	}
	if hard == 0 {
		t.Errorf("no point where PostGIS's float test differs from exact geometry; the test lost its edge")
	}
}

// pgSide is PostGIS's determineSide in float64.
func pgSide(s1, s2, p orb.Point) float64 {
	return float64(float64((s2[0]-s1[0])*(p[1]-s1[1])) - float64((p[0]-s1[0])*(s2[1]-s1[1])))
}

// exactOnBoundary reports whether p lies exactly on an edge of mp.
func exactOnBoundary(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		for _, r := range poly {
			for k := 0; k+1 < len(r); k++ {
				a, b := r[k], r[k+1]
				if geo.Orient(a, b, p) == 0 && p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
					p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1]) {
					return true
				}
			}
		}
	}
	return false
}

// oraclePoints returns the probe points and how many of them were picked
// because PostGIS's float side test and the exact orientation disagree.
func oraclePoints(s *geo.Snapshot) ([]orb.Point, int) {
	rng := rand.New(rand.NewPCG(20, 26))
	var pts []orb.Point
	var segs [][2]orb.Point
	var long [][2]orb.Point
	for _, g := range s.Grids {
		for _, poly := range g.Geom {
			for _, r := range poly {
				for k := 0; k+1 < len(r); k++ {
					sg := [2]orb.Point{r[k], r[k+1]}
					segs = append(segs, sg)
					pts = append(pts, r[k])
					if math.Hypot(sg[1][0]-sg[0][0], sg[1][1]-sg[0][1]) > 0.05 {
						long = append(long, sg)
					}
				}
			}
		}
	}
	for range 6000 { // over the whole town and beyond
		pts = append(pts, orb.Point{119.9 + rng.Float64()*0.7, 32.9 + rng.Float64()*0.5})
	}
	for range 1500 { // the dense village
		pts = append(pts, orb.Point{119.998 + rng.Float64()*0.064, 32.998 + rng.Float64()*0.044})
	}
	for range 200 { // far outside
		pts = append(pts, orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90})
	}
	for range 3000 {
		sg := segs[rng.IntN(len(segs))]
		t := rng.Float64()
		if rng.IntN(4) == 0 {
			t = 0.5
		}
		p := orb.Point{sg[0][0] + t*(sg[1][0]-sg[0][0]), sg[0][1] + t*(sg[1][1]-sg[0][1])}
		pts = append(pts, p,
			orb.Point{math.Nextafter(p[0], math.Inf(1)), p[1]}, orb.Point{math.Nextafter(p[0], math.Inf(-1)), p[1]},
			orb.Point{p[0], math.Nextafter(p[1], math.Inf(1))}, orb.Point{p[0], math.Nextafter(p[1], math.Inf(-1))})
	}
	hard := 0
	for a := 0; a < 3_000_000 && hard < 150 && len(long) > 0; a++ {
		sg := long[rng.IntN(len(long))]
		t := rng.Float64()
		p := orb.Point{sg[0][0] + t*(sg[1][0]-sg[0][0]), sg[0][1] + t*(sg[1][1]-sg[0][1])}
		switch rng.IntN(3) {
		case 1:
			p[0] = math.Nextafter(p[0], math.Inf(1-2*rng.IntN(2)))
		case 2:
			p[1] = math.Nextafter(p[1], math.Inf(1-2*rng.IntN(2)))
		}
		sd := pgSide(sg[0], sg[1], p)
		fs := 0
		if sd > 0 {
			fs = 1
		} else if sd < 0 {
			fs = -1
		}
		if fs != geo.Orient(sg[0], sg[1], p) {
			pts = append(pts, p)
			hard++
		}
	}
	return pts, hard
}
