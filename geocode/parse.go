package geocode

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"gridmap/geo"
)

// Parsed is a query text read into the parts of a standard address, as far
// as they could be told. Names are normalised; numbers are digits.
type Parsed struct {
	Normal string // the normalised text
	// Areas are the counties, towns and villages the text names, each
	// with the codes of every area of that name.
	Areas []NamedArea
	// Head is the text before the villager group or door number, after the
	// areas: a road, or a village (misspelt areas may precede it).
	Head string
	// Compound is the text between the door number and the building, or
	// before the building when there is no door number.
	Compound                                string
	Group, Number, Building, Entrance, Room string
}

// NamedArea is an area name found in a query.
type NamedArea struct {
	Name  string
	Codes []geo.Code
}

var (
	reRoomEnd     = regexp.MustCompile(`([0-9]{1,5}[A-Z]?)室$`)
	reEntranceEnd = regexp.MustCompile(`([0-9]{1,2})单元$`)
	reBuildingEnd = regexp.MustCompile(`([0-9A-Z]{1,4})幢$`)
	reDoor        = regexp.MustCompile(`([0-9]{1,5}(?:-[0-9]{1,4})?[A-Z]?)号`)
	reGroup       = regexp.MustCompile(`([0-9]{1,3})组`)
	reTailNumber  = regexp.MustCompile(`([0-9]{1,5})(?:-([0-9]{1,4}))?([A-Z]?)$`)
)

// roadEnds are the last runes of road names.
var roadEnds = []string{"路", "街", "巷", "道", "弄", "里", "线"}

func endsLikeRoad(s string) bool {
	for _, g := range roadEnds {
		if strings.HasSuffix(s, g) {
			return true
		}
	}
	return false
}

// Parse normalises a query and reads it into parts against the index's
// gazetteer.
func (ix *Index) Parse(text string) Parsed {
	s := ix.norm.Normalize(text)
	p := Parsed{Normal: s}
	g := &ix.gaz
	// The province and the city, each once (江苏省盐城市, 江苏盐城, 盐城市 …),
	// unless the text goes on with a longer area name (盐城经济技术开发区
	// is a county, not 盐城 and a 经济技术开发区).
	for _, pair := range [][2]string{{g.province, g.provinceShort}, {g.city, g.cityShort}} {
		for _, pre := range pair {
			if pre != "" && strings.HasPrefix(s, pre) && len(g.longestAt(s)) <= len(pre) {
				s = s[len(pre):]
				break
			}
		}
	}
	// From the right: room, entrance, building.
	for _, part := range []struct {
		re *regexp.Regexp
		to *string
	}{{reRoomEnd, &p.Room}, {reEntranceEnd, &p.Entrance}, {reBuildingEnd, &p.Building}} {
		if !strings.HasSuffix(s, "室") && part.to == &p.Room || !strings.HasSuffix(s, "单元") && part.to == &p.Entrance ||
			!strings.HasSuffix(s, "幢") && part.to == &p.Building {
			continue
		}
		if m := part.re.FindStringSubmatchIndex(s); m != nil {
			*part.to = s[m[2]:m[3]]
			s = s[:m[0]]
		}
	}
	// The first villager group and door number.
	cut := len(s)
	if m := reDoor.FindStringSubmatchIndex(s); m != nil {
		p.Number = s[m[2]:m[3]]
		p.Compound = s[m[1]:]
		cut = m[0]
		if g := reGroup.FindStringSubmatchIndex(s[:m[0]]); g != nil && g[1] == m[0] {
			p.Group = s[g[2]:g[3]]
			cut = g[0]
		}
	} else if g := reGroup.FindStringSubmatchIndex(s); g != nil {
		p.Group = s[g[2]:g[3]]
		cut = g[0]
		p.Compound = s[g[1]:]
		if m := reTailNumber.FindStringSubmatchIndex(p.Compound); m != nil && m[0] == 0 {
			p.Number = p.Compound // 3组15: the door number without 号
			p.Compound = ""
		}
	} else if m := reTailNumber.FindStringSubmatchIndex(s); m != nil && p.Building == "" {
		// A number ending the text without its marker: a door number after
		// a road (解放南路12), else building and room (花园3-501).
		before := s[:m[0]]
		switch {
		case endsLikeRoad(before) || endsLikeVillage(before):
			p.Number = s[m[2]:m[1]]
			cut = m[0]
		case m[4] >= 0 && m[6] == m[7]:
			p.Building, p.Room = s[m[2]:m[3]], s[m[4]:m[5]]
			s = before
			cut = len(s)
		}
	}
	head := s[:cut]
	if p.Number == "" && p.Group == "" {
		head, p.Compound = s, ""
	}
	// Area names anywhere in the head, left to right; the rest after the
	// last one is the road (or village, or compound without a door).
	rest := head
	for i := 0; i < len(head); {
		name := g.longestAt(head[i:])
		if name == "" {
			_, w := firstRune(head[i:])
			i += w
			continue
		}
		p.Areas = append(p.Areas, NamedArea{Name: name, Codes: g.byName[name]})
		i += len(name)
		rest = head[i:]
	}
	if len(p.Areas) == 0 {
		rest = head
	}
	p.Head = rest
	if p.Number == "" && p.Group == "" {
		p.Compound, p.Head = rest, ""
	}
	return p
}

func endsLikeVillage(s string) bool {
	return strings.HasSuffix(s, "村") || strings.HasSuffix(s, "组") || strings.HasSuffix(s, "社区")
}

// longestAt is the longest area name s starts with.
func (g *gazetteer) longestAt(s string) string {
	n := min(len(s), g.maxLen)
	for l := n; l >= 6; l-- {
		if _, ok := g.byName[s[:l]]; ok {
			return s[:l]
		}
	}
	return ""
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
