package features

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// Collection names a feature collection of the read API.
type Collection string

// The collections: administrative areas and current grids.
const (
	CollectionAreas Collection = "areas"
	CollectionGrids Collection = "grids"
)

// ItemsQuery selects a page of a collection. The zero value of each filter
// means "no filter". Limit must be positive; callers validate the ranges.
type ItemsQuery struct {
	BBox   *orb.Bound // features whose geometry intersects it (SRID 4326)
	Limit  int
	Offset int
	Level  geo.Level // areas: city..village; grids: grid or subgrid
	Kind   geo.Kind  // grids only
	// After, when set, starts the page right after the feature with that
	// code (in code order) instead of at Offset: paging by key, so a walk
	// along next links neither repeats nor skips a feature when the data
	// change between two pages. Current features only (Time nil).
	After geo.Code
	// Time selects the versions (of grids, or of areas from their
	// history) valid at some moment of a time range instead of the
	// current ones (nil: current).
	Time *TimeRange
}

// TimeRange is a closed range of instants; a zero end is open. From ==
// To is one instant.
type TimeRange struct {
	From, To time.Time
}

// Page is one page of a collection, ordered by code. Only the slice of
// the collection asked for is set.
type Page struct {
	Areas   []geo.Area
	Grids   []geo.Grid
	Matched int64 // features matching the filters, across all pages
	// Offset is the position of the page's first feature among those
	// matched: the query's Offset, or with After where that code's
	// successor is now.
	Offset int
	// Version is the dataset version the page was read from; 0 when read
	// from PostGIS.
	Version int64
}

const areaColumns = `a.code, a.level, a.name, coalesce(a.parent, ''), a.geom`

// gridColumns are the columns store.ScanGrids reads; households and units are
// counted for current versions only (history has no counts).
const gridColumns = `g.code, g.kind, g.name, g.village, coalesce(g.parent_grid, ''), g.geom,
	lower(g.valid), upper(g.valid),
	CASE WHEN g.valid @> now() THEN (SELECT count(*) FROM household h WHERE h.grid_code = g.code) ELSE 0 END,
	CASE WHEN g.valid @> now() THEN (SELECT count(*) FROM unit u WHERE u.grid_code = g.code) ELSE 0 END`

// gridColumnsNoCounts is gridColumns without the counts (zero), for pages
// of up to thousands of grids where counting would dominate the query.
const gridColumnsNoCounts = `g.code, g.kind, g.name, g.village, coalesce(g.parent_grid, ''), g.geom,
	lower(g.valid), upper(g.valid), 0, 0`

// Area returns the area with the code (a 12-digit area code).
func Area(ctx context.Context, st *store.Store, code geo.Code) (geo.Area, error) {
	areas, err := scanAreas(ctx, st.Pool(), `SELECT `+areaColumns+` FROM area a WHERE a.code = $1`, string(code))
	if err != nil {
		return geo.Area{}, fmt.Errorf("read area %s: %w", code, err)
	}
	if len(areas) == 0 {
		return geo.Area{}, fmt.Errorf("area %s: %w", code, store.ErrNotFound)
	}
	return areas[0], nil
}

// AreaVersion is one version of an area: its code, name, parent and
// boundary over a validity range. ValidFrom is zero for the first version
// of an area imported without a start (it holds from -infinity), ValidTo
// zero while current.
type AreaVersion struct {
	geo.Area
	ValidFrom time.Time
	ValidTo   time.Time
}

// areaVersionColumns are the columns scanAreaVersions reads.
const areaVersionColumns = `a.code, a.level, a.name, coalesce(a.parent, ''), a.geom,
	nullif(lower(a.valid), '-infinity'), upper(a.valid)`

// AreaAt returns the area with the code as it was at time at (outline,
// name and parent from area_history): an edge-matched vertex added later
// is not in it. store.ErrNotFound when the area did not exist then.
func AreaAt(ctx context.Context, st *store.Store, code geo.Code, at time.Time) (AreaVersion, error) {
	vs, err := scanAreaVersions(ctx, st.Pool(), `SELECT `+areaVersionColumns+` FROM area_history a
		WHERE a.code = $1 AND a.valid @> $2::timestamptz`, string(code), at)
	if err != nil {
		return AreaVersion{}, fmt.Errorf("read area %s at %s: %w", code, at.Format(time.RFC3339), err)
	}
	if len(vs) == 0 {
		return AreaVersion{}, fmt.Errorf("area %s at %s: %w", code, at.Format(time.RFC3339), store.ErrNotFound)
	}
	return vs[0], nil
}

