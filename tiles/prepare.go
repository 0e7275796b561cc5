package tiles

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

// precomputeMaxZoom is the highest zoom whose simplified geometry is
// computed once per snapshot version. Above it a tile projects and rounds
// on the fly, which costs little because a tile there holds few features
// and rounding is the only simplification left to do.
const precomputeMaxZoom = 13

// simplifyTolerance is the Douglas-Peucker tolerance, in tile units, at a
// precomputed zoom. A unit is 1/8 of a screen pixel on a 512-pixel tile.
// Edges shared by neighbours are simplified once for both (topo.go), so
// the tolerance bounds how far a boundary moves, not a gap between
// fills: a quarter of a pixel (2 units) at z11-12, where grids first
// appear, 1 unit from z13, and two pixels (16 units) at z8 and below,
// where only counties and town outlines are drawn and the whole city
// fits in a tile or four. A ring
// that simplification would collapse is simplified with half the
// tolerance, and so on down to its rounded vertices, so small areas do
// not vanish.
func simplifyTolerance(z int) float64 {
	switch {
	case z <= 8:
		return 16
	case z <= 10:
		return 4
	case z <= 12:
		return 2
	}
	return 1
}

// Prepared is a snapshot made ready for tiles: every feature projected to
// Web Mercator, its geometry simplified per precomputed zoom, its label
// point placed, and each layer indexed by an R-tree. It is built once per
// dataset version and then only read, by any number of goroutines.
type Prepared struct {
	// Version is the dataset version of the snapshot it was built from.
	Version int64
	layers  map[string]*layerData
	bounds  box // of everything, in world coordinates
}

type layerData struct {
	info   LayerInfo
	point  bool
	feats  []feature
	index  *rtree
	groups []labelGroup // label layer: features by level, each indexed
	zoomLo int          // first precomputed zoom
	zoomHi int          // last precomputed zoom (zoomHi < zoomLo: none)
}

// labelGroup holds the labels of one level, so a low-zoom tile does not
// search the thousands of grid labels it will not draw.
type labelGroup struct {
	minZ, maxZ int
	feats      []feature
	index      *rtree
}

type feature struct {
	id     uint64
	props  []prop
	lean   []prop // props below the layer's FullZoom (LayerInfo.LeanFields), picked once here, not per tile
	minZ   int    // label features only: the zooms of the label's level
	maxZ   int
	b      box
	polys  []wpoly
	pt     wpt
	byZoom [][]ipoly // world pixels at zoomLo+i, simplified and wound; nil when collapsed
	ghash  uint64    // hash of the source geometry, to reuse work across versions
	ready  bool      // pt (labels) or byZoom (polygons) is computed
	halved uint32    // bit k: at zoomLo+k an arc of its rings was simplified with less than the tolerance, or a ring collapsed
}

// Prepare builds the tile data of a snapshot. It never fails: areas
// without a boundary and empty geometries are left out of the layers.
func Prepare(snap *geo.Snapshot) *Prepared { return PrepareFrom(snap, nil) }

