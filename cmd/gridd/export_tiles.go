package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gridmap/geo"
	"gridmap/progress"
	"gridmap/tilearchive"
)

// cmdExportTiles writes the tiles of one dataset version (the current one,
// or the state at --at) into a PMTiles v3 archive: the same tiles the
// server answers for that version, rendered by the same code.
func cmdExportTiles(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export tiles", "-o FILE.pmtiles [--minzoom N] [--maxzoom N] [--bbox W,S,E,N] [--at RFC3339]")
	out := fs.String("o", "", "the archive to write (.pmtiles)")
	minZ := fs.Int("minzoom", 0, "first zoom level")
	maxZ := fs.Int("maxzoom", 14, "last zoom level (the server renders deeper tiles on demand; an archive holds what it holds)")
	bbox := fs.String("bbox", "", "west,south,east,north in degrees (default: the dataset's bounds)")
	at := fs.String("at", "", "the state at this time, RFC 3339, as the server's ?at= tiles (default: the current version)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		return errors.New("export tiles: give the archive to write with -o FILE.pmtiles (it cannot go to standard output: its directory comes before its tiles)")
	}
	bar := progress.Bar{W: e.stderr, Unit: "tiles"}
	opts := tilearchive.ExportOptions{MinZoom: *minZ, MaxZoom: *maxZ,
		Progress: func(done, total int) { bar.Size = int64(total); bar.Show(done) }}
	if *at != "" {
		var err error
		if opts.At, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("export tiles: --at %q: want RFC 3339 like 2026-01-01T00:00:00+08:00", *at)
		}
	}
	if *bbox != "" {
		b, err := geo.ParseBBox(*bbox)
		if err != nil {
			return fmt.Errorf("export tiles: --bbox: %w", err)
		}
		opts.Bounds = &b
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	x, err := tilearchive.Export(ctx, st, e.log, *out, opts)
	bar.Done()
	if err != nil {
		return fmt.Errorf("export tiles: %w", err)
	}
	fmt.Fprintf(e.stderr, "exported %d tiles (%d distinct, %d empty left out) of %s, z%d-%d, to %s: %.1f MiB in %s\n",
		x.Tiles, x.Contents, x.Empty, x.What, x.MinZoom, x.MaxZoom, *out, float64(x.Bytes)/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}
