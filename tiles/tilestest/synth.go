package tilestest

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

// SyntheticCity generates, deterministically, a city shaped like
// Yancheng's numbers, for benchmarks and demonstrations: a jittered
// lattice of nx×ny grids (about 800 m each, from 119.6°E 32.8°N) with
// wiggly edges shared vertex for vertex by neighbours; villages of 4×4
// grids, towns of 3×3 villages, counties of 4×4 towns, each area the exact
// outline of its children; every 40th grid exclusive with two sub-grids.
// SyntheticCity(150, 140) has 21,000 grids, about 1,300 villages, 160
// towns and 12 counties. The snapshot is at version 1.
func SyntheticCity(nx, ny int) *geo.Snapshot {
	const (
		west, south = 119.6, 32.8
		cw, ch      = 0.0087, 0.0086 // cell size in degrees (~800 m)
		m           = 6              // intermediate points per edge
	)
	hash := func(a, b, c int) float64 { // in [-1, 1)
		r := rand.New(rand.NewPCG(uint64(a)*1_000_003+uint64(b), uint64(c)))
		return r.Float64()*2 - 1
	}
	corner := func(i, j int) orb.Point {
		x, y := west+float64(i)*cw, south+float64(j)*ch
		if i > 0 && i < nx {
			x += 0.3 * cw * hash(i, j, 1)
		}
		if j > 0 && j < ny {
			y += 0.3 * ch * hash(i, j, 2)
		}
		return orb.Point{x, y}
	}
	// edge returns the points strictly between two lattice corners, from
	// a to b; horizontal when dir is 0.
	edge := func(i, j, dir int) []orb.Point {
		a := corner(i, j)
		b := corner(i+1-dir, j+dir)
		pts := make([]orb.Point, m)
		for k := 0; k < m; k++ {
			t := float64(k+1) / (m + 1)
			p := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
			w := 0.04 * hash(i*7+dir, j, 10+k)
			if dir == 0 {
				p[1] += w * ch
			} else {
				p[0] += w * cw
			}
			pts[k] = p
		}
		return pts
	}
	rev := func(p []orb.Point) []orb.Point {
		out := make([]orb.Point, len(p))
		for i := range p {
			out[len(p)-1-i] = p[i]
		}
		return out
	}
	// block is the outline of cells [i0,i1)×[j0,j1), counter-clockwise.
	block := func(i0, j0, i1, j1 int) orb.MultiPolygon {
		var r orb.Ring
		for i := i0; i < i1; i++ {
			r = append(r, corner(i, j0))
			r = append(r, edge(i, j0, 0)...)
		}
		for j := j0; j < j1; j++ {
			r = append(r, corner(i1, j))
			r = append(r, edge(i1, j, 1)...)
		}
		for i := i1; i > i0; i-- {
			r = append(r, corner(i, j1))
			r = append(r, rev(edge(i-1, j1, 0))...)
		}
		for j := j1; j > j0; j-- {
			r = append(r, corner(i0, j))
			r = append(r, rev(edge(i0, j-1, 1))...)
		}
		r = append(r, r[0])
		return orb.MultiPolygon{{r}}
	}
	// half is the west (or east) part of cell (i,j), cut between the
	// middle points of its bottom and top edges.
	half := func(i, j int, west bool) orb.MultiPolygon {
		bot, top := edge(i, j, 0), edge(i, j+1, 0)
		const c = m / 2
		var r orb.Ring
		if west {
			r = append(r, corner(i, j))
			r = append(r, bot[:c+1]...)
			r = append(r, rev(top[:c+1])...)
			r = append(r, corner(i, j+1))
			r = append(r, rev(edge(i, j, 1))...)
		} else {
			r = append(r, bot[c:]...)
			r = append(r, corner(i+1, j))
			r = append(r, edge(i+1, j, 1)...)
			r = append(r, corner(i+1, j+1))
			r = append(r, rev(top[c:])...)
		}
		r = append(r, r[0])
		return orb.MultiPolygon{{r}}
	}
	city := geo.Code("320900000000")
	areas := []geo.Area{{Code: city, Level: geo.LevelCity, Name: "合成市", Geom: block(0, 0, nx, ny)}}
	var grids []geo.Grid
	per := map[geo.Code]int{}
	// Villages 4×4 grids, towns 3×3 villages, counties 4×4 towns — more
	// towns when there would be more than 99 counties (a county code has
	// two digits).
	const vs, ts = 4, 3
	cs := 4
	for tspan := vs * ts; ((nx+cs*tspan-1)/(cs*tspan))*((ny+cs*tspan-1)/(cs*tspan)) > 99; {
		cs++
	}
	cspan, tspan := vs*ts*cs, vs*ts
	county := 0
	for cj := 0; cj < ny; cj += cspan {
		for ci := 0; ci < nx; ci += cspan {
			county++
			cc := geo.Code(fmt.Sprintf("3209%02d000000", county))
			areas = append(areas, geo.Area{Code: cc, Level: geo.LevelCounty, Name: fmt.Sprintf("县%d", county), Parent: city,
				Geom: block(ci, cj, min(nx, ci+cspan), min(ny, cj+cspan))})
			town := 0
			for tj := cj; tj < min(ny, cj+cspan); tj += tspan {
				for ti := ci; ti < min(nx, ci+cspan); ti += tspan {
					town++
					tc := geo.Code(fmt.Sprintf("3209%02d%03d000", county, town))
					areas = append(areas, geo.Area{Code: tc, Level: geo.LevelTown, Name: fmt.Sprintf("镇%d", town), Parent: cc,
						Geom: block(ti, tj, min(nx, ti+tspan), min(ny, tj+tspan))})
					village := 0
					for vj := tj; vj < min(ny, tj+tspan); vj += vs {
						for vi := ti; vi < min(nx, ti+tspan); vi += vs {
							village++
							vc := geo.Code(fmt.Sprintf("3209%02d%03d%03d", county, town, village))
							areas = append(areas, geo.Area{Code: vc, Level: geo.LevelVillage, Name: fmt.Sprintf("村%d", village), Parent: tc,
								Geom: block(vi, vj, min(nx, vi+vs), min(ny, vj+vs))})
							seq := 0
							for j := vj; j < min(ny, vj+vs); j++ {
								for i := vi; i < min(nx, vi+vs); i++ {
									seq++
									gc, _ := geo.GridCode(vc, seq)
									hh := 100 + int(150*(1+hash(i, j, 99)))
									g := geo.Grid{Code: gc, Kind: geo.KindUrban, Name: fmt.Sprintf("网格%d", seq), Village: vc,
										Geom: block(i, j, i+1, j+1), ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Households: hh}
									if (i+j*nx)%40 == 0 {
										g.Kind = geo.KindExclusive
									}
									grids = append(grids, g)
									for l := geo.LevelCity; l <= geo.LevelVillage; l++ {
										per[gc.Ancestor(l)] += hh
									}
									if g.Kind == geo.KindExclusive {
										for s, west := range []bool{true, false} {
											sc, _ := geo.SubGridCode(gc, s+1)
											grids = append(grids, geo.Grid{Code: sc, Kind: geo.KindExclusive, Name: fmt.Sprintf("子网格%d", s+1),
												Village: vc, ParentGrid: gc, Geom: half(i, j, west), ValidFrom: g.ValidFrom})
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	for i := range areas {
		areas[i].Households = per[areas[i].Code]
	}
	return geo.NewSnapshot(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), sortAreas(areas), grids)
}

func sortAreas(a []geo.Area) []geo.Area {
	sort.Slice(a, func(i, j int) bool { return a[i].Code < a[j].Code })
	return a
}
