package demo

import (
	"context"
	"fmt"

	"gridmap/geo"
)

// Households and units are points strictly inside their grid
// (ST_GeneratePoints, asked for a few more points than needed because it
// may stop short in ragged grids), tied to it with one open assignment each. Records are
// tied to 15-digit grids: a household inside an exclusive grid gets the
// exclusive grid's code, never a sub-grid's (sub-grids are the unit's own
// finer division, Art. 7), so its points are drawn in the whole exclusive
// grid.
const (
	sqlHouseholds = `
		WITH h AS (
			INSERT INTO household (address, persons, geom, grid_code)
			SELECT CASE WHEN g.building < 0 THEN g.addr || d.path[1] || '号'
			       ELSE g.addr || (g.building + (d.path[1] - 1) / 20 + 1) || '幢'
			            || ((d.path[1] - 1) % 20 / 4 + 1) || '0' || ((d.path[1] - 1) % 4 + 1) || '室' END,
			       (ARRAY[1, 2, 2, 3, 3, 3, 4, 4, 5, 6])[1 + (hashint8(d.path[1]::bigint * 7919 + g.hseed) & 1023) % 10],
			       d.geom, g.code
			FROM demo_grid g
			JOIN demo_gridgeom gg ON gg.code = g.code
			CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.households + 2 + g.households / 8, g.hseed)) d
			WHERE g.parent_grid IS NULL AND g.households > 0 AND g.village LIKE $1 AND d.path[1] <= g.households
			RETURNING id, grid_code
		)
		INSERT INTO assignment (record_type, record_id, grid_code, valid)
		SELECT 'household', id, grid_code, tstzrange($2, NULL) FROM h`

	sqlUnits = `
		WITH u AS (
			INSERT INTO unit (name, category, geom, grid_code)
			SELECT g.name || CASE c.cat
			           WHEN 'government' THEN '机关' WHEN 'enterprise' THEN '企业'
			           WHEN 'institution' THEN '事业单位' WHEN 'park' THEN '园区管委会'
			           WHEN 'commercial' THEN '商户' ELSE '社会组织' END || d.path[1],
			       c.cat, d.geom, g.code
			FROM demo_grid g
			JOIN demo_gridgeom gg ON gg.code = g.code
			CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.units + 2 + g.units / 8, g.useed)) d
			CROSS JOIN LATERAL (SELECT g.unit_cats[1 + (hashint8(d.path[1]::bigint * 104729 + g.useed) & 1023)
			                                      % cardinality(g.unit_cats)] AS cat) c
			WHERE g.parent_grid IS NULL AND g.units > 0 AND g.village LIKE $1 AND d.path[1] <= g.units
			RETURNING id, grid_code
		)
		INSERT INTO assignment (record_type, record_id, grid_code, valid)
		SELECT 'unit', id, grid_code, tstzrange($2, NULL) FROM u`
)

// counties lists the plan's county codes (chunks of the record stages).
func (d *demoRun) countyCodes() []geo.Code {
	var out []geo.Code
	for _, a := range d.plan.areas {
		if a.level == geo.LevelCounty {
			out = append(out, a.code)
		}
	}
	return out
}

func (d *demoRun) households(ctx context.Context) error {
	total := 0
	for _, g := range d.plan.grids {
		total += g.households
	}
	n, err := d.records(ctx, "households", sqlHouseholds, total)
	d.stats.Households = n
	return err
}

func (d *demoRun) units(ctx context.Context) error {
	total := 0
	for _, g := range d.plan.grids {
		total += g.units
	}
	n, err := d.records(ctx, "units", sqlUnits, total)
	d.stats.Units = n
	return err
}

// records runs one record statement per county, reporting progress.
func (d *demoRun) records(ctx context.Context, stage, q string, total int) (int, error) {
	done := 0
	d.progress(stage, 0, total)
	for _, c := range d.countyCodes() {
		tag, err := d.tx.Exec(ctx, q, c.Short()+"%", d.opts.ValidFrom)
		if err != nil {
			return done, fmt.Errorf("%s of %s: %w", stage, c.Short(), err)
		}
		done += int(tag.RowsAffected())
		d.progress(stage, done, total)
	}
	if done < total {
		// ST_GeneratePoints gives up short of the count in a few thin or
		// ragged grids (its sampling has an iteration limit), even with
		// the margin asked for above; a few records fewer is fine.
		d.log.Warn("demo: fewer records than planned", "stage", stage, "made", done, "planned", total)
	}
	return done, nil
}

// bulkTables are the tables the record stages fill with millions of rows.
var bulkTables = []string{"household", "unit", "assignment"}

// dropForBulk drops the secondary indexes and foreign keys of the bulk
// tables, remembering their definitions: building an index once over 2 M
// rows and checking a foreign key with one join is several times faster
// than maintaining them row by row. The tables are empty (the demo runs
// only on an empty database) and the transaction holds them until commit,
// so nobody sees them without their indexes.
func (d *demoRun) dropForBulk(ctx context.Context) error {
	rows, err := d.tx.Query(ctx, `
		SELECT format('DROP INDEX %I.%I', n.nspname, i.relname), pg_get_indexdef(i.oid)
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE t.relname = ANY($1) AND n.nspname = current_schema()
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
		UNION ALL
		SELECT format('ALTER TABLE %I.%I DROP CONSTRAINT %I', n.nspname, t.relname, c.conname),
		       format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE c.contype = 'f' AND t.relname = ANY($1) AND n.nspname = current_schema()`, bulkTables)
	if err != nil {
		return fmt.Errorf("read index definitions: %w", err)
	}
	var drops []string
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return err
		}
		drops = append(drops, drop)
		d.restore = append(d.restore, create)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read index definitions: %w", err)
	}
	return d.exec(ctx, drops...)
}

// finish puts back the indexes and foreign keys dropForBulk took away and
// refreshes the planner's statistics on the bulk-loaded tables.
func (d *demoRun) finish(ctx context.Context) error {
	for i, q := range d.restore {
		if err := d.exec(ctx, q); err != nil {
			return err
		}
		d.progress("indexes", i+1, len(d.restore))
	}
	return d.exec(ctx, "ANALYZE area", "ANALYZE grid", "ANALYZE household", "ANALYZE unit", "ANALYZE assignment")
}
