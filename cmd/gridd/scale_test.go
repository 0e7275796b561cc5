package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
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
	st, err := e.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	h, err := newHandler(ctx, e, st, testDataKey(t))
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
// gridd: while it is down, lookups, tiles and pages of current features
// answer from memory, /readyz
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
	for _, path := range []string{"/lookup?lon=120.01&lat=33.1", "/tiles/10/853/407.mvt", "/tiles.json", "/healthz", "/collections/grids/items?limit=1"} {
		if a := get(t, srv.URL+path); a.status >= 300 {
			t.Errorf("%s with the database down: %d %s, want an answer from memory", path, a.status, a.body)
		}
	}
	for _, path := range []string{"/readyz", "/grids/320902001001001", "/areas/320902001001"} {
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

// replica is a primary with the adjustment fixture, a hot standby of it,
// gridd A on the primary and gridd B reading the standby.
type replica struct {
	t                *testing.T
	primary, standby *pgcluster.Cluster
	st               *store.Store // on the primary, for the test's own writes
	approver         string
	a, b             *httptest.Server
}

func newReplica(t *testing.T) *replica {
	t.Helper()
	p := pgcluster.New(t)
	url := p.CreateDatabase(t, "gridmap")
	st, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	opstest.Load(t, st)
	_, approver, err := st.CreateToken(context.Background(), store.NewToken{Name: "approver", Role: "approver", Area: opstest.County}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Standby(t)
	var logs syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	return &replica{t: t, primary: p, standby: s, st: st, approver: approver,
		a: newScaleServer(t, url, "", &logs), b: newScaleServer(t, url, s.URL("gridmap"), &logs)}
}

// rename approves a proposal renaming fixture grid seq and applies it
// through the server at base, returning when the apply call answered.
func (r *replica) rename(base string, seq int, name string) time.Time {
	r.t.Helper()
	id := adjusttest.Approved(r.t, r.st, ops.Op{Type: ops.Rename, Grids: []geo.Code{opstest.Grid(seq)}, Name: name})
	req, _ := http.NewRequest("POST", base+"/proposals/"+strconv.FormatInt(id, 10)+"/apply", nil)
	req.Header.Set("Authorization", "Bearer "+r.approver)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		r.t.Fatalf("apply through %s: %d %s", base, res.StatusCode, b)
	}
	return time.Now()
}

// fixtureLookup is the lookup URL of the middle of fixture grid seq.
func fixtureLookup(base string, seq int) string {
	r, c := (seq-1)/3, (seq-1)%3
	return fmt.Sprintf("%s/lookup?lon=%g&lat=%g", base, 120.005+0.01*float64(c), 33.005+0.01*float64(r))
}

// lookupName answers the name of the grid a lookup in fixture grid seq
// finds.
func lookupName(t *testing.T, base string, seq int) string {
	t.Helper()
	a := get(t, fixtureLookup(base, seq))
	var l struct {
		Grid *struct {
			Name string `json:"name"`
		} `json:"grid"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &l) != nil || l.Grid == nil {
		t.Fatalf("lookup in grid %d: %d %s", seq, a.status, a.body)
	}
	return l.Grid.Name
}

// waitName polls the lookup in grid seq on base until it answers name,
// failing after limit, and returns how long it took.
func waitName(t *testing.T, base string, seq int, name string, since time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for {
		if lookupName(t, base, seq) == name {
			return time.Since(since)
		}
		if time.Since(since) > limit {
			t.Fatalf("%s: grid %d not yet named %q %s after the change", base, seq, name, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tileURL is the URL of the z tile holding (lon, lat) under a TileJSON
// tile template.
func tileURL(template string, z int, lon, lat float64) string {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * n)
	return strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y)).Replace(template)
}

// TestStandbyReplica runs gridd B on a real streaming-replication standby
// next to gridd A on the primary.
func TestStandbyReplica(t *testing.T) {
	t.Parallel()
	r := newReplica(t)

	// A change applied through A is served by B within a second.
	at := r.rename(r.a.URL, 1, "renamed through A")
	took := waitName(t, r.b.URL, 1, "renamed through A", at, 5*time.Second)
	t.Logf("change through A served by B (standby) in %s", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("change through A served by B after %s, want ≤ 1 s", took)
	}

	// A write through B goes to the primary (the standby refuses writes),
	// and B reads it back at once, then serves it within a second.
	at = r.rename(r.b.URL, 2, "renamed through B")
	if a := get(t, r.b.URL+"/grids/"+string(opstest.Grid(2))); a.status != 200 || !strings.Contains(string(a.body), "renamed through B") {
		t.Errorf("B right after its own write: %d %s", a.status, a.body)
	}
	took = waitName(t, r.b.URL, 2, "renamed through B", at, 5*time.Second)
	t.Logf("B's own write served by B in %s", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("B's own write served after %s, want ≤ 1 s", took)
	}

	// While the standby lags, B never answers a newer version's tile URL
	// (from A's TileJSON) with older content a cache may keep.
	r.standby.Exec(t, "postgres", "SELECT pg_wal_replay_pause()")
	at = r.rename(r.a.URL, 3, "while the standby lags")
	waitName(t, r.a.URL, 3, "while the standby lags", at, 5*time.Second) // A's TileJSON names the new version
	var doc struct {
		Tiles []string `json:"tiles"`
	}
	if a := get(t, r.a.URL+"/tiles.json"); json.Unmarshal(a.body, &doc) != nil || len(doc.Tiles) != 1 {
		t.Fatalf("A's TileJSON: %d %s", a.status, a.body)
	}
	newer := strings.Replace(tileURL(doc.Tiles[0], 14, 120.025, 33.005), r.a.URL, r.b.URL, 1)
	wantV := newer[strings.LastIndex(newer, "=")+1:]
	lagged := get(t, newer)
	if v := lagged.header.Get("X-Dataset-Version"); v == wantV {
		t.Fatalf("B served version %s with the standby's replay paused", v)
	}
	if cc := lagged.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("B answered %s (version %s) with older content marked %q; want no-store",
			newer, lagged.header.Get("X-Dataset-Version"), cc)
	}
	if name := lookupName(t, r.b.URL, 3); name == "while the standby lags" {
		t.Errorf("B answers a version the standby has not replayed")
	}
	r.standby.Exec(t, "postgres", "SELECT pg_wal_replay_resume()")
	waitName(t, r.b.URL, 3, "while the standby lags", at, 5*time.Second)
	caught := get(t, newer)
	if v, cc := caught.header.Get("X-Dataset-Version"), caught.header.Get("Cache-Control"); v != wantV || !strings.Contains(cc, "immutable") {
		t.Errorf("B after catching up: version %s, Cache-Control %q; want %s, immutable", v, cc, wantV)
	}

	// Standby down: B answers lookups and tiles from memory and says it is
	// not ready; standby back: B catches up by itself.
	r.standby.Stop(t)
	if name := lookupName(t, r.b.URL, 1); name != "renamed through A" {
		t.Errorf("B with its standby down answers %q", name)
	}
	if a := get(t, newer); a.status >= 300 {
		t.Errorf("tile from B with its standby down: %d %s", a.status, a.body)
	}
	if a := get(t, r.b.URL+"/readyz"); a.status != 503 || !strings.Contains(string(a.body), "standby") {
		t.Errorf("B's /readyz with its standby down: %d %s; want 503 naming the standby", a.status, a.body)
	}
	r.rename(r.a.URL, 4, "while the standby is down")
	r.standby.Start(t)
	at = time.Now()
	took = waitName(t, r.b.URL, 4, "while the standby is down", at, 10*time.Second)
	t.Logf("B caught up %s after its standby came back", took.Round(time.Millisecond))
	if a := get(t, r.b.URL+"/readyz"); a.status != 200 {
		t.Errorf("B's /readyz after its standby came back: %d %s", a.status, a.body)
	}
}
