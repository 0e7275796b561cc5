package suggest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"gridmap/geo"
	"gridmap/store"
)

// Default targets: Art. 7 puts about 300 households in an urban
// comprehensive grid. A rural grid is one villager group or one
// concentrated new-housing area; where the groups are not known the
// villages are balanced to DefaultRuralTarget households, the size of a
// villager group (the demo's hold 50-100), unless the request names
// another target.
const (
	DefaultTarget      = 300
	DefaultRuralTarget = 100
	DefaultTolerance   = 0.15
)

// How near the addresses of one building (compound) must lie to be kept
// whole: a building's addresses within buildingRadius metres of their
// centre, a compound's within compoundRadius. Addresses spread wider are
// placed by their points (a building of the records whose points were
// geocoded all over its road cannot be one piece of a map).
const (
	buildingRadius = 60
	compoundRadius = 200
)

// Params are what a suggestion is asked for. Zero values ask for the
// defaults.
type Params struct {
	// Target households per grid (DefaultTarget, or DefaultRuralTarget in
	// a rural village).
	Target int `json:"target_households,omitempty"`
	// Tolerance is the share of the target a grid may deviate, 0 < t < 1.
	Tolerance float64 `json:"tolerance,omitempty"`
	// Mode is Input.Mode: "" (auto), "rebalance" or "fresh", or
	// ModeStraight (for the benchmark and tests; the API asks for auto).
	Mode string `json:"-"`
}

// Plan is a suggested division of one village's comprehensive grids.
type Plan struct {
	Village     geo.Code `json:"village"`
	VillageName string   `json:"village_name"`
	// Method says how the grids were drawn: "rebalance" (the current
	// grids, households balanced across their borders), "fresh" (compact
	// clusters of the buildings, balanced, cut straight along a power
	// diagram where one qualifies; chosen when clearly more compact than
	// the rebalanced grids) or "villager-groups" (one grid per group).
	Method     string     `json:"method"`
	Target     int        `json:"target_households"`
	Tolerance  float64    `json:"tolerance"`
	Households int        `json:"households"`
	Current    []string   `json:"current_grids"`
	Grids      []PlanGrid `json:"grids"`
	// MaxDeviation is the largest |households − target| / target of the
	// suggested grids (0 for a division by villager group).
	MaxDeviation float64 `json:"max_deviation"`
	// WithinTolerance counts the grids within the tolerance.
	WithinTolerance int `json:"within_tolerance"`
	// MovedHouseholds is how many households would change grid.
	MovedHouseholds int      `json:"moved_households"`
	Findings        []string `json:"findings"`
	// Elapsed is how long the suggestion took (ms).
	ElapsedMS int64 `json:"elapsed_ms"`
}

// PlanGrid is one suggested grid.
type PlanGrid struct {
	// Code is the current grid whose code it keeps; empty for a new grid
	// (the proposal issues its code from the village's sequence).
	Code       string   `json:"code,omitempty"`
	Kind       geo.Kind `json:"kind"`
	Name       string   `json:"name"`
	Households int      `json:"households"`
	AreaM2     float64  `json:"area_m2"`
	PerimeterM float64  `json:"perimeter_m"`
	// PolsbyPopper is the compactness 4πA/P² (1 for a disc).
	PolsbyPopper float64          `json:"polsby_popper"`
	Geometry     orb.MultiPolygon `json:"-"`
}

// site is one place records stand at: the records of one grid at exactly
// one point.
type site struct {
	grid       int
	lon, lat   float64
	households int
	recs       []int
}

// Suggest computes a division of village v (read-only: its work tables
// are rolled back).
func Suggest(ctx context.Context, st *store.Store, v geo.Code, p Params) (*Plan, error) {
	start := time.Now()
	var plan *Plan
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		var err error
		plan, err = suggestTx(ctx, tx, v, p)
		if err != nil {
			return err
		}
		return errRollback
	})
	if err != nil && err != errRollback {
		return nil, err
	}
	plan.ElapsedMS = time.Since(start).Milliseconds()
	return plan, nil
}

var errRollback = fmt.Errorf("suggest: roll back the work tables")

