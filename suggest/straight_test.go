package suggest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/store"
	"gridmap/store/storetest"
)

// TestCutLines polygonizes a random power diagram's cut lines with its
// bound in PostGIS and checks the faces against the diagram: one valid
// face per cell that holds any of a lattice of sample points, the faces
// tiling the bound, and each face's area the share of the samples whose
// cell it is.
func TestCutLines(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	b := orb.Bound{Min: orb.Point{1000, 2000}, Max: orb.Point{2000, 2800}}
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 7))
		pd := PowerDiagram{}
		for range 12 {
			pd.Centres = append(pd.Centres, [2]float64{b.Min[0] + r.Float64()*1000, b.Min[1] + r.Float64()*800})
			pd.Weights = append(pd.Weights, (r.Float64()-0.5)*20000)
		}
		lines := pd.cutLines(b)
		ring := orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
		all := append(orb.MultiLineString{orb.LineString(ring)}, lines...)
		rows, err := st.Pool().Query(ctx, `SELECT ST_Area(g), ST_IsValid(g), ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g))
			FROM (SELECT (ST_Dump(ST_Polygonize(ST_UnaryUnion($1::geometry)))).geom AS g) x`, store.Geom(all))
		if err != nil {
			t.Fatal(err)
		}
		area := map[int]float64{}
		var sum float64
		for rows.Next() {
			var a, x, y float64
			var valid bool
			if err := rows.Scan(&a, &valid, &x, &y); err != nil {
				t.Fatal(err)
			}
			c := pd.Cell(x, y)
			if !valid {
				t.Errorf("seed %d: face of cell %d invalid", seed, c)
			}
			if _, dup := area[c]; dup {
				t.Errorf("seed %d: cell %d in two faces", seed, c)
			}
			area[c] += a
			sum += a
		}
		rows.Close()
		if want := 1000.0 * 800; math.Abs(sum-want) > 1e-6*want {
			t.Errorf("seed %d: faces cover %.3f m², the bound %.0f", seed, sum, want)
		}
		samples := map[int]int{}
		n := 0
		for x := b.Min[0] + 1; x < b.Max[0]; x += 2 {
			for y := b.Min[1] + 1; y < b.Max[1]; y += 2 {
				samples[pd.Cell(x, y)]++
				n++
			}
		}
		if len(samples) != len(area) {
			t.Errorf("seed %d: %d faces, %d cells hold samples", seed, len(area), len(samples))
		}
		for c, k := range samples {
			want := 800000 * float64(k) / float64(n)
			if math.Abs(area[c]-want) > 0.01*800000/12 {
				t.Errorf("seed %d: cell %d: face %.0f m², samples say %.0f", seed, c, area[c], want)
			}
		}
	}
}

// TestOutlineMeasure measures random power cells clipped to a village of
// two faces (an L with a hole, sharing an edge) in Go and in PostGIS
// (ST_Intersection's area and perimeter): they must agree.
func TestOutlineMeasure(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	// faces: [0,600]×[0,300] with a hole, and [0,300]×[300,700]; the
	// second wound clockwise (newOutline orients them itself).
	a := orb.Polygon{
		{{0, 0}, {600, 0}, {600, 300}, {300, 300}, {0, 300}, {0, 0}},
		{{400, 100}, {400, 200}, {500, 200}, {500, 100}, {400, 100}},
	}
	b := orb.Polygon{{{0, 300}, {0, 700}, {300, 700}, {300, 300}, {0, 300}}}
	faces := []face{{poly: a, site: -1}, {poly: b, site: 1}}
	ol := newOutline(faces, plane{kx: 1, ky: 1})
	village := orb.MultiPolygon{{a[0], a[1]}, b}
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 11))
		pd := PowerDiagram{}
		for range 6 {
			pd.Centres = append(pd.Centres, [2]float64{r.Float64() * 600, r.Float64() * 700})
			pd.Weights = append(pd.Weights, (r.Float64()-0.5)*10000)
		}
		cells, o := pd.cells(ol.b.Pad(100))
		for c, cell := range cells {
			if len(cell) < 3 {
				continue
			}
			ring := orb.Ring{}
			for _, v := range cell {
				ring = append(ring, orb.Point{v.p[0] + o[0], v.p[1] + o[1]})
			}
			ring = append(ring, ring[0])
			area, per := ol.measure(cell, o)
			var wantA, wantP float64
			if err := st.Pool().QueryRow(ctx, `SELECT ST_Area(g), ST_Perimeter(g) FROM (SELECT ST_Intersection(ST_UnaryUnion($1::geometry), $2::geometry) AS g) x`,
				store.Geom(village), store.Geom(orb.Polygon{ring})).Scan(&wantA, &wantP); err != nil {
				t.Fatal(err)
			}
			if math.Abs(area-wantA) > 1e-6*(1+wantA) || math.Abs(per-wantP) > 1e-6*(1+wantP) {
				t.Errorf("seed %d cell %d: area %.3f perimeter %.3f, PostGIS %.3f %.3f", seed, c, area, per, wantA, wantP)
			}
		}
	}
}

// TestOutlineClip clips lines to an L-shaped village: the pieces inside,
// each ending at a vertex of the village's edge (the nearer end of the
// edge segment it crosses).
func TestOutlineClip(t *testing.T) {
	l := orb.Polygon{{{0, 0}, {600, 0}, {600, 300}, {300, 300}, {300, 700}, {0, 700}, {0, 0}}}
	ol := newOutline([]face{{poly: l, site: -1}}, plane{kx: 1, ky: 1})
	cases := []struct {
		p, q orb.Point
		want []orb.LineString
	}{
		// across the foot: in at (0,100), nearer (0,0); out at (600,100), nearer (600,0)
		{orb.Point{-50, 100}, orb.Point{650, 100}, []orb.LineString{{{0, 0}, {600, 0}}}},
		// up the stem: in at (100,0), nearer (0,0); out at (100,700), nearer (0,700)
		{orb.Point{100, -10}, orb.Point{100, 800}, []orb.LineString{{{0, 0}, {0, 700}}}},
		// across the stem: inside for x in [0,300] only; (0,550) and (300,550) nearer the top
		{orb.Point{-100, 550}, orb.Point{900, 550}, []orb.LineString{{{0, 700}, {300, 700}}}},
		// wholly outside
		{orb.Point{400, 400}, orb.Point{900, 900}, nil},
	}
	for i, c := range cases {
		got := ol.clip(c.p, c.q)
		if len(got) != len(c.want) {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
			continue
		}
		for j := range got {
			if !got[j].Equal(c.want[j]) {
				t.Errorf("case %d: %v, want %v", i, got, c.want)
			}
		}
	}
}
