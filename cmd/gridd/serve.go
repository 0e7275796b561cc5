package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/api"
	"gridmap/eventhex"
	"gridmap/events"
	"gridmap/eventstats"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/geocode"
	"gridmap/live"
	"gridmap/lookup"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
	"gridmap/suggest"
	"gridmap/tiles"
	"gridmap/web"
	"gridmap/workers"
)

// cmdServe serves the HTTP API until ctx is cancelled (SIGINT, SIGTERM),
// then stops accepting connections and lets requests in flight finish.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--addr HOST:PORT] [--shutdown-timeout D] [--cors-origins LIST] [--cors-token-origins LIST] [--data-key-file PATH]")
	defAddr := e.getenv("GRIDD_ADDR")
	if defAddr == "" {
		defAddr = ":8080"
	}
	addr := fs.String("addr", defAddr, "listen address (env GRIDD_ADDR)")
	keyFile := dataKeyFlag(fs)
	grace := fs.Duration("shutdown-timeout", 15*time.Second, "how long requests in flight may take to finish at shutdown")
	publicOrigins := fs.String("cors-origins", e.getenv("GRIDD_CORS_ORIGINS"),
		"web origins (https://host[:port], comma-separated) that may read public map data: tiles, TileJSON, lookups, OGC, areas, grids; empty or * for any, none for none (env GRIDD_CORS_ORIGINS)")
	tokenOrigins := fs.String("cors-token-origins", e.getenv("GRIDD_CORS_TOKEN_ORIGINS"),
		"web origins that may also call the routes that take a token; none by default, never * (env GRIDD_CORS_TOKEN_ORIGINS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if e.cors.PublicOrigins, err = api.ParseOrigins(*publicOrigins); err != nil {
		return fmt.Errorf("--cors-origins: %w", err)
	}
	if e.cors.TokenOrigins, err = api.ParseTokenOrigins(*tokenOrigins); err != nil {
		return fmt.Errorf("--cors-token-origins: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if *grace <= 0 {
		return fmt.Errorf("--shutdown-timeout %s: give a positive duration such as 15s", *grace)
	}
	key, st, err := e.keyAndStore(ctx, *keyFile)
	if err != nil {
		return err
	}

	handler, err := newHandler(ctx, e, st, key)
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
// ends), lookups, tiles, the API, the records (personal data sealed with
// key) and the map page. With DATABASE_READ_URL
// (a hot standby of st), snapshots, as-of lookups and historical tiles
// read from the standby (closed when ctx ends); writes and the read API
// stay on st, so a client reads its own writes back at once.
func newHandler(ctx context.Context, e *env, st *store.Store, key *pii.Key) (http.Handler, error) {
	read, err := openReadStore(ctx, e, st)
	if err != nil {
		return nil, err
	}
	holder, err := live.NewReplica(ctx, st, read, e.log)
	if err != nil {
		return nil, err
	}
	go holder.Run(ctx)
	// The address index and the events' table load side by side.
	var addresses *geocode.Holder
	var evs *eventstats.Holder
	var g errgroup.Group
	g.Go(func() (err error) { addresses, err = geocode.NewHolder(ctx, st, holder, "", e.log); return err })
	g.Go(func() (err error) { evs, err = eventstats.New(ctx, st, e.log); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	go addresses.Run(ctx)
	go evs.Run(ctx)
	hex := eventhex.NewService(evs.Current, eventhex.Options{})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	look := lookup.Handler(holder, lookup.NewPostGIS(read), e.log)
	ts := tiles.NewService(holder, tiles.NewPostGIS(read), e.log, tiles.Options{})
	if err := ts.Cache().Register(reg); err != nil {
		return nil, err
	}
	eng := adjust.New(st, ops.Options{})
	return web.WithPage(api.NewServer(api.Deps{Store: st, ReadStore: read, Log: e.log, Registry: reg,
		Features: features.New(st, holder, e.log),
		Lookup:   look, Tiles: ts.Handler(), TileJSON: ts.TileJSON(),
		Geocode: (&geocode.Service{Index: addresses, Live: holder, Store: st, Log: e.log}).Handler(),
		Adjust:  eng, Suggest: suggest.New(st, eng), CORS: e.cors,
		Workers: workers.New(st, key, holder, e.log, workers.Options{ComplaintChannel: e.getenv("GRIDD_COMPLAINT_CHANNEL")}),
		Events:  events.New(st, holder, e.log, events.Options{Key: key}),
		EventStats: eventstats.Handler(evs.Current, func(c geo.Code) bool {
			snap := holder.Snapshot()
			return snap.Area(c) != nil || snap.Grid(c) != nil
		}, nil),
		EventTiles: hex.Handler(), EventTileJSON: hex.TileJSON(),
		Records: records.NewService(st, key, holder.Index)})), nil
}

// openReadStore opens the hot standby named by DATABASE_READ_URL, closed
// when ctx ends, or returns st when it is not set.
func openReadStore(ctx context.Context, e *env, st *store.Store) (*store.Store, error) {
	url := e.getenv("DATABASE_READ_URL")
	if url == "" {
		return st, nil
	}
	read, err := store.OpenReadOnly(ctx, url, e.log)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_READ_URL: %w", err)
	}
	context.AfterFunc(ctx, read.Close)
	e.log.Info("reading snapshots from the standby at DATABASE_READ_URL")
	return read, nil
}