func suggestTx(ctx context.Context, tx pgx.Tx, v geo.Code, p Params) (*Plan, error) {
	// The work tables have no statistics: their cost estimates would
	// have PostgreSQL compile the queries (JIT), which takes longer than
	// running them (measured: 1.1 s against 0.13 s to find the faces'
	// grids in a village of 2,000 households).
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	name, grids, recs, err := loadVillage(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Village: v, VillageName: name, Current: []string{}, Grids: []PlanGrid{}, Findings: []string{}}
	for _, g := range grids {
		plan.Current = append(plan.Current, g.code)
	}
	if len(grids) == 0 {
		return nil, errNoGrids
	}
	kinds := map[string]int{}
	for _, g := range grids {
		kinds[g.kind]++
	}
	kind := geo.KindUrban
	if kinds["urban"] == 0 {
		kind = geo.KindRural
	}
	if p.Target == 0 {
		p.Target = DefaultTarget
		if kind == geo.KindRural {
			p.Target = DefaultRuralTarget
		}
	}
	if p.Tolerance == 0 {
		p.Tolerance = DefaultTolerance
	}
	plan.Target, plan.Tolerance = p.Target, p.Tolerance

	sites, lat0 := makeSites(recs)
	total := 0
	for _, st := range sites {
		total += st.households
	}
	if total == 0 {
		return nil, errNoHouseholds
	}
	faces, err := makeFaces(ctx, tx, grids, sites)
	if err != nil {
		return nil, err
	}
	pr := buildProblem(recs, sites, faces, lat0, p)
	pr.in.Grids = len(grids)
	byGroup := kind == geo.KindRural && pr.groupsKnown
	pr.in.ByGroup = byGroup
	pr.in.Mode = p.Mode
	if p.Mode == ModeStraight {
		pr.in.Mode = ModeFresh
	}
	div := Divide(pr.in)
	plan.Method = div.Mode
	if byGroup {
		plan.Method = "villager-groups"
	}
	pts := make([]orb.Point, len(sites))
	for i, st := range sites {
		pts[i] = orb.Point{st.lon, st.lat}
	}
	// A fresh drawing is cut straight when a cut qualifies (on the demo
	// the tuned straight cut is the more compact nearly always): the
	// faces are unioned only when none does, and for rebalanced grids,
	// to compare with.
	pl := newPlane(lat0)
	straight := false
	if !byGroup && div.Mode == ModeFresh {
		inside := 0
		for s, st := range sites {
			if pr.siteFace[s] >= 0 {
				inside += st.households
			}
		}
		if straight, err = plan.straighten(ctx, tx, pr, div, grids, sites, faces, pts, kind, pl, inside, true); err != nil {
			return nil, err
		}
	}
	if !straight {
		facePart := pr.repairFaces(div)
		borders := newBorders(faces, facePart, pts, div.Mode == ModeFresh)
		geoms, err := unionParts(ctx, tx, faces, facePart, len(div.Keep), borders)
		if err != nil {
			return nil, err
		}
		plan.fill(grids, sites, kind, geoms, locate(pts, geoms), div.Keep, byGroup)
		if !byGroup && div.Mode == ModeRebalance {
			if straight, err = plan.straighten(ctx, tx, pr, div, grids, sites, faces, pts, kind, pl, plan.Households, p.Mode == ModeStraight); err != nil {
				return nil, err
			}
		}
	}
	if !straight {
		plan.Findings = append(plan.Findings, div.Findings...)
	}
	plan.Findings = append(plan.Findings, pr.notes...)
	return plan, nil
}

