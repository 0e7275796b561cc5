// Command gridd is gridmap's one binary: the HTTP service (gridd serve)
// and the admin commands around it — migrate, demo, check, import, export,
// token, lookup, geocode, bench, switch; commands() below is their table and
// `gridd help` lists them. It holds no logic of its own: it parses flags and
// environment, wires the packages together and runs them.
//
// The database comes from DATABASE_URL. gridd serve reads its snapshots
// from DATABASE_READ_URL instead when it is set (a hot standby of
// DATABASE_URL; writes still go to DATABASE_URL).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"gridmap/api"
	"gridmap/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gridd:", err)
		os.Exit(1)
	}
}

// env is what every command gets from the process: no command reads
// os.Args, os.Getenv or the standard streams itself, so all are testable.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// cors is what serve's --cors-origins and --cors-token-origins say
	// (zero: public map data to any origin, the rest to none).
	cors api.CORS
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"serve the HTTP API, lookups and tiles", cmdServe},
		"migrate": {"apply the database migrations", cmdMigrate},
		"demo":    {"generate the Yancheng demo city", cmdDemo},
		"check":   {"validate the stored current state", cmdCheck},
		"import":  {"import areas and grids from a GeoJSON FeatureCollection", cmdImport},
		"export":  {"export areas or grids as GeoJSON, or tiles as a PMTiles archive", cmdExport},
		"token":   {"create, list or revoke API tokens", cmdToken},
		"lookup":  {"code a file of points with their grids (CSV, JSON, GeoJSON)", cmdLookup},
		"geocode": {"code a file of addresses with their standard addresses and grids (CSV, JSON)", cmdGeocode},
		"bench":   {"measure lookups or tiles against PostGIS in the same run", cmdBench},
		"switch":  {"carry out adjustments whose effective time has come", cmdSwitch},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		commandUsage(stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		commandUsage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

// usage lists commands (name: summary) in order of name under a header.
func usage[C any](w io.Writer, header string, cmds map[string]C, summary func(C) string) {
	fmt.Fprintln(w, header)
	for _, n := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  %-8s %s\n", n, summary(cmds[n]))
	}
}

func commandUsage(w io.Writer, cmds map[string]command) {
	usage(w, "usage: gridd COMMAND [flags]   (database: DATABASE_URL)", cmds, func(c command) string { return c.summary })
	fmt.Fprintln(w, "Run 'gridd COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set that prints to the command's stderr.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: gridd %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command's flags and refuses positional arguments
// (a command that takes none has them by mistake: a flag's value split off,
// or flags after a word).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (see gridd %[1]s -h)", fs.Name(), fs.Args())
	}
	return nil
}

// writeJSON writes a command's report as indented JSON (its --json).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cliActor names who runs a command in the audit log: the --actor flag's
// value, else cli:$USER, else cli.
func cliActor(e *env, flag string) string {
	switch {
	case flag != "":
		return flag
	case e.getenv("USER") != "":
		return "cli:" + e.getenv("USER")
	}
	return "cli"
}

// openInput opens a command's input file, or standard input for "-", and
// tells its size when known (else 0).
func openInput(e *env, name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	return f, size, nil
}

// databaseURL returns DATABASE_URL or an error saying how to get one.
func databaseURL(e *env) (string, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return "", errors.New("DATABASE_URL is not set: run './dev db' for a private PostGIS and export what it prints, or point it at your PostgreSQL+PostGIS")
	}
	return url, nil
}

// openStore opens (and migrates) the database named by DATABASE_URL.
func openStore(ctx context.Context, e *env) (*store.Store, error) {
	url, err := databaseURL(e)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, url, e.log)
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url, err := databaseURL(e)
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx, url, e.log); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "database is up to date")
	return nil
}
