package suggest

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/store"
)

// Straight cuts. A fresh drawing starts from a balanced power diagram of
// the atoms (power.go), whose cells are convex: cut along the diagram's
// own lines, clipped to the village, its grids have straight borders, as
// compact as the clusters allow, where the atoms' faces give a border
// that still runs from Voronoi vertex to Voronoi vertex of the addresses.
// Suggest cuts the village along each diagram of the fresh tries whose
// cells keep every building (atom) whole and hold, counted by point,
// households within the tolerance, and keeps the most compact of those
// and the division drawn from the faces (straightCandidate, plan.go).

// ModeStraight (Params.Mode) asks for a fresh drawing cut straight along
// a power diagram whenever one qualifies, more compact or not (for the
// benchmark and tests).
const ModeStraight = "straight"

// cellVert is a vertex of a cell of a power diagram: the cell across
// the edge leaving it (-1: the bound).
type cellVert struct {
	p     orb.Point
	label int
}

// cells returns pd's cells inside the bound b (convex, counter-clockwise,
// relative to o: b's centre), each vertex with the cell across the edge
// leaving it.
func (pd PowerDiagram) cells(b orb.Bound) ([][]cellVert, orb.Point) {
	k := len(pd.Centres)
	o := b.Center()
	c := make([]orb.Point, k)
	for i, ctr := range pd.Centres {
		c[i] = orb.Point{ctr[0] - o[0], ctr[1] - o[1]}
	}
	lo, hi := orb.Point{b.Min[0] - o[0], b.Min[1] - o[1]}, orb.Point{b.Max[0] - o[0], b.Max[1] - o[1]}
	out := make([][]cellVert, k)
	for i := range k {
		poly := []cellVert{{orb.Point{lo[0], lo[1]}, -1}, {orb.Point{hi[0], lo[1]}, -1}, {orb.Point{hi[0], hi[1]}, -1}, {orb.Point{lo[0], hi[1]}, -1}}
		for j := range k {
			if j == i || len(poly) == 0 {
				continue
			}
			// |x−ci|² − wi ≤ |x−cj|² − wj  ⇔  a·x ≤ r
			a := orb.Point{2 * (c[j][0] - c[i][0]), 2 * (c[j][1] - c[i][1])}
			r := c[j][0]*c[j][0] + c[j][1]*c[j][1] - c[i][0]*c[i][0] - c[i][1]*c[i][1] - pd.Weights[j] + pd.Weights[i]
			if a[0] == 0 && a[1] == 0 {
				continue
			}
			side := func(p orb.Point) float64 { return a[0]*p[0] + a[1]*p[1] - r }
			var next []cellVert
			for n := range poly {
				p, q := poly[n], poly[(n+1)%len(poly)]
				sp, sq := side(p.p), side(q.p)
				cross := func() orb.Point {
					t := sp / (sp - sq)
					return orb.Point{p.p[0] + t*(q.p[0]-p.p[0]), p.p[1] + t*(q.p[1]-p.p[1])}
				}
				switch {
				case sp <= 0 && sq <= 0:
					next = append(next, p)
				case sp <= 0:
					next = append(next, p, cellVert{cross(), j})
				case sq <= 0:
					next = append(next, cellVert{cross(), p.label})
				}
			}
			poly = next
		}
		out[i] = poly
	}
	return out, o
}

// cutLines returns the edges of pd's cells inside the bound b (metres, the
// atoms' plane), each edge between two cells once, with the vertices the
// cells share identical (merged within vertexEps): the linework a
// polygonize of the village's edges and these lines turns into the cells
// clipped to the village.
func (pd PowerDiagram) cutLines(b orb.Bound) []orb.LineString {
	if len(pd.Centres) < 2 {
		return nil
	}
	cells, o := pd.cells(b)
	var canon []orb.Point
	vertex := func(p orb.Point) orb.Point {
		for _, q := range canon {
			if math.Abs(p[0]-q[0]) <= vertexEps && math.Abs(p[1]-q[1]) <= vertexEps {
				return q
			}
		}
		canon = append(canon, p)
		return p
	}
	var out []orb.LineString
	for i, poly := range cells {
		for n := range poly {
			p, q := poly[n], poly[(n+1)%len(poly)]
			if p.label <= i {
				continue
			}
			a, b := vertex(p.p), vertex(q.p)
			if a == b {
				continue
			}
			out = append(out, orb.LineString{{a[0] + o[0], a[1] + o[1]}, {b[0] + o[0], b[1] + o[1]}})
		}
	}
	return out
}