// fill sets the plan's grids, households, moves and deviations from the
// parts' geometry (geoms), the part covering each site, and the current
// grid each part keeps (keep, -1 for a new one).
func (plan *Plan) fill(grids []gridRow, sites []site, kind geo.Kind, geoms []partGeom, sitePart []int, keep []int, byGroup bool) {
	plan.Grids, plan.Households, plan.MovedHouseholds = []PlanGrid{}, 0, 0
	plan.MaxDeviation, plan.WithinTolerance = 0, 0
	hh := make([]int, len(keep))
	for s, st := range sites {
		if s >= len(sitePart) || sitePart[s] < 0 {
			continue
		}
		hh[sitePart[s]] += st.households
		if k := keep[sitePart[s]]; k != st.grid {
			plan.MovedHouseholds += st.households
		}
	}
	newN := 0
	for i, k := range keep {
		g := PlanGrid{Kind: kind, Households: hh[i], AreaM2: geoms[i].areaM2, PerimeterM: geoms[i].perimeter, Geometry: geoms[i].geom}
		if k >= 0 {
			g.Code, g.Kind, g.Name = grids[k].code, geo.Kind(grids[k].kind), grids[k].name
		} else {
			newN++
			g.Name = fmt.Sprintf("%s建议网格%d", plan.VillageName, newN)
		}
		if g.PerimeterM > 0 {
			g.PolsbyPopper = 4 * math.Pi * g.AreaM2 / (g.PerimeterM * g.PerimeterM)
		}
		plan.Households += g.Households
		if len(g.Geometry) == 0 {
			continue
		}
		plan.Grids = append(plan.Grids, g)
	}
	sort.SliceStable(plan.Grids, func(i, j int) bool {
		a, b := plan.Grids[i].Code, plan.Grids[j].Code
		return a != "" && (b == "" || a < b)
	})
	if byGroup {
		plan.WithinTolerance = len(plan.Grids)
		return
	}
	t := float64(plan.Target)
	for _, g := range plan.Grids {
		dev := math.Abs(float64(g.Households)-t) / t
		plan.MaxDeviation = math.Max(plan.MaxDeviation, dev)
		if dev <= plan.Tolerance+1e-9 {
			plan.WithinTolerance++
		}
	}
}

// atomsWhole reports whether every atom's sites lie in one part.
func (pr *problem) atomsWhole(sitePart []int) bool {
	part := map[int]int{}
	for s, p := range sitePart {
		f := pr.siteFace[s]
		if f < 0 {
			continue
		}
		a := pr.faceAtom[f]
		if q, ok := part[a]; ok && q != p {
			return false
		}
		part[a] = p
	}
	return true
}

// compactness is the mean Polsby-Popper score of the plan's grids.
func (plan *Plan) compactness() float64 {
	var sum float64
	for _, g := range plan.Grids {
		sum += g.PolsbyPopper
	}
	return sum / float64(max(len(plan.Grids), 1))
}

// straighten replaces the plan by a straight cut of the village along
// one of the fresh drawings' power diagrams (straight.go) when one keeps
// every grid within the tolerance (as many as the plan, at least), holds
// at least households (counted by point) and is more compact on the map
// (or any such, with force), and reports
// whether it did (every grid then within the tolerance: Divide's
// findings no longer apply).
func (plan *Plan) straighten(ctx context.Context, tx pgx.Tx, pr *problem, div Division, grids []gridRow, sites []site, faces []face, pts []orb.Point, kind geo.Kind, pl plane, households int, force bool) (bool, error) {
	var best *Plan
	par := Params{Target: plan.Target, Tolerance: plan.Tolerance}
	cuts := pr.straightCuts(div.Diagrams, sites, pl, par)
	if len(cuts) == 0 {
		return false, nil
	}
	// The cuts by their score as outline measures them, the best tuned
	// first; PostGIS cuts them in that order until one keeps every grid
	// within the tolerance.
	ol := newOutline(faces, pl)
	scores := make([]float64, len(cuts))
	for i, c := range cuts {
		scores[i] = ol.score(c.pd)
	}
	order := make([]int, len(cuts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	xy := make([]orb.Point, len(sites))
	hh := make([]int, len(sites))
	for s, st := range sites {
		x, y := pl.xy(st.lon, st.lat)
		xy[s], hh[s] = orb.Point{x, y}, st.households
	}
	tuned, _ := ol.tune(cuts[order[0]].pd, xy, hh, float64(plan.Target), plan.Tolerance-tuneMargin, tuneIterations)
	tries := pr.straightCuts([]PowerDiagram{tuned}, sites, pl, par)
	for _, i := range order {
		tries = append(tries, cuts[i])
	}
	for n, cut := range tries {
		if n >= straightTries {
			break
		}
		geoms, err := straightParts(ctx, tx, faces, cut, pl)
		if err != nil {
			return false, err
		}
		sitePart := locate(pts, geoms)
		if !pr.atomsWhole(sitePart) {
			continue
		}
		c := &Plan{Target: plan.Target, Tolerance: plan.Tolerance, VillageName: plan.VillageName}
		c.fill(grids, sites, kind, geoms, sitePart, cut.keep, false)
		if c.WithinTolerance < len(c.Grids) || c.WithinTolerance < plan.WithinTolerance || c.Households < households {
			continue
		}
		best = c
		break
	}
	if best == nil || !force && best.compactness() <= plan.compactness() {
		return false, nil
	}
	plan.Method = ModeFresh
	plan.Grids, plan.MovedHouseholds, plan.Households = best.Grids, best.MovedHouseholds, best.Households
	plan.MaxDeviation, plan.WithinTolerance = best.MaxDeviation, best.WithinTolerance
	return true, nil
}

var (
	errNoGrids      = fmt.Errorf("the village has no comprehensive grids to redraw")
	errNoHouseholds = fmt.Errorf("the village's comprehensive grids hold no households to divide")
)

// locate returns the part whose geometry covers each point (the first,
// by part; -1 for none): the households are counted by point, on the map
// as it will be.
func locate(pts []orb.Point, parts []partGeom) []int {
	bounds := make([]orb.Bound, len(parts))
	for i, p := range parts {
		bounds[i] = p.geom.Bound()
	}
	out := make([]int, len(pts))
	for i, pt := range pts {
		out[i] = -1
		for k, p := range parts {
			if len(p.geom) > 0 && bounds[k].Contains(pt) && coveredBy(pt, p.geom) {
				out[i] = k
				break
			}
		}
	}
	return out
}

// coveredBy reports whether pt is in mp or on its boundary.
func coveredBy(pt orb.Point, mp orb.MultiPolygon) bool {
	if planar.MultiPolygonContains(mp, pt) {
		return true
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				if planar.DistanceFromSegmentSquared(ring[i], ring[i+1], pt) == 0 {
					return true
				}
			}
		}
	}
	return false
}

