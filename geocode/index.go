package geocode

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
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
// gazetteer of the areas. It is never modified after it is made, so any
// number of goroutines may share it.
//
// An index is a base (NewIndex: every address, sorted by id) and, after
// changes (Apply), a small overlay: the base entries removed or replaced,
// the entries added, and name dictionaries, counts and normaliser made
// afresh for the live addresses, so that it answers exactly as a base
// built from the same addresses would. The base is shared, never copied.
type Index struct {
	version int64
	snap    *geo.Snapshot
	norm    *Normalizer
	// the base: entries sorted by ID; by key: road\x00number,
	// compound\x00building, village\x00number
	entries                       []entry
	byRoad, byCompound, byVillage map[string][]int32
	byGrid                        map[geo.Code][]int32
	points                        pointGrid
	// d is the overlay of changes since the base (nil: none).
	d *overlay
	// made for the live addresses (base and overlay)
	live                       *liveCounts
	roads, compounds, villages *nameDict
	roadArea, compoundArea     []geo.Code // the deepest area holding each road's (compound's) addresses
	gaz                        gazetteer
	province                   string
	stats                      Stats
	stages                     string // how long each stage of Apply took (logged)
	// seen is where the read of the addresses the index holds stood.
	seen cursor
}

// overlay is what changed since the base: entries of the base no longer
// live (dead) and entries added, numbered after the base's.
type overlay struct {
	dead                          []uint64 // bit i: base entry i is removed or replaced
	ndead                         int
	entries                       []entry
	byRoad, byCompound, byVillage map[string][]int32
	points                        pointGrid
}

// entry is an Entry with normalised parts (the parts as written are not
// kept: answers give the full text). The parts above the room and the
// text before it are one shared place (the rooms of an entrance have
// one), the room's text is shared too and the code is a number: ≈90
// bytes an address in a building.
type entry struct {
	ID    int64
	tail  string // the text after the place's: the room ("501室"), shared
	Point orb.Point
	Grid  geo.Code
	code  uint64 // the 19 digits of records.AddressCode
	*place
	room string
}

// place is the parts of an address above its room, normalised, and the
// text before the room as stored, shared by the entries that have them.
type place struct {
	text                                              string
	road, number, compound, building, entrance, group string
	county, town, villageName                         string // normalised names
}

// Code is the address code (19 digits).
func (e *entry) Code() string {
	b := strconv.AppendUint(make([]byte, 0, 19), e.code, 10)
	for len(b) < 19 {
		b = append([]byte{'0'}, b...)
	}
	return string(b)
}

// Text is the full text as stored.
func (e *entry) Text() string {
	if e.tail == "" {
		return e.place.text
	}
	return e.place.text + e.tail
}

// village is the village of the address's grid ("" when the grid is not
// a grid code).
func (e *entry) village() geo.Code {
	if e.Grid.IsGrid() {
		return e.Grid.Village()
	}
	return ""
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
	// Overlay is the number of entries added or replaced since the base
	// (0: the index is a base).
	Overlay int
}

// NewIndex indexes the standard addresses for the snapshot's version. The
// snapshot gives the areas (the gazetteer and the hierarchy of answers);
// an entry whose grid is not in it still answers, without a hierarchy.
// province is the name written before the city (江苏省); "" takes it from
// the city's code.
func NewIndex(snap *geo.Snapshot, province string, entries []Entry) (*Index, error) {
	start := time.Now()
	if !slices.IsSortedFunc(entries, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) }) {
		entries = slices.Clone(entries)
		slices.SortFunc(entries, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	}
	ix := &Index{version: snap.Version, snap: snap, province: province, live: newLiveCounts(),
		entries: make([]entry, len(entries)), byGrid: map[geo.Code][]int32{},
		byRoad: map[string][]int32{}, byCompound: map[string][]int32{}, byVillage: map[string][]int32{}}
	for i := range entries {
		ix.live.addRunes(entries[i].Text, 1)
	}
	if err := ix.prepare(); err != nil {
		return nil, err
	}
	in := newInterner()
	for i, e := range entries {
		en, err := ix.norm.entry(e, in)
		if err != nil {
			return nil, err
		}
		ix.live.addNames(&en, 1)
		id := int32(i)
		for _, k := range en.keys() {
			m := ix.keyMap(k.kind)
			m[k.key] = append(m[k.key], id)
		}
		ix.byGrid[en.Grid] = append(ix.byGrid[en.Grid], id)
		ix.entries[i] = en
	}
	ix.buildNames()
	ix.points = newPointGrid(ix.entries, 0)
	ix.stats = Stats{Version: snap.Version, Addresses: len(entries), Roads: len(ix.roads.names),
		Compounds: len(ix.compounds.names), BuildTime: time.Since(start)}
	ix.stats.Bytes = ix.size(in)
	return ix, nil
}

