package geo

import (
	"fmt"
	"testing"
)

func hitString(s *Snapshot, h Hit) string {
	g, sg, a := "-", "-", "-"
	if h.Grid >= 0 {
		g = string(s.Grids[h.Grid].Code)
	}
	if h.SubGrid >= 0 {
		sg = string(s.Grids[h.SubGrid].Code)
	}
	if h.Area >= 0 {
		a = string(s.Areas[h.Area].Code)
	}
	return fmt.Sprintf("grid %s sub %s area %s", g, sg, a)
}

// longEdges is a partition with edges tens of kilometres long, where
// PostGIS's float test and exact geometry disagree on some points next to
// an edge (on short edges the float test is almost always exact).
var longEdges = synthOptions{seed: 5, nx: 6, ny: 5, x0: 118.2, y0: 32.9, cell: 0.25, holes: true, gaps: true, multi: true, subGrids: true}

// TestIndexMatchesBruteForce compares the index with the brute-force
// reference on generated partitions, for every kind of probe point, with
// several table shapes (including very coarse and very fine ones, and
// deep refinement).
func TestIndexMatchesBruteForce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		city synthOptions
		opts IndexOptions
	}{
		{"default", synthOptions{seed: 1, nx: 14, ny: 11, x0: 120.1, y0: 33.3, cell: 0.003, minWiggle: 0, maxWiggle: 12, holes: true, gaps: true, multi: true, subGrids: true}, IndexOptions{}},
		{"coarse-top-deep", synthOptions{seed: 2, nx: 12, ny: 12, x0: 119.9, y0: 33.1, cell: 0.004, minWiggle: 2, maxWiggle: 30, holes: true, gaps: true, multi: true}, IndexOptions{TopCellsPerEdge: 0.001, TopCellsPerPolygon: 1e-9, LeafEdges: 4, MaxDepth: 5}},
		{"fine-top-flat", synthOptions{seed: 3, nx: 10, ny: 9, x0: -73.99, y0: 40.7, cell: 0.001, minWiggle: 0, maxWiggle: 6, holes: true, gaps: true, subGrids: true}, IndexOptions{TopCellsPerEdge: 8, MaxDepth: 1}},
		{"long-edges", longEdges, IndexOptions{}},
		{"single-cell", synthOptions{seed: 4, nx: 5, ny: 4, x0: 120, y0: 33, cell: 0.01, minWiggle: 1, maxWiggle: 5, holes: true, gaps: true, multi: true}, IndexOptions{TopCellsPerEdge: 1e-9, TopCellsPerPolygon: 1e-9, LeafEdges: 1 << 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := synthCity(c.city)
			ix := NewIndex(s, c.opts)
			pts := probePoints(s, c.city.seed, 3000, 3000)
			if c.name == "long-edges" {
				pts = append(pts, hardPoints(s, 5, 40, 2_000_000)...)
			}
			out := make([]Hit, len(pts))
			ix.LookupBatch(pts, out)
			bad := 0
			for i, p := range pts {
				want := bruteLookup(s, p)
				got := ix.Lookup(p)
				if got != want || out[i] != want {
					bad++
					if bad <= 10 {
						t.Errorf("point %v: index %s, batch %s, brute force %s", p, hitString(s, got), hitString(s, out[i]), hitString(s, want))
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d points disagree", bad, len(pts))
			}
			t.Logf("%d points, stats %+v", len(pts), ix.Stats())
			for _, l := range append([]*layer{ix.grids, ix.subLayer}, ix.areas[:]...) {
				if l.fastConflicts != 0 {
					t.Errorf("%d faces of fast records answered differently at two points", l.fastConflicts)
				}
			}
			checkLeafWords(t, ix)
			// Most leaves must take the fast path, or the comparison
			// above would not test it.
			if st := ix.Stats(); st.FastLeaves < st.LeafCells/2 {
				t.Errorf("only %d of %d leaves have a fast record", st.FastLeaves, st.LeafCells)
			}
		})
	}
}

// TestProbesReachFloatCases checks that the probe points include points
// where PostGIS's float test and exact geometry disagree, so that the
// property test would catch an index that used either one in the wrong
// place.
func TestProbesReachFloatCases(t *testing.T) {
	t.Parallel()
	s := synthCity(longEdges)
	pts := append(probePoints(s, 5, 0, 3000), hardPoints(s, 5, 40, 2_000_000)...)
	differ, onEdge := 0, 0
	for _, p := range pts {
		for i := range s.Grids {
			g := s.Grids[i].Geom
			if !g.Bound().Contains(p) {
				continue
			}
			if CoversPoint(g, p) != exactCovers(g, p) {
				differ++
			}
			for _, poly := range g {
				for _, r := range poly {
					if exactRingStatus(r, p) == ringBoundary {
						onEdge++
					}
				}
			}
		}
	}
	t.Logf("%d probe points: %d (point, grid) pairs where PostGIS's float test differs from exact, %d pairs exactly on a boundary", len(pts), differ, onEdge)
	if differ == 0 || onEdge == 0 {
		t.Errorf("probes reach no float-sensitive case (%d) or no exact boundary case (%d)", differ, onEdge)
	}
}

// checkLeafWords checks that every leaf's cell word, in every table of
// every layer, carries the line count of the fast record it points to
// (LookupBatch picks its code by the count in the word alone).
func checkLeafWords(t *testing.T, ix *Index) {
	t.Helper()
	bad := 0
	for _, l := range append([]*layer{ix.grids, ix.subLayer}, ix.areas[:]...) {
		for c, w := range l.cells {
			if w&^payloadMask != tagLeaf {
				continue
			}
			off := w & leafOffMask
			if int(off)+1 >= len(l.fast) || l.fast[off] != w>>leafKShift&7 {
				bad++
				if bad <= 5 {
					t.Errorf("cell %d: leaf word %#x, fast record k %d", c, w, l.fast[min(int(off), len(l.fast)-1)])
				}
			}
		}
	}
}
