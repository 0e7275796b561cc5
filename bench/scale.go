package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/store"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

// ScaleOptions tune Scale.
type ScaleOptions struct {
	// Sizes are multiples of the city's grids (SyntheticCity(150, 140) is
	// 1: 21,000 grids).
	Sizes []float64
	// Lookup is how long lookups run at each size.
	Lookup time.Duration
	// Tiles is how many distinct tiles (z10-14, within the city) are
	// rendered cold at each size.
	Tiles int
	// Scratch, when not nil, is an empty database each size's synthetic
	// city is written to (and removed from after), to measure the
	// snapshot load and a change of one grid from commit to served.
	Scratch *store.Store
}

// scaleRow is the figures of one size.
type scaleRow struct {
	size                       float64
	grids, areas, vertices     int
	households                 int64
	build, index, prepare      time.Duration
	indexMiB, heapMiB, rssMiB  float64
	lookupsPerSec, tilesPerSec float64
	rebuild                    time.Duration
	db                         *dbFigures // with a scratch database
}

// Scale measures how the in-memory costs grow with the size of the
// dataset: for each size, a synthetic city (tilestest.SyntheticCity, grids
// shaped and nested like the demo's) is built into the live state, and it
// prints index build, index memory, the live heap, the process's peak RSS,
// lookups/s (one goroutine), cold tiles/s (every core) and the rebuild
// after a one-grid change (the in-process part of change-to-served). With
// st, it also loads st's snapshot and reports that load beside the size
// with the nearest grid count (the database part of a reload).
func Scale(ctx context.Context, w io.Writer, st *store.Store, o ScaleOptions) error {
	if len(o.Sizes) == 0 {
		o.Sizes = []float64{1, 4, 12}
	}
	if o.Lookup <= 0 {
		o.Lookup = time.Second
	}
	if o.Tiles <= 0 {
		o.Tiles = 2000
	}
	var rows []scaleRow
	for _, size := range o.Sizes {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := scaleOne(ctx, size, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "size %gx: %d grids done\n", size, r.grids)
		if o.Scratch != nil {
			f, err := measureDB(ctx, o.Scratch, syntheticSize(size))
			if err != nil {
				return err
			}
			r.db = &f
			fmt.Fprintf(os.Stderr, "size %gx: database figures done\n", size)
		}
		rows = append(rows, r)
	}
	var dbNote string
	if st != nil {
		start := time.Now()
		snap, err := st.LoadSnapshot(ctx)
		if err != nil {
			return err
		}
		load := time.Since(start)
		dbNote = fmt.Sprintf("snapshot load from the database: %s for %d grids and %d areas (%.1f µs a grid)",
			load.Round(time.Millisecond), len(snap.Grids), len(snap.Areas), float64(load.Microseconds())/float64(len(snap.Grids)))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tgrids\tareas\tvertices\thouseholds\tindex build\tindex MiB\ttile prepare\tlive heap MiB\tpeak RSS MiB\tlookups/s (1 core)\tcold tiles/s\trebuild after 1-grid change\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%gx\t%d\t%d\t%d\t%d\t%s\t%.1f\t%s\t%.0f\t%.0f\t%.1f M\t%.0f\t%s\t\n", r.size, r.grids, r.areas, r.vertices, r.households,
			r.build.Round(time.Millisecond), r.indexMiB, r.prepare.Round(time.Millisecond), r.heapMiB, r.rssMiB,
			r.lookupsPerSec/1e6, r.tilesPerSec, r.rebuild.Round(time.Millisecond))
	}
	tw.Flush()
	if o.Scratch != nil {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "size\twrite (COPY)\tsnapshot load\tchange of 1 grid: reload\trebuild\tcommit to served\t")
		for _, r := range rows {
			f := r.db
			fmt.Fprintf(tw, "%gx\t%s\t%s\t%s\t%s\t%s\t\n", r.size, f.write.Round(time.Millisecond), f.load.Round(time.Millisecond),
				f.reload.Round(time.Millisecond), f.rebuild.Round(time.Millisecond), (f.reload + f.rebuild).Round(time.Millisecond))
		}
		tw.Flush()
	}
	if dbNote != "" {
		fmt.Fprintln(w, dbNote)
	}
	return nil
}

