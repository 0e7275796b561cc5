package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/geo"
	"gridmap/tiles/tilestest"
)

// newTestServer mounts the service as the api does: Handler at /tiles,
// TileJSON at /tiles.json.
func newTestServer(t *testing.T, svc *Service) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	r.Mount("/tiles", svc.Handler())
	r.Handle("/tiles.json", svc.TileJSON())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity") // keep Go's transport from asking for gzip itself
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

func tileAt(lon, lat float64, z int) (int, int) {
	tl := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
	return int(tl.X), int(tl.Y)
}

// islandTile is the z12 tile holding all of grid 002 (the island in grid
// 001's hole); eastTile is a z15 tile of grid 003's sub-grids, away from it.
func islandTile() string { x, y := tileAt(120.11, 33.38, 12); return fmt.Sprintf("12/%d/%d", x, y) }
func eastTile() string   { x, y := tileAt(120.138, 33.362, 15); return fmt.Sprintf("15/%d/%d", x, y) }

func TestHTTPTiles(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	svc := NewService(newSwapSource(fx.snapshot(t, 7)), nil, nil, Options{})
	srv := newTestServer(t, svc)
	x14, y14 := tileAt(120.12, 33.38, 14)
	for _, tc := range []struct {
		name, path string
		hdr        []string
		status     int
		ctype      string
		cache      string // substring of Cache-Control
		detail     string // substring of a problem's detail
	}{
		{"all layers", fmt.Sprintf("/tiles/14/%d/%d.mvt", x14, y14), nil, 200, ContentType, "max-age=60", ""},
		{"one layer", fmt.Sprintf("/tiles/grid/14/%d/%d.mvt", x14, y14), nil, 200, ContentType, "max-age=60", ""},
		{"current version is immutable", fmt.Sprintf("/tiles/14/%d/%d.mvt?v=7", x14, y14), nil, 200, ContentType, "immutable", ""},
		{"old version is short", fmt.Sprintf("/tiles/14/%d/%d.mvt?v=6", x14, y14), nil, 200, ContentType, "max-age=60", ""},
		{"world tile has the county", "/tiles/0/0/0.mvt", nil, 200, ContentType, "", ""},
		{"empty tile", "/tiles/14/0/0.mvt", nil, 204, "", "max-age", ""},
		{"layer outside its zooms", "/tiles/grid/5/26/12.mvt", nil, 204, "", "", ""},
		{"zoom too high", "/tiles/23/0/0.mvt", nil, 404, "application/problem+json", "no-store", "zoom 23 is out of range 0-22"},
		{"x too high", "/tiles/3/8/0.mvt", nil, 404, "application/problem+json", "", "x and y must be in 0-7 at zoom 3"},
		{"negative y", "/tiles/3/1/-1.mvt", nil, 404, "application/problem+json", "", "x and y must be in 0-7"},
		{"not a number", "/tiles/a/0/0.mvt", nil, 400, "application/problem+json", "", `z="a" is not a tile coordinate`},
		{"huge number", "/tiles/1/99999999999/0.mvt", nil, 400, "application/problem+json", "", "must be integers"},
		{"unknown layer", "/tiles/roads/1/0/0.mvt", nil, 404, "application/problem+json", "", "unknown layer roads: want one of county, town"},
		{"wrong extension", "/tiles/1/0/0.png", nil, 404, "application/problem+json", "", "no such tile route"},
		{"bad version", "/tiles/1/0/0.mvt?v=latest", nil, 400, "application/problem+json", "", `v="latest" is not a dataset version`},
		{"bad time", "/tiles/1/0/0.mvt?at=yesterday", nil, 400, "application/problem+json", "", "RFC 3339"},
		{"no history here", "/tiles/1/0/0.mvt?at=2024-05-01T00:00:00Z", nil, 501, "application/problem+json", "", "not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, srv.URL+tc.path, tc.hdr...)
			if res.status != tc.status {
				t.Fatalf("%s: status %d; want %d (body %s)", tc.path, res.status, tc.status, res.body)
			}
			if got := res.header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q; want %q", got, tc.ctype)
			}
			if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, tc.cache) {
				t.Errorf("Cache-Control %q; want it to contain %q", cc, tc.cache)
			}
			switch {
			case tc.status == 200:
				if _, err := tilestest.Decode(res.body); err != nil {
					t.Errorf("body does not decode strictly: %v", err)
				}
				if et := res.header.Get("ETag"); !strings.HasPrefix(et, `"`) || len(et) < 10 {
					t.Errorf("ETag %q; want a strong tag", et)
				}
				if v := res.header.Get("Vary"); v != "Accept-Encoding" {
					t.Errorf("Vary %q", v)
				}
			case tc.status == 204:
				if len(res.body) != 0 {
					t.Errorf("204 with a body of %d bytes", len(res.body))
				}
			default:
				var p map[string]any
				if err := json.Unmarshal(res.body, &p); err != nil {
					t.Fatalf("problem body %q: %v", res.body, err)
				}
				if p["status"] != float64(tc.status) || p["title"] == "" || p["instance"] == "" {
					t.Errorf("problem %v: want status, title and instance", p)
				}
				if d, _ := p["detail"].(string); !strings.Contains(d, tc.detail) {
					t.Errorf("detail %q; want it to contain %q", d, tc.detail)
				}
			}
		})
	}
}

