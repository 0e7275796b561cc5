package geo

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func sq(x, y, s float64) orb.Ring {
	return orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cases := []struct {
		name string
		g    orb.Geometry
		code string // "" for valid
		sev  Severity
		at   orb.Point
		msg  string
	}{
		{"valid square", orb.Polygon{sq(120, 33, 0.1)}, "", "", orb.Point{}, ""},
		{"valid with hole", orb.Polygon{sq(120, 33, 1), sq(120.2, 33.2, 0.2)}, "", "", orb.Point{}, ""},
		{"hole touching shell at a point", orb.Polygon{sq(0, 0, 4), {{0, 2}, {1, 1}, {1, 3}, {0, 2}}}, "", "", orb.Point{}, ""},
		{"valid multipolygon touching", orb.MultiPolygon{{sq(0, 0, 1)}, {sq(1, 1, 1)}}, "", "", orb.Point{}, ""},
		{"nil", nil, ProblemEmpty, SeverityError, orb.Point{}, "no geometry"},
		{"empty multipolygon", orb.MultiPolygon{}, ProblemEmpty, SeverityError, orb.Point{}, "no polygons"},
		{"polygon without rings", orb.MultiPolygon{{}}, ProblemEmpty, SeverityError, orb.Point{}, "no rings"},
		{"line", orb.LineString{{0, 0}, {1, 1}}, ProblemUnsupportedType, SeverityError, orb.Point{}, "LineString"},
		{"NaN", orb.Polygon{{{0, 0}, {1, 0}, {nan, 1}, {0, 0}}}, ProblemNonFinite, SeverityError, orb.Point{}, "finite"},
		{"Inf", orb.Polygon{{{0, 0}, {math.Inf(1), 0}, {1, 1}, {0, 0}}}, ProblemNonFinite, SeverityError, orb.Point{}, "finite"},
		{"lat out of range", orb.Polygon{sq(120, 89.5, 1)}, ProblemOutOfRange, SeverityError, orb.Point{121, 90.5}, "latitude"},
		{"swapped", orb.Polygon{sq(33, 120, 0.1)}, ProblemOutOfRange, SeverityError, orb.Point{33, 120}, "swapped"},
		{"web mercator metres", orb.Polygon{sq(13358338, 3895303, 1000)}, ProblemOutOfRange, SeverityError, orb.Point{13358338, 3895303}, "EPSG:3857"},
		{"unclosed", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, ProblemUnclosedRing, SeverityError, orb.Point{0, 1}, "not closed"},
		{"three points", orb.Polygon{{{0, 0}, {1, 0}, {0, 0}}}, ProblemTooFewPoints, SeverityError, orb.Point{0, 0}, "at least 4"},
		{"three distinct after repeats", orb.Polygon{{{0, 0}, {1, 0}, {1, 0}, {0, 0}}}, ProblemTooFewPoints, SeverityError, orb.Point{0, 0}, "distinct"},
		{"zero area", orb.Polygon{{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}, ProblemZeroArea, SeverityError, orb.Point{0, 0}, "zero area"},
		{"repeated point", orb.Polygon{{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}, ProblemRepeatedPoint, SeverityWarning, orb.Point{1, 0}, "repeats"},
		{"bowtie", orb.Polygon{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}, ProblemSelfIntersection, SeverityError, orb.Point{1, 1}, "intersects itself at (1, 1)"},
		{"ring touching itself at a vertex", orb.Polygon{{{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 1}, {0, 0}}}, ProblemSelfIntersection, SeverityError, orb.Point{1, 1}, "intersects itself"},
		{"vertex on own edge", orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}, {0, 0}}}, ProblemSelfIntersection, SeverityError, orb.Point{2, 0}, "intersects itself"},
		{"spike back along edge", orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {4, 2}, {0, 4}, {0, 0}}}, ProblemSelfIntersection, SeverityError, orb.Point{4, 2}, "intersects itself"},
		{"hole crossing shell", orb.Polygon{sq(0, 0, 2), sq(1, 1, 2)}, ProblemRingCrossing, SeverityError, orb.Point{1, 2}, "cross"},
		{"holes crossing", orb.Polygon{sq(0, 0, 10), sq(1, 1, 2), sq(2, 2, 2)}, ProblemRingCrossing, SeverityError, orb.Point{2, 3}, "hole 1 and hole 2"},
		{"multipolygon parts crossing", orb.MultiPolygon{{sq(0, 0, 2)}, {sq(1, 1, 2)}}, ProblemPolygonCrossing, SeverityError, orb.Point{1, 2}, "polygons 0 and 1"},
		{"multipolygon parts sharing an edge", orb.MultiPolygon{{sq(0, 0, 2)}, {{{2, 1}, {2, 0}, {4, 0}, {2, 1}}}}, ProblemPolygonCrossing, SeverityError, orb.Point{2, 0}, "share an edge"},
		{"hole sharing an edge with shell", orb.Polygon{sq(0, 0, 4), {{0, 1}, {1, 1}, {0, 2}, {0, 1}}}, ProblemRingCrossing, SeverityError, orb.Point{0, 1}, "run along"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ps := Validate(c.g)
			if c.code == "" {
				if len(ps) != 0 {
					t.Fatalf("problems %+v; want none", ps)
				}
				return
			}
			if len(ps) == 0 {
				t.Fatalf("no problems; want %s", c.code)
			}
			p := ps[0]
			if p.Code != c.code || p.Severity != c.sev || !strings.Contains(p.Message, c.msg) {
				t.Fatalf("first problem %+v; want %s (%s) containing %q", p, c.code, c.sev, c.msg)
			}
			if p.Location != c.at {
				t.Fatalf("location %v; want %v (%s)", p.Location, c.at, p.Message)
			}
			if HasErrors(ps) != (c.sev == SeverityError) {
				t.Fatalf("HasErrors = %v for %+v", HasErrors(ps), ps)
			}
		})
	}
}

