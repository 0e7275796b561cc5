package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/planar"

	"gridmap/check"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "[--json] [--max N] [--gap-tolerance M2]")
	asJSON := fs.Bool("json", false, "print the report as JSON (locations as GeoJSON geometries)")
	maxPer := fs.Int("max", check.DefaultMaxPerCheck, "findings to show per check (all are counted)")
	gapTol := fs.Float64("gap-tolerance", check.DefaultGapToleranceM2, "smallest gap reported, in m²; smaller pieces are float noise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("check takes no arguments, got %q", fs.Args())
	}
	if *maxPer <= 0 {
		return fmt.Errorf("--max %d: give a positive number of findings per check", *maxPer)
	}
	if *gapTol <= 0 {
		return fmt.Errorf("--gap-tolerance %g: give a positive area in m² (default %g)", *gapTol, check.DefaultGapToleranceM2)
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	report, err := check.Run(ctx, st, check.Options{GapToleranceM2: *gapTol, MaxPerCheck: *maxPer},
		func(stage string) {
			fmt.Fprintf(e.stderr, "checking %-27s (%.1fs)\n", stage, time.Since(start).Seconds())
		})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else {
		printReport(e.stdout, report)
	}
	if n := report.Errors(); n > 0 {
		return fmt.Errorf("check found %d error(s) and %d warning(s)", n, report.Warnings())
	}
	return nil
}

// printReport writes the report for people: one line per check, then the
// findings shown of each check that found any.
func printReport(w io.Writer, r *check.Report) {
	fmt.Fprintf(w, "gridd check: dataset version %d at %s, %.1fs\n\n", r.Version,
		r.CheckedAt.UTC().Format(time.RFC3339), r.DurationMS/1000)
	for _, c := range r.Checks {
		status := "ok"
		if c.Count > 0 {
			status = fmt.Sprintf("%d %s(s)", c.Count, c.Severity)
		}
		fmt.Fprintf(w, "  %-26s %-14s %7.2fs  %s\n", c.Check, status, c.DurationMS/1000, c.Description)
	}
	for _, c := range r.Checks {
		if c.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%s): %d found", c.Check, c.Severity, c.Count)
		if c.Shown < c.Count {
			fmt.Fprintf(w, ", first %d shown", c.Shown)
		}
		fmt.Fprintln(w)
		for _, f := range r.Findings {
			if f.Check != c.Check {
				continue
			}
			fmt.Fprintf(w, "  - %s\n", f.Message)
			if loc := locationText(f.Location); loc != "" {
				fmt.Fprintf(w, "    location: %s\n", loc)
			}
		}
	}
	fmt.Fprintf(w, "\n%d error(s), %d warning(s)\n", r.Errors(), r.Warnings())
}

// locationText gives a finding's location as WKT when it is short, and as
// a lon,lat point otherwise.
func locationText(g orb.Geometry) string {
	if g == nil {
		return ""
	}
	if s := wkt.MarshalString(g); len(s) <= 200 {
		return s
	}
	c, _ := planar.CentroidArea(g)
	return fmt.Sprintf("around %.6f,%.6f (%s, bounds %.6f,%.6f %.6f,%.6f)", c[0], c[1], g.GeoJSONType(),
		g.Bound().Min[0], g.Bound().Min[1], g.Bound().Max[0], g.Bound().Max[1])
}
