package tilestest

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The MVT 2.1 protobuf field numbers and geometry commands, from the
// specification (vector_tile.proto), kept apart from the encoder's own so
// the decoder checks the encoder rather than sharing its mistakes.
const (
	tileLayers = 3 // Tile.layers

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

	geomPoint   = 1
	geomPolygon = 3

	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// Decoded is a vector tile read by Decode.
type Decoded struct {
	Layers []DecodedLayer
}

// Layer returns the layer with the name, or nil.
func (d *Decoded) Layer(name string) *DecodedLayer {
	for i := range d.Layers {
		if d.Layers[i].Name == name {
			return &d.Layers[i]
		}
	}
	return nil
}

// DecodedLayer is one layer of a decoded tile.
type DecodedLayer struct {
	Name     string
	Version  uint32
	Extent   uint32
	Features []DecodedFeature
}

// DecodedFeature is one feature: a point or polygons in tile units.
type DecodedFeature struct {
	ID    uint64
	HasID bool
	// Type is 1 (point), 2 (line string) or 3 (polygon).
	Type  int
	Props map[string]any
	// Polygons are the polygons of a polygon feature: each an exterior
	// ring followed by its holes, every ring open (first point not
	// repeated), as the geometry commands wrote them.
	Polygons [][][][2]int32
	// Points are the points of a point feature.
	Points [][2]int32
}

// Decode reads an MVT tile strictly against the 2.1 specification:
// layer version 2, unique layer names, every feature with an id, a known
// geometry type and tags that point into the key and value tables;
// geometry commands well formed; every polygon ring of at least three
// points with non-zero area, exterior rings with positive area by the
// surveyor's formula in tile coordinates and holes negative. It returns
// the first violation as an error.
func Decode(b []byte) (*Decoded, error) {
	var d Decoded
	seen := map[string]bool{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("tile: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num == tileLayers && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("tile layer: %w", protowire.ParseError(n))
			}
			b = b[n:]
			l, err := decodeLayer(v)
			if err != nil {
				return nil, fmt.Errorf("layer %d (%s): %w", len(d.Layers), l.Name, err)
			}
			if seen[l.Name] {
				return nil, fmt.Errorf("layer name %q appears twice", l.Name)
			}
			seen[l.Name] = true
			d.Layers = append(d.Layers, l)
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, fmt.Errorf("tile field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return &d, nil
}

type rawFeature struct {
	id      uint64
	hasID   bool
	typ     int
	tags    []uint64
	geom    []uint64
	hasGeom bool
}

func decodeLayer(b []byte) (DecodedLayer, error) {
	l := DecodedLayer{Extent: 4096}
	var feats []rawFeature
	var keys []string
	var values []any
	hasVersion, hasName := false, false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return l, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == layerVersion && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b, l.Version, hasVersion = b[n:], uint32(v), true
		case num == layerName && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b, l.Name, hasName = b[n:], v, true
		case num == layerExtent && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b, l.Extent = b[n:], uint32(v)
		case num == layerKeys && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b, keys = b[n:], append(keys, v)
		case num == layerValues && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b = b[n:]
			val, err := decodeValue(v)
			if err != nil {
				return l, fmt.Errorf("value %d: %w", len(values), err)
			}
			values = append(values, val)
		case num == layerFeatures && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b = b[n:]
			f, err := decodeRawFeature(v)
			if err != nil {
				return l, fmt.Errorf("feature %d: %w", len(feats), err)
			}
			feats = append(feats, f)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return l, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if !hasName || l.Name == "" {
		return l, errors.New("layer has no name")
	}
	if !hasVersion || l.Version != 2 {
		return l, fmt.Errorf("layer version is %d; MVT 2.1 requires 2", l.Version)
	}
	if l.Extent == 0 {
		return l, errors.New("extent 0")
	}
	for i, rf := range feats {
		f := DecodedFeature{ID: rf.id, HasID: rf.hasID, Type: rf.typ, Props: map[string]any{}}
		if !rf.hasID {
			return l, fmt.Errorf("feature %d has no id", i)
		}
		if len(rf.tags)%2 != 0 {
			return l, fmt.Errorf("feature %d: odd number of tags", i)
		}
		for j := 0; j < len(rf.tags); j += 2 {
			k, v := rf.tags[j], rf.tags[j+1]
			if k >= uint64(len(keys)) || v >= uint64(len(values)) {
				return l, fmt.Errorf("feature %d: tag %d/%d outside %d keys, %d values", i, k, v, len(keys), len(values))
			}
			f.Props[keys[k]] = values[v]
		}
		if !rf.hasGeom || len(rf.geom) == 0 {
			return l, fmt.Errorf("feature %d (id %d) has no geometry", i, rf.id)
		}
		var err error
		switch rf.typ {
		case geomPoint:
			f.Points, err = decodePoints(rf.geom)
		case geomPolygon:
			f.Polygons, err = decodePolygons(rf.geom)
		default:
			err = fmt.Errorf("geometry type %d is not point or polygon", rf.typ)
		}
		if err != nil {
			return l, fmt.Errorf("feature %d (id %d): %w", i, rf.id, err)
		}
		l.Features = append(l.Features, f)
	}
	return l, nil
}

func decodeRawFeature(b []byte) (rawFeature, error) {
	var f rawFeature
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return f, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == featureID && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return f, protowire.ParseError(n)
			}
			b, f.id, f.hasID = b[n:], v, true
		case num == featureType && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return f, protowire.ParseError(n)
			}
			b, f.typ = b[n:], int(v)
		case (num == featureTags || num == featureGeometry) && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return f, protowire.ParseError(n)
			}
			b = b[n:]
			var out []uint64
			for len(v) > 0 {
				x, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return f, protowire.ParseError(n)
				}
				v, out = v[n:], append(out, x)
			}
			if num == featureTags {
				f.tags = out
			} else {
				f.geom, f.hasGeom = out, true
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return f, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return f, nil
}

