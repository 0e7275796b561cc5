package adjust

import (
	"fmt"
	"sort"

	"gridmap/geo"
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

// Check ids of the adjustment engine, beside those of gridd check.
const (
	CheckOperation     = "operation"           // an operation could not be carried out as drawn
	CheckSliver        = "sliver"              // a grid part narrower than the sliver tolerance
	CheckNotContiguous = "not-contiguous"      // a grid of more than one part
	CheckSubgridNoFit  = "subgrid-partition"   // sub-grids no longer partition their exclusive grid
	CheckHouseholdBand = "household-balance"   // urban grid outside the household band
	CheckCodeRule      = "code-rule"           // a grid code rule broken
	CheckRecordNoGrid  = "record-without-grid" // a record whose point no grid covers afterwards
	CheckEdgeMismatch  = "edge-mismatch"       // a vertex on a shared edge that the neighbour lacks
)

// ChecksError is returned by ApplyProposal when error findings remain.
type ChecksError struct{ Findings []geo.Finding }

func (e *ChecksError) Error() string {
	n := 0
	first := ""
	for _, f := range e.Findings {
		if f.Severity == geo.SeverityError {
			if n == 0 {
				first = f.Message
			}
			n++
		}
	}
	return fmt.Sprintf("%d check(s) fail, first: %s", n, first)
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
