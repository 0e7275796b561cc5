package tiles

import (
	"container/heap"
	"math"
)

// polylabel returns the pole of inaccessibility of a polygon (the interior
// point farthest from its boundary), found to within precision, with the
// algorithm of Mapbox's polylabel: a best-first search over square cells.
// The label of a feature is placed there, so it sits inside the polygon
// even for a U-shaped or holed one.
func polylabel(p wpoly, precision float64) wpt {
	if len(p) == 0 || len(p[0]) == 0 {
		return wpt{}
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range p[0] {
		minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
	}
	w, h := maxX-minX, maxY-minY
	size := math.Min(w, h)
	if size == 0 {
		return wpt{minX, minY}
	}
	if precision <= 0 {
		// A hundredth of the feature's size: a label needs no more, and
		// each tenfold in precision costs several times the cells.
		precision = math.Max(w, h) / 100
	}
	var q cellQueue
	for x := minX; x < maxX; x += size {
		for y := minY; y < maxY; y += size {
			heap.Push(&q, newCell(x+size/2, y+size/2, size/2, p))
		}
	}
	best := centroidCell(p)
	if bb := newCell(minX+w/2, minY+h/2, 0, p); bb.d > best.d {
		best = bb
	}
	for steps := 0; q.Len() > 0 && steps < 10000; steps++ {
		c := heap.Pop(&q).(cell)
		if c.d > best.d {
			best = c
		}
		if c.max-best.d <= precision {
			continue
		}
		hs := c.h / 2
		heap.Push(&q, newCell(c.x-hs, c.y-hs, hs, p))
		heap.Push(&q, newCell(c.x+hs, c.y-hs, hs, p))
		heap.Push(&q, newCell(c.x-hs, c.y+hs, hs, p))
		heap.Push(&q, newCell(c.x+hs, c.y+hs, hs, p))
	}
	return wpt{best.x, best.y}
}

type cell struct {
	x, y, h float64 // centre and half size
	d       float64 // signed distance from the centre to the polygon
	max     float64 // the most any point in the cell can have
}

func newCell(x, y, h float64, p wpoly) cell {
	d := pointToPolygonDist(x, y, p)
	return cell{x: x, y: y, h: h, d: d, max: d + h*math.Sqrt2}
}

func centroidCell(p wpoly) cell {
	var area, cx, cy float64
	r := p[0]
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		f := a.x*b.y - b.x*a.y
		cx += (a.x + b.x) * f
		cy += (a.y + b.y) * f
		area += f * 3
	}
	if area == 0 {
		return newCell(r[0].x, r[0].y, 0, p)
	}
	return newCell(cx/area, cy/area, 0, p)
}

// pointToPolygonDist is the distance to the nearest ring, negative
// outside the polygon (even-odd rule over all its rings).
func pointToPolygonDist(x, y float64, p wpoly) float64 {
	inside := false
	minD := math.Inf(1)
	for _, r := range p {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			a, b := r[i], r[j]
			if (a.y > y) != (b.y > y) && x < (b.x-a.x)*(y-a.y)/(b.y-a.y)+a.x {
				inside = !inside
			}
			if d := segDist2(x, y, a, b); d < minD {
				minD = d
			}
		}
	}
	d := math.Sqrt(minD)
	if !inside {
		return -d
	}
	return d
}

func segDist2(px, py float64, a, b wpt) float64 {
	x, y := a.x, a.y
	dx, dy := b.x-x, b.y-y
	if dx != 0 || dy != 0 {
		t := ((px-x)*dx + (py-y)*dy) / (dx*dx + dy*dy)
		if t > 1 {
			x, y = b.x, b.y
		} else if t > 0 {
			x += dx * t
			y += dy * t
		}
	}
	dx, dy = px-x, py-y
	return dx*dx + dy*dy
}

type cellQueue []cell

func (q cellQueue) Len() int           { return len(q) }
func (q cellQueue) Less(i, j int) bool { return q[i].max > q[j].max }
func (q cellQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *cellQueue) Push(x any)        { *q = append(*q, x.(cell)) }
func (q *cellQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
