package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// A layer answers "which is the first polygon (in layer order) that
// covers p" for one set of polygons — the grids, or the areas of one
// level — with PostGIS's ST_Covers semantics (see CoversPoint).
//
// It is a multi-level table of lon/lat cells. The top table is a uniform
// grid over the layer's bounding box; a cell is one of
//
//   - interior: no edge comes near the cell, so every point in it is
//     covered by the same polygons and the word holds the answer;
//   - leaf: the cell keeps only the edges that come within the margin m of
//     it, grouped by ring, with each ring's winding number at a reference
//     corner K just outside the cell (see ringStatus);
//   - table: a cell with too many edges is split into a finer table.
//
// Cell boxes are widened by the margin m on every side when edges are
// assigned, and m is far larger than the float error of mapping a point to
// its cell, so the cell a point is mapped to always holds every edge that
// could matter for it — the answer does not depend on rounding in the
// cell arithmetic.
type layer struct {
	minX, minY, maxX, maxY float64 // bounding box of every vertex

	verts  []orb.Point // all rings, closed, concatenated (build only)
	tables []cellTable // tables[0] is the top table
	cells  []uint32    // cell words of every table

	// blob holds every leaf in one contiguous run of float64 words, so a
	// lookup in a boundary cell reads one or two cache lines instead of
	// chasing indexes (integers are stored as exact float64 values):
	//
	//	leaf: xr, bg, npolys, then npolys × poly
	//	poly: polygon, nrings, words, then nrings × ring
	//	ring: base, ext, words, then runs up to words
	//	run:  npts, tiny, then npts points (x, y): npts−1 edges
	//
	// xr is the x of the leaf's reference corner K (the right side of the
	// widened cell); bg the smallest polygon covering the whole cell (−1
	// for none); polygons are in increasing order; base is the ring's
	// winding number at K corrected for the vertical crossings at K (see
	// ringStatus); ext marks an outer ring, which starts a component; a
	// tiny run is one edge PostGIS skips.
	blob []float64
	// fast holds the leaves' fast records (see leafAt), which the cell
	// words of leaves point to.
	fast      []uint32
	leafCount int
	fastCount int // leaves with k > 0
	edgeCount int
	// fastConflicts counts faces left to the walk because two of their
	// points answered differently (never, if leafAt's argument holds).
	fastConflicts int
	vertCount     int

	ids []int32 // layer polygon → index in the snapshot slice

	// For building the next index from this one (see reuseRows): the
	// polygons and options it was built from, and where each row of the
	// top table lies in the arenas (rows; rowSpans while a band is built:
	// where each of its rows starts, one after the other).
	mps        []orb.MultiPolygon
	opts       IndexOptions
	rows       []rowRange
	rowSpans   []rowSpan
	rowsCopied int // rows of the top table copied from a previous index
	rowsShared int // of those, rows whose data is shared with it (not copied)

	// The arenas fast and blob may be shared with the previous and next
	// indexes (see shareRows): arena says who may append to them, and
	// garbage counts the words of rows no longer in use in them (and in
	// tables and cells, which are copied, not shared).
	arena   *arenaTip
	garbage rowSpan
}

// rowSpan is where a row of the top table starts in fast, blob, tables
// (sub-tables counted from 0) and cells (sub-tables' cells).
type rowSpan struct{ fast, blob, tables, cells uint32 }

// rowRange is where a row of the top table lies in the arenas:
// [from, to) of each.
type rowRange struct{ from, to rowSpan }

// Cell word tags (top two bits) and payload mask.
const (
	tagInterior = 0 << 30 // payload: polygon + 1, 0 for none
	tagLeaf     = 1 << 30 // payload: k<<leafKShift | fast record (index in fast)
	tagTable    = 2 << 30 // payload: table index
	payloadMask = 1<<30 - 1

	// A leaf word carries the number of lines k of its fast record (see
	// leafAt) beside the record's offset, so LookupBatch can pick the
	// code for k from the word it already holds: a branch on k loaded
	// from the record itself waits for that load whenever it is
	// mispredicted, which cost ≈5 ns a point (see LookupBatch).
	leafKShift  = 27
	leafOffMask = 1<<leafKShift - 1

	// tinyEdge marks an edge PostGIS ignores (shorter than 1e-12).
	tinyEdge = 1 << 31
)

