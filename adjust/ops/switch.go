package ops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The writes of the switch of a proposal applied ahead of time (adjust's
// SwitchDue decides which switches are due, locks, and marks them done):
// what Write planned instead of writing — the record moves in
// adj_pending_move, the area vertices in adj_pending_area — carried out
// at the proposal's effective time.

// AddPlannedVertices gives the areas the vertices that proposal, applied
// ahead of time, planned for their boundaries, in versions of their
// history starting at its effective time at. The caller has locked the
// areas, and calls it for one proposal at a time in effective-time order.
func AddPlannedVertices(ctx context.Context, tx pgx.Tx, proposal int64, at time.Time) error {
	if err := setAreaAt(ctx, tx, at); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(areaNodesSQL, "adj_pending_area", " AND x.proposal = $2"), edgeTolDeg, proposal); err != nil {
		return fmt.Errorf("area vertices of proposal %d: %w", proposal, err)
	}
	return nil
}

// MovePlanned moves the records of the switch of proposal, effective at
// at, whose grids are codes, and writes their assignment history at that
// time, on a transaction with the work tables (BeginWork): standard
// addresses (and with them their houses and residents, and the households
// and units linked to them), households and units. It returns how many
// records moved.
func MovePlanned(ctx context.Context, tx pgx.Tx, proposal int64, at time.Time, codes []string) (int64, error) {
	if _, err := tx.Exec(ctx, `TRUNCATE adj_move`); err != nil {
		return 0, err
	}
	for _, rt := range movedTypes() {
		// rt is one of the constant table names (moveSource(rt) its rows). The planned moves of
		// records still in the grid they were planned from, then any
		// other record tied to a grid of the proposal whose lookup at the
		// effective time gives another grid (added or re-tied since the
		// apply).
		// A record whose grid (as of the effective time) contains its
		// point in the interior stays there (no other grid covers such a
		// point: the apply checked they do not overlap); only the others
		// take the lookup's index probe.
		_, err := tx.Exec(ctx, `
			WITH planned AS MATERIALIZED (
				SELECT r.id, r.grid_code, m.to_grid FROM adj_pending_move m
				JOIN `+moveSource(rt)+` r ON r.id = m.record_id AND r.grid_code = m.from_grid
				WHERE m.proposal = $2 AND m.record_type = $1`+unlinked("r", rt)+`),
			other AS MATERIALIZED (
				SELECT r.id, r.grid_code, r.geom FROM `+moveSource(rt)+` r
				LEFT JOIN grid own ON own.code = r.grid_code AND own.valid @> $3::timestamptz AND length(own.code) = 15
				WHERE r.grid_code = ANY($4) AND NOT EXISTS (SELECT 1 FROM planned p WHERE p.id = r.id)`+unlinked("r", rt)+`
				  AND NOT coalesce(ST_Contains(own.geom, r.geom), false))
			INSERT INTO adj_move (rt, id, old, new)
			SELECT $1, id, grid_code, to_grid FROM planned
			UNION ALL
			SELECT $1, r.id, r.grid_code, l.code FROM other r,
			LATERAL (SELECT g.code FROM grid g WHERE length(g.code) = 15 AND g.valid @> $3::timestamptz AND ST_Covers(g.geom, r.geom)
			         ORDER BY g.code LIMIT 1) l
			WHERE l.code <> r.grid_code`,
			rt, proposal, at, codes)
		if err != nil {
			return 0, fmt.Errorf("moves of %s: %w", rt, err)
		}
	}
	// Households and units linked to an address go where it goes.
	if err := followAddresses(ctx, tx); err != nil {
		return 0, err
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM adj_move`).Scan(&n); err != nil {
		return 0, err
	}
	// Statistics, so the updates joining adj_move probe the indexes.
	if _, err := tx.Exec(ctx, `ANALYZE adj_move`); err != nil {
		return 0, err
	}
	stmts := []struct{ what, sql string }{
		{"re-assign households", `UPDATE household h SET grid_code = m.new FROM adj_move m WHERE m.rt = 'household' AND m.id = h.id`},
		{"re-assign units", `UPDATE unit u SET grid_code = m.new FROM adj_move m WHERE m.rt = 'unit' AND m.id = u.id`},
		{"re-assign standard addresses", `UPDATE standard_address a SET grid_code = m.new FROM adj_move m WHERE m.rt = 'standard_address' AND m.id = a.id`},
		// An open assignment that began at or after the effective time
		// (a record added since) is re-pointed rather than closed.
		{"re-point late assignments", `UPDATE assignment a SET grid_code = m.new, adjustment = $2
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid) AND lower(a.valid) >= $1`},
		{"close assignments", `UPDATE assignment a SET valid = tstzrange(lower(a.valid), $1)
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid) AND lower(a.valid) < $1`},
		{"open assignments", `INSERT INTO assignment (record_type, record_id, grid_code, valid, adjustment)
			SELECT rt, id, new, tstzrange($1, NULL), $2 FROM adj_move m
			WHERE rt <> 'event' AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid))`},
	}
	stmts = append(stmts, eventMoves...)
	for _, st := range stmts {
		var args []any
		if strings.Contains(st.sql, "$1") {
			args = append(args, at)
		}
		if strings.Contains(st.sql, "$2") {
			args = append(args, proposal)
		}
		if _, err := tx.Exec(ctx, st.sql, args...); err != nil {
			return 0, fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return n, nil
}
