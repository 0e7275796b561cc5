package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// TestReadRoutes checks every read route, good and bad input, against
// the fixture; every response is also validated against openapi.json.
func TestReadRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	type check func(t *testing.T, r response)
	// feature checks a single GeoJSON feature's id and a property.
	feature := func(id, prop, want string) check {
		return func(t *testing.T, r response) {
			f, err := geojson.UnmarshalFeature(r.body)
			if err != nil {
				t.Fatalf("not a GeoJSON feature: %v", err)
			}
			if f.ID != id {
				t.Errorf("id %v, want %s", f.ID, id)
			}
			if got := f.Properties[prop]; got != want {
				t.Errorf("%s = %v, want %s", prop, got, want)
			}
		}
	}
	// codes checks a FeatureCollection's feature ids, in order.
	codes := func(want ...string) check {
		return func(t *testing.T, r response) {
			fc, err := geojson.UnmarshalFeatureCollection(r.body)
			if err != nil {
				t.Fatalf("not a GeoJSON FeatureCollection: %v", err)
			}
			var got []string
			for _, f := range fc.Features {
				got = append(got, f.ID.(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("codes %v, want %v", got, want)
			}
		}
	}
	// problem checks the detail (or a field problem) mentions each word.
	problem := func(words ...string) check {
		return func(t *testing.T, r response) {
			p := problemOf(t, r)
			text := p.Detail
			for _, f := range p.Errors {
				text += " | " + f.Name + ": " + f.Detail
			}
			for _, w := range words {
				if !strings.Contains(text, w) {
					t.Errorf("problem %q does not mention %q", text, w)
				}
			}
		}
	}
	contains := func(words ...string) check {
		return func(t *testing.T, r response) {
			for _, w := range words {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("body does not contain %q: %.300s", w, r.body)
				}
			}
		}
	}
	all := []string{"320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201"}
	tests := []struct {
		path   string
		status int
		ctype  string
		check  check
	}{
		// Areas.
		{"/areas/3209", 200, "application/geo+json", feature("320900000000", "level", "city")},
		{"/areas/320902", 200, "application/geo+json", feature("320902000000", "name", "亭湖区")},
		{"/areas/320902000000", 200, "application/geo+json", feature("320902000000", "short", "320902")},
		{"/areas/320902001", 200, "application/geo+json", feature("320902001000", "level", "town")},
		{"/areas/320902001001", 200, "application/geo+json", feature("320902001001", "parent", "320902001000")},
		{"/areas/320999", 404, "", problem("320999000000", "not found")},
		{"/areas/32090x", 400, "", problem("code", "character 6 is not a digit")},
		{"/areas/12345", 400, "", problem("code", "5 digits")},
		{"/areas/320902001001001", 400, "", problem("not an area code", "/grids/320902001001001")},
		{"/areas/3209/children", 200, "application/geo+json", codes("320902000000", "320903000000")},
		{"/areas/320902/children", 200, "application/geo+json", codes("320902001000")},
		{"/areas/320903/children", 200, "application/geo+json", codes()},
		{"/areas/320902001002/children", 200, "application/geo+json", codes("320902001002001", "320902001002002")},
		{"/areas/320902001999/children", 404, "", problem("320902001999", "not found")},
		{"/areas/0000/children", 400, "", problem("00")},
		// Grids.
		{"/grids/320902001001001", 200, "application/geo+json", feature("320902001001001", "name", "一村第一网格")},
		{"/grids/32090200100200201", 200, "application/geo+json", feature("32090200100200201", "parentGrid", "320902001002002")},
		{"/grids/320902001002003", 404, "", problem("320902001002003", "versions")},
		{"/grids/320902001009001", 404, "", problem("320902001009001", "not found")},
		{"/grids/320902", 400, "", problem("not a grid code")},
		{"/grids/320902001001000", 400, "", problem("000")},
		{"/grids/320902001001001/versions", 200, "application/geo+json", codes("320902001001001", "320902001001001")},
		{"/grids/320902001002003/versions", 200, "application/geo+json", codes("320902001002003")},
		{"/grids/320902001009001/versions", 404, "", problem("320902001009001", "no version")},
		// OGC API Features.
		{"/", 200, "application/json", contains(`"rel":"service-desc"`, `"rel":"conformance"`, `"rel":"data"`)},
		{"/conformance", 200, "application/json", contains("conf/core", "conf/geojson", "conf/oas30")},
		{"/collections", 200, "application/json", contains(`"id":"areas"`, `"id":"grids"`)},
		{"/collections/grids", 200, "application/json", contains(`"rel":"items"`, `"extent":{"spatial":{"bbox":[[120,33,120.2,33.1]]`)},
		{"/collections/areas", 200, "application/json", contains(`"bbox":[[119.5,32.5,121,34.5]]`)},
		{"/collections/roads", 404, "", problem(`"roads"`, "areas and grids")},
		{"/collections/roads/items", 404, "", problem(`"roads"`)},
		{"/collections/grids/items", 200, "application/geo+json", codes(all...)},
		{"/collections/grids/items?level=subgrid", 200, "application/geo+json", codes("32090200100200201")},
		{"/collections/grids/items?kind=urban", 200, "application/geo+json", codes("320902001002001")},
		{"/collections/areas/items?level=village", 200, "application/geo+json", codes("320902001001", "320902001002")},
		{"/collections/areas/items?bbox=119.6,33.1,119.7,33.2", 200, "application/geo+json", codes("320900000000", "320903000000")},
		{"/collections/grids/items?bbox=120.01,33.01,120.02,33.02", 200, "application/geo+json", codes("320902001001001")},
		{"/collections/grids/items?limit=2&offset=1", 200, "application/geo+json", codes(all[1:3]...)},
		{"/collections/grids/items?offset=10", 200, "application/geo+json", codes()},
		{"/collections/grids/items/320902001002001", 200, "application/geo+json", feature("320902001002001", "kind", "urban")},
		{"/collections/areas/items/320902", 200, "application/geo+json", feature("320902000000", "level", "county")},
		{"/collections/grids/items/320902001002003", 404, "", problem("320902001002003")},
		{"/collections/grids/items/3209", 400, "", problem("not a grid code")},
		{"/collections/areas/items/320902001001001", 400, "", problem("not an area code")},
		// Grid versions in time.
		{"/collections/grids/items?datetime=2024-06-01T00:00:00Z", 200, "application/geo+json",
			codes("320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201", "320902001002003")},
		{"/collections/grids/items?datetime=2024-03-01", 200, "application/geo+json",
			codes("320902001001001", "320902001001002", "320902001002001", "320902001002002", "320902001002003")},
		{"/collections/grids/items?datetime=2023-01-01T00:00:00Z/..&kind=rural", 200, "application/geo+json",
			codes("320902001001001", "320902001001001", "320902001001002")},
		{"/collections/grids/items?datetime=../2023-12-31T23:59:59Z", 200, "application/geo+json", codes()},
		// 2025-01-01 00:00 in China is still 2024 in UTC: both versions.
		{"/collections/grids/items?datetime=2025-01-01T00:00:00%2B08:00/2025-06-01", 200, "application/geo+json",
			codes("320902001001001", "320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201", "320902001002003")},
		{"/collections/grids/items?datetime=2025-01-01T08:00:00%2B08:00/2025-06-01", 200, "application/geo+json",
			codes("320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201")},
		{"/collections/grids/items?datetime=yesterday", 400, "", problem("datetime", "RFC 3339")},
		{"/collections/grids/items?datetime=../..", 400, "", problem("datetime", "open at both ends")},
		{"/collections/grids/items?datetime=2025-01-01/2024-01-01", 400, "", problem("datetime", "starts after it ends")},
		{"/collections/areas/items?datetime=2024-01-01&level=village", 200, "application/geo+json", codes("320902001001", "320902001002")},
		{"/collections/areas/items?datetime=yesterday", 400, "", problem("datetime", "RFC 3339")},
		// Bad query parameters: each names the parameter and the accepted form.
		{"/collections/grids/items?bbox=120,33,121", 400, "", problem("bbox", "3 numbers", "minLon,minLat,maxLon,maxLat")},
		{"/collections/grids/items?bbox=120,33,121,34,5", 400, "", problem("bbox", "5 numbers")},
		{"/collections/grids/items?bbox=NaN,33,121,34", 400, "", problem("bbox", "not a finite number")},
		{"/collections/grids/items?bbox=120,33,inf,34", 400, "", problem("bbox", "not a finite number")},
		{"/collections/grids/items?bbox=121,33,120,34", 400, "", problem("bbox", "minLon 121 is greater than maxLon 120")},
		{"/collections/grids/items?bbox=120,34,121,33", 400, "", problem("bbox", "minLat")},
		{"/collections/grids/items?bbox=120,33,121,95", 400, "", problem("bbox", "latitudes must lie in -90..90")},
		{"/collections/grids/items?bbox=-181,33,121,34", 400, "", problem("bbox", "longitudes")},
		{"/collections/grids/items?bbox=a,b,c,d", 400, "", problem("bbox", "number 1")},
		{"/collections/grids/items?limit=0", 400, "", problem("limit", "1 to 10000")},
		{"/collections/grids/items?limit=-1", 400, "", problem("limit", "1 to 10000")},
		{"/collections/grids/items?limit=99999", 400, "", problem("limit", "1 to 10000")},
		{"/collections/grids/items?limit=abc", 400, "", problem("limit", `"abc"`)},
		{"/collections/grids/items?offset=-1", 400, "", problem("offset", "from 0 to 1000000000")},
		{"/collections/grids/items?offset=9223372036854775807", 400, "", problem("offset", "from 0 to")},
		{"/collections/grids/items?offset=x", 400, "", problem("offset")},
		{"/collections/grids/items?limit=1&limit=2", 400, "", problem("limit", "more than once")},
		{"/collections/grids/items?color=red", 400, "", problem("color", "unknown query parameter")},
		{"/collections/grids/items?level=village", 400, "", problem("level", "grid or subgrid")},
		{"/collections/grids/items?kind=forest", 400, "", problem("kind", "urban, rural or exclusive")},
		{"/collections/areas/items?kind=urban", 400, "", problem("kind", "only grids")},
		{"/collections/areas/items?level=grid", 400, "", problem("level", "city, county, town or village")},
		{"/collections/grids/items?limit=0&offset=-1&bbox=1", 400, "", problem("limit", "offset", "bbox")},
		// Operations.
		{"/healthz", 200, "application/json", contains(`"ok"`)},
		{"/readyz", 200, "application/json", contains(`"ready"`)},
		{"/openapi.json", 200, "application/vnd.oai.openapi+json;version=3.0", contains(`"openapi": "3.0`)},
		{"/no/such/route", 404, "", problem("/no/such/route")},
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			r := e.do(http.MethodGet, tc.path, "", nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.ctype != "" && r.header.Get("Content-Type") != tc.ctype {
				t.Errorf("content type %q, want %q", r.header.Get("Content-Type"), tc.ctype)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id header")
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			// Public responses never carry personal data.
			if strings.Contains(string(r.body), "Secret Lane") {
				t.Errorf("response leaks a household address: %s", r.body)
			}
		})
	}
}

