package tilestest

import (
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TileRequest names one tile of a benchmark list.
type TileRequest struct{ Z, X, Y int }

// zoomWeights is the share of requests per zoom, in percent, shaped like
// the traffic of a city map: most at street zooms, few at the overview.
var zoomWeights = []int{0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 2, 8: 3, 9: 4, 10: 5, 11: 7,
	12: 11, 13: 13, 14: 15, 15: 14, 16: 11, 17: 7, 18: 5}

// Bounded is what has bounds in degrees, such as *tiles.Prepared.
type Bounded interface {
	Bounds() (west, south, east, north float64, ok bool)
}

// WeightedTiles draws n tiles over the bounds of p (prepared tile data),
// zooms weighted like the traffic of a city map (most at z12-z16), from a
// fixed seed, so a benchmark of the in-memory renderer and one of PostGIS
// can ask for the same list.
func WeightedTiles(p Bounded, n int, seed uint64) []TileRequest {
	w, s, e, nn, ok := p.Bounds()
	if !ok {
		return nil
	}
	return WeightedTilesIn(orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, nn}}, n, seed)
}

// WeightedTilesIn is WeightedTiles over a bounding box in degrees (such
// as a TileJSON document's bounds), for clients that have no Prepared.
func WeightedTilesIn(b orb.Bound, n int, seed uint64) []TileRequest {
	r := rand.New(rand.NewPCG(seed, 42))
	total := 0
	for _, wt := range zoomWeights {
		total += wt
	}
	out := make([]TileRequest, 0, max(n, 0))
	for len(out) < n {
		k := r.IntN(total)
		z := 0
		for ; k >= zoomWeights[z]; z++ {
			k -= zoomWeights[z]
		}
		pt := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		t := maptile.At(pt, maptile.Zoom(z))
		out = append(out, TileRequest{z, int(t.X), int(t.Y)})
	}
	return out
}
