package geo

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
)

// Two predicates live here, and the lookup index needs both:
//
//  1. Orient, the exact orientation of three points. A plain float
//     evaluation of (b-a)×(c-a) can return the wrong sign when c lies within
//     a few ulps of the line ab: each of the two products is rounded before
//     they are subtracted, and when the products nearly cancel the rounding
//     error is larger than their difference (TestOrientNaiveFloatIsWrong
//     shows a point computed on an edge where the naive sign is wrong).
//     Orient first evaluates the determinant in floats with Shewchuk's error
//     bound and only when the result is inside the bound falls back to exact
//     expansion arithmetic (each product split into two floats with FMA, the
//     twelve terms summed without rounding). The index uses it for
//     everything it decides at build time about regions (which cells are
//     inside which rings), where only the true geometry is right.
//
//  2. postgisSide, a bit-for-bit copy of the float formula PostGIS 3.3 uses
//     for ST_Covers/ST_Intersects of a polygon and a point (determineSide and
//     the winding-number walk in postgis/lwgeom_functions_analytic.c). That
//     short-circuit never reaches GEOS's robust predicates, so for points
//     within an ulp or two of an edge PostGIS answers what this formula
//     says, not what the exact geometry says (measured: on points computed
//     on random triangle edges, about 1 in 2,000 of the one-ulp-off points
//     gets a different answer from ST_Covers than from exact arithmetic;
//     TestPostGISSideDiffersFromExact keeps one such case measured on
//     PostGIS 3.3.2).
//     The lookup rule is defined by PostGIS, so near edges the index
//     evaluates exactly this formula.

// Orient returns +1 when c lies to the left of the directed line a→b
// (counter-clockwise turn), -1 when to the right, 0 when the three points
// are collinear. The answer is exact for every finite input.
func Orient(a, b, c [2]float64) int {
	// Float filter (Shewchuk, orient2dfast with ccwerrboundA). The explicit
	// float64 conversions forbid fusing into FMA, which would invalidate
	// the error bound's derivation only in theory but changes results.
	detl := float64((a[0] - c[0]) * (b[1] - c[1]))
	detr := float64((a[1] - c[1]) * (b[0] - c[0]))
	det := float64(detl - detr)
	bound := ccwErrBoundA * (math.Abs(detl) + math.Abs(detr))
	if det > bound {
		return 1
	}
	if -det > bound {
		return -1
	}
	return orientExact(a, b, c)
}

// ccwErrBoundA is Shewchuk's (3 + 16ε)ε with ε = 2⁻⁵³.
var ccwErrBoundA = (3 + 16*0x1p-53) * 0x1p-53

// orientExact evaluates ax·by − ax·cy − ay·bx + ay·cx + bx·cy − by·cx
// exactly. Each product is split into a rounded product and its exact
// error (FMA), and the twelve floats are summed as a nonoverlapping
// expansion; the sign of the sum is the sign of its largest component.
func orientExact(a, b, c [2]float64) int {
	if !exactProductsSafe(a, b, c) {
		return orientBig(a, b, c)
	}
	var buf [16]float64
	e := buf[:0]
	add := func(x, y float64, neg bool) {
		p := float64(x * y)
		err := math.FMA(x, y, -p)
		if neg {
			p, err = -p, -err
		}
		e = growExpansion(e, err)
		e = growExpansion(e, p)
	}
	add(a[0], b[1], false)
	add(a[0], c[1], true)
	add(a[1], b[0], true)
	add(a[1], c[0], false)
	add(b[0], c[1], false)
	add(b[1], c[0], true)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] > 0 {
			return 1
		}
		if e[i] < 0 {
			return -1
		}
	}
	return 0
}

// exactProductsSafe reports whether every coordinate is zero or of a
// magnitude whose products neither overflow nor lose bits to underflow, so
// that FMA gives the exact error of each product. Longitudes and latitudes
// always qualify; anything else goes to math/big.
func exactProductsSafe(a, b, c [2]float64) bool {
	for _, v := range [...]float64{a[0], a[1], b[0], b[1], c[0], c[1]} {
		m := math.Abs(v)
		if m != 0 && (m < 0x1p-400 || m > 0x1p400) {
			return false
		}
	}
	return true
}

