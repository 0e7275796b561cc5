package lookup_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/lookup"
	"gridmap/problem"
	"gridmap/store/storetest"
)

type fixedSource struct{ s *live.State }

func (f fixedSource) Current() *live.State { return f.s }

// switchSource is a Source whose state a test swaps.
type switchSource struct{ p atomic.Pointer[live.State] }

func (s *switchSource) Current() *live.State { return s.p.Load() }

func TestLookupHTTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewDemo(t, demoOptions)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	state := live.FromSnapshot(snap)
	srv := httptest.NewServer(lookup.Handler(fixedSource{state}, lookup.NewPostGIS(st), nil))
	defer srv.Close()

	// A point strictly inside a known grid: its first household.
	var hlon, hlat float64
	var hgrid string
	if err := st.Pool().QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom), grid_code FROM household ORDER BY id LIMIT 1`).Scan(&hlon, &hlat, &hgrid); err != nil {
		t.Fatal(err)
	}
	g := snap.Grid(geoCode(hgrid))
	if g == nil {
		t.Fatalf("grid %s not in snapshot", hgrid)
	}

	t.Run("single", func(t *testing.T) {
		var a lookup.Answer
		resp := getJSON(t, srv.URL+fmt.Sprintf("/?lon=%v&lat=%v", hlon, hlat), http.StatusOK, &a)
		if a.Grid == nil || a.Grid.Code != hgrid || a.Grid.Name != g.Name || a.Grid.Kind != string(g.Kind) {
			t.Fatalf("grid %+v, want %s %s", a.Grid, hgrid, g.Name)
		}
		if a.Village == nil || a.Village.Code != string(g.Village) || a.Village.Name != snap.Area(g.Village).Name {
			t.Fatalf("village %+v", a.Village)
		}
		if a.Town == nil || a.Town.Code != string(g.Code.Town()) || a.County == nil || a.County.Code != "320902000000" || a.County.Name != "亭湖区" {
			t.Fatalf("town %+v county %+v", a.Town, a.County)
		}
		if a.Version != snap.Version || resp.Header.Get(lookup.VersionHeader) != fmt.Sprint(snap.Version) {
			t.Fatalf("version %d header %q, want %d", a.Version, resp.Header.Get(lookup.VersionHeader), snap.Version)
		}
	})

	t.Run("fast path answers as the general path and PostGIS", func(t *testing.T) {
		pts := probePoints(snap, rand.New(rand.NewPCG(5, 6)), 150)
		pts = append(pts, orb.Point{hlon, hlat}, orb.Point{1e-7, -0.0}, orb.Point{-180, 90}, orb.Point{10, 10})
		for _, g := range snap.Grids { // a vertex of every sub-grid
			if len(g.Code) > 15 {
				pts = append(pts, g.Geom[0][0][0])
			}
		}
		want, wantSub := oracle(ctx, t, st, pts)
		client := srv.Client()
		var subs, none int
		get := func(q string) (string, http.Header) {
			resp, err := client.Get(srv.URL + "/?" + q)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET ?%s: %d %v %s", q, resp.StatusCode, err, b)
			}
			return string(b), resp.Header
		}
		for i, p := range pts {
			lon, lat := strconv.FormatFloat(p[0], 'g', -1, 64), strconv.FormatFloat(p[1], 'g', -1, 64)
			fast, fh := get("lon=" + lon + "&lat=" + lat)
			// A trailing separator takes the general path (url.Values,
			// encoding/json); the answer must be the same bytes.
			general, gh := get("lat=" + lat + "&lon=" + lon + "&")
			if fast != general {
				t.Fatalf("point %v: fast path answered\n%s\ngeneral path\n%s", p, fast, general)
			}
			for _, k := range []string{"Content-Type", "Cache-Control", lookup.VersionHeader} {
				if fh.Get(k) != gh.Get(k) {
					t.Fatalf("point %v: %s %q on the fast path, %q on the general path", p, k, fh.Get(k), gh.Get(k))
				}
			}
			var a lookup.Answer
			if err := json.Unmarshal([]byte(fast), &a); err != nil {
				t.Fatal(err)
			}
			var g, s string
			if a.Grid != nil {
				g = a.Grid.Code
			}
			if a.SubGrid != nil {
				s = a.SubGrid.Code
			}
			if g != want[i] || s != wantSub[i] || a.Lon != p[0] || a.Lat != p[1] {
				t.Fatalf("point %v: answered %s; PostGIS says grid %q sub-grid %q", p, fast, want[i], wantSub[i])
			}
			switch {
			case s != "":
				subs++
			case g == "":
				none++
			}
		}
		// The kinds of answer (and so of cached tails) were all seen; the
		// demo's grids cover its areas, so points in an area but no grid
		// come in the next test.
		if subs == 0 || none == 0 {
			t.Errorf("answers with a sub-grid %d, nothing %d; want some of each", subs, none)
		}
	})

	t.Run("fast path follows a new version", func(t *testing.T) {
		// The next version lacks the grids of the household's village, so
		// the point is answered with the village alone.
		var grids []geo.Grid
		for _, gr := range snap.Grids {
			if gr.Village != g.Village {
				grids = append(grids, gr)
			}
		}
		next := live.FromSnapshot(geo.NewSnapshot(snap.Version+1, snap.LoadedAt, snap.Areas, grids))
		var src switchSource
		src.p.Store(state)
		srv := httptest.NewServer(lookup.Handler(&src, lookup.NewPostGIS(st), nil))
		defer srv.Close()
		q := fmt.Sprintf("/?lon=%v&lat=%v", hlon, hlat)
		var a lookup.Answer
		if getJSON(t, srv.URL+q, http.StatusOK, &a); a.Grid == nil || a.Grid.Code != hgrid {
			t.Fatalf("before: %+v", a)
		}
		src.p.Store(next)
		for _, q := range []string{q, q + "&"} { // fast, general
			var b lookup.Answer
			resp := getJSON(t, srv.URL+q, http.StatusOK, &b)
			if b.Grid != nil || b.Area == nil || b.Area.Code != string(g.Village) || b.Village == nil || b.Village.Code != string(g.Village) ||
				b.Version != snap.Version+1 || resp.Header.Get(lookup.VersionHeader) != fmt.Sprint(snap.Version+1) {
				t.Fatalf("%s after the switch: %+v, version header %q; want village %s alone, version %d",
					q, b, resp.Header.Get(lookup.VersionHeader), g.Village, snap.Version+1)
			}
		}
		if fast, general := getBody(t, srv.URL+q), getBody(t, srv.URL+q+"&"); fast != general {
			t.Fatalf("area-only answer: fast path\n%s\ngeneral path\n%s", fast, general)
		}
	})

	t.Run("outside every grid", func(t *testing.T) {
		var a lookup.Answer
		getJSON(t, srv.URL+"/?lon=10&lat=10", http.StatusOK, &a)
		if a.Grid != nil || a.Area != nil {
			t.Fatalf("got %+v, want no grid and no area", a)
		}
	})

	t.Run("as of before the demo existed", func(t *testing.T) {
		var a lookup.Answer
		getJSON(t, srv.URL+fmt.Sprintf("/?lon=%v&lat=%v&at=2000-01-01T00:00:00Z", hlon, hlat), http.StatusOK, &a)
		if a.Grid != nil {
			t.Fatalf("grid %+v in 2000, before any grid existed", a.Grid)
		}
		if a.Village == nil || a.Village.Code != string(g.Village) {
			t.Fatalf("village %+v, want the point's village (of then: the fixture's areas have one version)", a.Village)
		}
		getJSON(t, srv.URL+fmt.Sprintf("/?lon=%v&lat=%v&at=%s", hlon, hlat, url.QueryEscape(time.Now().Format(time.RFC3339))), http.StatusOK, &a)
		if a.Grid == nil || a.Grid.Code != hgrid {
			t.Fatalf("as of now: %+v, want %s", a.Grid, hgrid)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tt := range []struct{ query, field string }{
			{"", "lon"},
			{"lon=120", "lat"},
			{"lon=abc&lat=33", "lon"},
			{"lon=NaN&lat=33", "lon"},
			{"lon=181&lat=33", "lon"},
			{"lon=120&lat=-90.5", "lat"},
			{"lon=120&lat=33&lat=34", "lat"},
			{"lon=120&lat=33&at=yesterday", "at"},
			{"lon=120&lat=33&x=1", "x"},
		} {
			var p problem.Details
			resp := getJSON(t, srv.URL+"/?"+tt.query, http.StatusBadRequest, &p)
			if resp.Header.Get("Content-Type") != problem.ContentType {
				t.Errorf("%q: Content-Type %q", tt.query, resp.Header.Get("Content-Type"))
			}
			found := false
			for _, f := range p.Errors {
				found = found || f.Name == tt.field
			}
			if !found {
				t.Errorf("%q: problem %+v does not name %q", tt.query, p, tt.field)
			}
		}
	})

	t.Run("batch csv equals single lookups", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		pts := probePoints(snap, r, 3000)
		var body bytes.Buffer
		body.WriteString("id,lon,lat\n")
		for i, p := range pts {
			fmt.Fprintf(&body, "p%d,%.17g,%.17g\n", i, p[0], p[1])
		}
		body.WriteString("bad,999,1\n")
		resp, err := http.Post(srv.URL+"/", "text/csv", &body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		recs, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(pts)+2 {
			t.Fatalf("%d answer lines, want %d", len(recs), len(pts)+2)
		}
		want, wantSub := oracle(ctx, t, st, pts)
		for i := range pts {
			rec := recs[i+1]
			if rec[0] != fmt.Sprintf("p%d", i) || rec[1] != want[i] || rec[2] != wantSub[i] {
				t.Fatalf("row %d: %q, want grid %q sub %q", i, rec, want[i], wantSub[i])
			}
		}
		if last := recs[len(recs)-1]; last[0] != "bad" || !strings.Contains(last[5], "out of range") {
			t.Fatalf("bad row answered %q", last)
		}
	})

	t.Run("batch whole-request errors", func(t *testing.T) {
		for _, tt := range []struct {
			ctype, body string
			status      int
		}{
			{"application/xml", "<a/>", http.StatusUnsupportedMediaType},
			{"application/json", `{"not":"an array"}`, http.StatusBadRequest},
			{"application/geo+json", `[1,2]`, http.StatusBadRequest},
		} {
			resp, err := http.Post(srv.URL+"/", tt.ctype, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != problem.ContentType {
				t.Errorf("%s %s: %d %s %s", tt.ctype, tt.body, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
		}
	})
}

func getJSON(t *testing.T, u string, status int, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d: %s", u, resp.StatusCode, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
	return resp
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func geoCode(s string) geo.Code { return geo.Code(s) }
