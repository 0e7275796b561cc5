package eventhex

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uber/h3-go/v4"

	"gridmap/eventstats"
)

// bin is one hexagon's counts, with a point of one of its events (to
// bucket it by tile).
type bin struct {
	cell        uint64
	count, open int
	wx, wy      float64 // world coordinates (0-1) of an event in it
}

type tileKey struct{ x, y int32 }

// bins are the hexagons of one resolution, bucketed by the tile of
// bucketZoom(res) their event point lies in.
type bins struct {
	res     int
	z       int
	buckets map[tileKey][]bin
	cells   int
}

// state is one drawn version of the layer: the events table it counts and
// the bins of each resolution, made when first needed.
type state struct {
	table *eventstats.Table
	made  time.Time
	once  [MaxRes + 1]sync.Once
	bins  [MaxRes + 1]*bins

	boundsOnce sync.Once
	bounds     [4]float64 // west, south, east, north; all zero without events

	tiles   sync.Map // tileCacheKey → []byte
	ntiles  atomic.Int64
	maxTile int64
}

type tileCacheKey struct{ z, x, y int }

// Version is the events version the state draws.
func (s *state) Version() int64 { return s.table.Seq }

func toWorld(lon, lat float64) (float64, float64) {
	lat = max(min(lat, 85.0511287798), -85.0511287798)
	s := math.Sin(lat * math.Pi / 180)
	return (lon + 180) / 360, 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
}

func (s *state) binsOf(res int) *bins {
	s.once[res].Do(func() {
		b := &bins{res: res, z: bucketZoom(res), buckets: map[tileKey][]bin{}}
		type acc struct {
			count, open int
			wx, wy      float64
		}
		m := map[uint64]*acc{}
		s.table.EachCell(res, func(cell uint64, lon, lat float64, open bool) {
			a := m[cell]
			if a == nil {
				a = &acc{}
				a.wx, a.wy = toWorld(lon, lat)
				m[cell] = a
			}
			a.count++
			if open {
				a.open++
			}
		})
		n := math.Ldexp(1, b.z)
		for cell, a := range m {
			k := tileKey{int32(min(a.wx*n, n-1)), int32(min(a.wy*n, n-1))}
			b.buckets[k] = append(b.buckets[k], bin{cell: cell, count: a.count, open: a.open, wx: a.wx, wy: a.wy})
		}
		b.cells = len(m)
		s.bins[res] = b
	})
	return s.bins[res]
}

// Bounds returns the west, south, east and north of the events' locations
// (ok false without any).
func (s *state) Bounds() (w, so, e, n float64, ok bool) {
	s.boundsOnce.Do(func() {
		first := true
		s.table.EachCell(MinRes, func(_ uint64, lon, lat float64, _ bool) {
			if first {
				s.bounds = [4]float64{lon, lat, lon, lat}
				first = false
				return
			}
			s.bounds = [4]float64{min(s.bounds[0], lon), min(s.bounds[1], lat), max(s.bounds[2], lon), max(s.bounds[3], lat)}
		})
	})
	b := s.bounds
	return b[0], b[1], b[2], b[3], b != [4]float64{}
}

// drawn is one drawn tile: its bytes (nil when no hexagon touches it),
// gzipped, and its strong ETag.
type drawn struct {
	raw, gz []byte
	etag    string
}

// tile draws tile z/x/y, from the cache when drawn before.
func (s *state) tile(z, x, y int) *drawn {
	k := tileCacheKey{z, x, y}
	if d, ok := s.tiles.Load(k); ok {
		return d.(*drawn)
	}
	d := &drawn{raw: s.render(z, x, y)}
	sum := sha256.Sum256(d.raw)
	d.etag = hex.EncodeToString(sum[:12])
	if len(d.raw) > 0 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(d.raw)
		zw.Close()
		d.gz = buf.Bytes()
	}
	if s.ntiles.Add(1) <= s.maxTile {
		s.tiles.Store(k, d)
	}
	return d
}

