package main

import (
	"context"
	"log/slog"
	"net/http"

	"gridmap/bench"
	"gridmap/cli"
	"gridmap/pii"
	"gridmap/store"
)

// cmdBench runs one of the harnesses of package bench, which compare
// gridmap with PostGIS (or another real peer) doing the same work in the
// same run: gridd bench lookup|tiles|http|scale|geocode [flags].
func cmdBench(ctx context.Context, e *env, args []string) error {
	c, rest, ok, err := cli.Pick(e.stderr, "bench", bench.Commands(),
		func(c bench.Command) string { return c.Summary }, args)
	if !ok {
		return err
	}
	fs := newFlags(e, "bench "+args[0], c.Usage)
	run := c.Bind(fs)
	if err := cli.Parse(fs, rest); err != nil {
		return err
	}
	return run(ctx, bench.Env{Out: e.stdout, Err: e.stderr, HasDatabase: e.getenv("DATABASE_URL") != "",
		Open: func(ctx context.Context, url string, conns int) (*store.Store, error) {
			var err error
			if url == "" {
				url, err = databaseURL(e)
			}
			if err == nil && conns > 0 {
				url, err = store.WithPoolSize(url, conns)
			}
			if err != nil {
				return nil, err
			}
			return store.Open(ctx, url, e.log)
		},
		Service: func(st *store.Store) bench.Service { return quietHandler(e, st) }})
}

// quietHandler makes the whole service over st for an in-process
// benchmark, logging warnings and errors only, with a throwaway data key
// (no sealed value is opened).
func quietHandler(e *env, st *store.Store) bench.Service {
	quiet := *e
	quiet.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return func(ctx context.Context) (http.Handler, error) { return newHandler(ctx, &quiet, st, pii.RandomKey()) }
}
