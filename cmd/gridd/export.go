package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gridmap/feature"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/outfile"
	"gridmap/records"
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
	at := fs.String("at", "", "the grid or area versions valid at this time, RFC 3339 (default: current)")
	out := fs.String("o", "-", "output file (- for standard output)")
	rest, err := parseInterleaved(fs, args)
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
	if *at != "" {
		if filter.At, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("export: --at %q: want RFC 3339 like 2026-01-01T00:00:00+08:00", *at)
		}
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()

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

// parseInterleaved parses flags that may come before or after the
// positional arguments ("gridd import FILE --dry-run").
func parseInterleaved(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
