package features

import (
	"github.com/paulmach/orb"

	"gridmap/geo"
)

// intersectsBox reports whether a (multi)polygon and a closed box share a
// point, as PostGIS's ST_Intersects(geom, ST_Envelope(diagonal)) does: the
// box may have no width or height (a segment) or neither (a point). Every
// decision is exact (geo.Orient), like GEOS's; a point box is decided by
// PostGIS's own point-in-polygon formula (geo.CoversPoint), which is what
// ST_Intersects short-circuits to for a point.
func intersectsBox(mp orb.MultiPolygon, bb orb.Bound, b orb.Bound) bool {
	if bb.Max[0] < b.Min[0] || bb.Min[0] > b.Max[0] || bb.Max[1] < b.Min[1] || bb.Min[1] > b.Max[1] || len(mp) == 0 {
		return false
	}
	if b.Min == b.Max {
		return geo.CoversPoint(mp, b.Min)
	}
	if b.Min[0] <= bb.Min[0] && bb.Max[0] <= b.Max[0] && b.Min[1] <= bb.Min[1] && bb.Max[1] <= b.Max[1] {
		return true // the box holds the whole geometry
	}
	corners := [4]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				p, q := ring[i], ring[i+1]
				if inBox(p, b) {
					return true // a vertex in the box
				}
				for k := range corners {
					if segmentsMeet(p, q, corners[k], corners[(k+1)%4]) {
						return true // an edge crosses or touches the box's boundary
					}
				}
			}
		}
	}
	// No vertex inside and no edge meets the box's boundary: the box is
	// either wholly inside the polygon's interior or wholly outside it.
	for _, poly := range mp {
		if inPolygon(poly, b.Min) {
			return true
		}
	}
	return false
}

// inBox reports whether p lies in the closed box.
func inBox(p orb.Point, b orb.Bound) bool {
	return b.Min[0] <= p[0] && p[0] <= b.Max[0] && b.Min[1] <= p[1] && p[1] <= b.Max[1]
}

// segmentsMeet reports whether the closed segments pq and rs share a
// point, exactly.
func segmentsMeet(p, q, r, s orb.Point) bool {
	d1 := geo.Orient(r, s, p)
	d2 := geo.Orient(r, s, q)
	d3 := geo.Orient(p, q, r)
	d4 := geo.Orient(p, q, s)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSegment(r, s, p) || d2 == 0 && onSegment(r, s, q) ||
		d3 == 0 && onSegment(p, q, r) || d4 == 0 && onSegment(p, q, s)
}

// onSegment reports whether c, collinear with ab, lies between a and b.
func onSegment(a, b, c orb.Point) bool {
	return min(a[0], b[0]) <= c[0] && c[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= c[1] && c[1] <= max(a[1], b[1])
}

// inPolygon reports whether p lies in the polygon (inside its shell and
// outside its holes) by the winding number with exact orientations; p is
// known to lie on none of its edges.
func inPolygon(poly orb.Polygon, p orb.Point) bool {
	for i, ring := range poly {
		if (winding(ring, p) != 0) != (i == 0) {
			return false
		}
	}
	return len(poly) > 0
}

func winding(ring orb.Ring, p orb.Point) int {
	w := 0
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if a[1] <= p[1] {
			if b[1] > p[1] && geo.Orient(a, b, p) > 0 {
				w++
			}
		} else if b[1] <= p[1] && geo.Orient(a, b, p) < 0 {
			w--
		}
	}
	return w
}
