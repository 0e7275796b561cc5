package lookup

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// PostGIS answers the lookup rule in the database: as of a past time
// (LookupAt, the at= path, a History), and for the current grids one
// point or one batch at a time (LookupPoint, LookupPoints), the baselines
// the in-memory index is measured against and an oracle for tests. It is
// safe for concurrent use.
type PostGIS struct {
	db store.Querier
}

// NewPostGIS returns the lookup rule on the database of st.
func NewPostGIS(st *store.Store) *PostGIS { return &PostGIS{db: st.Pool()} }

// lookupOneSQL is the lookup rule for one point, as a per-point service
// would run it (GiST index on grid.geom).
const lookupOneSQL = `SELECT code FROM grid_current WHERE length(code) = 15
	AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`

// LookupPoint answers the lookup rule for one point in PostGIS ("" for no
// grid). It is the per-point baseline the in-memory index is measured
// against, and an oracle for tests.
func (s *PostGIS) LookupPoint(ctx context.Context, p orb.Point) (geo.Code, error) {
	var code string
	err := s.db.QueryRow(ctx, lookupOneSQL, p[0], p[1]).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lookup point: %w", err)
	}
	return geo.Code(code), nil
}

// LookupPoints answers the lookup rule for many points with one batch join
// in PostGIS (out[i] for pts[i], "" for no grid): the best a database can do
// for a batch, and the baseline for batch lookups.
func (s *PostGIS) LookupPoints(ctx context.Context, pts []orb.Point) ([]geo.Code, error) {
	lons := make([]float64, len(pts))
	lats := make([]float64, len(pts))
	for i, p := range pts {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := s.db.Query(ctx, `
		SELECT coalesce(g.code, '')
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
		LEFT JOIN LATERAL (
			SELECT code FROM grid_current
			WHERE length(code) = 15 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
			ORDER BY code LIMIT 1) g ON true
		ORDER BY p.i`, lons, lats)
	if err != nil {
		return nil, fmt.Errorf("lookup points: %w", err)
	}
	out := make([]geo.Code, 0, len(pts))
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("lookup points: %w", err)
		}
		out = append(out, geo.Code(c))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup points: %w", err)
	}
	return out, nil
}
