package store

import "gridmap/geo"

// The SQL fragments and schema facts that several capabilities share.

// RecordTypes returns the tables of the records tied to grids; each name
// is also the record_type of their rows in the assignment table.
func RecordTypes() []string { return []string{"household", "unit"} }

// AreaM2SQL is the SQL for the area in square metres of the geometry
// expression g. It is the planar area in degrees² scaled by the WGS 84
// metres per degree of longitude and of latitude at the middle latitude
// of g, because the stored geometries are planar in lon/lat: their edges
// are straight lines in degrees, not geodesics. ST_Area on the geography
// reads the edges as geodesics, which bulge away from a parallel by
// millimetres over a few hundred metres; for a sliver along a parallel
// that is most of its area (measured: 0.65 m² for a 0.0026 m² notch). For
// whole pieces the two agree to 1e-10 (a 0.03 km² rectangle) and 4e-5 (2°×2°).
// g only ever names columns or expressions of constant queries.
func AreaM2SQL(g string) string {
	lat := "((ST_YMin(" + g + ") + ST_YMax(" + g + ")) / 2)"
	return "(ST_Area(" + g + ") * pow(pi() * 6378137 / 180, 2) * (1 - 0.00669437999014) * cos(radians(" + lat +
		")) / pow(1 - 0.00669437999014 * pow(sin(radians(" + lat + ")), 2), 2))"
}

// areaM2SQL, recordTypes and DefaultGapToleranceM2 keep the adjustment
// engine's files in store compiling until the engine moves out of store;
// it should then use AreaM2SQL, RecordTypes and geo.DefaultGapToleranceM2,
// and these go.
func areaM2SQL(g string) string { return AreaM2SQL(g) }

var recordTypes = RecordTypes()

// DefaultGapToleranceM2 is geo.DefaultGapToleranceM2 (see areaM2SQL).
const DefaultGapToleranceM2 = geo.DefaultGapToleranceM2
