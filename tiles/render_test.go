package tiles

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/geo"
	"gridmap/tiles/tilestest"
)

// tilesCovering lists the tiles at zoom z that meet a lon/lat bound.
func tilesCovering(b orb.Bound, z int) []maptile.Tile {
	r := maptile.At(b.Max, maptile.Zoom(z)) // north-east corner: highest x, lowest y
	l := maptile.At(b.Min, maptile.Zoom(z))
	var out []maptile.Tile
	for x := l.X; x <= r.X; x++ {
		for y := r.Y; y <= l.Y; y++ {
			out = append(out, maptile.New(x, y, maptile.Zoom(z)))
		}
	}
	return out
}

func snapshotBound(s *geo.Snapshot) orb.Bound {
	b := s.Grids[0].Geom.Bound()
	for _, g := range s.Grids {
		b = b.Union(g.Geom.Bound())
	}
	for _, a := range s.Areas {
		if a.Level != geo.LevelCity {
			b = b.Union(a.Geom.Bound())
		}
	}
	return b
}

// checkTile decodes a tile strictly and checks what Decode cannot know:
// ids match codes, layers only at their zooms, labels only at their
// level's zooms, properties present.
func checkTile(t *testing.T, data []byte, z int) *tilestest.Decoded {
	t.Helper()
	d, err := tilestest.Decode(data)
	if err != nil {
		t.Fatalf("z%d: strict decode: %v", z, err)
	}
	for _, l := range d.Layers {
		info, ok := LayerByName(l.Name)
		if !ok {
			t.Fatalf("z%d: unexpected layer %q", z, l.Name)
		}
		if z < info.MinZoom || z > info.MaxZoom {
			t.Errorf("z%d: layer %s outside its zooms %d-%d", z, l.Name, info.MinZoom, info.MaxZoom)
		}
		if l.Version != 2 || l.Extent != Extent {
			t.Errorf("layer %s: version %d extent %d; want 2, %d", l.Name, l.Version, l.Extent, Extent)
		}
		if len(l.Features) == 0 {
			t.Errorf("layer %s present without features", l.Name)
		}
		for _, f := range l.Features {
			if z < info.FullZoom {
				// Lean: the id, the code read from it, and exactly the
				// layer's lean fields (none: an id-only outline).
				c, err := codeOfID(f.ID)
				if err != nil || len(f.Props) != len(info.LeanFields) {
					t.Errorf("z%d layer %s: feature %d (code %s, %v) with properties %v; want only %v below z%d",
						z, l.Name, f.ID, c, err, f.Props, info.LeanFields, info.FullZoom)
				}
				for _, k := range info.LeanFields {
					if v, ok := f.Props[k].(string); !ok || v == "" {
						t.Errorf("z%d layer %s feature %s: lean property %q = %v; want a string", z, l.Name, c, k, f.Props[k])
					}
				}
				if f.Type != geomPolygon {
					t.Errorf("layer %s feature %s: type %d; want polygon", l.Name, c, f.Type)
				}
				continue
			}
			code, _ := f.Props["code"].(string)
			c, err := geo.ParseCode(code)
			if err != nil {
				t.Fatalf("layer %s: feature %d: code property %v: %v", l.Name, f.ID, f.Props["code"], err)
			}
			if f.ID != c.ID() {
				t.Errorf("layer %s: feature id %d for code %s; want %d", l.Name, f.ID, c, c.ID())
			}
			for k := range info.Fields {
				if _, ok := f.Props[k]; !ok && !(l.Name == LayerLabel && k == "kind" && !c.IsGrid()) {
					t.Errorf("layer %s feature %s: property %q missing", l.Name, c, k)
				}
			}
			if l.Name == LayerLabel {
				lo, hi, _ := LabelZooms(c.Level())
				if z < lo || z > hi {
					t.Errorf("z%d: label of %s (%s) outside its zooms %d-%d", z, c, c.Level(), lo, hi)
				}
				if f.Type != geomPoint || len(f.Points) != 1 {
					t.Errorf("label %s: type %d with %d points; want one point", c, f.Type, len(f.Points))
				}
			} else if f.Type != geomPolygon {
				t.Errorf("layer %s feature %s: type %d; want polygon", l.Name, c, f.Type)
			}
		}
	}
	return d
}

