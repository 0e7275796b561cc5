package geocode

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/records"
)

// Entry is one live standard address as the index takes it.
type Entry struct {
	ID      int64
	Code    string // records.AddressCode
	Address records.Address
	Text    string // the full text as stored
	Point   orb.Point
	Grid    geo.Code // the grid the address is in
}

// Index answers geocoding queries for one dataset version: the standard
// addresses normalised into their parts, maps from (road, door number),
// (compound, building) and (village, door number) to addresses, name
// dictionaries for misspelt roads, compounds and villages, and the
// gazetteer of the areas. It is never modified after NewIndex returns, so
// any number of goroutines may share it.
type Index struct {
	version int64
	snap    *geo.Snapshot
	norm    *Normalizer
	entries []entry
	// by key: road\x00number, compound\x00building, village\x00number
	byRoad, byCompound, byVillage map[string][]int32
	roads, compounds, villages    *nameDict
	roadArea, compoundArea        []geo.Code // the deepest area holding each road's (compound's) addresses
	gaz                           gazetteer
	stats                         Stats
	points                        pointGrid
}

// entry is an Entry with normalised parts (the parts as written are not
// kept: answers give the full text).
type entry struct {
	ID                                                      int64
	Code                                                    string
	Text                                                    string
	Point                                                   orb.Point
	Grid                                                    geo.Code
	road, number, compound, building, entrance, room, group string
	village                                                 geo.Code // from the grid
	county, town, villageName                               string   // normalised names
	roadID, compoundID                                      int32
}

// Stats describes an index.
type Stats struct {
	Version   int64
	Addresses int
	Roads     int
	Compounds int
	Bytes     int // approximate memory held by the index
	BuildTime time.Duration
	// Reused says the index is the previous version's, re-tagged: the
	// addresses had not changed.
	Reused bool
}

// NewIndex indexes the standard addresses for the snapshot's version. The
// snapshot gives the areas (the gazetteer and the hierarchy of answers);
// an entry whose grid is not in it still answers, without a hierarchy.
// province is the name written before the city (江苏省); "" takes it from
// the city's code.
func NewIndex(snap *geo.Snapshot, province string, entries []Entry) (*Index, error) {
	start := time.Now()
	if province == "" {
		province = ProvinceOf(snap)
	}
	known := map[rune]bool{}
	for _, a := range snap.Areas {
		for _, r := range a.Name {
			known[r] = true
		}
	}
	for i := range entries {
		for _, r := range entries[i].Text {
			known[r] = true
		}
	}
	norm, err := NewNormalizer(func(r rune) bool { return known[r] })
	if err != nil {
		return nil, fmt.Errorf("geocode index: %w", err)
	}
	ix := &Index{version: snap.Version, snap: snap, norm: norm,
		entries: make([]entry, len(entries)),
		byRoad:  map[string][]int32{}, byCompound: map[string][]int32{}, byVillage: map[string][]int32{},
		roads: newNameDict(), compounds: newNameDict(), villages: newNameDict()}
	ix.gaz = newGazetteer(snap, province, norm)
	for _, a := range ix.gaz.villages {
		ix.villages.add(a)
	}
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	for i, e := range entries {
		a := e.Address
		n := func(s string) string { return in(norm.Normalize(s)) }
		en := entry{ID: e.ID, Code: e.Code, Text: e.Text, Point: e.Point, Grid: e.Grid, road: n(a.Road), number: in(strings.ToUpper(a.Number)), compound: n(a.Compound),
			building: in(strings.ToUpper(a.Building)), entrance: in(a.Entrance), room: in(strings.ToUpper(a.Room)),
			group: in(a.Group), county: n(a.County), town: n(a.Town), villageName: n(a.Village), roadID: -1, compoundID: -1}
		if e.Grid.IsGrid() {
			en.village = e.Grid.Village()
		}
		id := int32(i)
		if en.road != "" {
			en.roadID = ix.roads.add(en.road)
			k := en.road + "\x00" + en.number
			ix.byRoad[k] = append(ix.byRoad[k], id)
		}
		if en.compound != "" {
			en.compoundID = ix.compounds.add(en.compound)
			k := en.compound + "\x00" + en.building
			ix.byCompound[k] = append(ix.byCompound[k], id)
		}
		if en.road == "" && en.villageName != "" && en.number != "" {
			ix.villages.add(en.villageName)
			k := en.villageName + "\x00" + en.number
			ix.byVillage[k] = append(ix.byVillage[k], id)
		}
		ix.entries[i] = en
	}
	ix.roadArea = make([]geo.Code, len(ix.roads.names))
	ix.compoundArea = make([]geo.Code, len(ix.compounds.names))
	seenRoad := make([]bool, len(ix.roads.names))
	seenCompound := make([]bool, len(ix.compounds.names))
	for i := range ix.entries {
		e := &ix.entries[i]
		if e.roadID >= 0 {
			ix.roadArea[e.roadID] = widen(ix.roadArea[e.roadID], e.village, &seenRoad[e.roadID])
		}
		if e.compoundID >= 0 {
			ix.compoundArea[e.compoundID] = widen(ix.compoundArea[e.compoundID], e.village, &seenCompound[e.compoundID])
		}
	}
	ix.points = newPointGrid(ix.entries)
	ix.stats = Stats{Version: snap.Version, Addresses: len(entries), Roads: len(ix.roads.names),
		Compounds: len(ix.compounds.names), BuildTime: time.Since(start)}
	ix.stats.Bytes = ix.size(intern)
	return ix, nil
}

