package features

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/feature"
	"gridmap/geo"
	"gridmap/store"
)

// ExportFilter selects what ExportAreas and ExportGrids write.
type ExportFilter struct {
	// Level keeps one level only: city, county, town or village for
	// areas; grid or subgrid for grids. LevelUnknown keeps all.
	Level geo.Level
	// Within keeps the areas or grids inside an area or grid (by code,
	// itself included); "" keeps all.
	Within geo.Code
	// At exports the grid and area versions valid at that time (zero:
	// current).
	At time.Time
}

// prefix is the code prefix Within selects by.
func (f ExportFilter) prefix() string {
	if f.Within == "" {
		return ""
	}
	return f.Within.Short()
}

// ExportAreas streams the areas to w as features with the properties
// code, name, level and parent, in code order, and returns how many it
// wrote. The caller closes w. Rows are read as PostgreSQL sends them,
// never all at once.
func ExportAreas(ctx context.Context, st *store.Store, w *feature.Writer, f ExportFilter) (int, error) {
	level := ""
	if f.Level != geo.LevelUnknown {
		if f.Level > geo.LevelVillage {
			return 0, fmt.Errorf("export areas: level %s is not an area level: want city, county, town or village", f.Level)
		}
		level = f.Level.String()
	}
	// Current areas come from area, earlier ones from area_history (its
	// open rows equal area, as gridd check verifies).
	var at any
	if !f.At.IsZero() {
		at = f.At
	}
	rows, err := st.Pool().Query(ctx, `
		SELECT code, level, name, coalesce(parent, ''), geom FROM area
		WHERE $3::timestamptz IS NULL AND ($1 = '' OR level = $1) AND ($2 = '' OR left(code, length($2)) = $2)
		UNION ALL
		SELECT code, level, name, coalesce(parent, ''), geom FROM area_history
		WHERE $3::timestamptz IS NOT NULL AND valid @> $3::timestamptz
		  AND ($1 = '' OR level = $1) AND ($2 = '' OR left(code, length($2)) = $2)
		ORDER BY code`, level, f.prefix(), at)
	if err != nil {
		return 0, fmt.Errorf("export areas: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var code, lvl, name, parent string
		var mp orb.MultiPolygon
		if err := rows.Scan(&code, &lvl, &name, &parent, store.ScanMultiPolygon(&mp)); err != nil {
			return n, fmt.Errorf("export areas: %w", err)
		}
		props := map[string]any{"code": code, "name": name, "level": lvl}
		if parent != "" {
			props["parent"] = parent
		}
		ft := &feature.Feature{ID: code, Properties: props}
		if len(mp) > 0 {
			ft.Geometry = mp
		}
		if err := w.Write(ft); err != nil {
			return n, fmt.Errorf("export areas: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export areas: %w", err)
	}
	return n, nil
}

// ExportGrids streams the grid versions valid at f.At (current ones when
// zero) to w as features with the properties code, name, kind, village,
// parent (sub-grids), valid_from and valid_to (when closed), in code
// order, and returns how many it wrote. The caller closes w.
func ExportGrids(ctx context.Context, st *store.Store, w *feature.Writer, f ExportFilter) (int, error) {
	length := 0
	switch f.Level {
	case geo.LevelUnknown:
	case geo.LevelGrid:
		length = 15
	case geo.LevelSubGrid:
		length = 17
	default:
		return 0, fmt.Errorf("export grids: level %s is not a grid level: want grid or subgrid", f.Level)
	}
	var at any
	if !f.At.IsZero() {
		at = f.At
	}
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, fmt.Errorf("export grids: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, `
		SELECT code, kind, name, village, coalesce(parent_grid, ''), geom, lower(valid), upper(valid)
		FROM grid
		WHERE valid @> coalesce($1::timestamptz, now())
		  AND ($2 = 0 OR length(code) = $2) AND ($3 = '' OR left(code, length($3)) = $3)
		ORDER BY code`, at, length, f.prefix())
	if err != nil {
		return 0, fmt.Errorf("export grids: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var code, kind, name, village, parent string
		var mp orb.MultiPolygon
		var from time.Time
		var to *time.Time
		if err := rows.Scan(&code, &kind, &name, &village, &parent, store.ScanMultiPolygon(&mp), &from, &to); err != nil {
			return n, fmt.Errorf("export grids: %w", err)
		}
		props := map[string]any{"code": code, "name": name, "kind": kind, "village": village,
			"valid_from": from.UTC().Format(time.RFC3339)}
		if parent != "" {
			props["parent"] = parent
		}
		if to != nil {
			props["valid_to"] = to.UTC().Format(time.RFC3339)
		}
		if err := w.Write(&feature.Feature{ID: code, Properties: props, Geometry: mp}); err != nil {
			return n, fmt.Errorf("export grids: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export grids: %w", err)
	}
	return n, nil
}
