package tiles

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
	"gridmap/tiles/tilestest"
)

// validFrom is when the fixture's grids begin.
var validFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// insertFixture writes the fixture into a test database: areas, grids
// valid from validFrom, and for each grid its households (with open
// assignments, as the history needs), then bumps the dataset version.
func insertFixture(t *testing.T, st *store.Store, fx fixture) {
	t.Helper()
	ctx := context.Background()
	db := st.Pool()
	for _, a := range fx.Areas {
		parent := any(nil)
		if a.Level != "city" {
			parent = string(geo.MustParseCode(a.Code).Parent())
		}
		if _, err := db.Exec(ctx, `INSERT INTO area (code, level, name, parent, geom)
			VALUES ($1, $2, $3, $4, ST_Multi(ST_GeomFromText($5, 4326)))`, a.Code, a.Level, a.Name, parent, a.WKT); err != nil {
			t.Fatalf("insert area %s: %v", a.Code, err)
		}
	}
	for _, g := range fx.Grids {
		parent := any(nil)
		if g.Parent != "" {
			parent = g.Parent
		}
		if _, err := db.Exec(ctx, `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			VALUES ($1, $2, left($1, 12), $3, $4, ST_Multi(ST_GeomFromText($5, 4326)), tstzrange($6, NULL))`,
			g.Code, g.Kind, parent, g.Name, g.WKT, validFrom); err != nil {
			t.Fatalf("insert grid %s: %v", g.Code, err)
		}
		for i := 0; i < g.Households; i++ {
			if _, err := db.Exec(ctx, `WITH h AS (
				INSERT INTO household (address, geom, grid_code)
				SELECT $2, ST_PointOnSurface(geom), code FROM grid WHERE code = $1 RETURNING id, grid_code)
				INSERT INTO assignment (record_type, record_id, grid_code, valid)
				SELECT 'household', id, grid_code, tstzrange($3, NULL) FROM h`,
				g.Code, fmt.Sprintf("%s-%d", g.Code, i), validFrom); err != nil {
				t.Fatalf("insert household of %s: %v", g.Code, err)
			}
		}
	}
	if _, err := db.Exec(ctx, `SELECT bump_dataset_version('tiles fixture')`); err != nil {
		t.Fatal(err)
	}
}

// postgisFeature is one feature as ST_AsMVTGeom makes it.
type postgisFeature struct {
	layer, code, wkt string
	area, perim      float64
}