// codeOfID reads a feature id back into its code (geo.Code.ID: the code
// times 100 plus its length).
func codeOfID(id uint64) (geo.Code, error) {
	n := int(id % 100)
	s := strconv.FormatUint(id/100, 10)
	if len(s) > n {
		return "", fmt.Errorf("id %d: %d digits for a %d-digit code", id, len(s), n)
	}
	return geo.ParseCode(strings.Repeat("0", n-len(s)) + s)
}

func TestRenderStrictValidity(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	for _, tc := range []struct {
		name    string
		reverse bool // wind every source ring the other way
	}{{"as stored", false}, {"rings reversed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			snap := fx.snapshot(t, 1)
			if tc.reverse {
				for i := range snap.Grids {
					for _, p := range snap.Grids[i].Geom {
						for _, r := range p {
							r.Reverse()
						}
					}
				}
			}
			p := Prepare(snap)
			b := snapshotBound(snap)
			seen := map[string]int{}
			for z := 0; z <= 17; z++ {
				for _, tl := range tilesCovering(b, z) {
					data, err := p.Render(nil, z, int(tl.X), int(tl.Y))
					if err != nil {
						t.Fatal(err)
					}
					if len(data) == 0 {
						continue
					}
					d := checkTile(t, data, z)
					for _, l := range d.Layers {
						seen[l.Name] += len(l.Features)
					}
				}
			}
			for _, l := range layerInfos {
				if seen[l.Name] == 0 {
					t.Errorf("layer %s never rendered", l.Name)
				}
			}
		})
	}
}

// TestRenderHoleStaysHole: grid 001 has a hole filled by grid 002. A
// mis-wound hole would decode as a second polygon (orb's decoder, and any
// strict reader, split on a positive ring).
func TestRenderHoleStaysHole(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	p := Prepare(fx.snapshot(t, 1))
	village := mustMP(t, fx.Areas[3].WKT).Bound()
	for _, z := range []int{11, 12} {
		// The area ratio below needs the whole village in one tile.
		if n := len(tilesCovering(village, z)); n != 1 {
			t.Fatalf("z%d: the village spans %d tiles; pick zooms where it fits one", z, n)
		}
		tl := maptile.At(orb.Point{120.11, 33.38}, maptile.Zoom(z))
		data, err := p.Render([]string{LayerGrid}, z, int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		d := checkTile(t, data, z)
		l := d.Layer(LayerGrid)
		if l == nil {
			t.Fatalf("z%d: no grid layer", z)
		}
		var areas = map[string]float64{}
		for _, f := range l.Features {
			c, err := codeOfID(f.ID) // grids are lean at z11-12: no code property
			if err != nil {
				t.Fatal(err)
			}
			code := string(c)
			if code == "320902001001001" {
				if len(f.Polygons) != 1 || len(f.Polygons[0]) != 2 {
					t.Errorf("z%d: grid 001 decodes as %d polygons, first with %d rings; want 1 polygon with 1 hole", z, len(f.Polygons), len(f.Polygons[0]))
				}
			}
			for _, poly := range f.Polygons {
				for _, r := range poly {
					areas[code] += float64(tilestest.RingArea2(r)) / 2
				}
			}
		}
		// The hole of 001 is grid 002. West half 0.02°×0.04° less the
		// 0.01°×0.02° hole is three times 002 (Mercator stretches y by the
		// same factor across these 0.04°), if the hole is subtracted.
		a1, a2 := areas["320902001001001"], areas["320902001001002"]
		if ratio := a1 / a2; math.Abs(ratio-3) > 0.1 {
			t.Errorf("z%d: area(001)/area(002) = %.3f; want 3 (hole subtracted)", z, ratio)
		}
	}
}

func TestCheckTile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		z, x, y int
		ok      bool
	}{
		{0, 0, 0, true}, {1, 1, 1, true}, {22, 1<<22 - 1, 0, true},
		{-1, 0, 0, false}, {23, 0, 0, false}, {1, 2, 0, false}, {1, 0, 2, false}, {3, -1, 0, false},
	} {
		if err := CheckTile(tc.z, tc.x, tc.y); (err == nil) != tc.ok {
			t.Errorf("CheckTile(%d,%d,%d) = %v; want ok=%v", tc.z, tc.x, tc.y, err, tc.ok)
		}
	}
}

