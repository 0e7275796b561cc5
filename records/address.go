package records

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Address is a standard address (标准地址) in its parts. The full text
// (Text) writes them in the order of the standard-address specification,
// from the largest area down to the room:
//
//	city, county, town or street (街道), [village or community, villager group,]
//	road or street (街路巷), door number (门牌号), compound (小区),
//	building (幢), entrance (单元), room (室)
//
// as in 盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室 (urban) or
// 盐城市亭湖区黄尖镇新街村3组15号 (rural). The village or community is
// written when the address does not hang on a road, or has a villager
// group; an urban address on a road is written without its community, as
// people write it, but keeps it as a part.
//
// Numbers are kept without their marker (Number "12", not "12号") and in
// Arabic digits; names keep their generic part (Road "解放南路").
type Address struct {
	City     string // 盐城市; optional in the text
	County   string // 亭湖区
	Town     string // 五星街道, 黄尖镇
	Village  string // 新园社区, 新街村
	Group    string // villager group (村民小组) number: "3" for 3组
	Road     string // road, street or lane with its generic name: 解放南路
	Number   string // door number: 12, 12-1, 12A
	Compound string // residential compound (小区): 聚龙湖花园
	Building string // building (幢, 栋): 3, A
	Entrance string // entrance (单元): 2
	Room     string // room (室): 501
}

// The markers written after each numbered part.
const (
	markGroup    = "组"
	markNumber   = "号"
	markBuilding = "幢"
	markEntrance = "单元"
	markRoom     = "室"
)

// The problems of an address; test with errors.Is.
var (
	ErrAddressIncomplete = errors.New("incomplete address")
	ErrAddressPart       = errors.New("malformed part")
	ErrAddressPlace      = errors.New("names another area")
	ErrAddressUnreadable = errors.New("unreadable address")
)

// AddressError says what is wrong with an address and what to write.
type AddressError struct {
	Problem error
	Detail  string
}

func (e *AddressError) Error() string { return "address " + e.Detail }

// Unwrap returns the problem, for errors.Is.
func (e *AddressError) Unwrap() error { return e.Problem }

func addrErr(problem error, format string, args ...any) error {
	return &AddressError{Problem: problem, Detail: fmt.Sprintf(format, args...)}
}

// roadGenerics are the endings of a road's name (街路巷 and the like).
var roadGenerics = []string{"大道", "路", "街", "巷", "道", "弄", "里", "线"}

var (
	reNumber   = regexp.MustCompile(`^[0-9]{1,5}(-[0-9]{1,4})?[A-Z]?$`)
	reBuilding = regexp.MustCompile(`^[0-9A-Z]{1,4}$`)
	reEntrance = regexp.MustCompile(`^[0-9]{1,2}$`)
	reRoom     = regexp.MustCompile(`^[0-9]{1,5}[A-Z]?$`)
	reGroup    = regexp.MustCompile(`^[0-9]{1,3}$`)
	// a door number inside a name would be read as the door number
	reDoorInName = regexp.MustCompile(`[0-9]号`)
)

