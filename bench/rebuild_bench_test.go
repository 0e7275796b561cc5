package bench_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

// BenchmarkRebuildOneGrid times the in-process part of change-to-served
// after one grid changed shape, on the synthetic city at 1× and 4× (as
// gridd bench scale measures it): the lookup index from the previous one,
// the tile data from the previous one, and both together as a reload
// runs them.
func BenchmarkRebuildOneGrid(b *testing.B) {
	for _, size := range []float64{1, 4} {
		k := math.Sqrt(size)
		snap := tilestest.SyntheticCity(int(math.Round(150*k)), int(math.Round(140*k)))
		ix := geo.NewIndex(snap, geo.IndexOptions{})
		prep := tiles.PrepareFrom(snap, nil)
		grids := slices.Clone(snap.Grids)
		g := &grids[len(grids)/2]
		g.Geom = orb.MultiPolygon{{slices.Clone(g.Geom[0][0])}}
		g.Geom[0][0][1][0] += 0.0005
		g.ValidFrom = g.ValidFrom.Add(time.Hour)
		next := geo.NewSnapshot(snap.Version+1, time.Now(), snap.Areas, grids)
		b.Run(fmt.Sprintf("%gx/index", size), func(b *testing.B) {
			// Each index from the one before, as versions follow each
			// other: the grid changed, then back.
			cur := ix
			for i := 0; b.Loop(); i++ {
				cur = geo.NewIndexFrom(cur, [2]*geo.Snapshot{next, snap}[i%2], geo.IndexOptions{})
			}
		})
		b.Run(fmt.Sprintf("%gx/tiles", size), func(b *testing.B) {
			cur := prep
			for i := 0; b.Loop(); i++ {
				cur = tiles.PrepareFrom([2]*geo.Snapshot{next, snap}[i%2], cur)
			}
		})
	}
}
