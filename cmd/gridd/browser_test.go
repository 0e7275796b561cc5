package main

import (
	"context"
	"encoding/json"
	"image"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/lookup"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestMapPageInBrowser loads the map page of the fully wired service in
// Debian's chromium (driven by playwright-core, web/test/browser.mjs),
// checks the screenshot is a drawn map and not a blank page, clicks a
// household's point and checks the panel names the grid PostGIS gives for
// that point: at z14, and at z12, where grids are lean (id and kind), both
// before the lookup answers (the code read from the feature id) and after.
func TestMapPageInBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, srv := servedDemo(ctx, t)

	// A point well inside a grid: the household farthest from its grid's edge.
	var lon, lat float64
	err := st.Pool().QueryRow(ctx, `
		SELECT ST_X(h.geom), ST_Y(h.geom) FROM household h JOIN grid_current g ON g.code = h.grid_code
		ORDER BY ST_Distance(h.geom, ST_Boundary(g.geom)) DESC LIMIT 1`).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lookup.NewPostGIS(st).LookupPoint(ctx, orb.Point{lon, lat})
	if err != nil || want == "" {
		t.Fatalf("PostGIS lookup of (%v, %v): %q, %v", lon, lat, want, err)
	}
	var wantKind string
	if err := st.Pool().QueryRow(ctx, `SELECT kind FROM grid_current WHERE code = $1`, want).Scan(&wantKind); err != nil {
		t.Fatal(err)
	}

	shot := filepath.Join(t.TempDir(), "map.png")
	cctx, ccancel := context.WithTimeout(ctx, 3*time.Minute)
	defer ccancel()
	// The page in English, the words this test reads.
	cmd := exec.CommandContext(cctx, "node", "test/browser.mjs", srv.URL+"/",
		strconv.FormatFloat(lon, 'f', -1, 64), strconv.FormatFloat(lat, 'f', -1, 64), shot, "en-US")
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure string            `json:"failure"`
		Fields  map[string]string `json:"fields"`
		Lean    struct {
			Props []string `json:"props"`
			Panel struct {
				Title  string            `json:"title"`
				Text   string            `json:"text"`
				Fields map[string]string `json:"fields"`
			} `json:"panel"`
			Refined map[string]string `json:"refined"`
		} `json:"lean"`
		FullProps       []string          `json:"fullProps"`
		Popup           string            `json:"popup"`
		Search          map[string]string `json:"search"`
		ZoomAfterSearch float64           `json:"zoomAfterSearch"`
		BadSearch       string            `json:"badSearch"`
		Errors          []string          `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		if !strings.Contains(msg, "404") { // the favicon
			t.Errorf("page error: %s", msg)
		}
	}
	if got := res.Fields["Grid"]; got != string(want) {
		t.Fatalf("panel shows grid %q, PostGIS says %q (fields %v)", got, want, res.Fields)
	}
	// z12: the tile's grid has its kind only; the panel shows the code
	// read from the feature id, then the lookup's answer.
	if strings.Join(res.Lean.Props, " ") != "kind" || len(res.FullProps) != 8 {
		t.Errorf("grid properties the map has at z12: %v, at z14: %v; want [kind] and all 8", res.Lean.Props, res.FullProps)
	}
	lp := res.Lean.Panel
	if lp.Fields["Code"] != string(want) || lp.Title != string(want) || lp.Fields["Kind"] != wantKind ||
		lp.Fields["Village"] != string(want)[:12] || strings.Contains(lp.Text, "undefined") {
		t.Errorf("z12 panel before the lookup: title %q, fields %v (%q); want the code %s as title and Code, kind %s, village %s",
			lp.Title, lp.Fields, lp.Text, want, wantKind, string(want)[:12])
	}
	if got := res.Lean.Refined["Grid"]; got != string(want) {
		t.Errorf("z12 panel after the lookup shows grid %q, PostGIS says %q (fields %v)", got, want, res.Lean.Refined)
	}
	if !strings.Contains(res.Fields["County"], "亭湖区") {
		t.Errorf("panel county %q, want 亭湖区", res.Fields["County"])
	}
	if res.Popup != string(want) {
		t.Errorf("right-click popup %q, want %q", res.Popup, want)
	}
	if res.Search["code"] != "320902000000" || res.Search["name"] != "亭湖区" {
		t.Errorf("search for 320902 shows %v", res.Search)
	}
	if res.ZoomAfterSearch < 7 || res.ZoomAfterSearch > 12 {
		t.Errorf("zoom after searching a county is %.1f; want the county in view (7-12)", res.ZoomAfterSearch)
	}
	if !strings.Contains(res.BadSearch, "digits") {
		t.Errorf("a malformed code gives %q", res.BadSearch)
	}

	// The screenshot must show a drawn map: many colours, grid fills and lines.
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours, mapPixels := distinctColours(img, 880)
	if colours < 20 {
		t.Fatalf("screenshot of the map area has %d distinct colours: blank map", colours)
	}
	if mapPixels < 1000 {
		t.Fatalf("only %d pixels differ from the background", mapPixels)
	}
}

// needBrowser fails the test, saying how to install them, when chromium,
// node or the npm packages are missing.
func needBrowser(t *testing.T) {
	t.Helper()
	for _, need := range []string{"/usr/bin/chromium", "../../web/node_modules/playwright-core", "../../web/vendor/maplibre-gl.js"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run the tests with ./dev test (it installs chromium and the npm packages)", need)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is missing: run the tests with ./dev test (it installs nodejs)")
	}
}

// distinctColours counts the colours left of x = maxX, and the pixels that
// differ from the top-left pixel (the background).
func distinctColours(img image.Image, maxX int) (int, int) {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	r0, g0, b0, _ := img.At(b.Min.X+60, b.Max.Y-10).RGBA()
	differ := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < min(b.Max.X, maxX); x += 2 {
			r, g, bb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bb >> 8}] = true
			if r != r0 || g != g0 || bb != b0 {
				differ++
			}
		}
	}
	return len(seen), differ
}

// servedDemo serves the fully wired service (newHandler) on a demo county
// (320902 at scale 0.2) for a browser test, until the test ends.
func servedDemo(ctx context.Context, t *testing.T) (*store.Store, *httptest.Server) {
	t.Helper()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: geo.MustParseCode("320902")})
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return st, srv
}
