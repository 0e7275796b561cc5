package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
)

// synthOptions describes a generated city: an nx×ny mesh of jittered
// quadrilaterals whose shared edges wiggle through minWiggle..maxWiggle
// extra vertices, so that neighbours share every vertex exactly (a
// partition like the one PostGIS stores).
type synthOptions struct {
	seed                 uint64
	nx, ny               int
	x0, y0, cell         float64
	minWiggle, maxWiggle int
	holes                bool // some grids get a hole filled by an island grid, some an empty hole
	gaps                 bool // some cells get no grid
	multi                bool // some grids have two components
	subGrids             bool // some grids get two sub-grids
}

// synthCity generates a deterministic snapshot from o.
func synthCity(o synthOptions) *Snapshot {
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	jit := func(s float64) float64 { return (rng.Float64()*2 - 1) * s * o.cell }
	// Lattice corners.
	P := make([][]orb.Point, o.nx+1)
	for i := range P {
		P[i] = make([]orb.Point, o.ny+1)
		for j := range P[i] {
			p := orb.Point{o.x0 + float64(i)*o.cell, o.y0 + float64(j)*o.cell}
			if i > 0 && i < o.nx && j > 0 && j < o.ny {
				p[0] += jit(0.2)
				p[1] += jit(0.2)
			}
			P[i][j] = p
		}
	}
	// wiggly returns the inner vertices of the edge a→b.
	wiggly := func(a, b orb.Point) []orb.Point {
		k := o.minWiggle
		if o.maxWiggle > o.minWiggle {
			k += rng.IntN(o.maxWiggle - o.minWiggle + 1)
		}
		out := make([]orb.Point, k)
		dx, dy := b[0]-a[0], b[1]-a[1]
		for s := range k {
			t := float64(s+1) / float64(k+1)
			off := jit(0.04)
			out[s] = orb.Point{a[0] + t*dx - off*dy/o.cell, a[1] + t*dy + off*dx/o.cell}
		}
		return out
	}
	hor := make([][][]orb.Point, o.nx) // P[i][j] → P[i+1][j]
	ver := make([][][]orb.Point, o.nx+1)
	for i := range o.nx {
		hor[i] = make([][]orb.Point, o.ny+1)
		for j := range o.ny + 1 {
			hor[i][j] = wiggly(P[i][j], P[i+1][j])
		}
	}
	for i := range o.nx + 1 {
		ver[i] = make([][]orb.Point, o.ny)
		for j := range o.ny {
			ver[i][j] = wiggly(P[i][j], P[i][j+1])
		}
	}
	rev := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for k, p := range ps {
			out[len(ps)-1-k] = p
		}
		return out
	}
	quad := func(i, j int) orb.Ring {
		r := orb.Ring{P[i][j]}
		r = append(r, hor[i][j]...)
		r = append(r, P[i+1][j])
		r = append(r, ver[i+1][j]...)
		r = append(r, P[i+1][j+1])
		r = append(r, rev(hor[i][j+1])...)
		r = append(r, P[i][j+1])
		r = append(r, rev(ver[i][j])...)
		return append(r, P[i][j])
	}
	small := func(i, j int, f float64) orb.Ring {
		c := orb.Point{(P[i][j][0] + P[i+1][j+1][0]) / 2, (P[i][j][1] + P[i+1][j+1][1]) / 2}
		h := f * o.cell
		return orb.Ring{{c[0] - h, c[1] - h}, {c[0] + h, c[1] - h*0.7}, {c[0] + h, c[1] + h}, {c[0] - h*0.6, c[1] + h}, {c[0] - h, c[1] - h}}
	}

	var geoms []orb.MultiPolygon
	used := make(map[[2]int]bool)
	for j := range o.ny {
		for i := range o.nx {
			if used[[2]int{i, j}] {
				continue
			}
			used[[2]int{i, j}] = true
			if o.gaps && (i+5*j)%13 == 6 {
				continue
			}
			poly := orb.Polygon{quad(i, j)}
			switch {
			case o.holes && (7*i+3*j)%11 == 0:
				hole := small(i, j, 0.15)
				poly = append(poly, rev(hole))
				geoms = append(geoms, orb.MultiPolygon{{hole}}) // the island
			case o.holes && (7*i+3*j)%11 == 5:
				poly = append(poly, small(i, j, 0.1)) // an empty hole, same direction
			}
			mp := orb.MultiPolygon{poly}
			if o.multi && i%9 == 4 && j%5 == 2 && i+2 < o.nx && !used[[2]int{i + 2, j}] {
				used[[2]int{i + 2, j}] = true
				mp = append(mp, orb.Polygon{quad(i+2, j)})
			}
			geoms = append(geoms, mp)
		}
	}
	// Codes in a scrambled order, so that code order and map order differ.
	perm := rng.Perm(len(geoms))
	grids := make([]Grid, len(geoms))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for k, gi := range perm {
		village := MustParseCode(fmt.Sprintf("320902001%03d", 1+k/900))
		code := MustParseCode(fmt.Sprintf("%s%03d", village, 1+k%900))
		grids[k] = Grid{Code: code, Kind: KindUrban, Name: "g", Village: village, Geom: geoms[gi], ValidFrom: from}
	}
	var all []Grid
	for k := range grids {
		all = append(all, grids[k])
		if o.subGrids && k%17 == 3 {
			g := &grids[k]
			b := g.Geom.Bound()
			mid := (b.Min[0] + b.Max[0]) / 2
			left := orb.Ring{b.Min, {mid, b.Min[1]}, {mid, b.Max[1]}, {b.Min[0], b.Max[1]}, b.Min}
			right := orb.Ring{{mid, b.Min[1]}, {b.Max[0], b.Min[1]}, b.Max, {mid, b.Max[1]}, {mid, b.Min[1]}}
			for s, r := range []orb.Ring{left, right} {
				all = append(all, Grid{Code: Code(fmt.Sprintf("%s%02d", g.Code, s+1)), Kind: KindExclusive,
					Name: "s", Village: g.Village, ParentGrid: g.Code, Geom: orb.MultiPolygon{{r}}, ValidFrom: from})
			}
			all[len(all)-3].Kind = KindExclusive
		}
	}
	// Areas: the city and county a little larger than the mesh, two towns
	// splitting it, villages in vertical bands.
	x1, y1 := o.x0+float64(o.nx)*o.cell, o.y0+float64(o.ny)*o.cell
	rect := func(ax, ay, bx, by float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{ax, ay}, {bx, ay}, {bx, by}, {ax, by}, {ax, ay}}}}
	}
	m := o.cell
	midX := (o.x0 + x1) / 2
	areas := []Area{
		{Code: "320900000000", Level: LevelCity, Name: "city", Geom: rect(o.x0-2*m, o.y0-2*m, x1+2*m, y1+2*m)},
		{Code: "320902000000", Level: LevelCounty, Name: "county", Parent: "320900000000", Geom: rect(o.x0-m, o.y0-m, x1+m, y1+m)},
		{Code: "320902001000", Level: LevelTown, Name: "west", Parent: "320902000000", Geom: rect(o.x0-m/2, o.y0-m/2, midX, y1+m/2)},
		{Code: "320902002000", Level: LevelTown, Name: "east", Parent: "320902000000", Geom: rect(midX, o.y0-m/2, x1+m/2, y1+m/2)},
	}
	nv := 1 + (len(geoms)-1)/900
	for v := range nv {
		ax := o.x0 + float64(v)*(midX-o.x0)/float64(nv)
		bx := o.x0 + float64(v+1)*(midX-o.x0)/float64(nv)
		areas = append(areas, Area{Code: MustParseCode(fmt.Sprintf("320902001%03d", v+1)), Level: LevelVillage,
			Name: "v", Parent: "320902001000", Geom: rect(ax, o.y0, bx, y1)})
	}
	sortAreas(areas)
	return NewSnapshot(1, from, areas, all)
}

