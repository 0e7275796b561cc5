package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"gridmap/cli"
	"gridmap/live"
	"gridmap/lookup"
)

// cmdLookup codes a file of points offline: gridd lookup --in points.csv
// --out coded.csv. The format follows the file extension (.csv, .json,
// .geojson) unless --format says otherwise.
func cmdLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lookup", "--in FILE|- --out FILE|- [--format csv|json|geojson]")
	in := fs.String("in", "-", "points to look up: CSV id,lon,lat, a JSON array, or GeoJSON points ('-' = stdin)")
	out := fs.String("out", "-", "where to write the answers ('-' = stdout)")
	format := fs.String("format", "", "csv, json or geojson (default: from the --in extension, else csv)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	f, err := lookup.ParseFormat(*format, *in)
	if err != nil {
		return err
	}
	r, size, err := openBatch(e, *in)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	state := live.FromSnapshot(snap)
	fmt.Fprintf(e.stderr, "dataset version %d: %d grids indexed in %v\n", snap.Version, len(snap.Grids), time.Since(start).Round(time.Millisecond))

	var stats lookup.Stats
	el, err := codeFile(e, r, size, *out, "points", func(r io.Reader, w io.Writer, show func(int)) (err error) {
		stats, err = lookup.Batch(ctx, f, r, w, lookup.NewStateResolver(state), func(s lookup.Stats) { show(int(s.Rows)) })
		return err
	})
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	fmt.Fprintf(e.stderr, "%d points (%d bad rows) in %v: %.0f points/s, dataset version %d\n",
		stats.Rows, stats.Errors, el.Round(time.Millisecond), float64(stats.Rows)/el.Seconds(), snap.Version)
	return nil
}
