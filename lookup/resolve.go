package lookup

import (
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
)

// How a point becomes an answer: the hit of the live state's index (or,
// for a past time, PostGIS's PointAnswer) with the names of its grid,
// sub-grid and areas from the snapshot, for one point (Answer) or as
// codes only for batches (StateResolver).

// Named is a code with its name.
type Named struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Level string `json:"level,omitempty"`
}

// Answer is the JSON answer of a single lookup.
type Answer struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Version int64   `json:"dataset_version"`
	At      string  `json:"at,omitempty"`
	Grid    *Named  `json:"grid"`
	SubGrid *Named  `json:"subgrid"`
	Village *Named  `json:"village"`
	Town    *Named  `json:"town"`
	County  *Named  `json:"county"`
	// Area is the deepest area covering the point: the grid's village, or
	// when no grid covers it, whatever village, town or county does.
	Area *Named `json:"area"`
}

// areaNamed returns the area with its name, or nil.
func areaNamed(snap *geo.Snapshot, c geo.Code) *Named {
	if c == "" {
		return nil
	}
	n := &Named{Code: string(c), Level: c.Level().String()}
	if a := snap.Area(c); a != nil {
		n.Name = a.Name
	}
	return n
}

// fillAreas sets village, town, county and area from the deepest area.
func (a *Answer) fillAreas(snap *geo.Snapshot, deepest geo.Code) {
	a.Area = areaNamed(snap, deepest)
	if deepest == "" {
		return
	}
	for l, dst := range map[geo.Level]**Named{geo.LevelVillage: &a.Village, geo.LevelTown: &a.Town, geo.LevelCounty: &a.County} {
		switch {
		case deepest.Level() == l:
			*dst = areaNamed(snap, deepest)
		case deepest.Level() > l:
			*dst = areaNamed(snap, deepest.Ancestor(l))
		}
	}
}

// answerFor is the answer for a hit of the index on snap.
func answerFor(snap *geo.Snapshot, h geo.Hit) Answer {
	var a Answer
	deepest := geo.Code("")
	if h.Grid >= 0 {
		g := &snap.Grids[h.Grid]
		a.Grid = &Named{Code: string(g.Code), Name: g.Name, Kind: string(g.Kind)}
		deepest = g.Village
	} else if h.Area >= 0 {
		deepest = snap.Areas[h.Area].Code
	}
	if h.SubGrid >= 0 {
		s := &snap.Grids[h.SubGrid]
		a.SubGrid = &Named{Code: string(s.Code), Name: s.Name, Kind: string(s.Kind)}
	}
	a.fillAreas(snap, deepest)
	return a
}

// answerAt is the answer for what PostGIS found as of a past time, with
// the area names of snap.
func answerAt(snap *geo.Snapshot, pa PointAnswer) Answer {
	var a Answer
	deepest := pa.Area
	if pa.Grid != "" {
		a.Grid = &Named{Code: string(pa.Grid), Name: pa.GridName, Kind: string(pa.GridKind)}
		deepest = pa.Grid.Village()
	}
	if pa.SubGrid != "" {
		a.SubGrid = &Named{Code: string(pa.SubGrid), Name: pa.SubGridName, Kind: string(geo.KindExclusive)}
	}
	a.fillAreas(snap, deepest)
	return a
}

// StateResolver answers batches from one live state.
type StateResolver struct {
	state *live.State
	hits  []geo.Hit
}

// NewStateResolver returns a resolver over one state; it is not safe for
// concurrent use (it reuses a buffer).
func NewStateResolver(s *live.State) *StateResolver { return &StateResolver{state: s} }

// Version implements Resolver.
func (r *StateResolver) Version() int64 { return r.state.Snap.Version }

// Resolve implements Resolver.
func (r *StateResolver) Resolve(pts []orb.Point, out []Result) {
	if cap(r.hits) < len(pts) {
		r.hits = make([]geo.Hit, len(pts))
	}
	hits := r.hits[:len(pts)]
	r.state.Index.LookupBatch(pts, hits)
	snap := r.state.Snap
	for i, h := range hits {
		var res Result
		if h.Grid >= 0 {
			g := &snap.Grids[h.Grid]
			res.Grid, res.Kind, res.Area = string(g.Code), string(g.Kind), string(g.Village)
		} else if h.Area >= 0 {
			res.Area = string(snap.Areas[h.Area].Code)
		}
		if h.SubGrid >= 0 {
			res.SubGrid = string(snap.Grids[h.SubGrid].Code)
		}
		out[i] = res
	}
}
