package geo

import (
	"sync"

	"github.com/paulmach/orb"
)

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
	if prev == nil || len(prev.tables) == 0 || len(prev.rows) != int(prev.tables[0].ny) ||
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
	ok = true
	poly := func(p int32) int32 { // p ≥ 0
		if int(p) >= len(remap) || remap[p] < 0 {
			ok = false
			return p
		}
		return remap[p]
	}
	pl = &layer{tables: []cellTable{l.tables[0]}}
	// Rows stored one after the other are copied together.
	for j := j0; j < j1; {
		e := j + 1
		for e < j1 && l.rows[e].from == l.rows[e-1].to {
			e++
		}
		l.copyRun(pl, j, e, poly, top)
		j = e
	}
	return pl, ok
}

// copyRun appends rows j0..j1 of l, which lie one after the other in its
// arenas, to the band arena pl (see copyRows).
func (l *layer) copyRun(pl *layer, j0, j1 int, poly func(int32) int32, top []uint32) {
	a, z := l.rows[j0].from, l.rows[j1-1].to
	// Where the run goes in pl.
	at := rowSpan{uint32(len(pl.fast)), uint32(len(pl.blob)), uint32(len(pl.tables) - 1), uint32(len(pl.cells))}
	nx := int(l.tables[0].nx)
	reloc := func(w uint32) uint32 {
		switch w &^ payloadMask {
		case tagInterior:
			if g := w & payloadMask; g != 0 {
				return tagInterior | uint32(poly(int32(g)-1)+1)
			}
		case tagLeaf:
			return w - a.fast + at.fast
		case tagTable:
			return w - a.tables + at.tables
		}
		return w
	}
	for c := j0 * nx; c < j1*nx; c++ {
		top[c] = reloc(l.cells[c])
	}
	for _, t := range l.tables[1+a.tables : 1+z.tables] {
		t.base = t.base - a.cells + at.cells
		pl.tables = append(pl.tables, t)
	}
	for _, w := range l.cells[a.cells:z.cells] {
		pl.cells = append(pl.cells, reloc(w))
	}
	f0 := len(pl.fast)
	pl.fast = append(pl.fast, l.fast[a.fast:z.fast]...)
	pl.blob = append(pl.blob, l.blob[a.blob:z.blob]...)
	for o := f0; o < len(pl.fast); {
		rec := pl.fast[o:]
		k := rec[0]
		rec[1] = rec[1] - a.blob + at.blob
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
		s := l.rows[j].from
		pl.rowSpans = append(pl.rowSpans, rowSpan{s.fast - a.fast + at.fast, s.blob - a.blob + at.blob, s.tables - a.tables + at.tables, s.cells - a.cells + at.cells})
	}
}

// layerCounts are the leaf, fast-record and edge counts of some rows.
type layerCounts struct{ leafCount, fastCount, edgeCount int }

// countRows counts the leaves, fast records and leaf edges of rows
// j0..j1 (in their sub-tables too).
func (l *layer) countRows(j0, j1 int) layerCounts {
	var c layerCounts
	for j := j0; j < j1; j++ {
		r := l.rows[j]
		for o := r.from.fast; o < r.to.fast; {
			rec := l.fast[o:]
			size := uint32(2)
			if k := rec[0]; k != 0 {
				size = 3 + 3*k + 1<<k
				c.fastCount++
			}
			c.leafCount++
			b := l.blob[rec[1]:]
			for n, q := int(b[2]), 3; n > 0; n-- {
				c.edgeCount += leafPolyEdges(b[q+3:q+3+int(b[q+2])], int(b[q+1]))
				q += 3 + int(b[q+2])
			}
			o += size
		}
	}
	return c
}

// Sharing arenas. A layer's fast and blob arenas are most of an index
// (on the synthetic city at 4×, 340 of its 445 MiB), and copying them
// for every version made the rebuild after a one-grid change grow with
// the whole dataset. When the polygons keep their numbers (no polygon
// added or removed: a change of shape or of anything but geometry), the
// rows no changed polygon reaches are the same words, so the next layer
// keeps prev's fast and blob as they are and appends the rows it builds
// after them — in the same backing arrays while they have room: prev
// never reads past its own length, and only the one layer at the tip of
// the arrays may append (arenaTip), so a second layer built from prev
// copies instead. The rows replaced stay in the arrays as garbage until
// it exceeds a quarter of them; then the next layer copies, compacting.
// The top table, sub-tables and their cells (a few MiB) are copied.

// arenaTip is shared by the layers whose fast and blob are views of the
// same backing arrays: the lengths at which the newest of them ends,
// where the next one may append.
type arenaTip struct {
	mu         sync.Mutex
	fast, blob int
	busy       bool // a layer is being built at the tip
}

