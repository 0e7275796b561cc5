package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/lookup"
)

// cmdBench compares gridmap with PostGIS doing the same work, in one run:
// gridd bench lookup | tiles | http.
func cmdBench(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gridd bench lookup|tiles|http [flags]")
	}
	switch args[0] {
	case "lookup":
		return benchLookup(ctx, e, args[1:])
	case "tiles":
		return benchTiles(ctx, e, args[1:])
	case "http":
		return benchHTTP(ctx, e, args[1:])
	}
	return fmt.Errorf("gridd bench %s: want lookup, tiles or http", args[0])
}

// benchPoints draws n points: a random grid, then a random point in its
// bounding box, so most points fall inside the city as real traffic does.
func benchPoints(snap *geo.Snapshot, n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 99))
	pts := make([]orb.Point, n)
	for i := range pts {
		b := snap.Grids[r.IntN(len(snap.Grids))].Geom.Bound()
		pts[i] = orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
	}
	return pts
}

func benchLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench lookup", "[--points N] [--pg-points N] [--join-points N] [--runs N]")
	n := fs.Int("points", 2_000_000, "points through the in-memory index")
	nPG := fs.Int("pg-points", 3000, "points through per-point PostGIS queries")
	nJoin := fs.Int("join-points", 100_000, "points through one PostGIS batch join")
	runs := fs.Int("runs", 3, "runs of each method; the best is reported (the machine is shared)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
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
	fmt.Fprintf(e.stdout, "dataset version %d: %d grids, %d vertices; snapshot load %v, index build %v, index %.1f MiB (%.1f bytes/vertex)\n",
		snap.Version, len(snap.Grids), is.Vertices, loadTime.Round(time.Millisecond), is.BuildTime.Round(time.Millisecond),
		float64(is.Bytes)/(1<<20), float64(is.Bytes)/float64(max(is.Vertices, 1)))

	nRuns := max(*runs, 1)
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
	fmt.Fprintf(e.stdout, "index build alone: %v (best of %d)\n", build.Round(time.Millisecond), nRuns)

	pts := benchPoints(snap, *n, 1)
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
	pg := pts[:min(*nPG, len(pts))]
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
	join := pts[:min(*nJoin, len(pts))]
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

	fmt.Fprintf(e.stdout, "best of %d runs each\n", nRuns)
	fmt.Fprintf(e.stdout, "%-34s %12s %14s %14s\n", "method (one core each)", "points/s", "x per-point", "x batch join")
	row := func(name string, rate float64, n int) {
		fmt.Fprintf(e.stdout, "%-34s %12.0f %13.1fx %13.1fx  (%d points)\n", name, rate, rate/perPoint, rate/batchJoin, n)
	}
	row("index, random order", random, len(pts))
	row("index, sorted batch", sorted, len(pts))
	row("PostGIS per-point query (GiST)", perPoint, len(pg))
	row("PostGIS batch join (GiST)", batchJoin, len(join))
	fmt.Fprintf(e.stdout, "answers compared with PostGIS: %d, disagreements: %d\n", len(pg)+len(join), disagree)
	if disagree > 0 {
		return fmt.Errorf("%d answers disagree with PostGIS", disagree)
	}
	_ = sink
	return nil
}

func codeOf(snap *geo.Snapshot, h geo.Hit) geo.Code {
	if h.Grid < 0 {
		return ""
	}
	return snap.Grids[h.Grid].Code
}
