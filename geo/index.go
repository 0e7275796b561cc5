package geo

import (
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/paulmach/orb"
)

// Index answers point lookups against one snapshot in constant time.
//
// The rule (the same as PostGIS, which is its oracle): a point is answered
// with at most one grid — among the current grids (15-digit codes) whose
// closed polygon covers the point, the one with the smallest code, where
// "covers" is ST_Covers: the boundary counts, a hole's boundary counts as
// covered and a hole's interior does not. So a point strictly inside a grid
// gets that grid, a point on a shared edge or vertex gets the smallest of
// the grids that meet there. When that grid has sub-grids (17-digit codes)
// the sub-grid is picked among them by the same rule. A point in no grid is
// answered with the deepest area (village, then town, county, city) that
// covers it, smallest code first. In SQL:
//
//	SELECT code FROM grid_current WHERE length(code) = 15
//	  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
//	  ORDER BY code LIMIT 1
//
// Near edges "covers" is decided by PostGIS's own float test, reproduced
// bit for bit (see CoversPoint), so the index agrees with PostGIS also on
// vertices, on points computed on edges and one ulp off them.
//
// Why a lon/lat cell table and not H3: mapping a point to its cell is two
// multiplications here, while one h3.LatLngToCell call through cgo costs
// more than a whole lookup (measured in one run on the 20k-grid benchmark
// city: 1.4 µs per LatLngToCell against 0.22 µs per Lookup, see
// BenchmarkH3LatLngToCell), and H3 cells are hexagons whose sides are not
// axis-parallel, so the exact "which edges can matter here" tests would
// need a second geometry. The uniform top table, refined where edges are
// dense, gives the same adaptivity.
//
// Earlier figures on that city (1.7 M vertices, 2 shared cores, CPU
// time per point, one run): Lookup ≈0.15 µs, LookupBatch of 1 M random
// points ≈0.09 µs, bounding-box buckets + planar.MultiPolygonContains
// ≈9 µs. Boundary cells used to cost half of LookupBatch (≈4 edges and
// 1.6 polygons per leaf visit, branchy code, a leaf of ≈3 cache lines
// rarely in cache); a boundary cell now has a fast record (see leafAt)
// that decides almost every point with ≤7 float32 line tests in one cache
// line: on the full demo city (20k grids, 213k vertices, 2M points drawn
// like gridd bench lookup does) 45% of points fell in boundary cells
// (71% with today's default of 32 top cells per polygon: 41% of the
// points in cells of one line, 29% in interior cells), and the fast
// records leave 0.25% of all points to the exact walk.
// Measured there in one session, 2 shared and busy cores, CPU time per
// point, A/B against the previous code in the same runs (see
// TopCellsPerPolygon): LookupBatch 115–136 → 72–100 ns, Lookup ≈300 →
// 150–210 ns, 541 → 313 bytes per vertex. A Lookup now costs two
// dependent cache misses (the cell word, then the fast record) and
// little else: copying the arenas to madvise'd huge pages changed
// nothing measurable, nor did keeping one-line records beside the cell
// words (16 bytes per top cell, so that both loads overlap). LookupBatch
// has since dropped its sort by cell (see LookupBatch for why and the
// figures), and the sub-grid layer got finer cells (see NewIndexFrom:
// 3 MB more, 329 bytes per vertex). The build takes ≈0.5 s CPU, ≈0.27 s
// wall on two free cores; NewIndexFrom after a three-grid change copies
// 97% of the rows and takes ≈0.13 s CPU, ≈0.09 s wall (lookup's
// BenchmarkFullCityBuild*).
//
// An Index is immutable once built; any number of goroutines may call its
// methods at once.
type Index struct {
	snap     *Snapshot
	grids    *layer
	areas    [4]*layer   // village, town, county, city
	meta     []gridMeta  // per grid-layer polygon
	subs     []int32     // sub-grids (snapshot indexes), grid by grid, in code order
	subBound []orb.Bound // bounding box of subs[i]
	// subLayer indexes every sub-grid (layer polygon k is subs[k]), so the
	// sub-grid of a point costs one cell lookup instead of a polygon walk.
	subLayer *layer
	subOwner []int32 // grid-layer polygon of subs[k]
	stats    IndexStats
	batchBuf sync.Pool
}

