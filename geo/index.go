package geo

import (
	"slices"
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
// multiplications here, against ≈0.5 µs for an h3.LatLngToCell call
// through cgo (BenchmarkH3LatLngToCell) — more than the whole lookup
// budget — and H3 cells are hexagons whose edges are not axis-parallel, so
// the exact "which edges can matter" tests would need a second geometry.
// A multi-level uniform table gives the same adaptivity where boundaries
// are dense.
//
// An Index is immutable once built; any number of goroutines may call its
// methods at once.
type Index struct {
	snap     *Snapshot
	grids    *layer
	areas    [4]*layer // village, town, county, city
	subs     [][]int32 // per grid: its sub-grids (snapshot indexes), in code order
	village  []int32   // per grid: its village's area index, -1 if unknown
	stats    IndexStats
	batchBuf sync.Pool
}

// IndexOptions tunes the cell tables. The zero value picks the defaults.
type IndexOptions struct {
	// TopCellsPerEdge sets the size of each top table: this many cells per
	// polygon edge (default 0.5).
	TopCellsPerEdge float64
	// LeafEdges is the number of edges above which a cell is split into a
	// finer table (default 24).
	LeafEdges int
	// MaxDepth limits the levels of splitting (default 3).
	MaxDepth int
	// SubCells is the side of a split table (default 4, so 16 cells).
	SubCells int
}

func (o IndexOptions) withDefaults() IndexOptions {
	if o.TopCellsPerEdge <= 0 {
		o.TopCellsPerEdge = 0.5
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
	Tables        int           // cell tables (1 per layer + refinements)
	BoundaryEdges int           // edge references kept in boundary cells
	Bytes         int           // memory held by the index (not the snapshot)
	BuildTime     time.Duration // time NewIndex took
}

// NewIndex builds the index of a snapshot. It only reads s, which must
// not change afterwards. Building takes about a second for a city of 20k
// grids; lookups on a previous index can go on meanwhile.
func NewIndex(s *Snapshot, opts IndexOptions) *Index {
	t0 := time.Now()
	opts = opts.withDefaults()
	ix := &Index{snap: s}

	var gm []orb.MultiPolygon
	var gid []int32
	gridPos := make(map[Code]int32)
	ix.subs = make([][]int32, len(s.Grids))
	ix.village = make([]int32, len(s.Grids))
	areaPos := make(map[Code]int32, len(s.Areas))
	for i := range s.Areas {
		areaPos[s.Areas[i].Code] = int32(i)
	}
	for i := range s.Grids {
		g := &s.Grids[i]
		ix.village[i] = -1
		if a, ok := areaPos[g.Village]; ok {
			ix.village[i] = a
		} else if a, ok := areaPos[g.Code.Village()]; ok {
			ix.village[i] = a
		}
		if g.Code.Level() == LevelGrid {
			gridPos[g.Code] = int32(i)
			gm = append(gm, g.Geom)
			gid = append(gid, int32(i))
		}
	}
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
			ix.subs[p] = append(ix.subs[p], int32(i))
		}
	}
	for _, sub := range ix.subs {
		slices.SortFunc(sub, func(a, b int32) int {
			if s.Grids[a].Code < s.Grids[b].Code {
				return -1
			}
			return 1
		})
	}
	// gm is in snapshot order, which is code order, so the smallest layer
	// polygon is the smallest code; the same holds for areas.
	ix.grids = buildLayer(gm, gid, opts)
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
		ix.areas[k] = buildLayer(am, aid, opts)
	}

	st := &ix.stats
	st.Grids = len(gid)
	for _, l := range append([]*layer{ix.grids}, ix.areas[:]...) {
		st.Vertices += len(l.verts)
		st.Cells += len(l.cells)
		for _, w := range l.cells {
			if w&^payloadMask == tagInterior {
				st.InteriorCells++
			}
		}
		st.LeafCells += len(l.leaves)
		st.Tables += len(l.tables)
		st.BoundaryEdges += len(l.edges)
		st.Bytes += len(l.verts)*int(unsafe.Sizeof(orb.Point{})) + len(l.cells)*4 +
			len(l.tables)*int(unsafe.Sizeof(cellTable{})) + len(l.leaves)*int(unsafe.Sizeof(leaf{})) +
			len(l.polys)*int(unsafe.Sizeof(polyRef{})) + len(l.rings)*int(unsafe.Sizeof(ringRef{})) +
			len(l.edges)*4 + len(l.ids)*4
	}
	st.Bytes += len(ix.village) * 4
	st.BuildTime = time.Since(t0)
	return ix
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
		gi := ix.grids.ids[g]
		h := Hit{Grid: gi, SubGrid: -1, Area: ix.village[gi]}
		for _, sg := range ix.subs[gi] {
			geom := ix.snap.Grids[sg].Geom
			if geom.Bound().Contains(p) && CoversPoint(geom, p) {
				h.SubGrid = sg
				break
			}
		}
		return h
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

// batchChunk bounds the scratch memory of LookupBatch.
const batchChunk = 1 << 16

// LookupBatch answers pts into out (len(out) must be at least len(pts)).
// It visits the points in cell order (a radix sort on the top cell), so
// consecutive lookups touch neighbouring memory; the answers come back in
// the order of pts.
func (ix *Index) LookupBatch(pts []orb.Point, out []Hit) {
	_ = out[:len(pts)]
	if len(pts) < 64 {
		for i, p := range pts {
			out[i] = ix.Lookup(p)
		}
		return
	}
	bufp, _ := ix.batchBuf.Get().(*[]uint64)
	if bufp == nil {
		b := make([]uint64, 2*batchChunk)
		bufp = &b
	}
	buf := *bufp
	for lo := 0; lo < len(pts); lo += batchChunk {
		hi := min(lo+batchChunk, len(pts))
		n := hi - lo
		keys, tmp := buf[:n], buf[batchChunk:batchChunk+n]
		for i := range n {
			keys[i] = uint64(ix.grids.cellKey(pts[lo+i]))<<32 | uint64(i)
		}
		radixSortHigh(keys, tmp)
		for _, k := range keys {
			i := lo + int(uint32(k))
			out[i] = ix.Lookup(pts[i])
		}
	}
	ix.batchBuf.Put(bufp)
}

// radixSortHigh sorts keys by their upper 32 bits (LSD, 11-bit digits,
// skipping digits that are all equal).
func radixSortHigh(keys, tmp []uint64) {
	var maxKey uint64
	for _, k := range keys {
		maxKey = max(maxKey, k>>32)
	}
	src, dst := keys, tmp
	for shift := uint(32); shift < 64 && maxKey>>(shift-32) > 0; shift += 11 {
		var count [1 << 11]int
		for _, k := range src {
			count[k>>shift&(1<<11-1)]++
		}
		sum := 0
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for _, k := range src {
			d := k >> shift & (1<<11 - 1)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