// Version is the dataset version the index answers for.
func (ix *Index) Version() int64 { return ix.version }

// Snapshot is the snapshot the index was built with.
func (ix *Index) Snapshot() *geo.Snapshot { return ix.snap }

// Stats describes the index.
func (ix *Index) Stats() Stats { return ix.stats }

// Normalize writes s in the index's normal form.
func (ix *Index) Normalize(s string) string { return ix.norm.Normalize(s) }

// size estimates the memory of the index (entries, maps, interned text).
func (ix *Index) size(intern map[string]string) int {
	b := len(ix.entries) * int(unsafe.Sizeof(entry{}))
	for i := range ix.entries {
		b += len(ix.entries[i].Code) + len(ix.entries[i].Text)
	}
	for s := range intern {
		b += len(s) + 16
	}
	for _, m := range []map[string][]int32{ix.byRoad, ix.byCompound, ix.byVillage} {
		for k, v := range m {
			b += len(k) + 16 + 24 + 4*cap(v) + 16 // key, header, slice, bucket share
		}
	}
	for _, d := range []*nameDict{ix.roads, ix.compounds, ix.villages} {
		for i := range d.names {
			b += 2*len(d.names[i]) + 4*len(d.runes[i]) + 48
		}
		for _, p := range d.postings {
			b += 4*cap(p) + 40
		}
	}
	b += ix.points.bytes()
	return b
}

// gazetteer is the areas of the snapshot by normalised name.
type gazetteer struct {
	province, provinceShort string
	city, cityShort         string
	byName                  map[string][]geo.Code // county, town and village names
	villages                []string
	maxLen                  int // longest name in bytes
}

func newGazetteer(snap *geo.Snapshot, province string, norm *Normalizer) gazetteer {
	g := gazetteer{byName: map[string][]geo.Code{}}
	g.province = norm.Normalize(province)
	g.provinceShort = strings.TrimSuffix(g.province, "省")
	for _, a := range snap.Areas {
		name := norm.Normalize(a.Name)
		if name == "" {
			continue
		}
		switch a.Level {
		case geo.LevelCity:
			g.city = name
			g.cityShort = strings.TrimSuffix(name, "市")
			continue
		case geo.LevelVillage:
			g.villages = append(g.villages, name)
		}
		g.byName[name] = append(g.byName[name], a.Code)
		g.maxLen = max(g.maxLen, len(name))
	}
	slices.Sort(g.villages)
	g.villages = slices.Compact(g.villages)
	return g
}

// widen is the deepest area holding both c and v; seen says whether c
// holds anything yet.
func widen(c, v geo.Code, seen *bool) geo.Code {
	if !*seen {
		*seen = true
		return v
	}
	if c == "" {
		return ""
	}
	return commonArea([]geo.Code{c, v})
}