func sortAreas(a []Area) {
	for i := 1; i < len(a); i++ {
		for k := i; k > 0 && a[k].Code < a[k-1].Code; k-- {
			a[k], a[k-1] = a[k-1], a[k]
		}
	}
}

// bruteLookup answers p by testing every polygon with CoversPoint: the
// reference the index must agree with.
func bruteLookup(s *Snapshot, p orb.Point) Hit {
	h := Hit{Grid: -1, SubGrid: -1, Area: -1}
	for i := range s.Grids {
		g := &s.Grids[i]
		if g.Code.Level() == LevelGrid && CoversPoint(g.Geom, p) {
			h.Grid = int32(i)
			break
		}
	}
	if h.Grid >= 0 {
		g := &s.Grids[h.Grid]
		for i := range s.Grids {
			if s.Grids[i].ParentGrid == g.Code && CoversPoint(s.Grids[i].Geom, p) {
				h.SubGrid = int32(i)
				break
			}
		}
		for i := range s.Areas {
			if s.Areas[i].Code == g.Village {
				h.Area = int32(i)
			}
		}
		return h
	}
	for _, lv := range []Level{LevelVillage, LevelTown, LevelCounty, LevelCity} {
		for i := range s.Areas {
			if s.Areas[i].Level == lv && CoversPoint(s.Areas[i].Geom, p) {
				h.Area = int32(i)
				return h
			}
		}
	}
	return h
}

