package api

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the HTTP metrics, labelled by chi route pattern (never the
// raw path, which would make a series per code).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	series atomic.Pointer[map[seriesKey]series] // read per request without a lock
	mu     sync.Mutex                           // serialises additions to series
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridd_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gridd_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	m.series.Store(&map[seriesKey]series{})
	return m
}

// register registers c, or reuses the collector already registered under
// its name (two servers on one registry share their metrics).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // a programming error: conflicting metric definitions
	}
	return c
}

// observe counts a finished request and its duration. The series of a
// route, method and status are resolved once and then found in a map
// read without a lock, keyed by chi's route patterns as they are
// (joining them into the label allocates, and WithLabelValues hashes the
// labels and formats the status on every request).
func (m *metrics) observe(rc *chi.Context, method string, status int, d time.Duration) {
	k := seriesKey{method: method, status: status}
	if rc != nil {
		switch len(rc.RoutePatterns) {
		case 0:
		case 1:
			k.p0 = rc.RoutePatterns[0]
		case 2:
			k.p0, k.p1 = rc.RoutePatterns[0], rc.RoutePatterns[1]
		default:
			k.p0, k.p1 = rc.RoutePattern(), "\x00" // deeper mounts: rare
		}
	}
	s, ok := (*m.series.Load())[k]
	if !ok {
		s = m.resolve(k, rc)
	}
	s.requests.Inc()
	s.duration.Observe(d.Seconds())
}

// seriesKey names a request's series: its route patterns, method and
// status.
type seriesKey struct {
	p0, p1 string
	method string
	status int
}

// series are the metric children of one seriesKey.
type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// maxCachedSeries bounds the map of resolved series: the method is the
// client's, so the keys are not bounded by the routes alone, and each
// addition copies the map.
const maxCachedSeries = 1024

// resolve makes the series of k and publishes a copy of the map with it,
// until the map holds maxCachedSeries (then the series is resolved again
// at each such request, as before the map).
func (m *metrics) resolve(k seriesKey, rc *chi.Context) series {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	route := "unmatched"
	if rc != nil {
		if l := routeLabel(rc.RoutePatterns); l != "" {
			route = l
		}
	}
	s := series{
		requests: m.requests.WithLabelValues(route, k.method, strconv.Itoa(k.status)),
		duration: m.duration.WithLabelValues(route, k.method),
	}
	if len(old) >= maxCachedSeries {
		return s
	}
	next := make(map[seriesKey]series, len(old)+1)
	maps.Copy(next, old)
	next[k] = s
	m.series.Store(&next)
	return s
}

// routeLabel joins a request's chi route patterns into the route it
// matched. A pattern ending in /* (or an exact mount point, followed by
// "/" or "/*") mounts a router on the rest of the path, and chi's
// RoutePattern joins the two. Any other pattern followed by another gave
// the same path to a handler that routed it again itself (a chi router
// added with Method, as the TileJSON handler is at /tiles.json): the later
// pattern takes its place, where joining would double it
// ("/tiles.json/tiles.json").
func routeLabel(patterns []string) string {
	joined := make([]string, 0, len(patterns))
	for _, p := range patterns {
		if n := len(joined); n > 0 && !strings.HasSuffix(joined[n-1], "/*") && p != "/" && p != "/*" {
			joined[n-1] = p
			continue
		}
		joined = append(joined, p)
	}
	return (&chi.Context{RoutePatterns: joined}).RoutePattern()
}

// handleMetrics serves /metrics from the registry.
func handleMetrics(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