func TestHTTPGzipAndConditional(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	srv := newTestServer(t, NewService(newSwapSource(fx.snapshot(t, 1)), nil, nil, Options{}))
	url := srv.URL + "/tiles/" + islandTile() + ".mvt"
	plain := get(t, url)
	zipped := get(t, url, "Accept-Encoding", "br;q=1, gzip;q=0.8")
	if plain.status != 200 || zipped.status != 200 {
		t.Fatalf("status %d, %d", plain.status, zipped.status)
	}
	if ce := zipped.header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding %q; want gzip", ce)
	}
	if ce := plain.header.Get("Content-Encoding"); ce != "" {
		t.Fatalf("identity request got Content-Encoding %q", ce)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain.body) {
		t.Fatalf("gunzipped body (%d bytes) differs from the identity body (%d bytes)", len(unzipped), len(plain.body))
	}
	if plain.header.Get("ETag") == zipped.header.Get("ETag") {
		t.Errorf("gzip and identity share ETag %s; strong tags must differ per representation", plain.header.Get("ETag"))
	}
	head, err := http.Head(url)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(head.Body)
	head.Body.Close()
	if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("ETag") == "" || head.Header.Get("Content-Type") != ContentType {
		t.Errorf("HEAD: status %d, %d body bytes, ETag %q, type %q", head.StatusCode, len(hb), head.Header.Get("ETag"), head.Header.Get("Content-Type"))
	}
	if res := get(t, url, "Accept-Encoding", "gzip;q=0"); res.header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got gzip")
	}
	for _, tc := range []struct {
		name, inm string
		status    int
	}{
		{"same tag", plain.header.Get("ETag"), 304},
		{"weak form", "W/" + plain.header.Get("ETag"), 304},
		{"gzip tag", zipped.header.Get("ETag"), 304},
		{"in a list", `"nope", ` + plain.header.Get("ETag"), 304},
		{"star", "*", 304},
		{"other tag", `"0123456789"`, 200},
	} {
		res := get(t, url, "If-None-Match", tc.inm)
		if res.status != tc.status {
			t.Errorf("%s: If-None-Match %s: status %d; want %d", tc.name, tc.inm, res.status, tc.status)
		}
		if tc.status == 304 && (len(res.body) != 0 || res.header.Get("ETag") == "") {
			t.Errorf("%s: 304 with %d bytes, ETag %q", tc.name, len(res.body), res.header.Get("ETag"))
		}
	}
}

