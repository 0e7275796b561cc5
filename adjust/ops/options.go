package ops

import (
	"context"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
)

// Options are the tolerances of the operations and their checks. The
// zero value asks for the defaults.
type Options struct {
	// SnapM is how far (metres) a drawn line or polygon vertex is moved
	// onto an existing boundary vertex or edge. Default 0.5 m.
	SnapM float64
	// SliverM is the narrowest width (metres) a grid part may have.
	// Default 2 m.
	SliverM float64
	// GapM2 is the smallest gap (square metres) reported. Default 0.01 m².
	GapM2 float64
	// HouseholdsLow and HouseholdsHigh bound the households of an urban
	// comprehensive grid (Art. 7: about 300); outside is a warning.
	// Defaults 200 and 400.
	HouseholdsLow, HouseholdsHigh int
	// AfterOps, when set, runs on the transaction after the operations and
	// before the moves and checks. It is for tests that plant violations
	// in the work table adj_work; production code leaves it nil.
	AfterOps func(ctx context.Context, tx pgx.Tx) error
}

func (o Options) withDefaults() Options {
	if o.SnapM <= 0 {
		o.SnapM = 0.5
	}
	if o.SliverM <= 0 {
		o.SliverM = 2
	}
	if o.GapM2 <= 0 {
		o.GapM2 = geo.DefaultGapToleranceM2
	}
	if o.HouseholdsLow <= 0 {
		o.HouseholdsLow = 200
	}
	if o.HouseholdsHigh <= 0 {
		o.HouseholdsHigh = 400
	}
	return o
}
