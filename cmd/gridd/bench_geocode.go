package main

import (
	"context"
	"log/slog"
	"net/http"

	"gridmap/bench"
	"gridmap/store"
)

// benchGeocode: gridd bench geocode — the noisy set through POST /geocode
// and through pg_trgm, side by side. It holds a viewer token for the run
// (revoked at the end).
func benchGeocode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench geocode", "[--per-kind N] [--batch N] [--pg-queries N] [--seed S] [--runs R] [--fresh N]")
	var o bench.GeocodeOptions
	fs.IntVar(&o.PerKind, "per-kind", 1000, "noisy (and made-up) cases per kind of noise")
	fs.IntVar(&o.Batch, "batch", 200_000, "addresses in the POST /geocode batch (the cases repeated)")
	fs.IntVar(&o.PGQueries, "pg-queries", 1000, "addresses through pg_trgm (a sample of every kind)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the noisy set")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the batch; the fastest is reported")
	fs.IntVar(&o.Fresh, "fresh", 0, "then import this many new addresses one by one through POST /records/import and time until GET /geocode answers each (writes them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, secret, err := st.CreateToken(ctx, store.NewToken{Name: "gridd bench geocode", Role: "viewer"}, nil)
	if err != nil {
		return err
	}
	defer st.RevokeToken(context.WithoutCancel(ctx), tok.ID, nil)
	o.Token = secret
	if o.Fresh > 0 {
		adm, secret, err := st.CreateToken(ctx, store.NewToken{Name: "gridd bench geocode --fresh", Role: "admin"}, nil)
		if err != nil {
			return err
		}
		defer st.RevokeToken(context.WithoutCancel(ctx), adm.ID, nil)
		o.AdminToken = secret
	}
	quiet := *e
	quiet.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return bench.Geocode(ctx, e.stdout, st, func(ctx context.Context) (http.Handler, error) { return newHandler(ctx, &quiet, st, ephemeralKey()) }, o)
}
