package geocode

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// pointGrid buckets the addresses' points in cells of cellDeg degrees, for
// the nearest address to a point.
type pointGrid struct {
	cells map[[2]int32][]int32
}

const cellDeg = 0.002 // ≈ 200 m north-south

func cellOf(p orb.Point) [2]int32 {
	return [2]int32{int32(math.Floor(p[0] / cellDeg)), int32(math.Floor(p[1] / cellDeg))}
}

// newPointGrid buckets es, numbered from first.
func newPointGrid(es []entry, first int32) pointGrid {
	g := pointGrid{cells: map[[2]int32][]int32{}}
	for i := range es {
		c := cellOf(es[i].Point)
		g.cells[c] = append(g.cells[c], first+int32(i))
	}
	return g
}

func (g pointGrid) bytes() int {
	b := 0
	for _, v := range g.cells {
		b += 8 + 24 + 16 + 4*cap(v)
	}
	return b
}

// nearest is the live address nearest to p within maxMeters (the lowest
// id of those as near), or -1.
func (ix *Index) nearest(p orb.Point, maxMeters float64) (int32, float64) {
	c := cellOf(p)
	// cells to search: enough to cover maxMeters in longitude at this latitude
	r := int32(math.Ceil(maxMeters/(cellDeg*111_320*math.Max(0.1, math.Cos(p[1]*math.Pi/180))))) + 1
	best, bestD := int32(-1), maxMeters
	grids := []pointGrid{ix.points}
	if ix.d != nil {
		grids = append(grids, ix.d.points)
	}
	for _, g := range grids {
		for dx := -r; dx <= r; dx++ {
			for dy := -r; dy <= r; dy++ {
				for _, i := range g.cells[[2]int32{c[0] + dx, c[1] + dy}] {
					if !ix.alive(i) {
						continue
					}
					e := ix.entry(i)
					if d := geo.Distance(p, e.Point); d < bestD || d == bestD && (best < 0 || e.ID < ix.entry(best).ID) {
						best, bestD = i, d
					}
				}
			}
		}
	}
	return best, bestD
}
