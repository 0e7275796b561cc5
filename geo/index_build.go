package geo

import (
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// layerBuilder holds the scratch state of one layer build.
type layerBuilder struct {
	l    *layer
	opts IndexOptions
	m    float64 // margin added to every cell box

	ringStart []uint32 // vertex range of ring r: ringStart[r]..ringStart[r+1]
	ringPoly  []int32
	ringComp  []int32 // global component index
	ringExt   []bool
	polyRing  []uint32 // ring range of polygon p: polyRing[p]..polyRing[p+1]
	compRing  []uint32 // ring range of component c
	vertRing  []int32  // ring of each vertex (build only)
	// polyRingIdx lists ring ids polygon by polygon, each polygon's rings
	// in its own order; polyRing and compRing index into it.
	polyRingIdx []int32

	// Sweep state: the exact winding number of every ring at the current
	// reference point, and the rings where it is not zero.
	wind      []int32
	activePos []int32 // position in active, -1 when not active
	active    []int32
	dirty     bool

	// Per-cell scratch, stamped to avoid clearing.
	stamp     int32
	compStamp []int32
	polyStamp []int32

	lastInterior uint32
	runs         []struct {
		ring       int32
		start, end int
	}
	polyBuf []int32
	segBuf  []fastSeg
	lineBuf []float64
	faces   faceSet
}

// buildLayer indexes the multipolygons mps (layer polygon i is mps[i];
// ids[i] is what the layer answers for it).
//
// prev, when not nil, is the same layer of a previous index and prevOf
// maps each polygon to the identical one (same geometry) in prev, −1 for
// none: rows of the top table that no changed polygon reaches are then
// copied from prev instead of built (see reuseRows).
func buildLayer(mps []orb.MultiPolygon, ids []int32, opts IndexOptions, workers int, prev *layer, prevOf []int32) *layer {
	lo := opts
	lo.Workers = 0
	l := &layer{ids: ids, mps: mps, opts: lo, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
	b := &layerBuilder{l: l, opts: opts}

	// Lay vertices out in spatial order of the polygons (their bounding
	// box centres on a coarse Morton curve), so edges that are near each
	// other on the map are near each other in memory.
	order := make([]int, len(mps))
	keys := make([]uint64, len(mps))
	var all orb.Bound
	first := true
	bounds := make([]orb.Bound, len(mps))
	for i, mp := range mps {
		order[i] = i
		if len(mp) == 0 {
			continue
		}
		bd := geomBound(mp)
		bounds[i] = bd
		if first {
			all, first = bd, false
		} else {
			all = all.Union(bd)
		}
	}
	for i, mp := range mps {
		if len(mp) == 0 {
			continue
		}
		keys[i] = morton(bounds[i].Center(), all)
	}
	slices.SortStableFunc(order, func(a, c int) int {
		switch {
		case keys[a] < keys[c]:
			return -1
		case keys[a] > keys[c]:
			return 1
		}
		return 0
	})

	// The bounding box of every vertex, and the numbers of rings and
	// edges (the table size follows them).
	var nVerts, nRings int
	for _, mp := range mps {
		for _, poly := range mp {
			for _, r := range poly {
				if len(r) < 2 {
					continue
				}
				nRings++
				nVerts += len(r)
				if r[0] != r[len(r)-1] {
					nVerts++
				}
				for _, v := range r {
					l.minX, l.maxX = min(l.minX, v[0]), max(l.maxX, v[0])
					l.minY, l.maxY = min(l.minY, v[1]), max(l.maxY, v[1])
				}
			}
		}
	}
	l.vertCount = nVerts
	if nVerts == 0 {
		return l
	}
	span := max(math.Abs(l.minX), math.Abs(l.maxX), math.Abs(l.minY), math.Abs(l.maxY), 1)
	b.m = 1e-9 * span

	// Top table: about TopCellsPerEdge cells per edge, square in degrees.
	ne := nVerts - nRings
	want := max(1, int(float64(ne)*opts.TopCellsPerEdge), int(float64(len(mps))*opts.TopCellsPerPolygon))
	w, h := l.maxX-l.minX, l.maxY-l.minY
	nx, ny := 1, 1
	if w > 0 && h > 0 {
		nx = max(1, int(math.Round(math.Sqrt(float64(want)*w/h))))
		ny = max(1, int(math.Round(float64(want)/float64(nx))))
	} else if w > 0 {
		nx = want
	} else if h > 0 {
		ny = want
	}
	nx, ny = min(nx, 1<<13), min(ny, 1<<13)
	clean := b.reuseRows(prev, prevOf, &nx, &ny)
	// With rows taken from prev, only the polygons that reach a row to
	// build are laid out: a row is built from the edges that reach it
	// alone, and the layout keeps the other polygons' order, so the rows
	// come out as a whole build would make them.
	keep := clean.needed(prev, bounds, b.m)

	// Rings are numbered in layout order; polygon p's rings are recorded
	// in its own ring order through polyRing/ringIdx.
	polyRings := make([][]int32, len(mps))
	for _, pi := range order {
		if keep != nil && !keep[pi] {
			continue
		}
		for _, poly := range mps[pi] {
			for k, r := range poly {
				if len(r) < 2 {
					continue
				}
				ri := int32(len(b.ringStart))
				b.ringStart = append(b.ringStart, uint32(len(l.verts)))
				b.ringPoly = append(b.ringPoly, int32(pi))
				b.ringExt = append(b.ringExt, k == 0)
				for _, v := range r {
					l.verts = append(l.verts, v)
					b.vertRing = append(b.vertRing, ri)
				}
				if r[0] != r[len(r)-1] { // close it
					l.verts = append(l.verts, r[0])
					b.vertRing = append(b.vertRing, ri)
				}
				polyRings[pi] = append(polyRings[pi], ri)
			}
		}
	}
	nr := len(b.ringStart)
	b.ringStart = append(b.ringStart, uint32(len(l.verts)))
	// Polygon order of rings: ringIdx lists ring ids polygon by polygon.
	b.polyRing = make([]uint32, len(mps)+1)
	ringIdx := make([]int32, 0, nr)
	for p := range mps {
		b.polyRing[p] = uint32(len(ringIdx))
		ringIdx = append(ringIdx, polyRings[p]...)
	}
	b.polyRing[len(mps)] = uint32(len(ringIdx))
	b.ringComp = make([]int32, nr)
	for k, r := range ringIdx {
		if b.ringExt[r] {
			b.compRing = append(b.compRing, uint32(k))
		}
		b.ringComp[r] = int32(len(b.compRing) - 1)
	}
	b.compRing = append(b.compRing, uint32(len(ringIdx)))
	b.polyRingIdx = ringIdx

	b.wind = make([]int32, nr)
	b.activePos = make([]int32, nr)
	for i := range b.activePos {
		b.activePos[i] = -1
	}
	b.compStamp = make([]int32, len(b.compRing))
	b.polyStamp = make([]int32, len(mps))

	edges := make([]uint32, 0, len(l.verts)-nr)
	for r := 0; r < nr; r++ {
		for i := b.ringStart[r]; i+1 < b.ringStart[r+1]; i++ {
			e := i
			if postgisTinySegment([2]float64(l.verts[i]), [2]float64(l.verts[i+1])) {
				e |= tinyEdge
			}
			edges = append(edges, e)
		}
	}
	b.vertRing = b.vertRing[:len(l.verts)]
	b.topTable(nx, ny, edges, workers, prev, clean)
	b.vertRing = nil
	l.verts = nil // the leaves carry their own coordinates
	return l
}

// geomBound is mp.Bound() in one plain loop (orb's goes through
// Bound.Extend per point, which showed in build profiles).
func geomBound(mp orb.MultiPolygon) orb.Bound {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		for _, r := range poly {
			for _, p := range r {
				minX, maxX = min(minX, p[0]), max(maxX, p[0])
				minY, maxY = min(minY, p[1]), max(maxY, p[1])
			}
		}
	}
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}

// morton interleaves the 16-bit positions of c in bound.
func morton(c orb.Point, bd orb.Bound) uint64 {
	q := func(v, lo, hi float64) uint64 {
		if hi <= lo {
			return 0
		}
		f := (v - lo) / (hi - lo) * 65535
		return uint64(min(max(f, 0), 65535))
	}
	x, y := q(c[0], bd.Min[0], bd.Max[0]), q(c[1], bd.Min[1], bd.Max[1])
	var k uint64
	for i := 0; i < 16; i++ {
		k |= (x>>i&1)<<(2*i) | (y>>i&1)<<(2*i+1)
	}
	return k
}

// tableGrid is a table being built: its header, the cell boundaries
// and the edges of every cell (CSR: cell c has cellEdges[start[c]:start[c+1]],
// each list in edge order).
type tableGrid struct {
	t         cellTable
	xs, ys    []float64
	start     []uint32
	cellEdges []uint32
	edges     []uint32
}

// grid lays out a table covering [x0,x1]×[y0,y1] with nx×ny cells and
// assigns the edges to its cells.
//
// skipRow, when not nil, marks rows whose cells need no edges (rows
// copied from a previous index).
func (b *layerBuilder) grid(x0, x1, y0, y1 float64, nx, ny int, edges []uint32, skipRow []bool) *tableGrid {
	g := &tableGrid{xs: make([]float64, nx+1), ys: make([]float64, ny+1), edges: edges}
	w, h := (x1-x0)/float64(nx), (y1-y0)/float64(ny)
	for i := range nx {
		g.xs[i] = x0 + float64(i)*w
	}
	for j := range ny {
		g.ys[j] = y0 + float64(j)*h
	}
	g.xs[nx], g.ys[ny] = x1, y1
	g.t = cellTable{x0: x0, y0: y0, nx: int32(nx), ny: int32(ny)}
	if x1 > x0 {
		g.t.invW = float64(nx) / (x1 - x0)
	}
	if y1 > y0 {
		g.t.invH = float64(ny) / (y1 - y0)
	}
	g.start = make([]uint32, nx*ny+1)
	b.raster(g.xs, g.ys, edges, skipRow, func(c int, _ uint32) { g.start[c+1]++ })
	for c := 1; c <= nx*ny; c++ {
		g.start[c] += g.start[c-1]
	}
	g.cellEdges = make([]uint32, g.start[nx*ny])
	fill := slices.Clone(g.start[:nx*ny])
	b.raster(g.xs, g.ys, edges, skipRow, func(c int, e uint32) { g.cellEdges[fill[c]] = e; fill[c]++ })
	return g
}

// table fills table ti, covering [x0,x1]×[y0,y1] with nx×ny cells, from
// edges: a sub-table, for which b.wind holds the windings of the tracked
// rings at the table's corner (x1+m, y0−m), and bg0 covers the whole
// table.
func (b *layerBuilder) table(ti int, x0, x1, y0, y1 float64, nx, ny int, edges []uint32, tracked []int32, bg0 int32, depth int) {
	l := b.l
	g := b.grid(x0, x1, y0, y1, nx, ny, edges, nil)
	g.t.base = uint32(len(l.cells))
	l.tables[ti] = g.t
	l.cells = append(l.cells, make([]uint32, nx*ny)...)
	b.rows(ti, g, tracked, bg0, depth, 0, ny, &l.cells, int(g.t.base))
}

// rows fills rows j0..j1 of table ti (laid out in g) into (*out)[base:]
// (the table's cell words; through a pointer, since building a cell may
// append sub-tables' cells to the same slice). For the top table tracked is nil and every ring's
// winding starts each row at zero (the right side of the bounding box is
// outside everything), so rows can be built independently.
func (b *layerBuilder) rows(ti int, g *tableGrid, tracked []int32, bg0 int32, depth int, j0, j1 int, out *[]uint32, base int) {
	m := b.m
	xs, ys, start, cellEdges, edges := g.xs, g.ys, g.start, g.cellEdges, g.edges
	nx := len(xs) - 1
	x1, y0 := xs[nx], ys[0]
	var saved []int32
	for _, r := range tracked {
		saved = append(saved, b.wind[r])
	}
	xEnd := x1 + m
	for j := j0; j < j1; j++ {
		yb := ys[j] - m
		if depth == 0 {
			l := b.l
			l.rowSpans = append(l.rowSpans, rowSpan{uint32(len(l.fast)), uint32(len(l.blob)), uint32(len(l.tables) - 1), uint32(len(l.cells))})
		}
		if tracked == nil {
			for len(b.active) > 0 {
				b.setWind(b.active[len(b.active)-1], 0)
			}
		} else {
			for k, r := range tracked {
				b.setWind(r, saved[k])
			}
			if j > 0 { // walk up the right side from (xEnd, y0−m)
				for _, e := range edges {
					s1, s2 := b.edge(e)
					if (s1[0] <= xEnd) == (s2[0] <= xEnd) {
						continue
					}
					d := crossV(s1, s2, Orient(s1, s2, [2]float64{xEnd, yb})) -
						crossV(s1, s2, Orient(s1, s2, [2]float64{xEnd, y0 - m}))
					if d != 0 {
						r := b.vertRing[e&^tinyEdge]
						b.setWind(r, b.wind[r]+d)
					}
				}
			}
		}
		b.dirty = true
		for i := nx - 1; i >= 0; i-- {
			xr := xs[i+1] + m
			if i < nx-1 { // move K left from cell i+1's corner to cell i's
				xOld := xs[i+2] + m
				c := j*nx + i + 1
				for _, e := range cellEdges[start[c]:start[c+1]] {
					s1, s2 := b.edge(e)
					if (s1[1] <= yb) == (s2[1] <= yb) {
						continue
					}
					d := crossH(s1, s2, yb, Orient(s1, s2, [2]float64{xr, yb})) -
						crossH(s1, s2, yb, Orient(s1, s2, [2]float64{xOld, yb}))
					if d != 0 {
						r := b.vertRing[e&^tinyEdge]
						b.setWind(r, b.wind[r]+d)
					}
				}
			}
			c := j*nx + i
			w := b.cell(cellEdges[start[c]:start[c+1]], xs[i], xs[i+1], ys[j], ys[j+1], tracked, bg0, depth, cellAt{ti, i, j})
			(*out)[base+c] = w
		}
	}
	if tracked == nil {
		for len(b.active) > 0 {
			b.setWind(b.active[len(b.active)-1], 0)
		}
	} else {
		for k, r := range tracked {
			b.setWind(r, saved[k])
		}
	}
	b.dirty = true
}

// topTable builds the top table over the layer's bounding box: the
// edges are assigned to cells once, then bands of rows are built by up to
// workers goroutines, each into its own arena, and the arenas are
// concatenated (relocating the words that point into them). Rows that
// clean marks are taken from prev: shared with it when prev's arenas can
// be extended (see shareRows), else copied.
func (b *layerBuilder) topTable(nx, ny int, edges []uint32, workers int, prev *layer, clean *reuse) {
	l := b.l
	var skip []bool
	if clean != nil {
		skip = clean.row
	}
	g := b.grid(l.minX, l.maxX, l.minY, l.maxY, nx, ny, edges, skip)
	share := clean != nil && prev.shareRows(clean)
	if share {
		// Every row's top words, sub-tables and their cells as prev has
		// them; the rows built below overwrite their top words and append
		// the rest.
		l.tables = slices.Clone(prev.tables)
		l.cells = slices.Clone(prev.cells)
	} else {
		l.tables = append(l.tables[:0], g.t)
		l.cells = make([]uint32, nx*ny)
	}

	// Runs of rows to build, cut into bands of about equal work (edge
	// references plus cells), and runs of rows to copy from prev.
	type part struct {
		j0, j1 int
		copy   bool
	}
	var parts []part
	nb := max(1, min(ny, 4*workers))
	if workers <= 1 {
		nb = 1
	}
	work := func(j int) uint64 { return uint64(g.start[j*nx]) + uint64(j*nx)/4 }
	total := work(ny)
	for j := 0; j < ny; {
		e := j + 1
		cp := clean != nil && clean.row[j]
		for e < ny && (clean != nil && clean.row[e]) == cp {
			e++
		}
		if cp {
			parts = append(parts, part{j, e, true})
		} else {
			// Cut [j, e) where the cumulative work crosses multiples of
			// total/nb.
			lo := j
			for k := j + 1; k < e; k++ {
				if work(k)*uint64(nb)/max(total, 1) != work(lo)*uint64(nb)/max(total, 1) && k > lo {
					parts = append(parts, part{lo, k, false})
					lo = k
				}
			}
			parts = append(parts, part{lo, e, false})
		}
		j = e
	}

	out := make([]*layer, len(parts))
	run := func(k int) {
		pt := parts[k]
		if pt.copy {
			if share {
				return // already in l.cells, and in the shared arenas
			}
			if pl, ok := prev.copyRows(pt.j0, pt.j1, clean.remap, l.cells); ok {
				out[k] = pl
				return
			}
			parts[k].copy = false
		}
		wb := b.fork()
		pl := wb.l
		pl.tables = []cellTable{g.t}
		// About 5 words of leaves per edge reference (full city).
		refs := int(g.start[pt.j1*nx] - g.start[pt.j0*nx])
		pl.blob = make([]float64, 0, 6*refs)
		pl.fast = make([]uint32, 0, 2*refs)
		wb.rows(0, g, nil, -1, 0, pt.j0, pt.j1, &l.cells, 0)
		out[k] = pl
	}
	var wg sync.WaitGroup
	next := make(chan int, len(parts))
	for k := range parts {
		next <- k
	}
	close(next)
	for range max(1, min(workers, len(parts))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				run(k)
			}
		}()
	}
	wg.Wait()

	// Concatenate: part k's sub-tables, cells, fast records and leaves go
	// after those of parts 0..k−1 (after prev's, when shared).
	var nTables, nCells, nFast, nBlob int
	for _, pl := range out {
		if pl == nil {
			continue
		}
		nTables += len(pl.tables) - 1
		nCells += len(pl.cells)
		nFast += len(pl.fast)
		nBlob += len(pl.blob)
	}
	if share {
		l.rows = slices.Clone(prev.rows)
		l.garbage = prev.garbage
		for _, pt := range parts {
			for j := pt.j0; j < pt.j1 && !pt.copy; j++ {
				r := prev.rows[j]
				l.garbage.fast += r.to.fast - r.from.fast
				l.garbage.blob += r.to.blob - r.from.blob
				l.garbage.tables += r.to.tables - r.from.tables
				l.garbage.cells += r.to.cells - r.from.cells
			}
		}
		l.fast, l.blob, l.arena = prev.extendArenas(nFast, nBlob)
	} else {
		l.rows = make([]rowRange, ny)
		// Room to grow in place for the next versions' changed rows.
		l.fast = make([]uint32, 0, nFast+nFast/32+1024)
		l.blob = make([]float64, 0, nBlob+nBlob/32+1024)
		l.arena = &arenaTip{}
	}
	if len(l.fast)+nFast > leafOffMask || len(l.tables)+nTables > payloadMask {
		panic("geo: lookup index exceeds 2^27 fast words or 2^30 tables")
	}
	l.tables = slices.Grow(l.tables, nTables)
	l.cells = slices.Grow(l.cells, nCells)
	for k, pl := range out {
		if pl == nil {
			continue
		}
		tableOff, fastOff, blobOff := uint32(len(l.tables)-1), uint32(len(l.fast)), len(l.blob)
		cellOff := uint32(len(l.cells))
		for i, r := range pl.rowSpans {
			end := rowSpan{uint32(len(pl.fast)), uint32(len(pl.blob)), uint32(len(pl.tables) - 1), uint32(len(pl.cells))}
			if i+1 < len(pl.rowSpans) {
				end = pl.rowSpans[i+1]
			}
			off := func(s rowSpan) rowSpan {
				return rowSpan{s.fast + fastOff, s.blob + uint32(blobOff), s.tables + tableOff, s.cells + cellOff}
			}
			l.rows[parts[k].j0+i] = rowRange{off(r), off(end)}
		}
		reloc := func(w uint32) uint32 {
			switch w &^ payloadMask {
			case tagLeaf:
				return w + fastOff
			case tagTable:
				return w + tableOff
			}
			return w
		}
		for _, t := range pl.tables[1:] {
			t.base += cellOff
			l.tables = append(l.tables, t)
		}
		for _, w := range pl.cells {
			l.cells = append(l.cells, reloc(w))
		}
		top := l.cells[parts[k].j0*nx : parts[k].j1*nx]
		for c, w := range top {
			top[c] = reloc(w)
		}
		for o := 0; o < len(pl.fast); {
			rec := pl.fast[o:]
			size := 2
			if k := rec[0]; k != 0 {
				size = 3 + 3*int(k) + 1<<k
			}
			l.fast = append(l.fast, rec[:size]...)
			l.fast[int(fastOff)+o+1] += uint32(blobOff)
			o += size
		}
		l.blob = append(l.blob, pl.blob...)
	}
	if share {
		prev.arena.moveTip(l.arena, len(l.fast), len(l.blob))
	} else {
		l.arena.fast, l.arena.blob = len(l.fast), len(l.blob)
	}
	l.leafCount, l.fastCount, l.edgeCount, l.fastConflicts = 0, 0, 0, 0
	if share {
		l.leafCount, l.fastCount, l.edgeCount, l.fastConflicts = prev.leafCount, prev.fastCount, prev.edgeCount, prev.fastConflicts
	}
	l.rowsCopied, l.rowsShared = 0, 0
	for k, pt := range parts {
		if pt.copy {
			l.rowsCopied += pt.j1 - pt.j0
			if share {
				l.rowsShared += pt.j1 - pt.j0
			}
		}
		if pl := out[k]; pl != nil {
			l.leafCount += pl.leafCount
			l.fastCount += pl.fastCount
			l.edgeCount += pl.edgeCount
			l.fastConflicts += pl.fastConflicts
		}
	}
	if share {
		// The counts of the rows built anew were prev's too.
		for _, pt := range parts {
			if !pt.copy {
				c := prev.countRows(pt.j0, pt.j1)
				l.leafCount -= c.leafCount
				l.fastCount -= c.fastCount
				l.edgeCount -= c.edgeCount
			}
		}
	}
}