// postgisTile asks PostGIS for ST_AsMVTGeom of every current area and
// grid in tile z/x/y, the query shape of pg_tileserv and Martin.
func postgisTile(t *testing.T, st *store.Store, z, x, y int) map[string]postgisFeature {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `
		SELECT layer, code, ST_AsText(g), ST_Area(g), ST_Perimeter(g) FROM (
		  SELECT level AS layer, code, ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1::int, $2::int, $3::int), 4096, 64, true) AS g
		  FROM area WHERE level IN ('county', 'town', 'village')
		  UNION ALL
		  SELECT CASE length(code) WHEN 15 THEN 'grid' ELSE 'subgrid' END, code,
		         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1::int, $2::int, $3::int), 4096, 64, true)
		  FROM grid_current) f
		WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`, z, x, y)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]postgisFeature{}
	for rows.Next() {
		var f postgisFeature
		if err := rows.Scan(&f.layer, &f.code, &f.wkt, &f.area, &f.perim); err != nil {
			t.Fatal(err)
		}
		out[f.layer+"/"+f.code] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// featureWKT writes decoded polygons as two WKT multipolygons in tile
// units: the exterior rings, and the holes as polygons of their own. The
// test subtracts the second from the first in PostGIS rather than asking
// it to repair a polygon whose clipped hole runs along the clipped shell.
func featureWKT(f tilestest.DecodedFeature) (shells, holes string) {
	ring := func(r [][2]int32) string {
		parts := make([]string, 0, len(r)+1)
		for _, p := range append(r, r[0]) {
			parts = append(parts, fmt.Sprintf("%d %d", p[0], p[1]))
		}
		return "((" + strings.Join(parts, ",") + "))"
	}
	var sh, ho []string
	for _, poly := range f.Polygons {
		sh = append(sh, ring(poly[0]))
		for _, h := range poly[1:] {
			ho = append(ho, ring(h))
		}
	}
	shells = "MULTIPOLYGON(" + strings.Join(sh, ",") + ")"
	holes = "MULTIPOLYGON EMPTY"
	if len(ho) > 0 {
		holes = "MULTIPOLYGON(" + strings.Join(ho, ",") + ")"
	}
	return shells, holes
}

// TestRoundTripAgainstPostGIS renders the fixture from a snapshot loaded
// from PostGIS and compares each polygon feature with what ST_AsMVTGeom
// makes of the same row in the same tile.
//
// The measures, and why they are fair: both sides snap vertices to the
// integer grid (moving each by at most √2/2 units), and we also simplify
// with Douglas-Peucker at simplifyTolerance(z) units (1 from z13; 2-8 at
// lower zooms, where only areas are drawn), which keeps every dropped
// vertex within that distance of the simplified line. So no point of our
// boundary can be farther than tol+√2 from PostGIS's: that bounds the
// Hausdorff distance. The symmetric difference divided by the perimeter
// is the mean distance between the two boundaries; it must stay within
// max(1, tol/2) units. PostGIS also drops features that collapse below a
// unit, so a feature whose PostGIS area is under 4 square units may be
// missing on either side.
func TestRoundTripAgainstPostGIS(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	fx := loadFixture(t)
	insertFixture(t, st, fx)
	ctx := context.Background()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Grids) != len(fx.Grids) {
		t.Fatalf("snapshot has %d grids; want %d", len(snap.Grids), len(fx.Grids))
	}
	p := Prepare(snap)
	village := mustMP(t, fx.Areas[3].WKT).Bound()
	county := mustMP(t, fx.Areas[1].WKT).Bound()
	compared, worstMean, worstH := 0, 0.0, 0.0
	for _, z := range []int{6, 9, 10, 12, 13, 14, 15, 17} {
		b := county
		if z >= 13 {
			b = village
		}
		for i, tl := range tilesCovering(b, z) {
			if z == 17 && i%7 != 0 {
				continue // a sample: z17 has hundreds of tiles here
			}
			x, y := int(tl.X), int(tl.Y)
			data, err := p.Render(nil, z, x, y)
			if err != nil {
				t.Fatal(err)
			}
			ours := map[string]tilestest.DecodedFeature{}
			if len(data) > 0 {
				d := checkTile(t, data, z)
				for _, l := range d.Layers {
					if l.Name == LayerLabel {
						continue
					}
					for _, f := range l.Features {
						c, err := codeOfID(f.ID) // outlines at low zooms have no code property
						if err != nil {
							t.Fatal(err)
						}
						ours[l.Name+"/"+string(c)] = f
					}
				}
			}
			pg := postgisTile(t, st, z, x, y)
			for k, f := range pg {
				info, _ := LayerByName(f.layer)
				if z < info.MinZoom || z > info.MaxZoom {
					continue // not in our layer at this zoom, by design
				}
				o, ok := ours[k]
				if !ok {
					if f.area >= 4 {
						t.Errorf("%d/%d/%d: %s missing from our tile; PostGIS has area %.1f", z, x, y, k, f.area)
					}
					continue
				}
				var symdiff, hausdorff, ourArea float64
				shells, holes := featureWKT(o)
				if err := st.Pool().QueryRow(ctx, `
					WITH v AS (SELECT ST_CollectionExtract(ST_MakeValid(ST_GeomFromText(w), 'method=structure'), 3) AS g
					           FROM unnest(ARRAY[$1, $2]) WITH ORDINALITY u(w, i) ORDER BY i),
					     o AS (SELECT ST_Difference(ST_UnaryUnion(s.g), ST_UnaryUnion(h.g)) AS o
					           FROM (SELECT g FROM v LIMIT 1) s, (SELECT g FROM v OFFSET 1) h)
					SELECT ST_Area(ST_SymDifference(o, p)), ST_HausdorffDistance(o, p), ST_Area(o)
					FROM o, (SELECT ST_GeomFromText($3) AS p) q`,
					shells, holes, f.wkt).Scan(&symdiff, &hausdorff, &ourArea); err != nil {
					t.Fatalf("%s: compare: %v", k, err)
				}
				mean := symdiff / f.perim
				tol := 1.0
				if z <= precomputeMaxZoom {
					tol = simplifyTolerance(z)
				}
				maxMean, maxH := math.Max(1, tol/2), tol+math.Sqrt2
				worstMean, worstH = math.Max(worstMean, mean/maxMean), math.Max(worstH, hausdorff/maxH)
				compared++
				if mean > maxMean || hausdorff > maxH {
					t.Errorf("%d/%d/%d %s: mean boundary distance %.2f units (max %.1f), Hausdorff %.2f (max %.1f); areas ours %.0f PostGIS %.0f",
						z, x, y, k, mean, maxMean, hausdorff, maxH, ourArea, f.area)
				}
			}
			for k := range ours {
				if _, ok := pg[k]; !ok {
					t.Errorf("%d/%d/%d: %s in our tile but not in PostGIS's", z, x, y, k)
				}
			}
		}
	}
	if compared < 50 {
		t.Fatalf("compared only %d features; the sample is too small to mean anything", compared)
	}
	t.Logf("compared %d features: worst mean boundary distance %.2f of its limit, worst Hausdorff %.2f of its limit", compared, worstMean, worstH)
}