// cellTable maps a point to one of nx×ny cells.
type cellTable struct {
	x0, y0     float64
	invW, invH float64
	nx, ny     int32
	base       uint32 // index of the first cell word
}

// find returns the first layer polygon covering p, or -1.
func (l *layer) find(p orb.Point) int32 {
	x, y := p[0], p[1]
	// Also false for NaN.
	if !(x >= l.minX && x <= l.maxX && y >= l.minY && y <= l.maxY) {
		return -1
	}
	t := &l.tables[0]
	for {
		fx, fy := (x-t.x0)*t.invW, (y-t.y0)*t.invH
		i := min(max(int32(fx), 0), t.nx-1)
		j := min(max(int32(fy), 0), t.ny-1)
		w := l.cells[t.base+uint32(j*t.nx+i)]
		switch w &^ payloadMask {
		case tagInterior:
			return int32(w&payloadMask) - 1
		case tagLeaf:
			return l.leafAt(w, fx-float64(i), fy-float64(j), p)
		default:
			t = &l.tables[w&payloadMask]
		}
	}
}

// outsideWord is what LookupBatch takes for a point outside the layer's
// box (or NaN): a word no table holds (tag 3).
const outsideWord = 1<<32 - 1

// findFrom finishes find for p from a cell word that is not interior
// (a leaf, a table, or outsideWord).
func (l *layer) findFrom(w uint32, p orb.Point) int32 {
	var t *cellTable // the table of w; nil for the top table
	for {
		switch w &^ payloadMask {
		case tagInterior:
			return int32(w&payloadMask) - 1
		case tagLeaf:
			if t == nil {
				t = &l.tables[0]
			}
			fx, fy := (p[0]-t.x0)*t.invW, (p[1]-t.y0)*t.invH
			i := min(max(int32(fx), 0), t.nx-1)
			j := min(max(int32(fy), 0), t.ny-1)
			return l.leafAt(w, fx-float64(i), fy-float64(j), p)
		case tagTable:
			t = &l.tables[w&payloadMask]
			i := min(max(int32((p[0]-t.x0)*t.invW), 0), t.nx-1)
			j := min(max(int32((p[1]-t.y0)*t.invH), 0), t.ny-1)
			w = l.cells[t.base+uint32(j*t.nx+i)]
		default:
			return -1
		}
	}
}

// A leaf's fast record (in layer.fast) decides most points of the leaf
// with a few float32 operations and no edge walk:
//
//	k, slow, tol, then k × line (a, b, c), then 2^k answers
//
// slow is the leaf's offset in blob (the exact walk, leafFind); the k
// lines carry the distinct segments of the leaf (k = 0: no fast path).
// In cell units (u, v) — the position of the point in its cell, in
// [0, 1]² — line n is a·u + b·v + c = 0 with (a, b) of unit length, so
// f = a·u + b·v + c is the signed distance to it in cell units.
//
// Why it is exact: the lines cut the cell into convex faces that no
// segment crosses, and no edge outside the leaf comes near the cell, so
// every point of a face has the same exact answer; PostGIS's float test
// gives the exact answer too as long as the point is not within a few
// ulps of a leaf edge's line. A point whose every |f| exceeds tol (which
// bounds the float32 error of f plus that float error, see fastTol) is
// certain to be on the side its sign says of every line, so the signs
// (bit n set for f > tol) select its face, whose answer the build found
// by running the exact walk on a point inside it: polygon + 1, 0 for
// none, or unknownAnswer for a face the build did not reach (a sliver),
// which, like a point near a line, takes the exact walk.
const unknownAnswer = 1 << 31

