package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"gridmap/cli"
	"gridmap/geocode"
	"gridmap/live"
)

// cmdGeocode geocodes a file of addresses offline: gridd geocode --in
// addresses.csv --out coded.csv, with a progress bar on stderr. The format
// follows the extension (.csv, .json) unless --format says otherwise.
func cmdGeocode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "geocode", "--in FILE|- --out FILE|- [--format csv|json]")
	in := fs.String("in", "-", "addresses: CSV id,address or a JSON array of {id, address} ('-' = stdin)")
	out := fs.String("out", "-", "where to write the answers: id,status,grid_code,address_code,standard,score ('-' = stdout)")
	format := fs.String("format", "", "csv or json (default: from the --in extension, else csv)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	f, err := geocode.ParseFormat(*format, *in)
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
	h, err := geocode.NewHolder(ctx, st, live.Static{S: live.FromSnapshot(snap)}, "", nil)
	if err != nil {
		return err
	}
	ix := h.Current()
	s := ix.Stats()
	fmt.Fprintf(e.stderr, "dataset version %d: %d standard addresses indexed in %v (%.1f MiB)\n",
		ix.Version(), s.Addresses, time.Since(start).Round(time.Millisecond), float64(s.Bytes)/(1<<20))

	var stats geocode.BatchStats
	el, err := codeFile(e, r, size, *out, "addresses", func(r io.Reader, w io.Writer, show func(int)) (err error) {
		stats, err = ix.Batch(ctx, f, r, w, func(b geocode.BatchStats) { show(b.Rows) })
		return err
	})
	if err != nil {
		return fmt.Errorf("geocode: %w", err)
	}
	fmt.Fprintf(e.stderr, "%d addresses (%d matched to a grid, %d invalid rows) in %v: %.0f addresses/s, dataset version %d\n",
		stats.Rows, stats.Matched, stats.Invalid, el.Round(time.Millisecond), float64(stats.Rows)/el.Seconds(), ix.Version())
	return nil
}
