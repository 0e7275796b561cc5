package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"gridmap/api"
	"gridmap/store"
)

// ExampleNewServer wires the service: the read API from the store, a
// tiles handler mounted under /tiles, a public single route, and a write
// route that needs a planner whose area scope covers {code}.
func ExampleNewServer() {
	var st *store.Store // from store.Open
	var tiles http.Handler = http.NotFoundHandler()
	split := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := api.PrincipalFrom(r.Context()) // who, for the audit log: p.Actor()
		io.WriteString(w, "split by "+p.Actor())
	})
	h := api.NewServer(api.Deps{
		Store:    st,
		Log:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Registry: prometheus.NewRegistry(),
		Mounts: map[string]http.Handler{
			"/tiles":               tiles,
			"GET /lookup":          http.NotFoundHandler(),
			"POST /grids/{code}/x": api.RequireRole(api.RolePlanner, api.ScopeFromURLParam("code"))(api.LimitBody(1 << 20)(split)),
		},
	})
	_ = &http.Server{Addr: ":8080", Handler: h}
}