// makeSites groups the records by grid and exact point; lat0 is the mean
// latitude (for the local plane).
func makeSites(recs []record) ([]site, float64) {
	type key struct {
		g    int
		x, y float64
	}
	at := map[key]int{}
	var sites []site
	var lat float64
	for i, r := range recs {
		k := key{r.grid, r.x, r.y}
		s, ok := at[k]
		if !ok {
			s = len(sites)
			at[k] = s
			sites = append(sites, site{grid: r.grid, lon: r.x, lat: r.y})
		}
		sites[s].households += r.households
		sites[s].recs = append(sites[s].recs, i)
		lat += r.y
	}
	if len(recs) > 0 {
		lat /= float64(len(recs))
	}
	return sites, lat
}

// problem is a village's division problem built from its sites and
// faces, with what maps the atoms back to faces.
type problem struct {
	in          Input
	faceAtom    []int
	siteFace    []int // the face holding each site's point, -1 when none
	faceHH      []int
	faceAdj     []map[int]float64
	groupsKnown bool
	notes       []string
}

type plane struct{ kx, ky float64 }

func newPlane(lat0 float64) plane {
	return plane{kx: 111320 * math.Cos(lat0*math.Pi/180), ky: 110574}
}

func (pl plane) xy(lon, lat float64) (float64, float64) { return lon * pl.kx, lat * pl.ky }

