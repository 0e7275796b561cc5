package tiles

import "math"

// clipper clips polygons to the box [lo, hi]² (the tile with its buffer)
// as a whole, exterior and holes together, in the manner of
// Weiler-Atherton specialised to a rectangle: each ring is cut into the
// chains that run inside the box, and the chains are stitched into rings
// by walking the box's boundary counter-clockwise from where one chain
// leaves to where the next one enters. Unlike clipping each ring on its
// own with Sutherland-Hodgman, this never joins two parts of a concave
// ring along the box edge, so no zero-width strip (a ring touching
// itself along a segment, which MVT 2.1 forbids) is left behind, and a
// polygon the box cuts in two becomes two polygons.
//
// Rings come in wound as MVT wants them, exterior with positive area2
// (counter-clockwise in the numeric x/y plane) and holes negative, so the
// polygon's interior is always on the left of a ring: that is what makes
// the counter-clockwise boundary walk correct for every chain. New
// vertices are rounded to integers, with the coordinate along the cut
// box edge exact. The clipper reuses its buffers: a result is valid
// until the next call.
type clipper struct {
	chains []chain
	pts    []ipt
	inside [][]ipt // rings wholly inside the box
	outer  [][]ipt // rings wholly outside it
	rings  [][]ipt // result rings
	polys  []ipoly
	holes  [][]ipt
	used   []bool
}

// chain is a run of a ring inside the box: from the box boundary at
// perimeter position tin to the boundary at tout.
type chain struct {
	start, end int // in clipper.pts
	tin, tout  int64
}

// polygon clips one polygon (exterior then holes, rings open and wound)
// and returns the polygons left, each an exterior then its holes.
func (c *clipper) polygon(rings [][]ipt, lo, hi int32) []ipoly {
	c.chains, c.pts, c.inside, c.outer = c.chains[:0], c.pts[:0], c.inside[:0], c.outer[:0]
	for _, r := range rings {
		c.cut(r, lo, hi)
	}
	c.rings = c.rings[:0]
	c.stitch(lo, hi)
	if len(c.chains) == 0 && len(c.outer) > 0 {
		// No ring crosses the box: the box lies wholly inside the
		// polygon or wholly outside it, whichever its centre says.
		mid := wpt{(float64(lo) + float64(hi)) / 2, (float64(lo) + float64(hi)) / 2}
		in := false
		for _, r := range c.outer {
			if ringContainsPt(r, mid) {
				in = !in
			}
		}
		if in {
			start := len(c.pts)
			c.pts = append(c.pts, ipt{lo, lo}, ipt{hi, lo}, ipt{hi, hi}, ipt{lo, hi})
			c.rings = append(c.rings, c.pts[start:len(c.pts):len(c.pts)])
		}
	}
	for _, r := range c.inside {
		c.rings = append(c.rings, r)
	}
	return c.group()
}

