package tiles

import (
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/tiles/tilestest"
)

// TestPrepareFromMatchesPrepare: preparing a changed version from the
// previous one (which redoes only the features near the change when it
// can) gives every feature of every polygon layer exactly the simplified
// geometry of preparing that version afresh, at every precomputed zoom —
// and the local redo really is local where a case expects it.
func TestPrepareFromMatchesPrepare(t *testing.T) {
	t.Parallel()
	base := tilestest.SyntheticCity(24, 24)
	prev := Prepare(base)
	gridIdx := func(s *geo.Snapshot, nth int) int { // the nth 15-digit grid
		for i := range s.Grids {
			if s.Grids[i].Code.Level() == geo.LevelGrid {
				if nth == 0 {
					return i
				}
				nth--
			}
		}
		t.Fatal("not enough grids")
		return -1
	}
	cloneRing := func(mp orb.MultiPolygon) orb.MultiPolygon {
		out := make(orb.MultiPolygon, len(mp))
		for i, p := range mp {
			out[i] = make(orb.Polygon, len(p))
			for j, r := range p {
				out[i][j] = slices.Clone(r)
			}
		}
		return out
	}
	square := func(c orb.Point, half float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{c[0] - half, c[1] - half}, {c[0] + half, c[1] - half}, {c[0] + half, c[1] + half}, {c[0] - half, c[1] + half}, {c[0] - half, c[1] - half}}}}
	}
	cases := []struct {
		name  string
		edit  func(grids []geo.Grid, areas []geo.Area) ([]geo.Grid, []geo.Area)
		local bool // the grid layer must be redone only near the change
	}{
		{"move a vertex of one grid", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			i := gridIdx(base, 200)
			g[i].Geom = cloneRing(g[i].Geom)
			g[i].Geom[0][0][3][0] += 0.0007
			return g, a
		}, true},
		{"remove a grid", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			i := gridIdx(base, 300)
			return slices.Delete(g, i, i+1), a
		}, true},
		{"add a grid over another", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			i := gridIdx(base, 100)
			c := g[i].Geom.Bound().Center()
			n := g[i]
			n.Code = geo.Code(string(n.Code[:12]) + "999")
			n.Geom = square(c, 0.001)
			return append(g, n), a
		}, true},
		{"a tiny grid that collapses at the coarse zooms", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			i := gridIdx(base, 120)
			c := g[i].Geom.Bound().Center()
			n := g[i]
			n.Code = geo.Code(string(n.Code[:12]) + "998")
			n.Geom = square(c, 0.00001)
			return append(g, n), a
		}, false},
		{"reshape a village outline", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			for i := range a {
				if a[i].Level == geo.LevelVillage {
					a[i].Geom = cloneRing(a[i].Geom)
					a[i].Geom[0][0][2][1] -= 0.0005
					break
				}
			}
			return g, a
		}, false},
		{"move every grid", func(g []geo.Grid, a []geo.Area) ([]geo.Grid, []geo.Area) {
			for i := range g {
				g[i].Geom = cloneRing(g[i].Geom)
				g[i].Geom[0][0][1][1] += 0.0001
			}
			return g, a
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			grids, areas := tc.edit(slices.Clone(base.Grids), slices.Clone(base.Areas))
			slices.SortFunc(grids, func(a, b geo.Grid) int { return compareCodes(a.Code, b.Code) })
			next := geo.NewSnapshot(base.Version+1, base.LoadedAt, areas, grids)
			from, fresh := PrepareFrom(next, prev), Prepare(next)
			for name, fl := range fresh.layers {
				// The R-trees (reused from prev where the boxes did not
				// change) are those of a fresh Prepare.
				fromL := from.layers[name]
				if !reflect.DeepEqual(fromL.index, fl.index) || len(fromL.groups) != len(fl.groups) {
					t.Fatalf("layer %s: the R-tree differs from a fresh Prepare's", name)
				}
				for k := range fl.groups {
					if !reflect.DeepEqual(fromL.groups[k].index, fl.groups[k].index) {
						t.Fatalf("layer %s: the R-tree of labels %d differs from a fresh Prepare's", name, k)
					}
				}
				if fl.point {
					continue
				}
				got := map[uint64]*feature{}
				for i := range from.layers[name].feats {
					got[from.layers[name].feats[i].id] = &from.layers[name].feats[i]
				}
				if len(got) != len(fl.feats) {
					t.Fatalf("layer %s: %d features from the previous version, %d afresh", name, len(got), len(fl.feats))
				}
				for i := range fl.feats {
					want := &fl.feats[i]
					g := got[want.id]
					if g == nil {
						t.Fatalf("layer %s: feature %d missing", name, want.id)
					}
					if !reflect.DeepEqual(g.byZoom, want.byZoom) {
						t.Fatalf("layer %s: feature %d simplified differently from a fresh Prepare", name, want.id)
					}
				}
			}
			// Which grid features got new geometry slices.
			old := map[uint64][][]ipoly{}
			for _, f := range prev.layers[LayerGrid].feats {
				old[f.id] = f.byZoom
			}
			redone := 0
			feats := from.layers[LayerGrid].feats
			for _, f := range feats {
				if o, ok := old[f.id]; !ok || len(o) == 0 || len(f.byZoom) == 0 || &o[0] != &f.byZoom[0] {
					redone++
				}
			}
			if tc.local && (redone == 0 || redone > len(feats)/8) {
				t.Errorf("%d of %d grid features redone, want a local redo", redone, len(feats))
			}
			t.Logf("%d of %d grid features redone", redone, len(feats))
		})
	}
}

func compareCodes(a, b geo.Code) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
