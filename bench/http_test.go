package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// TestBenchHTTP runs the HTTP bench's measurements with a tiny batch and
// a short GET run against the real handler on a small demo city, and checks
// that every point and request was answered and the report says so.
func TestBenchHTTP(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.1, Seed: 1, County: geo.MustParseCode("320902")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	o := HTTPOptions{Points: 5000, Clients: 3, Duration: 300 * time.Millisecond, MaxRequests: 400, Runs: 2}
	r, err := runHTTP(ctx, st, service(st), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.BatchPoints != o.Points || r.BatchErrors != 0 || r.BatchTime <= 0 || !r.InProcess {
		t.Errorf("batch: %+v; want %d points answered without errors", r, o.Points)
	}
	if r.Requests < 1 || r.Failed != 0 || r.Requests > o.MaxRequests {
		t.Errorf("GETs: %d answered, %d failed; want 1..%d answered, none failed", r.Requests, r.Failed, o.MaxRequests)
	}
	if r.P50 <= 0 || r.P99 < r.P50 {
		t.Errorf("latencies p50 %v p99 %v", r.P50, r.P99)
	}
	if r.Checked < o.Runs {
		t.Errorf("%d answers checked against PostGIS; want some in every run (%d)", r.Checked, o.Runs)
	}
	if len(r.Rates) != o.Runs || slices.Max(r.Rates) != r.rate() {
		t.Errorf("rates of the runs %v, reported %v; want %d runs, the fastest reported", r.Rates, r.rate(), o.Runs)
	}
	if v, err := strconv.Atoi(r.Version); err != nil || v < 1 {
		t.Errorf("dataset version %q", r.Version)
	}
	printHTTP(&out, r, o)
	re := regexp.MustCompile(`POST /lookup text/csv: 5000 points in \S+: \d+ points/s end to end.*\nGET /lookup: 3 clients, \d+ requests \(0 not 200\) in \S+: \d+ requests/s, p50 \S+, p99 \S+.*; \d+ sampled answers agree with PostGIS\nGET /lookup runs: \d+, \d+ requests/s`)
	if !re.MatchString(out.String()) {
		t.Errorf("report:\n%s", out.String())
	}
}

// TestBenchHTTPChecksAnswers: a server whose single lookups answer fast
// but wrong (here: always the same grid) makes the bench fail rather
// than score.
func TestBenchHTTPChecksAnswers(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.1, Seed: 1, County: geo.MustParseCode("320902")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	real, err := service(st)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			real.ServeHTTP(w, r) // the batch answers right
			return
		}
		fmt.Fprintf(w, `{"lon":%s,"lat":%s,"dataset_version":%d,"grid":{"code":"320902001001001","name":"x"}}`,
			r.URL.Query().Get("lon"), r.URL.Query().Get("lat"), v)
	}))
	defer srv.Close()
	o := HTTPOptions{URL: srv.URL, Points: 100, Clients: 2, Duration: 200 * time.Millisecond, MaxRequests: 200}
	_, err = runHTTP(ctx, st, service(st), o)
	if err == nil || !strings.Contains(err.Error(), "(PostGIS)") {
		t.Fatalf("bench against a wrong server: %v; want the disagreement with PostGIS", err)
	}
}

// TestBenchHTTPRefusesRemoteURL: the load generator only targets loopback.
func TestBenchHTTPRefusesRemoteURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"http://192.0.2.1:8080", "not a loopback address"},
		{"https://127.0.0.1:8080", "give a base URL"},
		{"127.0.0.1:8080", "give a base URL"},
		{"http://127.0.0.1:8080/lookup", "give a base URL"},
	}
	for _, tt := range tests {
		err := checkLoopback(context.Background(), tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checkLoopback(%q) = %v; want %q", tt.url, err, tt.want)
		}
	}
	if err := checkLoopback(context.Background(), "http://127.0.0.1:8080"); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
}
