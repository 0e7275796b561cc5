package demo

import (
	"context"
	"fmt"
	"strings"

	"gridmap/geo"
)

// Households and units are points strictly inside their grid
// (ST_GeneratePoints, asked for a few more points than needed because it
// may stop short in ragged grids), tied to it with one open assignment each. Records are
// tied to 15-digit grids: a household inside an exclusive grid gets the
// exclusive grid's code, never a sub-grid's (sub-grids are the unit's own
// finer division, Art. 7), so its points are drawn in the whole exclusive
// grid.
//
// Each household and unit is at a standard address of its own, with the
// household's point and grid (the same lookup) and its assignment
// history, and a house (实有房屋) there (in one village home in twenty
// also an empty old house, vacant, where nobody lives): the statements write the address,
// the house, the record and both assignments from one set of points. The
// addresses take their parts from the grid's gridAddress (addresses.go):
// the numbered parts are computed here and appended to the text of the
// parts above them, in the order of records.Address.Text (the demo tests
// read every address back through records.Address). Codes are the
// village's code and a sequence: the households' from 1 in grid and point
// order (a grid's from its planned first, demoGrid.seq, so no sort is
// needed; a grid whose points fall short leaves a gap), the units' after
// them (address_seq, which the households' statement moved). One
// materialised row set feeds every insert.
const (
	sqlHouseholds = `
		WITH t AS MATERIALIZED (
			SELECT n.*, a_prefix || door || '号' || CASE WHEN building >= 0
			           THEN compound || bld || '幢' || ent || '单元' || room || '室' ELSE '' END AS full_text
			FROM (
				SELECT nextval('standard_address_id_seq'::regclass) AS aid, g.code, g.village, g.building, g.hseed,
				       g.a_city, g.a_county, g.a_town, g.a_village, g.a_group, g.a_road, g.a_compound, g.a_prefix, g.a_base, g.a_door,
				       d.path[1] AS k, d.geom, g.a_seq + d.path[1] AS seq,
				       CASE WHEN g.building >= 0 THEN g.a_door WHEN g.a_road <> '' THEN g.a_base + 2 * d.path[1] - 1 ELSE d.path[1] END AS door,
				       CASE WHEN g.building >= 0 THEN (g.building + (d.path[1] - 1) / 20 + 1)::text ELSE '' END AS bld,
				       CASE WHEN g.building >= 0 THEN ((d.path[1] - 1) % 20 / 10 + 1)::text ELSE '' END AS ent,
				       CASE WHEN g.building >= 0 THEN (((d.path[1] - 1) % 10 / 2 + 1) * 100 + (d.path[1] - 1) % 2 + 1)::text ELSE '' END AS room,
				       CASE WHEN g.building >= 0 THEN g.a_compound ELSE '' END AS compound,
				       hashint8(d.path[1]::bigint * 131 + g.hseed) & 1023 AS r
				FROM demo_grid g
				JOIN demo_gridgeom gg ON gg.code = g.code
				CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.households + 2 + g.households / 8, g.hseed)) d
				WHERE g.parent_grid IS NULL AND g.households > 0 AND g.village LIKE $1 AND d.path[1] <= g.households) n),
		a AS (
			INSERT INTO standard_address (id, code, city, county, town, village, villager_group, road, door_number,
			                              compound, building, entrance, room, full_text, geom, grid_code, created_at)
			SELECT aid, village || lpad(seq::text, 7, '0'), a_city, a_county, a_town, a_village, a_group, a_road, door::text,
			       compound, bld, ent, room, full_text, geom, code, $2
			FROM t),
		ho AS (
			INSERT INTO house (address_id, use, floor_area)
			SELECT aid, CASE WHEN a_group <> '' AND r % 10 = 0 THEN 'mixed' ELSE 'residential' END,
			       CASE WHEN a_group <> '' THEN 100 + r % 160 ELSE 55 + r % 90 END + (r % 97) / 100.0
			FROM t
			UNION ALL -- an empty old house beside one village home in twenty
			SELECT aid, 'vacant', 60 + r % 80 + (r % 89) / 100.0 FROM t WHERE a_group <> '' AND r % 20 = 7),
		aa AS (
			INSERT INTO assignment (record_type, record_id, grid_code, valid)
			SELECT 'standard_address', aid, code, tstzrange($2, NULL) FROM t),
		h AS (
			INSERT INTO household (address, persons, geom, grid_code, address_id)
			SELECT full_text, (ARRAY[1, 2, 2, 3, 3, 3, 4, 4, 5, 6])[1 + (hashint8(k::bigint * 7919 + hseed) & 1023) % 10],
			       geom, code, aid
			FROM t
			RETURNING id, grid_code)
		INSERT INTO assignment (record_type, record_id, grid_code, valid)
		SELECT 'household', id, grid_code, tstzrange($2, NULL) FROM h`

	sqlUnits = `
		WITH p AS MATERIALIZED (
			SELECT nextval('standard_address_id_seq'::regclass) AS aid, g.code, g.village, g.name, g.households, g.useed,
			       g.a_city, g.a_county, g.a_town, g.a_village, g.a_group, g.a_road, g.a_prefix, g.a_base,
			       d.path[1] AS k, d.geom, c.cat
			FROM demo_grid g
			JOIN demo_gridgeom gg ON gg.code = g.code
			CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(gg.geom, g.units + 2 + g.units / 8, g.useed)) d
			CROSS JOIN LATERAL (SELECT g.unit_cats[1 + (hashint8(d.path[1]::bigint * 104729 + g.useed) & 1023)
			                                      % cardinality(g.unit_cats)] AS cat) c
			WHERE g.parent_grid IS NULL AND g.units > 0 AND g.village LIKE $1 AND d.path[1] <= g.units),
		t AS MATERIALIZED (
			SELECT p.*, coalesce(s.next_seq, 1) + row_number() OVER (PARTITION BY p.village ORDER BY p.code, p.k) - 1 AS seq,
			       x.door, a_prefix || x.door || '号' AS full_text, hashint8(k::bigint * 131 + useed) & 1023 AS r
			FROM p
			LEFT JOIN address_seq s ON s.village = p.village
			CROSS JOIN LATERAL (SELECT CASE WHEN a_road <> '' THEN a_base + 2 * k ELSE households + k END AS door) x),
		a AS (
			INSERT INTO standard_address (id, code, city, county, town, village, villager_group, road, door_number,
			                              full_text, geom, grid_code, created_at)
			SELECT aid, village || lpad(seq::text, 7, '0'), a_city, a_county, a_town, a_village, a_group, a_road, door::text,
			       full_text, geom, code, $2
			FROM t),
		ho AS (
			INSERT INTO house (address_id, use, floor_area)
			SELECT aid, 'commercial', CASE WHEN cat IN ('park', 'enterprise', 'government') THEN 300 + r * 2 ELSE 30 + r % 270 END + (r % 97) / 100.0
			FROM t),
		aa AS (
			INSERT INTO assignment (record_type, record_id, grid_code, valid)
			SELECT 'standard_address', aid, code, tstzrange($2, NULL) FROM t),
		u AS (
			INSERT INTO unit (name, category, geom, grid_code, address_id)
			SELECT name || CASE cat
			           WHEN 'government' THEN '机关' WHEN 'enterprise' THEN '企业'
			           WHEN 'institution' THEN '事业单位' WHEN 'park' THEN '园区管委会'
			           WHEN 'commercial' THEN '商户' ELSE '社会组织' END || k,
			       cat, geom, code, aid
			FROM t
			RETURNING id, grid_code)
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
	d.stats.Addresses += n
	if err != nil {
		return err
	}
	var houses int
	if err := d.tx.QueryRow(ctx, `SELECT count(*) FROM house`).Scan(&houses); err != nil {
		return fmt.Errorf("count houses: %w", err)
	}
	d.stats.Houses += houses
	return nil
}

func (d *demoRun) units(ctx context.Context) error {
	total := 0
	for _, g := range d.plan.grids {
		total += g.units
	}
	n, err := d.records(ctx, "units", sqlUnits, total)
	d.stats.Units = n
	d.stats.Addresses += n
	d.stats.Houses += n
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
var bulkTables = []string{"household", "unit", "assignment", "standard_address", "house", "resident"}

// bulkChecks are the statement triggers of the bulk tables that check
// their rows against other tables (as a foreign key would): off for the
// load, since each statement's transition table would hold millions of
// rows again, and on again for every later write. The demo's own rows
// keep their rules by construction, which is why each is not checked
// again by a scan of the whole table (the demo tests check them):
//   - a resident's household: the residents are drawn from the
//     households read back from household in this transaction, which
//     holds the tables (it truncated them), so none can be gone;
//   - the grid codes of addresses and assignments: each row takes its
//     grid's code from the grids written in this transaction, and
//     writing a grid registers its code in grid_code.
var bulkChecks = []struct{ table, trigger string }{
	{"resident", "resident_household_insert"},
	{"standard_address", "standard_address_grid_insert"},
	{"assignment", "assignment_grid_insert"},
}

// dropForBulk drops the secondary indexes and foreign keys of the bulk
// tables, remembering their definitions: building an index once over 2 M
// rows and checking a foreign key with one join is several times faster
// than maintaining them row by row. The tables are empty (the demo runs
// only on an empty database) and the transaction holds them until commit,
// so nobody sees them without their indexes.
//
// It also truncates the (empty) tables, which gives them new files in
// this transaction: the residents' COPY can then write its rows frozen
// (no reader has to set their hint bits after commit, rewriting 2 GB),
// and a server with wal_level = minimal writes no WAL for them at all.
// The statement triggers that check rows against other tables
// (bulkChecks) are off for the load; their checks run once at the end
// (finish).
func (d *demoRun) dropForBulk(ctx context.Context) error {
	stmts := []string{"TRUNCATE " + strings.Join(bulkTables, ", ")}
	for _, c := range bulkChecks {
		stmts = append(stmts, "ALTER TABLE "+c.table+" DISABLE TRIGGER "+c.trigger)
	}
	if err := d.exec(ctx, stmts...); err != nil {
		return err
	}
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
	// The triggers dropForBulk turned off (see bulkChecks).
	for _, c := range bulkChecks {
		if err := d.exec(ctx, "ALTER TABLE "+c.table+" ENABLE TRIGGER "+c.trigger); err != nil {
			return err
		}
	}
	for i, q := range d.restore {
		if err := d.exec(ctx, q); err != nil {
			return err
		}
		d.progress("indexes", i+1, len(d.restore))
	}
	return d.exec(ctx, "ANALYZE area", "ANALYZE grid", "ANALYZE household", "ANALYZE unit", "ANALYZE assignment",
		"ANALYZE standard_address", "ANALYZE house", "ANALYZE resident")
}
