package store

import (
	"context"
	"fmt"

	"gridmap/geo"
)

// Households and units are points strictly inside their grid
// (ST_GeneratePoints), tied to it with one open assignment each. Records are
// tied to 15-digit grids: a household inside an exclusive grid gets the
// exclusive grid's code, never a sub-grid's (sub-grids are the unit's own
// finer division, Art. 7), so its points are drawn in the whole exclusive
// grid.
const (
	sqlHouseholds = `
		WITH h AS (
			INSERT INTO household (address, persons, geom, grid_code)
			SELECT g.addr || d.path[1] || '号',
			       (ARRAY[1, 2, 2, 3, 3, 3, 4, 4, 5, 6])[1 + (hashint8(d.path[1]::bigint * 7919 + g.hseed) & 1023) % 10],
			       d.geom, g.code
			FROM demo_grid g
			JOIN demo_gridgeom gg ON gg.code = g.code
			CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.households, g.hseed)) d
			WHERE g.parent_grid IS NULL AND g.households > 0 AND g.village LIKE $1
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
			CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.units, g.useed)) d
			CROSS JOIN LATERAL (SELECT g.unit_cats[1 + (hashint8(d.path[1]::bigint * 104729 + g.useed) & 1023)
			                                      % cardinality(g.unit_cats)] AS cat) c
			WHERE g.parent_grid IS NULL AND g.units > 0 AND g.village LIKE $1
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
	if done != total {
		return done, fmt.Errorf("%s: made %d, planned %d", stage, done, total)
	}
	return done, nil
}

// finish refreshes the planner's statistics on the bulk-loaded tables.
func (d *demoRun) finish(ctx context.Context) error {
	if err := d.exec(ctx, "ANALYZE area", "ANALYZE grid", "ANALYZE household", "ANALYZE unit", "ANALYZE assignment"); err != nil {
		return err
	}
	d.progress("indexes", 1, 1)
	return nil
}