// fork returns a builder for a band of the top table: it shares the
// layer's read-only ring data and vertices and has its own sweep state,
// scratch and arena.
func (b *layerBuilder) fork() *layerBuilder {
	nb := &layerBuilder{
		l:    &layer{verts: b.l.verts},
		opts: b.opts, m: b.m,
		ringStart: b.ringStart, ringPoly: b.ringPoly, ringComp: b.ringComp, ringExt: b.ringExt,
		polyRing: b.polyRing, compRing: b.compRing, vertRing: b.vertRing, polyRingIdx: b.polyRingIdx,
		wind:      make([]int32, len(b.wind)),
		activePos: make([]int32, len(b.activePos)),
		compStamp: make([]int32, len(b.compStamp)),
		polyStamp: make([]int32, len(b.polyStamp)),
	}
	for i := range nb.activePos {
		nb.activePos[i] = -1
	}
	return nb
}

func (b *layerBuilder) edge(e uint32) (s1, s2 [2]float64) {
	i := e &^ tinyEdge
	return [2]float64(b.l.verts[i]), [2]float64(b.l.verts[i+1])
}

// setWind sets a ring's winding number and keeps the active set.
func (b *layerBuilder) setWind(r int32, v int32) {
	b.dirty = true
	was := b.wind[r] != 0
	b.wind[r] = v
	switch {
	case v != 0 && !was:
		b.activePos[r] = int32(len(b.active))
		b.active = append(b.active, r)
	case v == 0 && was:
		k := b.activePos[r]
		last := b.active[len(b.active)-1]
		b.active[k] = last
		b.activePos[last] = k
		b.active = b.active[:len(b.active)-1]
		b.activePos[r] = -1
	}
}

