// Package api is gridmap's HTTP face: the chi router (every route in one
// table), health, metrics and the OpenAPI document, bearer-token
// authentication with area-scoped roles, and the admin routes; the
// capabilities' handlers (features, lookup, tiles, adjust) are wired in.
//
// Handlers never speak SQL (that is the capabilities' and store's job)
// and never leak internal errors: clients get RFC 9457 problems that say
// what to fix, or "internal error (request id X)" while the details go to
// the log.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"gridmap/adjust"
	"gridmap/events"
	"gridmap/features"
	prob "gridmap/problem"
	"gridmap/records"
	"gridmap/store"
	"gridmap/suggest"
	"gridmap/workers"
)

// Deps is what the server needs. Store is required; the rest may be zero.
type Deps struct {
	Store *store.Store
	// ReadStore is the hot standby the service loads its snapshots from
	// (DATABASE_READ_URL), if any: /readyz checks it too, since the
	// service cannot follow new versions without it.
	ReadStore *store.Store
	// Log receives the access log and internal errors; nil discards them.
	Log *slog.Logger
	// Registry is where the HTTP metrics are registered and what /metrics
	// serves; nil means a fresh registry of the server's own.
	Registry *prometheus.Registry
	// Lookup serves GET, HEAD and POST /lookup (package lookup); nil
	// leaves the routes out.
	Lookup http.Handler
	// Features serves the read routes of areas and grids (OGC API
	// Features, /areas, /grids); nil means one over Store without a live
	// source (every page from PostGIS).
	Features *features.Service
	// Geocode serves GET and POST /geocode and GET /geocode/reverse
	// (geocode.Service.Handler) behind a token of any role; nil leaves the
	// routes out.
	Geocode http.Handler
	// Adjust is the boundary-adjustment engine behind /proposals,
	// /grids/{code}/history and /diff; nil leaves those routes out.
	Adjust *adjust.Engine
	// Records serves the records routes (imports, masked reads, reveal:
	// package records); nil leaves them out.
	Records *records.Service
	// Tiles serves the vector tiles under /tiles (tiles.Service.Handler)
	// and TileJSON serves GET /tiles.json (tiles.Service.TileJSON); nil
	// leaves them out.
	Tiles, TileJSON http.Handler
	// Suggest serves POST /villages/{code}/suggest-division (package
	// suggest: a suggested division as a draft proposal); nil leaves it
	// out.
	Suggest *suggest.Service
	// Workers serves the grid workers' routes (appointments, the public
	// board, seat operators, patrols); nil leaves them out.
	Workers *workers.Service
	// Events serves the events' routes (catalog, reports, the flow, the
	// town's stream, Open311: package events); nil leaves them out.
	Events *events.Service
	// EventStats answers GET /stats/events (eventstats.Handler) to an
	// operator, approver or admin whose area covers the area asked; nil
	// leaves the route out.
	EventStats http.Handler
	// EventTiles serves GET /tiles/events/{z}/{x}/{y}.mvt and
	// EventTileJSON GET /tiles/events.json: the events_hex layer, its own
	// tileset versioned by the events (package eventhex); nil leaves them
	// out.
	EventTiles, EventTileJSON http.Handler
	// Mounts plugs in handlers built elsewhere (tiles, lookup, ...). A key
	// "/tiles" mounts the handler under that prefix (it answers /tiles and
	// /tiles/...); a key with a method, "GET /lookup", adds one route
	// (chi patterns such as "GET /lookup/{code}" work). Mounted handlers
	// get the request id, recovery, access log, metrics and Authenticate
	// middleware (so PrincipalFrom works), but no body limit: use LimitBody.
	Mounts map[string]http.Handler
	// MaxBodyBytes limits request bodies of the server's own routes;
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxImportBytes limits POST /admin/import; 0 means
	// DefaultMaxImportBytes.
	MaxImportBytes int64
	// CORS says which web pages on other origins may call which routes;
	// the zero value lets any origin read public map data and none call
	// the rest.
	CORS CORS
}

// DefaultMaxBodyBytes is the body limit of the server's own routes.
const DefaultMaxBodyBytes = 1 << 20

