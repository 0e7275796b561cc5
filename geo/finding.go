package geo

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Finding is one located problem found by a rule: by gridd check over the
// whole city, by an import over its features, or by an adjustment over
// its work area. It lives here because all three report in it.
type Finding struct {
	// Check is the stable id of the rule (CheckGridOverlap, ...).
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Codes are the grids, areas or records involved; records appear as
	// "household/123" or "unit/45".
	Codes []string `json:"codes"`
	// Message says in plain words what is wrong and where.
	Message string `json:"message"`
	// Location is the offending piece (overlap, gap, part outside), the
	// self-intersection point, or the record's point. It may be nil.
	Location orb.Geometry `json:"-"`
	// AreaM2 is the area of Location on the spheroid, where it applies.
	AreaM2 float64 `json:"area_m2,omitempty"`
	// WidthM is the approximate width of a gap (2·area/perimeter).
	WidthM float64 `json:"width_m,omitempty"`
	// Suggest is the route that drafts a fix, where there is one: POST it
	// (/villages/{code}/suggest-division for a grid outside its household
	// range).
	Suggest string `json:"suggest,omitempty"`
}

// The ids of the coverage rules (the invariants of the grid layer), shared
// by gridd check, the import and the adjustment engine.
const (
	CheckInvalidGeometry         = "invalid-geometry"
	CheckGridOverlap             = "grid-overlap"
	CheckSubgridOverlap          = "subgrid-overlap"
	CheckGridOutsideVillage      = "grid-outside-village"
	CheckSubgridOutsideGrid      = "subgrid-outside-grid"
	CheckVillageGap              = "village-gap"
	CheckVillageWithoutGrids     = "village-without-grids"
	CheckSubgridGap              = "subgrid-gap"
	CheckRecordMisassigned       = "record-misassigned"
	CheckRecordAssignmentHistory = "record-assignment-history"
	CheckAreaOutsideParent       = "area-outside-parent"
	CheckRecordCount             = "record-count"
	CheckAreaHistory             = "area-history"
	// CheckGridHouseholdRange: an urban comprehensive grid whose
	// households are outside the county's range (Art. 7: about 300).
	CheckGridHouseholdRange = "grid-household-range"
)

// The ids of the staffing rules (grid workers, issue 17), run by gridd
// check and GET /checks for a town.
const (
	CheckGridWithoutFullTime   = "grid-without-fulltime"   // Art. 15
	CheckTownSeatOperators     = "town-seat-operators"     // Art. 6
	CheckFullTimeFailedReviews = "fulltime-failed-reviews" // Art. 17
)

// MarshalJSON writes the finding with Location as a GeoJSON geometry.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	out := struct {
		plain
		Location *geojson.Geometry `json:"location,omitempty"`
	}{plain: plain(f)}
	if f.Location != nil {
		out.Location = geojson.NewGeometry(f.Location)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Finding) UnmarshalJSON(b []byte) error {
	type plain Finding
	var in struct {
		plain
		Location *geojson.Geometry `json:"location,omitempty"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*f = Finding(in.plain)
	if in.Location != nil {
		f.Location = in.Location.Geometry()
	}
	return nil
}

// NearText gives a representative lon,lat of g for messages: the point
// itself, or the centroid of a polygonal piece.
func NearText(g orb.Geometry) string {
	var p orb.Point
	switch g := g.(type) {
	case orb.Point:
		p = g
	case orb.Collection:
		if len(g) == 0 {
			return "(empty)"
		}
		return NearText(g[0])
	default:
		p, _ = planar.CentroidArea(g)
		if p == (orb.Point{}) {
			p = g.Bound().Center()
		}
	}
	return fmt.Sprintf("%.6f,%.6f", p[0], p[1])
}

// FormatM2 formats an area in square metres with useful precision.
func FormatM2(a float64) string {
	switch {
	case a >= 1e6:
		return fmt.Sprintf("%.3f km²", a/1e6)
	case a >= 10:
		return fmt.Sprintf("%.0f m²", a)
	default:
		return fmt.Sprintf("%.3g m²", a)
	}
}

// FormatMetres formats a length in metres.
func FormatMetres(d float64) string {
	if d >= 10 {
		return fmt.Sprintf("%.0f m", d)
	}
	return fmt.Sprintf("%.3g m", d)
}

// DefaultGapToleranceM2 is the smallest gap between grids, in square
// metres, that the coverage rules report by default: smaller pieces are
// float noise of separately computed edges.
const DefaultGapToleranceM2 = 0.01
