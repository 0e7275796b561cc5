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
	fs := newFlags(e, "bench lookup", "[--points N] [--pg-points N] [--join-points N]")
	n := fs.Int("points", 2_000_000, "points through the in-memory index")
	nPG := fs.Int("pg-points", 3000, "points through per-point PostGIS queries")
	nJoin := fs.Int("join-points", 100_000, "points through one PostGIS batch join")
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

	pts := benchPoints(snap, *n, 1)
	// (a) index, random order, one goroutine.
	start := time.Now()
	var sink int32
	for _, p := range pts {
		sink += ix.Lookup(p).Grid
	}
	random := float64(len(pts)) / time.Since(start).Seconds()
	// (a') index, one sorted batch.
	hits := make([]geo.Hit, len(pts))
	start = time.Now()
	ix.LookupBatch(pts, hits)
	sorted := float64(len(pts)) / time.Since(start).Seconds()

	// (b) PostGIS, one query per point, one connection.
	pg := pts[:min(*nPG, len(pts))]
	start = time.Now()
	disagree := 0
	for i, p := range pg {
		code, err := st.LookupPoint(ctx, p)
		if err != nil {
			return err
		}
		if code != codeOf(snap, hits[i]) {
			disagree++
		}
	}
	perPoint := float64(len(pg)) / time.Since(start).Seconds()

	// (c) PostGIS, one batch join.
	join := pts[:min(*nJoin, len(pts))]
	start = time.Now()
	codes, err := st.LookupPoints(ctx, join)
	if err != nil {
		return err
	}
	batchJoin := float64(len(join)) / time.Since(start).Seconds()
	for i := range join {
		if codes[i] != codeOf(snap, hits[i]) {
			disagree++
		}
	}

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
