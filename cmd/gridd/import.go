package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gridmap/cli"
	"gridmap/feature"
	"gridmap/importer"
	"gridmap/live"
	"gridmap/progress"
	"gridmap/records"
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
	var validFrom cli.Time
	fs.Var(&validFrom, "valid-from", "start of the imported grid versions, RFC 3339 (default: now)")
	actor := fs.String("actor", "", "who imports, for the audit log (default cli:$USER)")
	maxProblems := fs.Int("max-problems", 1000, "problems to list (all are counted)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	rest, err := cli.ParseInterleaved(fs, args)
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
	opts := importer.Options{Kind: *kind, ValidFrom: validFrom.Time, DryRun: *dryRun, Repair: *repair, Actor: cliActor(e, *actor), MaxProblems: *maxProblems,
		Progress: func(n int) { fmt.Fprintf(e.stderr, "read %d features\n", n) }}

	name := rest[0]
	if name == "-" {
		name = "standard input"
	}
	in, _, err := cli.OpenInput(rest[0], e.stdin)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	st, err := e.store(ctx)
	if err != nil {
		return err
	}

	start := time.Now()
	rep, err := importer.Import(ctx, st, feature.NewReader(in, feature.ReaderOptions{}), opts)
	if err != nil && !errors.Is(err, importer.ErrRejected) {
		return err
	}
	if *asJSON {
		if err := cli.WriteJSON(e.stdout, rep); err != nil {
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

// cmdImportRecords imports a CSV or XLSX file of standard addresses,
// houses, residents or units, all or nothing unless --partial.
func cmdImportRecords(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import records", "--kind addresses|houses|residents|units [--partial] [--charset gbk] FILE|-")
	kind := fs.String("kind", "", "what the file holds: addresses, houses, residents or units")
	partial := fs.Bool("partial", false, "write the good rows and report the bad ones (default: any bad row, nothing written)")
	charset := fs.String("charset", "", "charset of a CSV file: utf-8 or gbk (default: detected)")
	actor := fs.String("actor", "", "who imports, for the audit log (default cli:$USER)")
	keyFile := dataKeyFlag(fs)
	rest, err := cli.ParseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("import records: give one FILE, or - for standard input")
	}
	k, err := records.ParseKind(*kind)
	if err != nil {
		return fmt.Errorf("import records: --kind: %w", err)
	}
	in, size, err := cli.OpenInput(rest[0], e.stdin)
	if err != nil {
		return fmt.Errorf("import records: %w", err)
	}
	defer in.Close()
	key, st, err := e.keyAndStore(ctx, *keyFile)
	if err != nil {
		return err
	}
	holder, err := live.New(ctx, st, e.log)
	if err != nil {
		return err
	}
	svc := records.NewService(st, key, holder.Index)
	cr := &progress.Reader{R: in}
	bar := progress.Bar{W: e.stderr, Size: size, Read: cr}
	start := time.Now()
	res, err := svc.Import(ctx, k, cr, records.ImportOptions{Caller: records.Caller{ID: cliActor(e, *actor), Role: "admin"},
		Partial: *partial, Charset: *charset, Progress: bar.Show})
	bar.Done()
	if err != nil {
		return fmt.Errorf("import records: %w", err)
	}
	res.WriteText(e.stdout, time.Since(start))
	if !res.Written {
		return fmt.Errorf("import records: %d of %d rows are bad; nothing was written (fix them, or give --partial)", res.Rejected, res.Rows)
	}
	return nil
}