// cut splits a ring into the chains inside the box, or files it whole
// as inside or outside the box.
func (c *clipper) cut(r []ipt, lo, hi int32) {
	n := len(r)
	first := -1
	for i, p := range r {
		if !inBox(p, lo, hi) {
			first = i
			break
		}
	}
	if first < 0 {
		c.inside = append(c.inside, r)
		return
	}
	open := false
	var cur chain
	startChain := func(p ipt) {
		cur = chain{start: len(c.pts), tin: perimeter(p, lo, hi)}
		c.pts = append(c.pts, p)
		open = true
	}
	endChain := func(p ipt) {
		if c.pts[len(c.pts)-1] != p {
			c.pts = append(c.pts, p)
		}
		cur.end, cur.tout = len(c.pts), perimeter(p, lo, hi)
		if cur.end-cur.start >= 2 {
			c.chains = append(c.chains, cur)
		} else {
			c.pts = c.pts[:cur.start]
		}
		open = false
	}
	before := len(c.chains)
	for k := 0; k < n; k++ {
		p, q := r[(first+k)%n], r[(first+k+1)%n]
		pin, qin := inBox(p, lo, hi), inBox(q, lo, hi)
		if pin && qin {
			if !open {
				startChain(p)
			}
			c.pts = append(c.pts, q)
			continue
		}
		if !pin && !qin && (p.x < lo && q.x < lo || p.x > hi && q.x > hi || p.y < lo && q.y < lo || p.y > hi && q.y > hi) {
			continue // wholly beyond one edge: most edges of a big area
		}
		a, b, ok := clipSegment(p, q, lo, hi)
		switch {
		case pin: // leaving
			if !open {
				startChain(p)
			}
			if ok {
				endChain(b)
			} else {
				endChain(p)
			}
		case qin: // entering
			if ok {
				startChain(a)
				if q != a {
					c.pts = append(c.pts, q)
				}
			} else {
				startChain(q)
			}
		case ok: // passing through
			startChain(a)
			endChain(b)
		}
	}
	if len(c.chains) == before {
		// Outside, or touching the box at points only.
		c.outer = append(c.outer, r)
	}
}

// stitch joins the chains into closed rings along the box boundary.
func (c *clipper) stitch(lo, hi int32) {
	if len(c.chains) == 0 {
		return
	}
	side := int64(hi) - int64(lo)
	per := 4 * side
	c.used = c.used[:0]
	for range c.chains {
		c.used = append(c.used, false)
	}
	for i0 := range c.chains {
		if c.used[i0] {
			continue
		}
		start := len(c.pts)
		i := i0
		for steps := 0; steps <= len(c.chains); steps++ {
			ch := c.chains[i]
			c.used[i] = true
			c.pts = append(c.pts, c.pts[ch.start:ch.end]...)
			// The next chain is the one entering first counter-clockwise
			// from where this one leaves; the walk closes at i0.
			next, best := -1, per
			for j, o := range c.chains {
				if c.used[j] && j != i0 {
					continue
				}
				if d := mod(o.tin-ch.tout, per); d < best {
					next, best = j, d
				}
			}
			if next < 0 {
				break // bad input: chains do not pair up
			}
			for t := (ch.tout/side + 1) * side; t < ch.tout+best; t += side {
				c.pts = append(c.pts, corner(mod(t, per), lo, hi, side))
			}
			if next == i0 {
				break
			}
			i = next
		}
		c.rings = append(c.rings, c.pts[start:len(c.pts):len(c.pts)])
	}
}

// group cleans the result rings and gives each hole to the exterior that
// holds it.
func (c *clipper) group() []ipoly {
	// Reuse the polygons' ring lists of earlier calls.
	np := 0
	c.holes = c.holes[:0]
	for _, r := range c.rings {
		r = dropCollinear(r)
		if len(r) < 3 {
			continue
		}
		switch a := area2(r); {
		case a > 0:
			if np < len(c.polys) {
				c.polys[np] = append(c.polys[np][:0], r)
			} else {
				c.polys = append(c.polys, ipoly{r})
			}
			np++
		case a < 0:
			c.holes = append(c.holes, r)
		}
	}
	c.polys = c.polys[:np]
	for _, h := range c.holes {
		k := 0
		if len(c.polys) > 1 {
			k = -1
			for i, p := range c.polys {
				if ringHoldsRing(p[0], h) {
					k = i
					break
				}
			}
		}
		if k >= 0 && k < len(c.polys) {
			c.polys[k] = append(c.polys[k], h)
		}
	}
	return c.polys
}

func inBox(p ipt, lo, hi int32) bool { return p.x >= lo && p.x <= hi && p.y >= lo && p.y <= hi }

func mod(a, m int64) int64 {
	a %= m
	if a < 0 {
		a += m
	}
	return a
}

