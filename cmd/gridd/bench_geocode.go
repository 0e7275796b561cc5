package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"gridmap/bench"
	"gridmap/geo"
	"gridmap/geocode/geocodetest"
	"gridmap/store"
)

// benchGeocode: gridd bench geocode — the noisy set through POST /geocode
// and through pg_trgm, side by side. It holds a viewer token for the run
// (revoked at the end).
func benchGeocode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench geocode", "[--per-kind N] [--batch N] [--pg-queries N] [--seed S] [--runs R] [--fresh N] [--seed-addresses N]")
	var o bench.GeocodeOptions
	fs.IntVar(&o.PerKind, "per-kind", 1000, "noisy (and made-up) cases per kind of noise")
	fs.IntVar(&o.Batch, "batch", 200_000, "addresses in the POST /geocode batch (the cases repeated)")
	fs.IntVar(&o.PGQueries, "pg-queries", 1000, "addresses through pg_trgm (a sample of every kind)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the noisy set")
	fs.IntVar(&o.Runs, "runs", 3, "runs of the batch; the fastest is reported")
	fs.IntVar(&o.Fresh, "fresh", 0, "then import this many new addresses one by one through POST /records/import and time until GET /geocode answers each (writes them)")
	seedAddrs := fs.Int("seed-addresses", 0, "when the database has no standard addresses, first generate about this many doors per grid (writes them; for a demo without records)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if *seedAddrs > 0 {
		if err := seedAddresses(ctx, e, st, *seedAddrs); err != nil {
			return err
		}
	}
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

// seedAddresses generates standard addresses for every grid when there
// are none.
func seedAddresses(ctx context.Context, e *env, st *store.Store, perGrid int) error {
	var n int64
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM standard_address`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(e.stderr, "%d standard addresses already: none generated\n", n)
		return nil
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	as := geocodetest.Generate(snap, geo.NewIndex(snap, geo.IndexOptions{}), geocodetest.Options{Seed: 1, PerGrid: perGrid})
	if _, err := geocodetest.Insert(ctx, st, as); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "generated %d standard addresses\n", len(as))
	return nil
}
