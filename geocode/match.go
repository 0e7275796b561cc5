package geocode

import (
	"cmp"
	"slices"

	"gridmap/geo"
)

// Status says how a query matched.
type Status string

// The answers of Geocode.
const (
	// Matched: one standard address, with its grid.
	Matched Status = "matched"
	// AreaOnly: only an area could be told (a road that does not exist in
	// a real village, a door number that is not on the road): no grid.
	AreaOnly Status = "area"
	// Ambiguous: several addresses fit equally: candidates, no grid.
	Ambiguous Status = "ambiguous"
	// Unmatched: nothing could be told.
	Unmatched Status = "unmatched"
)

// Answer is the answer to one query.
type Answer struct {
	Status Status
	// Score is how well the matched address (or the best candidate) fits
	// the text, 0-1: 1 is every part read exactly.
	Score float64
	// Address is the matched address (Matched only).
	Address *Candidate
	// Area is the deepest area that could be told (Matched and AreaOnly).
	Area geo.Code
	// Candidates are the addresses that fit equally (Ambiguous only; at
	// most MaxCandidates).
	Candidates []Candidate
}

// MaxCandidates is how many candidates an ambiguous answer lists.
const MaxCandidates = 5

// Candidate is a standard address an answer names.
type Candidate struct {
	ID       int64
	Code     string
	Standard string
	Grid     geo.Code
	Lon, Lat float64
	Score    float64
}

// scored is a candidate address while matching.
type scored struct {
	i     int32
	edits int // typos in the names
	extra int // parts the address has and the text left out
	other int // how far the compound named differs from the address's (a tie-break)
}

// Geocode answers one query.
func (ix *Index) Geocode(text string) Answer {
	p := ix.Parse(text)
	return ix.answer(&p)
}

func (ix *Index) answer(p *Parsed) Answer {
	named := ix.namedAreas(p)
	var cands []scored
	add := func(ids []int32, edits int) {
		for _, i := range ids {
			e := ix.entry(i)
			if !ix.alive(i) || !ix.fits(e, p, named) {
				continue
			}
			s := scored{i: i, edits: edits, extra: extraParts(e, p)}
			if p.Compound != "" && e.compound != "" && p.Compound != e.compound {
				s.other = editDistance([]rune(p.Compound), []rune(e.compound), 8)
			}
			if j := slices.IndexFunc(cands, func(c scored) bool { return c.i == i }); j >= 0 {
				if s.edits < cands[j].edits {
					cands[j] = s
				}
				continue
			}
			cands = append(cands, s)
		}
	}
	scratch := make(map[int32]int, 64)
	var areaHint []geo.Code // areas of the roads and compounds told, for the area answer
	if p.Number != "" {
		head := []rune(p.Head)
		roads := ix.roads.suffixMatches(head, scratch)
		for _, m := range roads {
			ix.lookup(keyRoad, ix.roads.names[m.id]+"\x00"+p.Number, func(ids []int32) { add(ids, m.edits) })
			areaHint = append(areaHint, ix.roadArea[m.id])
		}
		if len(roads) == 0 || p.Group != "" || p.Head == "" {
			// A village's door number: the village named, or the head
			// read as a (misspelt) village.
			for _, a := range named {
				if a.level == geo.LevelVillage {
					ix.lookup(keyVillage, a.name+"\x00"+p.Number, func(ids []int32) { add(ids, 0) })
				}
			}
			if len(cands) == 0 && len(head) >= 3 {
				for _, m := range ix.villages.suffixMatches(head, scratch) {
					ix.lookup(keyVillage, ix.villages.names[m.id]+"\x00"+p.Number, func(ids []int32) { add(ids, m.edits) })
				}
			}
		}
	}
	// A compound's building, when the text gives no road and door: a road
	// that does not exist is not outvoted by the compound after it.
	if p.Building != "" && p.Compound != "" && (p.Number == "" || p.Head == "" && len(cands) == 0) {
		for _, m := range ix.compounds.suffixMatches([]rune(p.Compound), scratch) {
			ix.lookup(keyCompound, ix.compounds.names[m.id]+"\x00"+p.Building, func(ids []int32) { add(ids, m.edits) })
			areaHint = append(areaHint, ix.compoundArea[m.id])
		}
	}
	if len(cands) == 0 {
		return ix.areaAnswer(named, areaHint)
	}
	// The best: fewest typos, then fewest parts left out; ties in id order.
	slices.SortFunc(cands, func(a, b scored) int {
		if a.edits != b.edits {
			return a.edits - b.edits
		}
		if a.extra != b.extra {
			return a.extra - b.extra
		}
		if a.other != b.other {
			return a.other - b.other
		}
		return cmp.Compare(ix.entry(a.i).ID, ix.entry(b.i).ID)
	})
	best := cands[0]
	tied := 1
	for tied < len(cands) && cands[tied].edits == best.edits && cands[tied].extra == best.extra && cands[tied].other == best.other {
		tied++
	}
	if tied == 1 {
		c := ix.candidate(best)
		return Answer{Status: Matched, Score: c.Score, Address: &c, Area: ix.entry(best.i).village()}
	}
	ans := Answer{Status: Ambiguous, Score: score(best)}
	for _, c := range cands[:min(tied, MaxCandidates)] {
		ans.Candidates = append(ans.Candidates, ix.candidate(c))
	}
	return ans
}