func TestOrient(t *testing.T) {
	t.Parallel()
	// y down: (0,0) (10,0) (10,10) (0,10) is clockwise on screen, positive.
	cw := []ipt{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	ccw := []ipt{{0, 0}, {0, 10}, {10, 10}, {10, 0}}
	for _, tc := range []struct {
		name     string
		ring     []ipt
		exterior bool
		ok       bool
		sign     int64
	}{
		{"exterior already positive", cw, true, true, 1},
		{"exterior reversed", ccw, true, true, 1},
		{"hole reversed", cw, false, true, -1},
		{"hole already negative", ccw, false, true, -1},
		{"collinear ring dropped", []ipt{{0, 0}, {5, 5}, {10, 10}}, true, false, 0},
		{"two points dropped", []ipt{{0, 0}, {5, 5}}, true, false, 0},
	} {
		r := append([]ipt(nil), tc.ring...)
		ok := orient(r, tc.exterior)
		if ok != tc.ok {
			t.Errorf("%s: ok %v; want %v", tc.name, ok, tc.ok)
			continue
		}
		if ok && (area2(r) > 0) != (tc.sign > 0) {
			t.Errorf("%s: area2 %d; want sign %d", tc.name, area2(r), tc.sign)
		}
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestDropCollinear(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []ipt
		want int
	}{
		{[]ipt{{0, 0}, {5, 0}, {10, 0}, {10, 10}, {0, 10}}, 4},
		{[]ipt{{0, 0}, {10, 0}, {10, 10}, {10, 20}, {10, 10}, {0, 10}}, 4}, // spike
		{[]ipt{{0, 0}, {0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, 4},
		{[]ipt{{0, 5}, {0, 0}, {10, 0}, {10, 10}, {0, 10}}, 4}, // collinear across the seam
		{[]ipt{{0, 0}, {10, 0}, {20, 0}}, 2},
	} {
		got := dropCollinear(append([]ipt(nil), tc.in...))
		if len(got) != tc.want {
			t.Errorf("dropCollinear(%v) = %v; want %d points", tc.in, got, tc.want)
		}
	}
}

func TestSimplifyKeepsShape(t *testing.T) {
	t.Parallel()
	// A square with a wiggle of one unit along one side, and a real notch.
	var r []ipt
	for x := int32(0); x <= 1000; x += 10 {
		r = append(r, ipt{x, int32(x/10) % 2})
	}
	r = append(r, ipt{1000, 1000}, ipt{600, 1000}, ipt{500, 900}, ipt{400, 1000}, ipt{0, 1000})
	got := simplifyDP(nil, r, 1)
	if len(got) > 8 {
		t.Errorf("simplified to %d points; want the wiggle gone (≤ 8)", len(got))
	}
	notch := false
	for _, p := range got {
		if p == (ipt{500, 900}) {
			notch = true
		}
	}
	if !notch {
		t.Errorf("simplified ring %v lost the notch at (500,900)", got)
	}
	if a, b := float64(area2(r)), float64(area2(got)); math.Abs(a-b)/math.Abs(a) > 0.01 {
		t.Errorf("area changed from %v to %v", a/2, b/2)
	}
}

// TestPolylabelInside: every label lies inside its polygon, and not in a
// hole (grid 001 is a square ring around grid 002).
func TestPolylabelInside(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	snap := fx.snapshot(t, 1)
	p := Prepare(snap)
	for _, f := range p.layers[LayerLabel].feats {
		code := f.props[0].val.s
		var mp orb.MultiPolygon
		if g := snap.Grid(geo.Code(code)); g != nil {
			mp = g.Geom
		} else {
			mp = snap.Area(geo.Code(code)).Geom
		}
		ll := fromWorld(f.pt)
		if !inMultiPolygon(mp, ll) {
			t.Errorf("label of %s at %v is outside its polygon", code, ll)
		}
	}
}

func inMultiPolygon(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		in := false
		for k, r := range poly {
			if ringContains(r, p) {
				if k == 0 {
					in = true
				} else {
					in = false
					break
				}
			} else if k == 0 {
				break
			}
		}
		if in {
			return true
		}
	}
	return false
}

func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// TestPrepareFromReusesOnlyUnchanged: preparing a new version from the
// previous one gives byte for byte the tiles of preparing it afresh, so
// reuse can never serve a stale shape.
func TestPrepareFromReusesOnlyUnchanged(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t)
	prev := Prepare(fx.snapshot(t, 1))
	next := shrinkIsland(t, fx, 2)
	reused, fresh := PrepareFrom(next, prev), Prepare(next)
	b := snapshotBound(next)
	changed := 0
	for z := 0; z <= 16; z++ {
		for _, tl := range tilesCovering(b, z) {
			x, y := int(tl.X), int(tl.Y)
			a, err := reused.Render(nil, z, x, y)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := fresh.Render(nil, z, x, y)
			old, _ := prev.Render(nil, z, x, y)
			if !bytes.Equal(a, f) {
				t.Fatalf("%d/%d/%d: PrepareFrom renders %d bytes, Prepare %d", z, x, y, len(a), len(f))
			}
			if !bytes.Equal(a, old) {
				changed++
			}
		}
	}
	if changed == 0 {
		t.Fatal("no tile changed with the island; the comparison proves nothing")
	}
}

// TestLowZoomTilesAreSmall: over a synthetic city of Yancheng's size
// (21,000 grids), every tile at z0-z8, the whole city in one or a few
// tiles, stays within a few kilobytes. z0-z6 (counties) are under 1 KB
// gzipped; z7-z8 add the outlines of 150-odd towns, ids only, under 4 KB.
// The limits were 1 KB and 10 KB while towns carried their codes, names
// and counts at z7-z8, before their labels appear.
func TestLowZoomTilesAreSmall(t *testing.T) {
	t.Parallel()
	_, p, _ := benchCity(t)
	w, s, e, n, _ := p.Bounds()
	b := orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
	for z := 0; z <= 8; z++ {
		for _, tl := range tilesCovering(b, z) {
			data, err := p.Render(nil, z, int(tl.X), int(tl.Y))
			if err != nil {
				t.Fatal(err)
			}
			checkTile(t, data, z)
			tile := newTile(data)
			maxRaw, maxGz := 8<<10, 4<<10
			if z <= 6 {
				maxRaw, maxGz = 2<<10, 1<<10
			}
			if len(tile.Gzip) > maxGz || len(tile.Data) > maxRaw {
				t.Errorf("%d/%d/%d: %d bytes, %d gzipped; want at most %d, %d gzipped", z, tl.X, tl.Y, len(tile.Data), len(tile.Gzip), maxRaw, maxGz)
			}
			if z <= 6 && len(data) == 0 {
				t.Errorf("%d/%d/%d: empty; the counties should show", z, tl.X, tl.Y)
			}
		}
	}
}

// TestLeanGridTilesAreSmaller: at z11-12, where grids are fills without
// labels, a grid carries its id and kind only. Over the synthetic city
// (21,000 grids) the gzipped tiles of those zooms must stay under 85% of
// the same tiles with every grid property (the grid layer made full from
// its first zoom, in the same test), in total and for the largest tile,
// and hold the same grids. Measured here: 0.79 at z11, 0.81 at z12.
// The demo city's figures are in the README (gridd bench tiles).
func TestLeanGridTilesAreSmaller(t *testing.T) {
	t.Parallel()
	_, p, _ := benchCity(t)
	full := withFullGrids(p)
	w, s, e, n, _ := p.Bounds()
	b := orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
	for _, z := range []int{11, 12} {
		var leanGz, fullGz, leanMax, fullMax, grids int
		for _, tl := range tilesCovering(b, z) {
			x, y := int(tl.X), int(tl.Y)
			lean, err := p.Render(nil, z, x, y)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := full.Render(nil, z, x, y)
			ld, fd := checkTile(t, lean, z), decodeStrict(t, all)
			if lg, fg := ld.Layer(LayerGrid), fd.Layer(LayerGrid); lg != nil || fg != nil {
				if lg == nil || fg == nil || len(lg.Features) != len(fg.Features) {
					t.Fatalf("%d/%d/%d: grid layers differ: lean %v, full %v", z, x, y, lg != nil, fg != nil)
				}
				for i, f := range lg.Features {
					ff := fg.Features[i]
					if f.ID != ff.ID || f.Props["kind"] != ff.Props["kind"] || len(ff.Props) != len(gridFields) {
						t.Fatalf("%d/%d/%d: grid %d lean %v, full %d %v", z, x, y, f.ID, f.Props, ff.ID, ff.Props)
					}
				}
				grids += len(lg.Features)
			}
			lz, fz := len(newTile(lean).Gzip), len(newTile(all).Gzip)
			leanGz, fullGz = leanGz+lz, fullGz+fz
			leanMax, fullMax = max(leanMax, lz), max(fullMax, fz)
		}
		ratio := float64(leanGz) / float64(fullGz)
		t.Logf("z%d: %d grid features; gzipped lean %d bytes (max tile %d), full %d (max %d): %.2f",
			z, grids, leanGz, leanMax, fullGz, fullMax, ratio)
		if grids < 1000 {
			t.Fatalf("z%d: only %d grid features; the comparison proves nothing", z, grids)
		}
		if ratio > 0.85 || float64(leanMax) > 0.85*float64(fullMax) {
			t.Errorf("z%d: lean tiles are %.2f of full ones (max tile %d of %d bytes); want under 0.85", z, ratio, leanMax, fullMax)
		}
	}
}

// withFullGrids returns p with its grid layer carrying every property
// from its first zoom, as before grids were lean at z11-12, to compare
// with in the same run.
func withFullGrids(p *Prepared) *Prepared {
	full := &Prepared{Version: p.Version, bounds: p.bounds, layers: maps.Clone(p.layers)}
	grid := *p.layers[LayerGrid]
	grid.info.FullZoom = grid.info.MinZoom
	full.layers[LayerGrid] = &grid
	return full
}

// decodeStrict decodes a tile, failing the test when it is not valid.
func decodeStrict(t *testing.T, data []byte) *tilestest.Decoded {
	t.Helper()
	d, err := tilestest.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBadGeometryNeverCrashes: empty, degenerate and non-finite
// geometries are left out or drawn as far as they go; every tile still
// passes the strict decoder.
func TestBadGeometryNeverCrashes(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	bad := []orb.MultiPolygon{
		nil,
		{},
		{{}},
		{{{}}},
		{{{{120.1, 33.3}, {120.2, 33.3}}}}, // two points
		{{{{120.1, 33.3}, {120.1, 33.3}, {120.1, 33.3}, {120.1, 33.3}}}},                // one point repeated
		{{{{120.1, 33.3}, {120.2, 33.3}, {120.3, 33.3}, {120.1, 33.3}}}},                // a line
		{{{{120.1, 33.3}, {nan, 33.3}, {120.2, 33.4}, {120.1, 33.4}}}},                  // NaN vertex
		{{{{-500, -100}, {500, -100}, {500, 100}, {-500, 100}, {-500, -100}}}},          // beyond the world
		{{{{120.1, 33.3}, {120.2, 33.4}, {120.2, 33.3}, {120.1, 33.4}, {120.1, 33.3}}}}, // bow tie
		{{{{120.1, 33.3}, {120.2, 33.3}, {120.2, 33.4}, {120.1, 33.3}}, {{1, 2}}}},      // broken hole
	}
	var grids []geo.Grid
	village := geo.MustParseCode("320902001001")
	for i, mp := range bad {
		c, _ := geo.GridCode(village, i+1)
		grids = append(grids, geo.Grid{Code: c, Kind: geo.KindUrban, Name: "坏", Village: village, Geom: mp})
	}
	areas := []geo.Area{{Code: geo.MustParseCode("320902000000"), Level: geo.LevelCounty, Name: "县", Geom: bad[7]}}
	p := Prepare(geo.NewSnapshot(1, time.Now(), areas, grids))
	for z := 0; z <= 18; z += 3 {
		for _, pt := range []orb.Point{{120.15, 33.35}, {0, 0}, {179.9, 85}} {
			tl := maptile.At(pt, maptile.Zoom(z))
			data, err := p.Render(nil, z, int(tl.X), int(tl.Y))
			if err != nil {
				t.Fatal(err)
			}
			checkTile(t, data, z)
		}
	}
}
