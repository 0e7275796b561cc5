package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gridmap/cli"
	"gridmap/feature"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/outfile"
	"gridmap/progress"
	"gridmap/records"
	"gridmap/tilearchive"
)

// cmdExport writes areas or grids as a GeoJSON FeatureCollection.
func cmdExport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "tiles" {
		return cmdExportTiles(ctx, e, args[1:])
	}
	if len(args) > 0 {
		if k, err := records.ParseKind(args[0]); err == nil {
			return cmdExportRecords(ctx, e, k, args[1:])
		}
	}
	fs := newFlags(e, "export", "areas|grids [--level L] [--within CODE] [--at RFC3339] [-o FILE]  |  tiles -o FILE.pmtiles [flags]  |  addresses|houses|units|residents -o FILE.csv")
	level := fs.String("level", "", "only this level: city, county, town, village (areas); grid, subgrid (grids)")
	within := fs.String("within", "", "only what lies in this area or grid (code, short forms allowed)")
	var at cli.Time
	fs.Var(&at, "at", "the grid or area versions valid at this time, RFC 3339 (default: current)")
	out := fs.String("o", "-", "output file (- for standard output)")
	rest, err := cli.ParseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "areas" && rest[0] != "grids") {
		fs.Usage()
		return errors.New("export: say what to export: areas or grids")
	}
	var filter features.ExportFilter
	if *level != "" {
		if filter.Level, err = geo.ParseLevel(*level); err != nil {
			return fmt.Errorf("export: --level: %w", err)
		}
	}
	if *within != "" {
		if filter.Within, err = geo.ParseCode(*within); err != nil {
			return fmt.Errorf("export: --within: %w", err)
		}
	}
	filter.At = at.Time
	st, err := e.store(ctx)
	if err != nil {
		return err
	}

	export := features.ExportAreas
	if rest[0] == "grids" {
		export = features.ExportGrids
	}
	var n int
	if err := outfile.Write(*out, e.stdout, 0o644, func(w io.Writer) error {
		fw := feature.NewWriter(w)
		if n, err = export(ctx, st, fw, filter); err != nil {
			return err
		}
		return fw.Close()
	}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(e.stderr, "exported %d %s\n", n, rest[0])
	return nil
}

// cmdExportTiles writes the tiles of one dataset version (the current one,
// or the state at --at) into a PMTiles v3 archive: the same tiles the
// server answers for that version, rendered by the same code.
func cmdExportTiles(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export tiles", "-o FILE.pmtiles [--minzoom N] [--maxzoom N] [--bbox W,S,E,N] [--at RFC3339]")
	out := fs.String("o", "", "the archive to write (.pmtiles)")
	minZ := fs.Int("minzoom", 0, "first zoom level")
	maxZ := fs.Int("maxzoom", 14, "last zoom level (the server renders deeper tiles on demand; an archive holds what it holds)")
	bbox := fs.String("bbox", "", "west,south,east,north in degrees (default: the dataset's bounds)")
	var at cli.Time
	fs.Var(&at, "at", "the state at this time, RFC 3339, as the server's ?at= tiles (default: the current version)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		return errors.New("export tiles: give the archive to write with -o FILE.pmtiles (it cannot go to standard output: its directory comes before its tiles)")
	}
	bar := progress.Bar{W: e.stderr, Unit: "tiles"}
	opts := tilearchive.ExportOptions{MinZoom: *minZ, MaxZoom: *maxZ,
		At: at.Time, Progress: func(done, total int) { bar.Size = int64(total); bar.Show(done) }}
	if *bbox != "" {
		b, err := geo.ParseBBox(*bbox)
		if err != nil {
			return fmt.Errorf("export tiles: --bbox: %w", err)
		}
		opts.Bounds = &b
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
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

// cmdExportRecords writes the live records of a kind as CSV (residents
// masked).
func cmdExportRecords(ctx context.Context, e *env, kind records.Kind, args []string) error {
	fs := newFlags(e, "export "+string(kind), "[-o FILE]")
	out := fs.String("o", "-", "output file (- for standard output)")
	keyFile := dataKeyFlag(fs)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	key, st, err := e.keyAndStore(ctx, *keyFile)
	if err != nil {
		return err
	}
	svc := records.NewService(st, key, func() *geo.Index { return nil })
	var n int
	if err := outfile.Write(*out, e.stdout, 0o600, func(w io.Writer) (err error) { // personal data, even masked
		n, err = svc.Export(ctx, kind, w)
		return err
	}); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	fmt.Fprintf(e.stderr, "exported %d %s\n", n, kind)
	return nil
}