// Validate says whether the parts make a standard address: a county and a
// town; a door to reach (a door number on a road or in a village, or a
// building in a compound); each number in its form; and no name that the
// written text could not be read back from.
func (a Address) Validate() error {
	part := func(name, v string) error {
		if v != strings.TrimSpace(v) || strings.ContainsFunc(v, isSpace) {
			return addrErr(ErrAddressPart, "%s %q holds white space", name, v)
		}
		if !utf8.ValidString(v) {
			return addrErr(ErrAddressPart, "%s is not valid text", name)
		}
		return nil
	}
	for _, p := range []struct{ name, v string }{{"city", a.City}, {"county", a.County}, {"town", a.Town}, {"village", a.Village},
		{"group", a.Group}, {"road", a.Road}, {"door number", a.Number}, {"compound", a.Compound},
		{"building", a.Building}, {"entrance", a.Entrance}, {"room", a.Room}} {
		if err := part(p.name, p.v); err != nil {
			return err
		}
	}
	switch {
	case a.County == "":
		return addrErr(ErrAddressIncomplete, "has no county (区, 县 or 市)")
	case a.Town == "":
		return addrErr(ErrAddressIncomplete, "has no town or street (镇, 乡 or 街道)")
	case a.Number == "" && a.Building == "":
		return addrErr(ErrAddressIncomplete, "has no door number (号) and no building (幢): a standard address reaches a door")
	case a.Number != "" && a.Road == "" && a.Village == "":
		return addrErr(ErrAddressIncomplete, "has door number %s but no road or village it is on", a.Number)
	case a.Road != "" && a.Number == "":
		return addrErr(ErrAddressIncomplete, "is on road %s but has no door number (号)", a.Road)
	case a.Group != "" && a.Village == "":
		return addrErr(ErrAddressIncomplete, "has villager group %s but no village", a.Group)
	case a.Building != "" && a.Compound == "" && a.Number == "":
		return addrErr(ErrAddressIncomplete, "has building %s but no compound (小区) or door number it belongs to", a.Building)
	case a.Entrance != "" && a.Building == "":
		return addrErr(ErrAddressIncomplete, "has entrance %s but no building (幢)", a.Entrance)
	case a.Room != "" && a.Building == "" && a.Number == "":
		return addrErr(ErrAddressIncomplete, "has room %s but no building or door number", a.Room)
	}
	for _, p := range []struct {
		name, v, want string
		re            *regexp.Regexp
	}{
		{"villager group", a.Group, "a number like 3", reGroup},
		{"door number", a.Number, "digits like 12, 12-1 or 12A", reNumber},
		{"building", a.Building, "up to 4 digits or capital letters like 3 or A", reBuilding},
		{"entrance", a.Entrance, "a number like 2", reEntrance},
		{"room", a.Room, "digits like 501 or 501A", reRoom},
	} {
		if p.v != "" && !p.re.MatchString(p.v) {
			return addrErr(ErrAddressPart, "has %s %q; write %s", p.name, p.v, p.want)
		}
	}
	if a.Road != "" {
		if !hasRoadGeneric(a.Road) {
			return addrErr(ErrAddressPart, "has road %s, which does not end in 路, 街, 巷, 道, 弄, 里 or 线", a.Road)
		}
		if reDoorInName.MatchString(a.Road) {
			return addrErr(ErrAddressPart, "has road %s with a door number in it", a.Road)
		}
	}
	if c := a.Compound; c != "" {
		last, _ := utf8.DecodeLastRuneInString(c)
		if reDoorInName.MatchString(c) || last < utf8.RuneSelf && (isDigit(byte(last)) || last >= 'A' && last <= 'Z' || last >= 'a' && last <= 'z') ||
			strings.ContainsRune("一二三四五六七八九十", last) {
			return addrErr(ErrAddressPart, "has compound %s, which ends in a number or holds a door number: the building number would run into it", c)
		}
		if reGroupPart.MatchString(c) || reRoomPart.MatchString(c) || reEntrancePart.MatchString(c) || reBuildingPart.MatchString(c) {
			return addrErr(ErrAddressPart, "has compound %s, which starts like a villager group or ends like a building, entrance or room", c)
		}
	}
	return nil
}

func hasRoadGeneric(s string) bool {
	for _, g := range roadGenerics {
		if strings.HasSuffix(s, g) && len(s) > len(g) {
			return true
		}
	}
	return false
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// writesVillage says whether the full text names the village: when the
// address does not hang on a road, or has a villager group.
func (a Address) writesVillage() bool { return a.Road == "" || a.Group != "" }

// Text is the full address as people write it, the parts in the order of
// the standard-address specification (see Address). It writes the parts
// as they are; call Validate first.
func (a Address) Text() string {
	var b strings.Builder
	b.WriteString(a.City)
	b.WriteString(a.County)
	b.WriteString(a.Town)
	if a.writesVillage() {
		b.WriteString(a.Village)
		writeNumbered(&b, a.Group, markGroup)
	}
	b.WriteString(a.Road)
	writeNumbered(&b, a.Number, markNumber)
	b.WriteString(a.Compound)
	writeNumbered(&b, a.Building, markBuilding)
	writeNumbered(&b, a.Entrance, markEntrance)
	writeNumbered(&b, a.Room, markRoom)
	return b.String()
}

func writeNumbered(b *strings.Builder, v, mark string) {
	if v != "" {
		b.WriteString(v)
		b.WriteString(mark)
	}
}

// String is the full text.
func (a Address) String() string { return a.Text() }