func (s *state) render(z, x, y int) []byte {
	res := Resolution(z)
	bs := s.binsOf(res)
	// The bucket tile holding this tile, and its neighbours: a hexagon is
	// much smaller than a bucket tile, so one whose event point lies
	// further away cannot reach this tile.
	sh := z - bs.z
	bx, by := int32(x>>sh), int32(y>>sh)
	scale := math.Ldexp(1, z)
	// How far beyond the tile (in world units) a hexagon's event point may
	// lie while the hexagon still reaches into the tile and its buffer:
	// twice the hexagon's edge, stretched by the Mercator scale here.
	_, lat := fromWorld(0, (float64(y)+0.5)/scale)
	edge := h3.HexagonEdgeLengthAvgKm(res) * 1.3 // the largest cells are bigger than average
	margin := 2 * edge / (40075.017 * math.Cos(lat*math.Pi/180))
	margin += float64(Buffer) / Extent / scale
	x0, y0 := float64(x)/scale-margin, float64(y)/scale-margin
	x1, y1 := float64(x+1)/scale+margin, float64(y+1)/scale+margin
	var feats []hexFeature
	for dx := int32(-1); dx <= 1; dx++ {
		for dy := int32(-1); dy <= 1; dy++ {
			for _, b := range bs.buckets[tileKey{bx + dx, by + dy}] {
				if b.wx < x0 || b.wx > x1 || b.wy < y0 || b.wy > y1 {
					continue
				}
				if ring := hexRing(b.cell, z, x, y); ring != nil {
					feats = append(feats, hexFeature{cell: b.cell, count: b.count, open: b.open, ring: ring})
				}
			}
		}
	}
	sortFeatures(feats)
	return encode(feats)
}

func fromWorld(wx, wy float64) (lon, lat float64) {
	return wx*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*wy))) * 180 / math.Pi
}

// hexRing is the cell's boundary in the tile's units, clipped to the tile
// and its buffer, oriented as MVT 2.1 wants an exterior ring; nil when
// nothing of it is left.
func hexRing(cell uint64, z, x, y int) []pt {
	bd := h3.CellToBoundary(h3.Cell(cell))
	scale := math.Ldexp(Extent, z)
	poly := make([][2]float64, len(bd))
	for i, ll := range bd {
		wx, wy := toWorld(ll.Lng, ll.Lat)
		poly[i] = [2]float64{wx*scale - float64(x)*Extent, wy*scale - float64(y)*Extent}
	}
	poly = clipBox(poly, -Buffer, Extent+Buffer)
	var ring []pt
	for _, p := range poly {
		q := pt{int32(math.Round(p[0])), int32(math.Round(p[1]))}
		if n := len(ring); n > 0 && ring[n-1] == q {
			continue
		}
		ring = append(ring, q)
	}
	for len(ring) > 1 && ring[0] == ring[len(ring)-1] {
		ring = ring[:len(ring)-1]
	}
	if len(ring) < 3 {
		return nil
	}
	var a int64
	for i, p := range ring {
		q := ring[(i+1)%len(ring)]
		a += int64(p.x)*int64(q.y) - int64(q.x)*int64(p.y)
	}
	switch {
	case a == 0:
		return nil
	case a < 0:
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	return ring
}

// clipBox clips a convex polygon to the square [lo, hi]² (Sutherland-
// Hodgman, one edge of the square at a time).
func clipBox(poly [][2]float64, lo, hi float64) [][2]float64 {
	for edge := range 4 {
		if len(poly) == 0 {
			return nil
		}
		axis, bound, keepBelow := edge%2, lo, false
		if edge >= 2 {
			bound, keepBelow = hi, true
		}
		inside := func(p [2]float64) bool {
			if keepBelow {
				return p[axis] <= bound
			}
			return p[axis] >= bound
		}
		var out [][2]float64
		for i, cur := range poly {
			prev := poly[(i+len(poly)-1)%len(poly)]
			cin, pin := inside(cur), inside(prev)
			if cin != pin {
				t := (bound - prev[axis]) / (cur[axis] - prev[axis])
				var p [2]float64
				p[axis] = bound
				p[1-axis] = prev[1-axis] + t*(cur[1-axis]-prev[1-axis])
				out = append(out, p)
			}
			if cin {
				out = append(out, cur)
			}
		}
		poly = out
	}
	return poly
}

func cellString(c uint64) string { return h3.Cell(c).String() }
