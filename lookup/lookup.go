// Package lookup answers "which grid is this point in?" for single points
// and for streamed batches of millions (CSV, JSON arrays, GeoJSON points),
// over HTTP and for the CLI.
//
// The rule (architecture invariant 2): among the current grids whose closed
// polygon covers the point, the one with the smallest code; when that grid
// has sub-grids, the sub-grid picked by the same rule as well; a point in
// no grid gets no code and the deepest area covering it. The answers come
// from geo.Index on one live.State, so one request never mixes versions.
// Answers as of a past time come from PostGIS (PostGIS.LookupAt, over the
// grid and area versions valid then), as do the per-point and batch
// baselines the index is measured against (LookupPoint, LookupPoints).
//
// Batches are processed in chunks with bounded memory whatever their size.
// A bad row gets an error entry and the rest of the batch still answers.
package lookup

import (
	"github.com/paulmach/orb"
)

// Result is the answer for one point: codes only, so batches stay cheap.
// Area is the deepest area covering the point (the grid's village when a
// grid answered).
type Result struct {
	Grid    string
	SubGrid string
	Kind    string
	Area    string
}

// Resolver answers a chunk of points of one dataset version: out[i] for
// pts[i]. Implementations may reorder work internally (sort by cell).
type Resolver interface {
	Resolve(pts []orb.Point, out []Result)
	Version() int64
}

// Row is one batch input row: an id (echoed back), a point, or the problem
// that made the row unreadable.
type Row struct {
	ID  string
	Pt  orb.Point
	Err string
}

// checkPoint says what is wrong with a coordinate pair, or "".
func checkPoint(lon, lat float64) string {
	switch {
	case lon != lon || lat != lat:
		return "coordinate is NaN"
	case lon < -180 || lon > 180:
		return "lon out of range [-180, 180]"
	case lat < -90 || lat > 90:
		return "lat out of range [-90, 90]"
	}
	return ""
}
