package bench

import (
	"context"
	"log/slog"
	"net/http"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/api"
	"gridmap/live"
	"gridmap/lookup"
	"gridmap/store"
	"gridmap/tiles"
	"gridmap/web"
)

// service starts the whole service over st as gridd serve wires it
// (newHandler in cmd/gridd): the live state, lookups, tiles, the API and
// the map page, with its logs discarded.
func service(st *store.Store) Service {
	return func(ctx context.Context) (http.Handler, error) {
		log := slog.New(slog.DiscardHandler)
		holder, err := live.New(ctx, st, log)
		if err != nil {
			return nil, err
		}
		go holder.Run(ctx)
		ts := tiles.NewService(holder, tiles.NewPostGIS(st), log, tiles.Options{})
		return web.WithPage(api.NewServer(api.Deps{Store: st, Log: log,
			Lookup: lookup.Handler(holder, lookup.NewPostGIS(st), log), Tiles: ts.Handler(), TileJSON: ts.TileJSON(),
			Adjust: adjust.New(st, ops.Options{})})), nil
	}
}
