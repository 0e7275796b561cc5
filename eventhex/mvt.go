package eventhex

import "gridmap/tiles"

// Extent is the number of units along a tile side; Buffer the units kept
// beyond each edge: the grid tiles'.
const (
	Extent = tiles.Extent
	Buffer = tiles.Buffer
)

// LayerName is the name of the layer in the tiles and the TileJSON.
const LayerName = "events_hex"

// pt is a point in tile units.
type pt struct{ x, y int32 }

// hexFeature is one hexagon to write.
type hexFeature struct {
	cell        uint64
	count, open int
	ring        []pt // exterior, open (first point not repeated)
}

// encode writes the layer with the grid tiles' encoder (tiles.LayerWriter):
// each hexagon's cell as its id and its properties h3, count and open.
func encode(feats []hexFeature) []byte {
	w := tiles.NewLayerWriter(LayerName)
	ring := make([][2]int32, 0, 8)
	for _, f := range feats {
		ring = ring[:0]
		for _, p := range f.ring {
			ring = append(ring, [2]int32{p.x, p.y})
		}
		w.Polygon(f.cell, ring, tiles.StringProp("h3", cellString(f.cell)), tiles.NumberProp("count", f.count), tiles.NumberProp("open", f.open))
	}
	return w.Tile()
}
