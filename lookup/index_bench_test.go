package lookup_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// fullCityURL is the read-only database holding the full demo city the
// index benchmarks run on (GRIDMAP_BENCH_URL to change).
func fullCityURL() string {
	if u := os.Getenv("GRIDMAP_BENCH_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:54329/bench_full?sslmode=disable"
}

// fullCity is the full demo city's snapshot and 2M points drawn like
// `gridd bench lookup` draws them (a random grid, then a random point in
// its bounding box), loaded once per test binary.
var fullCity = sync.OnceValues(func() (*geo.Snapshot, []orb.Point) {
	ctx := context.Background()
	st, err := store.Open(ctx, fullCityURL(), slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(1, 99))
	pts := make([]orb.Point, 2_000_000)
	for i := range pts {
		b := snap.Grids[r.IntN(len(snap.Grids))].Geom.Bound()
		pts[i] = orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
	}
	return snap, pts
})

var fullIndex = sync.OnceValue(func() *geo.Index {
	snap, _ := fullCity()
	return geo.NewIndex(snap, geo.IndexOptions{})
})

// rusageCPU is the user+system CPU time of the process: the machine is
// shared, so CPU time per point is the steadier figure.
func rusageCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPoints(b *testing.B, points int, cpu0 time.Duration) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(points)
	cpuNs := float64((rusageCPU() - cpu0).Nanoseconds()) / float64(points)
	b.ReportMetric(ns, "ns/point")
	b.ReportMetric(cpuNs, "cpu-ns/point")
	b.ReportMetric(1e3/cpuNs, "Mpoints/cpu-s")
}

// BenchmarkFullCityLookup: one Index.Lookup per point on the full demo
// city, points in random order.
func BenchmarkFullCityLookup(b *testing.B) {
	ix := fullIndex()
	_, pts := fullCity()
	var sink int32
	i := 0
	runtime.GC()
	cpu0 := rusageCPU()
	for b.Loop() {
		sink += ix.Lookup(pts[i%len(pts)]).Grid
		i++
	}
	reportPoints(b, b.N, cpu0)
	_ = sink
}

// BenchmarkFullCitySortedBatch: Index.LookupBatch of the 2M points on the
// full demo city (issue 4's "sorted batch" target: ≥20 M points per CPU
// second; LookupBatch no longer sorts, see its doc).
func BenchmarkFullCitySortedBatch(b *testing.B) {
	ix := fullIndex()
	_, pts := fullCity()
	out := make([]geo.Hit, len(pts))
	n := 0
	runtime.GC()
	cpu0 := rusageCPU()
	for b.Loop() {
		ix.LookupBatch(pts, out)
		n += len(pts)
	}
	reportPoints(b, n, cpu0)
}

// BenchmarkFullCityBuild: geo.NewIndex of the full demo city (wall time
// per build is ns/op; CPU time is reported too, since the build may use
// more than one core).
func BenchmarkFullCityBuild(b *testing.B) {
	snap, _ := fullCity()
	var st geo.IndexStats
	runtime.GC()
	cpu0 := rusageCPU()
	for b.Loop() {
		st = geo.NewIndex(snap, geo.IndexOptions{}).Stats()
	}
	b.ReportMetric(float64((rusageCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/build")
	b.ReportMetric(float64(st.Bytes)/float64(st.Vertices), "bytes/vertex")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "MiB")
}

// BenchmarkFullCityBuildFrom: geo.NewIndexFrom after a change of three
// grids (each one's vertices moved a tenth of the way to its centre) on
// the full demo city, from the index before the change.
func BenchmarkFullCityBuildFrom(b *testing.B) {
	snap, _ := fullCity()
	prev := geo.NewIndex(snap, geo.IndexOptions{})
	grids := append([]geo.Grid(nil), snap.Grids...)
	for _, i := range []int{len(grids) / 4, len(grids) / 2, 3 * len(grids) / 4} {
		g := grids[i].Geom
		c := g.Bound().Center()
		moved := make(orb.MultiPolygon, len(g))
		for k, poly := range g {
			moved[k] = make(orb.Polygon, len(poly))
			for r, ring := range poly {
				nr := make(orb.Ring, len(ring))
				for v, p := range ring {
					nr[v] = orb.Point{p[0] + 0.1*(c[0]-p[0]), p[1] + 0.1*(c[1]-p[1])}
				}
				moved[k][r] = nr
			}
		}
		grids[i].Geom = moved
	}
	next := geo.NewSnapshot(snap.Version+1, snap.LoadedAt, snap.Areas, grids)
	var st geo.IndexStats
	runtime.GC()
	cpu0 := rusageCPU()
	for b.Loop() {
		st = geo.NewIndexFrom(prev, next, geo.IndexOptions{}).Stats()
	}
	b.ReportMetric(float64((rusageCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/build")
	b.ReportMetric(float64(st.RowsCopied)/float64(max(st.Rows, 1)), "rows-copied")
}
