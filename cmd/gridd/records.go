package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/outfile"
	"gridmap/pii"
	"gridmap/progress"
	"gridmap/records"
)

// dataKeyFlag adds --data-key-file: where the data key file is (made
// once, mode 0600, when missing); GRIDMAP_DATA_KEY, when set, wins.
func dataKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("data-key-file", "", "the data key file sealing personal data, created once with mode 0600 (env GRIDMAP_DATA_KEY_FILE; default: "+
		"/var/lib/gridmap/data.key for root, else $XDG_STATE_HOME/gridmap/data.key); env "+pii.KeyEnv+" wins")
}

// loadDataKey loads the data key from the environment or the key file.
func loadDataKey(e *env, path string) (*pii.Key, error) {
	path, err := pii.KeyPath(e.getenv, path, os.Getuid())
	if err != nil {
		return nil, err
	}
	k, src, err := pii.LoadKey(e.getenv, path)
	if err != nil {
		return nil, err
	}
	e.log.Info("data key", "key", k, "from", src.String())
	return k, nil
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
	rest, err := parseInterleaved(fs, args)
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
	key, err := loadDataKey(e, *keyFile)
	if err != nil {
		return err
	}
	in, size, err := openInput(e, rest[0])
	if err != nil {
		return fmt.Errorf("import records: %w", err)
	}
	defer in.Close()
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
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

// cmdExportRecords writes the live records of a kind as CSV (residents
// masked).
func cmdExportRecords(ctx context.Context, e *env, kind records.Kind, args []string) error {
	fs := newFlags(e, "export "+string(kind), "[-o FILE]")
	out := fs.String("o", "-", "output file (- for standard output)")
	keyFile := dataKeyFlag(fs)
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("export %s: unexpected arguments %q", kind, rest)
	}
	key, err := loadDataKey(e, *keyFile)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
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
