package adjust

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// The history reads of the engine: the diff of the grids between two
// times, the time of a dataset version, and the lineage of codes. (The
// versions of a grid or an area are read by store: GridVersions,
// AreaVersions.)

// GridDiff is the difference of the grids (and the records tied to them)
// between two times.
type GridDiff struct {
	From    time.Time  `json:"from"`
	To      time.Time  `json:"to"`
	Created []geo.Code `json:"created"`
	Retired []geo.Code `json:"retired"`
	// Changed grids are alive at both times with another geometry, name
	// or kind.
	Changed []GridChange `json:"changed"`
	Moves   []ops.Move   `json:"moves"`
	// Areas are the areas (under the area asked for, itself included)
	// created, removed, or with another boundary or name, from
	// area_history: edge matching adds vertices to village, town and
	// county boundaries.
	Areas []AreaChange `json:"areas"`
}

// AreaChange says how an area differs between the two times of a diff.
type AreaChange struct {
	Code     geo.Code `json:"code"`
	Created  bool     `json:"created,omitempty"`
	Removed  bool     `json:"removed,omitempty"`
	Geometry bool     `json:"geometry"`
	Name     bool     `json:"name"`
}

// GridChange says what changed in a grid alive at both times.
type GridChange struct {
	Code     geo.Code `json:"code"`
	Geometry bool     `json:"geometry"`
	Name     bool     `json:"name"`
	Kind     bool     `json:"kind"`
}

// codePrefix is the part of the codes under area (all for "").
func codePrefix(area geo.Code) (string, error) {
	switch area.Level() {
	case geo.LevelUnknown:
		if area == "" {
			return "", nil
		}
		return "", fmt.Errorf("%q is not an area code", area)
	case geo.LevelCity:
		return string(area)[:4], nil
	case geo.LevelCounty:
		return string(area)[:6], nil
	case geo.LevelTown:
		return string(area)[:9], nil
	default:
		return string(area), nil
	}
}

