package features_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/api"
	"gridmap/features"
	"gridmap/live"
	"gridmap/store"
)

// server runs the whole API over a store, its pages from a live state
// that follows the store when the test reloads it.
func server(t *testing.T, st *store.Store) (*httptest.Server, *live.Holder) {
	t.Helper()
	holder, err := live.New(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Features: features.New(st, holder, nil)}))
	t.Cleanup(srv.Close)
	return srv, holder
}

// get fetches a URL (absolute, or a path on srv) and returns the answer.
func get(t *testing.T, srv *httptest.Server, u string) (*http.Response, []byte) {
	t.Helper()
	if strings.HasPrefix(u, "/") {
		u = srv.URL + u
	}
	res, err := srv.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func getItems(t *testing.T, srv *httptest.Server, u string) (*http.Response, *geojson.FeatureCollection) {
	t.Helper()
	res, b := get(t, srv, u)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", u, res.StatusCode, b)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return res, fc
}

func linkOf(fc *geojson.FeatureCollection, rel string) string {
	ls, _ := fc.ExtraMembers["links"].([]any)
	for _, l := range ls {
		if m := l.(map[string]any); m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}

func ids(fc *geojson.FeatureCollection) []string {
	var out []string
	for _, f := range fc.Features {
		out = append(out, f.ID.(string))
	}
	return out
}

// TestItemsInCRS: items asked in CGCS2000, WGS 84 (EPSG:4326) and Web
// Mercator carry Content-Crs and the coordinates PostGIS's ST_Transform
// gives, in the CRS's axis order (latitude first for 4490 and 4326); a
// bbox in any of them selects what the same box in CRS84 does; the
// collection lists its CRSs and its storage CRS; an unknown CRS is a 400
// that lists the offered ones.
func TestItemsInCRS(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	srv, _ := server(t, st)
	ctx := context.Background()
	for _, tc := range []struct {
		crs     features.CRS
		srid    int
		swap    bool
		tol     float64
		bbox    string // the box 120.04,33.01,120.11,33.02 in the CRS
		wantIDs []string
	}{
		{features.CRS84, 4326, false, 0, "120.04,33.01,120.11,33.02", nil},
		{features.CGCS2000, 4490, true, 0, "33.01,120.04,33.02,120.11", nil},
		{features.WGS84, 4326, true, 0, "33.01,120.04,33.02,120.11", nil},
		{features.WebMercator, 3857, false, 1e-6, "13362791.67,3896631.37,13370584.04,3897958.93", nil},
	} {
		q := url.Values{"crs": {tc.crs.URI}}
		res, fc := getItems(t, srv, "/collections/grids/items?"+q.Encode())
		if got := res.Header.Get("Content-Crs"); got != "<"+tc.crs.URI+">" {
			t.Errorf("%s: Content-Crs %q", tc.crs.URI, got)
		}
		if len(fc.Features) != 5 {
			t.Fatalf("%s: %d features", tc.crs.URI, len(fc.Features))
		}
		for _, f := range fc.Features {
			var want string
			if err := st.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Transform(geom, $2::int), 17) FROM grid_current WHERE code = $1`,
				f.ID, tc.srid).Scan(&want); err != nil {
				t.Fatal(err)
			}
			w, err := geojson.UnmarshalGeometry([]byte(want))
			if err != nil {
				t.Fatal(err)
			}
			if !sameCoords(f.Geometry, w.Geometry(), tc.swap, tc.tol) {
				t.Errorf("%s: %v in %s is %v; PostGIS ST_Transform gives %v", tc.crs.URI, f.ID, tc.crs.URI, f.Geometry, w.Geometry())
			}
		}
		// The same box written in the CRS selects the same grids.
		q = url.Values{"bbox": {tc.bbox}, "bbox-crs": {tc.crs.URI}}
		_, box := getItems(t, srv, "/collections/grids/items?"+q.Encode())
		if got := ids(box); !slices.Equal(got, []string{"320902001001001", "320902001001002", "320902001002001"}) {
			t.Errorf("bbox %s in %s: %v", tc.bbox, tc.crs.URI, got)
		}
		// And one item.
		res, b := get(t, srv, "/collections/grids/items/320902001001001?"+url.Values{"crs": {tc.crs.URI}}.Encode())
		f, err := geojson.UnmarshalFeature(b)
		if err != nil || res.Header.Get("Content-Crs") != "<"+tc.crs.URI+">" {
			t.Fatalf("item in %s: %v %q %s", tc.crs.URI, err, res.Header.Get("Content-Crs"), b)
		}
		if !sameCoords(f.Geometry, fc.Features[0].Geometry, false, 0) {
			t.Errorf("item in %s: %v, in the page %v", tc.crs.URI, f.Geometry, fc.Features[0].Geometry)
		}
	}
	_, b := get(t, srv, "/collections/grids")
	var coll struct {
		CRS        []string `json:"crs"`
		StorageCRS string   `json:"storageCrs"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(coll.CRS, []string{features.CRS84.URI, features.CGCS2000.URI, features.WGS84.URI, features.WebMercator.URI}) ||
		coll.StorageCRS != features.CRS84.URI {
		t.Errorf("collection crs %v, storageCrs %q", coll.CRS, coll.StorageCRS)
	}
	for _, u := range []string{"/collections/grids/items?crs=EPSG:2000", "/collections/grids/items?bbox-crs=EPSG:2000&bbox=1,2,3,4",
		"/collections/grids/items/320902001001001?crs=EPSG:2000"} {
		res, b := get(t, srv, u)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), features.CGCS2000.URI) {
			t.Errorf("%s: %d %s; want 400 listing the CRSs", u, res.StatusCode, b)
		}
	}
}

// sameCoords compares two (multi)polygons point by point, with the axes
// of b swapped when swap is set.
func sameCoords(a, b orb.Geometry, swap bool, tol float64) bool {
	pa, pb := points(a), points(b)
	if len(pa) != len(pb) || len(pa) == 0 {
		return false
	}
	for i := range pa {
		q := pb[i]
		if swap {
			q = orb.Point{q[1], q[0]}
		}
		if math.Abs(pa[i][0]-q[0]) > tol || math.Abs(pa[i][1]-q[1]) > tol {
			return false
		}
	}
	return true
}

func points(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				out = append(out, r...)
			}
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	}
	return out
}