// NewServer returns the HTTP handler of the whole service.
func NewServer(deps Deps) http.Handler {
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	if deps.MaxImportBytes <= 0 {
		deps.MaxImportBytes = DefaultMaxImportBytes
	}
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if deps.Features == nil {
		deps.Features = features.New(deps.Store, nil, deps.Log)
	}
	r := chi.NewRouter()
	m := newMetrics(deps.Registry)
	r.Use(handleCORS(deps.CORS, r), Authenticate(deps.Store, deps.Log), middleware.GetHead)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		problem(w, r, http.StatusNotFound, fmt.Sprintf("no route %s: see /openapi.json for the routes", r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if r.Match(chi.NewRouteContext(), m, req.URL.Path) {
				allowed = append(allowed, m)
				if m == http.MethodGet {
					allowed = append(allowed, http.MethodHead) // middleware.GetHead
				}
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		problem(w, req, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s; use %s", req.Method, req.URL.Path, strings.Join(allowed, " or ")))
	})
	addRoutes(r, deps)
	return instrument(deps.Log, m, r)
}

type ctxKey int

const (
	principalKey ctxKey = iota
)

// RequestIDHeader carries the request id, in requests (when a proxy set
// one) and in every response.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the id of the request the context belongs to.
func RequestID(ctx context.Context) string { return prob.RequestID(ctx) }

// instrument wraps the router with what every request gets first: the
// request id, panic recovery, metrics and the access log, in one wrapper
// with one status recorder, one clock reading and one deferred function.
// As four middlewares they cost more than the single lookup they wrap
// (the hottest route does nothing else); together they behave as the
// chain requestID → accessLog → metrics → recoverer did. It also hands
// the router its route context (from a pool, as chi does), in the same
// request copy as the id: each r.WithContext copies the whole request.
func instrument(log *slog.Logger, m *metrics, mux *chi.Mux) http.Handler {
	ids := newIDSource()
	rctxs := sync.Pool{New: func() any { return chi.NewRouteContext() }}
	return instrumented{routes: mux, serve: func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = ids.next()
		}
		w.Header()[RequestIDHeader] = []string{id}
		rctx := rctxs.Get().(*chi.Context)
		rctx.Reset()
		rctx.Routes = mux
		r = r.WithContext(context.WithValue(prob.WithRequestID(r.Context(), id), chi.RouteCtxKey, rctx))
		sw := wrap(w)
		defer func() {
			v := recover()
			status, abort := sw.code(), false
			switch {
			case v == nil:
			case v == http.ErrAbortHandler:
				// Re-panicked for net/http to abort the answer: counted,
				// not logged as a request.
				status, abort = 499, true
			default:
				log.Error("panic", "id", id, "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					problem(sw, r, http.StatusInternalServerError, internalDetail(r))
				}
				status = sw.code()
			}
			m.observe(rctx, r.Method, status, time.Since(start))
			if abort {
				panic(v) // the route context is not reused: a handler may still hold it
			}
			if level := accessLevel(r, status); log.Enabled(r.Context(), level) {
				log.LogAttrs(r.Context(), level, "http",
					slog.String("id", id),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int64("bytes", sw.bytes),
					slog.Duration("dur", time.Since(start)),
					slog.String("remote", r.RemoteAddr))
			}
			rctxs.Put(rctx)
		}()
		// The router finds rctx in the context and routes with it.
		mux.ServeHTTP(sw, r)
	}}
}

// instrumented is the instrumented router: it serves through instrument
// and is the router's chi.Routes, so its route table can be walked.
type instrumented struct {
	routes // its methods; an embedded chi.Routes, named Routes, would hide Routes()
	serve  http.HandlerFunc
}

type routes = chi.Routes

func (s instrumented) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// idSource makes request ids for requests that bring none: a random
// 48-bit prefix per server and a counter, "3f9a1c2e07d4-1b", unique
// across servers and restarts for all practical purposes and made
// without a call to crypto/rand per request.
type idSource struct {
	prefix [12]byte
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [6]byte
	rand.Read(b[:])
	s := &idSource{}
	hex.Encode(s.prefix[:], b[:])
	return s
}

func (s *idSource) next() string {
	var b [12 + 1 + 16]byte
	copy(b[:], s.prefix[:])
	b[12] = '-'
	return string(strconv.AppendUint(b[:13], s.n.Add(1), 16))
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func wrap(w http.ResponseWriter) *statusWriter {
	if sw, ok := w.(*statusWriter); ok {
		return sw
	}
	return &statusWriter{ResponseWriter: w}
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// accessLevel is the level of a request's access-log line: the hot read
// paths (single lookups and tiles, tens of thousands a second) log their
// successes at debug level — the access log was 11% of a lookup's CPU —
// while their errors and every other request log at info.
func accessLevel(r *http.Request, status int) slog.Level {
	if status < 400 && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.Path == "/lookup" || strings.HasPrefix(r.URL.Path, "/tiles/")) {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// LimitBody caps request bodies at n bytes; a larger body makes decode
// answer 413.
func LimitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				problem(w, r, http.StatusRequestEntityTooLarge,
					fmt.Sprintf("request body is %d bytes; the limit is %d bytes", r.ContentLength, n))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// baseURL is the scheme and host the client used, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + strings.TrimSuffix(r.Host, "/")
}