// buildProblem makes the atoms (union-find over sites: a building's
// sites, and a compound's where it fits the tolerance, become one atom)
// and the graph from the faces' shared edges.
func buildProblem(recs []record, sites []site, faces []face, lat0 float64, p Params) *problem {
	pl := newPlane(lat0)
	parent := make([]int, len(sites))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	siteOf := make([]int, len(recs))
	for s, st := range sites {
		for _, r := range st.recs {
			siteOf[r] = s
		}
	}
	hi := float64(p.Target) * (1 + p.Tolerance)
	// keep whole: the sites of a key, when they lie within radius of
	// their centre (and, for compounds, hold no more than hi households).
	join := func(keyOf func(r record) string, radius float64, limit bool) {
		groups := map[string][]int{}
		var order []string
		for i, r := range recs {
			k := keyOf(r)
			if k == "" {
				continue
			}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], i)
		}
		for _, k := range order {
			rs := groups[k]
			var cx, cy float64
			hh := 0
			for _, r := range rs {
				x, y := pl.xy(recs[r].x, recs[r].y)
				cx += x
				cy += y
				hh += recs[r].households
			}
			cx, cy = cx/float64(len(rs)), cy/float64(len(rs))
			ok := !limit || float64(hh) <= hi
			for _, r := range rs {
				x, y := pl.xy(recs[r].x, recs[r].y)
				if math.Hypot(x-cx, y-cy) > radius {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			for _, r := range rs[1:] {
				a, b := find(siteOf[rs[0]]), find(siteOf[r])
				if a != b {
					parent[b] = a
				}
			}
		}
	}
	join(func(r record) string {
		if r.building == "" {
			return ""
		}
		return r.road + "|" + r.door + "|" + r.compound + "|" + r.building
	}, buildingRadius, false)
	join(func(r record) string {
		if r.compound == "" {
			return ""
		}
		return r.road + "|" + r.door + "|" + r.compound
	}, compoundRadius, true)

	pr := &problem{faceAtom: make([]int, len(faces)), siteFace: make([]int, len(sites)), faceHH: make([]int, len(faces)),
		faceAdj: make([]map[int]float64, len(faces)), groupsKnown: true}
	for i := range pr.siteFace {
		pr.siteFace[i] = -1
	}
	// The face holding each site: among the faces of the site's cell, the
	// one containing its point (else the first).
	for f, fc := range faces {
		if fc.site < 0 || fc.site >= len(sites) {
			continue
		}
		s := fc.site
		if pr.siteFace[s] < 0 || planar.PolygonContains(fc.poly, orb.Point{sites[s].lon, sites[s].lat}) {
			pr.siteFace[s] = f
		}
	}
	// Atoms: one per root of sites that have a face, one per face without
	// a site.
	atomOf := map[int]int{}
	type acc struct {
		x, y, w    float64
		hh         int
		votes      map[int]int
		group      int
		label      string
		labelScore int
	}
	var accs []*acc
	newAtom := func() int {
		accs = append(accs, &acc{votes: map[int]int{}, group: -1})
		return len(accs) - 1
	}
	for f, fc := range faces {
		if fc.site >= 0 && fc.site < len(sites) {
			r := find(fc.site)
			a, ok := atomOf[r]
			if !ok {
				a = newAtom()
				atomOf[r] = a
			}
			pr.faceAtom[f] = a
		} else {
			a := newAtom()
			pr.faceAtom[f] = a
			accs[a].votes[fc.grid] = 1
			c, _ := planar.CentroidArea(fc.poly)
			accs[a].x, accs[a].y = pl.xy(c[0], c[1])
			accs[a].w = 1
			accs[a].label = fmt.Sprintf("a piece of grid %d without addresses", fc.grid)
		}
	}
	lost := 0
	for s, st := range sites {
		f := pr.siteFace[s]
		if f < 0 {
			lost += st.households
			continue
		}
		pr.faceHH[f] += st.households
		a := accs[pr.faceAtom[f]]
		x, y := pl.xy(st.lon, st.lat)
		w := float64(st.households) + 0.01
		a.x += x * w
		a.y += y * w
		a.w += w
		a.hh += st.households
		a.votes[st.grid] += st.households + 1
		for _, ri := range st.recs {
			r := recs[ri]
			if r.households > 0 {
				if g, err := strconv.Atoi(r.group); err == nil && r.group != "" {
					a.group = g
				} else {
					pr.groupsKnown = false
				}
			}
			score := 1
			if r.building != "" {
				score = 2
			}
			if score > a.labelScore {
				a.labelScore = score
				a.label = r.text
				if r.building != "" {
					a.label = r.road + r.door + "号" + r.compound + r.building + "幢"
				}
			}
		}
	}
	if lost > 0 {
		pr.notes = append(pr.notes, fmt.Sprintf("%d households stand at points outside their grid's area and are not counted in the balance", lost))
	}
	pr.in.Atoms = make([]Atom, len(accs))
	for i, a := range accs {
		cur, best := -1, 0
		for g, v := range a.votes {
			if v > best || (v == best && g < cur) {
				cur, best = g, v
			}
		}
		// The households' (or units') mean point; a piece without
		// any has its centroid (weight 1).
		x, y := a.x, a.y
		if a.w > 0 {
			x, y = a.x/a.w, a.y/a.w
		}
		pr.in.Atoms[i] = Atom{Households: a.hh, X: x, Y: y, Current: cur, Group: a.group, Label: a.label}
	}
	// The graph: faces sharing a segment (polygonize makes shared edges
	// vertex-identical), summed per pair of atoms.
	type seg struct{ a, b orb.Point }
	type use struct{ f, g int }
	owner := map[seg]*use{}
	var segs []seg
	length := func(k seg) float64 {
		ax, ay := pl.xy(k.a[0], k.a[1])
		bx, by := pl.xy(k.b[0], k.b[1])
		return math.Hypot(bx-ax, by-ay)
	}
	links := map[[2]int]float64{}
	for f, fc := range faces {
		at := &pr.in.Atoms[pr.faceAtom[f]]
		c, area := planar.CentroidArea(fc.poly)
		area = math.Abs(area) * pl.kx * pl.ky
		cx, cy := pl.xy(c[0], c[1])
		if at.AreaM2+area > 0 {
			at.AX = (at.AX*at.AreaM2 + cx*area) / (at.AreaM2 + area)
			at.AY = (at.AY*at.AreaM2 + cy*area) / (at.AreaM2 + area)
		}
		at.AreaM2 += area
		for _, ring := range fc.poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
					a, b = b, a
				}
				k := seg{a, b}
				u, ok := owner[k]
				if !ok {
					owner[k] = &use{f, -1}
					segs = append(segs, k)
					continue
				}
				if u.f == f {
					continue
				}
				u.g = f
				g := u.f
				l := length(k)
				if pr.faceAdj[f] == nil {
					pr.faceAdj[f] = map[int]float64{}
				}
				if pr.faceAdj[g] == nil {
					pr.faceAdj[g] = map[int]float64{}
				}
				pr.faceAdj[f][g] += l
				pr.faceAdj[g][f] += l
				x, y := pr.faceAtom[f], pr.faceAtom[g]
				if x != y {
					if x > y {
						x, y = y, x
					}
					links[[2]int{x, y}] += l
				}
			}
		}
	}
	for _, k := range segs {
		if u := owner[k]; u.g < 0 {
			pr.in.Atoms[pr.faceAtom[u.f]].OuterM += length(k)
		}
	}
	keys := make([][2]int, 0, len(links))
	for k := range links {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0] < keys[j][0] || (keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1])
	})
	for _, k := range keys {
		pr.in.Links = append(pr.in.Links, Link{A: k[0], B: k[1], Length: links[k]})
	}
	pr.in.Target, pr.in.Tolerance = p.Target, p.Tolerance
	return pr
}