// gridMeta is what a grid answer needs besides the grid, in one place so
// that it costs one cache line.
type gridMeta struct {
	snap, village    int32 // snapshot indexes of the grid and its village
	subStart, subEnd int32 // its sub-grids: subs[subStart:subEnd]
}

// IndexOptions tunes the cell tables. The zero value picks the defaults.
type IndexOptions struct {
	// TopCellsPerEdge sets the size of each top table: this many cells per
	// polygon edge (default 1)…
	TopCellsPerEdge float64
	// TopCellsPerPolygon …and at least this many cells per polygon
	// (default 32), so that polygons with few vertices still get cells
	// small next to them, where most points fall in interior cells.
	//
	// Measured on the demo city (20k grids of ≈7 vertices each, one run,
	// CPU time), before boundary cells had fast records: 128 instead of
	// none made Lookup 1.85× and LookupBatch 1.95× faster (≈6.1 and ≈11.9
	// M/s) for 4× the memory (110 MiB, 541 bytes per vertex, against 27
	// MiB). With fast records a boundary cell costs little more than an
	// interior one, and 32 and 128 measure within the noise of each other
	// for Lookup and LookupBatch (A/B runs in one session, 2 busy cores:
	// LookupBatch 80–108 against 90–99 ns a point) while 32 takes half the
	// memory (66 against 132 MB) and half the build CPU (0.53–0.59 against
	// 0.87–1.14 s); 16 made LookupBatch ≈20% slower. On the 1.7 M-vertex
	// benchmark city TopCellsPerEdge dominates (≈85 cells per grid).
	TopCellsPerPolygon float64
	// LeafEdges is the number of edges above which a cell is split into a
	// finer table (default 24).
	LeafEdges int
	// MaxDepth limits the levels of splitting (default 3).
	MaxDepth int
	// SubCells is the side of a split table (default 4, so 16 cells).
	SubCells int
	// Workers is how many goroutines build the tables (default
	// GOMAXPROCS): the layers are built at once, and each top table in
	// bands of rows.
	Workers int
}

