package importer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/feature"
	"gridmap/importer"
	"gridmap/store"
	"gridmap/store/storetest"
)

// benchVillages is how many villages the generated grids fill; each holds
// 800 grids (40 × 20 cells of 0.001° × 0.002°).
const benchVillages = 250

// micro turns integer micro-degrees into degrees: neighbours computing
// the same edge get the same float, so shared edges are exact.
func micro(n int) float64 { return float64(n) / 1e6 }

func benchVillageOrigin(v int) (int, int) {
	return 120_000_000 + (v%25)*40_000, 33_000_000 + (v/25)*40_000
}

// benchAreas inserts a city, county, town and the villages the generated
// grids lie in.
func benchAreas(tb testing.TB, st *store.Store) {
	tb.Helper()
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, `INSERT INTO area (code, level, name, parent) VALUES
		('320900000000', 'city', '盐城市', NULL), ('320902000000', 'county', '亭湖区', '320900000000'),
		('320902001000', 'town', '五星街道', '320902000000')`); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO area (code, level, name, parent, geom)
		SELECT '320902001' || lpad((v + 1)::text, 3, '0'), 'village', '村' || v, '320902001000',
			ST_Multi(ST_MakeEnvelope(x::float8 / 1e6::float8, y::float8 / 1e6::float8,
				(x + 40000)::float8 / 1e6::float8, (y + 40000)::float8 / 1e6::float8, 4326))
		FROM generate_series(0, $1 - 1) v,
		LATERAL (SELECT 120000000 + (v % 25) * 40000 AS x, 33000000 + (v / 25) * 40000 AS y) o`, benchVillages); err != nil {
		tb.Fatal(err)
	}
}

// writeBenchGrids writes n grids (n ≤ 800 × benchVillages) to w as a
// FeatureCollection, generating each as it goes.
func writeBenchGrids(w io.Writer, n int) (int64, error) {
	cw := &countingWriter{w: w}
	fw := feature.NewWriter(cw)
	for k := range n {
		v, g := k/800, k%800
		x0, y0 := benchVillageOrigin(v)
		i, j := g%40, g/40
		x, y := x0+i*1000, y0+j*2000
		ring := orb.Ring{{micro(x), micro(y)}, {micro(x + 1000), micro(y)}, {micro(x + 1000), micro(y + 2000)}, {micro(x), micro(y + 2000)}, {micro(x), micro(y)}}
		f := &feature.Feature{Properties: map[string]any{
			"code": fmt.Sprintf("320902001%03d%03d", v+1, g+1), "name": fmt.Sprintf("第%d网格", g+1), "kind": "urban"},
			Geometry: orb.Polygon{ring}}
		if err := fw.Write(f); err != nil {
			return cw.n, err
		}
	}
	err := fw.Close()
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// importGenerated streams n generated grids through a pipe into Import
// and returns the report, the JSON size and the peak heap growth seen.
func importGenerated(tb testing.TB, st *store.Store, n int) (*importer.Report, int64, uint64, time.Duration) {
	tb.Helper()
	pr, pw := io.Pipe()
	var size atomic.Int64
	go func() {
		s, err := writeBenchGrids(pw, n)
		size.Store(s)
		pw.CloseWithError(err)
	}()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	sample := func(int) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
	}
	start := time.Now()
	rep, err := importer.Import(context.Background(), st, feature.NewReader(pr, feature.ReaderOptions{}), importer.Options{Kind: "grids", Progress: sample})
	took := time.Since(start)
	if err != nil {
		for _, p := range rep.Problems[:min(10, len(rep.Problems))] {
			tb.Log(p)
		}
		tb.Fatalf("import of %d generated grids: %v", n, err)
	}
	return rep, size.Load(), peak, took
}

// TestImportStreamsGrids imports generated grids through a pipe: all are
// accepted and stored. (Memory is measured at scale by
// BenchmarkImportGrids, and for the reader alone by
// feature.TestReaderStreams.)
func TestImportStreamsGrids(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	benchAreas(t, st)
	const n = 2_000
	rep, size, peak, took := importGenerated(t, st, n)
	var stored int
	if err := st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM grid_current`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if rep.Grids != n || stored != n {
		t.Fatalf("%d grids in the report, %d stored; want %d", rep.Grids, stored, n)
	}
	t.Logf("%d grids, %.1f MB of JSON in %s (%.0f features/s), heap grew by at most %.1f MB",
		n, float64(size)/(1<<20), took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(peak)/(1<<20))
}

// BenchmarkImportGrids imports 200,000 generated grids (set
// GRIDMAP_BENCH_GRIDS to change) streamed through a pipe, and reports
// features/s and the peak heap growth. Run with -benchtime 1x.
func BenchmarkImportGrids(b *testing.B) {
	n := 200_000
	if s := os.Getenv("GRIDMAP_BENCH_GRIDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if n > 800*benchVillages {
		b.Fatalf("at most %d grids", 800*benchVillages)
	}
	for b.Loop() {
		b.StopTimer()
		// The store logs each phase's time at debug level.
		st, err := store.Open(context.Background(), storetest.NewURL(b),
			slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			b.Fatal(err)
		}
		benchAreas(b, st)
		b.StartTimer()
		_, size, peak, took := importGenerated(b, st, n)
		b.ReportMetric(float64(n)/took.Seconds(), "features/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(size)/(1<<20), "json-MB")
		st.Close()
	}
}
