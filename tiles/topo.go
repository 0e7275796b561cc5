package tiles

// Topological simplification. Neighbouring polygons of one layer share
// their edges vertex for vertex (grids are edge-matched, areas are the
// outlines of their children), so at a zoom their rounded rings share
// runs of identical points. Simplifying each ring on its own keeps
// different vertices on each side of a shared run, and the neighbours
// part by up to the tolerance: hairline gaps between fills. Here each
// ring is cut at its nodes (points where three or more edges of the
// layer meet, so where the set of polygons along the boundary changes)
// into arcs; each arc is simplified once, its ends kept, and every ring
// that runs along it gets the same points.

// arc is one run between two nodes, in canonical direction.
type arc struct {
	pts []ipt   // rounded points, ends included
	tol float64 // tolerance it is simplified with (halved for a ring that collapsed)
	out []ipt   // simplified points, ends included; nil until computed
}

// ringRef is a rounded ring of the layer and where it belongs.
type ringRef struct {
	feat, poly, ring int
	pts              []ipt
	arcs             []arcUse
}

// arcUse is an arc a ring runs along, and whether against its canonical
// direction.
type arcUse struct {
	a   *arc
	rev bool
}

type edgeKey struct{ a, b ipt }

func lessPt(a, b ipt) bool { return a.x < b.x || a.x == b.x && a.y < b.y }

// pack makes a point one word.
func pack(p ipt) uint64 { return uint64(uint32(p.x))<<32 | uint64(uint32(p.y)) }

// degrees tells, for every point of a layer's rings, whether it has two
// distinct neighbours or another number (a node). It is a hash table
// with open addressing (linear probing) on the packed point: a layer has
// hundreds of thousands of points per zoom, and Go's maps spent most of
// the preparation time hashing them.
type degrees struct {
	slots []degSlot
	mask  uint64
	shift uint // 64 - log2(len(slots)): Fibonacci hashing takes the top bits
}

type degSlot struct {
	pt, n1, n2 uint64 // the point and its first two neighbours
	count      uint8  // distinct neighbours seen, up to 3; 0: empty slot
}

func newDegrees(points int) *degrees {
	size, shift := 16, uint(60)
	for size < 2*points {
		size, shift = size*2, shift-1
	}
	return &degrees{slots: make([]degSlot, size), mask: uint64(size - 1), shift: shift}
}

func (d *degrees) slot(p uint64) *degSlot {
	for i := (p * 0x9e3779b97f4a7c15) >> d.shift; ; i = (i + 1) & d.mask {
		if s := &d.slots[i]; s.count == 0 || s.pt == p {
			return s
		}
	}
}

// add records u and w as neighbours of p (its previous and next points
// in a ring: one probe for both).
func (d *degrees) add(p, u, w uint64) {
	s := d.slot(p)
	if s.count == 0 {
		s.pt = p
	}
	for _, v := range [2]uint64{u, w} {
		switch {
		case s.count == 0:
			s.n1, s.count = v, 1
		case s.n1 == v || s.count >= 2 && s.n2 == v || s.count == 3:
		case s.count == 1:
			s.n2, s.count = v, 2
		default:
			s.count = 3
		}
	}
}

// of returns the number of distinct neighbours of p, 3 meaning three or
// more.
func (d *degrees) of(p ipt) int32 { return int32(d.slot(pack(p)).count) }

// simplifyShared computes f.byZoom[k] of every feature at zoom z, with
// arcs shared between neighbours simplified once. It returns the
// features (indices into feats, ascending, once each) that ran along an
// arc simplified with less than the tolerance, or lost a ring that
// collapsed.
func simplifyShared(feats []feature, z, k int) (halved []int) {
	sc, tol := scale(z), simplifyTolerance(z)
	var rings []*ringRef
	npts := 0
	for fi := range feats {
		for _, poly := range feats[fi].polys {
			for _, r := range poly {
				npts += len(r)
			}
		}
	}
	d := newDegrees(npts)
	for fi := range feats {
		for pi, poly := range feats[fi].polys {
			for ri, r := range poly {
				q := dropCollinear(quantise(nil, r, sc, 0, 0))
				if len(q) < 3 {
					if ri == 0 {
						break // the exterior collapsed: no polygon
					}
					continue
				}
				rings = append(rings, &ringRef{feat: fi, poly: pi, ring: ri, pts: q})
				for i := range q {
					d.add(pack(q[i]), pack(q[(i+len(q)-1)%len(q)]), pack(q[(i+1)%len(q)]))
				}
			}
		}
	}
	arcs := make(map[edgeKey]*arc, len(rings))
	for _, r := range rings {
		r.arcs = cutArcs(r.pts, d, arcs, tol)
	}
	// A ring whose arcs simplify to nothing gets its arcs simplified with
	// half the tolerance, and so on down to the rounded points; its
	// neighbours then see the same, finer arcs.
	var buf []ipt
	for round := 0; ; round++ {
		changed := false
		for _, r := range rings {
			if buf = assemble(buf[:0], r.arcs); len(buf) >= 3 && area2(buf) != 0 {
				continue
			}
			for _, u := range r.arcs {
				if u.a.tol > 0 {
					u.a.tol, u.a.out, changed = halve(u.a.tol), nil, true
				}
			}
		}
		if !changed || round > 8 {
			break
		}
	}
	for i := range feats {
		feats[i].byZoom[k] = nil
	}
	// Rings come polygon by polygon, exterior first.
	mark := func(fi int) {
		if n := len(halved); n == 0 || halved[n-1] != fi {
			halved = append(halved, fi)
		}
	}
	var ip ipoly
	var cur *ringRef
	skip := false
	flush := func() {
		if cur != nil && len(ip) > 0 {
			f := &feats[cur.feat]
			f.byZoom[k] = append(f.byZoom[k], ip)
		}
		ip = nil
	}
	for _, r := range rings {
		if cur == nil || r.feat != cur.feat || r.poly != cur.poly {
			flush()
			cur, skip = r, false
		}
		for _, u := range r.arcs {
			if u.a.tol != tol {
				mark(r.feat)
			}
		}
		if skip {
			continue
		}
		s := dropCollinear(assemble(nil, r.arcs))
		if !orient(s, r.ring == 0) {
			mark(r.feat)
			skip = r.ring == 0 // no exterior: no polygon
			continue
		}
		ip = append(ip, s)
	}
	flush()
	return halved
}