// maxFastLines bounds k: 2^k answers per record. On the full demo city
// (2M points, TopCellsPerPolygon 32) 5 left 1.6% of the points to the
// exact walk (leaves with more lines, and sliver faces), 7 left 0.25%.
const maxFastLines = 7

// leafAt answers p from the leaf of cell word w, (u, v) being p's
// position in the cell.
func (l *layer) leafAt(w uint32, u, v float64, p orb.Point) int32 {
	off := w & leafOffMask
	if g, ok := l.leafFast(off, w>>leafKShift&7, float32(u), float32(v)); ok {
		return g
	}
	return l.leafFind(l.blob[l.fast[off+1]:], p)
}

// leafFast answers from the fast record at off alone, which has k lines
// (from the cell word), (uf, vf) being the point's position in the cell
// rounded to float32; ok is false when the exact walk must decide.
//
// It has no branch on the lines' signs: they depend on the record, a
// load that often misses, and half of them went the unexpected way, so
// each mispredicted branch waited for that load. Computing the signs and
// the "too near a line" flag with comparisons into integers (SETcc)
// instead, with k taken from the cell word, made LookupBatch's
// fast-record step ≈27 → ≈15 ns a point (full demo city, one run).
func (l *layer) leafFast(off, k uint32, uf, vf float32) (g int32, ok bool) {
	if k == 0 {
		return 0, false
	}
	f := l.fast[off : off+3+3*k+1<<k]
	tol := math.Float32frombits(f[2])
	var sig, near uint32
	for n := range k {
		s, nr := lineSide(f[3+3*n], f[4+3*n], f[5+3*n], uf, vf, tol)
		sig |= s << n
		near |= nr
	}
	a := f[3+3*k+sig]
	return int32(a) - 1, a != unknownAnswer && near == 0
}

// lineSide evaluates the line (a, b, c) of a fast record (float32 bits)
// at (u, v): side is 1 when a·u + b·v + c > tol, near is 1 when
// |a·u + b·v + c| ≤ tol (or NaN), where the exact walk must decide.
func lineSide(a, b, c uint32, u, v, tol float32) (side, near uint32) {
	d := math.Float32frombits(a)*u + math.Float32frombits(b)*v + math.Float32frombits(c)
	return b2u(d > tol), b2u(!(math.Float32frombits(math.Float32bits(d)&^(1<<31)) > tol))
}

// b2u is 1 for true, 0 for false, without a branch (the compiler emits
// SETcc for it).
func b2u(b bool) uint32 {
	var x uint32
	if b {
		x = 1
	}
	return x
}

// leafFind returns the smallest polygon covering p among the leaf's
// background and its polygons with edges.
func (l *layer) leafFind(b []float64, p orb.Point) int32 {
	xr, bg, np := b[0], int32(b[1]), int(b[2])
	k := 3
	for range np {
		poly, nr, words := int32(b[k]), int(b[k+1]), int(b[k+2])
		if bg >= 0 && poly >= bg {
			break // polys are sorted; the background wins
		}
		if polyCovers(b[k+3:k+3+words], nr, xr, p) {
			return poly
		}
		k += 3 + words
	}
	return bg
}

// polyCovers walks the components like PostGIS's
// point_in_multipolygon_rtree: a component covers p when p is on its outer
// ring, or inside it and the first hole that is not "outside" is
// "boundary" (or there is none). b holds the polygon's nr rings.
func polyCovers(b []float64, nr int, xr float64, p orb.Point) bool {
	k := 0
	for r := 0; r < nr; {
		// b[k:] is an outer ring; evaluate it, then its holes if needed.
		st := ringStatus(b[k:], xr, p)
		k += 3 + int(b[k+2])
		r++
		inside := st == ringInside
		if st == ringBoundary {
			return true
		}
		for r < nr && b[k+1] == 0 { // holes of this component
			if inside {
				switch ringStatus(b[k:], xr, p) {
				case ringBoundary:
					return true
				case ringInside:
					inside = false
				}
			}
			k += 3 + int(b[k+2])
			r++
		}
		if inside {
			return true
		}
	}
	return false
}

