package records

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Place names the administrative areas a point lies in (from the lookup
// of an address's point).
type Place struct {
	City, County, Town, Village string
}

// Gazetteer knows the names of the areas of a city, by level, so that
// ParseAddress can tell which part of a text names an area, and which
// area it names.
type Gazetteer struct {
	province string
	levels   [4][]string // city, county, town, village; longest first
}

// NewGazetteer makes a gazetteer of the province's name (江苏省, may be
// empty), the city's, and the names of its counties, towns and villages
// (repeats are fine: two towns may each have a 新街村).
func NewGazetteer(province, city string, counties, towns, villages []string) *Gazetteer {
	g := &Gazetteer{province: province}
	for i, names := range [][]string{{city}, counties, towns, villages} {
		var l []string
		for _, n := range names {
			if n = normalizeAddress(n); n != "" {
				l = append(l, n)
			}
		}
		slices.SortFunc(l, func(a, b string) int { return len(b) - len(a) })
		g.levels[i] = slices.Compact(l)
	}
	return g
}

var levelWords = [4]string{"city", "county", "town", "village"}

// normalizeAddress narrows full-width characters, drops white space and
// writes dashes as '-'.
func normalizeAddress(s string) string {
	if isNormal(s) {
		return s // most cells: their own form, without the copies below
	}
	return foldAddress(s)
}

// foldAddress is normalizeAddress without its shortcut.
func foldAddress(s string) string {
	s = width.Fold.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case isSpace(r) || r == '\u00a0':
			return -1
		case r == '—' || r == '–' || r == '‐' || r == '－':
			return '-'
		}
		return r
	}, s)
}

// isNormal says whether normalizeAddress leaves s as it is: only
// printable ASCII other than the space, and CJK unified ideographs, which
// width folding keeps and no rule drops or rewrites.
func isNormal(s string) bool {
	for _, r := range s {
		if !(r > ' ' && r < utf8.RuneSelf && r != 0x7f) && !(r >= 0x4e00 && r <= 0x9fff) {
			return false
		}
	}
	return true
}

var (
	reGroupPart    = regexp.MustCompile(`^第?([0-9]{1,3}|[一二三四五六七八九十]{1,3})(?:村民小组|村民组|组)`)
	reRoomPart     = regexp.MustCompile(`([0-9]{1,5}[A-Za-z]?)室$`)
	reEntrancePart = regexp.MustCompile(`([0-9]{1,2}|[一二三四五六七八九十]{1,3})单元$`)
	reBuildingPart = regexp.MustCompile(`([0-9A-Za-z]{1,4}|[一二三四五六七八九十]{1,3})(?:幢|栋|座|号楼)$`)
	reDoorPart     = regexp.MustCompile(`([0-9]{1,5}(?:(?:-|之)[0-9]{1,4})?[A-Za-z]?)号`)
)