// TestGridDetails checks the values of a grid and its versions.
func TestGridDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	f, err := geojson.UnmarshalFeature(e.do("GET", "/grids/320902001001001", "", nil).body)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Properties
	if p["households"] != 2.0 || p["units"] != 0.0 || p["validTo"] != nil || p["validFrom"] != "2025-01-01T00:00:00Z" {
		t.Errorf("properties %v: want 2 households, 0 units, validFrom 2025-01-01, validTo null", p)
	}
	if b := f.Geometry.Bound(); b.Min[0] != 120 || b.Max[0] != 120.05 || b.Min[1] != 33 || b.Max[1] != 33.1 {
		t.Errorf("geometry bound %v, want 120..120.05 x 33..33.1", b)
	}
	fc, err := geojson.UnmarshalFeatureCollection(e.do("GET", "/grids/320902001001001/versions", "", nil).body)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 2 {
		t.Fatalf("%d versions, want 2", len(fc.Features))
	}
	old, cur := fc.Features[0].Properties, fc.Features[1].Properties
	if old["validFrom"] != "2024-01-01T00:00:00Z" || old["validTo"] != "2025-01-01T00:00:00Z" || old["name"] != "一村第一网格 (旧)" {
		t.Errorf("old version %v", old)
	}
	if cur["validTo"] != nil || cur["name"] != "一村第一网格" {
		t.Errorf("current version %v", cur)
	}
	if _, ok := old["households"]; ok {
		t.Errorf("a past version has household counts: %v", old)
	}
	if w := fc.Features[0].Geometry.Bound().Max[0]; w != 120.04 {
		t.Errorf("old version's east edge %v, want 120.04", w)
	}
}

