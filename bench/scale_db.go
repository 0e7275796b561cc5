package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/store"
	"gridmap/tiles"
)

// dbFigures are the database parts of one size: the snapshot load of the
// synthetic city written to a scratch database, and a change of one grid
// from its commit to the new state built (the reload reading only the
// changed grid, then the index and tile data from the previous ones).
type dbFigures struct {
	write, load, reload, rebuild time.Duration
}

// WriteSynthetic writes the areas and grids of snap (a synthetic city)
// and its per-grid household counts into st, which must hold no areas,
// by COPY, as one dataset version. Household rows are not written: a
// snapshot load reads the per-grid counts the triggers keep
// (record_count), never the households themselves.
func WriteSynthetic(ctx context.Context, st *store.Store, snap *geo.Snapshot) error {
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("write synthetic city: the database already holds areas; give an empty scratch database")
	}
	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		return fmt.Errorf("write synthetic city: %w", err)
	}
	defer tx.Rollback(ctx)
	areas := make([][]any, 0, len(snap.Areas))
	for _, a := range snap.Areas {
		var parent *string
		if a.Parent != "" {
			p := string(a.Parent)
			parent = &p
		}
		areas = append(areas, []any{string(a.Code), a.Level.String(), a.Name, parent, store.Geom(a.Geom)})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"area"}, []string{"code", "level", "name", "parent", "geom"}, pgx.CopyFromRows(areas)); err != nil {
		return fmt.Errorf("write synthetic areas: %w", err)
	}
	// Grids before sub-grids: a sub-grid's trigger looks its grid up.
	for _, sub := range []bool{false, true} {
		var rows [][]any
		for _, g := range snap.Grids {
			if (g.ParentGrid != "") != sub {
				continue
			}
			var parent *string
			if sub {
				p := string(g.ParentGrid)
				parent = &p
			}
			valid := pgtype.Range[pgtype.Timestamptz]{
				Lower: pgtype.Timestamptz{Time: g.ValidFrom, Valid: true}, LowerType: pgtype.Inclusive,
				UpperType: pgtype.Unbounded, Valid: true,
			}
			rows = append(rows, []any{string(g.Code), string(g.Kind), string(g.Village), parent, g.Name, store.Geom(g.Geom), valid})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"grid"}, []string{"code", "kind", "village", "parent_grid", "name", "geom", "valid"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("write synthetic grids: %w", err)
		}
	}
	var counts [][]any
	for _, g := range snap.Grids {
		if g.Households != 0 || g.Units != 0 {
			counts = append(counts, []any{string(g.Code), int32(g.Households), int32(g.Units)})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"record_count"}, []string{"grid_code", "households", "units"}, pgx.CopyFromRows(counts)); err != nil {
		return fmt.Errorf("write synthetic household counts: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT bump_dataset_version('bench: synthetic city')`); err != nil {
		return fmt.Errorf("write synthetic city: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("write synthetic city: %w", err)
	}
	// As autovacuum would leave it before anyone reads it.
	if _, err := st.Pool().Exec(ctx, `VACUUM ANALYZE area, grid, grid_code, record_count`); err != nil {
		return fmt.Errorf("vacuum synthetic city: %w", err)
	}
	return nil
}

// emptySynthetic removes what WriteSynthetic wrote (and whatever refers
// to it), so the next size starts from an empty database.
func emptySynthetic(ctx context.Context, st *store.Store) error {
	// grid_code refuses TRUNCATE (a code is never reused, migration 008):
	// this is a scratch database the run filled itself, so the rule is
	// lifted for the one statement, in one transaction.
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		for _, q := range []string{
			`ALTER TABLE grid_code DISABLE TRIGGER grid_code_no_truncate`,
			`TRUNCATE area, area_history, grid_code, grid_seq, dataset_version CASCADE`,
			`ALTER TABLE grid_code ENABLE TRIGGER grid_code_no_truncate`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("empty the scratch database: %w", err)
	}
	return nil
}

// measureDB writes snap into the scratch database st, times its snapshot
// load, then commits a new version of one grid (a vertex added in the
// middle of an edge of its outer ring) and times the reload that follows:
// reading the snapshot from the previous one, then the lookup index and
// tile data from the previous ones (what a following gridd does between
// the notification and serving the change).
func measureDB(ctx context.Context, st *store.Store, snap *geo.Snapshot) (dbFigures, error) {
	var f dbFigures
	start := time.Now()
	if err := WriteSynthetic(ctx, st, snap); err != nil {
		return f, err
	}
	f.write = time.Since(start)
	start = time.Now()
	loaded, err := st.LoadSnapshot(ctx)
	if err != nil {
		return f, err
	}
	f.load = time.Since(start)
	if len(loaded.Grids) != len(snap.Grids) || len(loaded.Areas) != len(snap.Areas) {
		return f, fmt.Errorf("scratch database: loaded %d grids and %d areas, wrote %d and %d", len(loaded.Grids), len(loaded.Areas), len(snap.Grids), len(snap.Areas))
	}
	prev := live.FromSnapshot(loaded)

	g := loaded.Grids[len(loaded.Grids)/2]
	mp := orb.MultiPolygon{{slices.Clone(g.Geom[0][0])}}
	r := mp[0][0]
	mp[0][0] = slices.Insert(r, 1, orb.Point{(r[0][0] + r[1][0]) / 2, (r[0][1] + r[1][1]) / 2})
	if _, err := st.Pool().Exec(ctx, `
		WITH old AS (
			UPDATE grid SET valid = tstzrange(lower(valid), now())
			WHERE code = $1 AND upper_inf(valid) RETURNING code, kind, village, parent_grid, name)
		, ins AS (
			INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			SELECT code, kind, village, parent_grid, name, $2, tstzrange(now(), NULL) FROM old)
		SELECT bump_dataset_version('bench: new version of one grid')`, string(g.Code), store.Geom(mp)); err != nil {
		return f, fmt.Errorf("change one grid: %w", err)
	}
	start = time.Now()
	next, err := st.LoadSnapshotFrom(ctx, prev.Snap)
	if err != nil {
		return f, err
	}
	f.reload = time.Since(start)
	start = time.Now()
	done := make(chan struct{})
	go func() { defer close(done); tiles.PrepareFrom(next, prev.Tiles) }()
	geo.NewIndexFrom(prev.Index, next, geo.IndexOptions{})
	<-done
	f.rebuild = time.Since(start)
	if got := next.Grid(g.Code); got == nil || len(got.Geom[0][0]) != len(r)+1 {
		return f, fmt.Errorf("scratch database: the reload does not hold the changed grid %s", g.Code)
	}
	return f, emptySynthetic(ctx, st)
}
