package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/lookup"
	"gridmap/store"
)

// LookupOptions bounds one Lookup run.
type LookupOptions struct {
	Points     int // points through the in-memory index
	PGPoints   int // points through per-point PostGIS queries
	JoinPoints int // points through one PostGIS batch join
	Runs       int // runs of each method; the best is reported
}

// Lookup compares point lookups in the in-memory index (one at a time in
// random order, and one sorted batch) with PostGIS (one query per point,
// and one batch join) over the current snapshot of st, writes the table
// to w, and fails when any answer disagrees with PostGIS.
func Lookup(ctx context.Context, w io.Writer, st *store.Store, o LookupOptions) error {
	t0 := time.Now()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	if len(snap.Grids) == 0 {
		return errors.New("no grids: load the demo first (gridd demo)")
	}
	loadTime := time.Since(t0)
	state := live.FromSnapshot(snap)
	ix := state.Index
	is := ix.Stats()
	fmt.Fprintf(w, "dataset version %d: %d grids, %d vertices; snapshot load %v, index build %v, index %.1f MiB (%.1f bytes/vertex)\n",
		snap.Version, len(snap.Grids), is.Vertices, loadTime.Round(time.Millisecond), is.BuildTime.Round(time.Millisecond),
		float64(is.Bytes)/(1<<20), float64(is.Bytes)/float64(max(is.Vertices, 1)))

	nRuns := max(o.Runs, 1)
	// The index alone (the state above built it while tile data was
	// prepared on the other core): best of nRuns builds, wall time, with
	// every core.
	var build time.Duration
	for r := range nRuns {
		t := geo.NewIndex(snap, geo.IndexOptions{}).Stats().BuildTime
		if r == 0 || t < build {
			build = t
		}
	}
	fmt.Fprintf(w, "index build alone: %v (best of %d)\n", build.Round(time.Millisecond), nRuns)

	pts := randomPoints(snap, o.Points, 1)
	// best runs f nRuns times and returns the best rate (points/s).
	best := func(points int, f func() error) (float64, error) {
		var rate float64
		for range nRuns {
			start := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			rate = max(rate, float64(points)/time.Since(start).Seconds())
		}
		return rate, nil
	}
	// (a) index, random order, one goroutine.
	var sink int32
	random, _ := best(len(pts), func() error {
		for _, p := range pts {
			sink += ix.Lookup(p).Grid
		}
		return nil
	})
	// (a') index, one sorted batch.
	hits := make([]geo.Hit, len(pts))
	sorted, _ := best(len(pts), func() error {
		ix.LookupBatch(pts, hits)
		return nil
	})

	// (b) PostGIS, one query per point (a prepared statement, cached by
	// the driver), one connection.
	pg := pts[:min(o.PGPoints, len(pts))]
	disagree := 0
	perPoint, err := best(len(pg), func() error {
		disagree = 0
		for i, p := range pg {
			code, err := lookup.NewPostGIS(st).LookupPoint(ctx, p)
			if err != nil {
				return err
			}
			if code != codeOf(snap, hits[i]) {
				disagree++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// (c) PostGIS, one batch join.
	join := pts[:min(o.JoinPoints, len(pts))]
	var codes []geo.Code
	batchJoin, err := best(len(join), func() error {
		codes, err = lookup.NewPostGIS(st).LookupPoints(ctx, join)
		return err
	})
	if err != nil {
		return err
	}
	for i := range join {
		if codes[i] != codeOf(snap, hits[i]) {
			disagree++
		}
	}

	fmt.Fprintf(w, "best of %d runs each\n", nRuns)
	fmt.Fprintf(w, "%-34s %12s %14s %14s\n", "method (one core each)", "points/s", "x per-point", "x batch join")
	row := func(name string, rate float64, n int) {
		fmt.Fprintf(w, "%-34s %12.0f %13.1fx %13.1fx  (%d points)\n", name, rate, rate/perPoint, rate/batchJoin, n)
	}
	row("index, random order", random, len(pts))
	row("index, sorted batch", sorted, len(pts))
	row("PostGIS per-point query (GiST)", perPoint, len(pg))
	row("PostGIS batch join (GiST)", batchJoin, len(join))
	fmt.Fprintf(w, "answers compared with PostGIS: %d, disagreements: %d\n", len(pg)+len(join), disagree)
	if disagree > 0 {
		return fmt.Errorf("%d answers disagree with PostGIS", disagree)
	}
	_ = sink
	return nil
}

// randomPoints draws n points: a random grid, then a random point in its
// bounding box, so most points fall inside the city as real traffic does.
func randomPoints(snap *geo.Snapshot, n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 99))
	pts := make([]orb.Point, n)
	for i := range pts {
		b := snap.Grids[r.IntN(len(snap.Grids))].Geom.Bound()
		pts[i] = orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
	}
	return pts
}

func codeOf(snap *geo.Snapshot, h geo.Hit) geo.Code {
	if h.Grid < 0 {
		return ""
	}
	return snap.Grids[h.Grid].Code
}