func decodeValue(b []byte) (any, error) {
	var v any
	count := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		count++
		switch {
		case num == 1 && typ == protowire.BytesType:
			s, n := protowire.ConsumeString(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b, v = b[n:], s
		case num == 2 && typ == protowire.Fixed32Type:
			_, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b, v = b[n:], "float"
		case num == 3 && typ == protowire.Fixed64Type:
			_, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b, v = b[n:], "double"
		case (num == 4 || num == 5 || num == 6 || num == 7) && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			switch num {
			case 4:
				v = int64(x)
			case 5:
				v = int64(x)
			case 6:
				v = protowire.DecodeZigZag(x)
			default:
				v = x != 0
			}
		default:
			return nil, fmt.Errorf("unknown value field %d", num)
		}
	}
	if count != 1 {
		return nil, fmt.Errorf("value has %d fields; want exactly one", count)
	}
	return v, nil
}

type cmdReader struct {
	g    []uint64
	i    int
	x, y int32
}

func (r *cmdReader) command() (id, count uint32, err error) {
	if r.i >= len(r.g) {
		return 0, 0, errors.New("geometry ends early")
	}
	c := uint32(r.g[r.i])
	r.i++
	return c & 7, c >> 3, nil
}

func (r *cmdReader) point() ([2]int32, error) {
	if r.i+1 >= len(r.g) {
		return [2]int32{}, errors.New("geometry ends inside a point")
	}
	r.x += int32(protowire.DecodeZigZag(r.g[r.i] & 0xffffffff))
	r.y += int32(protowire.DecodeZigZag(r.g[r.i+1] & 0xffffffff))
	r.i += 2
	return [2]int32{r.x, r.y}, nil
}

func decodePoints(g []uint64) ([][2]int32, error) {
	r := &cmdReader{g: g}
	id, count, err := r.command()
	if err != nil {
		return nil, err
	}
	if id != cmdMoveTo || count == 0 {
		return nil, fmt.Errorf("point geometry starts with command %d×%d; want MoveTo", id, count)
	}
	var pts [][2]int32
	for k := uint32(0); k < count; k++ {
		p, err := r.point()
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	if r.i != len(g) {
		return nil, errors.New("trailing data after point geometry")
	}
	return pts, nil
}

// RingArea2 is twice the signed area of an open ring by the surveyor's
// formula (positive for MVT exterior rings in tile coordinates).
func RingArea2(r [][2]int32) int64 {
	var a int64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += int64(p[0])*int64(q[1]) - int64(q[0])*int64(p[1])
	}
	return a
}

func decodePolygons(g []uint64) ([][][][2]int32, error) {
	r := &cmdReader{g: g}
	var polys [][][][2]int32
	for r.i < len(g) {
		id, count, err := r.command()
		if err != nil {
			return nil, err
		}
		if id != cmdMoveTo || count != 1 {
			return nil, fmt.Errorf("ring %d starts with command %d×%d; want MoveTo×1", len(polys), id, count)
		}
		p0, err := r.point()
		if err != nil {
			return nil, err
		}
		if id, count, err = r.command(); err != nil {
			return nil, err
		}
		if id != cmdLineTo || count < 2 {
			return nil, fmt.Errorf("ring MoveTo is followed by command %d×%d; want LineTo with at least 2 points", id, count)
		}
		ring := [][2]int32{p0}
		for k := uint32(0); k < count; k++ {
			p, err := r.point()
			if err != nil {
				return nil, err
			}
			ring = append(ring, p)
		}
		if id, count, err = r.command(); err != nil {
			return nil, err
		}
		if id != cmdClosePath || count != 1 {
			return nil, fmt.Errorf("ring ends with command %d×%d; want ClosePath×1", id, count)
		}
		a := RingArea2(ring)
		switch {
		case a == 0:
			return nil, fmt.Errorf("ring %v has zero area", ring)
		case a > 0:
			polys = append(polys, [][][2]int32{ring})
		case len(polys) == 0:
			return nil, fmt.Errorf("first ring has negative area %d/2: an exterior ring must be positive (clockwise on screen, y down)", a)
		default:
			polys[len(polys)-1] = append(polys[len(polys)-1], ring)
		}
	}
	if len(polys) == 0 {
		return nil, errors.New("polygon without rings")
	}
	return polys, nil
}