// vertexEps is how near (metres) two cells' computations of one vertex of
// the diagram may lie and be taken for the same vertex.
const vertexEps = 1e-3

// straightCut is one diagram's division as the sites fall in its cells.
type straightCut struct {
	pd       PowerDiagram
	siteCell []int
	// bumps are the sites of an atom the diagram's lines cut, moved to
	// the cell holding most of the atom's households: their faces go to
	// that cell whatever side of the line they lie.
	bumps []int
	keep  []int
	moved int
}

// straightCuts returns the diagrams of div whose cells hold households
// within the tolerance and which move no more than FreshMoves of them
// (counted by site, the sites of an atom a line cuts bumped to one cell;
// the map is counted again), the cells matched to the current grids as
// startFresh matches clusters.
func (pr *problem) straightCuts(diagrams []PowerDiagram, sites []site, pl plane, p Params) []straightCut {
	total := 0
	for _, s := range sites {
		total += s.households
	}
	atomOf := make([]int, len(sites))
	for s := range sites {
		atomOf[s] = -1
		if f := pr.siteFace[s]; f >= 0 {
			atomOf[s] = pr.faceAtom[f]
		}
	}
	var out []straightCut
	for _, pd := range diagrams {
		k := len(pd.Centres)
		cut := straightCut{pd: pd, siteCell: make([]int, len(sites))}
		// each atom's households by cell
		byAtom := map[int]map[int]int{}
		for s, st := range sites {
			x, y := pl.xy(st.lon, st.lat)
			c := pd.Cell(x, y)
			cut.siteCell[s] = c
			if a := atomOf[s]; a >= 0 {
				if byAtom[a] == nil {
					byAtom[a] = map[int]int{}
				}
				byAtom[a][c] += st.households + 1
			}
		}
		for s := range sites {
			a := atomOf[s]
			if a < 0 || len(byAtom[a]) < 2 {
				continue
			}
			best, bn := -1, -1
			for c, n := range byAtom[a] {
				if n > bn || n == bn && c < best {
					best, bn = c, n
				}
			}
			if cut.siteCell[s] != best {
				cut.siteCell[s] = best
				cut.bumps = append(cut.bumps, s)
			}
		}
		hh := make([]int, k)
		for s, st := range sites {
			hh[cut.siteCell[s]] += st.households
		}
		t := float64(p.Target)
		ok := true
		for _, n := range hh {
			if math.Abs(float64(n)-t) > p.Tolerance*t+1e-9 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		cut.keep = matchCodes(k, sites, cut.siteCell)
		for s, st := range sites {
			if cut.keep[cut.siteCell[s]] != st.grid {
				cut.moved += st.households
			}
		}
		if float64(cut.moved) > FreshMoves*float64(total) {
			continue
		}
		out = append(out, cut)
	}
	return out
}

// matchCodes gives each of k parts the current grid it shares most
// households (plus one a site) with, greedily, -1 for a new grid.
func matchCodes(k int, sites []site, sitePart []int) []int {
	type pair struct{ p, g, n int }
	shared := map[[2]int]int{}
	for s, st := range sites {
		if sitePart[s] >= 0 {
			shared[[2]int{sitePart[s], st.grid}] += st.households + 1
		}
	}
	pairs := make([]pair, 0, len(shared))
	for key, n := range shared {
		pairs = append(pairs, pair{key[0], key[1], n})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].n != pairs[j].n {
			return pairs[i].n > pairs[j].n
		}
		return pairs[i].p < pairs[j].p || (pairs[i].p == pairs[j].p && pairs[i].g < pairs[j].g)
	})
	keep := make([]int, k)
	for i := range keep {
		keep[i] = -1
	}
	taken := map[int]bool{}
	for _, x := range pairs {
		if keep[x.p] < 0 && !taken[x.g] {
			keep[x.p] = x.g
			taken[x.g] = true
		}
	}
	return keep
}

