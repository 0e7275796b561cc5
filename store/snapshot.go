package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

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
// unit counts, at one consistent point in time, and returns them as a
// snapshot of that dataset version.
func (s *Store) LoadSnapshot(ctx context.Context) (*geo.Snapshot, error) {
	return s.LoadSnapshotFrom(ctx, nil)
}

// LoadSnapshotFrom is LoadSnapshot reusing the geometry of prev (an
// earlier snapshot; may be nil) for every grid version it already holds,
// so a reload after a small change transfers and decodes only the grids
// that changed. A grid version's geometry never changes once written (a
// change is a new version, with a new valid_from), so (code, valid_from)
// identifies it.
//
// The three parts — grids, areas, and the household and unit counts (kept
// per grid by triggers in record_count) — run on three connections at
// once, all in one exported repeatable-read snapshot, so they see exactly
// the same committed state.
func (s *Store) LoadSnapshotFrom(ctx context.Context, prev *geo.Snapshot) (*geo.Snapshot, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	defer tx.Rollback(ctx)

	var version int64
	var now time.Time
	var snapshotID string
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0), now(), pg_export_snapshot() FROM dataset_version").
		Scan(&version, &now, &snapshotID); err != nil {
		return nil, fmt.Errorf("load snapshot version: %w", err)
	}

	// inSnapshot runs f in a read-only transaction on another connection
	// that sees the exported snapshot.
	inSnapshot := func(ctx context.Context, f func(pgx.Tx) error) error {
		tx2, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx2.Rollback(ctx)
		if _, err := tx2.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snapshotID+"'"); err != nil { // an id from pg_export_snapshot, not user input
			return fmt.Errorf("share snapshot: %w", err)
		}
		return f(tx2)
	}

	type counts struct{ households, units int }
	var (
		grids   []geo.Grid
		areas   []geo.Area
		perGrid map[string]counts
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return inSnapshot(gctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(gctx, `SELECT grid_code, households, units FROM record_count
				WHERE households <> 0 OR units <> 0`)
			if err != nil {
				return fmt.Errorf("load snapshot counts: %w", err)
			}
			defer rows.Close()
			perGrid = make(map[string]counts, 32768)
			for rows.Next() {
				var code string
				var c counts
				if err := rows.Scan(&code, &c.households, &c.units); err != nil {
					return fmt.Errorf("load snapshot counts: %w", err)
				}
				perGrid[code] = c
			}
			return rows.Err()
		})
	})
	g.Go(func() error {
		return inSnapshot(gctx, func(tx pgx.Tx) error {
			var err error
			areas, err = loadAreas(gctx, tx, prev)
			return err
		})
	})
	g.Go(func() error {
		var err error
		grids, err = loadGrids(gctx, tx, prev)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Household counts per area add up those of the grids inside it. A
	// household is tied to one code, a grid's or a sub-grid's, so adding
	// both levels counts each once.
	perArea := make(map[geo.Code]int, len(areas))
	for i := range grids {
		c := perGrid[string(grids[i].Code)]
		grids[i].Households, grids[i].Units = c.households, c.units
		for l := geo.LevelCity; l <= geo.LevelVillage; l++ {
			perArea[grids[i].Code.Ancestor(l)] += c.households
		}
	}
	for i := range areas {
		areas[i].Households = perArea[areas[i].Code]
	}
	return geo.NewSnapshot(version, now, areas, grids), nil
}

// loadGrids reads the current grids in code order, taking the geometry of
// versions prev already holds from prev.
func loadGrids(ctx context.Context, tx pgx.Tx, prev *geo.Snapshot) ([]geo.Grid, error) {
	var known []string
	var knownFrom []time.Time
	if prev != nil {
		known = make([]string, 0, len(prev.Grids))
		knownFrom = make([]time.Time, 0, len(prev.Grids))
		for _, g := range prev.Grids {
			known = append(known, string(g.Code))
			knownFrom = append(knownFrom, g.ValidFrom)
		}
	}
	rows, err := tx.Query(ctx, `
		SELECT g.code, g.kind, g.name, g.village, coalesce(g.parent_grid, ''),
		       CASE WHEN k.code IS NULL THEN g.geom END,
		       lower(g.valid), upper(g.valid)
		FROM grid_current g
		LEFT JOIN unnest($1::text[], $2::timestamptz[]) AS k(code, valid_from)
		  ON k.code = g.code AND k.valid_from = lower(g.valid)
		ORDER BY g.code`, known, knownFrom)
	if err != nil {
		return nil, fmt.Errorf("load snapshot grids: %w", err)
	}
	defer rows.Close()
	var grids []geo.Grid
	for rows.Next() {
		var g geo.Grid
		var code, kind, village, parent string
		var to *time.Time
		var geom orb.MultiPolygon
		if err := rows.Scan(&code, &kind, &g.Name, &village, &parent, MultiPolygonScanner{&geom},
			&g.ValidFrom, &to); err != nil {
			return nil, fmt.Errorf("load snapshot grids: %w", err)
		}
		g.Code, g.Kind, g.Village, g.ParentGrid = geo.Code(code), geo.Kind(kind), geo.Code(village), geo.Code(parent)
		if to != nil {
			g.ValidTo = *to
		}
		if geom == nil {
			p := prev.Grid(g.Code)
			if p == nil || !p.ValidFrom.Equal(g.ValidFrom) {
				return nil, fmt.Errorf("load snapshot grids: no geometry for %s", code)
			}
			geom = p.Geom
		}
		g.Geom = geom
		grids = append(grids, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load snapshot grids: %w", err)
	}
	return grids, nil
}

// loadAreas reads every area in code order (household counts are left
// 0), taking the boundary of the areas prev already holds in the same
// version from prev. An area's version is its row's xmin: every write of
// the row makes a new one (a transaction that writes it twice shows only
// its last write to a later load).
func loadAreas(ctx context.Context, tx pgx.Tx, prev *geo.Snapshot) ([]geo.Area, error) {
	var known, knownVersion []string
	if prev != nil {
		for _, a := range prev.Areas {
			if a.Version != "" {
				known = append(known, string(a.Code))
				knownVersion = append(knownVersion, a.Version)
			}
		}
	}
	rows, err := tx.Query(ctx, `
		SELECT a.code, a.level, a.name, coalesce(a.parent, ''),
		       CASE WHEN k.code IS NULL THEN a.geom END, a.xmin::text, k.code IS NOT NULL
		FROM area a
		LEFT JOIN unnest($1::text[], $2::text[]) AS k(code, version)
		  ON k.code = a.code AND k.version = a.xmin::text
		ORDER BY a.code`, known, knownVersion)
	if err != nil {
		return nil, fmt.Errorf("load snapshot areas: %w", err)
	}
	defer rows.Close()
	var areas []geo.Area
	var prevAt map[geo.Code]*geo.Area
	for rows.Next() {
		var a geo.Area
		var code, level, parent string
		var geom orb.MultiPolygon
		var reused bool
		if err := rows.Scan(&code, &level, &a.Name, &parent, MultiPolygonScanner{&geom}, &a.Version, &reused); err != nil {
			return nil, fmt.Errorf("load snapshot areas: %w", err)
		}
		a.Code, a.Parent = geo.Code(code), geo.Code(parent)
		if a.Level, err = geo.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("area %s: %w", code, err)
		}
		if reused {
			if prevAt == nil {
				prevAt = make(map[geo.Code]*geo.Area, len(prev.Areas))
				for i := range prev.Areas {
					prevAt[prev.Areas[i].Code] = &prev.Areas[i]
				}
			}
			p := prevAt[a.Code]
			if p == nil || p.Version != a.Version {
				return nil, fmt.Errorf("load snapshot areas: no boundary for %s", code)
			}
			geom = p.Geom
		}
		a.Geom = geom
		areas = append(areas, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load snapshot areas: %w", err)
	}
	return areas, nil
}

// ScanGrids runs sql and reads its rows of (code, kind, name, village,
// parent_grid, geom, valid_from, valid_to, households, units): the snapshot
// load and the read API share it.
func ScanGrids(ctx context.Context, q Querier, sql string, args ...any) ([]geo.Grid, error) {
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
		if err := rows.Scan(&code, &kind, &g.Name, &village, &parent, MultiPolygonScanner{&g.Geom},
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
