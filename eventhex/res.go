package eventhex

import "gridmap/eventstats"

// MinRes and MaxRes are the coarsest and finest H3 resolutions drawn.
const (
	MinRes = eventstats.MinCellRes
	MaxRes = eventstats.MaxCellRes
)

// MaxZoom is the highest zoom the layer is drawn at; a map over-zooms
// beyond it.
const MaxZoom = 16

// Resolution is the H3 resolution drawn at zoom z: z-3 between 4 (zoom 7
// and below) and 10 (zoom 13 and above). At Yancheng's latitude a tile is
// about 33,600/2^z km wide and a hexagon of resolution r about
// 2·edge(r) across, so a tile holds 6-30 hexagons side by side:
//
//	zoom   0-7  8    9    10   11   12   13-16
//	res    4    5    6    7    8    9    10
//	across 45km 17km 6.4km 2.4km 0.9km 350m 130m
func Resolution(z int) int {
	return min(max(z-3, MinRes), MaxRes)
}

// bucketZoom is the lowest zoom drawn at resolution res: the zoom of the
// tiles its cells are bucketed by.
func bucketZoom(res int) int {
	if res <= MinRes {
		return 0
	}
	return res + 3
}