func (o IndexOptions) withDefaults() IndexOptions {
	if o.TopCellsPerEdge <= 0 {
		o.TopCellsPerEdge = 1
	}
	if o.TopCellsPerPolygon <= 0 {
		o.TopCellsPerPolygon = 32
	}
	if o.LeafEdges <= 0 {
		o.LeafEdges = 24
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 3
	}
	if o.SubCells < 2 {
		o.SubCells = 4
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Hit is the answer for one point: indexes into the snapshot's Grids and
// Areas, -1 when none. Area is the grid's village when a grid is found,
// otherwise the deepest area covering the point.
type Hit struct {
	Grid    int32
	SubGrid int32
	Area    int32
}

// IndexStats describes a built index.
type IndexStats struct {
	Grids         int           // grids (15-digit) indexed
	Vertices      int           // vertices of grids and areas
	Cells         int           // cell words in all tables
	InteriorCells int           // cells answered without any edge test
	LeafCells     int           // boundary cells
	FastLeaves    int           // boundary cells with a fast record (see leafAt)
	Tables        int           // cell tables (1 per layer + refinements)
	BoundaryEdges int           // edge references kept in boundary cells
	Bytes         int           // memory held by the index (not the snapshot)
	RowsCopied    int           // top-table rows copied from the previous index (NewIndexFrom)
	RowsShared    int           // of those, rows whose data the two indexes share (not copied)
	Rows          int           // top-table rows
	BuildTime     time.Duration // time NewIndex took
}

// NewIndex builds the index of a snapshot. It only reads s, which must
// not change afterwards. Building takes about a second for a city of 20k
// grids; lookups on a previous index can go on meanwhile.
func NewIndex(s *Snapshot, opts IndexOptions) *Index {
	return NewIndexFrom(nil, s, opts)
}

// NewIndexFrom builds the index of s like NewIndex, reusing the work of
// prev (an index of an earlier snapshot, or nil) where the polygons did
// not change: a row of a layer's top table that no added, removed or
// changed grid (or area) reaches — unchanged meaning the same code and
// the same vertices — is copied from prev instead of built. The answers
// are the same as NewIndex's; only the table size may stay prev's.
// prev is only read and may still be in use.
func NewIndexFrom(prev *Index, s *Snapshot, opts IndexOptions) *Index {
	t0 := time.Now()
	opts = opts.withDefaults()
	ix := &Index{snap: s}

	var gm []orb.MultiPolygon
	var gid []int32
	gridPos := make(map[Code]int32, len(s.Grids))
	areaPos := make(map[Code]int32, len(s.Areas))
	for i := range s.Areas {
		areaPos[s.Areas[i].Code] = int32(i)
	}
	for i := range s.Grids {
		g := &s.Grids[i]
		if g.Code.Level() != LevelGrid {
			continue
		}
		m := gridMeta{snap: int32(i), village: -1}
		if a, ok := areaPos[g.Village]; ok {
			m.village = a
		} else if a, ok := areaPos[g.Code.Village()]; ok {
			m.village = a
		}
		gridPos[g.Code] = int32(len(ix.meta))
		ix.meta = append(ix.meta, m)
		gm = append(gm, g.Geom)
		gid = append(gid, int32(i))
	}
	subsOf := make([][]int32, len(ix.meta))
	for i := range s.Grids {
		g := &s.Grids[i]
		if g.Code.Level() != LevelSubGrid {
			continue
		}
		parent := g.ParentGrid
		if parent == "" {
			parent = g.Code.Ancestor(LevelGrid)
		}
		if p, ok := gridPos[parent]; ok {
			subsOf[p] = append(subsOf[p], int32(i)) // snapshot order is code order
		}
	}
	var sm []orb.MultiPolygon
	for p, sub := range subsOf {
		ix.meta[p].subStart = int32(len(ix.subs))
		for _, sg := range sub {
			ix.subs = append(ix.subs, sg)
			ix.subOwner = append(ix.subOwner, int32(p))
			ix.subBound = append(ix.subBound, s.Grids[sg].Geom.Bound())
			sm = append(sm, s.Grids[sg].Geom)
		}
		ix.meta[p].subEnd = int32(len(ix.subs))
	}
	// subs is in code order (grids in code order, each one's sub-grids in
	// code order), so the sub layer's first covering polygon is the
	// smallest covering sub-grid code. gm is in snapshot order, which is
	// code order, so the smallest layer polygon is the smallest code; the
	// same holds for areas.
	var wg sync.WaitGroup
	gridCode := func(g *Snapshot) func(int32) Code { return func(id int32) Code { return g.Grids[id].Code } }
	areaCode := func(g *Snapshot) func(int32) Code { return func(id int32) Code { return g.Areas[id].Code } }
	build := func(dst **layer, mps []orb.MultiPolygon, ids []int32, opts IndexOptions, prevL func(*Index) *layer, code func(*Snapshot) func(int32) Code) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var pl *layer
			var prevOf []int32
			if prev != nil {
				pl = prevL(prev)
				prevOf = matchLayer(pl, code(prev.snap), mps, ids, code(s))
			}
			*dst = buildLayer(mps, ids, opts, opts.Workers, pl, prevOf)
		}()
	}
	build(&ix.grids, gm, gid, opts, func(p *Index) *layer { return p.grids }, gridCode)
	// Sub-grids lie in a few exclusive grids scattered over the city, so
	// cells counted per sub-grid over their common box are far larger
	// than the sub-grids: on the full demo city (371 sub-grids, boxes
	// covering 1/465 of their common box) 149 ns a sub-grid point, most
	// of them taking the exact walk. The sub layer gets cells in
	// proportion to that spread instead (up to 64×: 39 ns a point, 3 MB).
	subOpts := opts
	subOpts.TopCellsPerPolygon *= spread(sm)
	build(&ix.subLayer, sm, ix.subs, subOpts, func(p *Index) *layer { return p.subLayer }, gridCode)
	for k, lv := range [4]Level{LevelVillage, LevelTown, LevelCounty, LevelCity} {
		var am []orb.MultiPolygon
		var aid []int32
		for i := range s.Areas {
			a := &s.Areas[i]
			if a.Level == lv && len(a.Geom) > 0 {
				am = append(am, a.Geom)
				aid = append(aid, int32(i))
			}
		}
		build(&ix.areas[k], am, aid, opts, func(p *Index) *layer { return p.areas[k] }, areaCode)
	}
	wg.Wait()

	st := &ix.stats
	st.Grids = len(gid)
	for _, l := range append([]*layer{ix.grids, ix.subLayer}, ix.areas[:]...) {
		st.Vertices += l.vertCount
		st.Cells += len(l.cells)
		for _, w := range l.cells {
			if w&^payloadMask == tagInterior {
				st.InteriorCells++
			}
		}
		st.LeafCells += l.leafCount
		st.FastLeaves += l.fastCount
		st.RowsCopied += l.rowsCopied
		st.RowsShared += l.rowsShared
		if len(l.tables) > 0 {
			st.Rows += int(l.tables[0].ny)
		}
		st.Tables += len(l.tables)
		st.BoundaryEdges += l.edgeCount
		st.Bytes += len(l.cells)*4 + len(l.tables)*int(unsafe.Sizeof(cellTable{})) + len(l.blob)*8 + len(l.fast)*4 + len(l.ids)*4
	}
	st.Bytes += len(ix.meta)*int(unsafe.Sizeof(gridMeta{})) + len(ix.subs)*(8+int(unsafe.Sizeof(orb.Bound{})))
	st.BuildTime = time.Since(t0)
	return ix
}