// shrinkIsland returns the fixture's snapshot at a new version with grid
// 002 (the island) redrawn smaller.
func shrinkIsland(t *testing.T, fx fixture, version int64) *geo.Snapshot {
	t.Helper()
	s := fx.snapshot(t, version)
	g := s.Grid("320902001001002")
	g.Geom = mustMP(t, "MULTIPOLYGON(((120.107 33.372,120.113 33.372,120.113 33.388,120.107 33.388,120.107 33.372)))")
	return s
}

func featureArea(t *testing.T, body []byte, layer, code string) float64 {
	t.Helper()
	d, err := tilestest.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	l := d.Layer(layer)
	if l == nil {
		return 0
	}
	var a float64
	id := geo.Code(code).ID() // lean features have no code property
	for _, f := range l.Features {
		if f.ID == id {
			for _, p := range f.Polygons {
				for _, r := range p {
					a += float64(tilestest.RingArea2(r)) / 2
				}
			}
		}
	}
	return a
}

// TestHTTPFreshnessAndETags swaps the source to a version where one grid
// changed: the next request returns the new geometry under a new ETag,
// while a tile the change did not touch keeps its ETag.
func TestHTTPFreshnessAndETags(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	src := newSwapSource(fx.snapshot(t, 1))
	srv := newTestServer(t, NewService(src, nil, nil, Options{}))
	island := srv.URL + "/tiles/grid/" + islandTile() + ".mvt"
	east := srv.URL + "/tiles/grid/" + eastTile() + ".mvt"
	before, eastBefore := get(t, island), get(t, east)
	if before.status != 200 || eastBefore.status != 200 {
		t.Fatalf("status %d, %d", before.status, eastBefore.status)
	}
	areaBefore := featureArea(t, before.body, LayerGrid, "320902001001002")

	src.p.Store(shrinkIsland(t, fx, 2))

	after, eastAfter := get(t, island+"?v=1"), get(t, east)
	if after.header.Get("X-Dataset-Version") != "2" {
		t.Errorf("X-Dataset-Version %q after the swap; want 2", after.header.Get("X-Dataset-Version"))
	}
	if strings.Contains(after.header.Get("Cache-Control"), "immutable") {
		t.Errorf("?v=1 after the swap is cached forever: %s", after.header.Get("Cache-Control"))
	}
	if after.header.Get("ETag") == before.header.Get("ETag") {
		t.Errorf("changed tile kept ETag %s", after.header.Get("ETag"))
	}
	areaAfter := featureArea(t, after.body, LayerGrid, "320902001001002")
	// 0.006°×0.016° of the old 0.01°×0.02°: 0.48 of the area.
	if r := areaAfter / areaBefore; r < 0.46 || r > 0.50 {
		t.Errorf("island area went from %.0f to %.0f (ratio %.3f); want 0.48", areaBefore, areaAfter, r)
	}
	if eastAfter.header.Get("ETag") != eastBefore.header.Get("ETag") {
		t.Errorf("untouched tile changed ETag from %s to %s", eastBefore.header.Get("ETag"), eastAfter.header.Get("ETag"))
	}
	if res := get(t, island, "If-None-Match", before.header.Get("ETag")); res.status != 200 {
		t.Errorf("old ETag after the change: status %d; want 200 with the new tile", res.status)
	}
}