// orientBig is the slow exact fallback for extreme magnitudes.
func orientBig(a, b, c [2]float64) int {
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	if math.IsNaN(a[0] + a[1] + b[0] + b[1] + c[0] + c[1]) {
		return 0
	}
	l := new(big.Rat).Mul(new(big.Rat).Sub(r(a[0]), r(c[0])), new(big.Rat).Sub(r(b[1]), r(c[1])))
	rr := new(big.Rat).Mul(new(big.Rat).Sub(r(a[1]), r(c[1])), new(big.Rat).Sub(r(b[0]), r(c[0])))
	return l.Cmp(rr)
}

// twoSum returns s = fl(a+b) and the exact error t, a+b = s+t.
func twoSum(a, b float64) (s, t float64) {
	s = a + b
	bv := s - a
	av := s - bv
	return s, (a - av) + (b - bv)
}

// growExpansion adds b to the nonoverlapping expansion e (increasing
// magnitude), dropping zero components (Shewchuk's GROW-EXPANSION with
// zero elimination). It works in place: e's backing array must have room
// for one more element.
func growExpansion(e []float64, b float64) []float64 {
	q := b
	k := 0
	for _, ei := range e {
		var h float64
		q, h = twoSum(q, ei)
		if h != 0 {
			e[k] = h
			k++
		}
	}
	e = e[:k]
	if q != 0 {
		e = append(e, q)
	}
	return e
}

// postgisSide is PostGIS's determineSide: >0 left of s1→s2, <0 right, 0
// "on the line" — evaluated in plain float64 exactly as the C code does
// (two rounded products, one rounded difference, no FMA).
func postgisSide(s1, s2, p [2]float64) float64 {
	return float64(float64((s2[0]-s1[0])*(p[1]-s1[1])) - float64((p[0]-s1[0])*(s2[1]-s1[1])))
}

// postgisTinySegment reports whether PostGIS's cached point-in-ring walk
// ignores the segment (squared length below 1e-24).
func postgisTinySegment(s1, s2 [2]float64) bool {
	dx, dy := float64(s2[0]-s1[0]), float64(s2[1]-s1[1])
	return float64(float64(dx*dx)+float64(dy*dy)) < 1e-12*1e-12
}

// onSegmentBox is PostGIS's isOnSegment: p inside the closed bounding box
// of the segment.
func onSegmentBox(s1, s2, p [2]float64) bool {
	return p[0] >= math.Min(s1[0], s2[0]) && p[0] <= math.Max(s1[0], s2[0]) &&
		p[1] >= math.Min(s1[1], s2[1]) && p[1] <= math.Max(s1[1], s2[1])
}

// Ring statuses, as PostGIS's point_in_ring returns them.
const (
	ringOutside  = -1
	ringBoundary = 0
	ringInside   = 1
)

// postgisRingStatus is PostGIS's point_in_ring over a whole closed ring:
// the winding number with postgisSide, boundary when some segment has side
// exactly 0 and p in its box.
func postgisRingStatus(r orb.Ring, p [2]float64) int {
	wn := 0
	for i := 0; i+1 < len(r); i++ {
		s1, s2 := [2]float64(r[i]), [2]float64(r[i+1])
		if postgisTinySegment(s1, s2) {
			continue
		}
		sd := postgisSide(s1, s2, p)
		if sd == 0 && onSegmentBox(s1, s2, p) {
			return ringBoundary
		}
		if s1[1] <= p[1] && p[1] < s2[1] && sd > 0 {
			wn++
		} else if s2[1] <= p[1] && p[1] < s1[1] && sd < 0 {
			wn--
		}
	}
	if wn == 0 {
		return ringOutside
	}
	return ringInside
}

// CoversPoint reports whether the closed multipolygon covers p exactly as
// PostGIS 3.3's ST_Covers(geom, point) decides it: a point on the boundary
// of any ring (outer or hole) is covered, a point inside a hole is not,
// and "on", "inside" and "outside" are decided by PostGIS's own float
// winding-number test (see postgisSide). It walks every edge; the Index
// answers the same question in constant time.
func CoversPoint(mp orb.MultiPolygon, p orb.Point) bool {
	q := [2]float64(p)
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		switch postgisRingStatus(poly[0], q) {
		case ringOutside:
			continue
		case ringBoundary:
			return true
		}
		inHole := false
		for _, h := range poly[1:] {
			s := postgisRingStatus(h, q)
			if s == ringBoundary {
				return true
			}
			if s == ringInside {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}