// spread is how thinly polygons are spread over their common bounding
// box — its area over the sum of their boxes' areas — rounded down to a
// power of two (so that a small change keeps the layer's options, and
// NewIndexFrom can reuse its rows) and clamped to [1, 64].
func spread(mps []orb.MultiPolygon) float64 {
	var all orb.Bound
	var sum float64
	first := true
	for _, mp := range mps {
		if len(mp) == 0 {
			continue
		}
		b := geomBound(mp)
		sum += (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1])
		if first {
			all, first = b, false
		} else {
			all = all.Union(b)
		}
	}
	if first || !(sum > 0) {
		return 1
	}
	r := (all.Max[0] - all.Min[0]) * (all.Max[1] - all.Min[1]) / sum
	f := 1.0
	for f < 64 && 2*f <= r {
		f *= 2
	}
	return f
}

// Snapshot returns the snapshot the index answers from.
func (ix *Index) Snapshot() *Snapshot { return ix.snap }

// Stats describes the index.
func (ix *Index) Stats() IndexStats { return ix.stats }

// Lookup answers one point (lon, lat in degrees). NaN, infinite and
// out-of-range coordinates are simply covered by nothing.
func (ix *Index) Lookup(p orb.Point) Hit {
	return ix.finish(p, ix.grids.find(p))
}

// finish adds the sub-grid and area to a grid-layer answer.
func (ix *Index) finish(p orb.Point, g int32) Hit {
	if g >= 0 {
		if m := &ix.meta[g]; m.subStart == m.subEnd {
			return Hit{Grid: m.snap, SubGrid: -1, Area: m.village}
		}
		return ix.subHit(p, g, ix.subLayer.find(p))
	}
	h := Hit{Grid: -1, SubGrid: -1, Area: -1}
	for _, l := range ix.areas {
		if a := l.find(p); a >= 0 {
			h.Area = l.ids[a]
			break
		}
	}
	return h
}