// ParseAddress reads an address as people write it into its parts. at is
// where its point lies: a county, town or village the text names must be
// that one (else an ErrAddressPlace error naming both), and the areas the
// text leaves out are taken from at. The part below the village is read
// by its markers: an optional villager group (3组, 第三村民小组), the
// road and door number (解放南路12号, 12之1号), the compound, building
// (3幢, 三栋, 3号楼), entrance (2单元) and room (501室); numbers come
// back in Arabic digits. The result is validated.
func (g *Gazetteer) ParseAddress(text string, at Place) (Address, error) {
	s := normalizeAddress(text)
	if s == "" {
		return Address{}, addrErr(ErrAddressIncomplete, "is empty")
	}
	if !utf8.ValidString(s) {
		return Address{}, addrErr(ErrAddressUnreadable, "is not valid text")
	}
	if g.province != "" {
		s = strings.TrimPrefix(s, g.province)
	}
	a := Address{}
	want := [4]string{at.City, at.County, at.Town, at.Village}
	got := [4]*string{&a.City, &a.County, &a.Town, &a.Village}
	namedVillage := false
	for lvl := range 4 {
		*got[lvl] = want[lvl]
		name := g.prefix(lvl, s)
		if name == "" {
			continue
		}
		if name != normalizeAddress(want[lvl]) {
			where := want[lvl]
			if where == "" {
				where = "no " + levelWords[lvl]
			}
			return Address{}, addrErr(ErrAddressPlace, "names %s %s, but its point lies in %s", levelWords[lvl], name, where)
		}
		s = s[len(name):]
		namedVillage = namedVillage || lvl == 3
	}
	if namedVillage {
		if m := reGroupPart.FindStringSubmatch(s); m != nil {
			a.Group = arabic(m[1])
			s = s[len(m[0]):]
		}
	}
	// From the right: room, entrance, building.
	for _, p := range []struct {
		re *regexp.Regexp
		to *string
	}{{reRoomPart, &a.Room}, {reEntrancePart, &a.Entrance}, {reBuildingPart, &a.Building}} {
		if m := p.re.FindStringSubmatchIndex(s); m != nil {
			*p.to = strings.ToUpper(arabic(s[m[2]:m[3]]))
			s = s[:m[0]]
		}
	}
	// The first door number; the road before it, the compound after.
	if m := reDoorPart.FindStringSubmatchIndex(s); m != nil {
		a.Road = s[:m[0]]
		a.Number = strings.ToUpper(strings.ReplaceAll(s[m[2]:m[3]], "之", "-"))
		a.Compound = s[m[1]:]
	} else {
		a.Compound = s
	}
	if a.Road != "" && !hasRoadGeneric(a.Road) {
		return Address{}, addrErr(ErrAddressUnreadable, "has %s before door number %s, which is not a road (路, 街, 巷, 道, 弄, 里 or 线)%s",
			a.Road, a.Number, g.hint(a.Road))
	}
	for _, part := range []string{a.Road, a.Compound} {
		if h := g.hint(part); h != "" {
			return Address{}, addrErr(ErrAddressUnreadable, "has %s where a road or compound should be%s", part, h)
		}
	}
	if a.Group != "" && !namedVillage {
		return Address{}, addrErr(ErrAddressIncomplete, "has a villager group but names no village")
	}
	if err := a.Validate(); err != nil {
		return Address{}, err
	}
	return a, nil
}

// prefix is the longest name of the level that s starts with.
func (g *Gazetteer) prefix(lvl int, s string) string {
	for _, n := range g.levels[lvl] {
		if strings.HasPrefix(s, n) {
			return n
		}
	}
	return ""
}

// hint explains a part that holds the name of a city, county or town: the
// areas were out of order, or one above it was misspelt. (Village names
// are left out: roads are often named after villages.)
func (g *Gazetteer) hint(part string) string {
	for lvl := range 3 {
		for _, n := range g.levels[lvl] {
			if utf8.RuneCountInString(n) >= 3 && strings.Contains(part, n) {
				return "; it names " + levelWords[lvl] + " " + n + ": write the areas from the largest down, each spelt as in the division (盐城市亭湖区五星街道…), before the road"
			}
		}
	}
	return ""
}

// arabic writes a small Chinese numeral (一 to 九十九) in digits and
// leaves anything else as it is.
func arabic(s string) string {
	const digits = "一二三四五六七八九"
	val := func(r rune) int { return strings.IndexRune(digits, r)/len("一") + 1 }
	r := []rune(s)
	for _, c := range r {
		if c != '十' && !strings.ContainsRune(digits, c) {
			return s
		}
	}
	n := 0
	switch {
	case len(r) == 1 && r[0] == '十':
		n = 10
	case len(r) == 1:
		n = val(r[0])
	case len(r) == 2 && r[0] == '十' && r[1] != '十':
		n = 10 + val(r[1])
	case len(r) == 2 && r[1] == '十' && r[0] != '十':
		n = val(r[0]) * 10
	case len(r) == 3 && r[1] == '十' && r[0] != '十' && r[2] != '十':
		n = val(r[0])*10 + val(r[2])
	default:
		return s
	}
	return strconv.Itoa(n)
}
