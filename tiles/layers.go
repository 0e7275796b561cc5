package tiles

import (
	"slices"

	"gridmap/geo"
)

// Layer names.
const (
	LayerCounty  = "county"
	LayerTown    = "town"
	LayerVillage = "village"
	LayerGrid    = "grid"
	LayerSubGrid = "subgrid"
	LayerLabel   = "label"
)

// MaxZoom is the highest zoom the service renders.
const MaxZoom = 22

// LayerInfo describes a layer for TileJSON and for clients.
type LayerInfo struct {
	Name        string
	Description string
	MinZoom     int
	MaxZoom     int
	// FullZoom is the first zoom whose features carry all their Fields;
	// below it a polygon carries its id (geo.Code.ID: the code times 100
	// plus its length, so the code can be read from it) and its
	// LeanFields only. It is the zoom its labels appear from: before
	// that the polygons are only outlines or fills, and codes, names and
	// counts were most of the tile.
	FullZoom int
	// LeanFields are the properties a polygon keeps below FullZoom: those
	// the map style needs to draw it before its label shows (web/static/
	// style.js colours grid fills by kind). None: the id only.
	LeanFields []string
	// Fields maps each property to its type ("String" or "Number").
	Fields map[string]string
}

// Layers lists the layers in the order they are written into a tile
// (bottom to top).
var layerInfos = []LayerInfo{
	{LayerCounty, "County-level areas (县/市/区) and functional zones", 0, 14, 0, nil, areaFields},
	{LayerTown, "Towns and streets (镇/街道); below z9 outlines with ids only (id = code×100 + code length)", 7, 14, 9, nil, areaFields},
	{LayerVillage, "Villages and communities (村/社区); below z11 outlines with ids only (id = code×100 + code length)", 10, 16, 11, nil, areaFields},
	{LayerGrid, "Grids (网格): 15-digit codes; at z11-12 the id (= code×100 + 15) and kind only, all fields from z13", 11, MaxZoom, 13, []string{"kind"}, gridFields},
	{LayerSubGrid, "Sub-grids of exclusive grids: 17-digit codes", 13, MaxZoom, 13, nil, gridFields},
	{LayerLabel, "One point per area or grid inside its polygon, for text; level says which", 6, MaxZoom, 6, nil, labelFields},
}

var areaFields = map[string]string{
	"code": "String", "name": "String", "level": "String", "parent": "String", "households": "Number",
}

var gridFields = map[string]string{
	"code": "String", "name": "String", "level": "String", "kind": "String", "parent": "String",
	"village": "String", "households": "Number", "units": "Number",
}

var labelFields = map[string]string{
	"code": "String", "name": "String", "level": "String", "kind": "String", "households": "Number",
}

// labelZooms gives, per level, the zooms at which its labels are in the
// label layer: a little later than its polygons, so labels do not crowd.
var labelZooms = map[geo.Level][2]int{
	geo.LevelCounty:  {6, 14},
	geo.LevelTown:    {9, 14},
	geo.LevelVillage: {11, 16},
	geo.LevelGrid:    {13, MaxZoom},
	geo.LevelSubGrid: {15, MaxZoom},
}

// polygonLayer maps a level to its polygon layer.
var polygonLayer = map[geo.Level]string{
	geo.LevelCounty:  LayerCounty,
	geo.LevelTown:    LayerTown,
	geo.LevelVillage: LayerVillage,
	geo.LevelGrid:    LayerGrid,
	geo.LevelSubGrid: LayerSubGrid,
}

// LeanAt returns the names of the layers in the request (all when names
// is empty) whose polygons carry only their id and LeanFields at zoom z
// (see LayerInfo.FullZoom).
func LeanAt(names []string, z int) []string {
	var out []string
	for _, l := range layerInfos {
		if (len(names) == 0 || contains(names, l.Name)) && z >= l.MinZoom && z < l.FullZoom {
			out = append(out, l.Name)
		}
	}
	return out
}

// FieldsAt returns the properties the features of a layer carry at zoom
// z, besides their id: all its Fields from FullZoom on, its LeanFields
// below.
func (l LayerInfo) FieldsAt(z int) []string {
	if z < l.FullZoom {
		return slices.Clone(l.LeanFields)
	}
	out := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// leanProps returns the props among ps that the layer keeps below its
// FullZoom, in their order; nil when it keeps none.
func (l LayerInfo) leanProps(ps []prop) []prop {
	var out []prop
	for _, p := range ps {
		if slices.Contains(l.LeanFields, p.key) {
			out = append(out, p)
		}
	}
	return out
}

// Layers returns the layers the service serves, bottom to top.
func Layers() []LayerInfo {
	out := make([]LayerInfo, len(layerInfos))
	copy(out, layerInfos)
	return out
}

// LayerByName returns the layer with the name.
func LayerByName(name string) (LayerInfo, bool) {
	for _, l := range layerInfos {
		if l.Name == name {
			return l, true
		}
	}
	return LayerInfo{}, false
}

// LabelZooms returns the zoom range of labels of a level (county to
// sub-grid) and whether the level has labels.
func LabelZooms(l geo.Level) (minZoom, maxZoom int, ok bool) {
	r, ok := labelZooms[l]
	return r[0], r[1], ok
}

// LayersAt returns the names of the layers in the request (all layers when
// names is empty) that have content at zoom z, bottom to top.
func LayersAt(names []string, z int) []string {
	var out []string
	for _, l := range layerInfos {
		if len(names) > 0 && !contains(names, l.Name) {
			continue
		}
		if z >= l.MinZoom && z <= l.MaxZoom {
			out = append(out, l.Name)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func areaProps(a *geo.Area) []prop {
	return []prop{
		code(string(a.Code)), str("name", a.Name), str("level", a.Level.String()),
		str("parent", string(a.Parent)), num("households", a.Households),
	}
}

func gridProps(g *geo.Grid) []prop {
	parent := g.Village
	if g.ParentGrid != "" {
		parent = g.ParentGrid
	}
	return []prop{
		code(string(g.Code)), str("name", g.Name), str("level", g.Code.Level().String()),
		str("kind", string(g.Kind)), str("parent", string(parent)), str("village", string(g.Village)),
		num("households", g.Households), num("units", g.Units),
	}
}

func labelProps(c geo.Code, name string, kind geo.Kind, households int) []prop {
	ps := []prop{code(string(c)), str("name", name), str("level", c.Level().String())}
	if kind != "" { // areas have no kind
		ps = append(ps, str("kind", string(kind)))
	}
	return append(ps, num("households", households))
}