// TestNextLinksAcrossVersions walks the grids two at a time along next
// links while a new dataset version arrives in the middle (one grid
// before the walk's position retired, one after it added): every grid
// the walk reaches is listed once, none that exists in both versions is
// missed, and the new grid is reached.
func TestNextLinksAcrossVersions(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	srv, holder := server(t, st)
	ctx := context.Background()
	var got []string
	u := "/collections/grids/items?limit=2"
	for page := 0; u != ""; page++ {
		if page > 6 {
			t.Fatal("next links do not end")
		}
		_, fc := getItems(t, srv, u)
		got = append(got, ids(fc)...)
		u = linkOf(fc, "next")
		if page == 0 {
			if _, err := st.Pool().Exec(ctx, `
				UPDATE grid SET valid = tstzrange(lower(valid), now()) WHERE code = '320902001001001' AND upper_inf(valid);
				INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
				 ('320902001001003', 'rural', '320902001001', '新网格', ST_Multi(ST_MakeEnvelope(120.00, 33.0, 120.01, 33.01, 4326)), tstzrange(now(), NULL));
				SELECT bump_dataset_version('test');`); err != nil {
				t.Fatal(err)
			}
			if err := holder.Reload(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"320902001001001", "320902001001002", "320902001001003", "320902001002001", "320902001002002", "32090200100200201"}
	if !slices.Equal(got, want) {
		t.Errorf("walked %v; want %v (each once, the new 320902001001003 included)", got, want)
	}
}

// TestRepeatedParameters: a parameter given twice with the same value is
// taken once (GDAL before 3.7 appends the parameters of its dataset URL to
// every next link, which already carries them); two different values are
// a 400.
func TestRepeatedParameters(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, readFixture(t))
	q := "crs=" + url.QueryEscape(features.CGCS2000.URI)
	res, fc := getItems(t, srv, "/collections/grids/items?limit=2&"+q+"&"+q)
	if res.Header.Get("Content-Crs") != "<"+features.CGCS2000.URI+">" || len(fc.Features) != 2 {
		t.Errorf("repeated crs: %q, %d features", res.Header.Get("Content-Crs"), len(fc.Features))
	}
	next := linkOf(fc, "next")
	if n := strings.Count(next, "crs="); n != 1 {
		t.Errorf("next link %s carries crs %d times", next, n)
	}
	if res, b := get(t, srv, "/collections/grids/items?limit=2&limit=3"); res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "more than once") {
		t.Errorf("limit twice: %d %s", res.StatusCode, b)
	}
}

