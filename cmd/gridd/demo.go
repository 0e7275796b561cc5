package main

import (
	"context"
	"errors"
	"fmt"

	"gridmap/cli"
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
	keyFile := dataKeyFlag(fs)
	if err := cli.Parse(fs, args); err != nil {
		return err
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

	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	// Without a key (no place for the key file and no environment
	// variable) the demo has no residents: their data is never in clear.
	switch key, err := loadDataKey(e, *keyFile); {
	case errors.Is(err, pii.ErrNoKeyPlace):
		fmt.Fprintf(e.stderr, "demo: no data key (set %s or --data-key-file), so no residents\n", pii.KeyEnv)
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	default:
		opts.Key = key
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
	stats, err := demo.Generate(ctx, st, opts, demo.ProgressLog(e.stderr))
	if errors.Is(err, demo.ErrNotEmpty) {
		return fmt.Errorf("demo: %w (use a fresh database, or --if-empty to skip)", err)
	}
	if err != nil {
		return err
	}
	stats.WriteText(e.stdout)
	return nil
}
