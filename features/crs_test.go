package features

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseCRS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want CRS
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"[OGC:CRS84]", CRS84},
		{"http://www.opengis.net/def/crs/EPSG/0/4490", CGCS2000},
		{"https://www.opengis.net/def/crs/EPSG/0/4490", CGCS2000},
		{"[EPSG:4490]", CGCS2000},
		{"EPSG:4490", CGCS2000},
		{"epsg:4326", WGS84},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", WebMercator},
	} {
		if got, err := ParseCRS(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseCRS(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "EPSG:2000", "http://www.opengis.net/def/crs/EPSG/0/43260", "CRS84x"} {
		if _, err := ParseCRS(bad); err == nil || !strings.Contains(err.Error(), CGCS2000.URI) {
			t.Errorf("ParseCRS(%q) = %v: want an error listing the CRSs", bad, err)
		}
	}
}

// TestCRSRoundTrip: every CRS gives back the stored point (to a
// nanometre in Web Mercator), and known values hold: 4490 swaps the axes
// and keeps the digits, 3857 is PROJ's answer (PostGIS 3.3, PROJ 9.1.1:
// ST_Transform of POINT(120.123456789 33.3456789) to 3857).
func TestCRSRoundTrip(t *testing.T) {
	t.Parallel()
	p := orb.Point{120.123456789, 33.3456789}
	if got := CGCS2000.fromLonLat(p); got != (orb.Point{p[1], p[0]}) {
		t.Errorf("4490 of %v: %v", p, got)
	}
	m := WebMercator.fromLonLat(p)
	if math.Abs(m[0]-13372082.042079281) > 1e-8 || math.Abs(m[1]-3941277.456588374) > 1e-8 {
		t.Errorf("3857 of %v: %.9f %.9f, PostGIS 13372082.042079281 3941277.456588374", p, m[0], m[1])
	}
	for _, c := range crss {
		for _, q := range []orb.Point{p, {-179.9, -85}, {0, 0}, {180, 85}, {119.5, 32.5}} {
			back := c.toLonLat(c.fromLonLat(q))
			if math.Abs(back[0]-q[0]) > 1e-12 || math.Abs(back[1]-q[1]) > 1e-12 {
				t.Errorf("%s: %v comes back as %v", c.URI, q, back)
			}
		}
	}
}

func TestParseBBoxIn(t *testing.T) {
	t.Parallel()
	ll := orb.Bound{Min: orb.Point{120, 33}, Max: orb.Point{120.5, 33.25}}
	merc := func(p orb.Point) string {
		m := WebMercator.fromLonLat(p)
		return ftoa(m[0]) + "," + ftoa(m[1])
	}
	for _, tc := range []struct {
		s   string
		c   CRS
		tol float64
	}{
		{"120,33,120.5,33.25", CRS84, 0},
		{"33,120,33.25,120.5", CGCS2000, 0},
		{"33,120,33.25,120.5", WGS84, 0},
		{merc(ll.Min) + "," + merc(ll.Max), WebMercator, 1e-12},
	} {
		b, err := parseBBoxIn(tc.s, tc.c)
		if err != nil || math.Abs(b.Min[0]-ll.Min[0]) > tc.tol || math.Abs(b.Min[1]-ll.Min[1]) > tc.tol ||
			math.Abs(b.Max[0]-ll.Max[0]) > tc.tol || math.Abs(b.Max[1]-ll.Max[1]) > tc.tol {
			t.Errorf("bbox %s in %s: %v, %v; want %v", tc.s, tc.c.URI, b, err, ll)
		}
	}
	for _, tc := range []struct {
		s    string
		c    CRS
		want string
	}{
		{"120,33,120.5,33.25", CGCS2000, "latitudes"},
		{"33.25,120,33,120.5", CGCS2000, "minLat 33.25 is greater than maxLat 33"},
		{"33,121,33.25,120.5", CGCS2000, "minLon 121"},
		{"33,120,33.25", CGCS2000, "minLat,minLon,maxLat,maxLon"},
		{"1,2,3,NaN", WebMercator, "not a finite number"},
		{"0,0,30000000,1", WebMercator, "within ±20037508"},
		{"10,0,1,1", WebMercator, "minX 10 is greater than maxX 1"},
	} {
		if _, err := parseBBoxIn(tc.s, tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bbox %s in %s: %v; want an error saying %q", tc.s, tc.c.URI, err, tc.want)
		}
	}
}

// TestProjectCopies: a projected geometry is a new one; the stored one,
// shared by every answer of its version, stays as it was.
func TestProjectCopies(t *testing.T) {
	t.Parallel()
	mp := orb.MultiPolygon{{{{120, 33}, {121, 33}, {121, 34}, {120, 33}}, {{120.2, 33.1}, {120.3, 33.1}, {120.3, 33.2}, {120.2, 33.1}}}}
	was := orb.Clone(mp).(orb.MultiPolygon)
	got := CGCS2000.project(mp)
	if !orb.Equal(mp, was) {
		t.Fatal("project changed the stored geometry")
	}
	if got[0][1][2] != (orb.Point{33.2, 120.3}) || len(got[0][0]) != 4 {
		t.Errorf("projected %v", got)
	}
	got[0][0] = append(got[0][0], orb.Point{0, 0}) // rings own their points: no append runs into the next ring
	if got[0][1][0] != (orb.Point{33.1, 120.2}) {
		t.Errorf("appending to a ring changed the next: %v", got[0][1])
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
