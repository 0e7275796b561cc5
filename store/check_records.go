package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// The record checks of Store.Check. They must scale to millions of
// households, so each is one set-based query per record type: the lookup
// is a LATERAL join that probes the grid GiST index once per record, and
// the assignment history is one aggregate over the assignment table.

// recordTypes are the tables of tied records; each name is also the
// record_type of its rows in the assignment table.
var recordTypes = []string{"household", "unit"}

// lookupSQL is the lookup rule of the service (architecture invariant 2):
// the smallest code among the current 15-digit grids whose closed boundary
// covers the point of record r.
const lookupSQL = `
	SELECT g.code FROM grid_current g
	WHERE length(g.code) = 15 AND ST_Covers(g.geom, r.geom)
	ORDER BY g.code LIMIT 1`

// misassignedSQL finds the records of one table whose grid_code is not
// what lookupSQL gives. Probing the GiST index for every one of 2.3
// million records costs about 17 µs a record (measured), so it first takes
// a fast path that is exact: when the record's own grid is current,
// valid, overlaps no other grid, and contains the point in its interior,
// no other grid can cover the point (a grid covering an interior point of
// another, even on its boundary, would overlap it), so the lookup gives
// the record's own grid. Only the other records (on a boundary, outside
// their grid, in an overlapping or invalid grid) take the index probe.
const misassignedSQL = `
	WITH own AS MATERIALIZED (
		SELECT id, code, geom FROM grid_current
		WHERE length(code) = 15 AND id <> ALL(@suspects::bigint[])),
	bad AS MATERIALIZED (
		SELECT r.id, r.grid_code, r.geom, l.code
		FROM %s r
		LEFT JOIN own g ON g.code = r.grid_code,
		LATERAL (SELECT CASE WHEN ST_Contains(g.geom, r.geom) THEN r.grid_code
		                     ELSE (` + lookupSQL + `) END AS code) l
		WHERE l.code IS DISTINCT FROM r.grid_code)
	SELECT id, grid_code, coalesce(code, ''), geom, count(*) OVER ()
	FROM bad
	ORDER BY id
	LIMIT @max`

func checkRecordMisassigned(ctx context.Context, c *checkRun) error {
	for _, rt := range recordTypes {
		if err := misassigned(ctx, c, rt); err != nil {
			return fmt.Errorf("%s: %w", rt, err)
		}
	}
	return nil
}

func misassigned(ctx context.Context, c *checkRun, recordType string) error {
	base := c.cur.Count
	args := c.args()
	// Never nil: a nil slice is sent as NULL, and "id <> ALL(NULL)" would
	// send every record down the slow path.
	suspects := make([]int64, 0, len(c.invalidGrids)+len(c.overlapGrids))
	args["suspects"] = append(append(suspects, c.invalidGrids...), c.overlapGrids...)
	rows, err := c.tx.Query(ctx, fmt.Sprintf(misassignedSQL, pgx.Identifier{recordType}.Sanitize()), args)
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var id int64
		var have, want string
		var loc orb.Geometry
		if err := rows.Scan(&id, &have, &want, locationScanner{&loc}, &total); err != nil {
			return err
		}
		rec := fmt.Sprintf("%s/%d", recordType, id)
		f := Finding{Codes: []string{rec, have}, Location: loc}
		if want == "" {
			f.Message = fmt.Sprintf("%s %d at %s is tied to grid %s, but no current grid covers its point",
				recordType, id, nearText(loc), have)
		} else {
			f.Codes = append(f.Codes, want)
			f.Message = fmt.Sprintf("%s %d at %s is tied to grid %s, but its point lies in grid %s",
				recordType, id, nearText(loc), have, want)
		}
		c.add(f)
	}
	c.setCount(base + total)
	return rows.Err()
}

func checkRecordHistory(ctx context.Context, c *checkRun) error {
	for _, rt := range recordTypes {
		if err := history(ctx, c, rt); err != nil {
			return fmt.Errorf("%s: %w", rt, err)
		}
	}
	return nil
}

