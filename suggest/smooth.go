package suggest

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Smoothing. A border the division draws inside a current grid runs along
// the Voronoi edges between the addresses on either side: a zigzag that
// lengthens a grid's perimeter by a third and more, where a planner would
// draw a straight line. So every new border (the edges between faces of
// one current grid given to two grids) is cut into chains between its
// junctions (where three or more borders meet, or it meets a current
// grid's edge or the village's), and each chain is straightened as far as
// no address changes side (straighten). Borders along current grids'
// edges are never moved. The grids are then rebuilt in PostGIS from the
// current grids' edges and the smoothed borders, and their households
// counted again by point (a border crossing another could still move one:
// the count is what the map says).

// newBorders returns the linework of the division facePart: the edges of
// the current grids and of the village as the faces have them (with the
// nodes where borders meet them, vertex for vertex), and the new borders,
// smoothed.
//
// With old true (a fresh drawing, which keeps no current grid as it is)
// the current grids' edges between two new grids are straightened too;
// the village's edge never is.
func newBorders(faces []face, facePart []int, sites []orb.Point, old bool) orb.MultiLineString {
	type seg struct{ a, b orb.Point }
	type use struct{ f, g int }
	owners := map[seg]*use{}
	var order []seg
	for f, fc := range faces {
		for _, ring := range fc.poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				if a == b {
					continue
				}
				if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
					a, b = b, a
				}
				k := seg{a, b}
				if u, ok := owners[k]; ok {
					if u.f != f {
						u.g = f
					}
					continue
				}
				owners[k] = &use{f: f, g: -1}
				order = append(order, k)
			}
		}
	}
	degree := map[orb.Point]int{}
	next := map[orb.Point][]int{} // new segments at a point
	var fresh []seg
	var fixed orb.MultiLineString
	for _, k := range order {
		u := owners[k]
		border := u.g < 0 || facePart[u.f] != facePart[u.g] || !old && faces[u.f].grid != faces[u.g].grid
		if !border {
			continue
		}
		degree[k.a]++
		degree[k.b]++
		if !(u.g >= 0 && facePart[u.f] != facePart[u.g] && (old || faces[u.f].grid == faces[u.g].grid)) {
			fixed = append(fixed, orb.LineString{k.a, k.b})
		} else {
			next[k.a] = append(next[k.a], len(fresh))
			next[k.b] = append(next[k.b], len(fresh))
			fresh = append(fresh, k)
		}
	}
	used := make([]bool, len(fresh))
	out := fixed
	walk := func(start orb.Point, s int) orb.LineString {
		ls := orb.LineString{start}
		at := start
		for {
			used[s] = true
			k := fresh[s]
			if k.a == at {
				at = k.b
			} else {
				at = k.a
			}
			ls = append(ls, at)
			if degree[at] != 2 {
				return ls
			}
			s = -1
			for _, t := range next[at] {
				if !used[t] {
					s = t
					break
				}
			}
			if s < 0 {
				return ls
			}
		}
	}
	smooth := func(ls orb.LineString) orb.LineString {
		if len(ls) < 3 {
			return ls
		}
		return straighten(ls, sites)
	}
	for _, k := range order {
		for _, p := range []orb.Point{k.a, k.b} {
			if degree[p] == 2 {
				continue
			}
			for _, s := range next[p] {
				if !used[s] {
					out = append(out, smooth(walk(p, s)))
				}
			}
		}
	}
	// Closed loops of new border (a grid enclosed inside one current
	// grid) are kept as they are.
	for s, k := range fresh {
		if !used[s] {
			used[s] = true
			out = append(out, orb.LineString{k.a, k.b})
		}
	}
	return out
}

// straighten simplifies a chain: from its first vertex it takes the
// longest shortcut to a later vertex such that no site lies between the
// chain and the shortcut, and goes on from there (a greedy visibility
// walk, which straightens more than Douglas-Peucker's split at the
// farthest vertex: that vertex is often the one a straight border
// skips). The smoothed border puts every address on the side it was, so
// the division (households, buildings kept whole) is exactly the one
// Divide made. A shortcut across land without addresses (a river, a
// park) is taken whole.
func straighten(ls orb.LineString, sites []orb.Point) orb.LineString {
	b := ls.Bound().Pad(clearance)
	var near []orb.Point
	for _, p := range sites {
		if b.Contains(p) {
			near = append(near, p)
		}
	}
	clear := func(i, j int) bool {
		if j-i < 2 {
			return true
		}
		ring := make(orb.Ring, 0, j-i+2)
		ring = append(ring, ls[i:j+1]...)
		ring = append(ring, ls[i])
		poly := orb.Polygon{ring}
		rb := ring.Bound()
		for _, p := range near {
			if rb.Contains(p) && planar.PolygonContains(poly, p) ||
				planar.DistanceFromSegmentSquared(ls[i], ls[j], p) < clearance*clearance {
				return false
			}
		}
		return true
	}
	out := orb.LineString{ls[0]}
	for i := 0; i < len(ls)-1; {
		j := min(len(ls)-1, i+maxShortcut)
		for j > i+1 && !clear(i, j) {
			j--
		}
		out = append(out, ls[j])
		i = j
	}
	return out
}

// clearance is how near a shortcut may pass an address (degrees): twice
// the engine's snap tolerance, so snapping the applied grids never moves
// a border across an address.
const clearance = 2 * snapDeg

// maxShortcut bounds how many vertices one shortcut of straighten may
// skip (its cost grows with the square of it).
const maxShortcut = 120