// TestItemsBBoxMatchesPostGIS compares the bbox filter with PostGIS's own
// answer (NOT ST_Disjoint with the box as a polygon, or as the point or
// line a box without width or height is) for boxes inside, across,
// outside and on the edges of grids.
func TestItemsBBoxMatchesPostGIS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	boxes := [][4]float64{
		{120.0, 33.0, 120.2, 33.1}, {120.04, 33.0, 120.06, 33.01}, {120.05, 33.05, 120.05, 33.05},
		{120.16, 33.01, 120.18, 33.02}, {120.3, 33.3, 120.4, 33.4}, {-180, -90, 180, 90},
		{120.1, 33.1, 120.1, 33.1}, {120.149, 32.9, 120.151, 33.0},
	}
	for _, b := range boxes {
		for _, coll := range []string{"grids", "areas"} {
			table := map[string]string{"grids": "grid_current", "areas": "area"}[coll]
			rows, err := e.store.Pool().Query(context.Background(),
				`SELECT code FROM `+table+` WHERE NOT ST_Disjoint(geom, CASE
				  WHEN $1::float8 = $3::float8 AND $2::float8 = $4::float8 THEN ST_SetSRID(ST_MakePoint($1, $2), 4326)
				  WHEN $1::float8 = $3::float8 OR $2::float8 = $4::float8 THEN ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $2), ST_MakePoint($3, $4)), 4326)
				  ELSE ST_MakeEnvelope($1, $2, $3, $4, 4326) END) ORDER BY code`,
				b[0], b[1], b[2], b[3])
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for rows.Next() {
				var c string
				rows.Scan(&c)
				want = append(want, c)
			}
			rows.Close()
			q := "/collections/" + coll + "/items?bbox=" + ftoa(b[0]) + "," + ftoa(b[1]) + "," + ftoa(b[2]) + "," + ftoa(b[3])
			r := e.do("GET", q, "", nil)
			fc, err := geojson.UnmarshalFeatureCollection(r.body)
			if err != nil {
				t.Fatalf("%s: %v: %s", q, err, r.body)
			}
			var got []string
			for _, f := range fc.Features {
				got = append(got, f.ID.(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, PostGIS says %v", q, got, want)
			}
			if n := fc.ExtraMembers["numberMatched"]; n != float64(len(want)) {
				t.Errorf("%s: numberMatched %v, want %d", q, n, len(want))
			}
		}
	}
}