// TestFreshnessAndHistoryThroughPostGIS commits a change to a grid in
// PostGIS, loads the new snapshot and swaps it in as the service's holder
// does: the next request returns the new geometry under a new ETag, with
// no restart, and ?at= a time before the change still shows the old one.
// It also checks that the in-memory and the PostGIS renderers write the
// same properties.
func TestFreshnessAndHistoryThroughPostGIS(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	fx := loadFixture(t)
	insertFixture(t, st, fx)
	ctx := context.Background()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := newSwapSource(snap)
	srv := newTestServer(t, NewService(src, NewPostGIS(st), nil, Options{}))

	// Same properties from both renderers, for every feature in both:
	// lean grids (id and kind) at z11-12, everything from z13.
	for _, z := range []int{11, 12, 13, 14} {
		x, y := tileAt(120.125, 33.375, z)
		ours := get(t, fmt.Sprintf("%s/tiles/%d/%d/%d.mvt", srv.URL, z, x, y))
		theirs := get(t, fmt.Sprintf("%s/tiles/%d/%d/%d.mvt?at=%s", srv.URL, z, x, y, time.Now().UTC().Format(time.RFC3339)))
		if ours.status != 200 || theirs.status != 200 {
			t.Fatalf("z%d: status ours %d, PostGIS %d (%s)", z, ours.status, theirs.status, theirs.body)
		}
		od, pd := checkTile(t, ours.body, z), checkTile(t, theirs.body, z)
		both := 0
		for _, ol := range od.Layers {
			pl := pd.Layer(ol.Name)
			if pl == nil {
				t.Errorf("z%d: PostGIS tile has no %s layer", z, ol.Name)
				continue
			}
			byID := map[uint64]tilestest.DecodedFeature{}
			for _, f := range pl.Features {
				byID[f.ID] = f
			}
			for _, f := range ol.Features {
				pf, ok := byID[f.ID]
				if !ok {
					continue // a label near the edge may fall on either side
				}
				both++
				if info, _ := LayerByName(ol.Name); len(f.Props) != len(info.FieldsAt(z)) && ol.Name != LayerLabel {
					t.Errorf("z%d %s %d: properties %v; want %v", z, ol.Name, f.ID, f.Props, info.FieldsAt(z))
				}
				if fmt.Sprint(f.Props) != fmt.Sprint(pf.Props) || f.ID != pf.ID {
					t.Errorf("z%d %s: ours id %d %v; PostGIS id %d %v", z, ol.Name, f.ID, f.Props, pf.ID, pf.Props)
				}
			}
		}
		if both < 5 {
			t.Errorf("z%d: only %d features in both tiles", z, both)
		}
	}

	url := srv.URL + "/tiles/grid/" + islandTile() + ".mvt"
	before := get(t, url)
	areaBefore := featureArea(t, before.body, LayerGrid, "320902001001002")
	changed := time.Now().Add(-time.Minute).UTC()
	db := st.Pool()
	if _, err := db.Exec(ctx, `UPDATE grid SET valid = tstzrange(lower(valid), $1) WHERE code = '320902001001002' AND upper_inf(valid)`, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO grid (code, kind, village, name, geom, valid)
		SELECT code, kind, village, name,
		       ST_Multi(ST_GeomFromText('POLYGON((120.107 33.372,120.113 33.372,120.113 33.388,120.107 33.388,120.107 33.372))', 4326)),
		       tstzrange($1, NULL)
		FROM grid WHERE code = '320902001001002'`, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `SELECT bump_dataset_version('shrink the island')`); err != nil {
		t.Fatal(err)
	}
	next, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != snap.Version+1 {
		t.Fatalf("version %d after the change; want %d", next.Version, snap.Version+1)
	}
	src.p.Store(next)

	after := get(t, url)
	if after.header.Get("ETag") == before.header.Get("ETag") {
		t.Errorf("ETag %s unchanged after the grid changed", after.header.Get("ETag"))
	}
	if r := featureArea(t, after.body, LayerGrid, "320902001001002") / areaBefore; r < 0.46 || r > 0.50 {
		t.Errorf("island area ratio after/before %.3f; want 0.48", r)
	}
	past := get(t, url+"?at="+changed.Add(-30*time.Second).Format(time.RFC3339))
	if past.status != 200 {
		t.Fatalf("?at= before the change: %d %s", past.status, past.body)
	}
	if r := featureArea(t, past.body, LayerGrid, "320902001001002") / areaBefore; r < 0.99 || r > 1.01 {
		t.Errorf("?at= before the change: island area ratio to the old tile %.3f; want 1", r)
	}
	if past.header.Get("ETag") == "" || strings.Contains(past.header.Get("Cache-Control"), "immutable") {
		t.Errorf("?at= headers: ETag %q, Cache-Control %q", past.header.Get("ETag"), past.header.Get("Cache-Control"))
	}
}
