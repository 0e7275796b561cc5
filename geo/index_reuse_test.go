package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

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

// randomChange returns a copy of s with one random change of the kinds a
// committed change makes, and what it did: one to three grids reshaped,
// a grid renamed (no geometry changed), a grid removed (later polygons
// renumbered), a grid's vertex nudged by one ulp, a village reshaped, or
// nothing.
func randomChange(s *Snapshot, rng *rand.Rand) (*Snapshot, string) {
	grids := append([]Grid(nil), s.Grids...)
	areas := append([]Area(nil), s.Areas...)
	pick := func() int {
		for {
			if i := rng.IntN(len(grids)); grids[i].Code.Level() == LevelGrid {
				return i
			}
		}
	}
	var what string
	switch k := rng.IntN(10); {
	case k < 4:
		n := 1 + rng.IntN(3)
		for range n {
			i := pick()
			grids[i].Geom = shrunk(grids[i].Geom)
		}
		what = fmt.Sprintf("%d grids reshaped", n)
	case k == 4:
		i := pick()
		grids[i].Name += "′"
		what = "a grid renamed"
	case k == 5:
		i := pick()
		if i+1 < len(grids) && grids[i+1].Code.Level() == LevelSubGrid {
			return randomChange(s, rng) // keep sub-grids with their grid
		}
		grids = append(grids[:i], grids[i+1:]...)
		what = "a grid removed"
	case k == 6:
		i := pick()
		mp := shrunk(grids[i].Geom) // new slices
		copy(mp[0][0], grids[i].Geom[0][0])
		v := 1 + rng.IntN(len(mp[0][0])-2)
		mp[0][0][v][0] = math.Nextafter(mp[0][0][v][0], math.Inf(1))
		grids[i].Geom = mp
		what = "a vertex moved by one ulp"
	case k < 9:
		for {
			if i := rng.IntN(len(areas)); areas[i].Level == LevelVillage && len(areas[i].Geom) > 0 {
				areas[i].Geom = shrunk(areas[i].Geom)
				break
			}
		}
		what = "a village reshaped"
	default:
		what = "nothing"
	}
	return NewSnapshot(s.Version+1, s.LoadedAt, areas, grids), what
}

// sameAnswers checks that ix answers every point as want does, one at a
// time and in a batch.
func sameAnswers(t *testing.T, name string, s *Snapshot, ix, want *Index, pts []orb.Point) {
	t.Helper()
	got, exp := make([]Hit, len(pts)), make([]Hit, len(pts))
	ix.LookupBatch(pts, got)
	want.LookupBatch(pts, exp)
	bad := 0
	for i, p := range pts {
		w := want.Lookup(p)
		if g := ix.Lookup(p); g != w || got[i] != w || exp[i] != w {
			bad++
			if bad <= 5 {
				t.Errorf("%s: point %v: incremental %s (batch %s), fresh build %s", name, p, hitString(s, g), hitString(s, got[i]), hitString(s, w))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d points answered unlike a fresh build", name, bad, len(pts))
	}
}

// TestIndexFromPreviousProperty builds a chain of versions, each from the
// previous index after a random change, and checks that every one
// answers exactly as an index built fresh from its snapshot, on random
// points and on every vertex and points on edges (and one ulp off them);
// that the previous index still answers as before once the next one is
// built (the next one may append to arrays they share); and that a
// second index built from the same previous one does not disturb the
// first.
func TestIndexFromPreviousProperty(t *testing.T) {
	t.Parallel()
	city := synthOptions{seed: 21, nx: 44, ny: 40, x0: 118.4, y0: 31.9, cell: 0.004, minWiggle: 0, maxWiggle: 8, holes: true, gaps: true, multi: true, subGrids: true}
	s := synthCity(city)
	rng := rand.New(rand.NewPCG(5, 9))
	opts := IndexOptions{Workers: 3}
	ix := NewIndex(s, opts)
	shared, copied, siblings := 0, 0, 0
	for step := range 24 {
		opts.Workers = 1 + step%3
		next, what := randomChange(s, rng)
		nix := NewIndexFrom(ix, next, opts)
		name := fmt.Sprintf("step %d (%s, %d workers)", step, what, opts.Workers)
		st := nix.Stats()
		t.Logf("%s: %d of %d rows copied, %d of them shared", name, st.RowsCopied, st.Rows, st.RowsShared)
		shared += st.RowsShared
		copied += st.RowsCopied - st.RowsShared
		fresh := NewIndex(next, opts)
		// (The table sizes may differ: a layer keeps the previous one's
		// while the number of polygons stays within a quarter of it.)
		if fs := fresh.Stats(); st.Grids != fs.Grids || st.Vertices != fs.Vertices {
			t.Errorf("%s: %d grids, %d vertices; fresh build %d, %d", name, st.Grids, st.Vertices, fs.Grids, fs.Vertices)
		}
		pts := append(probePoints(next, uint64(step), 1500, 1500), hardPoints(next, uint64(step), 20, 30000)...)
		sameAnswers(t, name, next, nix, fresh, pts)
		checkLeafWords(t, nix)

		// The previous index is still served until the swap.
		old := NewIndex(s, opts)
		sameAnswers(t, name+", previous index", s, ix, old, probePoints(s, uint64(step)+100, 500, 500))

		if inPlace(ix, nix) {
			// nix appended its rows in ix's arrays. A sibling from the
			// same previous index must not write where nix keeps them.
			siblings++
			sib, sibWhat := randomChange(s, rng)
			six := NewIndexFrom(ix, sib, opts)
			sameAnswers(t, name+", sibling ("+sibWhat+")", sib, six, NewIndex(sib, opts), probePoints(sib, uint64(step)+200, 500, 500))
			sameAnswers(t, name+", after a sibling was built", next, nix, fresh, pts)
		}
		s, ix = next, nix
	}
	t.Logf("rows shared %d, copied %d; %d versions appended in place", shared, copied, siblings)
	if shared == 0 || copied == 0 || siblings == 0 {
		t.Errorf("rows shared %d, copied %d, %d versions appended in place: want every way exercised", shared, copied, siblings)
	}
}

// inPlace reports whether some layer of ix appended rows in the arrays
// of the same layer of prev.
func inPlace(prev, ix *Index) bool {
	for k, l := range ix.layers() {
		p := prev.layers()[k]
		if len(l.fast) > len(p.fast) && len(p.fast) > 0 && unsafe.SliceData(l.fast) == unsafe.SliceData(p.fast) {
			return true
		}
	}
	return false
}

// layers lists the layers of ix.
func (ix *Index) layers() []*layer { return append([]*layer{ix.grids, ix.subLayer}, ix.areas[:]...) }
