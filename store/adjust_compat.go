package store

import "gridmap/geo"

// These keep the adjustment engine's files in store compiling while they
// still call what moved out with gridd check. Delete this file when the
// engine leaves store: it should use AreaM2SQL, RecordTypes and
// geo.DefaultGapToleranceM2.

func areaM2SQL(g string) string { return AreaM2SQL(g) }

var recordTypes = RecordTypes()

// DefaultGapToleranceM2 is geo.DefaultGapToleranceM2.
const DefaultGapToleranceM2 = geo.DefaultGapToleranceM2