// raster calls visit for every (cell, edge) where the edge may meet the
// cell box widened by m (a conservative test: extra pairs only cost
// time). A tiny edge, which PostGIS skips, is given to every cell of its
// rows to its left as well, since skipping it changes the crossing count
// of every point left of it.
func (b *layerBuilder) raster(xs, ys []float64, edges []uint32, skipRow []bool, visit func(c int, e uint32)) {
	nx, ny := len(xs)-1, len(ys)-1
	m := b.m
	x0, y0 := xs[0], ys[0]
	invW, invH := 0.0, 0.0
	if xs[nx] > x0 {
		invW = float64(nx) / (xs[nx] - x0)
	}
	if ys[ny] > y0 {
		invH = float64(ny) / (ys[ny] - y0)
	}
	col := func(v float64) int { return min(max(int((v-x0)*invW), 0), nx-1) }
	row := func(v float64) int { return min(max(int((v-y0)*invH), 0), ny-1) }
	for _, e := range edges {
		s1, s2 := b.edge(e)
		minx, maxx := min(s1[0], s2[0]), max(s1[0], s2[0])
		miny, maxy := min(s1[1], s2[1]), max(s1[1], s2[1])
		i0, i1 := max(col(minx-m)-1, 0), min(col(maxx+m)+1, nx-1)
		j0, j1 := max(row(miny-m)-1, 0), min(row(maxy+m)+1, ny-1)
		if e&tinyEdge != 0 {
			i0 = 0
		}
		nX, nY := s1[1]-s2[1], s2[0]-s1[0]
		for j := j0; j <= j1; j++ {
			if ys[j]-m > maxy || ys[j+1]+m < miny || (skipRow != nil && skipRow[j]) {
				continue
			}
			for i := i0; i <= i1; i++ {
				if xs[i]-m > maxx || (xs[i+1]+m < minx && e&tinyEdge == 0) {
					continue
				}
				if e&tinyEdge == 0 {
					// Separating axis: the segment's normal.
					hx := (xs[i+1]-xs[i])/2 + 2*m
					hy := (ys[j+1]-ys[j])/2 + 2*m
					cx, cy := (xs[i]+xs[i+1])/2, (ys[j]+ys[j+1])/2
					d := nX*(cx-s1[0]) + nY*(cy-s1[1])
					if math.Abs(d) > math.Abs(nX)*hx+math.Abs(nY)*hy {
						continue
					}
				}
				visit(j*nx+i, e)
			}
		}
	}
}