// history finds records whose open assignment is missing, duplicated or
// names another grid than the record's, records whose assignment ranges
// overlap, and assignment rows of records that do not exist.
func history(ctx context.Context, c *checkRun, recordType string) error {
	base := c.cur.Count
	args := c.args()
	args["type"] = recordType
	rows, err := c.tx.Query(ctx, `
		WITH agg AS (
			SELECT record_id, count(*) AS n_rows,
			       count(*) FILTER (WHERE upper_inf(valid)) AS n_open,
			       min(grid_code) FILTER (WHERE upper_inf(valid)) AS open_min,
			       max(grid_code) FILTER (WHERE upper_inf(valid)) AS open_max
			FROM assignment WHERE record_type = @type
			GROUP BY record_id),
		ov AS (
			SELECT DISTINCT record_id FROM (
				SELECT record_id, valid,
				       lag(valid) OVER (PARTITION BY record_id ORDER BY lower(valid), upper(valid)) AS prev
				FROM assignment
				WHERE record_type = @type
				  AND record_id IN (SELECT record_id FROM agg WHERE n_rows > 1)) s
			WHERE prev && valid),
		bad AS (
			SELECT coalesce(r.id, agg.record_id) AS id, r.id IS NULL AS orphan, r.grid_code, r.geom,
			       coalesce(agg.n_open, 0) AS n_open, agg.open_min, agg.open_max
			FROM `+pgx.Identifier{recordType}.Sanitize()+` r
			FULL JOIN agg ON agg.record_id = r.id
			WHERE r.id IS NULL OR agg.record_id IS NULL OR agg.n_open <> 1
			   OR agg.open_min <> r.grid_code
			UNION ALL
			SELECT ov.record_id, false, r.grid_code, r.geom, -1, NULL, NULL
			FROM ov JOIN `+pgx.Identifier{recordType}.Sanitize()+` r ON r.id = ov.record_id)
		SELECT id, orphan, coalesce(grid_code, ''), geom, n_open, coalesce(open_min, ''), coalesce(open_max, ''),
		       count(*) OVER ()
		FROM bad
		ORDER BY id, n_open
		LIMIT @max`, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var id int64
		var orphan bool
		var grid string
		var loc orb.Geometry
		var nOpen int
		var openMin, openMax string
		if err := rows.Scan(&id, &orphan, &grid, locationScanner{&loc}, &nOpen, &openMin, &openMax, &total); err != nil {
			return err
		}
		// The open assignments' grids: both ends when there are several.
		var open []string
		if openMin != "" {
			open = append(open, openMin)
		}
		if openMax != openMin {
			open = append(open, openMax)
		}
		rec := fmt.Sprintf("%s/%d", recordType, id)
		f := Finding{Codes: []string{rec}, Location: loc}
		if grid != "" {
			f.Codes = append(f.Codes, grid)
		}
		switch {
		case orphan:
			f.Codes = append(f.Codes, open...)
			f.Message = fmt.Sprintf("assignment rows name %s %d, which does not exist", recordType, id)
		case nOpen == -1:
			f.Message = fmt.Sprintf("%s %d (grid %s) has assignment ranges that overlap in time", recordType, id, grid)
		case nOpen == 0:
			f.Message = fmt.Sprintf("%s %d (grid %s) has no open assignment", recordType, id, grid)
		case nOpen > 1:
			f.Codes = append(f.Codes, open...)
			f.Message = fmt.Sprintf("%s %d (grid %s) has %d open assignments, to grids %s",
				recordType, id, grid, nOpen, strings.Join(open, " ... "))
		default:
			f.Codes = append(f.Codes, open...)
			f.Message = fmt.Sprintf("%s %d is tied to grid %s, but its open assignment names grid %s",
				recordType, id, grid, open[0])
		}
		c.add(f)
	}
	c.setCount(base + total)
	return rows.Err()
}
