package suggest

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Tuning a straight cut. A power diagram's cells clipped to the village
// are measured in Go (outline): the area and perimeter of cell ∩ village
// from the village's edge inside the cell and the cell's edges inside
// the village (Green's theorem over that boundary), so the mean
// Polsby-Popper score of a cut is known before PostGIS cuts it. tune
// then moves one centre or weight at a time, at random, keeping a move
// when every cell's households (counted by site) stay within the band and
// the mean score rises (a local search; its seed is fixed, so a village
// is cut the same way every time).

// tuneIterations is how many moves tune tries; tuneMargin how much of
// the tolerance it leaves for the map's count (a bumped building, a
// crumb); straightTries how many cuts PostGIS makes at most.
const (
	tuneIterations = 150
	tuneMargin     = 0.02
	straightTries  = 3
)

// outline is the village's edge in the atoms' plane: the edges of the
// faces no other face shares, oriented with the village on their left.
// crossings calls f for every edge a-b of the outline that the segment
// p-q crosses strictly inside (0 < t < 1 along p-q; u along a-b).
func (ol *outline) crossings(p, q orb.Point, f func(t, u float64, a, b orb.Point)) {
	d := orb.Point{q[0] - p[0], q[1] - p[1]}
	for _, s := range ol.segs {
		a, b := s[0], s[1]
		if math.Max(a[0], b[0]) < math.Min(p[0], q[0]) || math.Min(a[0], b[0]) > math.Max(p[0], q[0]) ||
			math.Max(a[1], b[1]) < math.Min(p[1], q[1]) || math.Min(a[1], b[1]) > math.Max(p[1], q[1]) {
			continue
		}
		e := orb.Point{b[0] - a[0], b[1] - a[1]}
		den := d[0]*e[1] - d[1]*e[0]
		if den == 0 {
			continue
		}
		w := orb.Point{a[0] - p[0], a[1] - p[1]}
		t := (w[0]*e[1] - w[1]*e[0]) / den
		u := (w[0]*d[1] - w[1]*d[0]) / den
		if t > 0 && t < 1 && u >= 0 && u <= 1 {
			f(t, u, a, b)
		}
	}
}

type outline struct {
	segs [][2]orb.Point
	b    orb.Bound
}

// newOutline builds the village's edge from its faces.
func newOutline(faces []face, pl plane) *outline {
	type key struct{ a, b orb.Point }
	count := map[key]int{}
	var order [][2]orb.Point
	for _, f := range faces {
		for r, ring := range f.poly {
			pts := make([]orb.Point, len(ring))
			for i, p := range ring {
				x, y := pl.xy(p[0], p[1])
				pts[i] = orb.Point{x, y}
			}
			// the exterior counter-clockwise, holes clockwise: the face
			// on the left
			ccw := planar.Area(orb.Ring(pts)) > 0
			if r == 0 && !ccw || r > 0 && ccw {
				for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
					pts[i], pts[j] = pts[j], pts[i]
				}
			}
			for i := 0; i+1 < len(pts); i++ {
				a, b := pts[i], pts[i+1]
				if a == b {
					continue
				}
				k := key{a, b}
				if b[0] < a[0] || b[0] == a[0] && b[1] < a[1] {
					k = key{b, a}
				}
				if count[k] == 0 {
					order = append(order, [2]orb.Point{a, b})
				}
				count[k]++
			}
		}
	}
	o := &outline{}
	for i, s := range order {
		k := key{s[0], s[1]}
		if s[1][0] < s[0][0] || s[1][0] == s[0][0] && s[1][1] < s[0][1] {
			k = key{s[1], s[0]}
		}
		if count[k] != 1 {
			continue
		}
		o.segs = append(o.segs, s)
		sb := orb.Bound{Min: s[0], Max: s[0]}.Extend(s[1])
		if i == 0 || len(o.segs) == 1 {
			o.b = sb
		} else {
			o.b = o.b.Union(sb)
		}
	}
	return o
}

// inside reports whether p lies inside the village (crossing number).
func (o *outline) inside(p orb.Point) bool {
	in := false
	for _, s := range o.segs {
		a, b := s[0], s[1]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x > p[0] {
				in = !in
			}
		}
	}
	return in
}