// sqlStraight cuts the village along the lines $1 (degrees): the faces of
// the current grids' edges noded with the lines (snapped first to the
// grids' edges, as sqlFaces snaps its cuts) and the bumps' edges ($8, the
// faces of bumped sites, each going to the cell $9 gives it) that lie in
// a current grid go to the bump holding their point on surface, else to
// the cell of the diagram ($2..$4: centres and weights in the plane $5,
// $6 metres a degree) holding it.
const sqlStraight = `
	INSERT INTO sg_face2 (part, geom)
	WITH ref AS (SELECT ST_Collect(ST_Boundary(geom)) AS b FROM sg_grid),
	bump AS (SELECT d.path[1] AS n, d.geom AS g FROM ST_Dump($8::geometry) d),
	noded AS (SELECT ST_UnaryUnion(ST_Collect(ARRAY[ref.b, ST_Snap($1::geometry, ref.b, $7),
		(SELECT ST_Collect(ST_Boundary(g)) FROM bump)])) AS n FROM ref),
	f AS (SELECT g AS f, ST_PointOnSurface(g) AS pt FROM (SELECT (ST_Dump(ST_Polygonize(n))).geom AS g FROM noded) x)
	SELECT coalesce((SELECT ($9::int[])[b.n] FROM bump b WHERE b.g && f.pt AND ST_Covers(b.g, f.pt) LIMIT 1),
		(SELECT c.i - 1 FROM unnest($2::float8[], $3::float8[], $4::float8[]) WITH ORDINALITY AS c(x, y, w, i)
		ORDER BY (ST_X(f.pt) * $5 - c.x) ^ 2 + (ST_Y(f.pt) * $6 - c.y) ^ 2 - c.w, c.i LIMIT 1)::int), f.f
	FROM f WHERE EXISTS (SELECT 1 FROM sg_grid g WHERE g.geom && f.pt AND ST_Covers(g.geom, f.pt))`

// straightParts cuts the village along the cut's lines and returns the
// cells' geometry and measures (each cell one piece: a crumb the
// village's shape cuts off goes to the neighbour it shares most border
// with).
func straightParts(ctx context.Context, tx pgx.Tx, faces []face, cut straightCut, pl plane) ([]partGeom, error) {
	pd := cut.pd
	var b orb.Bound
	for i, f := range faces {
		fb := f.poly.Bound()
		if i == 0 {
			b = fb
		} else {
			b = b.Union(fb)
		}
	}
	x0, y0 := pl.xy(b.Min[0], b.Min[1])
	x1, y1 := pl.xy(b.Max[0], b.Max[1])
	pad := math.Max(x1-x0, y1-y0)*0.1 + 10
	lines := pd.cutLines(orb.Bound{Min: orb.Point{x0 - pad, y0 - pad}, Max: orb.Point{x1 + pad, y1 + pad}})
	edge := newOutline(faces, plane{kx: 1, ky: 1})
	var deg orb.MultiLineString
	for _, ls := range lines {
		deg = append(deg, edge.clip(orb.Point{ls[0][0] / pl.kx, ls[0][1] / pl.ky}, orb.Point{ls[1][0] / pl.kx, ls[1][1] / pl.ky})...)
	}
	k := len(pd.Centres)
	cx, cy := make([]float64, k), make([]float64, k)
	for i, c := range pd.Centres {
		cx[i], cy[i] = c[0], c[1]
	}
	var bumps orb.MultiPolygon
	var labels []int32
	if len(cut.bumps) > 0 {
		bumped := map[int]bool{}
		for _, s := range cut.bumps {
			bumped[s] = true
		}
		for _, f := range faces {
			if f.site >= 0 && bumped[f.site] {
				bumps = append(bumps, f.poly)
				labels = append(labels, int32(cut.siteCell[f.site]))
			}
		}
	}
	var bumpArg any
	if len(bumps) > 0 {
		bumpArg = store.Geom(bumps)
	}
	if _, err := tx.Exec(ctx, sqlPartTables); err != nil {
		return nil, fmt.Errorf("straight cut: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlStraight, geomArg(deg), cx, cy, pd.Weights, pl.kx, pl.ky, snapDeg, bumpArg, labels); err != nil {
		return nil, fmt.Errorf("straight cut: %w", err)
	}
	return measureParts(ctx, tx, k)
}