// circle returns a valid ring of n vertices (plus the closing one).
func circle(n int, cx, cy, r float64) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, orb.Point{cx + r*math.Cos(a), cy + r*math.Sin(a)})
	}
	return append(ring, ring[0])
}

func TestValidateLargeRing(t *testing.T) {
	t.Parallel()
	ring := circle(100_000, 120, 33, 0.5)
	if ps := Validate(orb.Polygon{ring}); len(ps) != 0 {
		t.Fatalf("circle: %+v", ps[0])
	}
	// Swap two far-apart vertices: the ring now crosses itself.
	ring[100], ring[50_000] = ring[50_000], ring[100]
	ps := Validate(orb.Polygon{ring})
	if len(ps) == 0 || ps[0].Code != ProblemSelfIntersection {
		t.Fatalf("problems %+v; want self-intersection", ps)
	}
}

func TestValidateCapsIntersections(t *testing.T) {
	t.Parallel()
	// A zigzag crossing back over itself many times.
	var r orb.Ring
	for i := range 200 {
		r = append(r, orb.Point{float64(i % 2 * 10), float64(i) / 10})
	}
	r = append(r, orb.Point{-1, 10}, r[0])
	ps := Validate(orb.Polygon{r})
	if len(ps) != maxIntersections+1 || !strings.Contains(ps[len(ps)-1].Message, "more intersections not listed") {
		t.Fatalf("%d problems, last %+v; want %d and a summary", len(ps), ps[len(ps)-1], maxIntersections+1)
	}
}

// TestValidateYanchengCounties checks the real county outlines: only
// 滨海县 (320922) is invalid, with a self-intersection near
// (120.23355, 34.086212). It runs where the reference data is beside the
// repository and otherwise is named in TestMain's NOT RUN line.
func TestValidateYanchengCounties(t *testing.T) {
	t.Parallel()
	path, ok := refPath(t, "yancheng-counties.geojson")
	if !ok {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the real counties: %v", err)
	}
	var fc struct {
		Features []struct {
			Properties struct{ Code string }
			Geometry   struct{ Coordinates [][][][]float64 }
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 9 {
		t.Fatalf("%d counties; want 9", len(fc.Features))
	}
	for _, f := range fc.Features {
		var mp orb.MultiPolygon
		for _, pc := range f.Geometry.Coordinates {
			var p orb.Polygon
			for _, rc := range pc {
				var r orb.Ring
				for _, c := range rc {
					r = append(r, orb.Point{c[0], c[1]})
				}
				p = append(p, r)
			}
			mp = append(mp, p)
		}
		ps := Validate(mp)
		if f.Properties.Code != "320922" {
			if HasErrors(ps) {
				t.Errorf("county %s: %+v; want valid", f.Properties.Code, ps)
			}
			continue
		}
		// Its two parts share two edges, which GEOS reports as a
		// self-intersection at (120.23355 34.086212).
		if len(ps) == 0 || ps[0].Code != ProblemPolygonCrossing {
			t.Fatalf("320922: %+v; want polygon-crossing", ps)
		}
		at := ps[0].Location
		if math.Abs(at[0]-120.23355) > 0.001 || math.Abs(at[1]-34.086212) > 0.001 {
			t.Fatalf("320922 self-intersection at %v; want within 0.001° of (120.23355, 34.086212)", at)
		}
		t.Logf("320922: %s", ps[0].Message)
	}
}

func BenchmarkValidateRing(b *testing.B) {
	ring := circle(10_000, 120, 33, 0.5)
	for b.Loop() {
		if ps := Validate(orb.Polygon{ring}); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 10, 10, 0, 10, 0, 0}, uint8(1))
	f.Add([]byte{0, 0, 20, 20, 20, 0, 0, 20, 0, 0}, uint8(0))
	f.Add([]byte{255, 0, 1, 1, 0, 0}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, rings uint8) {
		// Bytes become coordinates on a small grid, so collinear and
		// coincident points are common; rings splits them into rings.
		n := int(rings%4) + 1
		var p orb.Polygon
		per := len(data) / 2 / n
		for r := range n {
			var ring orb.Ring
			for i := r * per; i < (r+1)*per; i++ {
				x, y := float64(data[2*i]%32), float64(data[2*i+1]%32)
				if data[2*i] == 255 {
					x = math.NaN()
				}
				ring = append(ring, orb.Point{120 + x/8, 33 + y/8})
			}
			if len(ring) > 0 && data[0]%2 == 0 {
				ring = append(ring, ring[0])
			}
			p = append(p, ring)
		}
		ps := Validate(p)
		for _, pr := range ps {
			if pr.Code == "" || pr.Message == "" || (pr.Severity != SeverityError && pr.Severity != SeverityWarning) {
				t.Fatalf("malformed problem %+v", pr)
			}
		}
		_ = Validate(orb.MultiPolygon{p, p})
	})
}

// BenchmarkValidateScribble measures the worst kind of input: a long
// random scribble on a small lattice, where most segment pairs meet.
func BenchmarkValidateScribble(b *testing.B) {
	r := orb.Ring{}
	for i := range 2000 {
		r = append(r, orb.Point{120 + float64((i*7919)%32)/8, 33 + float64((i*104729)%32)/8})
	}
	r = append(r, r[0])
	for b.Loop() {
		Validate(orb.Polygon{r})
	}
}