func scaleOne(ctx context.Context, size float64, o ScaleOptions) (scaleRow, error) {
	r := scaleRow{size: size}
	snap := syntheticSize(size)
	r.grids, r.areas = len(snap.Grids), len(snap.Areas)
	for _, g := range snap.Grids {
		r.households += int64(g.Households)
	}

	start := time.Now()
	ix := geo.NewIndexFrom(nil, snap, geo.IndexOptions{})
	r.build = time.Since(start)
	stats := ix.Stats()
	r.indexMiB, r.vertices = float64(stats.Bytes)/(1<<20), stats.Vertices
	start = time.Now()
	prep := tiles.PrepareFrom(snap, nil)
	r.prepare = time.Since(start)
	state := &live.State{Snap: snap, Index: ix, Tiles: prep}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.heapMiB = float64(ms.HeapInuse) / (1 << 20)

	// Lookups: random points over the city's bounds, one goroutine.
	w, s, e, n, _ := prep.Bounds()
	rnd := rand.New(rand.NewPCG(1, uint64(size*1000)))
	pts := make([]orb.Point, 1<<16)
	for i := range pts {
		pts[i] = orb.Point{w + rnd.Float64()*(e-w), s + rnd.Float64()*(n-s)}
	}
	var hits int
	count := 0
	start = time.Now()
	for time.Since(start) < o.Lookup {
		for _, p := range pts[:4096] {
			if ix.Lookup(p).Grid >= 0 {
				hits++
			}
		}
		pts = append(pts[4096:], pts[:4096]...)
		count += 4096
	}
	r.lookupsPerSec = float64(count) / time.Since(start).Seconds()

	// Cold tiles: distinct tiles z10-14 inside the city, each rendered
	// once (a cache miss), on every core.
	svc := tiles.NewService(stateSource{state}, nil, nil, tiles.Options{CacheBytes: 1 << 30})
	list := scaleTiles(w, s, e, n, o.Tiles, rnd)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start = time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(list)); i = next.Add(1) - 1 {
				t := list[i]
				if _, _, err := svc.Tile(ctx, "", t[0], t[1], t[2]); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return r, err
	}
	r.tilesPerSec = float64(len(list)) / time.Since(start).Seconds()

	// A change of one grid: the next version is built from this one.
	grids := slices.Clone(snap.Grids)
	g := &grids[len(grids)/2]
	g.Geom = orb.MultiPolygon{{slices.Clone(g.Geom[0][0])}}
	g.Geom[0][0][1][0] += 0.0005
	g.ValidFrom = g.ValidFrom.Add(time.Hour)
	nextSnap := geo.NewSnapshot(snap.Version+1, time.Now(), snap.Areas, grids)
	start = time.Now()
	var wg2 sync.WaitGroup
	wg2.Add(1)
	go func() { defer wg2.Done(); tiles.PrepareFrom(nextSnap, prep) }()
	geo.NewIndexFrom(ix, nextSnap, geo.IndexOptions{})
	wg2.Wait()
	r.rebuild = time.Since(start)

	r.rssMiB = peakRSSMiB()
	runtime.KeepAlive(state)
	debug.FreeOSMemory()
	return r, nil
}

// syntheticSize is the synthetic city at size times the city's grids.
func syntheticSize(size float64) *geo.Snapshot {
	k := math.Sqrt(size)
	return tilestest.SyntheticCity(int(math.Round(150*k)), int(math.Round(140*k)))
}

// scaleTiles draws n distinct tiles of z10-14 within the bounds.
func scaleTiles(w, s, e, n float64, count int, rnd *rand.Rand) [][3]int {
	seen := map[[3]int]bool{}
	var out [][3]int
	for tries := 0; len(out) < count && tries < 20*count; tries++ {
		z := 10 + rnd.IntN(5)
		lon, lat := w+rnd.Float64()*(e-w), s+rnd.Float64()*(n-s)
		nz := math.Exp2(float64(z))
		r := lat * math.Pi / 180
		t := [3]int{z, int((lon + 180) / 360 * nz), int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * nz)}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// peakRSSMiB is the process's peak resident set (VmHWM), 0 when unknown.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// stateSource is one live state, as the tile service's source.
type stateSource struct{ s *live.State }

func (f stateSource) Snapshot() *geo.Snapshot { return f.s.Snap }

func (f stateSource) SnapshotAndTiles() (*geo.Snapshot, *tiles.Prepared) { return f.s.Snap, f.s.Tiles }
