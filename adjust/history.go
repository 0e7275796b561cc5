package adjust

import (
	"context"
	"time"

	"gridmap/geo"
	"gridmap/store"
)

// GridHistory is every version of a grid and its lineage (the codes its
// area came from and went to).
type GridHistory struct {
	Code     geo.Code        `json:"code"`
	Versions []geo.Grid      `json:"versions"`
	Lineage  []store.Lineage `json:"lineage"`
}

// History returns the versions and lineage of a grid code (history is
// public to every authenticated role: it holds no personal data).
func (e *Engine) History(ctx context.Context, code geo.Code) (*GridHistory, error) {
	if code.Level() != geo.LevelGrid && code.Level() != geo.LevelSubGrid {
		return nil, refuse(KindInvalid, "%q is not a grid code (15 or 17 digits)", code)
	}
	vs, err := e.st.GridVersions(ctx, code)
	if err != nil {
		return nil, classify(err)
	}
	lin, err := e.st.GridLineage(ctx, code)
	if err != nil {
		return nil, classify(err)
	}
	if lin == nil {
		lin = []store.Lineage{}
	}
	return &GridHistory{Code: code, Versions: vs, Lineage: lin}, nil
}

// Diff compares the grids under area ("" for the whole city) between two
// times.
func (e *Engine) Diff(ctx context.Context, from, to time.Time, area geo.Code) (*store.GridDiff, error) {
	if !to.After(from) && !to.Equal(from) {
		return nil, refuse(KindInvalid, "to (%s) is before from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if area != "" && (area.Level() == geo.LevelUnknown || area.Level() > geo.LevelVillage) {
		return nil, refuse(KindInvalid, "area %q is not a city, county, town or village code", area)
	}
	d, err := e.st.DiffGrids(ctx, from, to, area)
	return d, classify(err)
}

// DiffVersions is Diff between the times of two dataset versions.
func (e *Engine) DiffVersions(ctx context.Context, from, to int64, area geo.Code) (*store.GridDiff, error) {
	ft, err := e.st.VersionTime(ctx, from)
	if err != nil {
		return nil, classify(err)
	}
	tt, err := e.st.VersionTime(ctx, to)
	if err != nil {
		return nil, classify(err)
	}
	return e.Diff(ctx, ft, tt, area)
}