// Apply is the index for version and snap with the live addresses of the
// grids touched replaced by entries, each entry replacing the address of
// its id wherever it was, and the addresses of ids retired removed. So
// either every live address of some grids is given (touched: those grids)
// or only the addresses that changed (touched empty: each new or changed
// address in entries, each retired one in retired). The index itself is
// not changed: the result shares its base and makes a new overlay,
// answering as NewIndex of the same addresses would.
func (ix *Index) Apply(version int64, snap *geo.Snapshot, touched []geo.Code, entries []Entry, retired []int64) (*Index, error) {
	start := time.Now()
	x := &Index{version: version, snap: snap, province: ix.province, norm: ix.norm,
		entries: ix.entries, byRoad: ix.byRoad, byCompound: ix.byCompound, byVillage: ix.byVillage,
		byGrid: ix.byGrid, points: ix.points, live: ix.live.clone()}
	tClone := time.Since(start)
	d := &overlay{dead: make([]uint64, (len(ix.entries)+63)/64)}
	if ix.d != nil {
		copy(d.dead, ix.d.dead)
		d.ndead = ix.d.ndead
	}
	// What goes: base entries in touched grids or with the id of a new
	// entry, and overlay entries likewise.
	var gone []*entry
	kill := func(i int32) {
		if ix.alive(i) && d.dead[i>>6]&(1<<(i&63)) == 0 {
			d.dead[i>>6] |= 1 << (i & 63)
			d.ndead++
			gone = append(gone, &ix.entries[i])
		}
	}
	isTouched := make(map[geo.Code]bool, len(touched))
	for _, g := range touched {
		isTouched[g] = true
		for _, i := range ix.byGrid[g] {
			kill(i)
		}
	}
	newID := make(map[int64]bool, len(entries)+len(retired))
	byID := func(id int64) {
		newID[id] = true
		if j, ok := slices.BinarySearchFunc(ix.entries, id, func(e entry, id int64) int { return cmp.Compare(e.ID, id) }); ok {
			kill(int32(j))
		}
	}
	for i := range entries {
		byID(entries[i].ID)
	}
	for _, id := range retired {
		byID(id)
	}
	var kept []entry
	if ix.d != nil {
		for k := range ix.d.entries {
			e := &ix.d.entries[k]
			if isTouched[e.Grid] || newID[e.ID] {
				gone = append(gone, e)
			} else {
				kept = append(kept, *e)
			}
		}
	}
	for _, e := range gone {
		x.live.addRunes(e.Text(), -1)
	}
	for i := range entries {
		x.live.addRunes(entries[i].Text, 1)
	}
	tKill := time.Since(start)
	// The normaliser and gazetteer follow the snapshot and the set of
	// runes the addresses use: most changes leave both as they were.
	sameRunes := snap == ix.snap
	for k := 0; sameRunes && k < len(gone)+len(entries); k++ {
		text := ""
		if k < len(gone) {
			text = gone[k].Text()
		} else {
			text = entries[k-len(gone)].Text
		}
		for _, r := range text {
			if ix.live.known(r) != x.live.known(r) {
				sameRunes = false
				break
			}
		}
	}
	if sameRunes {
		x.norm, x.gaz = ix.norm, ix.gaz
	} else if err := x.prepare(); err != nil {
		return nil, err
	}
	tPrep := time.Since(start)
	for _, e := range gone {
		x.live.addNames(e, -1)
	}
	d.entries = kept
	in := newInterner()
	for _, e := range entries {
		en, err := x.norm.entry(e, in)
		if err != nil {
			return nil, err
		}
		x.live.addNames(&en, 1)
		d.entries = append(d.entries, en)
	}
	d.byRoad, d.byCompound, d.byVillage = map[string][]int32{}, map[string][]int32{}, map[string][]int32{}
	n := int32(len(ix.entries))
	for k := range d.entries {
		for _, key := range d.entries[k].keys() {
			m := d.keyMap(key.kind)
			m[key.key] = append(m[key.key], n+int32(k))
		}
	}
	d.points = newPointGrid(d.entries, n)
	x.d = d
	tOver := time.Since(start)
	// The name dictionaries follow the gazetteer and the set of names and
	// of their villages: most changes leave them as they were too.
	sameNames := sameRunes
	for k := 0; sameNames && k < len(gone)+len(d.entries); k++ {
		var e *entry
		if k < len(gone) {
			e = gone[k]
		} else if e = &d.entries[k-len(gone)]; k-len(gone) < len(kept) {
			continue // unchanged
		}
		sameNames = sameName(ix.live.roads, x.live.roads, e.road) && sameName(ix.live.compounds, x.live.compounds, e.compound) &&
			(!e.villageKeyed() || sameName(ix.live.villages, x.live.villages, e.villageName))
	}
	if sameNames {
		x.roads, x.compounds, x.villages, x.roadArea, x.compoundArea = ix.roads, ix.compounds, ix.villages, ix.roadArea, ix.compoundArea
	} else {
		x.buildNames()
	}
	x.stages = fmt.Sprintf("clone %v kill %v prep %v(%v) overlay %v names %v(%v)", tClone, tKill, tPrep, sameRunes, tOver, time.Since(start), sameNames)
	x.stats = Stats{Version: version, Addresses: len(ix.entries) - d.ndead + len(d.entries), Roads: len(x.roads.names),
		Compounds: len(x.compounds.names), Overlay: len(d.entries), BuildTime: time.Since(start)}
	x.stats.Bytes = ix.stats.Bytes - ix.overlayBytes() + x.overlayBytes()
	return x, nil
}