// ringStatus computes PostGIS's point_in_ring answer for p from the edges
// of the ring that are in the leaf only (b starts at the ring's header).
//
// PostGIS sums, over all edges e of the ring, a float contribution f(e,p)
// (±1 when e crosses the horizontal ray from p, by postgisSide). For an
// edge that stays out of the widened cell the float sign is the exact
// sign (the edge is at least m away, and the float error is below 1e-15
// degrees), and its contribution is the same at p and at q = (xr, p.y),
// the point straight right of p on the cell's right side. So
//
//	wn(p) = Σ_{e in leaf} f(e,p) + W(q) − Σ_{e in leaf} x(e,q)
//
// with x the exact contribution and W(q) the exact winding number at q
// (pushed an infinitesimal up and right, so that it is never on an edge).
// W(q) is the winding number at the corner K plus the signed crossings of
// the vertical segment K→q, all of them edges in the leaf; the part at K
// is folded into base at build time.
func ringStatus(b []float64, xr float64, p orb.Point) int {
	wn := int32(b[0])
	end := 3 + int(b[2])
	px, py := p[0], p[1]
	q := [2]float64{xr, py}
	for k := 3; k < end; {
		npts, tiny := int(b[k]), b[k+1] != 0
		pts := b[k+2 : k+2+2*npts]
		k += 2 + 2*npts
		for j := 0; j+3 < len(pts); j += 2 {
			s1 := [2]float64{pts[j], pts[j+1]}
			s2 := [2]float64{pts[j+2], pts[j+3]}
			up := s1[1] <= py && py < s2[1]
			down := s2[1] <= py && py < s1[1]
			// p can only be on the edge when it is in the edge's box, and
			// then py is within the edge's y range.
			if up || down || py == s1[1] || py == s2[1] {
				lo, hi := s1[0], s2[0]
				if lo > hi {
					lo, hi = hi, lo
				}
				inBox := px >= lo && px <= hi
				if !tiny && (up || down || inBox) {
					sd := postgisSide(s1, s2, p)
					if sd == 0 && inBox {
						return ringBoundary
					}
					if up && sd > 0 {
						wn++
					} else if down && sd < 0 {
						wn--
					}
				}
			}
			sx := (s1[0] <= xr) != (s2[0] <= xr)
			if up || down || sx {
				o := Orient(s1, s2, q)
				wn -= crossH(s1, s2, py, o)
				if sx {
					wn += crossV(s1, s2, o)
				}
			}
		}
	}
	if wn == 0 {
		return ringOutside
	}
	return ringInside
}

// crossV is the signed crossing of edge s1→s2 (which straddles the
// vertical line x = X, half-open) with the vertical ray going down from
// (X+δ, Y+ε), δ ≫ ε infinitesimal, given o = Orient(s1, s2, (X, Y)):
// +1 for an edge going right below the point, −1 for one going left,
// 0 when the edge passes above.
func crossV(s1, s2 [2]float64, o int) int32 {
	if s1[0] < s2[0] {
		if o > 0 || (o == 0 && s2[1] <= s1[1]) {
			return 1
		}
		return 0
	}
	if o < 0 || (o == 0 && s1[1] <= s2[1]) {
		return -1
	}
	return 0
}

// crossH is the exact contribution of edge s1→s2 to the winding number of
// the point (X+δ, Y+ε) given o = Orient(s1, s2, (X, Y)): +1 for an upward
// edge to its right, −1 for a downward one.
func crossH(s1, s2 [2]float64, y float64, o int) int32 {
	if s1[1] <= y && y < s2[1] && o > 0 {
		return 1
	}
	if s2[1] <= y && y < s1[1] && o < 0 {
		return -1
	}
	return 0
}