func TestHTTPTileJSON(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	srv := newTestServer(t, NewService(newSwapSource(fx.snapshot(t, 42)), nil, nil, Options{}))
	var doc TileJSONDoc
	res := get(t, srv.URL+"/tiles.json")
	if res.status != 200 || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", res.status, res.header.Get("Content-Type"))
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.TileJSON != "3.0.0" || doc.MinZoom != 0 || doc.MaxZoom != MaxZoom || doc.Scheme != "xyz" {
		t.Errorf("tilejson %q minzoom %d maxzoom %d scheme %q", doc.TileJSON, doc.MinZoom, doc.MaxZoom, doc.Scheme)
	}
	if want := srv.URL + "/tiles/{z}/{x}/{y}.mvt?v=42"; len(doc.Tiles) != 1 || doc.Tiles[0] != want {
		t.Errorf("tiles %v; want [%s]", doc.Tiles, want)
	}
	if len(doc.VectorLayers) != len(layerInfos) {
		t.Fatalf("%d vector layers; want %d", len(doc.VectorLayers), len(layerInfos))
	}
	for i, vl := range doc.VectorLayers {
		li := layerInfos[i]
		if vl.ID != li.Name || vl.MinZoom != li.MinZoom || vl.MaxZoom != li.MaxZoom ||
			!strings.HasPrefix(vl.Fields["code"], "String") || !strings.HasPrefix(vl.Fields["households"], "Number") {
			t.Errorf("vector layer %+v; want %s %d-%d with code and households fields", vl, li.Name, li.MinZoom, li.MaxZoom)
		}
	}
	// What TileJSON says a layer's features carry at each zoom is what the
	// tiles hold: fields marked "(from zN)" from N on, the others always.
	documented := func(vl VectorLayer, z int) map[string]bool {
		out := map[string]bool{}
		for k, v := range vl.Fields {
			var typ string
			from := vl.MinZoom
			if i := strings.Index(v, " (from z"); i >= 0 {
				typ = v[:i]
				if _, err := fmt.Sscanf(v[i:], " (from z%d)", &from); err != nil {
					t.Fatalf("layer %s field %s: %q: %v", vl.ID, k, v, err)
				}
			} else {
				typ = v
			}
			if typ != "String" && typ != "Number" {
				t.Errorf("layer %s field %s: type %q", vl.ID, k, typ)
			}
			if z >= from {
				out[k] = true
			}
		}
		return out
	}
	byID := map[string]VectorLayer{}
	for _, vl := range doc.VectorLayers {
		byID[vl.ID] = vl
	}
	p := Prepare(fx.snapshot(t, 42))
	bd := snapshotBound(fx.snapshot(t, 42))
	seen := map[string]int{}
	for z := 0; z <= 16; z++ {
		for _, tl := range tilesCovering(bd, z) {
			data, err := p.Render(nil, z, int(tl.X), int(tl.Y))
			if err != nil {
				t.Fatal(err)
			}
			d := decodeStrict(t, data)
			for _, l := range d.Layers {
				want := documented(byID[l.Name], z)
				for _, f := range l.Features {
					for k := range f.Props {
						if !want[k] {
							t.Errorf("z%d layer %s feature %d: property %s, which TileJSON says is not there at z%d (%v)", z, l.Name, f.ID, k, z, want)
						}
					}
					for k := range want {
						if _, ok := f.Props[k]; !ok && !(l.Name == LayerLabel && k == "kind") { // area labels have no kind
							t.Errorf("z%d layer %s feature %d: no %s, which TileJSON says is there at z%d", z, l.Name, f.ID, k, z)
						}
					}
					seen[fmt.Sprintf("%s/%d", l.Name, len(f.Props))]++
				}
			}
		}
	}
	for _, k := range []string{"grid/1", "grid/8", "town/0", "town/5", "village/0", "village/5"} {
		if seen[k] == 0 {
			t.Errorf("no %s-property feature in the fixture's tiles: the check above proves less than it says (%v)", k, seen)
		}
	}
	// The county's wiggly circle spans about 119.92-120.38 E, 33.25-33.55 N.
	b := doc.Bounds
	if b[0] < 119.9 || b[0] > 119.97 || b[2] < 120.33 || b[2] > 120.4 || b[1] < 33.2 || b[1] > 33.27 || b[3] < 33.53 || b[3] > 33.6 {
		t.Errorf("bounds %v; want about the county [119.92, 33.25, 120.38, 33.55]", b)
	}
	if c := doc.Center; c[0] < b[0] || c[0] > b[2] || c[1] < b[1] || c[1] > b[3] || c[2] < 7 || c[2] > 11 {
		t.Errorf("center %v not inside bounds %v at a city zoom", c, b)
	}

	var one TileJSONDoc
	res = get(t, srv.URL+"/tiles/grid.json")
	if err := json.Unmarshal(res.body, &one); err != nil {
		t.Fatalf("status %d: %v", res.status, err)
	}
	if len(one.VectorLayers) != 1 || one.VectorLayers[0].ID != "grid" || one.MinZoom != 11 || one.Tiles[0] != srv.URL+"/tiles/grid/{z}/{x}/{y}.mvt?v=42" {
		t.Errorf("grid TileJSON: layers %v minzoom %d tiles %v", one.VectorLayers, one.MinZoom, one.Tiles)
	}
	if res := get(t, srv.URL+"/tiles/roads.json"); res.status != 404 || res.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown layer TileJSON: %d %s", res.status, res.header.Get("Content-Type"))
	}
	if res := get(t, srv.URL+"/tiles.json", "If-None-Match", get(t, srv.URL+"/tiles.json").header.Get("ETag")); res.status != 304 {
		t.Errorf("TileJSON revalidation: %d; want 304", res.status)
	}
	// The root-mounted handler serves the per-layer document too.
	rec := httptest.NewRecorder()
	NewService(newSwapSource(fx.snapshot(t, 42)), nil, nil, Options{BaseURL: "https://maps.example"}).TileJSON().
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tiles/subgrid.json", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"https://maps.example/tiles/subgrid/{z}/{x}/{y}.mvt?v=42"`) {
		t.Errorf("TileJSON() /tiles/subgrid.json: %d %s", rec.Code, rec.Body)
	}
}