// repairFaces gives every face its atom's part, then makes each part one
// piece of faces: an atom whose faces are not all adjacent (a Voronoi
// cell cut by a bend of its grid) can leave a part in pieces, so every
// piece but the one of most households (then area) goes to the
// neighbouring part it shares the longest border with.
func (pr *problem) repairFaces(div Division) []int {
	fp := make([]int, len(pr.faceAtom))
	for f, a := range pr.faceAtom {
		fp[f] = div.Part[a]
	}
	for range 6 {
		changed := false
		seen := make([]bool, len(fp))
		byPart := map[int][][]int{}
		for f := range fp {
			if seen[f] {
				continue
			}
			comp := []int{f}
			seen[f] = true
			for i := 0; i < len(comp); i++ {
				for g := range pr.faceAdj[comp[i]] {
					if !seen[g] && fp[g] == fp[f] {
						seen[g] = true
						comp = append(comp, g)
					}
				}
			}
			byPart[fp[f]] = append(byPart[fp[f]], comp)
		}
		parts := make([]int, 0, len(byPart))
		for p := range byPart {
			parts = append(parts, p)
		}
		sort.Ints(parts)
		for _, p := range parts {
			comps := byPart[p]
			if len(comps) < 2 {
				continue
			}
			weight := func(c []int) (int, int) {
				n := 0
				for _, f := range c {
					n += pr.faceHH[f]
				}
				return n, len(c)
			}
			best := 0
			for c := range comps {
				h, n := weight(comps[c])
				bh, bn := weight(comps[best])
				if h > bh || (h == bh && n > bn) {
					best = c
				}
			}
			for c, comp := range comps {
				if c == best {
					continue
				}
				border := map[int]float64{}
				for _, f := range comp {
					for g, l := range pr.faceAdj[f] {
						if fp[g] != p {
							border[fp[g]] += l
						}
					}
				}
				to, long := -1, -1.0
				for q, l := range border {
					if l > long || (l == long && q < to) {
						to, long = q, l
					}
				}
				if to < 0 {
					continue
				}
				for _, f := range comp {
					fp[f] = to
				}
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return fp
}
