package tiles

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"gridmap/tiles/tilestest"
)

// renderOrb renders a tile of the same prepared data with orb's
// encoding/mvt, as the issue first asked: the precomputed (or projected)
// geometry in tile units as geojson features, mvt.Layer.Clip to the
// buffered tile, the fix-ups orb needs (round the clipped vertices, drop
// collapsed rings, wind exterior rings positive and holes negative in
// tile coordinates, layer version 2), then mvt.Marshal. It exists to
// measure that path against the hand-written encoder (BenchmarkEncoders).
func (p *Prepared) renderOrb(names []string, z, x, y int) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	n := math.Ldexp(1, z)
	bf := float64(Buffer) / Extent
	q := box{(float64(x) - bf) / n, (float64(y) - bf) / n, (float64(x) + 1 + bf) / n, (float64(y) + 1 + bf) / n}
	bound := orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}
	sc := scale(z)
	ox, oy := float64(x)*Extent, float64(y)*Extent
	var layers mvt.Layers
	var hits []int32
	var buf []ipt
	for _, name := range LayersAt(names, z) {
		l := p.layers[name]
		ly := &mvt.Layer{Name: name, Version: 2, Extent: Extent}
		add := func(f *feature, g orb.Geometry) {
			props := make(geojson.Properties, len(f.props))
			for _, pr := range f.props {
				if pr.val.isInt {
					props[pr.key] = pr.val.n
				} else {
					props[pr.key] = pr.val.s
				}
			}
			ly.Features = append(ly.Features, &geojson.Feature{ID: f.id, Geometry: g, Properties: props})
		}
		if l.point {
			for _, g := range l.groups {
				if z < g.minZ || z > g.maxZ {
					continue
				}
				hits = g.index.search(q, hits[:0])
				for _, i := range hits {
					f := &g.feats[i]
					add(f, orb.Point{math.Round(f.pt.x*sc - ox), math.Round(f.pt.y*sc - oy)})
				}
			}
		} else {
			hits = l.index.search(q, hits[:0])
			for _, i := range hits {
				f := &l.feats[i]
				var mp orb.MultiPolygon
				if z <= l.zoomHi {
					for _, poly := range f.byZoom[z-l.zoomLo] {
						op := make(orb.Polygon, 0, len(poly))
						for _, r := range poly {
							op = append(op, orbRing(r, int32(x)*Extent, int32(y)*Extent))
						}
						mp = append(mp, op)
					}
				} else {
					for _, poly := range f.polys {
						op := make(orb.Polygon, 0, len(poly))
						for _, r := range poly {
							buf = dropCollinear(quantise(buf[:0], r, sc, ox, oy))
							if len(buf) >= 3 {
								op = append(op, orbRing(buf, 0, 0))
							}
						}
						if len(op) > 0 {
							mp = append(mp, op)
						}
					}
				}
				add(f, mp)
			}
		}
		ly.Clip(bound)
		// The fix-ups orb leaves to its caller.
		k := 0
		for _, f := range ly.Features {
			if g := fixOrb(f.Geometry, &buf); g != nil {
				f.Geometry = g
				ly.Features[k] = f
				k++
			}
		}
		ly.Features = ly.Features[:k]
		if len(ly.Features) > 0 {
			layers = append(layers, ly)
		}
	}
	if len(layers) == 0 {
		return nil, nil
	}
	return mvt.Marshal(layers)
}

// orbRing makes a closed orb ring of an open pixel ring minus an origin.
func orbRing(r []ipt, ox, oy int32) orb.Ring {
	out := make(orb.Ring, 0, len(r)+1)
	for _, p := range r {
		out = append(out, orb.Point{float64(p.x - ox), float64(p.y - oy)})
	}
	return append(out, out[0])
}

// fixOrb rounds, cleans and winds a clipped geometry; nil when nothing
// with area (or no point) is left.
func fixOrb(g orb.Geometry, buf *[]ipt) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.Polygon:
		return fixOrb(orb.MultiPolygon{g}, buf)
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, poly := range g {
			var op orb.Polygon
			var net int64
			for k, r := range poly {
				b := (*buf)[:0]
				for _, pt := range r {
					b = append(b, ipt{int32(math.Round(pt[0])), int32(math.Round(pt[1]))})
				}
				b = dropCollinear(b)
				*buf = b
				if !orient(b, k == 0) {
					if k == 0 {
						break
					}
					continue
				}
				net += area2(b)
				op = append(op, orbRing(b, 0, 0))
			}
			if len(op) > 0 && net > 0 {
				out = append(out, op)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

// TestOrbEncoderAgrees checks the orb path gives tiles the strict decoder
// accepts, with the same features as the hand-written encoder, so the
// benchmark compares like with like.
func TestOrbEncoderAgrees(t *testing.T) {
	t.Parallel()
	_, p, list := benchCity(t)
	for _, tr := range list[:300] {
		ours, err := p.Render(nil, tr.Z, tr.X, tr.Y)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := p.renderOrb(nil, tr.Z, tr.X, tr.Y)
		if err != nil {
			t.Fatal(err)
		}
		if (ours == nil) != (theirs == nil) {
			t.Fatalf("%d/%d/%d: ours %d bytes, orb %d bytes", tr.Z, tr.X, tr.Y, len(ours), len(theirs))
		}
		if ours == nil {
			continue
		}
		a, err := tilestest.Decode(ours)
		if err != nil {
			t.Fatalf("%d/%d/%d ours: %v", tr.Z, tr.X, tr.Y, err)
		}
		b, err := tilestest.Decode(theirs)
		if err != nil {
			t.Fatalf("%d/%d/%d orb: %v", tr.Z, tr.X, tr.Y, err)
		}
		if len(a.Layers) != len(b.Layers) {
			t.Fatalf("%d/%d/%d: %d layers, orb %d", tr.Z, tr.X, tr.Y, len(a.Layers), len(b.Layers))
		}
		for i := range a.Layers {
			if len(a.Layers[i].Features) != len(b.Layers[i].Features) {
				t.Errorf("%d/%d/%d layer %s: %d features, orb %d", tr.Z, tr.X, tr.Y, a.Layers[i].Name,
					len(a.Layers[i].Features), len(b.Layers[i].Features))
			}
		}
	}
}

// BenchmarkEncoders renders the weighted tile list cold (render, hash,
// gzip) with the hand-written encoder and with orb's encoding/mvt.
func BenchmarkEncoders(b *testing.B) {
	_, p, list := benchCity(b)
	for _, c := range []struct {
		name string
		fn   func([]string, int, int, int) ([]byte, error)
	}{{"ours", p.Render}, {"orb", p.renderOrb}} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			bytes, i := 0, 0
			for b.Loop() {
				t := list[i%len(list)]
				i++
				start := time.Now()
				data, err := c.fn(nil, t.Z, t.X, t.Y)
				if err != nil {
					b.Fatal(err)
				}
				tile := newTile(data)
				lat = append(lat, time.Since(start))
				bytes += len(tile.Data)
			}
			reportLatency(b, lat, bytes, i)
		})
	}
}
