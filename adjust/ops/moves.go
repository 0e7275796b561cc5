package ops

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridmap/store"
)

// computeMoves fills adj_move with every standard address, household and
// unit whose grid may change, looked up again (the smallest code among the after-state
// grids covering the point): the records in the closed area of a retired
// grid or of one whose shape changed (not one that only gained a vertex or
// a name), and in a grid drawn on a gap (create). Every other operation
// only redistributes the area of the grids it changes or retires, so no
// other point can change hands. A household or unit linked to a standard
// address moves with its address (followAddresses), whatever its own
// point; houses and residents have no grid of their own: they are at
// their address.
func (w *Work) computeMoves(ctx context.Context) error {
	for _, rt := range movedTypes() {
		// rt is one of the constant table names; moveSource(rt) its rows.
		_, err := w.tx.Exec(ctx, `
			WITH c AS (
				SELECT DISTINCT ON (id) id, grid_code, geom FROM (
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+moveSource(rt)+` x WHERE `+coveredBy(rt, "w.old_geom")+unlinked("x", rt)+`) x
					WHERE w.parent IS NULL AND (w.state = 'retired' OR (w.state = 'changed' AND NOT ST_Equals(w.geom, w.old_geom)))
					UNION ALL
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+moveSource(rt)+` x WHERE `+coveredBy(rt, "w.geom")+unlinked("x", rt)+`) x
					WHERE w.code = ANY($3)
					UNION ALL
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+moveSource(rt)+` x WHERE x.grid_code = w.code`+unlinked("x", rt)+`) x
					WHERE w.state = 'retired' AND w.parent IS NULL) u
				ORDER BY id)
			INSERT INTO adj_move (rt, id, old, new)
			SELECT $2, r.id, r.grid_code, coalesce(
				-- fast path: a point inside a grid's interior is covered by no
				-- other grid (the overlap check refuses any that would be)
				(SELECT min(a.code) FROM adj_work a WHERE a.parent IS NULL AND a.state NOT IN ('retired', 'gone') AND ST_Contains(a.geom, r.geom)),
				least(
				(SELECT min(a.code) FROM adj_work a WHERE a.parent IS NULL AND a.state NOT IN ('retired', 'gone') AND ST_Covers(a.geom, r.geom)),
				(SELECT min(g.code) FROM grid_latest g WHERE length(g.code) = 15 AND g.village <> ALL($1) AND ST_Covers(g.geom, r.geom)
				 AND NOT EXISTS (SELECT 1 FROM adj_work x WHERE x.code = g.code)))) AS new
			FROM c r`,
			w.villages, rt, w.created)
		if err != nil {
			return fmt.Errorf("moves of %s: %w", rt, err)
		}
	}
	if err := followAddresses(ctx, w.tx); err != nil {
		return err
	}
	// Statistics, so the updates joining adj_move to the record and
	// assignment tables probe their indexes rather than scan them.
	_, err := w.tx.Exec(ctx, `DELETE FROM adj_move WHERE new IS NOT DISTINCT FROM old; ANALYZE adj_move`)
	return err
}

// EventType is the record type of events (package events) in adj_move
// and adj_pending_move: open events (not closed or rejected) move with
// their grid like the records, by the lookup of their point; closed ones
// stay where they were handled. They have no assignment history of their
// own: a move is a line of the event's history (action move).
const EventType = "event"

// movedTypes are the record types whose rows move with their grid: the
// records' tables and events.
func movedTypes() []string { return append(store.RecordTypes(), EventType) }

// moveSource is the rows of record type rt for the moves' lookups, with
// columns id, grid_code and geom: the table itself, or the open events.
func moveSource(rt string) string {
	if rt == EventType {
		return `(SELECT id, grid_code, location AS geom FROM event WHERE status NOT IN ('closed', 'rejected'))`
	}
	return rt
}

// eventMoves are the statements that carry out the events' moves in
// adj_move at time $1 for proposal $2: the grid changes (an event whose
// point falls in no grid keeps its own), report_grid_code stays, and the
// event's history says so.
var eventMoves = []struct{ what, sql string }{
	// The update first: it locks the events, so a step of the flow
	// running meanwhile has committed its history line before the move's
	// is numbered.
	{"re-assign events", `UPDATE event e SET grid_code = m.new FROM adj_move m
		WHERE m.rt = 'event' AND m.id = e.id AND m.new IS NOT NULL AND e.grid_code = m.old`},
	{"history of moved events", `INSERT INTO event_history (event_id, seq, action, from_status, to_status, actor, role, note, at)
		SELECT e.id, (SELECT coalesce(max(seq), 0) + 1 FROM event_history h WHERE h.event_id = e.id), 'move', e.status, e.status,
			'adjust:' || $2::bigint, 'adjust', 'grid ' || m.old || ' -> ' || m.new || ' (proposal ' || $2::bigint || ')', $1
		FROM adj_move m JOIN event e ON e.id = m.id WHERE m.rt = 'event' AND m.new IS NOT NULL AND e.grid_code = m.new`},
}

// linkedTypes are the record tables whose rows may be linked to a
// standard address (address_id), and then move with it.
var linkedTypes = []string{"household", "unit"}

// unlinked is the condition (on alias) that leaves out the records of
// table rt that move with their address, for the lookups of the moves.
func unlinked(alias, rt string) string {
	for _, t := range linkedTypes {
		if t == rt {
			return " AND " + alias + ".address_id IS NULL"
		}
	}
	return ""
}

// coveredBy is the condition (on alias x of table rt) that the record's
// point lies in the polygon area. Households and units are found by their
// point index. Standard addresses have none (migration 008: nothing else
// reads one, and keeping it was most of the cost of an import): they are
// found by their grid, since an address's grid is the lookup of its point
// (gridd check), so a point in area lies in a grid that meets area. Any
// version of a grid counts: that only adds candidates, which ST_Covers
// then sorts out.
func coveredBy(rt, area string) string {
	cover := "ST_Covers(" + area + ", x.geom)"
	if rt != "standard_address" {
		return cover
	}
	return "x.grid_code IN (SELECT g.code FROM grid g WHERE g.geom && " + area + " AND ST_Intersects(g.geom, " + area + ")) AND " + cover
}

// followAddresses adds to adj_move the households and units linked to the
// standard addresses in it: each goes where its address goes (the
// addresses' own moves are the lookup of their points), so a household
// and its address are never in two grids. Houses and residents follow
// without a row of their own.
func followAddresses(ctx context.Context, tx pgx.Tx) error {
	for _, rt := range linkedTypes {
		// rt is one of the constant table names.
		if _, err := tx.Exec(ctx, `
			INSERT INTO adj_move (rt, id, old, new)
			SELECT $1, r.id, r.grid_code, m.new FROM adj_move m JOIN `+rt+` r ON r.address_id = m.id
			WHERE m.rt = 'standard_address' AND r.grid_code IS DISTINCT FROM m.new`, rt); err != nil {
			return fmt.Errorf("%s moving with their addresses: %w", rt, err)
		}
	}
	return nil
}