func score(s scored) float64 {
	v := 1 - 0.1*float64(s.edits) - 0.05*float64(s.extra)
	return max(v, 0.05)
}

func (ix *Index) candidate(s scored) Candidate {
	e := ix.entry(s.i)
	return Candidate{ID: e.ID, Code: e.Code(), Standard: e.Text(), Grid: e.Grid, Lon: e.Point[0], Lat: e.Point[1], Score: score(s)}
}

// fits says whether an address agrees with every number the text gives
// (a door number or room is never "close enough") and lies in every area
// it names.
func (ix *Index) fits(e *entry, p *Parsed, named []namedArea) bool {
	if p.Number != "" && e.number != p.Number || p.Building != "" && e.building != p.Building ||
		p.Entrance != "" && e.entrance != p.Entrance || p.Room != "" && e.room != p.Room ||
		p.Group != "" && e.group != "" && e.group != p.Group {
		return false
	}
	for _, a := range named {
		if !a.contains(e) {
			return false
		}
	}
	return true
}

// extraParts counts the parts below the door the address has and the text
// does not give.
func extraParts(e *entry, p *Parsed) int {
	n := 0
	for _, x := range [][2]string{{e.building, p.Building}, {e.entrance, p.Entrance}, {e.room, p.Room}, {e.number, p.Number}} {
		if x[0] != "" && x[1] == "" {
			n++
		}
	}
	return n
}

// namedArea is an area name of the query with the codes it may mean,
// narrowed by the other names (two towns may each have a 新街村).
type namedArea struct {
	name  string
	level geo.Level
	codes []geo.Code
}

func (a namedArea) contains(e *entry) bool {
	if a.name == e.county || a.name == e.town || a.name == e.villageName {
		return true
	}
	v := e.village()
	if v == "" {
		return false
	}
	for _, c := range a.codes {
		if within(v, c) {
			return true
		}
	}
	return false
}

func (ix *Index) namedAreas(p *Parsed) []namedArea {
	out := make([]namedArea, 0, len(p.Areas))
	for _, a := range p.Areas {
		na := namedArea{name: a.Name, codes: a.Codes, level: a.Codes[0].Level()}
		out = append(out, na)
	}
	// Narrow each name's codes to those under (or above) the others'.
	for i := range out {
		if len(out[i].codes) < 2 {
			continue
		}
		var keep []geo.Code
		for _, c := range out[i].codes {
			ok := true
			for j := range out {
				if j == i {
					continue
				}
				if !related(c, out[j].codes) {
					ok = false
					break
				}
			}
			if ok {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			out[i].codes = keep
		}
	}
	return out
}

func related(c geo.Code, others []geo.Code) bool {
	for _, o := range others {
		if within(c, o) || within(o, c) {
			return true
		}
	}
	return false
}

// areaAnswer is the deepest area the named areas and the roads or
// compounds told agree on, or unmatched.
func (ix *Index) areaAnswer(named []namedArea, hint []geo.Code) Answer {
	var deepest geo.Code
	for _, a := range named {
		if len(a.codes) == 1 && (deepest == "" || a.codes[0].Level() > deepest.Level()) {
			deepest = a.codes[0]
		}
	}
	// The common village/town/county of the hinted addresses, when deeper
	// and under the named areas.
	if common := commonArea(hint); common != "" && (deepest == "" || common.Level() > deepest.Level() && within(common, deepest)) {
		deepest = common
	}
	if deepest == "" {
		return Answer{Status: Unmatched}
	}
	return Answer{Status: AreaOnly, Area: deepest}
}

// commonArea is the deepest area holding all of vs ("" when they are in
// different counties or one is unknown).
func commonArea(vs []geo.Code) geo.Code {
	var c geo.Code
	for k, v := range vs {
		if v == "" {
			return ""
		}
		if k == 0 {
			c = v
			continue
		}
		for !within(v, c) {
			if c.Level() <= geo.LevelCounty {
				return ""
			}
			c = c.Parent()
		}
	}
	return c
}

// Hierarchy is the areas from the city down to the code's village (or
// the area itself), with names, from the index's snapshot.
func (ix *Index) Hierarchy(c geo.Code) []geo.Area {
	if c == "" {
		return nil
	}
	var out []geo.Area
	top := c.Level()
	if c.IsGrid() {
		top = geo.LevelVillage
	}
	for l := geo.LevelCity; l <= top; l++ {
		code := c.Ancestor(l)
		if l == c.Level() {
			code = c
		}
		if a := ix.snap.Area(code); a != nil {
			out = append(out, geo.Area{Code: a.Code, Level: a.Level, Name: a.Name, Parent: a.Parent})
		}
	}
	return out
}

// within says whether area (or grid) c is a or lies in it.
func within(c, a geo.Code) bool { return c == a || c.Ancestor(a.Level()) == a }
