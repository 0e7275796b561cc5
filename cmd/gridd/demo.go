package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/pii"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--scale N] [--seed N] [--counties FILE] [--county CODE] [--if-empty] [--data-key-file FILE]")
	scale := fs.Float64("scale", 1, "size of the city: 1 is the whole city (≈20,000 grids, ≈2.3 M households); 0.01 is a quick one")
	seed := fs.Int64("seed", 1, "seed of the synthetic geometry and counts; the same seed gives the same city")
	countiesFile := fs.String("counties", "", "GeoJSON FeatureCollection of real county outlines (properties.code) to use instead of synthetic ones")
	county := fs.String("county", "", "generate only this county (6-digit code, e.g. 320902) and the city row")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already holds areas")
	noEvents := fs.Bool("no-events", false, "leave out the demo year of events")
	defaultKey, _ := pii.DefaultKeyPath(e.getenv, os.Getuid())
	keyFile := fs.String("data-key-file", defaultKey, "key file sealing the residents' personal data (created once, mode 0600; "+pii.KeyEnv+" overrides it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("demo takes no arguments, got %q", fs.Args())
	}
	opts := demo.Options{Scale: *scale, Seed: *seed, SkipEvents: *noEvents}
	if *county != "" {
		c, err := geo.ParseCode(*county)
		if err != nil {
			return fmt.Errorf("--county: %w", err)
		}
		opts.County = c
	}
	if *countiesFile != "" {
		m, err := demo.ReadCounties(*countiesFile)
		if err != nil {
			return err
		}
		opts.Counties = m
	}

	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	// Without a key (no place for the key file and no environment
	// variable) the demo has no residents: their data is never in clear.
	if *keyFile != "" || e.getenv(pii.KeyEnv) != "" {
		key, src, err := pii.LoadKey(e.getenv, *keyFile)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		opts.Key = key
		fmt.Fprintf(e.stderr, "demo: residents' personal data sealed with the data key from %s\n", src)
	} else {
		fmt.Fprintf(e.stderr, "demo: no data key (set %s or --data-key-file), so no residents\n", pii.KeyEnv)
	}
	if *ifEmpty {
		empty, err := st.IsEmpty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			fmt.Fprintln(e.stdout, "demo: the database already holds areas; nothing to do")
			return nil
		}
	}
	start := time.Now()
	last, lastAt := "", time.Time{}
	stats, err := demo.Generate(ctx, st, opts, func(stage string, done, total int) {
		// The record stages report per county: a line every few seconds
		// is enough.
		if stage == last && done != total && time.Since(lastAt) < 3*time.Second {
			return
		}
		last, lastAt = stage, time.Now()
		fmt.Fprintf(e.stderr, "demo: %-10s %9d/%-9d %6.1fs\n", stage, done, total, time.Since(start).Seconds())
	})
	if errors.Is(err, demo.ErrNotEmpty) {
		return fmt.Errorf("demo: %w (use a fresh database, or --if-empty to skip)", err)
	}
	if err != nil {
		return err
	}
	secs := stats.Elapsed.Seconds()
	fmt.Fprintf(e.stdout, "demo: dataset version %d: %d counties, %d towns, %d villages, %d grids (%d exclusive), %d sub-grids, %d households, %d units in %.1fs (%.0f grids/s, %.0f households/s)\n",
		stats.Version, stats.Counties, stats.Towns, stats.Villages, stats.Grids, stats.Exclusive, stats.SubGrids,
		stats.Households, stats.Units, secs, float64(stats.Grids+stats.SubGrids)/secs, float64(stats.Households)/secs)
	fmt.Fprintf(e.stdout, "demo: %d standard addresses, %d houses, %d residents\n", stats.Addresses, stats.Houses, stats.Residents)
	if !opts.SkipEvents {
		fmt.Fprintf(e.stdout, "demo: %d events over the year before %s\n", stats.Events, opts.EventsUntilOrDefault().Format(time.DateOnly))
	}
	for _, r := range stats.Repaired {
		fmt.Fprintln(e.stdout, "demo: repaired invalid outline", r)
	}
	return nil
}
