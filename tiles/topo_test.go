package tiles

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/tiles/tilestest"
)

// TestSharedEdgesMatch: neighbours of a layer share their edges vertex
// for vertex (the synthetic city's grids have wiggly shared edges, its
// areas are the outlines of their children). After simplification,
// encoding and decoding, every vertex of a polygon that lies near a
// neighbour's boundary must be on that boundary exactly: one of its
// vertices, or on one of its segments. Simplifying each ring on its own
// keeps different vertices on each side of a shared edge, and the
// neighbours part (hairline gaps between fills).
func TestSharedEdgesMatch(t *testing.T) {
	t.Parallel()
	snap := tilestest.SyntheticCity(24, 24) // four towns of nine villages
	p := Prepare(snap)
	b := snapshotBound(snap)
	for _, tc := range []struct {
		layer string
		zooms []int
	}{
		{LayerGrid, []int{11, 12, 13}},
		{LayerVillage, []int{10, 11, 12, 13}},
		{LayerTown, []int{7, 8, 9, 10, 12}},
	} {
		for _, z := range tc.zooms {
			checked, bad := 0, 0
			var first string
			for _, tl := range tilesCovering(b, z) {
				data, err := p.Render([]string{tc.layer}, z, int(tl.X), int(tl.Y))
				if err != nil {
					t.Fatal(err)
				}
				if len(data) == 0 {
					continue
				}
				d := checkTile(t, data, z)
				c, n, msg := sharedEdgeMismatches(d.Layers[0].Features)
				checked, bad = checked+c, bad+n
				if first == "" && msg != "" {
					first = fmt.Sprintf("%d/%d/%d: %s", z, tl.X, tl.Y, msg)
				}
			}
			if checked == 0 {
				t.Errorf("%s z%d: no vertex near a neighbour; the test checks nothing", tc.layer, z)
			}
			if bad > 0 {
				t.Errorf("%s z%d: %d of %d vertices near a neighbour are off its boundary; first: %s", tc.layer, z, bad, checked, first)
			}
		}
	}
}

// sharedEdgeMismatches counts the vertices lying within 3 units of
// another feature's boundary (away from the clipped tile edge), and those
// of them that are neither a vertex of that boundary nor on one of its
// segments.
func sharedEdgeMismatches(feats []tilestest.DecodedFeature) (checked, bad int, first string) {
	type seg struct{ a, b ipt }
	type shape struct {
		id    uint64
		segs  []seg
		verts map[ipt]bool
		box   orb.Bound
	}
	shapes := make([]shape, len(feats))
	for i, f := range feats {
		s := shape{id: f.ID, verts: map[ipt]bool{}, box: orb.Bound{Min: orb.Point{1e9, 1e9}, Max: orb.Point{-1e9, -1e9}}}
		for _, poly := range f.Polygons {
			for _, r := range poly {
				for k, q := range r {
					a, b := ipt{q[0], q[1]}, ipt{r[(k+1)%len(r)][0], r[(k+1)%len(r)][1]}
					s.segs = append(s.segs, seg{a, b})
					s.verts[a] = true
					s.box = s.box.Extend(orb.Point{float64(a.x), float64(a.y)})
				}
			}
		}
		shapes[i] = s
	}
	const near, edge = 3.0, 2
	for i, a := range shapes {
		for v := range a.verts {
			if v.x <= -Buffer+edge || v.y <= -Buffer+edge || v.x >= Extent+Buffer-edge || v.y >= Extent+Buffer-edge {
				continue // where clipping cut the polygon
			}
			pv := orb.Point{float64(v.x), float64(v.y)}
			for j, b := range shapes {
				if i == j || !b.box.Pad(near).Contains(pv) {
					continue
				}
				d := 1e18
				on := b.verts[v]
				for _, s := range b.segs {
					d = min(d, segDist(v, s.a, s.b))
					if cross(s.a, s.b, v) == 0 && min(s.a.x, s.b.x) <= v.x && v.x <= max(s.a.x, s.b.x) &&
						min(s.a.y, s.b.y) <= v.y && v.y <= max(s.a.y, s.b.y) {
						on = true
					}
				}
				if d > near {
					continue
				}
				checked++
				if !on {
					bad++
					if first == "" {
						first = fmt.Sprintf("vertex %v of %d is %.2f units off the boundary of %d", v, a.id, d, b.id)
					}
				}
			}
		}
	}
	return checked, bad, first
}

// segDist is the distance from p to the segment ab.
func segDist(p, a, b ipt) float64 {
	dx, dy := float64(b.x-a.x), float64(b.y-a.y)
	px, py := float64(p.x-a.x), float64(p.y-a.y)
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, (px*dx+py*dy)/l2))
	}
	ex, ey := px-t*dx, py-t*dy
	return math.Sqrt(ex*ex + ey*ey)
}