// PrepareFrom is Prepare reusing, from the data of an earlier version,
// the projection, simplification and label of every feature whose
// geometry did not change, so a version that redraws a few grids costs
// little more than hashing the rest. prev may be nil.
func PrepareFrom(snap *geo.Snapshot, prev *Prepared) *Prepared {
	p := &Prepared{Version: snap.Version, layers: make(map[string]*layerData), bounds: emptyBox()}
	for _, info := range layerInfos {
		p.layers[info.Name] = &layerData{info: info, point: info.Name == LayerLabel}
	}
	old := map[string]map[uint64]*feature{}
	if prev != nil {
		for name, l := range prev.layers {
			m := make(map[uint64]*feature, len(l.feats))
			for i := range l.feats {
				m[l.feats[i].id] = &l.feats[i]
			}
			old[name] = m
		}
	}
	label := p.layers[LayerLabel]
	addPolygon := func(layer string, id uint64, props []prop, mp orb.MultiPolygon, lf feature) {
		h := geomHash(mp)
		l := p.layers[layer]
		f := feature{id: id, props: props, lean: l.info.leanProps(props), ghash: h}
		if o := old[layer][id]; o != nil && o.ghash == h && o.ready {
			f.polys, f.b, f.byZoom, f.halved, f.ready = o.polys, o.b, o.byZoom, o.halved, true
		} else {
			f.polys = worldPolys(mp)
			if len(f.polys) == 0 {
				return
			}
			f.b = emptyBox()
			for _, poly := range f.polys {
				for _, q := range poly[0] {
					f.b = f.b.extend(q)
				}
			}
		}
		p.bounds = p.bounds.union(f.b)
		l.feats = append(l.feats, f)
		lf.id, lf.ghash = id, h
		if o := old[LayerLabel][id]; o != nil && o.ghash == h && o.ready {
			lf.pt, lf.b, lf.ready = o.pt, o.b, true
		} else {
			lf.polys = f.polys // the label point is placed in build
		}
		label.feats = append(label.feats, lf)
	}
	for i := range snap.Areas {
		a := &snap.Areas[i]
		layer, ok := polygonLayer[a.Level]
		if !ok {
			continue
		}
		zr := labelZooms[a.Level]
		addPolygon(layer, a.Code.ID(), areaProps(a), a.Geom,
			feature{props: labelProps(a.Code, a.Name, "", a.Households), minZ: zr[0], maxZ: zr[1]})
	}
	for i := range snap.Grids {
		g := &snap.Grids[i]
		lvl := g.Code.Level()
		layer, ok := polygonLayer[lvl]
		if !ok || (lvl != geo.LevelGrid && lvl != geo.LevelSubGrid) {
			continue
		}
		zr := labelZooms[lvl]
		addPolygon(layer, g.Code.ID(), gridProps(g), g.Geom,
			feature{props: labelProps(g.Code, g.Name, g.Kind, g.Households), minZ: zr[0], maxZ: zr[1]})
	}
	var wg sync.WaitGroup
	for name, l := range p.layers {
		var pl *layerData
		if prev != nil {
			pl = prev.layers[name]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.build(pl)
		}()
	}
	wg.Wait()
	return p
}

// geomHash hashes a geometry's coordinates, a 64-bit word at a time
// (multiply and xor-shift, as in splitmix64); equal geometries hash
// equal, and a moved vertex changes the hash with overwhelming odds.
func geomHash(mp orb.MultiPolygon) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	mix := func(v uint64) {
		h = (h ^ v) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	for _, poly := range mp {
		mix(uint64(len(poly)))
		for _, r := range poly {
			mix(uint64(len(r)))
			for _, pt := range r {
				mix(math.Float64bits(pt[0]))
				mix(math.Float64bits(pt[1]))
			}
		}
	}
	return h
}

// build precomputes the label points or the simplified zooms of a
// layer, and its index. prev is the layer of the previous version (may
// be nil), whose features were reused where unchanged.
func (l *layerData) build(prev *layerData) {
	l.zoomLo, l.zoomHi = l.info.MinZoom, min(l.info.MaxZoom, precomputeMaxZoom)
	if l.point {
		l.zoomHi = l.zoomLo - 1
		placeLabels(l.feats)
		sort.SliceStable(l.feats, func(i, j int) bool { return l.feats[i].minZ < l.feats[j].minZ })
		for i := 0; i < len(l.feats); {
			j := i
			for j < len(l.feats) && l.feats[j].minZ == l.feats[i].minZ {
				j++
			}
			g := labelGroup{minZ: l.feats[i].minZ, maxZ: l.feats[i].maxZ, feats: l.feats[i:j]}
			g.index = nil
			if prev != nil && len(prev.groups) > len(l.groups) {
				if pg := prev.groups[len(l.groups)]; pg.minZ == g.minZ && sameBoxes(pg.feats, g.feats) {
					g.index = pg.index // the same boxes in the same order: the same tree
				}
			}
			if g.index == nil {
				g.index = newRTree(boxesOf(g.feats))
			}
			l.groups = append(l.groups, g)
			i = j
		}
		return
	}
	if prev != nil && prev.index != nil && sameBoxes(prev.feats, l.feats) {
		l.index = prev.index // the same boxes in the same order: the same tree
	} else {
		l.index = newRTree(boxesOf(l.feats))
	}
	l.simplify(prev)
}

