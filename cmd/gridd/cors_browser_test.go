package main

import (
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/lookup"
	"gridmap/web"
)

// TestMapOnAnotherOrigin loads a map page served from a second origin (a
// second port on loopback: a city portal, say) in Debian's chromium
// (web/test/cors.mjs): the page fetches gridmap's TileJSON and draws its
// tiles across origins, a batch lookup from it (a preflighted POST)
// answers the grid PostGIS gives, a tile's ETag is readable, and a route
// that takes a token refuses the page's origin (none are configured).
func TestMapOnAnotherOrigin(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, gridmap := servedDemo(ctx, t)
	page, err := os.ReadFile("../../web/test/cors.html")
	if err != nil {
		t.Fatal(err)
	}
	portal := http.NewServeMux()
	portal.Handle("/", web.Handler()) // its own MapLibre and style.js
	portal.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	other := httptest.NewServer(portal)
	defer other.Close()

	var lon, lat float64
	if err := st.Pool().QueryRow(ctx, `
		SELECT ST_X(h.geom), ST_Y(h.geom) FROM household h JOIN grid_current g ON g.code = h.grid_code
		ORDER BY ST_Distance(h.geom, ST_Boundary(g.geom)) DESC LIMIT 1`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	want, err := lookup.NewPostGIS(st).LookupPoint(ctx, orb.Point{lon, lat})
	if err != nil || want == "" {
		t.Fatalf("PostGIS lookup of (%v, %v): %q, %v", lon, lat, want, err)
	}

	shot := filepath.Join(t.TempDir(), "portal.png")
	cctx, ccancel := context.WithTimeout(ctx, 3*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "node", "test/cors.mjs", other.URL+"/", gridmap.URL,
		strconv.FormatFloat(lon, 'f', -1, 64), strconv.FormatFloat(lat, 'f', -1, 64), shot)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure  string `json:"failure"`
		Origin   string `json:"origin"`
		Rendered int    `json:"rendered"`
		Lookup   struct {
			ID   string `json:"id"`
			Grid string `json:"grid"`
		} `json:"lookup"`
		ETag   string   `json:"etag"`
		Token  string   `json:"token"`
		Errors []string `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	if res.Origin != other.URL || res.Origin == gridmap.URL {
		t.Fatalf("the page ran on %s; want the second origin %s (gridmap is %s)", res.Origin, other.URL, gridmap.URL)
	}
	for _, msg := range res.Errors {
		// The refused token call is the one error the page must see; the
		// 404 is the favicon.
		if !strings.Contains(msg, "/proposals") && !strings.Contains(msg, "net::ERR_FAILED") && !strings.Contains(msg, "404") {
			t.Errorf("page error: %s", msg)
		}
	}
	if res.Rendered == 0 {
		t.Error("no grid drawn from gridmap's tiles on the other origin")
	}
	if res.Lookup.Grid != string(want) {
		t.Errorf("batch lookup from the other origin: grid %q, PostGIS says %q", res.Lookup.Grid, want)
	}
	if res.ETag == "" {
		t.Error("the page cannot read a tile's ETag: it is not exposed")
	}
	if !strings.HasPrefix(res.Token, "refused") {
		t.Errorf("a route that takes a token was %s to another origin; want refused", res.Token)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if colours, drawn := distinctColours(img, 800); colours < 10 || drawn < 1000 {
		t.Errorf("screenshot of the portal's map: %d colours, %d drawn pixels: blank", colours, drawn)
	}
}
