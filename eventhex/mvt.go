package eventhex

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The MVT 2.1 wire format of the one layer, written by hand like the grid
// tiles (package tiles): hexagons are a few small convex polygons.
const (
	tileLayers = 3

	layerName     = 1
	layerFeatures = 2
	layerKeys     = 3
	layerValues   = 4
	layerExtent   = 5
	layerVersion  = 15

	featureID       = 1
	featureTags     = 2
	featureType     = 3
	featureGeometry = 4

	valueString = 1
	valueUint   = 5

	geomPolygon = 3

	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// Extent is the number of units along a tile side; Buffer the units kept
// beyond each edge.
const (
	Extent = 4096
	Buffer = 64
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

// encode writes the layer. Keys are h3, count, open; values are
// deduplicated.
func encode(feats []hexFeature) []byte {
	if len(feats) == 0 {
		return nil
	}
	keys := []string{"h3", "count", "open"}
	type val struct {
		s     string
		n     uint64
		isStr bool
	}
	var values []val
	idx := map[val]uint64{}
	value := func(v val) uint64 {
		if i, ok := idx[v]; ok {
			return i
		}
		i := uint64(len(values))
		values = append(values, v)
		idx[v] = i
		return i
	}
	var layer []byte
	layer = protowire.AppendTag(layer, layerVersion, protowire.VarintType)
	layer = protowire.AppendVarint(layer, 2)
	layer = protowire.AppendTag(layer, layerName, protowire.BytesType)
	layer = protowire.AppendString(layer, LayerName)
	var fb, packed []byte
	for _, f := range feats {
		fb = fb[:0]
		fb = protowire.AppendTag(fb, featureID, protowire.VarintType)
		fb = protowire.AppendVarint(fb, f.cell)
		packed = packed[:0]
		for k, v := range []val{{s: cellString(f.cell), isStr: true}, {n: uint64(f.count)}, {n: uint64(f.open)}} {
			packed = protowire.AppendVarint(packed, uint64(k))
			packed = protowire.AppendVarint(packed, value(v))
		}
		fb = protowire.AppendTag(fb, featureTags, protowire.BytesType)
		fb = protowire.AppendBytes(fb, packed)
		fb = protowire.AppendTag(fb, featureType, protowire.VarintType)
		fb = protowire.AppendVarint(fb, geomPolygon)
		packed = packed[:0]
		var cx, cy int32
		for i, p := range f.ring {
			switch i {
			case 0:
				packed = protowire.AppendVarint(packed, command(cmdMoveTo, 1))
			case 1:
				packed = protowire.AppendVarint(packed, command(cmdLineTo, len(f.ring)-1))
			}
			packed = protowire.AppendVarint(packed, protowire.EncodeZigZag(int64(p.x-cx)))
			packed = protowire.AppendVarint(packed, protowire.EncodeZigZag(int64(p.y-cy)))
			cx, cy = p.x, p.y
		}
		packed = protowire.AppendVarint(packed, command(cmdClosePath, 1))
		fb = protowire.AppendTag(fb, featureGeometry, protowire.BytesType)
		fb = protowire.AppendBytes(fb, packed)
		layer = protowire.AppendTag(layer, layerFeatures, protowire.BytesType)
		layer = protowire.AppendBytes(layer, fb)
	}
	for _, k := range keys {
		layer = protowire.AppendTag(layer, layerKeys, protowire.BytesType)
		layer = protowire.AppendString(layer, k)
	}
	for _, v := range values {
		var vb []byte
		if v.isStr {
			vb = protowire.AppendTag(vb, valueString, protowire.BytesType)
			vb = protowire.AppendString(vb, v.s)
		} else {
			vb = protowire.AppendTag(vb, valueUint, protowire.VarintType)
			vb = protowire.AppendVarint(vb, v.n)
		}
		layer = protowire.AppendTag(layer, layerValues, protowire.BytesType)
		layer = protowire.AppendBytes(layer, vb)
	}
	layer = protowire.AppendTag(layer, layerExtent, protowire.VarintType)
	layer = protowire.AppendVarint(layer, Extent)
	var tile []byte
	tile = protowire.AppendTag(tile, tileLayers, protowire.BytesType)
	return protowire.AppendBytes(tile, layer)
}

func command(id, count int) uint64 { return uint64(id&7 | count<<3) }