// prepare makes the normaliser (sharing the converter of the one it has,
// if any) and the gazetteer for the index's snapshot and live runes.
func (ix *Index) prepare() error {
	province := ix.province
	if province == "" {
		province = ProvinceOf(ix.snap)
	}
	areaRunes := map[rune]bool{}
	for _, a := range ix.snap.Areas {
		for _, r := range a.Name {
			areaRunes[r] = true
		}
	}
	live := ix.live
	known := func(r rune) bool { return areaRunes[r] || live.known(r) }
	if ix.norm != nil {
		ix.norm = ix.norm.withKnown(known)
	} else {
		norm, err := NewNormalizer(known)
		if err != nil {
			return fmt.Errorf("geocode index: %w", err)
		}
		ix.norm = norm
	}
	ix.gaz = newGazetteer(ix.snap, province, ix.norm)
	return nil
}

// interner shares equal strings and places.
type interner struct {
	strs   map[string]string
	places map[place]*place
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, places: map[place]*place{}}
}

// str is s, or an equal string met before (a copy: s may be part of a
// longer one).
func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	in.strs[s] = s
	return s
}

func (in *interner) place(p place) *place {
	if v, ok := in.places[p]; ok {
		return v
	}
	p.text = strings.Clone(p.text)
	v := &p
	in.places[p] = v
	return v
}

// entry normalises e (in shares the parts).
func (n *Normalizer) entry(e Entry, in *interner) (entry, error) {
	a := e.Address
	code, err := strconv.ParseUint(e.Code, 10, 64)
	if err != nil || len(e.Code) != 19 {
		return entry{}, fmt.Errorf("geocode index: address %d: code %q is not 19 digits", e.ID, e.Code)
	}
	norm := func(s string) string { return in.str(n.Normalize(s)) }
	// The text splits before the room, which the rooms of an entrance
	// (most of a city's addresses) differ by only.
	prefix, tail := e.Text, ""
	if a.Room != "" {
		if i := strings.LastIndex(e.Text, a.Room); i > 0 {
			prefix, tail = e.Text[:i], e.Text[i:]
		}
	}
	p := place{text: prefix, road: norm(a.Road), number: in.str(strings.ToUpper(a.Number)), compound: norm(a.Compound),
		building: in.str(strings.ToUpper(a.Building)), entrance: in.str(a.Entrance), group: in.str(a.Group),
		county: norm(a.County), town: norm(a.Town), villageName: norm(a.Village)}
	return entry{ID: e.ID, code: code, tail: in.str(tail), Point: e.Point, Grid: geo.Code(in.str(string(e.Grid))),
		place: in.place(p), room: in.str(strings.ToUpper(a.Room))}, nil
}