// subHit is the answer for p in grid-layer polygon g, which has
// sub-grids, k being the sub layer's answer for p.
func (ix *Index) subHit(p orb.Point, g, k int32) Hit {
	m := &ix.meta[g]
	h := Hit{Grid: m.snap, SubGrid: -1, Area: m.village}
	// The sub layer gives the smallest sub-grid covering p among all
	// grids'. When it belongs to g it is g's answer; when none covers p
	// none of g's does; otherwise (p on the border of another grid's
	// sub-grid with a smaller code) ask g's sub-grids one by one.
	switch {
	case k < 0:
		return h
	case ix.subOwner[k] == g:
		h.SubGrid = ix.subs[k]
		return h
	}
	for k := m.subStart; k < m.subEnd; k++ {
		sg := ix.subs[k]
		if ix.subBound[k].Contains(p) && CoversPoint(ix.snap.Grids[sg].Geom, p) {
			h.SubGrid = sg
			break
		}
	}
	return h
}

// batchChunk is how many points LookupBatch keys before it answers
// them: the chunk's records (12 bytes a point, 24 KB) stay in the L1
// cache between the two loops of findChunk.
const batchChunk = 2048

// batchRec is a point's top-table cell word and its position in that
// cell, rounded to float32 (what a fast record takes).
type batchRec struct {
	w    uint32
	u, v float32
}

// batchScratch is the reusable memory of one LookupBatch call.
type batchScratch struct {
	recs [batchChunk]batchRec
	gs   [batchChunk]int32     // answers of a layer
	rest [batchChunk]int32     // chunk indexes of points left to answer
	sub  [batchChunk]int32     // those in grids with sub-grids
	pts  [batchChunk]orb.Point // their points
	as   [batchChunk]int32     // their answers
}

