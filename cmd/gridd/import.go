package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gridmap/feature"
	"gridmap/importer"
)

// cmdImport imports a GeoJSON FeatureCollection of areas and grids, all or
// nothing, and prints the per-feature report.
func cmdImport(ctx context.Context, e *env, args []string) error {
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
	opts := importer.Options{Kind: *kind, DryRun: *dryRun, Repair: *repair, Actor: *actor, MaxProblems: *maxProblems,
		Progress: func(n int) { fmt.Fprintf(e.stderr, "read %d features\n", n) }}
	if opts.Actor == "" {
		opts.Actor = "cli"
		if u := e.getenv("USER"); u != "" {
			opts.Actor = "cli:" + u
		}
	}
	if *validFrom != "" {
		t, err := time.Parse(time.RFC3339, *validFrom)
		if err != nil {
			return fmt.Errorf("import: --valid-from %q: want RFC 3339 like 2026-01-01T00:00:00+08:00", *validFrom)
		}
		opts.ValidFrom = t
	}

	var in io.Reader = e.stdin
	name := "standard input"
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in, name = f, rest[0]
	}
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
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	} else {
		printImportReport(e.stdout, name, rep, time.Since(start))
	}
	if err != nil {
		return fmt.Errorf("import of %s rejected: %d errors; nothing was written", name, rep.Errors)
	}
	return nil
}

func printImportReport(w io.Writer, name string, rep *importer.Report, took time.Duration) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, p)
	}
	if rep.Omitted > 0 {
		fmt.Fprintf(w, "... and %d more problems (raise --max-problems to list them)\n", rep.Omitted)
	}
	if len(rep.Checks) > 0 {
		fmt.Fprint(w, "problems by check:")
		for _, c := range sortedKeys(rep.Checks) {
			fmt.Fprintf(w, " %s=%d", c, rep.Checks[c])
		}
		fmt.Fprintln(w)
	}
	verdict := "rejected, nothing written"
	switch {
	case rep.Accepted && rep.DryRun:
		verdict = "would be accepted (dry run, nothing written)"
	case rep.Accepted:
		verdict = fmt.Sprintf("accepted, dataset version %d", rep.Version)
	}
	fmt.Fprintf(w, "%s: %d features (%d areas, %d grids), %d errors, %d warnings, %d repaired in %s: %s\n",
		name, rep.Features, rep.Areas, rep.Grids, rep.Errors, rep.Warnings, rep.Repaired, took.Round(time.Millisecond), verdict)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
