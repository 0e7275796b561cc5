package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Severity says whether a Problem makes a geometry unusable.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"   // the geometry must be fixed
	SeverityWarning Severity = "warning" // worth knowing, not blocking
)

// Problem is one thing wrong with a geometry, where it is.
type Problem struct {
	// Code is a stable identifier, one of the Problem* constants.
	Code string `json:"code"`
	// Message says what is wrong and what to do about it.
	Message string `json:"message"`
	// Location is where the problem is (for a whole-ring problem, the
	// ring's first point).
	Location orb.Point `json:"location"`
	// Severity is error or warning.
	Severity Severity `json:"severity"`
}

// The codes of geometry problems.
const (
	ProblemEmpty            = "empty"             // no polygon, or a polygon without rings
	ProblemNonFinite        = "non-finite"        // NaN or ±Inf coordinate
	ProblemOutOfRange       = "out-of-range"      // lon outside [-180,180] or lat outside [-90,90]
	ProblemUnclosedRing     = "unclosed-ring"     // first point differs from the last
	ProblemTooFewPoints     = "too-few-points"    // fewer than 4 points (3 distinct)
	ProblemZeroArea         = "zero-area"         // all points on a line
	ProblemRepeatedPoint    = "repeated-point"    // the same point twice in a row (warning)
	ProblemSelfIntersection = "self-intersection" // a ring crosses or touches itself
	ProblemRingCrossing     = "ring-crossing"     // two rings of one polygon cross
	ProblemPolygonCrossing  = "polygon-crossing"  // two polygons of a multipolygon cross
	ProblemUnsupportedType  = "unsupported-type"  // not a Polygon or MultiPolygon
)

// maxIntersections bounds the intersection problems reported for one
// geometry: a scribble can have millions, and a few say enough.
const maxIntersections = 20

