package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/protomaps/go-pmtiles/pmtiles"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/store/storetest"
	"gridmap/tilearchive"
)

// TestExportTilesPMTiles exports the development zone with gridd export
// tiles and reads the archive back with the pmtiles npm package (the
// reader of MapLibre's pmtiles:// protocol): every tile of the range is
// the server's tile of the same version, byte for byte, and the empty
// ones are left out.
func TestExportTilesPMTiles(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st := storetest.NewDemo(t, demo.Options{Scale: 1, Seed: 1, County: geo.MustParseCode("320971")})
	url := st.Pool().Config().ConnString()
	archive := filepath.Join(t.TempDir(), "zone.pmtiles")
	const minZ, maxZ = 8, 15
	_, errOut, err := gridd(t, url, "export", "tiles", "-o", archive, "--minzoom", fmt.Sprint(minZ), "--maxzoom", fmt.Sprint(maxZ))
	if err != nil {
		t.Fatalf("gridd export tiles: %v\n%s", err, errOut)
	}
	t.Logf("gridd export tiles: %s", strings.TrimSpace(errOut[strings.LastIndex(strings.TrimSpace(errOut), "\n")+1:]))

	// The server, on the same data.
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, s, ea, n, _ := live.FromSnapshot(snap).Tiles.Bounds()
	var list [][3]int
	for _, id := range tilearchive.TileIDs(minZ, maxZ, w, s, ea, n) {
		z, x, y := pmtiles.IDToZxy(id)
		list = append(list, [3]int{int(z), int(x), int(y)})
	}
	listFile := filepath.Join(t.TempDir(), "tiles.json")
	b, _ := json.Marshal(list)
	if err := os.WriteFile(listFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", "test/pmtiles.mjs", archive, listFile)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node test/pmtiles.mjs: %v\n%s (run ./dev test once: it installs the pmtiles npm package)", err, out)
	}
	var read struct {
		Header struct {
			TileType, MinZoom, MaxZoom int
		} `json:"header"`
		Metadata struct {
			VectorLayers []struct {
				ID string `json:"id"`
			} `json:"vector_layers"`
			Version int64 `json:"gridmap_dataset_version"`
		} `json:"metadata"`
		Tiles map[string]*string `json:"tiles"`
	}
	if err := json.Unmarshal(out, &read); err != nil {
		t.Fatalf("reader output: %v\n%.500s", err, out)
	}
	if read.Header.TileType != 1 || read.Header.MinZoom != minZ || read.Header.MaxZoom != maxZ {
		t.Errorf("header: %+v, want MVT tiles z%d-%d", read.Header, minZ, maxZ)
	}
	if len(read.Metadata.VectorLayers) == 0 || read.Metadata.Version != snap.Version {
		t.Errorf("metadata: %+v, want the vector layers of version %d", read.Metadata, snap.Version)
	}
	present, mismatched := 0, 0
	for _, zxy := range list {
		key := fmt.Sprintf("%d/%d/%d", zxy[0], zxy[1], zxy[2])
		a := get(t, fmt.Sprintf("%s/tiles/%s.mvt?v=%d", srv.URL, key, snap.Version))
		var want *string
		if a.status == 200 {
			sum := sha256.Sum256(a.body)
			hx := hex.EncodeToString(sum[:])
			want = &hx
			present++
		} else if a.status != 204 {
			t.Fatalf("server tile %s: %d %s", key, a.status, a.body)
		}
		got, ok := read.Tiles[key]
		if !ok || (got == nil) != (want == nil) || got != nil && *got != *want {
			mismatched++
			if mismatched <= 5 {
				t.Errorf("tile %s: archive %v, server %v", key, deref(got), deref(want))
			}
		}
	}
	t.Logf("%d tiles z%d-%d compared, %d with content, %d mismatched", len(list), minZ, maxZ, present, mismatched)
	if present < 100 {
		t.Errorf("only %d tiles with content: the comparison proves little", present)
	}
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return *s
}

// TestMapOpensPMTilesArchive opens an exported archive in the map page
// (its file input) in Debian's chromium: the page draws the archive's
// grids through the pmtiles:// protocol, asking the server for no tile.
func TestMapOpensPMTilesArchive(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	if _, err := os.Stat("../../web/vendor/pmtiles.js"); err != nil {
		t.Fatal("web/vendor/pmtiles.js is missing: run ./dev build or ./dev test (they copy it from npm)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st := storetest.NewDemo(t, demo.Options{Scale: 1, Seed: 1, County: geo.MustParseCode("320971")})
	archive := filepath.Join(t.TempDir(), "zone.pmtiles")
	if _, errOut, err := gridd(t, st.Pool().Config().ConnString(), "export", "tiles", "-o", archive, "--minzoom", "8", "--maxzoom", "14"); err != nil {
		t.Fatalf("gridd export tiles: %v\n%s", err, errOut)
	}
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cmd := exec.CommandContext(ctx, "node", "test/offline.mjs", srv.URL+"/", archive)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure     string   `json:"failure"`
		Grids       int      `json:"grids"`
		ServerTiles int      `json:"serverTiles"`
		Status      string   `json:"status"`
		Errors      []string `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		if !strings.Contains(msg, "404") { // the favicon
			t.Errorf("page error: %s", msg)
		}
	}
	t.Logf("archive drawn: %d grid features, %d server tile requests, status %q", res.Grids, res.ServerTiles, res.Status)
	if res.Grids == 0 {
		t.Error("the map drew no grid from the archive")
	}
	if res.ServerTiles != 0 {
		t.Errorf("%d tile requests went to the server while the archive was open", res.ServerTiles)
	}
	if !strings.Contains(res.Status, "zone.pmtiles") {
		t.Errorf("status %q does not name the archive", res.Status)
	}
}
