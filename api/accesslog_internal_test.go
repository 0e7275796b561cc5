package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

func TestAccessLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		status       int
		want         slog.Level
	}{
		{"GET", "/lookup", 200, slog.LevelDebug},
		{"GET", "/lookup", 400, slog.LevelInfo},
		{"POST", "/lookup", 200, slog.LevelInfo},
		{"GET", "/tiles/12/1/2.mvt", 204, slog.LevelDebug},
		{"GET", "/tiles/12/1/2.mvt", 304, slog.LevelDebug},
		{"GET", "/tiles/99/1/2.mvt", 404, slog.LevelInfo},
		{"GET", "/tiles.json", 200, slog.LevelInfo},
		{"GET", "/grids/320902001001001", 200, slog.LevelInfo},
		{"POST", "/admin/tokens", 201, slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := accessLevel(httptest.NewRequest(tt.method, tt.path, nil), tt.status); got != tt.want {
			t.Errorf("%s %s %d: level %v, want %v", tt.method, tt.path, tt.status, got, tt.want)
		}
	}
}

// TestInstrument checks the outer middleware: request ids (echoed when
// well formed, made otherwise, distinct), the access log (hot-path
// successes at debug only), metrics by route pattern, and a panic with
// http.ErrAbortHandler counted as 499 and passed on to net/http.
func TestInstrument(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil)) // info and above
	reg := prometheus.NewRegistry()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestID(r.Context()) != w.Header().Get(RequestIDHeader) {
			t.Errorf("context id %q, header id %q", RequestID(r.Context()), w.Header().Get(RequestIDHeader))
		}
		io.WriteString(w, "ok")
	})
	sub := chi.NewRouter()
	sub.Get("/{z}/{x}/{y}.mvt", ok)
	h := NewServer(Deps{Log: logger, Registry: reg, Mounts: map[string]http.Handler{
		"GET /lookup": ok,
		"/tiles":      sub,
		"GET /abort":  http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }),
	}})
	do := func(path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	seen := map[string]bool{}
	for range 100 {
		id := do("/lookup").Header().Get(RequestIDHeader)
		if !validRequestID(id) || seen[id] {
			t.Fatalf("made id %q: invalid or seen before", id)
		}
		seen[id] = true
	}
	if id := do("/lookup", RequestIDHeader, "client-id.42").Header().Get(RequestIDHeader); id != "client-id.42" {
		t.Errorf("well-formed incoming id answered %q", id)
	}
	if id := do("/lookup", RequestIDHeader, "bad id!").Header().Get(RequestIDHeader); id == "bad id!" || !validRequestID(id) {
		t.Errorf("malformed incoming id answered %q", id)
	}
	do("/tiles/1/2/3.mvt")
	nf := do("/nowhere", RequestIDHeader, "nf-1")
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("abort: recovered %v, want http.ErrAbortHandler passed on", v)
			}
		}()
		do("/abort", RequestIDHeader, "abort-1")
	}()

	mu.Lock()
	log := logs.String()
	mu.Unlock()
	if strings.Contains(log, "path=/lookup") || strings.Contains(log, "path=/tiles/") || strings.Contains(log, "abort-1") {
		t.Errorf("hot-path successes or an aborted request logged at info:\n%s", log)
	}
	if nf.Code != 404 || !strings.Contains(log, "msg=http id=nf-1 method=GET path=/nowhere status=404") {
		t.Errorf("404 (%d) not logged at info:\n%s", nf.Code, log)
	}
	var text strings.Builder
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "gridd_http_requests_total":
				fmt.Fprintf(&text, "requests %s %s %s %v\n", labels["route"], labels["method"], labels["status"], m.GetCounter().GetValue())
			case "gridd_http_request_duration_seconds":
				fmt.Fprintf(&text, "duration %s %s %d\n", labels["route"], labels["method"], m.GetHistogram().GetSampleCount())
			}
		}
	}
	for _, want := range []string{
		"requests /lookup GET 200 102\n", "duration /lookup GET 102\n",
		"requests /tiles/{z}/{x}/{y}.mvt GET 200 1\n",
		"requests unmatched GET 404 1\n",
		"requests /abort GET 499 1\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, text.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestMetricsSeriesCacheBounded: methods are the client's, so the map of
// resolved series stops growing at maxCachedSeries, and requests beyond
// it are still counted.
func TestMetricsSeriesCacheBounded(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	n := maxCachedSeries + 300
	for range 2 {
		for i := range n {
			m.observe(nil, fmt.Sprintf("M%d", i), 200, time.Millisecond)
		}
	}
	if got := len(*m.series.Load()); got != maxCachedSeries {
		t.Errorf("%d cached series; want %d", got, maxCachedSeries)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, mf := range mfs {
		if mf.GetName() != "gridd_http_requests_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			if s.GetCounter().GetValue() != 2 {
				t.Fatalf("series %v counted %v; want 2", s.GetLabel(), s.GetCounter().GetValue())
			}
			counted++
		}
	}
	if counted != n {
		t.Errorf("%d series; want %d", counted, n)
	}
}
