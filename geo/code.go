package geo

import (
	"fmt"
	"strconv"
)

// Level is the place of a code in the hierarchy city → county → town →
// village → grid → sub-grid.
type Level int

// The levels, from the top.
const (
	LevelUnknown Level = iota
	LevelCity
	LevelCounty
	LevelTown
	LevelVillage
	LevelGrid
	LevelSubGrid
)

var levelNames = [...]string{"unknown", "city", "county", "town", "village", "grid", "subgrid"}

// String returns the level's name as used in the database and the API.
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// ParseLevel reads a level name ("city", "county", "town", "village",
// "grid", "subgrid").
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if i > 0 && n == s {
			return Level(i), nil
		}
	}
	return LevelUnknown, fmt.Errorf("unknown level %q: want city, county, town, village, grid or subgrid", s)
}

// Code is a validated area or grid code in its canonical form: 12 digits
// for areas (the statistical division code, padded with zeros), 15 for
// grids (village code + 3-digit grid sequence) and 17 for sub-grids (grid
// code + 2-digit sub-grid sequence). The zero Code is empty and invalid.
type Code string

// CodeError says what is wrong with a code, in words a user can act on.
type CodeError struct {
	Input  string
	Reason string
}

func (e *CodeError) Error() string { return fmt.Sprintf("invalid code %q: %s", e.Input, e.Reason) }

// ParseCode validates s and returns it as a Code. It accepts the short
// forms of area codes (4-digit city, 6-digit county, 9-digit town) and pads
// them to 12 digits.
func ParseCode(s string) (Code, error) {
	bad := func(reason string) (Code, error) { return "", &CodeError{Input: s, Reason: reason} }
	if len(s) == 0 {
		return bad("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return bad(fmt.Sprintf("character %d is not a digit", i+1))
		}
	}
	switch len(s) {
	case 4, 6, 9:
		s = s + "000000000000"[:12-len(s)]
	case 12, 15, 17:
	default:
		return bad(fmt.Sprintf("has %d digits; want 12 (area: 6 county + 3 town + 3 village), 15 (grid) or 17 (sub-grid)", len(s)))
	}
	c := Code(s)
	if s[:2] == "00" {
		return bad("province part (digits 1-2) is 00")
	}
	if s[2:4] == "00" {
		return bad("city part (digits 3-4) is 00")
	}
	if len(s) == 12 && c.Level() == LevelUnknown {
		return bad("not a city, county, town or village code (a lower level's part is non-zero under a zero one)")
	}
	if len(s) >= 15 && Code(s[:12]).Level() != LevelVillage {
		return bad("a grid code must extend a village code (digits 1-12)")
	}
	if len(s) >= 15 && s[12:15] == "000" {
		return bad("grid sequence (digits 13-15) is 000; sequences start at 001")
	}
	if len(s) == 17 && s[15:17] == "00" {
		return bad("sub-grid sequence (digits 16-17) is 00; sequences start at 01")
	}
	return c, nil
}

// UnmarshalText reads a code in every form ParseCode accepts and keeps its
// canonical form, so JSON bodies (and any other text decoding) may name
// county 320902 as "320902" or "320902000000", a town as "320902001" or
// "320902001000". Text that is not a valid code is kept as given, without
// an error, for the validation that follows to name in its own words (an
// operation's "@1.2", a grid an earlier operation makes, is not a code
// either).
func (c *Code) UnmarshalText(b []byte) error {
	if p, err := ParseCode(string(b)); err == nil {
		*c = p
	} else {
		*c = Code(b)
	}
	return nil
}

// MustParseCode is ParseCode for constants in tests and examples; it panics
// on an invalid code.
func MustParseCode(s string) Code {
	c, err := ParseCode(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Level says which level the code names. A 12-digit code's level follows
// from its trailing zeros.
func (c Code) Level() Level {
	s := string(c)
	switch len(s) {
	case 17:
		return LevelSubGrid
	case 15:
		return LevelGrid
	case 12:
		switch {
		case s[4:] == "00000000" && s[2:4] != "00":
			return LevelCity
		case s[6:] == "000000" && s[4:6] != "00":
			return LevelCounty
		case s[9:] == "000" && s[6:9] != "000" && s[4:6] != "00":
			return LevelTown
		case s[9:] != "000" && s[6:9] != "000" && s[4:6] != "00":
			return LevelVillage
		}
	}
	return LevelUnknown
}

// IsGrid reports whether c is a grid or sub-grid code.
func (c Code) IsGrid() bool { l := c.Level(); return l == LevelGrid || l == LevelSubGrid }

// Ancestor returns the code of c's ancestor at level l (city, county,
// town, village or grid), or "" when c is not below l.
func (c Code) Ancestor(l Level) Code {
	s := string(c)
	if c.Level() <= l || len(s) < 12 {
		return ""
	}
	switch l {
	case LevelCity:
		return Code(s[:4] + "00000000")
	case LevelCounty:
		return Code(s[:6] + "000000")
	case LevelTown:
		return Code(s[:9] + "000")
	case LevelVillage:
		return Code(s[:12])
	case LevelGrid:
		return Code(s[:15])
	}
	return ""
}

// Parent returns the code one level up ("" for the city).
func (c Code) Parent() Code { return c.Ancestor(c.Level() - 1) }

// County returns the 12-digit code of c's county ("" above county level).
func (c Code) County() Code { return c.Ancestor(LevelCounty) }

// Town returns the 12-digit code of c's town/street.
func (c Code) Town() Code { return c.Ancestor(LevelTown) }

// Village returns the 12-digit code of c's village/community.
func (c Code) Village() Code { return c.Ancestor(LevelVillage) }

// Short returns the conventional short form: 4 digits for a city, 6 for a
// county, 9 for a town, the full code otherwise.
func (c Code) Short() string {
	switch c.Level() {
	case LevelCity:
		return string(c)[:4]
	case LevelCounty:
		return string(c)[:6]
	case LevelTown:
		return string(c)[:9]
	}
	return string(c)
}

// Seq returns the last sequence of a grid (3 digits) or sub-grid (2 digits)
// code, or 0 for other codes.
func (c Code) Seq() int {
	s := string(c)
	var n int
	switch len(s) {
	case 15:
		n, _ = strconv.Atoi(s[12:])
	case 17:
		n, _ = strconv.Atoi(s[15:])
	}
	return n
}

// GridCode builds the code of grid seq (1-999) in a village.
func GridCode(village Code, seq int) (Code, error) {
	if village.Level() != LevelVillage {
		return "", &CodeError{Input: string(village), Reason: "not a village code"}
	}
	if seq < 1 || seq > 999 {
		return "", fmt.Errorf("grid sequence %d out of range 1-999 in village %s", seq, village)
	}
	return Code(fmt.Sprintf("%s%03d", village, seq)), nil
}

// SubGridCode builds the code of sub-grid seq (1-99) in a grid.
func SubGridCode(grid Code, seq int) (Code, error) {
	if grid.Level() != LevelGrid {
		return "", &CodeError{Input: string(grid), Reason: "not a grid code"}
	}
	if seq < 1 || seq > 99 {
		return "", fmt.Errorf("sub-grid sequence %d out of range 1-99 in grid %s", seq, grid)
	}
	return Code(fmt.Sprintf("%s%02d", grid, seq)), nil
}

// ID returns a stable uint64 for the code (used as vector-tile feature
// ids): the code's digits read as a number, with the length folded in so
// codes of different levels never collide.
func (c Code) ID() uint64 {
	n, _ := strconv.ParseUint(string(c), 10, 64)
	return n*100 + uint64(len(c))
}