// LookupBatch answers pts into out (len(out) must be at least len(pts)).
// The answers are Lookup's.
//
// It takes the points in chunks of batchChunk, in two loops per chunk
// (layer.findChunk). The first maps each point to its top-table cell and
// loads the cell word, with no branch on that word: the loads of
// different points do not depend on each other, so their cache misses
// overlap. The second answers the chunk in input order from the words,
// which are in L1 by then, so a mispredicted branch on a word costs
// little: interior cells directly; leaves of one to three lines with
// leafFast unrolled for their k (k is in the cell word), the line signs
// computed without branches; anything else (more lines, sub-tables, the
// exact walk, outside the box) by the general code. The points of the
// chunk in grids with sub-grids, and those in no grid, then go through
// the sub layer, or the area layers, the same way (finishChunk).
//
// Measured on the full demo city (lookup's BenchmarkFullCitySortedBatch:
// 2M points, CPU time per point, variants A/B in the same run on 2 shared
// busy cores). The previous design sorted: a 16-byte record per point, a
// two-pass radix sort by cell so that cell words and fast records were
// read in order, answers scattered back to their places: 80–100 ns a
// point. The sort bought sequential reads of the index, which saved less
// than it cost (keying, two passes over 32 MB, a random write of every
// answer) once the loop stopped stalling on branches whose conditions
// wait for loads that miss — a branch on a fast record's signs or on its
// k mispredicts about half the time, and each time the core throws away
// the work it did past the branch and waits for the record. In input
// order, with the old branchy leafFast: 55–62 ns; with branch-free line
// signs and k in the cell word: 48–50 (each alone gained little: 54–60,
// the other branch still waiting); the sub-grid layer's finer cells:
// −2.5; one to three lines unrolled: −5; sub-grid and no-grid points in
// chunks too: −1 to −3. In all, in the same runs: 88.6–100 ns a point
// before, 42.3–50.9 after (20–23.7 M points per CPU second), the load
// average 2.2–2.9 on the 2 cores; Lookup, one point at a time, 94–111 →
// 89–94 ns. With the index in cache (4,000 points repeated) the batch
// takes ≈22 ns a point, so about half of it is waiting for memory. On
// the synthetic 1.7 M-vertex city (geo's BenchmarkLookupSortedBatch, 70%
// of points in interior cells, 8% in gaps between grids): 106–112 →
// 87–102 ns.
//
// Tried and not kept, each A/B in the same runs: loading each point's
// fast record already in the first loop (+5 ns), or in a loop of its own
// between the two (no faster: the second loop's loads overlap as well);
// putting the chunk's points in buckets by leaf kind (interior, k = 1, 2,
// 3, more) so that every branch is predictable (+3 ns, +6 with the index
// in cache: the bucketing costs more than the mispredictions it saves);
// bands of rows sized for L2 with the points bucketed by band (56–58 ns
// then: the fast records came from L2, the branches still mispredicted);
// answers through a per-grid Hit table, sub-grid points fixed up after
// the chunk (within noise of the meta lookup), or the grid's meta read in
// a third loop, or from an 8-byte copy of it (within noise); fast records
// laid out so that none of up to 64 bytes straddles a cache line (within
// noise); the fast records and cell words on madvise'd 2 MB pages (within
// noise); one branch-free path for k = 1–3 reading three lines always (2×
// slower: the words past a short record are answers, which as float32 are
// denormals); chunks of 1,024 to 16,384 points (within noise).
func (ix *Index) LookupBatch(pts []orb.Point, out []Hit) {
	_ = out[:len(pts)]
	l := ix.grids
	if len(pts) < 64 || len(l.tables) == 0 || len(l.cells) == 0 {
		for i, p := range pts {
			out[i] = ix.Lookup(p)
		}
		return
	}
	sc, _ := ix.batchBuf.Get().(*batchScratch)
	if sc == nil {
		sc = new(batchScratch)
	}
	for lo := 0; lo < len(pts); lo += batchChunk {
		chunk := pts[lo:min(lo+batchChunk, len(pts))]
		dst := out[lo : lo+len(chunk)]
		gs := sc.gs[:len(chunk)]
		l.findChunk(chunk, sc.recs[:], gs)
		// Most answers are a grid without sub-grids; the others (2.3%
		// of the full demo city's points) are answered together below.
		rest := sc.rest[:0]
		for i, g := range gs {
			if g >= 0 {
				if m := &ix.meta[g]; m.subStart == m.subEnd {
					dst[i] = Hit{Grid: m.snap, SubGrid: -1, Area: m.village}
					continue
				}
			}
			rest = append(rest, int32(i))
		}
		if len(rest) > 0 {
			ix.finishChunk(chunk, gs, rest, dst, sc)
		}
	}
	ix.batchBuf.Put(sc)
}

// finishChunk answers the points chunk[i], i in rest, whose grid-layer
// answers gs[i] are a grid with sub-grids or none, into dst: the sub
// layer and then the area layers take them in chunks as well (one at a
// time, these lookups cost 149 ns a sub-grid point and 215 a point in no
// grid on the full demo city).
func (ix *Index) finishChunk(chunk []orb.Point, gs, rest []int32, dst []Hit, sc *batchScratch) {
	sub, none := sc.sub[:0], rest[:0] // in a grid with sub-grids, in no grid
	for _, i := range rest {
		if gs[i] >= 0 {
			sub = append(sub, i)
		} else {
			none = append(none, i)
		}
	}
	if len(sub) > 0 {
		pts, as := sc.pts[:len(sub)], sc.as[:len(sub)]
		for j, i := range sub {
			pts[j] = chunk[i]
		}
		ix.subLayer.findChunk(pts, sc.recs[:], as)
		for j, i := range sub {
			dst[i] = ix.subHit(pts[j], gs[i], as[j])
		}
	}
	for _, i := range none {
		dst[i] = Hit{Grid: -1, SubGrid: -1, Area: -1}
	}
	// The deepest area first; the points an area layer answers leave
	// the list.
	for _, l := range ix.areas {
		if len(none) == 0 {
			break
		}
		pts, as := sc.pts[:len(none)], sc.as[:len(none)]
		for j, i := range none {
			pts[j] = chunk[i]
		}
		l.findChunk(pts, sc.recs[:], as)
		left := none[:0]
		for j, i := range none {
			if as[j] >= 0 {
				dst[i].Area = l.ids[as[j]]
			} else {
				left = append(left, i)
			}
		}
		none = left
	}
}

