package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridmap/api"
	"gridmap/live"
	"gridmap/lookup"
)

// TestLookupRoutes checks /lookup as mounted by the server on the fixture
// city, answers validated against openapi.json: interior points, a shared
// edge (smallest code wins), a sub-grid, a retired grid's area now and in
// the past, outside, and bad input.
func TestLookupRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	h, err := live.New(ctx, e.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: e.store, Log: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Lookup: lookup.Handler(h, lookup.NewPostGIS(e.store), nil)}))
	t.Cleanup(srv.Close)
	e.srv = srv

	tests := []struct {
		query       string
		grid, sub   string
		village     string
		status      int
		problemPart string
	}{
		{query: "lon=120.02&lat=33.05", grid: "320902001001001", village: "320902001001"},
		{query: "lon=120.05&lat=33.05", grid: "320902001001001", village: "320902001001"}, // shared edge of 001 and 002
		{query: "lon=120.07&lat=33.05", grid: "320902001001002", village: "320902001001"},
		{query: "lon=120.16&lat=33.02", grid: "320902001002002", sub: "32090200100200201", village: "320902001002"},
		{query: "lon=120.16&lat=33.07", village: "320902001002"},                                                  // the retired grid's area: no grid now
		{query: "lon=120.16&lat=33.07&at=2024-06-01T00:00:00Z", grid: "320902001002003", village: "320902001002"}, // it was there then
		{query: "lon=120.03&lat=33.05&at=2024-06-01T00:00:00Z", grid: "320902001001001", village: "320902001001"},
		{query: "lon=120.045&lat=33.05&at=2024-06-01T00:00:00Z", village: "320902001001"}, // before 001 grew to 120.05 this was no grid's
		{query: "lon=120.045&lat=33.05", grid: "320902001001001", village: "320902001001"},
		{query: "lon=100&lat=10"},
		{query: "lon=120&lat=95", status: 400, problemPart: "lat"},
		{query: "lon=x&lat=33", status: 400, problemPart: "lon"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = 200
			}
			r := e.do("GET", "/lookup?"+tt.query, "", nil)
			if r.status != status {
				t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
			}
			if status != 200 {
				if !strings.Contains(string(r.body), tt.problemPart) {
					t.Fatalf("problem %s does not name %q", r.body, tt.problemPart)
				}
				return
			}
			m := r.json(t)
			code := func(k string) string {
				if v, ok := m[k].(map[string]any); ok {
					return v["code"].(string)
				}
				return ""
			}
			if code("grid") != tt.grid || code("subgrid") != tt.sub || code("village") != tt.village {
				t.Fatalf("grid %q sub %q village %q; want %q %q %q (%s)", code("grid"), code("subgrid"), code("village"), tt.grid, tt.sub, tt.village, r.body)
			}
		})
	}
	r := e.do("POST", "/lookup", "", strings.NewReader("a,120.02,33.05\nb,120.16,33.02\n"), "Content-Type", "text/csv")
	want := lookup.CSVHeader + "a,320902001001001,,rural,320902001001,\nb,320902001002002,32090200100200201,exclusive,320902001002,\n"
	if r.status != 200 || string(r.body) != want {
		t.Fatalf("batch: %d %q, want %q", r.status, r.body, want)
	}
}
