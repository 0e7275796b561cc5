package main

import (
	"context"
	"fmt"
	"time"

	"gridmap/check"
	"gridmap/cli"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "[--json] [--max N] [--gap-tolerance M2]")
	asJSON := fs.Bool("json", false, "print the report as JSON (locations as GeoJSON geometries)")
	maxPer := fs.Int("max", check.DefaultMaxPerCheck, "findings to show per check (all are counted)")
	gapTol := fs.Float64("gap-tolerance", check.DefaultGapToleranceM2, "smallest gap reported, in m²; smaller pieces are float noise")
	low := fs.Int("households-low", check.DefaultHouseholdsLow, "fewest households of an urban comprehensive grid (the county's range; Art. 7: about 300)")
	high := fs.Int("households-high", check.DefaultHouseholdsHigh, "most households of an urban comprehensive grid")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *maxPer <= 0 {
		return fmt.Errorf("--max %d: give a positive number of findings per check", *maxPer)
	}
	if *gapTol <= 0 {
		return fmt.Errorf("--gap-tolerance %g: give a positive area in m² (default %g)", *gapTol, check.DefaultGapToleranceM2)
	}
	if *low < 1 || *high < *low {
		return fmt.Errorf("--households-low %d --households-high %d: give a low of at least 1 and a high of at least the low", *low, *high)
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}

	start := time.Now()
	report, err := check.Run(ctx, st, check.Options{GapToleranceM2: *gapTol, MaxPerCheck: *maxPer, HouseholdsLow: *low, HouseholdsHigh: *high},
		func(stage string) {
			fmt.Fprintf(e.stderr, "checking %-27s (%.1fs)\n", stage, time.Since(start).Seconds())
		})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := cli.WriteJSON(e.stdout, report); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else {
		report.WriteText(e.stdout)
	}
	if n := report.Errors(); n > 0 {
		return fmt.Errorf("check found %d error(s) and %d warning(s)", n, report.Warnings())
	}
	return nil
}
