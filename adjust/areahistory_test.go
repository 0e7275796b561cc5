package adjust_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/demo"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/store/storetest"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

// TestAreaHistoryAcrossVillageBoundary splits a demo grid by a line
// ending on an edge it shares with a grid of a village of another town,
// so edge matching adds the cut's node to both villages and both towns.
// The areas as of before the apply are the original ones exactly (bit
// for bit in Go, ST_Equals and vertex count in PostGIS), as of after they
// carry the node, the diff lists them, and a ?at= tile of before draws the
// original outlines: it equals PostGIS's ST_AsMVT of the saved originals.
func TestAreaHistoryAcrossVillageBoundary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"})
	c := adjusttest.FindCrossCut(t, st, false)
	node := orb.Point{c.MX, c.MY}
	areas := []geo.Code{c.Grid.Village(), c.Neighbour.Village(), c.Grid.Town(), c.Neighbour.Town()}
	orig := map[geo.Code]geo.Area{}
	origEWKB := map[geo.Code][]byte{}
	for _, code := range areas {
		a, err := features.Area(ctx, st, code)
		if err != nil {
			t.Fatal(err)
		}
		orig[code] = a
		var b []byte
		if err := st.Pool().QueryRow(ctx, `SELECT ST_AsEWKB(geom) FROM area WHERE code = $1`, code).Scan(&b); err != nil {
			t.Fatal(err)
		}
		origEWKB[code] = b
		if hasVertexNear(a.Geom, node) {
			t.Fatalf("%s has the cut's node before the split", code)
		}
	}
	before, res := adjusttest.ApplyCrossCut(t, st, c)
	eff := res.Effective

	for _, code := range areas {
		was, err := features.AreaAt(ctx, st, code, before)
		if err != nil {
			t.Fatalf("%s before: %v", code, err)
		}
		if !orb.Equal(was.Geom, orig[code].Geom) || was.Name != orig[code].Name || was.Parent != orig[code].Parent {
			t.Errorf("%s as of before the apply differs from the original", code)
		}
		// PostGIS agrees: the history row of then is the original shape,
		// vertex for vertex.
		var equal, sameCount, sameBits bool
		if err := st.Pool().QueryRow(ctx, `SELECT ST_Equals(h.geom, o), ST_NPoints(h.geom) = ST_NPoints(o), ST_AsEWKB(h.geom) = $3
			FROM area_history h, ST_GeomFromEWKB($3) o WHERE h.code = $1 AND h.valid @> $2::timestamptz`,
			code, before, origEWKB[code]).Scan(&equal, &sameCount, &sameBits); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if !equal || !sameCount || !sameBits {
			t.Errorf("%s as of before: ST_Equals %v, same vertex count %v, same bits %v; want all true", code, equal, sameCount, sameBits)
		}
		now, err := features.AreaAt(ctx, st, code, eff)
		if err != nil {
			t.Fatalf("%s after: %v", code, err)
		}
		cur, err := features.Area(ctx, st, code)
		if err != nil {
			t.Fatal(err)
		}
		if !orb.Equal(now.Geom, cur.Geom) {
			t.Errorf("%s as of the effective time differs from the current area", code)
		}
		// The node (and, where the cut's far end is on the village
		// boundary too, that one): more vertices, the same shape (the
		// node is a rounded intersection, within 1e-12° of the old edge).
		var sameShape bool
		if err := st.Pool().QueryRow(ctx, `SELECT (ST_HausdorffDistance(h.geom, ST_GeomFromEWKB($3)) * 1e12)::bigint = 0 FROM area_history h
			WHERE h.code = $1 AND h.valid @> $2::timestamptz`, code, eff, origEWKB[code]).Scan(&sameShape); err != nil {
			t.Fatal(err)
		}
		if !hasVertexNear(now.Geom, node) || countPoints(now.Geom) <= countPoints(orig[code].Geom) || !sameShape {
			t.Errorf("%s after: %d vertices (node there: %v, same shape: %v), want more than %d with the node, same shape", code,
				countPoints(now.Geom), hasVertexNear(now.Geom, node), sameShape, countPoints(orig[code].Geom))
		}
		vs, err := features.AreaVersions(ctx, st, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || !vs[0].ValidFrom.IsZero() || !vs[0].ValidTo.Equal(eff) || !vs[1].ValidFrom.Equal(eff) || !vs[1].ValidTo.IsZero() {
			t.Errorf("%s versions: %d, want 2: from -infinity to %s, and from then on", code, len(vs), eff)
			for _, v := range vs {
				t.Logf("  %s – %s", v.ValidFrom, v.ValidTo)
			}
		}
	}

	d, err := adjust.DiffGrids(ctx, st, before, eff, "320902000000")
	if err != nil {
		t.Fatal(err)
	}
	changed := map[geo.Code]bool{}
	for _, a := range d.Areas {
		if a.Geometry && !a.Name && !a.Created && !a.Removed {
			changed[a.Code] = true
		}
	}
	for _, code := range areas {
		if !changed[code] {
			t.Errorf("diff: %s not listed as a changed boundary: %+v", code, d.Areas)
		}
	}

	// ?at= tiles: at z18 around the node, the village layer of before is
	// PostGIS's own ST_AsMVT of the saved original outlines, and the one
	// of after that of the current outlines.
	const z = 18
	tl := maptile.At(node, z)
	x, y := int(tl.X), int(tl.Y)
	villages := areas[:2]
	for _, tc := range []struct {
		name string
		at   time.Time
		geom func(code geo.Code) []byte
	}{
		{"before", before, func(code geo.Code) []byte { return origEWKB[code] }},
		{"after", eff, func(code geo.Code) []byte {
			var b []byte
			if err := st.Pool().QueryRow(ctx, `SELECT ST_AsEWKB(geom) FROM area WHERE code = $1`, code).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}},
	} {
		b, err := tiles.NewPostGIS(st).TileAt(ctx, []string{"village"}, z, x, y, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		got := tilePolygons(t, b)
		for _, code := range villages {
			var ref []byte
			if err := st.Pool().QueryRow(ctx, `SELECT ST_AsMVT(t, 'village', 4096, 'geom', 'id') FROM (
				SELECT ST_AsMVTGeom(ST_Transform(ST_GeomFromEWKB($1), 3857), ST_TileEnvelope($2, $3, $4), 4096, 64, true) AS geom,
				       $5::text AS code, $6::bigint AS id) t`,
				tc.geom(code), z, x, y, string(code), int64(code.ID())).Scan(&ref); err != nil {
				t.Fatal(err)
			}
			want := tilePolygons(t, ref)
			if want[string(code)] == nil {
				t.Fatalf("%s: the reference tile has no outline of %s", tc.name, code)
			}
			if !reflect.DeepEqual(got[string(code)], want[string(code)]) {
				t.Errorf("?at= tile %s the apply: village %s differs from ST_AsMVT of its outline then", tc.name, code)
			}
		}
	}
}

// tilePolygons decodes a tile's features by their code property.
func tilePolygons(t *testing.T, b []byte) map[string][][][][2]int32 {
	t.Helper()
	out := map[string][][][][2]int32{}
	if len(b) == 0 {
		return out
	}
	d, err := tilestest.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Layers {
		for _, f := range l.Features {
			code, _ := f.Props["code"].(string)
			out[code] = f.Polygons
		}
	}
	return out
}

func hasVertexNear(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		for _, r := range poly {
			for _, q := range r {
				if math.Abs(q[0]-p[0]) < 1e-9 && math.Abs(q[1]-p[1]) < 1e-9 {
					return true
				}
			}
		}
	}
	return false
}

func countPoints(mp orb.MultiPolygon) int {
	n := 0
	for _, poly := range mp {
		for _, r := range poly {
			n += len(r)
		}
	}
	return n
}
