package eventhex_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/uber/h3-go/v4"

	"gridmap/eventhex"
	"gridmap/eventstats"
	"gridmap/eventstats/eventstatstest"
	"gridmap/store"
	"gridmap/tiles/tilestest"
)

// tileOf returns the tile of zoom z holding lon/lat.
func tileOf(lon, lat float64, z int) (int, int) {
	n := math.Ldexp(1, z)
	s := math.Sin(lat * math.Pi / 180)
	return int((lon + 180) / 360 * n), int((0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * n)
}

// tileBounds returns the lon/lat bounds of a tile.
func tileBounds(z, x, y int) (w, s, e, n float64) {
	lon := func(x int) float64 { return float64(x)/math.Ldexp(1, z)*360 - 180 }
	lat := func(y int) float64 {
		return math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/math.Ldexp(1, z)))) * 180 / math.Pi
	}
	return lon(x), lat(y + 1), lon(x + 1), lat(y)
}

func wkt(c h3.Cell) string {
	var b strings.Builder
	b.WriteString("POLYGON((")
	bd := c.Boundary()
	for i := 0; i <= len(bd); i++ {
		p := bd[i%len(bd)]
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%.12f %.12f", p.Lng, p.Lat)
	}
	b.WriteString("))")
	return b.String()
}

// TestTilesMatchPostgreSQL decodes hexagon tiles at every resolution over
// the demo year and checks each hexagon's counts against PostgreSQL's
// count of the events its polygon covers (as geography: H3's edges are
// great-circle arcs), and that the hexagons of a tile cover every event
// inside the tile (PostGIS again).
func TestTilesMatchPostgreSQL(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx := context.Background()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := eventhex.NewService(h.Current, eventhex.Options{})
	// The busiest grid's events: tiles around them at every zoom.
	var lon, lat float64
	if err := st.Pool().QueryRow(ctx, `SELECT ST_X(location), ST_Y(location) FROM event
		WHERE grid_code = (SELECT grid_code FROM event GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) ORDER BY id LIMIT 1`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	hexes := 0
	for z := 5; z <= 15; z++ {
		cx, cy := tileOf(lon, lat, z)
		for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}} {
			x, y := cx+d[0], cy+d[1]
			b, v, err := s.Tile(z, x, y)
			if err != nil {
				t.Fatal(err)
			}
			if v != h.Current().Seq {
				t.Fatalf("tile drawn at events version %d, the table is at %d", v, h.Current().Seq)
			}
			hexes += checkTile(t, st, b, z, x, y)
		}
	}
	if hexes < 50 {
		t.Fatalf("only %d hexagons checked", hexes)
	}
}

