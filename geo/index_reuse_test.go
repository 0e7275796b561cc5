package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// shrunk returns mp with every vertex moved a tenth of the way to the
// centre of its box (new slices; mp is not changed).
func shrunk(mp orb.MultiPolygon) orb.MultiPolygon {
	c := mp.Bound().Center()
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for k, r := range poly {
			nr := make(orb.Ring, len(r))
			for v, p := range r {
				nr[v] = orb.Point{p[0] + 0.1*(c[0]-p[0]), p[1] + 0.1*(c[1]-p[1])}
			}
			out[i][k] = nr
		}
	}
	return out
}

// edited returns a copy of s with a few grids changed, one grid without
// sub-grids removed and one village changed, as a committed change does.
func edited(s *Snapshot) *Snapshot {
	grids := append([]Grid(nil), s.Grids...)
	areas := append([]Area(nil), s.Areas...)
	changed := 0
	for i := len(grids) / 3; i < len(grids) && changed < 3; i += 7 {
		if grids[i].Code.Level() == LevelGrid {
			grids[i].Geom = shrunk(grids[i].Geom)
			changed++
		}
	}
	for i := len(grids) / 2; i+1 < len(grids); i++ {
		if grids[i].Code.Level() == LevelGrid && grids[i+1].Code.Level() == LevelGrid {
			grids = append(grids[:i], grids[i+1:]...)
			break
		}
	}
	for i := range areas {
		if areas[i].Level == LevelVillage && len(areas[i].Geom) > 0 {
			areas[i].Geom = shrunk(areas[i].Geom)
			break
		}
	}
	return NewSnapshot(s.Version+1, s.LoadedAt, areas, grids)
}

// TestIndexFromPrevious builds indexes from previous ones (after a
// change, and with nothing changed) and checks that they copied rows and
// answer like the brute-force reference, with one worker and several.
func TestIndexFromPrevious(t *testing.T) {
	t.Parallel()
	city := synthOptions{seed: 7, nx: 16, ny: 14, x0: 120.1, y0: 33.3, cell: 0.003, minWiggle: 0, maxWiggle: 10, holes: true, gaps: true, multi: true, subGrids: true}
	s1 := synthCity(city)
	s2 := edited(s1)
	for _, workers := range []int{1, 3} {
		opts := IndexOptions{Workers: workers}
		ix1 := NewIndex(s1, opts)
		ix2 := NewIndexFrom(ix1, s2, opts)
		ix3 := NewIndexFrom(ix2, s2, opts)
		for _, c := range []struct {
			name       string
			ix         *Index
			copiedLess bool // some rows must be rebuilt
		}{{"after a change", ix2, true}, {"nothing changed", ix3, false}} {
			st := c.ix.Stats()
			t.Logf("workers %d, %s: %d of %d rows copied", workers, c.name, st.RowsCopied, st.Rows)
			if st.RowsCopied == 0 || (c.copiedLess && st.RowsCopied >= st.Rows) || (!c.copiedLess && st.RowsCopied != st.Rows) {
				t.Errorf("workers %d, %s: %d of %d rows copied", workers, c.name, st.RowsCopied, st.Rows)
			}
			checkLeafWords(t, c.ix)
			pts := probePoints(s2, 9, 4000, 4000)
			out := make([]Hit, len(pts))
			c.ix.LookupBatch(pts, out)
			bad := 0
			for i, p := range pts {
				want := bruteLookup(s2, p)
				if got := c.ix.Lookup(p); got != want || out[i] != want {
					bad++
					if bad <= 5 {
						t.Errorf("workers %d, %s: point %v: index %s, batch %s, brute force %s", workers, c.name, p,
							hitString(s2, got), hitString(s2, out[i]), hitString(s2, want))
					}
				}
			}
			if bad > 0 {
				t.Errorf("workers %d, %s: %d of %d points disagree", workers, c.name, bad, len(pts))
			}
		}
	}
}