// cell builds the word for one cell from the edges that meet it; b.wind
// holds every ring's winding at the cell's corner K = (x1+m, y0−m).
// cellAt names a cell: column i, row j of table ti.
type cellAt struct{ ti, i, j int }

func (b *layerBuilder) cell(edges []uint32, x0, x1, y0, y1 float64, tracked []int32, bg0 int32, depth int, at cellAt) uint32 {
	l := b.l
	if len(edges) == 0 && !b.dirty && tracked == nil {
		return b.lastInterior
	}
	b.stamp++
	st := b.stamp
	// Rings with edges here, each with its run of edges.
	type run struct {
		ring       int32
		start, end int
	}
	runs := b.runs[:0]
	for k, e := range edges {
		r := b.vertRing[e&^tinyEdge]
		if n := len(runs); n > 0 && runs[n-1].ring == r {
			runs[n-1].end = k + 1
			continue
		}
		runs = append(runs, run{r, k, k + 1})
		b.compStamp[b.ringComp[r]] = st
	}
	b.runs = runs

	// The smallest polygon covering the whole cell through a component
	// with no edges here.
	bg := bg0
	cands := tracked
	if cands == nil {
		cands = b.active
	}
	for _, r := range cands {
		if b.wind[r] == 0 {
			continue
		}
		p := b.ringPoly[r]
		if (bg >= 0 && p >= bg) || b.polyStamp[p] == st {
			continue
		}
		b.polyStamp[p] = st
		for c := b.polyComp(p); c.lo < c.hi; c.lo++ {
			if b.compStamp[c.lo] == st {
				continue
			}
			if b.compCovers(c.lo) {
				bg = p
				break
			}
		}
	}

	// Polygons with edges here that could beat bg, in order.
	polys := b.polyBuf[:0]
	for _, rn := range runs {
		p := b.ringPoly[rn.ring]
		if bg >= 0 && p >= bg {
			continue
		}
		polys = append(polys, p)
	}
	slices.Sort(polys)
	polys = slices.Compact(polys)
	b.polyBuf = polys
	if len(polys) == 0 {
		word := uint32(tagInterior | (bg + 1))
		if tracked == nil {
			b.lastInterior, b.dirty = word, false
		}
		return word
	}
	b.dirty = true

	xr, yb := x1+b.m, y0-b.m
	runOf := func(r int32) (int, int) {
		for _, rn := range runs {
			if rn.ring == r {
				return rn.start, rn.end
			}
		}
		return 0, 0
	}
	nEdges := 0
	var ringsHere []int32
	for _, p := range polys {
		for c := b.polyComp(p); c.lo < c.hi; c.lo++ {
			if b.compStamp[c.lo] != st {
				continue
			}
			for k := b.compRing[c.lo]; k < b.compRing[c.lo+1]; k++ {
				r := b.polyRingIdx[k]
				ringsHere = append(ringsHere, r)
				s, e := runOf(r)
				nEdges += e - s
			}
		}
	}

	if nEdges > b.opts.LeafEdges && depth < b.opts.MaxDepth {
		var sub []uint32
		keep := make(map[int32]bool, len(ringsHere))
		for _, r := range ringsHere {
			keep[r] = true
		}
		for _, e := range edges {
			if keep[b.vertRing[e&^tinyEdge]] {
				sub = append(sub, e)
			}
		}
		ti := len(l.tables)
		l.tables = append(l.tables, cellTable{})
		k := b.opts.SubCells
		saveRuns, savePolys := b.runs, b.polyBuf
		b.runs, b.polyBuf = nil, nil
		b.table(ti, x0, x1, y0, y1, k, k, sub, ringsHere, bg, depth+1)
		b.runs, b.polyBuf = saveRuns, savePolys
		return uint32(tagTable | ti)
	}

	// The leaf, laid out in one run of the arena (see layer.blob).
	off := len(l.blob)
	if off > payloadMask {
		panic("geo: lookup index arena exceeds 2^30 words")
	}
	l.leafCount++
	q := [2]float64{xr, yb}
	l.blob = append(l.blob, xr, float64(bg), float64(len(polys)))
	for _, p := range polys {
		ph := len(l.blob)
		l.blob = append(l.blob, float64(p), 0, 0) // poly, rings, words
		nr := 0
		for c := b.polyComp(p); c.lo < c.hi; c.lo++ {
			if b.compStamp[c.lo] != st {
				continue
			}
			for k := b.compRing[c.lo]; k < b.compRing[c.lo+1]; k++ {
				r := b.polyRingIdx[k]
				s, e := runOf(r)
				base := b.wind[r]
				for _, ev := range edges[s:e] {
					s1, s2 := b.edge(ev)
					if (s1[0] <= xr) != (s2[0] <= xr) {
						base -= crossV(s1, s2, Orient(s1, s2, q))
					}
				}
				ext := 0.0
				if b.ringExt[r] {
					ext = 1
				}
				rh := len(l.blob)
				l.blob = append(l.blob, float64(base), ext, 0) // base, ext, words
				// Runs of consecutive edges as polylines; a tiny edge is a
				// run of its own, flagged.
				for a := s; a < e; {
					z := a + 1
					tiny := edges[a]&tinyEdge != 0
					if !tiny {
						for z < e && edges[z] == edges[z-1]+1 && edges[z]&tinyEdge == 0 {
							z++
						}
					}
					flag := 0.0
					if tiny {
						flag = 1
					}
					first := edges[a] &^ tinyEdge
					l.blob = append(l.blob, float64(z-a+1), flag)
					for v := first; v <= first+uint32(z-a); v++ {
						l.blob = append(l.blob, l.verts[v][0], l.verts[v][1])
					}
					l.edgeCount += z - a
					a = z
				}
				l.blob[rh+2] = float64(len(l.blob) - rh - 3)
				nr++
			}
		}
		l.blob[ph+1] = float64(nr)
		l.blob[ph+2] = float64(len(l.blob) - ph - 3)
	}
	fo := b.fastLeaf(off, at)
	return tagLeaf | l.fast[fo]<<leafKShift | fo
}

// compRange is a half-open range of component indexes.
type compRange struct{ lo, hi int32 }

// polyComp returns the components of polygon p.
func (b *layerBuilder) polyComp(p int32) compRange {
	lo, hi := b.polyRing[p], b.polyRing[p+1]
	if lo == hi {
		return compRange{}
	}
	return compRange{b.ringComp[b.polyRingIdx[lo]], b.ringComp[b.polyRingIdx[hi-1]] + 1}
}

// compCovers reports whether component c covers the reference point
// exactly: inside its outer ring and in none of its holes.
func (b *layerBuilder) compCovers(c int32) bool {
	k0, k1 := b.compRing[c], b.compRing[c+1]
	if b.wind[b.polyRingIdx[k0]] == 0 {
		return false
	}
	for k := k0 + 1; k < k1; k++ {
		if b.wind[b.polyRingIdx[k]] != 0 {
			return false
		}
	}
	return true
}
