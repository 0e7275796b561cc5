package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"gridmap/store"
)

// Command is one `gridd bench` subcommand: the flags of its harness's
// options, with the defaults a run on this machine needs, and the run. The
// harness owns them because only it knows what its options mean; gridd
// gives it the database and the service (Env), so the harnesses still
// never read the environment.
type Command struct {
	Summary string // one line for gridd bench's usage
	Usage   string // the flags' synopsis
	// Bind registers the flags on fs and returns the run, which reads them
	// once fs is parsed.
	Bind func(fs *flag.FlagSet) func(ctx context.Context, env Env) error
}

// Env is what gridd gives a bench run.
type Env struct {
	Out io.Writer // the report
	Err io.Writer // progress and notes
	// Open opens the database at url, or the one being measured
	// (DATABASE_URL) when url is empty, with at least conns connections
	// (0: the default pool).
	Open func(ctx context.Context, url string, conns int) (*store.Store, error)
	// HasDatabase tells whether there is a database to Open.
	HasDatabase bool
	// Service makes the whole gridd service over st, logging warnings only
	// (a request log line would be most of a cached answer's cost).
	Service func(st *store.Store) Service
}

// Commands is the table of gridd bench subcommands.
func Commands() map[string]Command {
	return map[string]Command{
		"lookup":  {"the lookup index against per-point and batch PostGIS queries", "[--points N] [--pg-points N] [--join-points N] [--runs N]", bindLookup},
		"tiles":   {"the tile service against a pg_tileserv/Martin-style ST_AsMVT server", "[--tiles N] [--seed S] [--concurrency C] [--warm D] [--runs R] [--cpuprofile FILE]", bindTiles},
		"http":    {"GET and POST /lookup through a loopback load generator", "[--url http://127.0.0.1:PORT] [--points N] [--clients K] [--duration D] [--max-requests M] [--runs R] [--cpuprofile FILE]", bindHTTP},
		"scale":   {"how the in-memory costs grow with the city's size", "[--sizes 1,4,12] [--lookup D] [--tiles N] [--scratch-db URL]", bindScale},
		"events":  {"GET /stats/events from memory against PostgreSQL's GROUP BY", "[--runs N]", bindEvents},
		"suggest": {"suggested divisions of the urban villages against k-means/Voronoi in PostGIS", "[--target N] [--tolerance T] [--villages N] [--concurrency C] [--mode auto|rebalance|fresh]", bindSuggest},
		"geocode": {"POST /geocode against pg_trgm on a noisy address set", "[--per-kind N] [--batch N] [--pg-queries N] [--seed S] [--runs R] [--fresh N]", bindGeocode},
	}
}

// withStore opens the database, runs f and closes it.
func withStore(ctx context.Context, env Env, conns int, f func(st *store.Store) error) error {
	st, err := env.Open(ctx, "", conns)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

func bindLookup(fs *flag.FlagSet) func(context.Context, Env) error {
	var o LookupOptions
	fs.IntVar(&o.Points, "points", 2_000_000, "points through the in-memory index")
	fs.IntVar(&o.PGPoints, "pg-points", 3000, "points through per-point PostGIS queries")
	fs.IntVar(&o.JoinPoints, "join-points", 100_000, "points through one PostGIS batch join")
	fs.IntVar(&o.Runs, "runs", 3, "runs of each method; the best is reported (the machine is shared)")
	return func(ctx context.Context, env Env) error {
		return withStore(ctx, env, 0, func(st *store.Store) error { return Lookup(ctx, env.Out, st, o) })
	}
}

func bindTiles(fs *flag.FlagSet) func(context.Context, Env) error {
	var o TilesOptions
	fs.IntVar(&o.Tiles, "tiles", 1000, "tiles drawn from the weighted traffic list; each distinct tile is requested once per cold and PostGIS pass")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the tile list")
	fs.IntVar(&o.Concurrency, "concurrency", 4, "connections (requests in flight) of every pass, ours and PostGIS's alike")
	fs.DurationVar(&o.Warm, "warm", 2*time.Second, "how long the warm passes go round the list (at least once)")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the warm and the PostGIS passes, alternating; the fastest of each counts")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the whole run (servers included) to this file")
	return func(ctx context.Context, env Env) error {
		if err := o.Check(); err != nil {
			return err
		}
		// A connection for every PostGIS client, and two more for the
		// live state (LISTEN, snapshot loads).
		return profiled(*prof, func() error {
			return withStore(ctx, env, o.Concurrency+2, func(st *store.Store) error {
				return Tiles(ctx, env.Out, st, env.Service(st), o)
			})
		})
	}
}