// sameBoxes reports whether a and b have the same boxes in the same order
// (an R-tree of a's boxes is then b's).
func sameBoxes(a, b []feature) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].b != b[i].b {
			return false
		}
	}
	return true
}

func boxesOf(feats []feature) []box {
	boxes := make([]box, len(feats))
	for i := range feats {
		boxes[i] = feats[i].b
	}
	return boxes
}

// simplify computes the geometry of every feature at every precomputed
// zoom, topologically (topo.go): arcs shared by neighbours are simplified
// once. A feature's simplification depends on its neighbours (where
// their boundaries meet, which cuts the arcs), so when features of the
// layer are new, changed or gone, the features near them are redone
// (simplifyNear), or the whole layer when that cannot be done exactly.
// A layer whose features were all reused keeps their geometry.
func (l *layerData) simplify(prev *layerData) {
	if l.zoomHi < l.zoomLo {
		return
	}
	var fresh []int
	for i := range l.feats {
		if !l.feats[i].ready {
			fresh = append(fresh, i)
		}
	}
	gone := l.goneBoxes(prev)
	if len(fresh) == 0 && len(gone) == 0 {
		return
	}
	if prev != nil && prev.zoomLo == l.zoomLo && prev.zoomHi == l.zoomHi && l.simplifyNear(fresh, gone) {
		return
	}
	l.simplifyAll()
}

// simplifyAll simplifies every feature of the layer at every precomputed
// zoom.
func (l *layerData) simplifyAll() {
	nz := l.zoomHi - l.zoomLo + 1
	for i := range l.feats {
		l.feats[i].byZoom = make([][]ipoly, nz)
		l.feats[i].ready, l.feats[i].halved = true, 0
	}
	marks := make([][]int, nz)
	// Zooms are independent: each writes its own byZoom entries.
	var wg sync.WaitGroup
	for z := l.zoomLo; z <= l.zoomHi; z++ {
		wg.Go(func() { marks[z-l.zoomLo] = simplifyShared(l.feats, z, z-l.zoomLo) })
	}
	wg.Wait()
	for k, m := range marks {
		for _, i := range m {
			l.feats[i].halved |= 1 << k
		}
	}
}

// goneBoxes returns the boxes of the features of prev that this layer
// did not reuse: removed, or changed (their new geometry is not ready).
func (l *layerData) goneBoxes(prev *layerData) []box {
	if prev == nil {
		return nil
	}
	kept := make(map[uint64]bool, len(l.feats))
	for i := range l.feats {
		if l.feats[i].ready {
			kept[l.feats[i].id] = true
		}
	}
	var gone []box
	for i := range prev.feats {
		if !kept[prev.feats[i].id] {
			gone = append(gone, prev.feats[i].b)
		}
	}
	return gone
}