// TestConformanceClasses checks, for every conformance class /conformance
// declares, the requirements of that class a client relies on; a declared
// class this test cannot check fails it, so the list cannot claim more
// than the service passes.
func TestConformanceClasses(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, readFixture(t))
	type links = map[string]string
	linksOf := func(b []byte) links {
		var doc struct {
			Links []struct{ Href, Rel, Type string } `json:"links"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		out := links{}
		for _, l := range doc.Links {
			out[l.Rel] = l.Href
		}
		return out
	}
	status := func(u string, want int) []byte {
		t.Helper()
		res, b := get(t, srv, u)
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d: %s", u, res.StatusCode, want, b)
		}
		return b
	}
	const part1, part2 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/", "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
	checks := map[string]func(t *testing.T){
		part1 + "core": func(t *testing.T) {
			l := linksOf(status("/", 200))
			for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
				if l[rel] == "" {
					t.Errorf("landing page has no %s link", rel)
				}
			}
			var colls struct {
				Collections []struct {
					ID    string                 `json:"id"`
					Links []struct{ Rel string } `json:"links"`
				} `json:"collections"`
			}
			json.Unmarshal(status("/collections", 200), &colls)
			if len(colls.Collections) != 2 || colls.Collections[1].ID != "grids" {
				t.Errorf("collections %+v", colls)
			}
			_, fc := getItems(t, srv, "/collections/grids/items?limit=2")
			if len(fc.Features) != 2 || fc.ExtraMembers["numberMatched"] != 5.0 || fc.ExtraMembers["numberReturned"] != 2.0 ||
				linkOf(fc, "next") == "" || linkOf(fc, "self") == "" || fc.ExtraMembers["timeStamp"] == nil {
				t.Errorf("a page: %d features, members %v", len(fc.Features), fc.ExtraMembers)
			}
			_, fc = getItems(t, srv, "/collections/grids/items?bbox=120.01,33.01,120.02,33.02&datetime=2025-06-01")
			if got := ids(fc); !slices.Equal(got, []string{"320902001001001"}) {
				t.Errorf("bbox and datetime: %v", got)
			}
			status("/collections/grids/items?limit=0", 400)
			status("/collections/grids/items?limit=10001", 400)
			status("/collections/grids/items?foo=1", 400)
			status("/collections/roads/items", 404)
			status("/collections/grids/items/320902001009001", 404)
		},
		part1 + "geojson": func(t *testing.T) {
			for _, u := range []string{"/collections/grids/items", "/collections/grids/items/320902001001001"} {
				res, b := get(t, srv, u)
				var doc struct{ Type string }
				json.Unmarshal(b, &doc)
				if res.Header.Get("Content-Type") != "application/geo+json" || (doc.Type != "FeatureCollection" && doc.Type != "Feature") {
					t.Errorf("%s: %s, type %q", u, res.Header.Get("Content-Type"), doc.Type)
				}
			}
		},
		part1 + "oas30": func(t *testing.T) {
			res, b := get(t, srv, linksOf(status("/", 200))["service-desc"])
			var doc struct {
				OpenAPI string         `json:"openapi"`
				Paths   map[string]any `json:"paths"`
			}
			if err := json.Unmarshal(b, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.0.") || doc.Paths["/collections/{collectionId}/items"] == nil ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.oai.openapi+json;version=3.0") {
				t.Errorf("service-desc: %s, openapi %q, %v", res.Header.Get("Content-Type"), doc.OpenAPI, err)
			}
		},
		part2 + "crs": func(t *testing.T) {
			var coll struct {
				CRS        []string `json:"crs"`
				StorageCRS string   `json:"storageCrs"`
			}
			json.Unmarshal(status("/collections/grids", 200), &coll)
			if !slices.Contains(coll.CRS, features.CRS84.URI) || !slices.Contains(coll.CRS, coll.StorageCRS) {
				t.Errorf("collection crs %v, storageCrs %q", coll.CRS, coll.StorageCRS)
			}
			for _, c := range coll.CRS {
				res, _ := getItems(t, srv, "/collections/grids/items?"+url.Values{"crs": {c}, "bbox-crs": {c}}.Encode())
				if res.Header.Get("Content-Crs") != "<"+c+">" {
					t.Errorf("crs %s: Content-Crs %q", c, res.Header.Get("Content-Crs"))
				}
			}
			if res, _ := getItems(t, srv, "/collections/grids/items"); res.Header.Get("Content-Crs") != "<"+features.CRS84.URI+">" {
				t.Errorf("default Content-Crs %q", res.Header.Get("Content-Crs"))
			}
			status("/collections/grids/items?crs=EPSG:2000", 400)
			status("/collections/grids/items?bbox-crs=EPSG:2000&bbox=1,2,3,4", 400)
		},
	}
	var decl struct {
		ConformsTo []string `json:"conformsTo"`
	}
	if err := json.Unmarshal(status("/conformance", 200), &decl); err != nil {
		t.Fatal(err)
	}
	for _, c := range decl.ConformsTo {
		check, ok := checks[c]
		if !ok {
			t.Errorf("declared %s, which this test does not check", c)
			continue
		}
		t.Run(strings.TrimPrefix(strings.TrimPrefix(c, part1), part2), check)
	}
	if len(decl.ConformsTo) != len(checks) {
		t.Errorf("declared %v; this test checks %d classes", decl.ConformsTo, len(checks))
	}
}
