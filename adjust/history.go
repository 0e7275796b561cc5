package adjust

import (
	"context"
	"time"

	"github.com/paulmach/orb/geojson"

	"gridmap/adjust/ops"
	"gridmap/features"
	"gridmap/geo"
)

// GridHistory is every version of a grid and its lineage (the codes its
// area came from and went to).
type GridHistory struct {
	Code     geo.Code      `json:"code"`
	Versions []GridVersion `json:"versions"`
	Lineage  []ops.Lineage `json:"lineage"`
}

// GridVersion is one version of a grid, oldest first.
type GridVersion struct {
	Kind       geo.Kind          `json:"kind"`
	Name       string            `json:"name"`
	Village    geo.Code          `json:"village"`
	ParentGrid geo.Code          `json:"parent_grid,omitempty"`
	ValidFrom  time.Time         `json:"valid_from"`
	ValidTo    *time.Time        `json:"valid_to,omitempty"` // nil while current
	Geometry   *geojson.Geometry `json:"geometry"`
}

// History returns the versions and lineage of a grid code (history is
// public to every authenticated role: it holds no personal data).
func (e *Engine) History(ctx context.Context, code geo.Code) (*GridHistory, error) {
	if code.Level() != geo.LevelGrid && code.Level() != geo.LevelSubGrid {
		return nil, refuse(KindInvalid, "%q is not a grid code (15 or 17 digits)", code)
	}
	vs, err := features.GridVersions(ctx, e.st, code)
	if err != nil {
		return nil, classify(err)
	}
	lin, err := GridLineage(ctx, e.st, code)
	if err != nil {
		return nil, classify(err)
	}
	if lin == nil {
		lin = []ops.Lineage{}
	}
	h := &GridHistory{Code: code, Versions: make([]GridVersion, len(vs)), Lineage: lin}
	for i, g := range vs {
		v := GridVersion{Kind: g.Kind, Name: g.Name, Village: g.Village, ParentGrid: g.ParentGrid, ValidFrom: g.ValidFrom,
			Geometry: geojson.NewGeometry(g.Geom)}
		if !g.ValidTo.IsZero() {
			to := g.ValidTo
			v.ValidTo = &to
		}
		h.Versions[i] = v
	}
	return h, nil
}

// AreaHistory is every version of an area (village, town, county or
// city): edge matching adds the vertices of new grid edges to the
// boundaries they lie on, each time in a new version.
type AreaHistory struct {
	Code     geo.Code      `json:"code"`
	Versions []AreaVersion `json:"versions"`
}

// AreaVersion is one version of an area, oldest first.
type AreaVersion struct {
	Level  string   `json:"level"`
	Name   string   `json:"name"`
	Parent geo.Code `json:"parent,omitempty"`
	// ValidFrom is nil for the first version of an area imported without
	// a start: it holds from the beginning of the history.
	ValidFrom *time.Time        `json:"valid_from,omitempty"`
	ValidTo   *time.Time        `json:"valid_to,omitempty"` // nil while current
	Geometry  *geojson.Geometry `json:"geometry"`
}

// AreaHistory returns the versions of an area (public like History).
func (e *Engine) AreaHistory(ctx context.Context, code geo.Code) (*AreaHistory, error) {
	if l := code.Level(); l == geo.LevelUnknown || l > geo.LevelVillage {
		return nil, refuse(KindInvalid, "%q is not a city, county, town or village code (12 digits)", code)
	}
	vs, err := features.AreaVersions(ctx, e.st, code)
	if err != nil {
		return nil, classify(err)
	}
	h := &AreaHistory{Code: code, Versions: make([]AreaVersion, len(vs))}
	for i, a := range vs {
		v := AreaVersion{Level: a.Level.String(), Name: a.Name, Parent: a.Parent}
		if a.Geom != nil {
			v.Geometry = geojson.NewGeometry(a.Geom)
		}
		if !a.ValidFrom.IsZero() {
			from := a.ValidFrom
			v.ValidFrom = &from
		}
		if !a.ValidTo.IsZero() {
			to := a.ValidTo
			v.ValidTo = &to
		}
		h.Versions[i] = v
	}
	return h, nil
}

// Diff compares the grids under area ("" for the whole city) between two
// times, and the areas whose boundary or name changed.
func (e *Engine) Diff(ctx context.Context, from, to time.Time, area geo.Code) (*GridDiff, error) {
	if !to.After(from) && !to.Equal(from) {
		return nil, refuse(KindInvalid, "to (%s) is before from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if area != "" && (area.Level() == geo.LevelUnknown || area.Level() > geo.LevelVillage) {
		return nil, refuse(KindInvalid, "area %q is not a city, county, town or village code", area)
	}
	d, err := DiffGrids(ctx, e.st, from, to, area)
	return d, classify(err)
}

// DiffVersions is Diff between the times of two dataset versions.
func (e *Engine) DiffVersions(ctx context.Context, from, to int64, area geo.Code) (*GridDiff, error) {
	ft, err := VersionTime(ctx, e.st, from)
	if err != nil {
		return nil, classify(err)
	}
	tt, err := VersionTime(ctx, e.st, to)
	if err != nil {
		return nil, classify(err)
	}
	return e.Diff(ctx, ft, tt, area)
}