func checkTile(t *testing.T, st *store.Store, b []byte, z, x, y int) int {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("tile %d/%d/%d", z, x, y)
	w, s, e, n := tileBounds(z, x, y)
	inTile := storetest_int(t, st, `SELECT count(*) FROM event WHERE ST_Intersects(location, ST_MakeEnvelope($1, $2, $3, $4, 4326))`, w, s, e, n)
	if len(b) == 0 {
		if inTile > 0 {
			t.Errorf("%s: empty, but %d events lie inside it", name, inTile)
		}
		return 0
	}
	d, err := tilestest.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	l := d.Layer(eventhex.LayerName)
	if l == nil || len(d.Layers) != 1 {
		t.Fatalf("%s: want the one layer %s, got %d layers", name, eventhex.LayerName, len(d.Layers))
	}
	var cells, polys []string
	want := map[string][2]int{}
	for _, f := range l.Features {
		if len(f.Props) != 3 {
			t.Fatalf("%s: feature %x has properties %v, want h3, count and open only", name, f.ID, f.Props)
		}
		cs, _ := f.Props["h3"].(string)
		c := h3.Cell(f.ID)
		if c.String() != cs || !c.IsValid() || c.Resolution() != eventhex.Resolution(z) {
			t.Fatalf("%s: feature %x with h3 %q: not a cell of resolution %d", name, f.ID, cs, eventhex.Resolution(z))
		}
		cnt, _ := f.Props["count"].(int64)
		open, _ := f.Props["open"].(int64)
		want[cs] = [2]int{int(cnt), int(open)}
		cells, polys = append(cells, cs), append(polys, wkt(c))
	}
	rows, err := st.Pool().Query(ctx, `SELECT c.cell, count(e.id), count(e.id) FILTER (WHERE e.closed_at IS NULL)
		FROM unnest($1::text[], $2::text[]) c(cell, wkt)
		LEFT JOIN event e ON e.location && ST_Expand(ST_GeomFromText(c.wkt, 4326), 0.001)
			AND ST_Covers(ST_GeogFromText(c.wkt), e.location::geography)
		GROUP BY 1`, cells, polys)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var cnt, open int
		if err := rows.Scan(&c, &cnt, &open); err != nil {
			t.Fatal(err)
		}
		if w := want[c]; w != [2]int{cnt, open} {
			t.Errorf("%s: hexagon %s says %d events (%d open), PostGIS counts %d (%d open) in its polygon", name, c, w[0], w[1], cnt, open)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	covered := storetest_int(t, st, `SELECT count(*) FROM event
		WHERE ST_Intersects(location, ST_MakeEnvelope($1, $2, $3, $4, 4326))
		  AND EXISTS (SELECT FROM unnest($5::text[]) p WHERE ST_Covers(ST_GeogFromText(p), location::geography))`, w, s, e, n, polys)
	if covered != inTile {
		t.Errorf("%s: its hexagons cover %d of the %d events inside it", name, covered, inTile)
	}
	return len(l.Features)
}

func storetest_int(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCaching checks the headers that keep the counts fresh: the tile of
// the current version is immutable, any other may be kept MaxAge, and the
// TileJSON names the current version and lists the layer.
func TestCaching(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx := context.Background()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := eventhex.NewService(h.Current, eventhex.Options{})
	r := chi.NewRouter()
	r.Method(http.MethodGet, "/tiles/events/{z}/{x}/{y}.mvt", s.Handler())
	r.Method(http.MethodGet, "/tiles/events.json", s.TileJSON())
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(path string) *http.Response {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	var doc struct {
		Tiles        []string `json:"tiles"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	res, err := http.Get(srv.URL + "/tiles/events.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	v := h.Current().Seq
	if want := fmt.Sprintf("%s/tiles/events/{z}/{x}/{y}.mvt?v=%d", srv.URL, v); len(doc.Tiles) != 1 || doc.Tiles[0] != want ||
		len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != "events_hex" {
		t.Fatalf("TileJSON tiles %v layers %v, want %s and events_hex", doc.Tiles, doc.VectorLayers, want)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=10" {
		t.Errorf("TileJSON Cache-Control %q", cc)
	}
	for _, c := range []struct {
		query, cc string
		status    int
	}{
		{fmt.Sprintf("?v=%d", v), "public, max-age=31536000, immutable", 200},
		{"", "public, max-age=10", 200},
		{fmt.Sprintf("?v=%d", v-1), "public, max-age=10", 200},
		{"?v=x", "no-store", 400},
	} {
		res := get("/tiles/events/9/425/206.mvt" + c.query)
		if res.StatusCode != c.status || res.Header.Get("Cache-Control") != c.cc {
			t.Errorf("tile%s: %d %q, want %d %q", c.query, res.StatusCode, res.Header.Get("Cache-Control"), c.status, c.cc)
		}
		if c.status == 200 && res.Header.Get("X-Events-Version") != fmt.Sprint(v) {
			t.Errorf("tile%s: X-Events-Version %q, want %d", c.query, res.Header.Get("X-Events-Version"), v)
		}
	}
	// gzip when asked for, the same tile; its ETag gives a 304.
	raw, _, err := s.Tile(5, 26, 12)
	if err != nil || len(raw) == 0 {
		t.Fatalf("tile 5/26/12: %d bytes, %v", len(raw), err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/tiles/events/5/26/12.mvt", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	gres, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(gres.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	gres.Body.Close()
	if err != nil || gres.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(unz, raw) {
		t.Errorf("gzipped tile: %q, %d bytes unzipped (%v), want the %d bytes of the tile", gres.Header.Get("Content-Encoding"), len(unz), err, len(raw))
	}
	req.Header.Set("If-None-Match", gres.Header.Get("ETag"))
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Errorf("with its ETag: %v %v, want 304", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
	for _, path := range []string{"/tiles/events/17/0/0.mvt", "/tiles/events/3/9/0.mvt", "/tiles/events/a/0/0.mvt"} {
		if res := get(path); res.StatusCode/100 != 4 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s, want a 4xx problem", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
