package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gridmap/api"
	"gridmap/store"
	"gridmap/store/storetest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// syncBuffer collects a server's log safely across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMountsPanicsAndMetrics checks mounted handlers (prefix and single
// route), that a panic becomes a 500 problem and the server lives on, and
// that /metrics counts requests by route pattern.
func TestMountsPanicsAndMetrics(t *testing.T) {
	t.Parallel()
	tiles := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tile "+r.URL.Path) })
	e := newEnv(t, map[string]http.Handler{
		"/tiles": tiles,
		"GET /test/panic": http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom")
		}),
	})
	if r := e.do("GET", "/tiles/grids/1/2/3.mvt", "", nil); r.status != 200 || string(r.body) != "tile /tiles/grids/1/2/3.mvt" {
		t.Errorf("prefix mount: %d %s", r.status, r.body)
	}
	r := e.do("GET", "/test/panic", "", nil)
	if r.status != 500 {
		t.Fatalf("panic: status %d", r.status)
	}
	p := problemOf(t, r)
	if id := r.header.Get("X-Request-Id"); p.Detail != "internal error (request id "+id+")" || strings.Contains(string(r.body), "boom") {
		t.Errorf("panic answered %s", r.body)
	}
	if r := e.do("DELETE", "/areas/320902", "", nil); r.status != 405 || !strings.Contains(problemOf(t, r).Detail, "DELETE is not allowed") {
		t.Errorf("DELETE /areas/320902: %d %s", r.status, r.body)
	} else if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("405 with Allow %q, want GET in it", allow)
	}
	if r := e.do("POST", "/test/panic", "", nil); r.status != 405 {
		t.Errorf("single-route mount with another method: %d, want 405", r.status)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("after a panic /healthz answered %d", r.status)
	}
	if r := e.do("HEAD", "/areas/320902", "", nil); r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Errorf("HEAD: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	for range 3 {
		e.do("GET", "/areas/320902", "", nil)
	}
	e.do("GET", "/areas/320999", "", nil)
	r = e.do("GET", "/metrics", "", nil)
	for _, want := range []string{
		`gridd_http_requests_total{method="GET",route="/areas/{code}",status="200"} 3`,
		`gridd_http_requests_total{method="GET",route="/areas/{code}",status="404"} 1`,
		`gridd_http_requests_total{method="GET",route="/test/panic",status="500"} 1`,
		`gridd_http_requests_total{method="GET",route="/tiles/*",status="200"} 1`,
		`gridd_http_request_duration_seconds_count{method="GET",route="/areas/{code}"} 4`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestInternalErrorsHidden closes the database under a running server:
// reads answer 500 naming only the request id, /readyz answers 503,
// /healthz still 200.
func TestInternalErrorsHidden(t *testing.T) {
	t.Parallel()
	st, err := store.Open(context.Background(), storetest.NewURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	var logs syncBuffer
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Log: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()
	e := &env{t: t, srv: srv, store: st}
	for _, path := range []string{"/areas/320902", "/grids/320902001001001", "/collections/grids/items"} {
		r := e.do("GET", path, "", nil)
		p := problemOf(t, r)
		if r.status != 500 || p.Detail != "internal error (request id "+r.header.Get("X-Request-Id")+")" {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
		if strings.Contains(string(r.body), "pool") {
			t.Errorf("%s leaks the internal error: %s", path, r.body)
		}
		// The log has the details, under the same request id.
		id := r.header.Get("X-Request-Id")
		if !regexp.MustCompile(`msg="internal error" id=` + id + ` .*closed pool`).MatchString(logs.String()) {
			t.Errorf("the log lacks the error of request %s:\n%s", id, logs.String())
		}
		if !strings.Contains(logs.String(), "msg=http id="+id+" method=GET path="+path+" status=500") {
			t.Errorf("no access log line for request %s", id)
		}
	}
	if r := e.do("GET", "/readyz", "", nil); r.status != 503 {
		t.Errorf("/readyz: %d, want 503", r.status)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("/healthz: %d, want 200", r.status)
	}
	if r := e.do("GET", "/admin/tokens", "gm_x", nil); r.status != 500 {
		t.Errorf("token lookup on a closed pool: %d, want 500", r.status)
	}
}

// TestReadyzUnmigrated: a database whose schema version is behind is not
// ready.
func TestReadyzUnmigrated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if _, err := e.store.Pool().Exec(context.Background(), `UPDATE schema_version SET version = 0`); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/readyz", "", nil)
	if r.status != 503 || !strings.Contains(problemOf(t, r).Detail, "not ready") {
		t.Errorf("/readyz: %d %s", r.status, r.body)
	}
}