// The kinds of keys of an entry.
const (
	keyRoad = iota
	keyCompound
	keyVillage
)

type entryKey struct {
	kind int
	key  string
}

// keys are the map keys the entry is found by.
func (e *entry) keys() []entryKey {
	var out []entryKey
	if e.road != "" {
		out = append(out, entryKey{keyRoad, e.road + "\x00" + e.number})
	}
	if e.compound != "" {
		out = append(out, entryKey{keyCompound, e.compound + "\x00" + e.building})
	}
	if e.villageKeyed() {
		out = append(out, entryKey{keyVillage, e.villageName + "\x00" + e.number})
	}
	return out
}

// villageKeyed says whether the entry is a village's door number.
func (e *entry) villageKeyed() bool { return e.road == "" && e.villageName != "" && e.number != "" }

func (ix *Index) keyMap(kind int) map[string][]int32 {
	return [...]map[string][]int32{ix.byRoad, ix.byCompound, ix.byVillage}[kind]
}

func (d *overlay) keyMap(kind int) map[string][]int32 {
	return [...]map[string][]int32{d.byRoad, d.byCompound, d.byVillage}[kind]
}

// entry is entry i of the base or, past it, of the overlay.
func (ix *Index) entry(i int32) *entry {
	if int(i) < len(ix.entries) {
		return &ix.entries[i]
	}
	return &ix.d.entries[int(i)-len(ix.entries)]
}

// alive says whether entry i is live in this index.
func (ix *Index) alive(i int32) bool {
	return ix.d == nil || int(i) >= len(ix.entries) || ix.d.dead[i>>6]&(1<<(i&63)) == 0
}

// lookup calls f with the live entries under key.
func (ix *Index) lookup(kind int, key string, f func(ids []int32)) {
	f(ix.keyMap(kind)[key])
	if ix.d != nil {
		f(ix.d.keyMap(kind)[key])
	}
}

// sameName says whether name ("" always is) is counted in both or
// neither, in the same villages.
func sameName(a, b map[string]*nameStat, name string) bool {
	if name == "" {
		return true
	}
	x, y := a[name], b[name]
	if x == nil || y == nil {
		return x == y
	}
	if len(x.villages) != len(y.villages) {
		return false
	}
	for v := range x.villages {
		if _, ok := y.villages[v]; !ok {
			return false
		}
	}
	return true
}

// buildNames makes the name dictionaries and the areas of roads and
// compounds from the live names.
func (ix *Index) buildNames() {
	ix.roads, ix.compounds, ix.villages = newNameDict(), newNameDict(), newNameDict()
	for _, v := range ix.gaz.villages {
		ix.villages.add(v)
	}
	for _, name := range slices.Sorted(maps.Keys(ix.live.villages)) {
		ix.villages.add(name)
	}
	area := func(d *nameDict, stats map[string]*nameStat) []geo.Code {
		names := slices.Sorted(maps.Keys(stats))
		out := make([]geo.Code, len(names))
		for i, name := range names {
			d.add(name)
			out[i] = commonArea(slices.Collect(maps.Keys(stats[name].villages)))
		}
		return out
	}
	ix.roadArea = area(ix.roads, ix.live.roads)
	ix.compoundArea = area(ix.compounds, ix.live.compounds)
}

// Version is the dataset version the index answers for.
func (ix *Index) Version() int64 { return ix.version }

// Snapshot is the snapshot the index was built with.
func (ix *Index) Snapshot() *geo.Snapshot { return ix.snap }

// Stats describes the index.
func (ix *Index) Stats() Stats { return ix.stats }

// Normalize writes s in the index's normal form.
func (ix *Index) Normalize(s string) string { return ix.norm.Normalize(s) }

