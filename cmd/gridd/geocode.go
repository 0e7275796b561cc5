package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"gridmap/geocode"
	"gridmap/live"
	"gridmap/outfile"
	"gridmap/progress"
)

// cmdGeocode geocodes a file of addresses offline: gridd geocode --in
// addresses.csv --out coded.csv, with a progress bar on stderr. The format
// follows the extension (.csv, .json) unless --format says otherwise.
func cmdGeocode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "geocode", "--in FILE|- --out FILE|- [--format csv|json]")
	in := fs.String("in", "-", "addresses: CSV id,address or a JSON array of {id, address} ('-' = stdin)")
	out := fs.String("out", "-", "where to write the answers: id,status,grid_code,address_code,standard,score ('-' = stdout)")
	format := fs.String("format", "", "csv or json (default: from the --in extension, else csv)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f := geocode.CSV
	switch ext := strings.ToLower(filepath.Ext(*in)); {
	case *format == "json", *format == "" && ext == ".json":
		f = geocode.JSON
	case *format == "csv", *format == "":
	default:
		return fmt.Errorf("--format %q: use csv or json", *format)
	}
	r, size, err := openInput(e, *in)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer r.Close()
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
	h, err := geocode.NewHolder(ctx, st, live.Static{S: live.FromSnapshot(snap)}, "", nil)
	if err != nil {
		return err
	}
	ix := h.Current()
	s := ix.Stats()
	fmt.Fprintf(e.stderr, "dataset version %d: %d standard addresses indexed in %v (%.1f MiB)\n",
		ix.Version(), s.Addresses, time.Since(start).Round(time.Millisecond), float64(s.Bytes)/(1<<20))

	start = time.Now()
	cr := &progress.Reader{R: r}
	bar := progress.Bar{W: e.stderr, Size: size, Read: cr, Unit: "addresses", Elapsed: func() time.Duration { return time.Since(start) }}
	var stats geocode.BatchStats
	err = outfile.Write(*out, e.stdout, 0o644, func(w io.Writer) (err error) {
		stats, err = ix.Batch(ctx, f, cr, w, func(b geocode.BatchStats) { bar.Show(b.Rows) })
		return err
	})
	bar.Done()
	if err != nil {
		return fmt.Errorf("geocode: %w", err)
	}
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "%d addresses (%d matched to a grid, %d invalid rows) in %v: %.0f addresses/s, dataset version %d\n",
		stats.Rows, stats.Matched, stats.Invalid, el.Round(time.Millisecond), float64(stats.Rows)/el.Seconds(), ix.Version())
	return nil
}
