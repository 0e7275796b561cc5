package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"gridmap/live"
	"gridmap/lookup"
	"gridmap/outfile"
	"gridmap/progress"
)

// cmdLookup codes a file of points offline: gridd lookup --in points.csv
// --out coded.csv. The format follows the file extension (.csv, .json,
// .geojson) unless --format says otherwise.
func cmdLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lookup", "--in FILE|- --out FILE|- [--format csv|json|geojson]")
	in := fs.String("in", "-", "points to look up: CSV id,lon,lat, a JSON array, or GeoJSON points ('-' = stdin)")
	out := fs.String("out", "-", "where to write the answers ('-' = stdout)")
	format := fs.String("format", "", "csv, json or geojson (default: from the --in extension, else csv)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := lookup.ParseFormat(*format, *in)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	state := live.FromSnapshot(snap)
	fmt.Fprintf(e.stderr, "dataset version %d: %d grids indexed in %v\n", snap.Version, len(snap.Grids), time.Since(start).Round(time.Millisecond))

	r, size, err := openInput(e, *in)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer r.Close()
	start = time.Now()
	cr := &progress.Reader{R: r}
	bar := progress.Bar{W: e.stderr, Size: size, Read: cr, Unit: "points", Elapsed: func() time.Duration { return time.Since(start) }}
	var stats lookup.Stats
	err = outfile.Write(*out, e.stdout, 0o644, func(w io.Writer) (err error) {
		stats, err = lookup.Batch(ctx, f, cr, w, lookup.NewStateResolver(state), func(s lookup.Stats) { bar.Show(int(s.Rows)) })
		return err
	})
	bar.Done()
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "%d points (%d bad rows) in %v: %.0f points/s, dataset version %d\n",
		stats.Rows, stats.Errors, el.Round(time.Millisecond), float64(stats.Rows)/el.Seconds(), snap.Version)
	return nil
}
