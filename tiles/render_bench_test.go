package tiles

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

// The benchmark city: 150×140 grids (21,000, plus sub-grids), about 1,300
// villages, 160 towns and 12 counties, as Yancheng has.
var bench struct {
	once sync.Once
	snap *geo.Snapshot
	prep *Prepared
	list []TileRequest
}

func benchCity(b testing.TB) (*geo.Snapshot, *Prepared, []TileRequest) {
	bench.once.Do(func() {
		bench.snap = SyntheticCity(150, 140)
		bench.prep = Prepare(bench.snap)
		bench.list = WeightedTiles(bench.prep, 5000, 1)
	})
	return bench.snap, bench.prep, bench.list
}

func reportLatency(b *testing.B, d []time.Duration, bytes, n int) {
	slices.Sort(d)
	if len(d) == 0 {
		return
	}
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(bytes)/float64(n), "B/tile")
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	b.ReportMetric(float64(len(d))/sum.Seconds(), "tiles/s")
}

// BenchmarkPrepare measures what a new dataset version costs before its
// first tile: projection, simplification per zoom, labels, indexes.
func BenchmarkPrepare(b *testing.B) {
	snap, _, _ := benchCity(b)
	for b.Loop() {
		Prepare(snap)
	}
}

// BenchmarkPrepareOneGridChanged measures a version swap that redrew one
// grid: everything else is reused from the previous version.
func BenchmarkPrepareOneGridChanged(b *testing.B) {
	snap, prev, _ := benchCity(b)
	grids := slices.Clone(snap.Grids)
	g := &grids[len(grids)/2]
	g.Geom = orb.MultiPolygon{{slices.Clone(g.Geom[0][0])}}
	g.Geom[0][0][1][0] += 0.0005
	next := geo.NewSnapshot(snap.Version+1, snap.LoadedAt, snap.Areas, grids)
	for b.Loop() {
		PrepareFrom(next, prev)
	}
}

// BenchmarkRenderCold renders every tile as a cache miss: encode, hash,
// gzip.
func BenchmarkRenderCold(b *testing.B) {
	_, p, list := benchCity(b)
	var lat []time.Duration
	bytes, i := 0, 0
	for b.Loop() {
		t := list[i%len(list)]
		i++
		start := time.Now()
		tile, err := p.RenderTile(nil, t.Z, t.X, t.Y)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		bytes += len(tile.Data)
	}
	reportLatency(b, lat, bytes, i)
}

// BenchmarkRenderWarm serves tiles from a filled cache.
func BenchmarkRenderWarm(b *testing.B) {
	snap, _, list := benchCity(b)
	svc := NewService(newSwapSource(snap), nil, nil, Options{CacheBytes: 1 << 30})
	ctx := context.Background()
	for _, t := range list {
		if _, _, err := svc.Tile(ctx, "", t.Z, t.X, t.Y); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	bytes, i := 0, 0
	for b.Loop() {
		t := list[i%len(list)]
		i++
		start := time.Now()
		tile, _, err := svc.Tile(ctx, "", t.Z, t.X, t.Y)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		bytes += len(tile.Data)
	}
	reportLatency(b, lat, bytes, i)
}

// BenchmarkServeWarm serves tiles from a filled cache through the HTTP
// handler (routing, headers, gzip representation), without a network.
func BenchmarkServeWarm(b *testing.B) {
	snap, _, list := benchCity(b)
	svc := NewService(newSwapSource(snap), nil, nil, Options{CacheBytes: 1 << 30})
	h := svc.Handler()
	paths := make([]string, len(list))
	for k, t := range list {
		paths[k] = "/" + strconv.Itoa(t.Z) + "/" + strconv.Itoa(t.X) + "/" + strconv.Itoa(t.Y) + ".mvt?v=1"
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, paths[k], nil))
	}
	var lat []time.Duration
	bytes, i := 0, 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil)
		req.Header.Set("Accept-Encoding", "gzip")
		i++
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(start))
		if rec.Code != 200 && rec.Code != 204 {
			b.Fatalf("status %d", rec.Code)
		}
		bytes += rec.Body.Len()
	}
	reportLatency(b, lat, bytes, i)
}
