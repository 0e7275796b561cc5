package adjust

import (
	"fmt"
	"sort"

	"gridmap/geo"
)

// The checks of a proposal run in two places, both in ops: ops.Check
// (without the database: fields, codes, geometry types and polygon
// validity, for instant feedback while drafting) and the PostGIS checks
// of the after-state (validity, overlap, inside the village, gaps,
// slivers, contiguity, sub-grids, household balance, records left without
// a grid), which run for every preview and again under the village locks
// when the proposal is applied. Here: what the workflow makes of their
// findings.

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
