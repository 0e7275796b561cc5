package check

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The record checks of Run. They must scale to millions of
// households, so each is one set-based query per record type, never a
// query per record: the lookup joins each record to its own grid and
// probes the grid GiST index (a LATERAL subquery) only where that cannot
// settle it, and the assignment history is a few joins and one aggregate
// over the assignment table.

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
	SELECT id, grid_code, coalesce(code, ''), geom, count(*) OVER (), %s
	FROM bad
	ORDER BY id
	LIMIT @max`

// openEventsSQL is the open events (not closed or rejected) as records:
// id, grid_code and their point as geom.
const openEventsSQL = `(SELECT id, grid_code, location AS geom FROM event WHERE status NOT IN ('closed', 'rejected'))`

// atAddressSQL counts the houses and residents at a misassigned standard
// address (bad.id): they are in its grid, so in the wrong one too.
const atAddressSQL = `(SELECT count(*) FROM house h WHERE h.address_id = bad.id), (SELECT count(*) FROM resident p WHERE p.address_id = bad.id)`

func checkRecordMisassigned(ctx context.Context, c *run) error {
	for _, rt := range append(store.RecordTypes(), "event") {
		if err := misassigned(ctx, c, rt); err != nil {
			return fmt.Errorf("%s: %w", rt, err)
		}
	}
	return offAddress(ctx, c)
}

// offAddressSQL finds the households and units linked to a standard
// address whose grid is not their address's: they move with it, so they
// must be in its grid.
const offAddressSQL = `
	WITH bad AS (
		SELECT 'household' AS rt, r.id, r.grid_code, a.id AS aid, a.grid_code AS agrid, r.geom
		FROM household r JOIN standard_address a ON a.id = r.address_id WHERE r.grid_code <> a.grid_code
		UNION ALL
		SELECT 'unit', r.id, r.grid_code, a.id, a.grid_code, r.geom
		FROM unit r JOIN standard_address a ON a.id = r.address_id WHERE r.grid_code <> a.grid_code)
	SELECT rt, id, grid_code, aid, agrid, geom, count(*) OVER () FROM bad ORDER BY rt, id LIMIT @max`

func offAddress(ctx context.Context, c *run) error {
	var rt, have, want string
	var id, aid int64
	var loc orb.Geometry
	var total int
	return c.query(ctx, offAddressSQL, c.args(), &total, []any{&rt, &id, &have, &aid, &want, store.ScanLocation(&loc), &total},
		func() (geo.Finding, error) {
			return geo.Finding{Codes: []string{fmt.Sprintf("%s/%d", rt, id), have, want}, Location: loc,
				Message: fmt.Sprintf("%s %d at %s is tied to grid %s, but its standard address %d is in grid %s",
					rt, id, geo.NearText(loc), have, aid, want)}, nil
		})
}

func misassigned(ctx context.Context, c *run, recordType string) error {
	args := c.args()
	// Never nil: a nil slice is sent as NULL, and "id <> ALL(NULL)" would
	// send every record down the slow path.
	suspects := make([]int64, 0, len(c.invalidGrids)+len(c.overlapGrids))
	args["suspects"] = append(append(suspects, c.invalidGrids...), c.overlapGrids...)
	var id int64
	var have, want string
	var loc orb.Geometry
	var total, houses, residents int
	at := "0, 0"
	if recordType == "standard_address" {
		at = atAddressSQL
	}
	from := pgx.Identifier{recordType}.Sanitize()
	if recordType == "event" {
		// Open events move with their grid (package events); closed and
		// rejected ones stay where they were handled.
		from = openEventsSQL
	}
	return c.query(ctx, fmt.Sprintf(misassignedSQL, from, at), args,
		&total, []any{&id, &have, &want, store.ScanLocation(&loc), &total, &houses, &residents},
		func() (geo.Finding, error) {
			rec := fmt.Sprintf("%s/%d", recordType, id)
			what := fmt.Sprintf("%s %d", recordType, id)
			switch recordType {
			case "standard_address":
				what = fmt.Sprintf("standard address %d (with %d houses and %d residents)", id, houses, residents)
			case "event":
				what = fmt.Sprintf("open event %d", id)
			}
			f := geo.Finding{Codes: []string{rec, have}, Location: loc}
			if want == "" {
				f.Message = fmt.Sprintf("%s at %s is tied to grid %s, but no current grid covers its point",
					what, geo.NearText(loc), have)
			} else {
				f.Codes = append(f.Codes, want)
				f.Message = fmt.Sprintf("%s at %s is tied to grid %s, but its point lies in grid %s",
					what, geo.NearText(loc), have, want)
			}
			return f, nil
		})
}

func checkRecordHistory(ctx context.Context, c *run) error {
	for _, rt := range store.RecordTypes() {
		if err := history(ctx, c, rt); err != nil {
			return fmt.Errorf("%s: %w", rt, err)
		}
	}
	return nil
}

// historySQL finds the assignment problems of one table's records in
// set-based passes that each read the assignment table once:
//   - the records fully joined to their open assignments: a record
//     without one ("missing"), an open assignment naming another grid
//     ("other-grid"), an open assignment of no record ("orphan"). (A left
//     join and an anti join instead cost more CPU, measured: 2 hashes.)
//   - records with more than one open assignment ("duplicate"), counted
//     from the index alone; their grids are looked up for the page only;
//   - closed assignments that overlap another assignment of the same
//     record ("overlap") or belong to no record ("orphan"). Two open
//     assignments always overlap and are reported as duplicates.
//
// Only the first MaxPerCheck problems are joined back to the records for
// their grid and point.
const historySQL = `
	WITH bad AS (
		SELECT coalesce(r.id, o.record_id) AS id,
		       CASE WHEN r.id IS NULL THEN 'orphan' WHEN o.record_id IS NULL THEN 'missing' ELSE 'other-grid' END AS problem,
		       1::bigint AS n, o.grid_code AS ga
		FROM %[1]s r
		FULL JOIN (SELECT record_id, grid_code FROM assignment
		           WHERE record_type = @type AND upper_inf(valid)) o ON o.record_id = r.id
		WHERE r.id IS NULL OR o.record_id IS NULL OR o.grid_code <> r.grid_code
		UNION ALL
		SELECT record_id, 'duplicate', count(*), NULL
		FROM assignment WHERE record_type = @type AND upper_inf(valid)
		GROUP BY record_id HAVING count(*) > 1
		UNION ALL
		SELECT DISTINCT ON (c.record_id, problem) c.record_id, problem, 1, c.grid_code
		FROM assignment c,
		LATERAL (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM %[1]s r WHERE r.id = c.record_id) THEN 'orphan'
		                     ELSE 'overlap' END AS problem) p
		WHERE c.record_type = @type AND NOT upper_inf(c.valid)
		  AND (NOT EXISTS (SELECT 1 FROM %[1]s r WHERE r.id = c.record_id)
		       OR EXISTS (SELECT 1 FROM assignment b
		                  WHERE b.record_type = c.record_type AND b.record_id = c.record_id
		                    AND b.ctid <> c.ctid AND b.valid && c.valid))),
	page AS (
		SELECT id, problem, n, ga, count(*) OVER () AS total
		FROM bad ORDER BY id, problem LIMIT @max)
	SELECT p.id, p.problem, p.n, coalesce(p.ga, d.ga, ''), coalesce(d.gb, ''), coalesce(r.grid_code, ''), r.geom, p.total
	FROM page p
	LEFT JOIN %[1]s r ON r.id = p.id
	LEFT JOIN LATERAL (
		SELECT min(a.grid_code) AS ga, max(a.grid_code) AS gb FROM assignment a
		WHERE p.problem = 'duplicate' AND a.record_type = @type AND a.record_id = p.id AND upper_inf(a.valid)) d ON true
	ORDER BY p.id, p.problem`

// history reports the assignment problems of one table's records.
func history(ctx context.Context, c *run, recordType string) error {
	args := c.args()
	args["type"] = recordType
	var id int64
	var problem, ga, gb, grid string
	var n, total int
	var loc orb.Geometry
	return c.query(ctx, fmt.Sprintf(historySQL, pgx.Identifier{recordType}.Sanitize()), args,
		&total, []any{&id, &problem, &n, &ga, &gb, &grid, store.ScanLocation(&loc), &total},
		func() (geo.Finding, error) {
			rec := fmt.Sprintf("%s/%d", recordType, id)
			f := geo.Finding{Codes: []string{rec}, Location: loc}
			if grid != "" {
				f.Codes = append(f.Codes, grid)
			}
			switch problem {
			case "orphan":
				f.Codes = append(f.Codes, ga)
				f.Message = fmt.Sprintf("an assignment to grid %s names %s %d, which does not exist", ga, recordType, id)
			case "missing":
				f.Message = fmt.Sprintf("%s %d (grid %s) has no open assignment", recordType, id, grid)
			case "other-grid":
				f.Codes = append(f.Codes, ga)
				f.Message = fmt.Sprintf("%s %d is tied to grid %s, but its open assignment names grid %s", recordType, id, grid, ga)
			case "duplicate":
				f.Codes = append(f.Codes, ga, gb)
				f.Message = fmt.Sprintf("%s %d (grid %s) has %d open assignments, to grids %s to %s", recordType, id, grid, n, ga, gb)
			case "overlap":
				f.Message = fmt.Sprintf("%s %d (grid %s) has assignments whose time ranges overlap (one to grid %s)", recordType, id, grid, ga)
			default:
				return f, fmt.Errorf("unknown assignment problem %q", problem)
			}
			return f, nil
		})
}

// recordCountSQL compares the per-grid counts the triggers keep in
// record_count with a fresh count of the records.
const recordCountSQL = `
	WITH fresh AS (
		SELECT grid_code, sum(h)::int AS h, sum(u)::int AS u, sum(a)::int AS a FROM (
			SELECT grid_code, count(*) AS h, 0 AS u, 0 AS a FROM household GROUP BY grid_code
			UNION ALL
			SELECT grid_code, 0, count(*), 0 FROM unit GROUP BY grid_code
			UNION ALL
			SELECT grid_code, 0, 0, count(*) FROM standard_address WHERE retired_at IS NULL GROUP BY grid_code) c
		GROUP BY grid_code),
	bad AS (
		SELECT coalesce(f.grid_code, k.grid_code) AS code,
		       coalesce(k.households, 0) AS kh, coalesce(f.h, 0) AS fh,
		       coalesce(k.units, 0) AS ku, coalesce(f.u, 0) AS fu,
		       coalesce(k.addresses, 0) AS ka, coalesce(f.a, 0) AS fa
		FROM fresh f FULL JOIN record_count k ON k.grid_code = f.grid_code
		WHERE coalesce(k.households, 0) <> coalesce(f.h, 0) OR coalesce(k.units, 0) <> coalesce(f.u, 0)
		   OR coalesce(k.addresses, 0) <> coalesce(f.a, 0))
	SELECT code, kh, fh, ku, fu, ka, fa, count(*) OVER () FROM bad ORDER BY code LIMIT @max`

func checkRecordCount(ctx context.Context, c *run) error {
	var code string
	var kh, fh, ku, fu, ka, fa, total int
	return c.query(ctx, recordCountSQL, c.args(), &total, []any{&code, &kh, &fh, &ku, &fu, &ka, &fa, &total},
		func() (geo.Finding, error) {
			return geo.Finding{Codes: []string{code}, Message: fmt.Sprintf(
				"grid %s: record_count says %d households, %d units and %d standard addresses, but %d households, %d units and %d live standard addresses are tied to it (fix: UPDATE record_count SET households = %d, units = %d, addresses = %d WHERE grid_code = '%s')",
				code, kh, ku, ka, fh, fu, fa, fh, fu, fa, code)}, nil
		})
}