// shareRows reports whether the layer built from l with clean's rows
// can share l's arenas, and if so claims l's tip for it (extendArenas
// and moveTip complete the claim).
func (l *layer) shareRows(clean *reuse) bool {
	if l.arena == nil || len(l.mps) != len(clean.remap) {
		return false
	}
	for j, i := range clean.remap {
		if i != int32(j) && i >= 0 {
			return false // renumbered: every row's words change
		}
	}
	g := l.garbage
	if 4*g.fast > uint32(len(l.fast)) || 4*g.blob > uint32(len(l.blob)) || 4*g.cells > uint32(len(l.cells)) || 4*g.tables > uint32(len(l.tables)) {
		return false // compact
	}
	t := l.arena
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.busy || t.fast != len(l.fast) || t.blob != len(l.blob) {
		return false
	}
	t.busy = true
	return true
}

// extendArenas returns l's fast and blob with room for nFast and nBlob
// more words, in l's backing arrays when they have it (then with l's
// tip), else in new ones with some room to spare (with a tip of their
// own).
func (l *layer) extendArenas(nFast, nBlob int) ([]uint32, []float64, *arenaTip) {
	if cap(l.fast)-len(l.fast) >= nFast && cap(l.blob)-len(l.blob) >= nBlob {
		return l.fast, l.blob, l.arena
	}
	fast := make([]uint32, len(l.fast), len(l.fast)+nFast+len(l.fast)/8+1024)
	copy(fast, l.fast)
	blob := make([]float64, len(l.blob), len(l.blob)+nBlob+len(l.blob)/8+1024)
	copy(blob, l.blob)
	return fast, blob, &arenaTip{}
}

// moveTip ends the claim shareRows took on t: the new layer, whose
// arenas (with tip nt) end at fast and blob, is the tip now.
func (t *arenaTip) moveTip(nt *arenaTip, fast, blob int) {
	t.mu.Lock()
	t.busy = false
	if nt == t {
		t.fast, t.blob = fast, blob
	}
	t.mu.Unlock()
	if nt != t {
		nt.mu.Lock()
		nt.fast, nt.blob = fast, blob
		nt.mu.Unlock()
	}
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
			if len(ra) > 0 && &ra[0] == &rb[0] {
				continue // the same points (a reload keeps unchanged grids' geometry)
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
//
// Layers are in code order, so the two are walked side by side; a map
// is used only if one is not.
func matchLayer(prev *layer, prevCode func(id int32) Code, mps []orb.MultiPolygon, ids []int32, code func(id int32) Code) []int32 {
	if prev == nil {
		return nil
	}
	out := make([]int32, len(mps))
	j := 0
	for i := range mps {
		out[i] = -1
		c := code(ids[i])
		if i > 0 && c <= code(ids[i-1]) {
			return matchLayerMap(prev, prevCode, mps, ids, code)
		}
		for ; j < len(prev.ids) && prevCode(prev.ids[j]) < c; j++ {
			if j > 0 && prevCode(prev.ids[j]) <= prevCode(prev.ids[j-1]) {
				return matchLayerMap(prev, prevCode, mps, ids, code)
			}
		}
		if j < len(prev.ids) && j < len(prev.mps) && prevCode(prev.ids[j]) == c && sameGeom(prev.mps[j], mps[i]) {
			out[i] = int32(j)
		}
	}
	return out
}

// matchLayerMap is matchLayer through a map of the previous codes.
func matchLayerMap(prev *layer, prevCode func(id int32) Code, mps []orb.MultiPolygon, ids []int32, code func(id int32) Code) []int32 {
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

// needed returns which polygons, of boxes bounds, reach a row of the top
// table that r does not take from prev (all of them when r is nil:
// nil). An edge is given to the rows its box, widened by m, meets and
// one more on each side (see raster), so a polygon whose widened box
// meets no such row, with a row more to spare, has no edge there.
func (r *reuse) needed(prev *layer, bounds []orb.Bound, m float64) []bool {
	if r == nil {
		return nil
	}
	t := prev.tables[0]
	// built[j] counts the rows before j to build.
	built := make([]int32, len(r.row)+1)
	for j, c := range r.row {
		built[j+1] = built[j]
		if !c {
			built[j+1]++
		}
	}
	row := func(y float64) int { return min(max(int((y-t.y0)*t.invH), 0), int(t.ny)-1) }
	keep := make([]bool, len(bounds))
	for i, bd := range bounds {
		j0, j1 := max(row(bd.Min[1]-m)-2, 0), min(row(bd.Max[1]+m)+2, int(t.ny)-1)
		keep[i] = built[j1+1] > built[j0]
	}
	return keep
}