// probePoints returns the points a lookup must get right: random points
// over (and beyond) the map, every vertex, points computed on edges, and
// those points one ulp off in each direction.
func probePoints(s *Snapshot, seed uint64, nRandom, nEdge int) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 7))
	var pts []orb.Point
	var b orb.Bound
	var segs [][2]orb.Point
	for i, g := range s.Grids {
		if i == 0 {
			b = g.Geom.Bound()
		}
		b = b.Union(g.Geom.Bound())
		for _, poly := range g.Geom {
			for _, r := range poly {
				for k := 0; k+1 < len(r); k++ {
					segs = append(segs, [2]orb.Point{r[k], r[k+1]})
					pts = append(pts, r[k])
				}
			}
		}
	}
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	for range nRandom {
		pts = append(pts, orb.Point{b.Min[0] - 0.05*w + rng.Float64()*1.1*w, b.Min[1] - 0.05*h + rng.Float64()*1.1*h})
	}
	for range nEdge {
		sg := segs[rng.IntN(len(segs))]
		t := rng.Float64()
		if rng.IntN(4) == 0 {
			t = 0.5
		}
		p := orb.Point{sg[0][0] + t*(sg[1][0]-sg[0][0]), sg[0][1] + t*(sg[1][1]-sg[0][1])}
		pts = append(pts, p,
			orb.Point{math.Nextafter(p[0], math.Inf(1)), p[1]}, orb.Point{math.Nextafter(p[0], math.Inf(-1)), p[1]},
			orb.Point{p[0], math.Nextafter(p[1], math.Inf(1))}, orb.Point{p[0], math.Nextafter(p[1], math.Inf(-1))})
	}
	return pts
}

// exactRingStatus is the geometrically exact point-in-ring test (Orient
// instead of PostGIS's float formula).
func exactRingStatus(r orb.Ring, p orb.Point) int {
	wn := 0
	q := [2]float64(p)
	for i := 0; i+1 < len(r); i++ {
		s1, s2 := [2]float64(r[i]), [2]float64(r[i+1])
		o := Orient(s1, s2, q)
		if o == 0 && onSegmentBox(s1, s2, q) {
			return ringBoundary
		}
		wn += int(crossH(s1, s2, q[1], o))
	}
	if wn == 0 {
		return ringOutside
	}
	return ringInside
}

// exactCovers is CoversPoint with exact arithmetic.
func exactCovers(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		switch exactRingStatus(poly[0], p) {
		case ringBoundary:
			return true
		case ringOutside:
			continue
		}
		in := true
		for _, h := range poly[1:] {
			s := exactRingStatus(h, p)
			if s == ringBoundary {
				return true
			}
			if s == ringInside {
				in = false
				break
			}
		}
		if in {
			return true
		}
	}
	return false
}

// hardPoints searches for points next to grid edges where PostGIS's float
// side test and the exact orientation disagree (they are rare: about 1 in
// 15,000 one-ulp-off points on an edge 0.3° long, fewer on shorter ones),
// trying at most attempts candidates and keeping up to n.
func hardPoints(s *Snapshot, seed uint64, n, attempts int) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 11))
	var segs [][2][2]float64
	for _, g := range s.Grids {
		for _, poly := range g.Geom {
			for _, r := range poly {
				for k := 0; k+1 < len(r); k++ {
					segs = append(segs, [2][2]float64{r[k], r[k+1]})
				}
			}
		}
	}
	var out []orb.Point
	for range attempts {
		if len(out) >= n {
			break
		}
		sg := segs[rng.IntN(len(segs))]
		a, b := sg[0], sg[1]
		t := rng.Float64()
		p := [2]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
		switch rng.IntN(3) {
		case 1:
			p[0] = math.Nextafter(p[0], math.Inf(1-2*rng.IntN(2)))
		case 2:
			p[1] = math.Nextafter(p[1], math.Inf(1-2*rng.IntN(2)))
		}
		sd := postgisSide(a, b, p)
		fs := 0
		if sd > 0 {
			fs = 1
		} else if sd < 0 {
			fs = -1
		}
		if fs != Orient(a, b, p) {
			out = append(out, p)
		}
	}
	return out
}
