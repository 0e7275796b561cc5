package features_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"

	"gridmap/api"
	"gridmap/demo"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/store/storetest"
)

// ogr2ogr runs GDAL's ogr2ogr (GDAL's OGC API Features client, the one
// QGIS users meet too) and returns the GeoJSON it wrote.
func ogr2ogr(t *testing.T, args ...string) *geojson.FeatureCollection {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Fatal("ogr2ogr is missing: run the tests with ./dev test (it installs gdal-bin)")
	}
	out := filepath.Join(t.TempDir(), "out.geojson")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ogr2ogr", append([]string{"-f", "GeoJSON", out}, args...)...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_CURL_VERBOSE=NO", "no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatalf("ogr2ogr wrote no FeatureCollection: %v", err)
	}
	return fc
}

func propCodes(fc *geojson.FeatureCollection) []string {
	var out []string
	for _, f := range fc.Features {
		out = append(out, f.Properties.MustString("code", ""))
	}
	return out
}

// TestGDALPullsTheGridsLayer pulls the whole grids layer of a demo county
// with ogr2ogr through its OAPIF driver and GDAL's default page size (it
// follows our next links, 10 features a page), and checks the count, the
// codes and the kinds against PostGIS; then a bbox written in CGCS2000
// (EPSG:4490, latitude first) and one in Web Mercator, asked in that CRS,
// whose coordinates must be PostGIS's ST_Transform of the stored ones, and
// a bbox GDAL sets itself (-spat, CRS84).
func TestGDALPullsTheGridsLayer(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.05, Seed: 7, County: geo.MustParseCode("320902")})
	ctx := context.Background()
	holder, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pages atomic.Int64
	h := api.NewServer(api.Deps{Store: st, Features: features.New(st, holder, nil)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/items") {
			pages.Add(1)
			if l := r.URL.Query().Get("limit"); l != "10" {
				t.Errorf("GDAL asked for pages of %q features; its default is 10", l)
			}
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	// The whole layer.
	start := time.Now()
	all := ogr2ogr(t, "OAPIF:"+srv.URL, "grids")
	took := time.Since(start)
	var want, kinds []string
	rows, err := st.Pool().Query(ctx, `SELECT code, kind FROM grid_current ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code, kind string
		if err := rows.Scan(&code, &kind); err != nil {
			t.Fatal(err)
		}
		want, kinds = append(want, code), append(kinds, kind)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := propCodes(all)
	if len(want) < 100 || !slices.Equal(got, want) {
		t.Fatalf("GDAL pulled %d grids, PostGIS has %d (the first differing: %v)", len(got), len(want), firstDiff(got, want))
	}
	for i, f := range all.Features {
		if f.Properties.MustString("kind", "") != kinds[i] {
			t.Errorf("grid %s: kind %q through GDAL, %q in PostGIS", want[i], f.Properties.MustString("kind", ""), kinds[i])
		}
	}
	if n := pages.Load(); n < int64(len(want)/10) {
		t.Errorf("GDAL made %d requests of pages for %d grids: not 10 a page", n, len(want))
	}
	t.Logf("ogr2ogr pulled %d grids in %d pages of 10 in %v", len(got), pages.Load(), took.Round(time.Millisecond))

	// A box in CRS84 that GDAL sets itself.
	const minLon, minLat, maxLon, maxLat = 120.1, 33.3, 120.25, 33.4
	spat := ogr2ogr(t, "-spat", ftoa(minLon), ftoa(minLat), ftoa(maxLon), ftoa(maxLat), "OAPIF:"+srv.URL, "grids")
	inBox := func(srid int) ([]string, []string) {
		var codes, geoms []string
		rows, err := st.Pool().Query(ctx, `SELECT code, ST_AsGeoJSON(ST_Transform(geom, $5::int), 17) FROM grid_current
			WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) ORDER BY code`, minLon, minLat, maxLon, maxLat, srid)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var c, g string
			if err := rows.Scan(&c, &g); err != nil {
				t.Fatal(err)
			}
			codes, geoms = append(codes, c), append(geoms, g)
		}
		return codes, geoms
	}
	boxCodes, _ := inBox(4326)
	if got := propCodes(spat); len(boxCodes) < 5 || !slices.Equal(got, boxCodes) {
		t.Errorf("-spat: GDAL gave %d grids %v; PostGIS %d %v", len(got), got, len(boxCodes), boxCodes)
	}
	merc := func(lon, lat float64) string {
		var x, y float64
		if err := st.Pool().QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 3857) p`,
			lon, lat).Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		return ftoa(x) + "," + ftoa(y)
	}

	// Boxes written and answered in CGCS2000 and in Web Mercator. GDAL 3.6
	// knows no crs= of its own: the parameters ride on the dataset URL,
	// which GDAL adds to every request, next links included.
	for _, tc := range []struct {
		crs  features.CRS
		srid int
		bbox string
		swap bool
		tol  float64
	}{
		{features.CGCS2000, 4490, "33.3,120.1,33.4,120.25", true, 1e-12},
		{features.WebMercator, 3857, merc(minLon, minLat) + "," + merc(maxLon, maxLat), false, 1e-6},
	} {
		q := url.Values{"crs": {tc.crs.URI}, "bbox-crs": {tc.crs.URI}, "bbox": {tc.bbox}}
		fc := ogr2ogr(t, "OAPIF:"+srv.URL+"?"+q.Encode(), "grids")
		codes, geoms := inBox(tc.srid)
		if got := propCodes(fc); !slices.Equal(got, codes) {
			t.Errorf("bbox in %s: GDAL %v; PostGIS %v", tc.crs.URI, got, codes)
			continue
		}
		for i, f := range fc.Features {
			w, err := geojson.UnmarshalGeometry([]byte(geoms[i]))
			if err != nil {
				t.Fatal(err)
			}
			if !sameCoords(f.Geometry, w.Geometry(), tc.swap, tc.tol) {
				t.Errorf("%s in %s: GDAL wrote %v; PostGIS ST_Transform gives %v", codes[i], tc.crs.URI, f.Geometry, w.Geometry())
				break
			}
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	return "one is a prefix of the other"
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
