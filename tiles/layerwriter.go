package tiles

// LayerWriter writes one MVT 2.1 layer of polygons for a tileset other
// than the grid tiles (the events' hexagons, package eventhex) with the
// grid tiles' own encoder: the same wire format, key and value tables in
// first-use order, geometry commands with the cursor carried across
// features. Not safe for concurrent use.
type LayerWriter struct {
	e     *layerEncoder
	g     geomWriter
	props []prop
}

// Prop is one property of a feature.
type Prop struct{ p prop }

// StringProp is a string property.
func StringProp(key, v string) Prop { return Prop{str(key, v)} }

// NumberProp is a non-negative integer property (negative n is written 0).
func NumberProp(key string, n int) Prop { return Prop{num(key, n)} }

// NewLayerWriter starts a layer called name.
func NewLayerWriter(name string) *LayerWriter {
	return &LayerWriter{e: newLayerEncoder(name)}
}

// Polygon adds a feature with one exterior ring in tile units, open (its
// first point not repeated) and oriented as MVT 2.1 wants an exterior.
func (w *LayerWriter) Polygon(id uint64, ring [][2]int32, props ...Prop) {
	w.g.reset()
	r := make([]ipt, len(ring))
	for i, p := range ring {
		r[i] = ipt{p[0], p[1]}
	}
	w.g.ring(r)
	w.props = w.props[:0]
	for _, p := range props {
		w.props = append(w.props, p.p)
	}
	w.e.add(id, w.props, geomPolygon, w.g.cmds)
}

// Tile returns a tile holding the layer; nil when it has no feature.
func (w *LayerWriter) Tile() []byte { return w.e.appendTo(nil) }