func TestHTTPNoSnapshotYet(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, NewService(&swapSource{}, nil, nil, Options{}))
	res := get(t, srv.URL+"/tiles/1/0/0.mvt")
	if res.status != 503 || res.header.Get("Retry-After") == "" {
		t.Errorf("no snapshot: status %d, Retry-After %q; want 503 with Retry-After", res.status, res.header.Get("Retry-After"))
	}
}

// TestServiceConcurrentSwaps requests tiles from several goroutines while
// the source swaps versions: every tile must be exactly the tile of the
// version the service says it served, never a mix or a stale one.
func TestServiceConcurrentSwaps(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	snaps := []*geo.Snapshot{fx.snapshot(t, 1), shrinkIsland(t, fx, 2), fx.snapshot(t, 3), shrinkIsland(t, fx, 4)}
	x, y := tileAt(120.11, 33.38, 12)
	want := map[int64][]byte{}
	for _, s := range snaps {
		b, err := Prepare(s).Render(nil, 12, x, y)
		if err != nil {
			t.Fatal(err)
		}
		want[s.Version] = b
	}
	src := newSwapSource(snaps[0])
	svc := NewService(src, nil, nil, Options{CacheBytes: 1 << 20})
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				tl, v, err := svc.Tile(context.Background(), "", 12, x, y)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(tl.Data, want[v]) {
					errs <- fmt.Errorf("version %d served %d bytes that are not its tile", v, len(tl.Data))
					return
				}
			}
		}()
	}
	for _, s := range snaps[1:] {
		time.Sleep(5 * time.Millisecond)
		src.p.Store(s)
	}
	time.Sleep(5 * time.Millisecond)
	close(done)
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, v, _ := svc.Tile(context.Background(), "", 12, x, y); v != 4 {
		t.Errorf("after the last swap the service serves version %d; want 4", v)
	}
}

func TestServiceWatchPreparesNewVersions(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	src := newSwapSource(fx.snapshot(t, 1))
	svc := NewService(src, nil, nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.Watch(ctx, time.Millisecond)
	src.p.Store(shrinkIsland(t, fx, 2))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p := svc.prep.Load(); p != nil && p.Version == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Watch did not prepare version 2 within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	// A service without a source answers "not loaded yet", not a panic.
	if _, _, err := NewService(nil, nil, nil, Options{}).Tile(ctx, "", 0, 0, 0); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("nil source: %v; want ErrNoSnapshot", err)
	}
}

