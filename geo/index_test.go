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
		{"coarse-top-deep", synthOptions{seed: 2, nx: 12, ny: 12, x0: 119.9, y0: 33.1, cell: 0.004, minWiggle: 2, maxWiggle: 30, holes: true, gaps: true, multi: true}, IndexOptions{TopCellsPerEdge: 0.001, LeafEdges: 4, MaxDepth: 5}},
		{"fine-top-flat", synthOptions{seed: 3, nx: 10, ny: 9, x0: -73.99, y0: 40.7, cell: 0.001, minWiggle: 0, maxWiggle: 6, holes: true, gaps: true, subGrids: true}, IndexOptions{TopCellsPerEdge: 8, MaxDepth: 1}},
		{"single-cell", synthOptions{seed: 4, nx: 5, ny: 4, x0: 120, y0: 33, cell: 0.01, minWiggle: 1, maxWiggle: 5, holes: true, gaps: true, multi: true}, IndexOptions{TopCellsPerEdge: 1e-9, LeafEdges: 1 << 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := synthCity(c.city)
			ix := NewIndex(s, c.opts)
			pts := probePoints(s, c.city.seed, 3000, 3000)
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
		})
	}
}