// measure returns the area and perimeter of the convex polygon poly
// (counter-clockwise, offset by o) clipped to the village.
func (ol *outline) measure(poly []cellVert, o orb.Point) (area, per float64) {
	n := len(poly)
	if n < 3 {
		return 0, 0
	}
	pts := make([]orb.Point, n)
	pb := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for i, v := range poly {
		pts[i] = orb.Point{v.p[0] + o[0], v.p[1] + o[1]}
		pb = pb.Extend(pts[i])
	}
	var a2 float64
	add := func(p, q orb.Point) {
		per += math.Hypot(q[0]-p[0], q[1]-p[1])
		a2 += p[0]*q[1] - q[0]*p[1]
	}
	// the village's edge inside the cell (Cyrus-Beck)
	for _, s := range ol.segs {
		p, q := s[0], s[1]
		if math.Max(p[0], q[0]) < pb.Min[0] || math.Min(p[0], q[0]) > pb.Max[0] || math.Max(p[1], q[1]) < pb.Min[1] || math.Min(p[1], q[1]) > pb.Max[1] {
			continue
		}
		t0, t1 := 0.0, 1.0
		d := orb.Point{q[0] - p[0], q[1] - p[1]}
		for i := range n {
			e0, e1 := pts[i], pts[(i+1)%n]
			// inside: cross(e1−e0, x−e0) ≥ 0
			ex, ey := e1[0]-e0[0], e1[1]-e0[1]
			f := ex*(p[1]-e0[1]) - ey*(p[0]-e0[0])
			g := ex*d[1] - ey*d[0]
			if g == 0 {
				if f < 0 {
					t0, t1 = 1, 0
					break
				}
				continue
			}
			t := -f / g
			if g > 0 {
				t0 = math.Max(t0, t)
			} else {
				t1 = math.Min(t1, t)
			}
			if t0 >= t1 {
				break
			}
		}
		if t0 < t1 {
			add(orb.Point{p[0] + t0*d[0], p[1] + t0*d[1]}, orb.Point{p[0] + t1*d[0], p[1] + t1*d[1]})
		}
	}
	// the cell's edges inside the village
	var ts []float64
	for i := range n {
		p, q := pts[i], pts[(i+1)%n]
		if poly[i].label < 0 {
			continue // the bound lies outside the village
		}
		d := orb.Point{q[0] - p[0], q[1] - p[1]}
		ts = append(ts[:0], 0, 1)
		ol.crossings(p, q, func(t, _ float64, _, _ orb.Point) { ts = append(ts, t) })
		sort.Float64s(ts)
		for j := 0; j+1 < len(ts); j++ {
			if ts[j+1]-ts[j] < 1e-12 {
				continue
			}
			m := (ts[j] + ts[j+1]) / 2
			if ol.inside(orb.Point{p[0] + m*d[0], p[1] + m*d[1]}) {
				add(orb.Point{p[0] + ts[j]*d[0], p[1] + ts[j]*d[1]}, orb.Point{p[0] + ts[j+1]*d[0], p[1] + ts[j+1]*d[1]})
			}
		}
	}
	return math.Abs(a2) / 2, per
}

// score is the mean Polsby-Popper of pd's cells clipped to the village.
func (ol *outline) score(pd PowerDiagram) float64 {
	pad := math.Max(ol.b.Max[0]-ol.b.Min[0], ol.b.Max[1]-ol.b.Min[1])*0.1 + 10
	cells, o := pd.cells(ol.b.Pad(pad))
	var sum float64
	for _, c := range cells {
		a, p := ol.measure(c, o)
		if p > 0 {
			sum += 4 * math.Pi * a / (p * p)
		}
	}
	return sum / float64(max(len(cells), 1))
}

// tune moves pd's centres and weights while the mean score rises and
// every cell's households (sites at xy holding hh) stay within band of
// target; it returns the tuned diagram and its score.
func (ol *outline) tune(pd PowerDiagram, xy []orb.Point, hh []int, target, band float64, iterations int) (PowerDiagram, float64) {
	k := len(pd.Centres)
	cur := PowerDiagram{Centres: append([][2]float64(nil), pd.Centres...), Weights: append([]float64(nil), pd.Weights...)}
	best := ol.score(cur)
	if k < 2 || len(ol.segs) == 0 {
		return cur, best
	}
	count := make([]int, k)
	fits := func(d PowerDiagram) bool {
		for c := range count {
			count[c] = 0
		}
		for i, p := range xy {
			count[d.Cell(p[0], p[1])] += hh[i]
		}
		for _, n := range count {
			if math.Abs(float64(n)-target) > band*target {
				return false
			}
		}
		return true
	}
	if !fits(cur) {
		return cur, best
	}
	area := (ol.b.Max[0] - ol.b.Min[0]) * (ol.b.Max[1] - ol.b.Min[1]) / float64(k)
	step := math.Sqrt(area)
	r := rand.New(rand.NewPCG(uint64(k), uint64(len(xy))))
	for it := range iterations {
		cool := 1 - float64(it)/float64(iterations)
		c := r.IntN(k)
		next := PowerDiagram{Centres: append([][2]float64(nil), cur.Centres...), Weights: append([]float64(nil), cur.Weights...)}
		if r.IntN(2) == 0 {
			next.Centres[c][0] += r.NormFloat64() * 0.1 * step * cool
			next.Centres[c][1] += r.NormFloat64() * 0.1 * step * cool
		} else {
			next.Weights[c] += r.NormFloat64() * 0.05 * area * cool
		}
		if !fits(next) {
			continue
		}
		if s := ol.score(next); s > best {
			cur, best = next, s
		}
	}
	return cur, best
}

// clip returns the pieces of the segment pq inside the village, each
// ending at a vertex of the village's edge: where it crosses an edge
// segment, at the nearer end of that segment. The engine wants a new
// line to meet the village's boundary at one of its vertices (a node
// between two vertices lies a rounding error off the boundary, outside
// the village or over its neighbour).
func (ol *outline) clip(p, q orb.Point) []orb.LineString {
	d := orb.Point{q[0] - p[0], q[1] - p[1]}
	type hit struct {
		t    float64
		near orb.Point
	}
	hits := []hit{{0, p}, {1, q}}
	ol.crossings(p, q, func(t, u float64, a, b orb.Point) {
		near := a
		if u > 0.5 {
			near = b
		}
		hits = append(hits, hit{t, near})
	})
	sort.Slice(hits, func(i, j int) bool { return hits[i].t < hits[j].t })
	var out []orb.LineString
	for j := 0; j+1 < len(hits); j++ {
		if hits[j+1].t-hits[j].t < 1e-12 {
			continue
		}
		m := (hits[j].t + hits[j+1].t) / 2
		if !ol.inside(orb.Point{p[0] + m*d[0], p[1] + m*d[1]}) {
			continue
		}
		if a, b := hits[j].near, hits[j+1].near; a != b {
			out = append(out, orb.LineString{a, b})
		}
	}
	return out
}