// GridCounts is the number of live addresses the index holds in each
// grid.
func (ix *Index) GridCounts() map[geo.Code]int32 { return ix.live.grids }

// size estimates the memory of the base (entries, maps, interned text).
func (ix *Index) size(in *interner) int {
	b := len(ix.entries) * int(unsafe.Sizeof(entry{}))
	for s := range in.strs {
		b += len(s) + 16
	}
	for p := range in.places {
		b += int(unsafe.Sizeof(place{})) + 8 + len(p.text)
	}
	for _, m := range []map[string][]int32{ix.byRoad, ix.byCompound, ix.byVillage} {
		for k, v := range m {
			b += len(k) + 16 + 24 + 4*cap(v) + 16 // key, header, slice, bucket share
		}
	}
	for _, v := range ix.byGrid {
		b += 16 + 24 + 4*cap(v) + 16
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

// overlayBytes estimates the memory of the overlay.
func (ix *Index) overlayBytes() int {
	if ix.d == nil {
		return 0
	}
	b := 8*len(ix.d.dead) + len(ix.d.entries)*int(unsafe.Sizeof(entry{})+64)
	for i := range ix.d.entries {
		b += len(ix.d.entries[i].place.text)
	}
	return b + ix.d.points.bytes()
}

// nameStat counts the live addresses of a road, compound or village name
// and, for roads and compounds, the villages they lie in ("" for an
// address outside any grid).
type nameStat struct {
	n        int32
	villages map[geo.Code]int32
}

// liveCounts counts the live addresses' runes, names and grids: what the
// normaliser, the name dictionaries and the areas of roads and compounds
// are made from. An overlay copies it and changes the copy.
type liveCounts struct {
	runes                      []int32        // addresses' texts holding each rune below len(runes) (times it occurs)
	bigRunes                   map[rune]int32 // the same, for runes past them
	roads, compounds, villages map[string]*nameStat
	grids                      map[geo.Code]int32
}

const denseRunes = 0x30000 // the CJK blocks

func newLiveCounts() *liveCounts {
	return &liveCounts{runes: make([]int32, denseRunes), bigRunes: map[rune]int32{},
		roads: map[string]*nameStat{}, compounds: map[string]*nameStat{}, villages: map[string]*nameStat{}, grids: map[geo.Code]int32{}}
}

func (c *liveCounts) clone() *liveCounts {
	return &liveCounts{runes: slices.Clone(c.runes), bigRunes: maps.Clone(c.bigRunes),
		roads: maps.Clone(c.roads), compounds: maps.Clone(c.compounds), villages: maps.Clone(c.villages), grids: maps.Clone(c.grids)}
}

func (c *liveCounts) known(r rune) bool {
	if r >= 0 && r < denseRunes {
		return c.runes[r] > 0
	}
	return c.bigRunes[r] > 0
}

func (c *liveCounts) addRunes(text string, d int32) {
	for _, r := range text {
		if r >= 0 && r < denseRunes {
			c.runes[r] += d
		} else if c.bigRunes[r] += d; c.bigRunes[r] == 0 {
			delete(c.bigRunes, r)
		}
	}
}

// addNames counts the entry's names and grid d times (1 or -1). The
// stats are copied before they change: an older index may share them.
func (c *liveCounts) addNames(e *entry, d int32) {
	count := func(m map[string]*nameStat, name string, withVillage bool) {
		s := m[name]
		if s == nil {
			s = &nameStat{}
			if withVillage {
				s.villages = map[geo.Code]int32{}
			}
		} else {
			s = &nameStat{n: s.n, villages: maps.Clone(s.villages)}
		}
		s.n += d
		if withVillage {
			v := e.village()
			if s.villages[v] += d; s.villages[v] == 0 {
				delete(s.villages, v)
			}
		}
		if s.n == 0 {
			delete(m, name)
			return
		}
		m[name] = s
	}
	if e.road != "" {
		count(c.roads, e.road, true)
	}
	if e.compound != "" {
		count(c.compounds, e.compound, true)
	}
	if e.villageKeyed() {
		count(c.villages, e.villageName, false)
	}
	if c.grids[e.Grid] += d; c.grids[e.Grid] == 0 {
		delete(c.grids, e.Grid)
	}
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
