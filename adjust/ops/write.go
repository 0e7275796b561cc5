package ops

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The writes of an apply: the work area becomes grid versions, retired
// codes, lineage and re-assigned records (or, ahead of time, the plan of
// the switch: switch.go), all starting at the effective time.

// Clock returns the database clock and when the latest current version
// of a grid or area the work changes began (nil when none did). The
// clock, not now(): the transaction may have waited for the village
// locks while others committed versions starting later. Areas whose
// boundary takes a vertex start a version at the effective time too, so
// that time must come after both.
func (w *Work) Clock(ctx context.Context) (now time.Time, latest *time.Time, err error) {
	if err := w.tx.QueryRow(ctx, `SELECT clock_timestamp(), greatest(
		(SELECT max(lower(g.valid)) FROM grid_latest g JOIN adj_work w ON w.code = g.code WHERE w.state IN ('changed', 'retired')),
		(SELECT nullif(max(lower(h.valid)), '-infinity') FROM area_history h JOIN adj_area x USING (code) WHERE upper_inf(h.valid)))`).Scan(&now, &latest); err != nil {
		return now, nil, fmt.Errorf("effective time: %w", err)
	}
	return now, latest, nil
}

// Write turns the work tables into grid versions, retired codes, lineage
// and re-assigned records (standard addresses with their houses and
// residents, households, units) of proposal, all starting at eff. When pending
// (eff is in the future) the records are not re-assigned: their
// grid_code is the current grid until eff. The moves are planned for the
// switch instead (MovePlanned carries them out).
func (w *Work) Write(ctx context.Context, proposal int64, eff time.Time, pending bool) error {
	// Statements that open rows also take the proposal id ($2).
	stmts := []struct{ what, sql string }{
		{"close old versions", `UPDATE grid g SET valid = tstzrange(lower(g.valid), $1)
			FROM adj_work w WHERE g.code = w.code AND upper_inf(g.valid) AND w.state IN ('changed', 'retired')`},
		{"retire codes", `UPDATE grid_code c SET retired_at = $1
			FROM adj_work w WHERE c.code = w.code AND w.state = 'retired'`},
		{"open new versions", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid, adjustment, edge_matched)
			SELECT code, kind, village, parent, name, ST_Multi(geom), tstzrange($1, NULL), $2, matched
			FROM adj_work WHERE state IN ('changed', 'new') ORDER BY code`},
		{"re-assign households", `UPDATE household h SET grid_code = m.new
			FROM adj_move m WHERE m.rt = 'household' AND m.id = h.id`},
		{"re-assign units", `UPDATE unit u SET grid_code = m.new
			FROM adj_move m WHERE m.rt = 'unit' AND m.id = u.id`},
		{"re-assign standard addresses", `UPDATE standard_address a SET grid_code = m.new
			FROM adj_move m WHERE m.rt = 'standard_address' AND m.id = a.id`},
		{"close assignments", `UPDATE assignment a SET valid = tstzrange(lower(a.valid), $1)
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid)`},
		{"open assignments", `INSERT INTO assignment (record_type, record_id, grid_code, valid, adjustment)
			SELECT rt, id, new, tstzrange($1, NULL), $2 FROM adj_move WHERE rt <> 'event'`},
	}
	stmts = append(stmts, eventMoves...)
	if pending {
		// The records stay in their current grids until eff: plan the
		// switch and its moves instead of re-assigning them.
		stmts = append(stmts[:3], struct{ what, sql string }{"plan switch", `
			WITH s AS (
				INSERT INTO adj_switch (proposal, effective_at, codes)
				SELECT $2, $1, array(SELECT code FROM adj_work WHERE state IN ('changed', 'retired', 'new')
					UNION SELECT old FROM adj_move UNION SELECT new FROM adj_move WHERE new IS NOT NULL)
				RETURNING proposal)
			INSERT INTO adj_pending_move (proposal, record_type, record_id, from_grid, to_grid)
			SELECT s.proposal, rt, id, old, new FROM s, adj_move WHERE new IS NOT NULL`},
			struct{ what, sql string }{"plan area vertices", `INSERT INTO adj_pending_area (proposal, code, nodes)
				SELECT s.proposal, x.code, x.nodes FROM adj_area x, adj_switch s WHERE s.proposal = $2 AND s.effective_at = $1`})
	}
	for _, st := range stmts {
		var args []any
		switch {
		case strings.Contains(st.sql, "$2"):
			args = []any{eff, proposal}
		case strings.Contains(st.sql, "$1"):
			args = []any{eff}
		}
		if _, err := w.tx.Exec(ctx, st.sql, args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	if !pending {
		if err := w.writeAreas(ctx, eff); err != nil {
			return err
		}
	}
	for _, l := range w.lineage {
		if _, err := w.tx.Exec(ctx, `INSERT INTO grid_lineage (old_code, new_code, proposal, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, l[0], l[1], proposal, eff); err != nil {
			return fmt.Errorf("lineage: %w", err)
		}
	}
	return nil
}