// DiffGrids compares the grids under area ("" for all) at two times: codes
// created and retired, grids whose geometry, name or kind changed, how
// many households and units moved between which grids, and the areas
// whose boundary or name changed.
func DiffGrids(ctx context.Context, st *store.Store, from, to time.Time, area geo.Code) (*GridDiff, error) {
	prefix, err := codePrefix(area)
	if err != nil {
		return nil, err
	}
	d := &GridDiff{From: from, To: to, Created: []geo.Code{}, Retired: []geo.Code{}, Changed: []GridChange{}, Moves: []ops.Move{}, Areas: []AreaChange{}}
	rows, err := st.Pool().Query(ctx, `
		WITH a AS (SELECT code, kind, name, geom FROM grid WHERE valid @> $1::timestamptz AND starts_with(code, $3)),
		     b AS (SELECT code, kind, name, geom FROM grid WHERE valid @> $2::timestamptz AND starts_with(code, $3))
		SELECT coalesce(a.code, b.code), a.code IS NULL, b.code IS NULL,
		       a.code IS NOT NULL AND b.code IS NOT NULL AND NOT (ST_NPoints(a.geom) = ST_NPoints(b.geom) AND ST_Equals(a.geom, b.geom)),
		       coalesce(a.name <> b.name, false), coalesce(a.kind <> b.kind, false)
		FROM a FULL JOIN b ON a.code = b.code
		WHERE a.code IS NULL OR b.code IS NULL OR a.name <> b.name OR a.kind <> b.kind
		   OR NOT (ST_NPoints(a.geom) = ST_NPoints(b.geom) AND ST_Equals(a.geom, b.geom))
		ORDER BY 1`, from, to, prefix)
	if err != nil {
		return nil, fmt.Errorf("diff grids: %w", err)
	}
	for rows.Next() {
		var c GridChange
		var created, retired bool
		if err := rows.Scan(&c.Code, &created, &retired, &c.Geometry, &c.Name, &c.Kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("diff grids: %w", err)
		}
		switch {
		case created:
			d.Created = append(d.Created, c.Code)
		case retired:
			d.Retired = append(d.Retired, c.Code)
		default:
			d.Changed = append(d.Changed, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("diff grids: %w", err)
	}
	rows, err = st.Pool().Query(ctx, `
		WITH a AS (SELECT code, name, geom FROM area_history WHERE valid @> $1::timestamptz AND starts_with(code, $3)),
		     b AS (SELECT code, name, geom FROM area_history WHERE valid @> $2::timestamptz AND starts_with(code, $3))
		SELECT coalesce(a.code, b.code), a.code IS NULL, b.code IS NULL,
		       a.code IS NOT NULL AND b.code IS NOT NULL AND ST_AsEWKB(a.geom) IS DISTINCT FROM ST_AsEWKB(b.geom),
		       coalesce(a.name <> b.name, false)
		FROM a FULL JOIN b ON a.code = b.code
		WHERE a.code IS NULL OR b.code IS NULL OR a.name <> b.name OR ST_AsEWKB(a.geom) IS DISTINCT FROM ST_AsEWKB(b.geom)
		ORDER BY 1`, from, to, prefix)
	if err != nil {
		return nil, fmt.Errorf("diff areas: %w", err)
	}
	for rows.Next() {
		var c AreaChange
		if err := rows.Scan(&c.Code, &c.Created, &c.Removed, &c.Geometry, &c.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("diff areas: %w", err)
		}
		d.Areas = append(d.Areas, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("diff areas: %w", err)
	}
	rows, err = st.Pool().Query(ctx, `
		SELECT a.grid_code, b.grid_code, count(*) FILTER (WHERE a.record_type = 'household'), count(*) FILTER (WHERE a.record_type = 'unit'),
		       count(*) FILTER (WHERE a.record_type = 'standard_address'),
		       coalesce(sum((SELECT count(*) FROM resident r WHERE r.address_id = a.record_id)) FILTER (WHERE a.record_type = 'standard_address'), 0)
		FROM assignment a JOIN assignment b ON a.record_type = b.record_type AND a.record_id = b.record_id
		WHERE a.valid @> $1::timestamptz AND b.valid @> $2::timestamptz AND a.grid_code <> b.grid_code
		  AND (starts_with(a.grid_code, $3) OR starts_with(b.grid_code, $3))
		GROUP BY 1, 2 ORDER BY 1, 2`, from, to, prefix)
	if err != nil {
		return nil, fmt.Errorf("diff records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m ops.Move
		if err := rows.Scan(&m.From, &m.To, &m.Households, &m.Units, &m.Addresses, &m.Residents); err != nil {
			return nil, fmt.Errorf("diff records: %w", err)
		}
		d.Moves = append(d.Moves, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("diff records: %w", err)
	}
	return d, nil
}

// VersionTime returns the time at which the history shows dataset
// version v: when it was committed, or, for a version made by a proposal
// whose effective time lies after the start of its transaction (it waited
// for village locks), that effective time. store.ErrNotFound for a version that
// does not exist.
func VersionTime(ctx context.Context, st *store.Store, v int64) (time.Time, error) {
	var at time.Time
	err := st.Pool().QueryRow(ctx, `SELECT greatest(committed_at, (SELECT max(effective_at) FROM proposal WHERE applied_version = $1))
		FROM dataset_version WHERE version = $1`, v).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return at, fmt.Errorf("dataset version %d: %w", v, store.ErrNotFound)
	}
	if err != nil {
		return at, fmt.Errorf("dataset version %d: %w", v, err)
	}
	return at, nil
}

// GridLineage returns the lineage links where code is the old or the new
// code, oldest first.
func GridLineage(ctx context.Context, st *store.Store, code geo.Code) ([]ops.Lineage, error) {
	rows, err := st.Pool().Query(ctx, `SELECT old_code, new_code, proposal, at FROM grid_lineage
		WHERE old_code = $1 OR new_code = $1 ORDER BY at, old_code, new_code`, code)
	if err != nil {
		return nil, fmt.Errorf("lineage of %s: %w", code, err)
	}
	defer rows.Close()
	var out []ops.Lineage
	for rows.Next() {
		var l ops.Lineage
		if err := rows.Scan(&l.Old, &l.New, &l.Proposal, &l.At); err != nil {
			return nil, fmt.Errorf("lineage of %s: %w", code, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
