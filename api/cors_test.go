package api

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/events"
	"gridmap/tiles"
)

// corsServer is the whole route table with stub lookups (answering 200)
// and no database.
func corsServer(t *testing.T, c CORS) *httptest.Server {
	t.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("{}"))
	})
	ts := tiles.NewService(nil, nil, nil, tiles.Options{})
	srv := httptest.NewServer(NewServer(Deps{Lookup: ok, Tiles: ts.Handler(), TileJSON: ts.TileJSON(),
		Adjust: adjust.New(nil, ops.Options{}), Events: events.New(nil, nil, nil, events.Options{}), CORS: c}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPublicRoutes: every public route is in the route table, and none
// of them asks for a token (without a database the reads fail, but not
// with 401 or 403).
func TestPublicRoutes(t *testing.T) {
	t.Parallel()
	srv := corsServer(t, CORS{})
	var served []string
	chi.Walk(NewServer(Deps{Lookup: http.NotFoundHandler(), Tiles: http.NotFoundHandler(), TileJSON: http.NotFoundHandler(),
		Adjust: adjust.New(nil, ops.Options{}), Events: events.New(nil, nil, nil, events.Options{})}).(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+route)
		return nil
	})
	for _, r := range publicRoutes {
		if !slices.Contains(served, r) {
			t.Errorf("public route %s is not served", r)
		}
		method, pattern, _ := strings.Cut(r, " ")
		path := strings.NewReplacer("{collectionId}", "grids", "{code}", "320902001001001", "*", "grid/10/857/410.mvt").Replace(pattern)
		if strings.HasPrefix(pattern, "/areas") {
			path = strings.Replace(path, "320902001001001", "320902000000", 1)
		}
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			t.Errorf("public route %s answers %s %s with %d", r, method, path, res.StatusCode)
		}
	}
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil}, {"*", nil}, {" * ", nil}, {"none", []string{}},
		{"https://portal.example.gov.cn", []string{"https://portal.example.gov.cn"}},
		{"https://A.example:8443, http://127.0.0.1:3000", []string{"https://a.example:8443", "http://127.0.0.1:3000"}},
	} {
		got, err := ParseOrigins(tc.in)
		if err != nil || !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("ParseOrigins(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"portal.example", "https://a.example/", "https://a.example/map", "ftp://a.example", "https://a.example,*", "https://u@a.example"} {
		if _, err := ParseOrigins(bad); err == nil || !strings.Contains(err.Error(), "scheme://host") {
			t.Errorf("ParseOrigins(%q): %v; want an error showing the form", bad, err)
		}
	}
}

