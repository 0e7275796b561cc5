package tiles

import (
	"fmt"
	"math"
	"sync"
)

// TileError says why a tile address is not valid, with the valid range.
type TileError struct {
	Z, X, Y int
	Reason  string
}

func (e *TileError) Error() string {
	return fmt.Sprintf("tile %d/%d/%d: %s", e.Z, e.X, e.Y, e.Reason)
}

// CheckTile reports whether z/x/y names a tile of the pyramid the service
// serves: z in 0..MaxZoom and x, y in 0..2^z-1.
func CheckTile(z, x, y int) error {
	if z < 0 || z > MaxZoom {
		return &TileError{z, x, y, fmt.Sprintf("zoom %d is out of range 0-%d", z, MaxZoom)}
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return &TileError{z, x, y, fmt.Sprintf("x and y must be in 0-%d at zoom %d", n-1, z)}
	}
	return nil
}

// renderer holds the buffers one render reuses.
type renderer struct {
	hits  []int32
	w     geomWriter
	buf   []ipt
	pts   []ipt   // the rings of the current polygon, in tile units
	rings [][]ipt // slices of pts
	clip  clipper
	enc   *layerEncoder
}

var renderers = sync.Pool{New: func() any { return new(renderer) }}

// Render encodes tile z/x/y of the named layers (all layers when names is
// empty) as an MVT 2.1 tile. A tile with no feature is returned as nil.
// Layers whose zoom range does not include z are left out.
func (p *Prepared) Render(names []string, z, x, y int) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := p.layers[n]; !ok {
			return nil, fmt.Errorf("unknown layer %q", n)
		}
	}
	r := renderers.Get().(*renderer)
	defer renderers.Put(r)
	var tile []byte
	for _, name := range LayersAt(names, z) {
		tile = r.layer(tile, p.layers[name], z, x, y)
	}
	return tile, nil
}

// RenderTile is the cache-miss path of the service, for benchmarks and
// commands: render, hash and gzip one tile of the named layers (all when
// names is empty).
func (p *Prepared) RenderTile(names []string, z, x, y int) (Tile, error) {
	b, err := p.Render(names, z, x, y)
	if err != nil {
		return Tile{}, err
	}
	return newTile(b), nil
}

func (r *renderer) layer(tile []byte, l *layerData, z, x, y int) []byte {
	n := math.Ldexp(1, z)
	bf := float64(Buffer) / Extent
	q := box{(float64(x) - bf) / n, (float64(y) - bf) / n, (float64(x) + 1 + bf) / n, (float64(y) + 1 + bf) / n}
	if r.enc == nil {
		r.enc = newLayerEncoder(l.info.Name)
	}
	enc := r.enc
	enc.reset(l.info.Name)
	sc := scale(z)
	ox, oy := float64(x)*Extent, float64(y)*Extent
	if l.point {
		for _, g := range l.groups {
			if z < g.minZ || z > g.maxZ {
				continue
			}
			r.hits = g.index.search(q, r.hits[:0])
			for _, i := range r.hits {
				f := &g.feats[i]
				pt := ipt{int32(math.Round(f.pt.x*sc - ox)), int32(math.Round(f.pt.y*sc - oy))}
				if pt.x < -Buffer || pt.x > Extent+Buffer || pt.y < -Buffer || pt.y > Extent+Buffer {
					continue
				}
				r.w.reset()
				r.w.point(pt)
				enc.add(f.id, f.props, geomPoint, r.w.cmds)
			}
		}
		return enc.appendTo(tile)
	}
	lean := z < l.info.FullZoom
	r.hits = l.index.search(q, r.hits[:0])
	for _, i := range r.hits {
		f := &l.feats[i]
		props := f.props
		if lean {
			props = f.lean
		}
		r.w.reset()
		if z <= l.zoomHi {
			r.precomputed(f.byZoom[z-l.zoomLo], int32(x)*Extent, int32(y)*Extent)
		} else {
			r.project(f.polys, sc, ox, oy)
		}
		if len(r.w.cmds) > 0 {
			enc.add(f.id, props, geomPolygon, r.w.cmds)
		}
	}
	return enc.appendTo(tile)
}

// precomputed writes polygons simplified for this zoom, shifted to the
// tile's origin.
func (r *renderer) precomputed(polys []ipoly, ox, oy int32) {
	for _, poly := range polys {
		r.rings, r.pts = r.rings[:0], r.pts[:0]
		for _, ring := range poly {
			start := len(r.pts)
			for _, p := range ring {
				r.pts = append(r.pts, ipt{p.x - ox, p.y - oy})
			}
			r.rings = append(r.rings, r.pts[start:len(r.pts):len(r.pts)])
		}
		r.polygon(r.rings)
	}
}

// project writes polygons projected and rounded on the fly.
func (r *renderer) project(polys []wpoly, sc, ox, oy float64) {
	for _, poly := range polys {
		r.rings, r.pts = r.rings[:0], r.pts[:0]
		for k, ring := range poly {
			r.buf = dropCollinear(quantise(r.buf[:0], ring, sc, ox, oy))
			if !orient(r.buf, k == 0) {
				if k == 0 {
					break
				}
				continue
			}
			start := len(r.pts)
			r.pts = append(r.pts, r.buf...)
			r.rings = append(r.rings, r.pts[start:len(r.pts):len(r.pts)])
		}
		if len(r.rings) > 0 {
			r.polygon(r.rings)
		}
	}
}

// polygon writes one polygon in tile units, wound (exterior then holes),
// clipped to the buffered tile: it may become several polygons or none.
func (r *renderer) polygon(rings [][]ipt) {
	const lo, hi = -Buffer, Extent + Buffer
	minX, minY, maxX, maxY := ringBounds(rings[0])
	if maxX < lo || maxY < lo || minX > hi || minY > hi {
		return
	}
	if minX >= lo && minY >= lo && maxX <= hi && maxY <= hi {
		r.write(rings)
		return
	}
	for _, p := range r.clip.polygon(rings, lo, hi) {
		r.write(p)
	}
}

// write writes the rings of one polygon, taking it back should its holes
// cover all of its exterior (bad input: clipping leaves no such polygon).
func (r *renderer) write(rings [][]ipt) {
	mark, markX, markY := len(r.w.cmds), r.w.x, r.w.y
	var net int64
	for _, ring := range rings {
		net += area2(ring)
		r.w.ring(ring)
	}
	if net <= 0 {
		r.w.cmds, r.w.x, r.w.y = r.w.cmds[:mark], markX, markY
	}
}
