package tiles

import (
	"math"

	"github.com/paulmach/orb"
)

// Geometry in three spaces:
//   - world: Web Mercator scaled to [0,1]², y down (x = 0 at 180°W, y = 0
//     at the top), projected once per snapshot version;
//   - world pixels at zoom z: world × 2^z × Extent, rounded to integers;
//   - tile units: world pixels minus the tile's origin (x·Extent, y·Extent).
// The offset between the last two is an integer, so rounding in world
// pixels is rounding in tile units, exactly as ST_AsMVTGeom snaps.

// wpt is a point in world coordinates.
type wpt struct{ x, y float64 }

// ipt is a point in integer pixels (world pixels or tile units).
type ipt struct{ x, y int32 }

// maxLat is the latitude limit of Web Mercator.
const maxLat = 85.05112877980659

func toWorld(p orb.Point) wpt {
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	return wpt{
		x: (p[0] + 180) / 360,
		y: 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi),
	}
}

func fromWorld(p wpt) orb.Point {
	n := math.Pi - 2*math.Pi*p.y
	return orb.Point{p.x*360 - 180, 180 / math.Pi * math.Atan(math.Sinh(n))}
}

// wpoly is a polygon in world coordinates: exterior then holes, each ring
// open (the first point is not repeated).
type wpoly [][]wpt

// ipoly is a polygon in integer pixels, rings open.
type ipoly [][]ipt

// worldPolys projects a multipolygon, opening its rings. It drops
// non-finite points, rings left with fewer than three points, and
// polygons whose exterior ring is so dropped: bad geometry must not
// crash a tile server, and such rings have no area to draw.
func worldPolys(mp orb.MultiPolygon) []wpoly {
	out := make([]wpoly, 0, len(mp))
	for _, p := range mp {
		wp := make(wpoly, 0, len(p))
		for k, r := range p {
			n := len(r)
			if n > 1 && r[0] == r[n-1] {
				n--
			}
			wr := make([]wpt, 0, n)
			for i := 0; i < n; i++ {
				if finite(r[i][0]) && finite(r[i][1]) {
					wr = append(wr, toWorld(r[i]))
				}
			}
			if len(wr) < 3 {
				if k == 0 {
					break
				}
				continue
			}
			wp = append(wp, wr)
		}
		if len(wp) > 0 {
			out = append(out, wp)
		}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// scale returns the number of pixels per world unit at zoom z.
func scale(z int) float64 { return math.Ldexp(Extent, z) }

// quantise projects a ring to pixels at scale s minus origin o, rounding,
// dropping repeated points. It appends to dst.
func quantise(dst []ipt, r []wpt, s float64, ox, oy float64) []ipt {
	for _, p := range r {
		q := ipt{clampRound(p.x*s - ox), clampRound(p.y*s - oy)}
		if n := len(dst); n > 0 && dst[n-1] == q {
			continue
		}
		dst = append(dst, q)
	}
	if n := len(dst); n > 1 && dst[0] == dst[n-1] {
		dst = dst[:n-1]
	}
	return dst
}

// clampRound rounds to an int32, clamping far beyond any tile so a huge
// feature at a deep zoom cannot overflow; clipping cuts it to the tile.
func clampRound(v float64) int32 {
	const lim = 1 << 30
	return int32(math.Round(math.Max(-lim, math.Min(lim, v))))
}

// cross is the z component of (b-a)×(c-a).
func cross(a, b, c ipt) int64 {
	return int64(b.x-a.x)*int64(c.y-a.y) - int64(b.y-a.y)*int64(c.x-a.x)
}

// dropCollinear removes repeated points, collinear points and spikes
// (a→b→a) from an open ring, in place.
func dropCollinear(r []ipt) []ipt {
	if len(r) < 3 {
		return r
	}
	out := r[:0]
	for _, p := range r {
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		for len(out) >= 2 && cross(out[len(out)-2], out[len(out)-1], p) == 0 {
			out = out[:len(out)-1]
		}
		out = append(out, p)
	}
	// The seam: the ring closes from the last point to the first.
	for changed := true; changed && len(out) >= 3; {
		changed = false
		n := len(out)
		if out[n-1] == out[0] || cross(out[n-2], out[n-1], out[0]) == 0 {
			out = out[:n-1]
			changed = true
			continue
		}
		if cross(out[n-1], out[0], out[1]) == 0 {
			out = out[1:]
			changed = true
		}
	}
	return out
}

// area2 is twice the signed area of an open ring by the surveyor's
// formula, in the ring's own coordinates. In tile units (y down) the
// MVT 2.1 spec wants it positive for exterior rings, negative for holes.
func area2(r []ipt) int64 {
	var a int64
	n := len(r)
	for i := 0; i < n; i++ {
		p, q := r[i], r[(i+1)%n]
		a += int64(p.x)*int64(q.y) - int64(q.x)*int64(p.y)
	}
	return a
}

func reverse(r []ipt) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}

// orient winds an open ring for MVT: positive area for an exterior ring,
// negative for a hole. It reports false for a ring that has collapsed
// (fewer than three points or zero area) and must be dropped.
func orient(r []ipt, exterior bool) bool {
	if len(r) < 3 {
		return false
	}
	a := area2(r)
	if a == 0 {
		return false
	}
	if (a > 0) != exterior {
		reverse(r)
	}
	return true
}

// simplifyDP simplifies an open ring with Douglas-Peucker at tolerance tol
// (pixels), keeping the first point and the point farthest from it so the
// ring cannot collapse to a line by construction. It writes into dst.
func simplifyDP(dst, r []ipt, tol float64) []ipt {
	n := len(r)
	if n <= 4 {
		return append(dst, r...)
	}
	far, fd := 0, int64(-1)
	for i := 1; i < n; i++ {
		dx, dy := int64(r[i].x-r[0].x), int64(r[i].y-r[0].y)
		if d := dx*dx + dy*dy; d > fd {
			far, fd = i, d
		}
	}
	keep := make([]bool, n+1)
	keep[0], keep[far], keep[n] = true, true, true
	ext := append(r[:n:n], r[0]) // a closed copy: cap n forces a new array
	tol2 := tol * tol
	markDP(ext, keep, 0, far, tol2)
	markDP(ext, keep, far, n, tol2)
	for i := 0; i < n; i++ {
		if keep[i] {
			dst = append(dst, r[i])
		}
	}
	return dst
}

// ringBounds returns the pixel bounding box of a ring.
func ringBounds(r []ipt) (minX, minY, maxX, maxY int32) {
	minX, minY = math.MaxInt32, math.MaxInt32
	maxX, maxY = math.MinInt32, math.MinInt32
	for _, p := range r {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	return
}
