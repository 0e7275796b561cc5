package geo

import "github.com/paulmach/orb"

// Building an index from the previous one. A row of a layer's top table
// is built from the edges that reach it alone (every ring's winding
// starts each row at zero on the right side of the box), and its words,
// fast records and leaves depend on nothing else — not on where the
// polygons' vertices sit in the layer, only on their geometry and on the
// polygons' order. So when the box and the table are the same, a row
// that no added, removed or changed polygon reaches is the row of the
// previous index with the polygons renumbered: it is copied instead of
// built.

// reuse is what a layer build takes from the previous layer.
type reuse struct {
	row   []bool  // rows of the top table to copy
	remap []int32 // previous polygon → polygon, −1 when gone or changed
}

// reuseRows decides which rows of the top table can be copied from prev
// (nil: none) and, when some can, takes prev's table size in nx, ny so
// the rows match.
func (b *layerBuilder) reuseRows(prev *layer, prevOf []int32, nx, ny *int) *reuse {
	l := b.l
	if prev == nil || len(prev.tables) == 0 || len(prev.rowSpans) != int(prev.tables[0].ny)+1 ||
		prev.opts != l.opts || len(prevOf) != len(l.mps) ||
		prev.minX != l.minX || prev.maxX != l.maxX || prev.minY != l.minY || prev.maxY != l.maxY {
		return nil
	}
	// The table size follows the number of polygons; within a quarter of
	// the previous one keep the previous size.
	if d := len(l.mps) - len(prev.mps); 4*max(d, -d) > len(prev.mps) {
		return nil
	}
	r := &reuse{remap: make([]int32, len(prev.mps))}
	for j := range r.remap {
		r.remap[j] = -1
	}
	last := int32(-1)
	for i, j := range prevOf {
		if j < 0 {
			continue
		}
		if j <= last || int(j) >= len(prev.mps) {
			return nil // the order changed: the smallest polygon may differ
		}
		last = j
		r.remap[j] = int32(i)
	}
	t := prev.tables[0]
	r.row = make([]bool, t.ny)
	for j := range r.row {
		r.row[j] = true
	}
	row := func(y float64) int { return min(max(int((y-t.y0)*t.invH), 0), int(t.ny)-1) }
	dirty := func(mp orb.MultiPolygon) {
		if len(mp) == 0 {
			return
		}
		bd := mp.Bound()
		// raster gives an edge to the rows of its box widened by m, and
		// one more on each side.
		for j := max(row(bd.Min[1]-b.m)-2, 0); j <= min(row(bd.Max[1]+b.m)+2, int(t.ny)-1); j++ {
			r.row[j] = false
		}
	}
	for i, j := range prevOf {
		if j < 0 {
			dirty(l.mps[i])
		}
	}
	for j, i := range r.remap {
		if i < 0 {
			dirty(prev.mps[j])
		}
	}
	any := false
	for _, c := range r.row {
		any = any || c
	}
	if !any {
		return nil
	}
	*nx, *ny = int(t.nx), int(t.ny)
	return r
}

// copyRows returns rows j0..j1 of l's top table as a band arena (as a
// band builder leaves it: tables[0] the top table, sub-tables from 1,
// offsets from 0) with polygons renumbered by remap, and writes the
// rows' top-table words into top. ok is false when a row refers to a
// polygon remap drops (then the rows must be built).
func (l *layer) copyRows(j0, j1 int, remap []int32, top []uint32) (pl *layer, ok bool) {
	a, z := l.rowSpans[j0], l.rowSpans[j1]
	nx := int(l.tables[0].nx)
	ok = true
	poly := func(p int32) int32 { // p ≥ 0
		if int(p) >= len(remap) || remap[p] < 0 {
			ok = false
			return p
		}
		return remap[p]
	}
	reloc := func(w uint32) uint32 {
		switch w &^ payloadMask {
		case tagInterior:
			if g := w & payloadMask; g != 0 {
				return tagInterior | uint32(poly(int32(g)-1)+1)
			}
		case tagLeaf:
			return w - a.fast
		case tagTable:
			return w - a.tables
		}
		return w
	}
	pl = &layer{tables: make([]cellTable, 1, 1+z.tables-a.tables)}
	pl.tables[0] = l.tables[0]
	for c := j0 * nx; c < j1*nx; c++ {
		top[c] = reloc(l.cells[c])
	}
	for _, t := range l.tables[1+a.tables : 1+z.tables] {
		t.base -= a.cells
		pl.tables = append(pl.tables, t)
	}
	pl.cells = make([]uint32, z.cells-a.cells)
	for k, w := range l.cells[a.cells:z.cells] {
		pl.cells[k] = reloc(w)
	}
	pl.fast = append([]uint32(nil), l.fast[a.fast:z.fast]...)
	pl.blob = append([]float64(nil), l.blob[a.blob:z.blob]...)
	for o := 0; o < len(pl.fast); {
		rec := pl.fast[o:]
		k := rec[0]
		rec[1] -= a.blob
		size := 2
		if k != 0 {
			size = 3 + 3*int(k) + 1<<k
			for n := 3 + 3*int(k); n < size; n++ {
				if v := rec[n]; v != unknownAnswer && v != 0 {
					rec[n] = uint32(poly(int32(v)-1) + 1)
				}
			}
			pl.fastCount++
		}
		pl.leafCount++
		// The leaf: xr, bg, npolys, then per polygon: polygon, rings,
		// words, then its rings (see layer.blob).
		b := pl.blob[rec[1]:]
		if bg := int32(b[1]); bg >= 0 {
			b[1] = float64(poly(bg))
		}
		for n, q := int(b[2]), 3; n > 0; n-- {
			b[q] = float64(poly(int32(b[q])))
			pl.edgeCount += leafPolyEdges(b[q+3:q+3+int(b[q+2])], int(b[q+1]))
			q += 3 + int(b[q+2])
		}
		o += size
	}
	for j := j0; j < j1; j++ {
		s := l.rowSpans[j]
		pl.rowSpans = append(pl.rowSpans, rowSpan{s.fast - a.fast, s.blob - a.blob, s.tables - a.tables, s.cells - a.cells})
	}
	return pl, ok
}

// leafPolyEdges counts the edges of a leaf polygon's nr rings.
func leafPolyEdges(b []float64, nr int) int {
	n, k := 0, 0
	for range nr {
		end := k + 3 + int(b[k+2])
		for q := k + 3; q < end; q += 2 + 2*int(b[q]) {
			n += int(b[q]) - 1
		}
		k = end
	}
	return n
}

// sameGeom reports whether two multipolygons have the same vertices.
func sameGeom(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for k := range a[i] {
			ra, rb := a[i][k], b[i][k]
			if len(ra) != len(rb) {
				return false
			}
			for v := range ra {
				if ra[v] != rb[v] {
					return false
				}
			}
		}
	}
	return true
}

// matchLayer maps each polygon of a new layer to the previous layer's
// polygon with the same code and geometry (−1 for none); code gives the
// code of a layer polygon from its id.
func matchLayer(prev *layer, prevCode func(id int32) Code, mps []orb.MultiPolygon, ids []int32, code func(id int32) Code) []int32 {
	if prev == nil {
		return nil
	}
	at := make(map[Code]int32, len(prev.ids))
	for j, id := range prev.ids {
		at[prevCode(id)] = int32(j)
	}
	out := make([]int32, len(mps))
	for i := range mps {
		out[i] = -1
		if j, ok := at[code(ids[i])]; ok && int(j) < len(prev.mps) && sameGeom(prev.mps[j], mps[i]) {
			out[i] = j
		}
	}
	return out
}
