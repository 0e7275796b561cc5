package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gridmap/feature"
	"gridmap/importer"
)

// cmdImport imports a GeoJSON FeatureCollection of areas and grids, all or
// nothing, and prints the per-feature report.
func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "records" {
		return cmdImportRecords(ctx, e, args[1:])
	}
	fs := newFlags(e, "import", "[--kind areas|grids] [--dry-run] [--repair] [--valid-from RFC3339] FILE|-")
	kind := fs.String("kind", "", "what the file holds: areas or grids (default: each feature by its code)")
	dryRun := fs.Bool("dry-run", false, "check everything, write nothing")
	repair := fs.Bool("repair", false, "make invalid polygons valid with ST_MakeValid (and report it) instead of rejecting them")
	validFrom := fs.String("valid-from", "", "start of the imported grid versions, RFC 3339 (default: now)")
	actor := fs.String("actor", "", "who imports, for the audit log (default cli:$USER)")
	maxProblems := fs.Int("max-problems", 1000, "problems to list (all are counted)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("import: give one FILE, or - for standard input")
	}
	if *kind != "" && *kind != "areas" && *kind != "grids" {
		return fmt.Errorf("import: --kind %q: want areas or grids", *kind)
	}
	opts := importer.Options{Kind: *kind, DryRun: *dryRun, Repair: *repair, Actor: cliActor(e, *actor), MaxProblems: *maxProblems,
		Progress: func(n int) { fmt.Fprintf(e.stderr, "read %d features\n", n) }}
	if *validFrom != "" {
		t, err := time.Parse(time.RFC3339, *validFrom)
		if err != nil {
			return fmt.Errorf("import: --valid-from %q: want RFC 3339 like 2026-01-01T00:00:00+08:00", *validFrom)
		}
		opts.ValidFrom = t
	}

	name := rest[0]
	if name == "-" {
		name = "standard input"
	}
	in, _, err := openInput(e, rest[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	rep, err := importer.Import(ctx, st, feature.NewReader(in, feature.ReaderOptions{}), opts)
	if err != nil && !errors.Is(err, importer.ErrRejected) {
		return err
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	} else {
		rep.WriteText(e.stdout, name, time.Since(start))
	}
	if err != nil {
		return fmt.Errorf("import of %s rejected: %d errors; nothing was written", name, rep.Errors)
	}
	return nil
}
