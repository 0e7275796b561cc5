package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// Kind is the kind of a grid (Art. 7).
type Kind string

// The grid kinds. Sub-grids are exclusive.
const (
	KindUrban     Kind = "urban"     // urban comprehensive grid, ~300 households
	KindRural     Kind = "rural"     // rural comprehensive grid, one villager group
	KindExclusive Kind = "exclusive" // a unit's own grid (agency, enterprise, park)
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool { return k == KindUrban || k == KindRural || k == KindExclusive }

// Comprehensive reports whether k is a comprehensive (urban or rural) kind.
func (k Kind) Comprehensive() bool { return k == KindUrban || k == KindRural }

// Area is an administrative area: city, county, town/street or
// village/community.
type Area struct {
	Code   Code
	Level  Level
	Name   string
	Parent Code
	// Geom is the boundary; it may be empty for an area without one.
	Geom orb.MultiPolygon
	// Households is the number of households tied to grids in the area.
	Households int
	// Version names the stored version of the area a snapshot load read
	// (the store's own token; "" when not known): two areas of the same
	// code with the same Version have the same boundary, so a reload
	// keeps the geometry it already holds.
	Version string
}

// Grid is one version of a grid or sub-grid.
type Grid struct {
	Code       Code
	Kind       Kind
	Name       string
	Village    Code
	ParentGrid Code // set for sub-grids only
	Geom       orb.MultiPolygon
	ValidFrom  time.Time
	ValidTo    time.Time // zero while current
	Households int
	Units      int
}

// Snapshot is an immutable view of the current state at one dataset
// version. It is built once and then only read, so any number of
// goroutines may share it.
type Snapshot struct {
	Version  int64
	LoadedAt time.Time
	Areas    []Area // sorted by code
	Grids    []Grid // sorted by code; sub-grids follow their grid

	areaIdx map[Code]int
	gridIdx map[Code]int
}

// NewSnapshot builds a snapshot, indexing areas and grids by code. It
// keeps the slices it is given; the caller must not change them afterwards.
func NewSnapshot(version int64, loadedAt time.Time, areas []Area, grids []Grid) *Snapshot {
	s := &Snapshot{Version: version, LoadedAt: loadedAt, Areas: areas, Grids: grids,
		areaIdx: make(map[Code]int, len(areas)), gridIdx: make(map[Code]int, len(grids))}
	for i := range areas {
		s.areaIdx[areas[i].Code] = i
	}
	for i := range grids {
		s.gridIdx[grids[i].Code] = i
	}
	return s
}

// Area returns the area with the code, or nil.
func (s *Snapshot) Area(c Code) *Area {
	if i, ok := s.areaIdx[c]; ok {
		return &s.Areas[i]
	}
	return nil
}

// Grid returns the current grid with the code, or nil.
func (s *Snapshot) Grid(c Code) *Grid {
	if i, ok := s.gridIdx[c]; ok {
		return &s.Grids[i]
	}
	return nil
}