func TestParseTokenOrigins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		says string
	}{
		{in: "", want: nil}, {in: "none", want: []string{}},
		{in: "https://a.example", want: []string{"https://a.example"}},
		{in: " * ", says: "never allow every origin"},
		{in: "https://a.example,*", says: "scheme://host"},
	} {
		got, err := ParseTokenOrigins(tc.in)
		if tc.says != "" {
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("ParseTokenOrigins(%q) = %v, %v: want an error saying %q", tc.in, got, err, tc.says)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("ParseTokenOrigins(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
}

// TestCORS: what a page on another origin may do, by configuration.
// Public map data: any origin by default (*), only the listed ones when
// restricted. Routes that take a token: only the configured token origins,
// by name, never *; none by default. Preflights answer 204 with the
// methods and headers, or 403 saying which setting opens the route.
func TestCORS(t *testing.T) {
	t.Parallel()
	const portal, console, evil = "https://portal.example.gov.cn", "https://console.example.gov.cn", "https://evil.example"
	type req struct {
		method, path, origin string
		preflight            string // Access-Control-Request-Method
	}
	type want struct {
		status  int
		allow   string // Access-Control-Allow-Origin
		methods string // Access-Control-Allow-Methods (preflights)
		vary    bool
	}
	cases := []struct {
		name string
		cors CORS
		req  req
		want want
	}{
		{"tile, no origin", CORS{}, req{"GET", "/lookup?lon=120&lat=33", "", ""}, want{200, "", "", false}},
		{"lookup from anywhere", CORS{}, req{"GET", "/lookup?lon=120&lat=33", evil, ""}, want{200, "*", "", false}},
		{"OGC from anywhere", CORS{}, req{"GET", "/conformance", portal, ""}, want{200, "*", "", false}},
		{"preflight of a batch lookup", CORS{}, req{"OPTIONS", "/lookup", evil, "POST"}, want{204, "*", "GET, HEAD, POST", false}},
		{"preflight of a tile", CORS{}, req{"OPTIONS", "/tiles/grid/10/857/410.mvt", portal, "GET"}, want{204, "*", "GET, HEAD", false}},
		{"token route, default", CORS{}, req{"GET", "/admin/tokens", portal, ""}, want{401, "", "", true}},
		{"token preflight, default", CORS{}, req{"OPTIONS", "/proposals", portal, "POST"}, want{403, "", "", true}},
		{"write to a public path, default", CORS{}, req{"OPTIONS", "/areas/320902", portal, "DELETE"}, want{403, "", "", true}},
		{"token route, configured", CORS{TokenOrigins: []string{console}}, req{"GET", "/admin/tokens", console, ""}, want{401, console, "", true}},
		{"token preflight, configured", CORS{TokenOrigins: []string{console}}, req{"OPTIONS", "/proposals", console, "POST"}, want{204, console, "GET, HEAD, POST", true}},
		{"token preflight, other origin", CORS{TokenOrigins: []string{console}}, req{"OPTIONS", "/proposals", portal, "POST"}, want{403, "", "", true}},
		{"token origin on public data", CORS{TokenOrigins: []string{console}}, req{"GET", "/conformance", console, ""}, want{200, "*", "", false}},
		{"restricted, listed", CORS{PublicOrigins: []string{portal}}, req{"GET", "/conformance", portal, ""}, want{200, portal, "", true}},
		{"restricted, not listed", CORS{PublicOrigins: []string{portal}}, req{"GET", "/conformance", evil, ""}, want{200, "", "", true}},
		{"restricted preflight, not listed", CORS{PublicOrigins: []string{portal}}, req{"OPTIONS", "/lookup", evil, "POST"}, want{403, "", "", true}},
		{"restricted, token origin reads too", CORS{PublicOrigins: []string{}, TokenOrigins: []string{console}}, req{"GET", "/conformance", console, ""}, want{200, console, "", true}},
		{"none", CORS{PublicOrigins: []string{}}, req{"GET", "/conformance", portal, ""}, want{200, "", "", true}},
		{"OPTIONS that is no preflight", CORS{}, req{"OPTIONS", "/conformance", "", ""}, want{405, "", "", false}},
		{"preflight of no route", CORS{TokenOrigins: []string{console}}, req{"OPTIONS", "/nowhere", console, "GET"}, want{404, "", "", true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := corsServer(t, tc.cors)
			r, _ := http.NewRequest(tc.req.method, srv.URL+tc.req.path, nil)
			if tc.req.origin != "" {
				r.Header.Set("Origin", tc.req.origin)
			}
			if tc.req.preflight != "" {
				r.Header.Set("Access-Control-Request-Method", tc.req.preflight)
				r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			res, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			h := res.Header
			if res.StatusCode != tc.want.status || h.Get("Access-Control-Allow-Origin") != tc.want.allow ||
				h.Get("Access-Control-Allow-Methods") != tc.want.methods || slices.Contains(h.Values("Vary"), "Origin") != tc.want.vary {
				t.Errorf("%d, Allow-Origin %q, Allow-Methods %q, Vary %q; want %d, %q, %q, vary %v", res.StatusCode,
					h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Methods"), h.Values("Vary"),
					tc.want.status, tc.want.allow, tc.want.methods, tc.want.vary)
			}
			if tc.want.allow != "" && tc.req.preflight == "" && !strings.Contains(h.Get("Access-Control-Expose-Headers"), "ETag") {
				t.Errorf("ETag not exposed: %q", h.Get("Access-Control-Expose-Headers"))
			}
			if tc.want.status == http.StatusNoContent {
				for _, hdr := range []string{"Authorization", "If-None-Match", "Content-Type"} {
					if !strings.Contains(h.Get("Access-Control-Allow-Headers"), hdr) {
						t.Errorf("preflight allows headers %q, not %s", h.Get("Access-Control-Allow-Headers"), hdr)
					}
				}
			}
			if m := cmp.Or(tc.req.preflight, tc.req.method); h.Get("Access-Control-Allow-Origin") == "*" &&
				!slices.Contains(publicRoutes, m+" "+strings.Split(tc.req.path, "?")[0]) && !strings.HasPrefix(tc.req.path, "/tiles/") {
				t.Errorf("a wildcard on %s %s, which is not public", m, tc.req.path)
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed: tokens travel in Authorization, never in cookies")
			}
		})
	}
}
