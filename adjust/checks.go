package adjust

import (
	"gridmap/geo"
	"sort"
)

// The checks of a proposal run in two places: CheckOp (here, without the
// database: fields, codes, geometry types and polygon validity, for
// instant feedback while drafting) and the PostGIS checks of the
// after-state (validity, overlap, inside the village, gaps, slivers,
// contiguity, sub-grids, household balance, records left without a grid),
// which run for every preview and again under the village locks when the
// proposal is applied.

// Blocking reports whether any finding is an error (a proposal with one
// can be neither submitted, approved nor applied).
func Blocking(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == geo.SeverityError {
			return true
		}
	}
	return false
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
