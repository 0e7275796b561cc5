package eventhex

import "slices"

// sortFeatures orders hexagons by cell, so equal content gives equal
// bytes.
func sortFeatures(f []hexFeature) {
	slices.SortFunc(f, func(a, b hexFeature) int {
		switch {
		case a.cell < b.cell:
			return -1
		case a.cell > b.cell:
			return 1
		}
		return 0
	})
}