// Validate checks a Polygon or MultiPolygon in longitude/latitude degrees
// and returns its problems, errors first in the order found. It is pure
// and fast: rings of any size are checked for self-intersection in
// O(n log n + k) by a sweep over the segments sorted by x.
//
// It finds what can be said from coordinates alone; PostGIS's
// ST_IsValidDetail remains the judge for the rest (holes outside their
// shell, nested shells).
func Validate(g orb.Geometry) []Problem {
	var v validator
	switch g := g.(type) {
	case orb.Polygon:
		v.polygon(0, g, false)
	case orb.MultiPolygon:
		v.multi = true
		if len(g) == 0 {
			v.add(ProblemEmpty, SeverityError, orb.Point{}, "the MultiPolygon has no polygons")
		}
		for i, p := range g {
			v.polygon(i, p, true)
		}
	case nil:
		v.add(ProblemEmpty, SeverityError, orb.Point{}, "there is no geometry")
	default:
		v.add(ProblemUnsupportedType, SeverityError, orb.Point{}, fmt.Sprintf("a %s is not an area: want Polygon or MultiPolygon", g.GeoJSONType()))
	}
	if !v.broken {
		v.intersections()
	}
	sort.SliceStable(v.problems, func(i, j int) bool {
		return v.problems[i].Severity == SeverityError && v.problems[j].Severity != SeverityError
	})
	return v.problems
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

type validator struct {
	problems []Problem
	segs     []segment
	// broken is set when coordinates are unusable (non-finite, out of
	// range, unclosed or too short rings): the intersection test would
	// only add noise.
	broken bool
	// multi is set for a MultiPolygon, to name polygons in messages.
	multi bool
	// lastKind is how the last conflicting pair met, for its message.
	lastKind int
}

// segment is one edge of a ring, labelled with where it comes from.
type segment struct {
	a, b       orb.Point
	minX, maxX float64
	poly, ring int
	idx, n     int // position in the ring and the ring's segment count
}

func (v *validator) add(code string, sev Severity, at orb.Point, msg string) {
	v.problems = append(v.problems, Problem{Code: code, Message: msg, Location: at, Severity: sev})
}

func where(multi bool, poly, ring int) string {
	r := "the outer ring"
	if ring > 0 {
		r = fmt.Sprintf("hole %d", ring)
	}
	if multi {
		return fmt.Sprintf("%s of polygon %d", r, poly)
	}
	return r
}

func (v *validator) polygon(pi int, p orb.Polygon, multi bool) {
	if len(p) == 0 {
		v.add(ProblemEmpty, SeverityError, orb.Point{}, fmt.Sprintf("polygon %d has no rings", pi))
		v.broken = true
		return
	}
	for ri, r := range p {
		v.ring(pi, ri, r, multi)
	}
}

func (v *validator) ring(pi, ri int, r orb.Ring, multi bool) {
	w := where(multi, pi, ri)
	for i, pt := range r {
		if !finite(pt[0]) || !finite(pt[1]) {
			v.add(ProblemNonFinite, SeverityError, orb.Point{}, fmt.Sprintf("point %d of %s is %v: coordinates must be finite numbers", i, w, pt))
			v.broken = true
			return
		}
	}
	for i, pt := range r {
		if pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
			msg := fmt.Sprintf("point %d of %s (%g, %g) is outside longitude [-180,180] / latitude [-90,90]", i, w, pt[0], pt[1])
			if math.Abs(pt[0]) > 1000 || math.Abs(pt[1]) > 1000 {
				msg += "; it looks like projected metres (EPSG:3857?): reproject to EPSG:4326 longitude/latitude"
			} else if math.Abs(pt[1]) > 90 && math.Abs(pt[0]) <= 90 {
				msg += "; are longitude and latitude swapped? GeoJSON is [lon, lat]"
			}
			v.add(ProblemOutOfRange, SeverityError, pt, msg)
			v.broken = true
			return
		}
	}
	if len(r) < 4 {
		at := orb.Point{}
		if len(r) > 0 {
			at = r[0]
		}
		v.add(ProblemTooFewPoints, SeverityError, at, fmt.Sprintf("%s has %d points: a ring needs at least 4 (3 corners and the first point repeated at the end)", w, len(r)))
		v.broken = true
		return
	}
	if r[0] != r[len(r)-1] {
		v.add(ProblemUnclosedRing, SeverityError, r[len(r)-1], fmt.Sprintf("%s is not closed: its last point %v must repeat its first point %v", w, r[len(r)-1], r[0]))
		v.broken = true
		return
	}
	// Consecutive duplicates: a warning, and left out of the segments.
	pts := make([]orb.Point, 0, len(r))
	repeated := 0
	for i, pt := range r {
		if i > 0 && pt == r[i-1] {
			if repeated == 0 {
				v.add(ProblemRepeatedPoint, SeverityWarning, pt, fmt.Sprintf("point %d of %s repeats the point before it", i, w))
			}
			repeated++
			continue
		}
		pts = append(pts, pt)
	}
	if repeated > 1 {
		v.problems[len(v.problems)-1].Message += fmt.Sprintf(" (%d repeated points in this ring)", repeated)
	}
	if len(pts) < 4 {
		v.add(ProblemTooFewPoints, SeverityError, r[0], fmt.Sprintf("%s has %d distinct points: a ring needs at least 3 corners", w, len(pts)-1))
		v.broken = true
		return
	}
	if collinear(pts) {
		v.add(ProblemZeroArea, SeverityError, r[0], fmt.Sprintf("%s has zero area: its points lie on one line", w))
		v.broken = true
		return
	}
	n := len(pts) - 1
	for i := range n {
		a, b := pts[i], pts[i+1]
		v.segs = append(v.segs, segment{a: a, b: b, minX: math.Min(a[0], b[0]), maxX: math.Max(a[0], b[0]), poly: pi, ring: ri, idx: i, n: n})
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// collinear reports whether all points of a ring (without consecutive
// duplicates) lie on one line, so that it encloses nothing.
func collinear(r []orb.Point) bool {
	for i := 2; i < len(r); i++ {
		if segOrient(r[0], r[1], r[i]) != 0 {
			return false
		}
	}
	return true
}

// intersections sweeps the segments from west to east and tests each
// pair whose x ranges overlap.
func (v *validator) intersections() {
	segs := v.segs
	sort.Slice(segs, func(i, j int) bool { return segs[i].minX < segs[j].minX })
	var active []int
	found := 0
	type spot struct {
		code string
		at   orb.Point
	}
	seen := make(map[spot]bool) // rings meeting at a vertex meet in several edge pairs
	for i := range segs {
		s := &segs[i]
		keep := active[:0]
		for _, j := range active {
			if segs[j].maxX >= s.minX {
				keep = append(keep, j)
			}
		}
		active = keep
		for _, j := range active {
			t := &segs[j]
			if math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			code, at, ok := v.conflict(s, t)
			if !ok {
				continue
			}
			if seen[spot{code, at}] {
				continue
			}
			seen[spot{code, at}] = true
			found++
			if found > maxIntersections {
				// Enough to reject and to show where: a scribble
				// would otherwise cost O(n²) for nothing more.
				last := v.problems[len(v.problems)-1]
				v.problems = append(v.problems, Problem{Code: last.Code, Severity: SeverityError, Location: at,
					Message: fmt.Sprintf("more intersections not listed (stopped after %d)", maxIntersections)})
				return
			}
			v.add(code, SeverityError, at, v.intersectionMessage(code, s, t, at))
		}
		active = append(active, i)
	}
}

func (v *validator) intersectionMessage(code string, s, t *segment, at orb.Point) string {
	multi := v.multi
	switch code {
	case ProblemSelfIntersection:
		return fmt.Sprintf("%s intersects itself at (%v, %v) (edges %d and %d): redraw it so that it does not cross or touch itself, or split it into several polygons",
			where(multi, s.poly, s.ring), at[0], at[1], min(s.idx, t.idx), max(s.idx, t.idx))
	case ProblemRingCrossing:
		if v.lastKind == overlap {
			return fmt.Sprintf("%s and %s run along each other from (%v, %v): rings of one polygon may touch only at points",
				where(multi, s.poly, min(s.ring, t.ring)), where(multi, s.poly, max(s.ring, t.ring)), at[0], at[1])
		}
		return fmt.Sprintf("%s and %s cross at (%v, %v): a hole must lie inside its outer ring and not cross another hole",
			where(multi, s.poly, min(s.ring, t.ring)), where(multi, s.poly, max(s.ring, t.ring)), at[0], at[1])
	}
	if v.lastKind == overlap {
		return fmt.Sprintf("polygons %d and %d of the MultiPolygon share an edge from (%v, %v): the parts of a MultiPolygon may touch only at points; merge them into one polygon",
			min(s.poly, t.poly), max(s.poly, t.poly), at[0], at[1])
	}
	return fmt.Sprintf("polygons %d and %d of the MultiPolygon cross at (%v, %v): the parts of a MultiPolygon must not overlap; merge them into one polygon",
		min(s.poly, t.poly), max(s.poly, t.poly), at[0], at[1])
}

// conflict reports whether two segments meet in a way a valid polygon
// does not allow, the problem code and a point where they meet.
func (v *validator) conflict(s, t *segment) (string, orb.Point, bool) {
	kind, at := intersect(s.a, s.b, t.a, t.b)
	if kind == noIntersection {
		return "", orb.Point{}, false
	}
	v.lastKind = kind
	switch {
	case s.poly == t.poly && s.ring == t.ring:
		// Neighbouring edges share their common vertex; anything more
		// (overlapping back along each other) is a spike.
		if adjacent(s, t) && kind == touch && sharedVertex(s, t, at) {
			return "", orb.Point{}, false
		}
		return ProblemSelfIntersection, at, true
	case s.poly == t.poly:
		// Rings of one polygon may touch at a point, not cross.
		if kind == touch {
			return "", orb.Point{}, false
		}
		return ProblemRingCrossing, at, true
	default:
		if kind == touch {
			return "", orb.Point{}, false
		}
		return ProblemPolygonCrossing, at, true
	}
}

func adjacent(s, t *segment) bool {
	d := s.idx - t.idx
	return d == 1 || d == -1 || (s.n > 2 && (d == s.n-1 || d == 1-s.n))
}

func sharedVertex(s, t *segment, at orb.Point) bool {
	return (at == s.a || at == s.b) && (at == t.a || at == t.b) &&
		(s.a == t.a || s.a == t.b || s.b == t.a || s.b == t.b)
}

// How two segments meet.
const (
	noIntersection = iota
	touch          // they meet at an endpoint of one of them
	cross          // they cross properly
	overlap        // they run along each other for a stretch
)

// intersect classifies how segments ab and cd meet and returns a point
// where they do.
func intersect(a, b, c, d orb.Point) (int, orb.Point) {
	o1, o2 := segOrient(a, b, c), segOrient(a, b, d)
	o3, o4 := segOrient(c, d, a), segOrient(c, d, b)
	if o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
		if o1 != o2 && o3 != o4 {
			return cross, crossingPoint(a, b, c, d)
		}
		return noIntersection, orb.Point{}
	}
	if o1 == 0 && o2 == 0 { // collinear
		var on []orb.Point
		for _, p := range []orb.Point{c, d} {
			if onSegment(a, b, p) {
				on = append(on, p)
			}
		}
		for _, p := range []orb.Point{a, b} {
			if onSegment(c, d, p) && !containsPt(on, p) {
				on = append(on, p)
			}
		}
		switch len(on) {
		case 0:
			return noIntersection, orb.Point{}
		case 1:
			return touch, on[0]
		}
		// They overlap along a stretch: name its west (then south) end.
		at := on[0]
		for _, p := range on[1:] {
			if p[0] < at[0] || (p[0] == at[0] && p[1] < at[1]) {
				at = p
			}
		}
		return overlap, at
	}
	switch {
	case o1 == 0 && onSegment(a, b, c):
		return touch, c
	case o2 == 0 && onSegment(a, b, d):
		return touch, d
	case o3 == 0 && onSegment(c, d, a):
		return touch, a
	case o4 == 0 && onSegment(c, d, b):
		return touch, b
	}
	return noIntersection, orb.Point{}
}

func containsPt(ps []orb.Point, p orb.Point) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// onSegment reports whether p, collinear with ab, lies within it.
func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func crossingPoint(a, b, c, d orb.Point) orb.Point {
	den := (b[0]-a[0])*(d[1]-c[1]) - (b[1]-a[1])*(d[0]-c[0])
	if den == 0 {
		return a
	}
	t := ((c[0]-a[0])*(d[1]-c[1]) - (c[1]-a[1])*(d[0]-c[0])) / den
	t = math.Max(0, math.Min(1, t))
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// segOrient returns the sign of the turn a→b→c: +1 left, -1 right, 0
// collinear, exactly (Orient), with a shortcut for the shared vertices of
// neighbouring edges, which are the common case.
func segOrient(a, b, c orb.Point) int {
	if c == a || c == b || a == b {
		return 0
	}
	return Orient(a, b, c)
}
