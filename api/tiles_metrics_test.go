package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridmap/api"
	"gridmap/geo"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

// snapshotOf is a tiles.Source over a fixed snapshot.
type snapshotOf struct{ snap *geo.Snapshot }

func (s snapshotOf) Snapshot() *geo.Snapshot { return s.snap }

// TestTileMetrics fetches TileJSON and one tile twice through the server,
// mounted as gridd mounts them, and reads /metrics: the TileJSON route is
// labelled /tiles.json (it was /tiles.json/tiles.json), the tile by its
// pattern, and the tile cache counted one miss, one hit and the tile's
// bytes.
func TestTileMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	ts := tiles.NewService(snapshotOf{tilestest.SyntheticCity(8, 8)}, nil, nil, tiles.Options{})
	if err := ts.Cache().Register(reg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Registry: reg, Tiles: ts.Handler(), TileJSON: ts.TileJSON()}))
	t.Cleanup(srv.Close)
	get := func(path string, want int) string {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, res.StatusCode, want, b)
		}
		return string(b)
	}
	if s := get("/metrics", http.StatusOK); !strings.Contains(s, "gridd_tile_cache_misses_total 0") {
		t.Fatalf("/metrics before any tile lacks gridd_tile_cache_misses_total 0:\n%s", s)
	}
	get("/tiles.json", http.StatusOK)
	get("/tiles/grid/13/6818/3304.mvt", http.StatusOK)
	get("/tiles/grid/13/6818/3304.mvt", http.StatusOK)
	m := get("/metrics", http.StatusOK)
	for _, want := range []string{
		`gridd_http_requests_total{method="GET",route="/tiles.json",status="200"} 1`,
		`gridd_http_requests_total{method="GET",route="/tiles/{layer}/{z}/{x}/{y}.mvt",status="200"} 2`,
		"gridd_tile_cache_misses_total 1",
		"gridd_tile_cache_hits_total 1",
		"gridd_tile_cache_entries 1",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(m, "/tiles.json/tiles.json") {
		t.Errorf("/metrics labels a route /tiles.json/tiles.json")
	}
	bytes := regexp.MustCompile(`(?m)^gridd_tile_cache_bytes (\S+)$`).FindStringSubmatch(m)
	if bytes == nil {
		t.Fatalf("/metrics lacks gridd_tile_cache_bytes:\n%s", m)
	}
	if n, err := strconv.ParseFloat(bytes[1], 64); err != nil || n < 256 {
		t.Errorf("gridd_tile_cache_bytes %s; want the cached tile's bytes (at least the 256 of an entry)", bytes[1])
	}
}