// AreaVersions returns every version of the area, oldest first. A code
// that never existed is store.ErrNotFound.
func AreaVersions(ctx context.Context, st *store.Store, code geo.Code) ([]AreaVersion, error) {
	vs, err := scanAreaVersions(ctx, st.Pool(), `SELECT `+areaVersionColumns+` FROM area_history a
		WHERE a.code = $1 ORDER BY lower(a.valid)`, string(code))
	if err != nil {
		return nil, fmt.Errorf("read versions of area %s: %w", code, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("area %s: %w", code, store.ErrNotFound)
	}
	return vs, nil
}

// Children returns what lies one level below an area: the areas whose
// parent it is, or, for a village, its current grids (sub-grids are
// children of their exclusive grid, not of the village). It fails with
// store.ErrNotFound when the area does not exist.
func Children(ctx context.Context, st *store.Store, code geo.Code) ([]geo.Area, []geo.Grid, error) {
	if _, err := Area(ctx, st, code); err != nil {
		return nil, nil, err
	}
	if code.Level() == geo.LevelVillage {
		grids, err := store.ScanGrids(ctx, st.Pool(), `SELECT `+gridColumns+` FROM grid_current g
			WHERE g.village = $1 AND g.parent_grid IS NULL ORDER BY g.code`, string(code))
		if err != nil {
			return nil, nil, fmt.Errorf("read grids of village %s: %w", code, err)
		}
		return nil, grids, nil
	}
	areas, err := scanAreas(ctx, st.Pool(), `SELECT `+areaColumns+` FROM area a WHERE a.parent = $1 ORDER BY a.code`, string(code))
	if err != nil {
		return nil, nil, fmt.Errorf("read children of area %s: %w", code, err)
	}
	return areas, nil, nil
}

// Grid returns the current version of the grid with the code.
func Grid(ctx context.Context, st *store.Store, code geo.Code) (geo.Grid, error) {
	grids, err := store.ScanGrids(ctx, st.Pool(), `SELECT `+gridColumns+` FROM grid_current g WHERE g.code = $1`, string(code))
	if err != nil {
		return geo.Grid{}, fmt.Errorf("read grid %s: %w", code, err)
	}
	if len(grids) == 0 {
		return geo.Grid{}, fmt.Errorf("current grid %s: %w", code, store.ErrNotFound)
	}
	return grids[0], nil
}

// GridVersions returns every version of the grid, oldest first (ValidTo is
// zero for the current one). A code that never existed is store.ErrNotFound.
func GridVersions(ctx context.Context, st *store.Store, code geo.Code) ([]geo.Grid, error) {
	grids, err := store.ScanGrids(ctx, st.Pool(), `SELECT `+gridColumns+` FROM grid g WHERE g.code = $1 ORDER BY lower(g.valid)`, string(code))
	if err != nil {
		return nil, fmt.Errorf("read versions of grid %s: %w", code, err)
	}
	if len(grids) == 0 {
		return nil, fmt.Errorf("grid %s: %w", code, store.ErrNotFound)
	}
	return grids, nil
}

// Items returns one page of a collection (current grids, or areas), in
// code order, with the number of features matching the filters. Grids
// come without household and unit counts (Grid has them). The bbox
// filter is ST_Intersects (boundaries included) and uses the GiST index.
func Items(ctx context.Context, st *store.Store, c Collection, q ItemsQuery) (Page, error) {
	if q.Limit <= 0 || q.Offset < 0 {
		return Page{}, fmt.Errorf("items of %s: limit %d must be positive and offset %d not negative", c, q.Limit, q.Offset)
	}
	var from string
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.BBox != nil {
		// ST_Envelope of the diagonal is the box, or a point or a line when
		// the box has no width or height: ST_MakeEnvelope would give a
		// degenerate polygon that intersects nothing.
		where = append(where, fmt.Sprintf("ST_Intersects(%s.geom, ST_Envelope(ST_SetSRID(ST_MakeLine(ST_MakePoint(%s::float8, %s::float8), ST_MakePoint(%s::float8, %s::float8)), 4326)))",
			map[Collection]string{CollectionAreas: "a", CollectionGrids: "g"}[c],
			arg(q.BBox.Min[0]), arg(q.BBox.Min[1]), arg(q.BBox.Max[0]), arg(q.BBox.Max[1])))
	}
	switch c {
	case CollectionAreas:
		from = `FROM area a`
		if q.Kind != "" {
			return Page{}, fmt.Errorf("items of areas: areas have no kind")
		}
		if q.Time != nil {
			from = `FROM area_history a`
			where = append(where, "a.valid && tstzrange("+arg(timeOrNil(q.Time.From))+"::timestamptz, "+arg(timeOrNil(q.Time.To))+"::timestamptz, '[]')")
		}
		if q.Level != geo.LevelUnknown {
			where = append(where, "a.level = "+arg(q.Level.String()))
		}
	case CollectionGrids:
		from = `FROM grid_current g`
		if q.Time != nil {
			from = `FROM grid g`
			where = append(where, "g.valid && tstzrange("+arg(timeOrNil(q.Time.From))+"::timestamptz, "+arg(timeOrNil(q.Time.To))+"::timestamptz, '[]')")
		}
		if q.Kind != "" {
			where = append(where, "g.kind = "+arg(string(q.Kind)))
		}
		switch q.Level {
		case geo.LevelUnknown:
		case geo.LevelGrid:
			where = append(where, "g.parent_grid IS NULL")
		case geo.LevelSubGrid:
			where = append(where, "g.parent_grid IS NOT NULL")
		default:
			return Page{}, fmt.Errorf("items of grids: level %s is not a grid level", q.Level)
		}
	default:
		return Page{}, fmt.Errorf("items: unknown collection %q", c)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}

	alias := "g"
	if c == CollectionAreas {
		alias = "a"
	}
	var out Page
	offset := q.Offset
	if q.After != "" {
		if q.Time != nil {
			return Page{}, fmt.Errorf("items of %s: after pages the current features, not versions at a time", c)
		}
		var before int64
		after := arg(string(q.After))
		if err := st.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE `+alias+`.code <= `+after+`) `+from+cond, args...).
			Scan(&out.Matched, &before); err != nil {
			return Page{}, fmt.Errorf("count items of %s: %w", c, err)
		}
		offset = int(before)
		if cond == "" {
			cond = " WHERE "
		} else {
			cond += " AND "
		}
		cond += alias + ".code > " + after
	} else if err := st.Pool().QueryRow(ctx, `SELECT count(*) `+from+cond, args...).Scan(&out.Matched); err != nil {
		return Page{}, fmt.Errorf("count items of %s: %w", c, err)
	}
	out.Offset = offset
	order := " ORDER BY a.code"
	if c == CollectionAreas && q.Time != nil {
		order = " ORDER BY a.code, lower(a.valid)"
	}
	if c == CollectionGrids {
		order = " ORDER BY g.code, lower(g.valid)"
	}
	page := order + " LIMIT " + arg(q.Limit)
	if q.After == "" {
		page += " OFFSET " + arg(q.Offset)
	}
	var err error
	if c == CollectionAreas {
		out.Areas, err = scanAreas(ctx, st.Pool(), `SELECT `+areaColumns+` `+from+cond+page, args...)
	} else {
		out.Grids, err = store.ScanGrids(ctx, st.Pool(), `SELECT `+gridColumnsNoCounts+` `+from+cond+page, args...)
	}
	if err != nil {
		return Page{}, fmt.Errorf("read items of %s: %w", c, err)
	}
	return out, nil
}

// Extent returns the bounding box of a collection (current grids, or
// areas); ok is false when it is empty.
func Extent(ctx context.Context, st *store.Store, c Collection) (b orb.Bound, ok bool, err error) {
	var sql string
	switch c {
	case CollectionAreas:
		sql = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM area) x`
	case CollectionGrids:
		sql = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grid_current) x`
	default:
		return orb.Bound{}, false, fmt.Errorf("extent: unknown collection %q", c)
	}
	var v [4]*float64
	if err := st.Pool().QueryRow(ctx, sql).Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
		return orb.Bound{}, false, fmt.Errorf("extent of %s: %w", c, err)
	}
	if v[0] == nil {
		return orb.Bound{}, false, nil
	}
	return orb.Bound{Min: orb.Point{*v[0], *v[1]}, Max: orb.Point{*v[2], *v[3]}}, true, nil
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// scanAreas reads rows of (code, level, name, parent, geom).
func scanAreas(ctx context.Context, q store.Querier, sql string, args ...any) ([]geo.Area, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var areas []geo.Area
	for rows.Next() {
		var a geo.Area
		var code, level, parent string
		if err := rows.Scan(&code, &level, &a.Name, &parent, store.ScanMultiPolygon(&a.Geom)); err != nil {
			return nil, err
		}
		a.Code, a.Parent = geo.Code(code), geo.Code(parent)
		if a.Level, err = geo.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("area %s: %w", code, err)
		}
		areas = append(areas, a)
	}
	return areas, rows.Err()
}

// scanAreaVersions reads rows of areaVersionColumns.
func scanAreaVersions(ctx context.Context, q store.Querier, sql string, args ...any) ([]AreaVersion, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AreaVersion
	for rows.Next() {
		var v AreaVersion
		var code, level, parent string
		var from, to *time.Time
		if err := rows.Scan(&code, &level, &v.Name, &parent, store.ScanMultiPolygon(&v.Geom), &from, &to); err != nil {
			return nil, err
		}
		v.Code, v.Parent = geo.Code(code), geo.Code(parent)
		if v.Level, err = geo.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("area %s: %w", code, err)
		}
		if from != nil {
			v.ValidFrom = *from
		}
		if to != nil {
			v.ValidTo = *to
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
