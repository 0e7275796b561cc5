package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
)

// Version returns the current dataset version (0 before the first change).
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM dataset_version").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read dataset version: %w", err)
	}
	return v, nil
}

// LoadSnapshot reads the current areas and grids, with their household and
// unit counts, at one consistent point in time (a repeatable-read
// transaction), and returns them as a snapshot of that dataset version.
func (s *Store) LoadSnapshot(ctx context.Context) (*geo.Snapshot, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	defer tx.Rollback(ctx)

	var version int64
	var now time.Time
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0), now() FROM dataset_version").Scan(&version, &now); err != nil {
		return nil, fmt.Errorf("load snapshot version: %w", err)
	}

	grids, err := scanGrids(ctx, tx, `
		WITH h AS (SELECT grid_code, count(*) AS n FROM household GROUP BY grid_code),
		     u AS (SELECT grid_code, count(*) AS n FROM unit GROUP BY grid_code)
		SELECT g.code, g.kind, g.name, g.village, coalesce(g.parent_grid, ''), g.geom,
		       lower(g.valid), upper(g.valid), coalesce(h.n, 0), coalesce(u.n, 0)
		FROM grid_current g
		LEFT JOIN h ON h.grid_code = g.code
		LEFT JOIN u ON u.grid_code = g.code
		ORDER BY g.code`)
	if err != nil {
		return nil, fmt.Errorf("load snapshot grids: %w", err)
	}

	// Household counts per area add up those of the grids inside it. A
	// household is tied to one code, a grid's or a sub-grid's, so adding
	// both levels counts each once.
	perArea := make(map[geo.Code]int)
	for _, g := range grids {
		for l := geo.LevelCity; l <= geo.LevelVillage; l++ {
			perArea[g.Code.Ancestor(l)] += g.Households
		}
	}

	rows, err := tx.Query(ctx, `SELECT code, level, name, coalesce(parent, ''), geom FROM area ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("load snapshot areas: %w", err)
	}
	var areas []geo.Area
	for rows.Next() {
		var a geo.Area
		var code, level, parent string
		if err := rows.Scan(&code, &level, &a.Name, &parent, multiPolygonScanner{&a.Geom}); err != nil {
			return nil, fmt.Errorf("load snapshot areas: %w", err)
		}
		a.Code, a.Parent = geo.Code(code), geo.Code(parent)
		if a.Level, err = geo.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("area %s: %w", code, err)
		}
		a.Households = perArea[a.Code]
		areas = append(areas, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load snapshot areas: %w", err)
	}
	return geo.NewSnapshot(version, now, areas, grids), nil
}

// scanGrids reads rows of (code, kind, name, village, parent_grid, geom,
// valid_from, valid_to, households, units).
func scanGrids(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string, args ...any) ([]geo.Grid, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var grids []geo.Grid
	for rows.Next() {
		var g geo.Grid
		var code, kind, village, parent string
		var to *time.Time
		if err := rows.Scan(&code, &kind, &g.Name, &village, &parent, multiPolygonScanner{&g.Geom},
			&g.ValidFrom, &to, &g.Households, &g.Units); err != nil {
			return nil, err
		}
		g.Code, g.Kind, g.Village, g.ParentGrid = geo.Code(code), geo.Kind(kind), geo.Code(village), geo.Code(parent)
		if to != nil {
			g.ValidTo = *to
		}
		grids = append(grids, g)
	}
	return grids, rows.Err()
}
