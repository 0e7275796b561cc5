package tiles

import (
	"fmt"
	"slices"
	"testing"

	"gridmap/geo"
	"gridmap/tiles/tilestest"
)

// The U: a concave ring whose two arms cross the box edge x = 100, so
// the box cuts it into two pieces.
var uShape = []ipt{{50, 10}, {150, 10}, {150, 90}, {50, 90}, {50, 70}, {130, 70}, {130, 30}, {50, 30}}

func TestClipPolygon(t *testing.T) {
	t.Parallel()
	square := func(x0, y0, x1, y1 int32) []ipt { return []ipt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} }
	hole := func(r []ipt) []ipt { r = slices.Clone(r); reverse(r); return r }
	for _, tc := range []struct {
		name  string
		rings [][]ipt
		// areas are twice the areas of the polygons left, each exterior
		// then holes, in order.
		areas [][]int64
	}{
		{"inside", [][]ipt{square(10, 10, 20, 20)}, [][]int64{{200}}},
		{"covers box", [][]ipt{square(-50, -50, 150, 150)}, [][]int64{{20000}}},
		{"half out", [][]ipt{square(50, 10, 150, 20)}, [][]int64{{1000}}},
		{"outside", [][]ipt{{{200, 200}, {300, 200}, {300, 300}}}, nil},
		{"triangle corner", [][]ipt{{{-100, 50}, {50, -100}, {50, 50}}}, [][]int64{{2 * 50 * 50}}},
		{"U cut in two", [][]ipt{uShape}, [][]int64{{2 * 50 * 20}, {2 * 50 * 20}}},
		{"hole crossing the edge", [][]ipt{square(50, 10, 150, 90), hole(square(80, 40, 120, 60))},
			[][]int64{{2 * (50*80 - 20*20)}}},
		{"hole inside", [][]ipt{square(50, 10, 150, 90), hole(square(60, 40, 70, 60))},
			[][]int64{{2 * 50 * 80, -2 * 10 * 20}}},
		{"box inside the exterior", [][]ipt{square(-50, -50, 150, 150), hole(square(20, 20, 30, 30))},
			[][]int64{{20000, -200}}},
		{"box inside a hole", [][]ipt{square(-100, -100, 200, 200), hole(square(-50, -50, 150, 150))}, nil},
		{"hole around the box corner", [][]ipt{square(-50, -50, 150, 150), hole(square(-10, -10, 10, 10))},
			[][]int64{{20000 - 200}}},
	} {
		var c clipper
		rings := make([][]ipt, len(tc.rings))
		for i, r := range tc.rings {
			rings[i] = slices.Clone(r)
		}
		got := c.polygon(rings, 0, 100)
		var areas [][]int64
		for _, p := range got {
			var a []int64
			for _, r := range p {
				a = append(a, area2(r))
				for _, q := range r {
					if !inBox(q, 0, 100) {
						t.Errorf("%s: point %v outside the box", tc.name, q)
					}
				}
				if err := selfTouch(r); err != nil {
					t.Errorf("%s: ring %v: %v", tc.name, r, err)
				}
			}
			areas = append(areas, a)
		}
		if fmt.Sprint(areas) != fmt.Sprint(tc.areas) {
			t.Errorf("%s: clipped to %v, areas %v; want %v", tc.name, got, areas, tc.areas)
		}
	}
}

// selfTouch reports a ring that touches itself: a repeated vertex, or a
// vertex on an edge it is not an end of (which is also how a zero-width
// strip or a spike shows).
func selfTouch(r []ipt) error {
	n := len(r)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if r[i] == r[j] {
				return fmt.Errorf("vertex %v repeated at %d and %d", r[i], i, j)
			}
		}
		for k := 0; k < n; k++ {
			a, b := r[k], r[(k+1)%n]
			if i == k || i == (k+1)%n {
				continue
			}
			p := r[i]
			if cross(a, b, p) == 0 && p.x >= min(a.x, b.x) && p.x <= max(a.x, b.x) && p.y >= min(a.y, b.y) && p.y <= max(a.y, b.y) {
				return fmt.Errorf("vertex %v lies on edge %v-%v", p, a, b)
			}
		}
	}
	return nil
}

// TestTileRingsDoNotTouchThemselves decodes every tile over the fixture
// and a small synthetic city (wiggly, concave edges) at every zoom up to
// 16 and checks that no ring touches itself: clipping must not leave
// zero-width strips along the tile edges.
func TestTileRingsDoNotTouchThemselves(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	for _, tc := range []struct {
		name string
		snap *geo.Snapshot
		maxZ int
	}{{"fixture", fx.snapshot(t, 1), 17}, {"synthetic", tilestest.SyntheticCity(12, 12), 15}} {
		p := Prepare(tc.snap)
		rings, bad := 0, 0
		for z := 0; z <= tc.maxZ; z++ {
			for _, tl := range tilesCovering(snapshotBound(tc.snap), z) {
				data, err := p.Render(nil, z, int(tl.X), int(tl.Y))
				if err != nil {
					t.Fatal(err)
				}
				if data == nil {
					continue
				}
				d, err := tilestest.Decode(data)
				if err != nil {
					t.Fatalf("%s %d/%d/%d: %v", tc.name, z, tl.X, tl.Y, err)
				}
				for _, l := range d.Layers {
					for _, f := range l.Features {
						for _, poly := range f.Polygons {
							for _, r := range poly {
								rings++
								ir := make([]ipt, len(r))
								for i, q := range r {
									ir[i] = ipt{q[0], q[1]}
								}
								if err := selfTouch(ir); err != nil {
									bad++
									if bad <= 5 {
										t.Errorf("%s %d/%d/%d layer %s feature %d: %v", tc.name, z, tl.X, tl.Y, l.Name, f.ID, err)
									}
								}
							}
						}
					}
				}
			}
		}
		if bad > 0 || rings < 100 {
			t.Errorf("%s: %d of %d rings touch themselves", tc.name, bad, rings)
		}
	}
}

// FuzzClipPolygon clips arbitrary (often self-intersecting) polygons: the
// clipper must end, never panic, and keep every point in the box.
func FuzzClipPolygon(f *testing.F) {
	f.Add([]byte{50, 10, 150, 10, 150, 90, 50, 90, 50, 70, 130, 70, 130, 30, 50, 30})
	f.Add([]byte{0, 0, 200, 0, 200, 200, 0, 200, 1, 80, 40, 120, 40, 120, 60})
	f.Fuzz(func(t *testing.T, b []byte) {
		var rings [][]ipt
		var cur []ipt
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 1 && len(cur) >= 3 { // a 1 starts the next ring
				rings = append(rings, cur)
				cur = nil
				i--
				continue
			}
			cur = append(cur, ipt{int32(b[i]) - 50, int32(b[i+1]) - 50})
		}
		rings = append(rings, cur)
		var ok [][]ipt
		for k, r := range rings {
			r = dropCollinear(r)
			if orient(r, k == 0) {
				ok = append(ok, r)
			} else if k == 0 {
				return
			}
		}
		var c clipper
		for _, p := range c.polygon(ok, 0, 100) {
			for _, r := range p {
				for _, q := range r {
					if !inBox(q, 0, 100) {
						t.Fatalf("point %v outside the box", q)
					}
				}
			}
		}
	})
}