// TestTileRouterAnswersAsChi: the tile requests the tile router answers
// itself get the same status, headers, body and route pattern (for the
// metrics) as through the chi router, mounted and not; and it takes
// only plain tile paths.
func TestTileRouterAnswersAsChi(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	svc := NewService(newSwapSource(fx.snapshot(t, 7)), nil, nil, Options{})
	tr := svc.Handler().(*tileRouter)
	x14, y14 := tileAt(120.12, 33.38, 14)
	paths := []string{
		fmt.Sprintf("/14/%d/%d.mvt", x14, y14),
		fmt.Sprintf("/grid/14/%d/%d.mvt", x14, y14),
		fmt.Sprintf("/label/14/%d/%d.mvt?v=7", x14, y14),
		fmt.Sprintf("/14/%d/%d.mvt?v=6", x14, y14),
		fmt.Sprintf("/14/%d/%d.mvt?v=x", x14, y14),
		"/0/0/0.mvt", "/14/0/0.mvt", "/grid/5/26/12.mvt", "/23/0/0.mvt", "/3/8/0.mvt", "/00000003/1/2.mvt",
		"/1/0/0.mvt?at=2024-05-01T00:00:00Z", "/1/0/0.mvt?at=yesterday", "/" + islandTile() + ".mvt",
	}
	for _, p := range paths {
		path, _, _ := strings.Cut(p, "?")
		if _, _, _, _, ok := splitTilePath(path); !ok {
			t.Fatalf("%s: not taken by the tile router", p)
		}
	}
	for _, p := range []string{"/a/0/0.mvt", "/1/99999999999/0.mvt", "/roads/1/0/0.mvt", "/1/0/0.png", "/1/0/0.mvt/",
		"/1/0/-1.mvt", "/1//0.mvt", "/grid/1/0/0/0.mvt", "/1/0.mvt", "/grid.json", "1/0/0.mvt", "/%31/0/0.mvt"} {
		if _, _, _, _, ok := splitTilePath(p); ok {
			t.Errorf("%s: taken by the tile router; want it left to chi", p)
		}
	}
	type answer struct {
		status  int
		header  http.Header
		body    string
		pattern string
	}
	serve := func(h http.Handler, mounted bool, method, path string, hdr ...string) answer {
		var pattern string
		if mounted {
			r := chi.NewRouter()
			r.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r)
					pattern = chi.RouteContext(r.Context()).RoutePattern()
				})
			})
			r.Mount("/tiles", h)
			h, path = r, "/tiles"+path
		}
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return answer{rec.Code, rec.Header(), rec.Body.String(), pattern}
	}
	etag := serve(tr, false, "GET", paths[0]).header.Get("ETag")
	for _, p := range paths {
		for _, mounted := range []bool{false, true} {
			for _, tc := range []struct {
				method string
				hdr    []string
			}{{"GET", nil}, {"HEAD", nil}, {"GET", []string{"Accept-Encoding", "gzip"}}, {"GET", []string{"If-None-Match", etag}}} {
				fast := serve(tr, mounted, tc.method, p, tc.hdr...)
				viaChi := serve(tr.router, mounted, tc.method, p, tc.hdr...)
				if fast.status != viaChi.status || fast.body != viaChi.body || fmt.Sprint(fast.header) != fmt.Sprint(viaChi.header) ||
					fast.pattern != viaChi.pattern {
					t.Errorf("%s %s %v (mounted %v): tile router answered %d %v, %d bytes (route %q); chi %d %v, %d bytes (route %q)",
						tc.method, p, tc.hdr, mounted, fast.status, fast.header, len(fast.body), fast.pattern,
						viaChi.status, viaChi.header, len(viaChi.body), viaChi.pattern)
				}
			}
		}
	}
	if a := serve(tr, true, "GET", paths[1]); a.pattern != "/tiles/{layer}/{z}/{x}/{y}.mvt" || a.status != 200 {
		t.Errorf("one-layer tile: %d, route %q", a.status, a.pattern)
	}
}