// simplifyNear redoes only the features whose simplified geometry a
// change can reach, and reports whether it could do so exactly; when it
// reports false it changed nothing.
//
// At a zoom, a ring's arcs depend on which rounded points it shares with
// other rings: the changed features (fresh, and the boxes of those gone)
// can change the arcs of the features that come within rounding distance
// of them (near), and computing those needs every ring that comes within
// rounding distance of near (context). The simplified arcs are then those
// a whole-layer run gives, unless a ring collapsed and an arc was
// simplified again with a smaller tolerance, which spreads to neighbours
// along shared arcs: so any such halving in the context, before or now,
// makes the whole layer be redone. A test compares this with a
// whole-layer run of the same version (TestPrepareFromMatchesPrepare).
func (l *layerData) simplifyNear(fresh []int, gone []box) bool {
	margin := 2 / scale(l.zoomLo) // a rounding unit at the coarsest zoom, twice
	grow := func(b box) box {
		return box{b.minX - margin, b.minY - margin, b.maxX + margin, b.maxY + margin}
	}
	n := len(l.feats)
	// within marks in seen the features whose boxes meet one of qs, and
	// returns them in ascending order, or false when there are too many
	// for a local redo to pay.
	within := func(qs []box, seen []bool, limit int) ([]int32, bool) {
		var out, buf []int32
		for _, q := range qs {
			buf = l.index.search(grow(q), buf[:0])
			for _, i := range buf {
				if !seen[i] {
					seen[i] = true
					out = append(out, i)
				}
			}
			if len(out) > limit {
				return nil, false
			}
		}
		slices.Sort(out)
		return out, true
	}
	changed := make([]box, 0, len(fresh)+len(gone))
	for _, i := range fresh {
		changed = append(changed, l.feats[i].b)
	}
	changed = append(changed, gone...)
	inNear := make([]bool, n)
	near, ok := within(changed, inNear, n/8)
	if !ok {
		return false
	}
	nearBoxes := make([]box, len(near))
	for j, i := range near {
		nearBoxes[j] = l.feats[i].b
	}
	context, ok := within(nearBoxes, make([]bool, n), n/4)
	if !ok {
		return false
	}
	for _, i := range context {
		if f := &l.feats[i]; f.ready && f.halved != 0 {
			return false
		}
	}
	nz := l.zoomHi - l.zoomLo + 1
	sub := make([]feature, len(context))
	for j, i := range context {
		sub[j] = feature{polys: l.feats[i].polys, byZoom: make([][]ipoly, nz)}
	}
	halved := make([]bool, nz)
	var wg sync.WaitGroup
	for z := l.zoomLo; z <= l.zoomHi; z++ {
		wg.Go(func() { halved[z-l.zoomLo] = len(simplifyShared(sub, z, z-l.zoomLo)) > 0 })
	}
	wg.Wait()
	if slices.Contains(halved, true) {
		return false
	}
	for j, i := range context {
		if inNear[i] {
			// A new slice: the previous version, still being served,
			// shares the old one.
			f := &l.feats[i]
			f.byZoom, f.ready, f.halved = sub[j].byZoom, true, 0
		}
	}
	return true
}

// placeLabels computes the label points, on all cores: polylabel is the
// costliest step of preparing a version.
func placeLabels(feats []feature) {
	n := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(feats); i += n {
				f := &feats[i]
				if !f.ready {
					f.pt = labelPoint(f.polys)
					f.b = emptyBox().extend(f.pt)
					f.polys, f.ready = nil, true
				}
			}
		}()
	}
	wg.Wait()
}

// labelPoint places a label inside the largest polygon.
func labelPoint(mp []wpoly) wpt {
	best, bestA := 0, -1.0
	for i, p := range mp {
		var a float64
		r := p[0]
		for j, k := 0, len(r)-1; j < len(r); k, j = j, j+1 {
			a += r[k].x*r[j].y - r[j].x*r[k].y
		}
		if a = math.Abs(a); a > bestA {
			best, bestA = i, a
		}
	}
	return labelIn(mp[best])
}

// labelIn returns the centroid when it lies well inside the polygon, as
// it does for the compact shapes most grids have, and the pole of
// inaccessibility otherwise (U shapes, rings around a hole).
func labelIn(p wpoly) wpt {
	c := centroidCell(p)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range p[0] {
		minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
	}
	if c.d > 0.3*math.Min(maxX-minX, maxY-minY)/2 {
		return wpt{c.x, c.y}
	}
	return polylabel(p, 0)
}

// Bounds returns the extent of all features as west, south, east, north
// in degrees, and false when the snapshot has no geometry.
func (p *Prepared) Bounds() (w, s, e, n float64, ok bool) {
	if p.bounds.empty() {
		return 0, 0, 0, 0, false
	}
	sw := fromWorld(wpt{p.bounds.minX, p.bounds.maxY})
	ne := fromWorld(wpt{p.bounds.maxX, p.bounds.minY})
	return sw[0], sw[1], ne[0], ne[1], true
}