func halve(t float64) float64 {
	if t /= 2; t < 0.5 {
		return 0
	}
	return t
}

// cutArcs cuts a ring at its nodes into arcs, reusing the arcs already
// made by a neighbour.
func cutArcs(r []ipt, deg *degrees, arcs map[edgeKey]*arc, tol float64) []arcUse {
	n := len(r)
	var nodes []int
	for i, p := range r {
		if deg.of(p) != 2 {
			nodes = append(nodes, i)
		}
	}
	if len(nodes) < 2 {
		// A ring no other ring meets (or meets at one point): its lowest
		// point and the point farthest from it, which any ring running
		// along all of it finds too.
		lo := 0
		if len(nodes) == 1 {
			lo = nodes[0]
		} else {
			for i, p := range r {
				if lessPt(p, r[lo]) {
					lo = i
				}
			}
		}
		far, fd := -1, int64(-1)
		for i, p := range r {
			dx, dy := int64(p.x-r[lo].x), int64(p.y-r[lo].y)
			if d := dx*dx + dy*dy; i != lo && (d > fd || d == fd && lessPt(p, r[far])) {
				far, fd = i, d
			}
		}
		nodes = []int{min(lo, far), max(lo, far)}
	}
	uses := make([]arcUse, 0, len(nodes))
	for j, s := range nodes {
		e := nodes[(j+1)%len(nodes)]
		if e <= s {
			e += n
		}
		fwd := edgeKey{r[s], r[(s+1)%n]}
		back := edgeKey{r[e%n], r[(e-1)%n]}
		key, rev := fwd, false
		if lessPt(back.a, fwd.a) || back.a == fwd.a && lessPt(back.b, fwd.b) {
			key, rev = back, true
		}
		a := arcs[key]
		if a == nil {
			pts := make([]ipt, 0, e-s+1)
			for i := s; i <= e; i++ {
				pts = append(pts, r[i%n])
			}
			if rev {
				reverse(pts)
			}
			a = &arc{pts: pts, tol: tol}
			arcs[key] = a
		}
		uses = append(uses, arcUse{a, rev})
	}
	return uses
}

// assemble appends a ring's simplified arcs, each without its last point
// (the next arc's first).
func assemble(dst []ipt, uses []arcUse) []ipt {
	for _, u := range uses {
		a := u.a
		if a.out == nil {
			a.out = simplifyLine(nil, a.pts, a.tol)
		}
		if u.rev {
			for i := len(a.out) - 1; i > 0; i-- {
				dst = append(dst, a.out[i])
			}
		} else {
			dst = append(dst, a.out[:len(a.out)-1]...)
		}
	}
	return dst
}

// simplifyLine simplifies an open line with Douglas-Peucker at tolerance
// tol, keeping both ends. It writes into dst.
func simplifyLine(dst, l []ipt, tol float64) []ipt {
	n := len(l)
	if n <= 2 || tol <= 0 {
		return append(dst, l...)
	}
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	tol2 := tol * tol
	markDP(l, keep, 0, n-1, tol2)
	for i := range l {
		if keep[i] {
			dst = append(dst, l[i])
		}
	}
	return dst
}

// markDP is the Douglas-Peucker step shared by lines and rings: between
// the kept points a and b of l it marks in keep the points farther than
// √tol2 from the chord a–b, recursively.
func markDP(l []ipt, keep []bool, a, b int, tol2 float64) {
	if b-a < 2 {
		return
	}
	pa, pb := l[a], l[b]
	dx, dy := float64(pb.x-pa.x), float64(pb.y-pa.y)
	l2 := dx*dx + dy*dy
	idx, best := -1, tol2
	for i := a + 1; i < b; i++ {
		px, py := float64(l[i].x-pa.x), float64(l[i].y-pa.y)
		var d2 float64
		if l2 == 0 {
			d2 = px*px + py*py
		} else {
			c := px*dy - py*dx
			d2 = c * c / l2
		}
		if d2 > best {
			idx, best = i, d2
		}
	}
	if idx >= 0 {
		keep[idx] = true
		markDP(l, keep, a, idx, tol2)
		markDP(l, keep, idx, b, tol2)
	}
}
