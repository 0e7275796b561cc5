package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/store"
	"gridmap/store/pgcluster"
)

// scaleFixture is one village of a test cluster's own; grids come with
// addGrid.
const scaleFixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001000', 'town', '新兴镇', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001001', 'village', '一村', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326)));`

// addGridSQL adds grid n, a strip of the village 0.02° wide from the west,
// and bumps the dataset version.
func addGridSQL(n int) string {
	return fmt.Sprintf(`
INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
 ('320902001001%03d', 'rural', '320902001001', '第%d组',
  ST_Multi(ST_MakeEnvelope(120.0 + 0.02*%d, 33.0, 120.02 + 0.02*%d, 33.2, 4326)), tstzrange(now(), NULL));
SELECT bump_dataset_version('test');`, n, n, n-1, n-1)
}

// gridPoint is a point inside grid n of addGridSQL.
func gridPoint(n int) (lon, lat float64) { return 120.01 + 0.02*float64(n-1), 33.1 }

// newScaleServer serves the whole gridd handler over the database at url
// (and reads from readURL when it is not empty), until the test ends.
func newScaleServer(t *testing.T, url, readURL string, logs io.Writer) *httptest.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": url, "DATABASE_READ_URL": readURL}[k]
	}
	e := &env{getenv: getenv, stdout: io.Discard, stderr: logs,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	st, err := openStore(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	h, err := newHandler(ctx, e, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status  int
	header  http.Header
	body    []byte
	version int64 // of a lookup
	grid    string
}

func get(t *testing.T, url string) answer {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, body: b}
	var l struct {
		Version int64 `json:"dataset_version"`
		Grid    *struct {
			Code string `json:"code"`
		} `json:"grid"`
	}
	if json.Unmarshal(b, &l) == nil {
		a.version = l.Version
		if l.Grid != nil {
			a.grid = l.Grid.Code
		}
	}
	return a
}

func lookupURL(base string, n int) string {
	lon, lat := gridPoint(n)
	return base + "/lookup?lon=" + strconv.FormatFloat(lon, 'f', -1, 64) + "&lat=" + strconv.FormatFloat(lat, 'f', -1, 64)
}

// waitServed polls a lookup in grid n until it answers grid n, and
// returns how long that took.
func waitServed(t *testing.T, base string, n int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	want := fmt.Sprintf("320902001001%03d", n)
	for {
		if a := get(t, lookupURL(base, n)); a.grid == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("grid %s not served %s after it was committed", want, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDatabaseDown stops and starts a real PostgreSQL under a serving
// gridd: while it is down, lookups and tiles answer from memory, /readyz
// and the routes that need the database answer 503 with Retry-After; once
// it is back, the first change is served within a second.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	c := pgcluster.New(t)
	url := c.CreateDatabase(t, "gridmap")
	if err := store.Migrate(context.Background(), url, nil); err != nil {
		t.Fatal(err)
	}
	c.Exec(t, "gridmap", scaleFixture+addGridSQL(1))
	var logs syncBuffer
	srv := newScaleServer(t, url, "", &logs)
	if a := get(t, srv.URL+"/grids/320902001001001"); a.status != 200 {
		t.Fatalf("/grids/{code} with the database up: %d %s", a.status, a.body)
	}

	c.Stop(t)
	for _, path := range []string{"/lookup?lon=120.01&lat=33.1", "/tiles/10/853/407.mvt", "/tiles.json", "/healthz"} {
		if a := get(t, srv.URL+path); a.status >= 300 {
			t.Errorf("%s with the database down: %d %s, want an answer from memory", path, a.status, a.body)
		}
	}
	for _, path := range []string{"/readyz", "/grids/320902001001001", "/areas/320902001001", "/collections/grids/items?limit=1"} {
		a := get(t, srv.URL+path)
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("%s with the database down: %d %s, want 503", path, a.status, a.body)
			continue
		}
		if path != "/readyz" {
			if a.header.Get("Retry-After") == "" || !strings.Contains(string(a.body), "database is unreachable") {
				t.Errorf("%s: Retry-After %q, body %s: want a Retry-After and a detail saying the database is unreachable",
					path, a.header.Get("Retry-After"), a.body)
			}
		}
	}
	time.Sleep(1500 * time.Millisecond) // long enough for a back-off to grow

	c.Start(t)
	start := time.Now()
	c.Exec(t, "gridmap", addGridSQL(2))
	took := time.Since(start) + waitServed(t, srv.URL, 2, 10*time.Second)
	t.Logf("first change after the database came back served in %s", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("first change after the database came back served after %s, want ≤ 1 s", took)
	}
	if a := get(t, srv.URL+"/readyz"); a.status != 200 {
		t.Errorf("/readyz after the database came back: %d %s", a.status, a.body)
	}
}
