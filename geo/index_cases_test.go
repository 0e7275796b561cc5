package geo

import (
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

func box(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// handCity is a small map drawn by hand:
//
//   - four unit squares meeting at (1,1), codes not in map order:
//     [0,1]² 003, [1,2]×[0,1] 001, [0,1]×[1,2] 004, [1,2]² 002;
//   - 002 has two sub-grids, its left half 00201 and right half 00202;
//   - the square [2,3]×[0,1] cut on its diagonal: 005 below, 006 above;
//   - 007 is [0,4]×[3,7] with the hole [1,3]×[4,6]; the island 008 fills
//     the hole's left half [1,2]×[4,6], the right half is in no grid;
//   - 009 is two squares, [5,6]×[0,1] and [7,8]×[0,1];
//   - village [0,4]×[0,8] in town [−1,5]×[−1,9] in county [−2,9]² in
//     city [−10,10]².
func handCity() *Snapshot {
	mp := func(rs ...orb.Ring) orb.MultiPolygon { return orb.MultiPolygon{orb.Polygon(rs)} }
	g := func(code string, geom orb.MultiPolygon) Grid {
		return Grid{Code: Code(code), Kind: KindUrban, Village: "320902001001", Geom: geom}
	}
	grids := []Grid{
		g("320902001001001", mp(box(1, 0, 2, 1))),
		g("320902001001002", mp(box(1, 1, 2, 2))),
		g("32090200100100201", mp(box(1, 1, 1.5, 2))),
		g("32090200100100202", mp(box(1.5, 1, 2, 2))),
		g("320902001001003", mp(box(0, 0, 1, 1))),
		g("320902001001004", mp(box(0, 1, 1, 2))),
		g("320902001001005", mp(orb.Ring{{2, 0}, {3, 0}, {3, 1}, {2, 0}})),
		g("320902001001006", mp(orb.Ring{{2, 0}, {3, 1}, {2, 1}, {2, 0}})),
		g("320902001001007", mp(box(0, 3, 4, 7), orb.Ring{{1, 4}, {1, 6}, {3, 6}, {3, 4}, {1, 4}})),
		g("320902001001008", mp(box(1, 4, 2, 6))),
		g("320902001001009", orb.MultiPolygon{{box(5, 0, 6, 1)}, {box(7, 0, 8, 1)}}),
	}
	for _, k := range []int{2, 3} {
		grids[k].Kind, grids[k].ParentGrid = KindExclusive, "320902001001002"
	}
	grids[1].Kind = KindExclusive
	areas := []Area{
		{Code: "320900000000", Level: LevelCity, Geom: mp(box(-10, -10, 10, 10))},
		{Code: "320902000000", Level: LevelCounty, Geom: mp(box(-2, -2, 9, 9))},
		{Code: "320902001000", Level: LevelTown, Geom: mp(box(-1, -1, 5, 9))},
		{Code: "320902001001", Level: LevelVillage, Geom: mp(box(0, 0, 4, 8))},
	}
	return NewSnapshot(1, grids[0].ValidFrom, areas, grids)
}

func TestIndexHandCases(t *testing.T) {
	t.Parallel()
	s := handCity()
	cases := []struct {
		name          string
		p             orb.Point
		grid, sub, ar string // "" for none
	}{
		{"interior", orb.Point{0.5, 0.5}, "320902001001003", "", "320902001001"},
		{"interior of a grid with sub-grids", orb.Point{1.2, 1.7}, "320902001001002", "32090200100100201", "320902001001"},
		{"right sub-grid", orb.Point{1.75, 1.5}, "320902001001002", "32090200100100202", "320902001001"},
		{"between sub-grids: smallest", orb.Point{1.5, 1.5}, "320902001001002", "32090200100100201", "320902001001"},
		{"vertex of four grids: smallest", orb.Point{1, 1}, "320902001001001", "", "320902001001"},
		{"edge 001|002: smallest", orb.Point{1.5, 1}, "320902001001001", "", "320902001001"},
		{"edge 002|004: 002 and its sub-grid", orb.Point{1, 1.5}, "320902001001002", "32090200100100201", "320902001001"},
		{"edge 003|004", orb.Point{0.25, 1}, "320902001001003", "", "320902001001"},
		{"outer corner", orb.Point{0, 0}, "320902001001003", "", "320902001001"},
		{"on the diagonal", orb.Point{2.25, 0.25}, "320902001001005", "", "320902001001"},
		{"edge 001|005 end of the diagonal", orb.Point{2, 0}, "320902001001001", "", "320902001001"},
		{"edge 001|006", orb.Point{2, 0.5}, "320902001001001", "", "320902001001"},
		{"below the diagonal", orb.Point{2.75, 0.25}, "320902001001005", "", "320902001001"},
		{"above the diagonal", orb.Point{2.25, 0.75}, "320902001001006", "", "320902001001"},
		{"one ulp above the diagonal", orb.Point{2.75, math.Nextafter(0.75, 1)}, "320902001001006", "", "320902001001"},
		{"one ulp below the diagonal", orb.Point{2.75, math.Nextafter(0.75, 0)}, "320902001001005", "", "320902001001"},
		{"in the island", orb.Point{1.5, 5}, "320902001001008", "", "320902001001"},
		{"island edge on the hole boundary", orb.Point{1, 5}, "320902001001007", "", "320902001001"},
		{"island edge inside the hole", orb.Point{2, 5}, "320902001001008", "", "320902001001"},
		{"empty part of the hole", orb.Point{2.5, 5}, "", "", "320902001001"},
		{"hole boundary", orb.Point{3, 5}, "320902001001007", "", "320902001001"},
		{"hole corner", orb.Point{3, 6}, "320902001001007", "", "320902001001"},
		{"ring around the hole", orb.Point{3.5, 5}, "320902001001007", "", "320902001001"},
		{"second component", orb.Point{7.5, 0.5}, "320902001001009", "", "320902001001"},
		{"second component corner", orb.Point{8, 1}, "320902001001009", "", "320902001001"},
		{"between components: county", orb.Point{6.5, 0.5}, "", "", "320902000000"},
		{"in the village, no grid", orb.Point{3.5, 7.5}, "", "", "320902001001"},
		{"village boundary, no grid", orb.Point{4, 7.5}, "", "", "320902001001"},
		{"town only", orb.Point{4.5, 8.5}, "", "", "320902001000"},
		{"city only", orb.Point{-5, -5}, "", "", "320900000000"},
		{"outside everything", orb.Point{100, 100}, "", "", ""},
		{"NaN", orb.Point{math.NaN(), 1}, "", "", ""},
		{"infinite", orb.Point{math.Inf(1), 1}, "", "", ""},
	}
	for _, opts := range []IndexOptions{{}, {TopCellsPerEdge: 50, LeafEdges: 1, MaxDepth: 4}} {
		ix := NewIndex(s, opts)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := ix.Lookup(c.p)
				code := func(i int32, grid bool) string {
					if i < 0 {
						return ""
					}
					if grid {
						return string(s.Grids[i].Code)
					}
					return string(s.Areas[i].Code)
				}
				if g, sg, a := code(h.Grid, true), code(h.SubGrid, true), code(h.Area, false); g != c.grid || sg != c.sub || a != c.ar {
					t.Errorf("Lookup(%v) = grid %q sub %q area %q, want %q %q %q", c.p, g, sg, a, c.grid, c.sub, c.ar)
				}
				if want := bruteLookup(s, c.p); h != want {
					t.Errorf("Lookup(%v) = %+v, brute force %+v", c.p, h, want)
				}
			})
		}
	}
}

