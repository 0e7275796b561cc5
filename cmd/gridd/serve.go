package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gridmap/adjust"
	"gridmap/api"
	"gridmap/geocode"
	"gridmap/live"
	"gridmap/lookup"
	"gridmap/store"
	"gridmap/tiles"
	"gridmap/web"
)

// cmdServe serves the HTTP API until ctx is cancelled (SIGINT, SIGTERM),
// then stops accepting connections and lets requests in flight finish.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--addr HOST:PORT] [--shutdown-timeout D]")
	defAddr := e.getenv("GRIDD_ADDR")
	if defAddr == "" {
		defAddr = ":8080"
	}
	addr := fs.String("addr", defAddr, "listen address (env GRIDD_ADDR)")
	grace := fs.Duration("shutdown-timeout", 15*time.Second, "how long requests in flight may take to finish at shutdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if *grace <= 0 {
		return fmt.Errorf("--shutdown-timeout %s: give a positive duration such as 15s", *grace)
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()

	handler, err := newHandler(ctx, e, st)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set --addr or GRIDD_ADDR to a free address)", *addr, err)
	}
	return api.Serve(ctx, ln, handler, e.log, *grace)
}

// newHandler wires the whole service over a store: the live state (loaded
// now, then following new dataset versions in the background until ctx
// ends), lookups, tiles, the API and the map page.
func newHandler(ctx context.Context, e *env, st *store.Store) (http.Handler, error) {
	holder, err := live.New(ctx, st, e.log)
	if err != nil {
		return nil, err
	}
	go holder.Run(ctx)
	addresses, err := geocode.NewHolder(ctx, st, holder, "", e.log)
	if err != nil {
		return nil, err
	}
	go addresses.Run(ctx)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	look := lookup.Handler(holder, lookup.NewPostGIS(st), e.log)
	ts := tiles.NewService(holder, tiles.NewPostGIS(st), e.log, tiles.Options{})
	if err := ts.Cache().Register(reg); err != nil {
		return nil, err
	}
	return web.WithPage(api.NewServer(api.Deps{Store: st, Log: e.log, Registry: reg,
		Lookup: look, Tiles: ts.Handler(), TileJSON: ts.TileJSON(),
		Geocode: (&geocode.Service{Index: addresses, Live: holder, Store: st, Log: e.log}).Handler(),
		Adjust:  adjust.New(st, adjust.Options{})})), nil
}
