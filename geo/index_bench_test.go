package geo

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// benchCityOptions is a synthetic city of about 20k grids, 0.007° (≈700 m)
// each, whose shared edges carry 3–40 extra vertices (≈90 vertices per
// grid), with holes, islands, gaps, multipolygons and sub-grids.
var benchCityOptions = synthOptions{seed: 42, nx: 142, ny: 142, x0: 119.6, y0: 33.0, cell: 0.007,
	minWiggle: 3, maxWiggle: 40, holes: true, gaps: true, multi: true, subGrids: true}

var benchCity = sync.OnceValues(func() (*Snapshot, []orb.Point) {
	s := synthCity(benchCityOptions)
	rng := rand.New(rand.NewPCG(1, 2))
	x1 := benchCityOptions.x0 + float64(benchCityOptions.nx)*benchCityOptions.cell
	y1 := benchCityOptions.y0 + float64(benchCityOptions.ny)*benchCityOptions.cell
	pts := make([]orb.Point, 1<<20)
	for i := range pts {
		pts[i] = orb.Point{benchCityOptions.x0 + rng.Float64()*(x1-benchCityOptions.x0),
			benchCityOptions.y0 + rng.Float64()*(y1-benchCityOptions.y0)}
	}
	return s, pts
})

var benchIndex = sync.OnceValue(func() *Index {
	s, _ := benchCity()
	return NewIndex(s, IndexOptions{})
})

// cpuTime is the user+system CPU time of the process. The machine is
// shared, so wall-clock ns/op swings with other load; CPU time per point
// is the steadier figure (the benchmarks run on one goroutine).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRate reports wall and CPU time per point and the CPU-time rate.
func reportRate(b *testing.B, points int, cpu0 time.Duration) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(points)
	cpuNs := float64((cpuTime() - cpu0).Nanoseconds()) / float64(points)
	b.ReportMetric(ns, "ns/point")
	b.ReportMetric(cpuNs, "cpu-ns/point")
	b.ReportMetric(1e3/cpuNs, "Mpoints/cpu-s")
}

// BenchmarkLookupRandom: one Lookup per point, points in random order.
func BenchmarkLookupRandom(b *testing.B) {
	ix := benchIndex()
	_, pts := benchCity()
	var sink int32
	i := 0
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		sink += ix.Lookup(pts[i&(len(pts)-1)]).Grid
		i++
	}
	reportRate(b, b.N, cpu0)
	_ = sink
}

// BenchmarkLookupSortedBatch: LookupBatch of 1M random points (named for
// the batch path, which sorted by cell until it was measured faster
// without; see LookupBatch).
func BenchmarkLookupSortedBatch(b *testing.B) {
	ix := benchIndex()
	_, pts := benchCity()
	out := make([]Hit, len(pts))
	n := 0
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		ix.LookupBatch(pts, out)
		n += len(pts)
	}
	reportRate(b, n, cpu0)
}

// BenchmarkLookupBatchAfterChanges: LookupBatch as BenchmarkLookupSortedBatch,
// on an index built from the previous ones after 20 versions that each
// reshaped three grids, whose rebuilt rows lie after the shared ones.
func BenchmarkLookupBatchAfterChanges(b *testing.B) {
	s, pts := benchCity()
	ix := benchIndex()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		grids := append([]Grid(nil), s.Grids...)
		for range 3 {
			if i := rng.IntN(len(grids)); grids[i].Code.Level() == LevelGrid {
				grids[i].Geom = shrunk(grids[i].Geom)
			}
		}
		s = NewSnapshot(s.Version+1, s.LoadedAt, s.Areas, grids)
		ix = NewIndexFrom(ix, s, IndexOptions{})
	}
	b.Logf("%d of %d rows shared by the last build", ix.Stats().RowsShared, ix.Stats().Rows)
	out := make([]Hit, len(pts))
	n := 0
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		ix.LookupBatch(pts, out)
		n += len(pts)
	}
	reportRate(b, n, cpu0)
}

// BenchmarkBuild: NewIndex on the whole city.
func BenchmarkBuild(b *testing.B) {
	s, _ := benchCity()
	var st IndexStats
	for b.Loop() {
		st = NewIndex(s, IndexOptions{}).Stats()
	}
	b.ReportMetric(float64(st.Bytes)/float64(st.Vertices), "bytes/vertex")
	b.ReportMetric(float64(st.Bytes)/1e6, "MB")
	b.ReportMetric(float64(st.Vertices), "vertices")
	b.ReportMetric(float64(st.Grids), "grids")
	b.ReportMetric(float64(st.InteriorCells)/float64(st.Cells), "interior-fraction")
	b.ReportMetric(float64(st.BoundaryEdges)/float64(st.LeafCells), "edges/leaf")
	b.ReportMetric(float64(st.Cells), "cells")
}

// naiveIndex is the baseline: a coarse bucket grid of bounding boxes and
// orb's planar.MultiPolygonContains on every candidate, in code order.
type naiveIndex struct {
	bd      orb.Bound
	n       int
	buckets [][]int32
	s       *Snapshot
}

func newNaiveIndex(s *Snapshot, n int) *naiveIndex {
	ni := &naiveIndex{n: n, buckets: make([][]int32, n*n), s: s}
	for i, g := range s.Grids {
		if i == 0 {
			ni.bd = g.Geom.Bound()
		}
		ni.bd = ni.bd.Union(g.Geom.Bound())
	}
	for i, g := range s.Grids {
		if g.Code.Level() != LevelGrid {
			continue
		}
		gb := g.Geom.Bound()
		x0, y0 := ni.cell(gb.Min)
		x1, y1 := ni.cell(gb.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				ni.buckets[y*n+x] = append(ni.buckets[y*n+x], int32(i))
			}
		}
	}
	return ni
}

func (ni *naiveIndex) cell(p orb.Point) (int, int) {
	f := func(v, lo, hi float64) int { return min(max(int((v-lo)/(hi-lo)*float64(ni.n)), 0), ni.n-1) }
	return f(p[0], ni.bd.Min[0], ni.bd.Max[0]), f(p[1], ni.bd.Min[1], ni.bd.Max[1])
}

func (ni *naiveIndex) lookup(p orb.Point) int32 {
	x, y := ni.cell(p)
	for _, g := range ni.buckets[y*ni.n+x] {
		geom := ni.s.Grids[g].Geom
		if geom.Bound().Contains(p) && planar.MultiPolygonContains(geom, p) {
			return g
		}
	}
	return -1
}

// BenchmarkLookupNaive is the baseline: bounding-box buckets (256×256) and
// planar.MultiPolygonContains, same points as BenchmarkLookupRandom.
func BenchmarkLookupNaive(b *testing.B) {
	s, pts := benchCity()
	ni := newNaiveIndex(s, 256)
	var sink int32
	i := 0
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		sink += ni.lookup(pts[i&(len(pts)-1)])
		i++
	}
	reportRate(b, b.N, cpu0)
	_ = sink
}

// BenchmarkH3LatLngToCell measures only the cgo call that would key a
// point to an H3 cell (resolution 10, ≈66 m edges) — the first step of
// an H3-keyed table, for comparison with the whole Lookup.
func BenchmarkH3LatLngToCell(b *testing.B) {
	_, pts := benchCity()
	var sink h3.Cell
	i := 0
	runtime.GC()
	cpu0 := cpuTime()
	for b.Loop() {
		p := pts[i&(len(pts)-1)]
		sink ^= h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), 10)
		i++
	}
	reportRate(b, b.N, cpu0)
	_ = sink
}
