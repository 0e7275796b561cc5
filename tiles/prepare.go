package tiles

import (
	"math"
	"sync"

	"gridmap/geo"
)

// precomputeMaxZoom is the highest zoom whose simplified geometry is
// computed once per snapshot version. Above it a tile projects and rounds
// on the fly, which costs little because a tile there holds few features
// and rounding is the only simplification left to do.
const precomputeMaxZoom = 13

// simplifyTolerance is the Douglas-Peucker tolerance, in tile units, for
// precomputed zooms. One unit is 1/8 of a screen pixel on a 512-pixel
// tile, so shared edges simplified separately on each side stay visually
// shared, while low zooms shed the vertices that would all round to the
// same few pixels.
const simplifyTolerance = 1.0

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
	zoomLo int // first precomputed zoom
	zoomHi int // last precomputed zoom (zoomHi < zoomLo: none)
}

type feature struct {
	id     uint64
	props  []prop
	minZ   int // label features only: the zooms of the label's level
	maxZ   int
	b      box
	polys  []wpoly
	pt     wpt
	byZoom [][]ipoly // world pixels at zoomLo+i, simplified and wound; nil when collapsed
}

// Prepare builds the tile data of a snapshot. It never fails: areas
// without a boundary and empty geometries are left out of the layers.
func Prepare(snap *geo.Snapshot) *Prepared {
	p := &Prepared{Version: snap.Version, layers: make(map[string]*layerData), bounds: emptyBox()}
	for _, info := range layerInfos {
		p.layers[info.Name] = &layerData{info: info, point: info.Name == LayerLabel}
	}
	label := p.layers[LayerLabel]
	addPolygon := func(layer string, id uint64, props []prop, mp []wpoly, lf feature) {
		if len(mp) == 0 {
			return
		}
		b := emptyBox()
		for _, poly := range mp {
			for _, q := range poly[0] {
				b = b.extend(q)
			}
		}
		p.bounds = p.bounds.union(b)
		l := p.layers[layer]
		l.feats = append(l.feats, feature{id: id, props: props, b: b, polys: mp})
		lf.pt = labelPoint(mp)
		lf.b = emptyBox().extend(lf.pt)
		lf.id = id
		label.feats = append(label.feats, lf)
	}
	for i := range snap.Areas {
		a := &snap.Areas[i]
		layer, ok := polygonLayer[a.Level]
		if !ok {
			continue
		}
		zr := labelZooms[a.Level]
		addPolygon(layer, a.Code.ID(), areaProps(a), worldPolys(a.Geom),
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
		addPolygon(layer, g.Code.ID(), gridProps(g), worldPolys(g.Geom),
			feature{props: labelProps(g.Code, g.Name, g.Kind, g.Households), minZ: zr[0], maxZ: zr[1]})
	}
	var wg sync.WaitGroup
	for _, l := range p.layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.build()
		}()
	}
	wg.Wait()
	return p
}

// build precomputes the simplified zooms and the index of a layer.
func (l *layerData) build() {
	boxes := make([]box, len(l.feats))
	for i := range l.feats {
		boxes[i] = l.feats[i].b
	}
	l.index = newRTree(boxes)
	l.zoomLo, l.zoomHi = l.info.MinZoom, min(l.info.MaxZoom, precomputeMaxZoom)
	if l.point {
		l.zoomHi = l.zoomLo - 1
		return
	}
	var q, s []ipt
	for i := range l.feats {
		f := &l.feats[i]
		f.byZoom = make([][]ipoly, l.zoomHi-l.zoomLo+1)
		for z := l.zoomLo; z <= l.zoomHi; z++ {
			sc := scale(z)
			var out []ipoly
			for _, poly := range f.polys {
				var ip ipoly
				for k, r := range poly {
					q = quantise(q[:0], r, sc, 0, 0)
					s = simplifyDP(s[:0], q, simplifyTolerance)
					s = dropCollinear(s)
					if !orient(s, k == 0) {
						if k == 0 {
							break
						}
						continue
					}
					ip = append(ip, append([]ipt(nil), s...))
				}
				if len(ip) > 0 {
					out = append(out, ip)
				}
			}
			f.byZoom[z-l.zoomLo] = out
		}
	}
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
	return polylabel(mp[best], 0)
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
