package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"gridmap/bench"
	"gridmap/store"
)

// cmdBench compares gridmap with PostGIS doing the same work, in one run:
// gridd bench lookup | tiles | http.
func cmdBench(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gridd bench lookup|tiles|http|scale|geocode [flags]")
	}
	switch args[0] {
	case "lookup":
		return benchLookup(ctx, e, args[1:])
	case "tiles":
		return benchTiles(ctx, e, args[1:])
	case "http":
		return benchHTTP(ctx, e, args[1:])
	case "scale":
		return benchScale(ctx, e, args[1:])
	case "geocode":
		return benchGeocode(ctx, e, args[1:])
	}
	return fmt.Errorf("gridd bench %s: want lookup, tiles, http, scale or geocode", args[0])
}

func benchLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench lookup", "[--points N] [--pg-points N] [--join-points N] [--runs N]")
	var o bench.LookupOptions
	fs.IntVar(&o.Points, "points", 2_000_000, "points through the in-memory index")
	fs.IntVar(&o.PGPoints, "pg-points", 3000, "points through per-point PostGIS queries")
	fs.IntVar(&o.JoinPoints, "join-points", 100_000, "points through one PostGIS batch join")
	fs.IntVar(&o.Runs, "runs", 3, "runs of each method; the best is reported (the machine is shared)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	return bench.Lookup(ctx, e.stdout, st, o)
}

func benchTiles(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench tiles", "[--tiles N] [--seed S] [--concurrency C] [--warm D] [--runs R] [--cpuprofile FILE]")
	var o bench.TilesOptions
	fs.IntVar(&o.Tiles, "tiles", 1000, "tiles drawn from the weighted traffic list; each distinct tile is requested once per cold and PostGIS pass")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the tile list")
	fs.IntVar(&o.Concurrency, "concurrency", 4, "connections (requests in flight) of every pass, ours and PostGIS's alike")
	fs.DurationVar(&o.Warm, "warm", 2*time.Second, "how long the warm passes go round the list (at least once)")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the warm and the PostGIS passes, alternating; the fastest of each counts")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the whole run (servers included) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench tiles takes no arguments, got %q", fs.Args())
	}
	if err := o.Check(); err != nil {
		return err
	}
	stop, err := startCPUProfile(*prof)
	if err != nil {
		return err
	}
	defer stop()
	dbURL, err := databaseURL(e)
	if err != nil {
		return err
	}
	// A connection for every PostGIS client, and two more for the live
	// state (LISTEN, snapshot loads).
	if dbURL, err = store.WithPoolSize(dbURL, o.Concurrency+2); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	// Request logs off (warnings stay): the PostGIS handler logs nothing
	// either, and a log line per tile would be most of a warm request.
	quiet := *e
	quiet.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return bench.Tiles(ctx, e.stdout, st, func(ctx context.Context) (http.Handler, error) { return newHandler(ctx, &quiet, st, ephemeralKey()) }, o)
}

func benchHTTP(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench http", "[--url http://127.0.0.1:PORT] [--points N] [--clients K] [--duration D] [--max-requests M] [--runs R]")
	var o bench.HTTPOptions
	fs.StringVar(&o.URL, "url", "", "base URL of a running gridd on this machine (loopback only); empty: start the real handler in-process")
	fs.IntVar(&o.Points, "points", 2_000_000, "points in the CSV batch (generated on the fly)")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent keep-alive clients for GET /lookup")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "how long the GET clients run at most")
	fs.IntVar(&o.MaxRequests, "max-requests", 2_000_000, "how many GET requests are sent at most (per run)")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the GET clients; the fastest is reported, with the rate of every run")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the run (in-process server included) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench http takes no arguments, got %q", fs.Args())
	}
	stop, err := startCPUProfile(*prof)
	if err != nil {
		return err
	}
	defer stop()
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	return bench.HTTP(ctx, e.stdout, st, func(ctx context.Context) (http.Handler, error) { return newHandler(ctx, e, st, ephemeralKey()) }, o)
}

// startCPUProfile writes a CPU profile of the process to path until stop
// is called; with no path it does nothing.
func startCPUProfile(path string) (stop func(), _ error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchScale measures how the in-memory costs grow with the dataset (and,
// with DATABASE_URL set, the snapshot load of that database).
func benchScale(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench scale", "[--sizes 1,4,12] [--lookup D] [--tiles N] [--scratch-db URL]")
	sizes := fs.String("sizes", "1,4,12", "multiples of the city's 21,000 grids")
	var o bench.ScaleOptions
	fs.DurationVar(&o.Lookup, "lookup", time.Second, "how long lookups run at each size")
	fs.IntVar(&o.Tiles, "tiles", 2000, "distinct tiles z10-14 rendered cold at each size")
	scratch := fs.String("scratch-db", "", "an empty database to write each size's synthetic city to, for the snapshot load and commit-to-served (emptied after each size)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*sizes, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || v > 50 {
			return fmt.Errorf("bench scale: --sizes %q: want positive multiples up to 50, like 1,4,12", *sizes)
		}
		o.Sizes = append(o.Sizes, v)
	}
	var st *store.Store
	if e.getenv("DATABASE_URL") != "" {
		var err error
		if st, err = openStore(ctx, e); err != nil {
			return err
		}
		defer st.Close()
	}
	if *scratch != "" {
		sc, err := store.Open(ctx, *scratch, e.log)
		if err != nil {
			return fmt.Errorf("bench scale: --scratch-db: %w", err)
		}
		defer sc.Close()
		o.Scratch = sc
	}
	return bench.Scale(ctx, e.stdout, st, o)
}
