// Command gridd is gridmap's one binary: the HTTP service (gridd serve)
// and the admin commands around it — migrate, demo, check, import, export,
// token, lookup, geocode, bench, switch; commands() below is their table and
// `gridd help` lists them. It holds no logic of its own: it parses flags and
// environment, wires the packages together and runs them. One file per
// command; what commands share is package cli's. Two packages own their
// command's flags because the command is their whole subject: bench (its
// harnesses) and api (gridd token, the front of the token rules); gridd
// gives them the database and the streams.
//
// The database comes from DATABASE_URL. gridd serve reads its snapshots
// from DATABASE_READ_URL instead when it is set (a hot standby of
// DATABASE_URL; writes still go to DATABASE_URL).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"gridmap/api"
	"gridmap/cli"
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
	st   *store.Store // opened by store, closed by run
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
		"token": {"create, list or revoke API tokens", func(ctx context.Context, e *env, args []string) error {
			return api.TokenCommand{Out: e.stdout, Err: e.stderr, Store: e.store}.Run(ctx, args)
		}},
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
	defer func() {
		if e.st != nil {
			e.st.Close()
		}
	}()
	return c.run(ctx, e, args[1:])
}

func commandUsage(w io.Writer, cmds map[string]command) {
	cli.Usage(w, "usage: gridd COMMAND [flags]   (database: DATABASE_URL)", cmds, func(c command) string { return c.summary })
	fmt.Fprintln(w, "Run 'gridd COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set that prints to the command's stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	return cli.NewFlags(e.stderr, name, synopsis)
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

// databaseURL returns DATABASE_URL or an error saying how to get one.
func databaseURL(e *env) (string, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return "", errors.New("DATABASE_URL is not set: run './dev db' for a private PostGIS and export what it prints, or point it at your PostgreSQL+PostGIS")
	}
	return url, nil
}

// store opens (and migrates) the database named by DATABASE_URL, once:
// run closes it when the command ends.
func (e *env) store(ctx context.Context) (*store.Store, error) {
	if e.st != nil {
		return e.st, nil
	}
	url, err := databaseURL(e)
	if err != nil {
		return nil, err
	}
	e.st, err = store.Open(ctx, url, e.log)
	return e.st, err
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
