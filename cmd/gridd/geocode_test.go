package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridmap/api/apitest"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/geocode/geocodetest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestGeocodeCommand: gridd geocode codes a CSV of addresses with their
// standard addresses and grids, in input order, with a progress bar.
func TestGeocodeCommand(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	if _, stderr, err := runGridd(t, url, "", "demo", "--county", "320971", "--scale", "0.3", "--seed", "3"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	ctx := context.Background()
	st := openTestStore(t, url)
	as, err := geocodetest.Read(ctx, st) // the demo's own standard addresses
	if err != nil || len(as) == 0 {
		t.Fatalf("%d standard addresses: %v", len(as), err)
	}
	var in strings.Builder
	in.WriteString("id,address\n")
	for i, a := range as {
		fmt.Fprintf(&in, "a%d,%s\n", i, a.Text())
	}
	in.WriteString("x,火星路1号\n")
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "addresses.csv"), filepath.Join(dir, "coded.csv")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runGridd(t, url, "", "geocode", "--in", inPath, "--out", outPath)
	if err != nil || !strings.Contains(stderr, fmt.Sprintf("%d addresses (%d matched", len(as)+1, len(as))) || !strings.Contains(stderr, "] 100%") {
		t.Fatalf("geocode: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(as)+2 {
		t.Fatalf("%d rows, want %d", len(rows), len(as)+2)
	}
	for i, a := range as {
		if r := rows[i+1]; r[0] != fmt.Sprintf("a%d", i) || r[1] != "matched" || r[2] != string(a.Grid) || r[3] != a.Code || r[4] != a.Text() {
			t.Fatalf("row %d: %v, want %s %s", i, r, a.Code, a.Grid)
		}
	}
	if r := rows[len(rows)-1]; r[0] != "x" || r[1] != "unmatched" || r[2] != "" {
		t.Errorf("last row %v, want x unmatched", r)
	}
}

// TestGeocodeFreshAfterImport: an address imported through POST
// /records/import on a running server is answered by GET /geocode
// (matched, with the grid of its point) soon after: the address index
// follows the import's version by an overlay, without a rebuild. The
// latency on the whole demo city is measured by gridd bench geocode
// --fresh, not here.
func TestGeocodeFreshAfterImport(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: geo.MustParseCode("320902")})
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var grid, county, town, vname string
	var lon, lat float64
	if err := st.Pool().QueryRow(ctx, `
		SELECT g.code, c.name, t.name, v.name, ST_X(p), ST_Y(p)
		FROM grid_current g
		JOIN area v ON v.code = g.village JOIN area t ON t.code = v.parent JOIN area c ON c.code = t.parent
		CROSS JOIN LATERAL ST_PointOnSurface(g.geom) p
		WHERE length(g.code) = 15 ORDER BY g.code DESC LIMIT 1`).Scan(&grid, &county, &town, &vname, &lon, &lat); err != nil {
		t.Fatal(err)
	}
	_, adminTok, err := st.CreateToken(ctx, store.NewToken{Name: "admin", Role: "admin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, viewerTok, err := st.CreateToken(ctx, store.NewToken{Name: "viewer", Role: "viewer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, tok, ctype, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		apitest.CheckResponse(t, req, res.StatusCode, res.Header, b)
		return res.StatusCode, b
	}
	text := county + town + vname + "鑫源大道8号"
	q := "/geocode?q=" + neturl.QueryEscape("鑫源大道８号") // noisy: full-width, areas left out
	type answer struct {
		Status  string
		Grid    *struct{ Code string }
		Address *struct{ Code, Standard string }
	}
	get := func() answer {
		code, b := do("GET", q, viewerTok, "", "")
		var a answer
		if err := json.Unmarshal(b, &a); code != 200 || err != nil {
			t.Fatalf("GET %s: %d %s", q, code, b)
		}
		return a
	}
	if a := get(); a.Status == "matched" {
		t.Fatalf("matched before the import: %+v", a)
	}
	if code, body := do("POST", "/records/import?kind=addresses", adminTok, "text/csv",
		fmt.Sprintf("address,lon,lat\n%s,%.7f,%.7f\n", text, lon, lat)); code != 200 || !strings.Contains(string(body), `"accepted":1`) {
		t.Fatalf("import: %d %s", code, body)
	}
	committed := time.Now()
	for {
		a := get()
		if a.Status == "matched" {
			if a.Grid == nil || a.Grid.Code != grid || a.Address == nil || !strings.HasPrefix(a.Address.Code, grid[:12]) {
				t.Fatalf("matched %+v %+v, want grid %s", a.Grid, a.Address, grid)
			}
			t.Logf("%s geocoded %v after the import returned", text, time.Since(committed).Round(time.Millisecond))
			return
		}
		if time.Since(committed) > 30*time.Second {
			t.Fatalf("%s not geocoded 30 s after its import: %+v", text, a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