// perimeter is the position of a point of the box boundary, counting
// counter-clockwise from the corner (lo, lo): along y = lo, up x = hi,
// back along y = hi, down x = lo.
func perimeter(p ipt, lo, hi int32) int64 {
	s := int64(hi) - int64(lo)
	switch {
	case p.y == lo:
		return int64(p.x) - int64(lo)
	case p.x == hi:
		return s + int64(p.y) - int64(lo)
	case p.y == hi:
		return 2*s + int64(hi) - int64(p.x)
	}
	return 3*s + int64(hi) - int64(p.y)
}

// corner returns the box corner at perimeter position t (a multiple of
// the side).
func corner(t int64, lo, hi int32, side int64) ipt {
	switch t / side {
	case 0:
		return ipt{lo, lo}
	case 1:
		return ipt{hi, lo}
	case 2:
		return ipt{hi, hi}
	}
	return ipt{lo, hi}
}

// clipSegment clips segment p-q to the box with Liang-Barsky, returning
// where it enters and leaves; ok is false when less than a stretch of it
// is inside. The coordinate of the box edge cut is set exactly, the other
// rounded.
func clipSegment(p, q ipt, lo, hi int32) (a, b ipt, ok bool) {
	px, py := float64(p.x), float64(p.y)
	dx, dy := float64(q.x)-px, float64(q.y)-py
	t0, t1 := 0.0, 1.0
	e0, e1 := -1, -1 // the box edge that set t0, t1
	for edge, pq := range [4][2]float64{
		{-dx, px - float64(lo)}, {dx, float64(hi) - px},
		{-dy, py - float64(lo)}, {dy, float64(hi) - py},
	} {
		pp, qq := pq[0], pq[1]
		if pp == 0 {
			if qq < 0 {
				return a, b, false
			}
			continue
		}
		t := qq / pp
		if pp < 0 {
			if t > t0 {
				t0, e0 = t, edge
			}
		} else if t < t1 {
			t1, e1 = t, edge
		}
	}
	if t0 >= t1 {
		return a, b, false
	}
	at := func(t float64, edge int) ipt {
		if edge < 0 {
			if t == 0 {
				return p
			}
			return q
		}
		x, y := clampRound(px+t*dx), clampRound(py+t*dy)
		switch edge {
		case 0:
			x = lo
		case 1:
			x = hi
		case 2:
			y = lo
		case 3:
			y = hi
		}
		return ipt{min(max(x, lo), hi), min(max(y, lo), hi)}
	}
	a, b = at(t0, e0), at(t1, e1)
	return a, b, a != b
}

// ringContainsPt reports whether a point lies inside an open ring, by
// the even-odd rule.
func ringContainsPt(r []ipt, p wpt) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		ay, by := float64(a.y), float64(b.y)
		if (ay > p.y) != (by > p.y) && p.x < float64(b.x-a.x)*(p.y-ay)/(by-ay)+float64(a.x) {
			in = !in
		}
	}
	return in
}

// ringHoldsRing reports whether exterior e holds ring h, judged by the
// middle of h's first edge that is not on e's boundary (rings may touch).
func ringHoldsRing(e, h []ipt) bool {
	for i := range h {
		a, b := h[i], h[(i+1)%len(h)]
		m := wpt{(float64(a.x) + float64(b.x)) / 2, (float64(a.y) + float64(b.y)) / 2}
		if !onRing(e, m) {
			return ringContainsPt(e, m)
		}
	}
	return false
}

// onRing reports whether a point lies on a ring's boundary.
func onRing(r []ipt, p wpt) bool {
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		ax, ay, bx, by := float64(a.x), float64(a.y), float64(b.x), float64(b.y)
		if (bx-ax)*(p.y-ay)-(by-ay)*(p.x-ax) == 0 &&
			p.x >= math.Min(ax, bx) && p.x <= math.Max(ax, bx) && p.y >= math.Min(ay, by) && p.y <= math.Max(ay, by) {
			return true
		}
	}
	return false
}