func bindHTTP(fs *flag.FlagSet) func(context.Context, Env) error {
	var o HTTPOptions
	fs.StringVar(&o.URL, "url", "", "base URL of a running gridd on this machine (loopback only); empty: start the real handler in-process")
	fs.IntVar(&o.Points, "points", 2_000_000, "points in the CSV batch (generated on the fly)")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent keep-alive clients for GET /lookup")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "how long the GET clients run at most")
	fs.IntVar(&o.MaxRequests, "max-requests", 2_000_000, "how many GET requests are sent at most (per run)")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the GET clients; the fastest is reported, with the rate of every run")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the run (in-process server included) to this file")
	return func(ctx context.Context, env Env) error {
		return profiled(*prof, func() error {
			return withStore(ctx, env, 0, func(st *store.Store) error { return HTTP(ctx, env.Out, st, env.Service(st), o) })
		})
	}
}

func bindScale(fs *flag.FlagSet) func(context.Context, Env) error {
	var o ScaleOptions
	sizes := fs.String("sizes", "1,4,12", "multiples of the city's 21,000 grids")
	fs.DurationVar(&o.Lookup, "lookup", time.Second, "how long lookups run at each size")
	fs.IntVar(&o.Tiles, "tiles", 2000, "distinct tiles z10-14 rendered cold at each size")
	scratch := fs.String("scratch-db", "", "an empty database to write each size's synthetic city to, for the snapshot load and commit-to-served (emptied after each size)")
	return func(ctx context.Context, env Env) error {
		var err error
		if o.Sizes, err = ParseSizes(*sizes); err != nil {
			return fmt.Errorf("bench scale: --%w", err)
		}
		if *scratch != "" {
			if o.Scratch, err = env.Open(ctx, *scratch, 0); err != nil {
				return fmt.Errorf("bench scale: --scratch-db: %w", err)
			}
			defer o.Scratch.Close()
		}
		if !env.HasDatabase { // the in-memory figures only
			return Scale(ctx, env.Out, nil, o)
		}
		return withStore(ctx, env, 0, func(st *store.Store) error { return Scale(ctx, env.Out, st, o) })
	}
}

func bindGeocode(fs *flag.FlagSet) func(context.Context, Env) error {
	var o GeocodeOptions
	fs.IntVar(&o.PerKind, "per-kind", 1000, "noisy (and made-up) cases per kind of noise")
	fs.IntVar(&o.Batch, "batch", 200_000, "addresses in the POST /geocode batch (the cases repeated)")
	fs.IntVar(&o.PGQueries, "pg-queries", 1000, "addresses through pg_trgm (a sample of every kind)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the noisy set")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the batch; the fastest is reported")
	fs.IntVar(&o.Fresh, "fresh", 0, "then import this many new addresses one by one through POST /records/import and time until GET /geocode answers each (writes them)")
	return func(ctx context.Context, env Env) error {
		return withStore(ctx, env, 0, func(st *store.Store) error {
			// Tokens for the run, revoked at its end: a viewer's for POST
			// /geocode, an admin's for --fresh's imports.
			var revoke func()
			var err error
			if o.Token, revoke, err = runToken(ctx, st, "viewer"); err != nil {
				return err
			}
			defer revoke()
			if o.Fresh > 0 {
				if o.AdminToken, revoke, err = runToken(ctx, st, "admin"); err != nil {
					return err
				}
				defer revoke()
			}
			return Geocode(ctx, env.Out, st, env.Service(st), o)
		})
	}
}

// runToken creates a token of role for a bench run and the revoke to call
// when the run ends.
func runToken(ctx context.Context, st *store.Store, role string) (secret string, revoke func(), _ error) {
	tok, secret, err := st.CreateToken(ctx, store.NewToken{Name: "gridd bench (" + role + ")", Role: role}, nil)
	if err != nil {
		return "", nil, err
	}
	return secret, func() { st.RevokeToken(context.WithoutCancel(ctx), tok.ID, nil) }, nil
}

func bindEvents(fs *flag.FlagSet) func(context.Context, Env) error {
	var o EventsOptions
	fs.IntVar(&o.Runs, "runs", 5, "runs of each side per area; the fastest counts (the machine is shared)")
	return func(ctx context.Context, env Env) error {
		return withStore(ctx, env, 0, func(st *store.Store) error { return Events(ctx, env.Out, st, o) })
	}
}

func bindSuggest(fs *flag.FlagSet) func(context.Context, Env) error {
	var o SuggestOptions
	fs.IntVar(&o.Target, "target", 300, "households per grid")
	fs.Float64Var(&o.Tolerance, "tolerance", 0.15, "share of the target a grid may deviate")
	fs.IntVar(&o.Villages, "villages", 0, "the first N urban villages by code (0: every one)")
	fs.IntVar(&o.Concurrency, "concurrency", 2, "villages divided at once, by each method in turn")
	fs.StringVar(&o.Mode, "mode", "", "gridmap's mode: auto (empty), rebalance (from the current grids) or fresh (from compact clusters)")
	return func(ctx context.Context, env Env) error {
		if err := o.Check(); err != nil {
			return err
		}
		return withStore(ctx, env, 0, func(st *store.Store) error { return Suggest(ctx, env.Out, st, o) })
	}
}