// findChunk answers l.find(pts[i]) into gs[i] for at most batchChunk
// points, recs being scratch of that size; see LookupBatch.
func (l *layer) findChunk(pts []orb.Point, recs []batchRec, gs []int32) {
	if len(l.tables) == 0 || len(l.cells) == 0 {
		for i := range pts {
			gs[i] = -1
		}
		return
	}
	t := &l.tables[0]
	cells, fast := l.cells, l.fast
	rs := recs[:len(pts)]
	gs = gs[:len(pts)]
	for i, p := range pts {
		x, y := p[0], p[1]
		fx, fy := (x-t.x0)*t.invW, (y-t.y0)*t.invH
		ci := min(max(int32(fx), 0), t.nx-1)
		cj := min(max(int32(fy), 0), t.ny-1)
		w := cells[t.base+uint32(cj*t.nx+ci)]
		// Also false for NaN; a select, not a branch (see LookupBatch).
		if !(x >= l.minX && x <= l.maxX && y >= l.minY && y <= l.maxY) {
			w = outsideWord
		}
		rs[i] = batchRec{w, float32(fx - float64(ci)), float32(fy - float64(cj))}
	}
	for i := range rs {
		r := &rs[i]
		w := r.w
		// Leaves of one, two and three lines (89% of the leaf points
		// of the full demo city) take leafFast unrolled for their k;
		// the rest the general code.
		o := int(w & leafOffMask)
		var a uint32 // polygon + 1, 0 for none, or unknownAnswer (see leafFast)
		switch w &^ leafOffMask {
		case tagLeaf | 1<<leafKShift:
			f := (*[8]uint32)(fast[o : o+8])
			tol := math.Float32frombits(f[2])
			s0, n0 := lineSide(f[3], f[4], f[5], r.u, r.v, tol)
			if a = f[6+s0&1]; n0 != 0 {
				a = unknownAnswer
			}
		case tagLeaf | 2<<leafKShift:
			f := (*[13]uint32)(fast[o : o+13])
			tol := math.Float32frombits(f[2])
			s0, n0 := lineSide(f[3], f[4], f[5], r.u, r.v, tol)
			s1, n1 := lineSide(f[6], f[7], f[8], r.u, r.v, tol)
			if a = f[9+(s0|s1<<1)&3]; n0|n1 != 0 {
				a = unknownAnswer
			}
		case tagLeaf | 3<<leafKShift:
			f := (*[20]uint32)(fast[o : o+20])
			tol := math.Float32frombits(f[2])
			s0, n0 := lineSide(f[3], f[4], f[5], r.u, r.v, tol)
			s1, n1 := lineSide(f[6], f[7], f[8], r.u, r.v, tol)
			s2, n2 := lineSide(f[9], f[10], f[11], r.u, r.v, tol)
			if a = f[12+(s0|s1<<1|s2<<2)&7]; n0|n1|n2 != 0 {
				a = unknownAnswer
			}
		default:
			switch w &^ payloadMask {
			case tagInterior:
				a = w & payloadMask
			case tagLeaf:
				if g, ok := l.leafFast(uint32(o), w>>leafKShift&7, r.u, r.v); ok {
					a = uint32(g + 1)
				} else {
					a = unknownAnswer
				}
			default:
				a = uint32(l.findFrom(w, pts[i]) + 1)
			}
		}
		if a == unknownAnswer {
			a = uint32(l.leafFind(l.blob[fast[o+1]:], pts[i]) + 1)
		}
		gs[i] = int32(a) - 1
	}
}