// TestIndexConcurrentLookups runs lookups and batches from several
// goroutines on one index (run with -race).
func TestIndexConcurrentLookups(t *testing.T) {
	t.Parallel()
	s := synthCity(synthOptions{seed: 8, nx: 8, ny: 8, x0: 120, y0: 33, cell: 0.002, maxWiggle: 6, holes: true, gaps: true, subGrids: true})
	ix := NewIndex(s, IndexOptions{})
	pts := probePoints(s, 8, 500, 300)
	want := make([]Hit, len(pts))
	for i, p := range pts {
		want[i] = bruteLookup(s, p)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			out := make([]Hit, len(pts))
			for range 3 {
				if w%2 == 0 {
					ix.LookupBatch(pts, out)
				} else {
					for i, p := range pts {
						out[i] = ix.Lookup(p)
					}
				}
				for i := range pts {
					if out[i] != want[i] {
						t.Errorf("goroutine %d: point %v: %+v, want %+v", w, pts[i], out[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestIndexEmptySnapshot(t *testing.T) {
	t.Parallel()
	ix := NewIndex(NewSnapshot(0, handCity().LoadedAt, nil, nil), IndexOptions{})
	if h := ix.Lookup(orb.Point{120, 33}); h != (Hit{-1, -1, -1}) {
		t.Errorf("empty index answered %+v", h)
	}
	out := make([]Hit, 100)
	ix.LookupBatch(make([]orb.Point, 100), out)
	if out[99] != (Hit{-1, -1, -1}) {
		t.Errorf("empty index batch answered %+v", out[99])
	}
}
