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
	"github.com/paulmach/orb/maptile"

	"gridmap/geo"
	"gridmap/tiles/tilestest"
)

// The benchmark city: 150×140 grids (21,000, plus sub-grids), about 1,300
// villages, 160 towns and 12 counties, as Yancheng has.
var bench struct {
	once sync.Once
	snap *geo.Snapshot
	prep *Prepared
	list []tilestest.TileRequest
}

func benchCity(b testing.TB) (*geo.Snapshot, *Prepared, []tilestest.TileRequest) {
	bench.once.Do(func() {
		bench.snap = tilestest.SyntheticCity(150, 140)
		bench.prep = Prepare(bench.snap)
		bench.list = tilestest.WeightedTiles(bench.prep, 5000, 1)
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

// BenchmarkRenderLeanGrids renders cold (encode, hash, gzip) every z11
// and z12 tile covering the synthetic city, with grids lean (id and kind)
// and with every grid property (withFullGrids), in one run; B/tile is
// the gzipped size.
func BenchmarkRenderLeanGrids(b *testing.B) {
	_, p, _ := benchCity(b)
	w, s, e, n, _ := p.Bounds()
	var list []maptile.Tile
	for _, z := range []int{11, 12} {
		list = append(list, tilesCovering(orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}, z)...)
	}
	for _, bc := range []struct {
		name string
		p    *Prepared
	}{{"full", withFullGrids(p)}, {"lean", p}} {
		b.Run(bc.name, func(b *testing.B) {
			var lat []time.Duration
			bytes, i := 0, 0
			for b.Loop() {
				t := list[i%len(list)]
				i++
				start := time.Now()
				tile, err := bc.p.RenderTile(nil, int(t.Z), int(t.X), int(t.Y))
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				bytes += len(tile.Gzip)
			}
			reportLatency(b, lat, bytes, i)
		})
	}
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
// handler (routing, headers, gzip representation), without a network:
// requests are built beforehand and answers go to a writer that keeps
// only the header map and the byte count, so allocs/op are the handler's
// own.
func BenchmarkServeWarm(b *testing.B) {
	snap, _, list := benchCity(b)
	svc := NewService(newSwapSource(snap), nil, nil, Options{CacheBytes: 1 << 30})
	h := svc.Handler()
	reqs := make([]*http.Request, len(list))
	for k, t := range list {
		path := "/" + strconv.Itoa(t.Z) + "/" + strconv.Itoa(t.X) + "/" + strconv.Itoa(t.Y) + ".mvt?v=1"
		reqs[k] = httptest.NewRequest(http.MethodGet, path, nil)
		reqs[k].Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(httptest.NewRecorder(), reqs[k])
	}
	var lat []time.Duration
	w := &countingWriter{h: http.Header{}}
	bytes, i := 0, 0
	for b.Loop() {
		req := reqs[i%len(reqs)]
		i++
		clear(w.h)
		w.status, w.n = 0, 0
		start := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(start))
		if w.status != 200 && w.status != 204 {
			b.Fatalf("status %d", w.status)
		}
		bytes += w.n
	}
	reportLatency(b, lat, bytes, i)
}

// countingWriter is a ResponseWriter that counts the body bytes.
type countingWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.h }

func (w *countingWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
