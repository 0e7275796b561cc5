package lookup_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/store"
	"gridmap/store/storetest"
)

// demoOptions is the demo city the lookup tests run on: one real county
// (亭湖区) at a small scale, with exclusive grids and sub-grids.
var demoOptions = demo.Options{Scale: 0.25, Seed: 11, County: geo.MustParseCode("320902")}

// oracle answers the lookup rule in PostGIS for many points in one query.
func oracle(ctx context.Context, t *testing.T, st *store.Store, pts []orb.Point) (grids, subs []string) {
	t.Helper()
	lons := make([]float64, len(pts))
	lats := make([]float64, len(pts))
	for i, p := range pts {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := st.Pool().Query(ctx, `
		SELECT coalesce(g.code, ''), coalesce(s.code, '')
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
		CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS pt) q
		LEFT JOIN LATERAL (
			SELECT code FROM grid_current WHERE length(code) = 15 AND ST_Covers(geom, q.pt)
			ORDER BY code LIMIT 1) g ON true
		LEFT JOIN LATERAL (
			SELECT code FROM grid_current WHERE parent_grid = g.code AND ST_Covers(geom, q.pt)
			ORDER BY code LIMIT 1) s ON true
		ORDER BY p.i`, lons, lats)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var g, s string
		if err := rows.Scan(&g, &s); err != nil {
			t.Fatal(err)
		}
		grids, subs = append(grids, g), append(subs, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return grids, subs
}

// probePoints returns the hard cases for one snapshot: random points over
// its extent (and beyond it), every kind of vertex, points computed on
// edges, and points one ulp off edges and vertices.
func probePoints(snap *geo.Snapshot, r *rand.Rand, n int) []orb.Point {
	var b orb.Bound
	first := true
	for _, g := range snap.Grids {
		if first {
			b, first = g.Geom.Bound(), false
		} else {
			b = b.Union(g.Geom.Bound())
		}
	}
	pad := 0.05 * (b.Max[0] - b.Min[0])
	var pts []orb.Point
	for range n {
		pts = append(pts, orb.Point{
			b.Min[0] - pad + r.Float64()*(b.Max[0]-b.Min[0]+2*pad),
			b.Min[1] - pad + r.Float64()*(b.Max[1]-b.Min[1]+2*pad)})
	}
	for len(pts) < 4*n {
		g := snap.Grids[r.IntN(len(snap.Grids))]
		poly := g.Geom[r.IntN(len(g.Geom))]
		ring := poly[r.IntN(len(poly))]
		i := r.IntN(len(ring) - 1)
		a, c := ring[i], ring[i+1]
		t := r.Float64()
		onEdge := orb.Point{a[0] + t*(c[0]-a[0]), a[1] + t*(c[1]-a[1])}
		ulp := func(p orb.Point, dx, dy float64) orb.Point {
			return orb.Point{math.Nextafter(p[0], p[0]+dx), math.Nextafter(p[1], p[1]+dy)}
		}
		pts = append(pts, a, onEdge,
			ulp(onEdge, 1, 0), ulp(onEdge, -1, 0), ulp(onEdge, 0, 1), ulp(onEdge, 0, -1),
			ulp(a, 1, 1), ulp(a, -1, -1))
	}
	return pts
}

// TestIndexAgreesWithPostGISOnDemoCity is the lookup's property test: the
// in-memory index and PostGIS's ST_Covers rule give the same grid and
// sub-grid for random points, vertices, points on edges and one ulp off.
func TestIndexAgreesWithPostGISOnDemoCity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewDemo(t, demoOptions)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Grids) < 100 {
		t.Fatalf("demo county has only %d grids", len(snap.Grids))
	}
	state := live.FromSnapshot(snap)
	r := rand.New(rand.NewPCG(1, 2))
	pts := probePoints(snap, r, 5000)
	wantGrid, wantSub := oracle(ctx, t, st, pts)

	hits := make([]geo.Hit, len(pts))
	state.Index.LookupBatch(pts, hits)
	var disagree, onGrid, withSub int
	for i, p := range pts {
		single := state.Index.Lookup(p)
		if single != hits[i] {
			t.Errorf("point %v: Lookup %+v but LookupBatch %+v", p, single, hits[i])
		}
		got, gotSub := "", ""
		if h := hits[i]; h.Grid >= 0 {
			got = string(snap.Grids[h.Grid].Code)
			if h.SubGrid >= 0 {
				gotSub = string(snap.Grids[h.SubGrid].Code)
			}
		}
		if got != wantGrid[i] || gotSub != wantSub[i] {
			disagree++
			if disagree <= 10 {
				t.Errorf("point (%.17g, %.17g): index %q/%q, PostGIS %q/%q", p[0], p[1], got, gotSub, wantGrid[i], wantSub[i])
			}
		}
		if wantGrid[i] != "" {
			onGrid++
		}
		if wantSub[i] != "" {
			withSub++
		}
	}
	t.Logf("%d points: %d in a grid, %d in a sub-grid, %d disagreements", len(pts), onGrid, withSub, disagree)
	if disagree > 0 {
		t.Fatalf("%d of %d points disagree with PostGIS", disagree, len(pts))
	}
	// The probe must reach the interesting cases, or it proves nothing.
	if onGrid < len(pts)/2 || withSub == 0 {
		t.Fatalf("probe too weak: %d in grids, %d in sub-grids", onGrid, withSub)
	}
}
