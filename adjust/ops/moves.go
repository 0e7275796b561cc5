package ops

import (
	"context"
	"fmt"
	"gridmap/store"
)

// computeMoves fills adj_move with every household and unit whose grid
// may change, looked up again (the smallest code among the after-state
// grids covering the point): the records in the closed area of a retired
// grid or of one whose shape changed (not one that only gained a vertex or
// a name), and in a grid drawn on a gap (create). Every other operation
// only redistributes the area of the grids it changes or retires, so no
// other point can change hands.
func (w *Work) computeMoves(ctx context.Context) error {
	for _, rt := range store.RecordTypes() {
		// rt is one of two constant table names.
		_, err := w.tx.Exec(ctx, `
			WITH c AS (
				SELECT DISTINCT ON (id) id, grid_code, geom FROM (
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+rt+` x WHERE ST_Covers(w.old_geom, x.geom)) x
					WHERE w.parent IS NULL AND (w.state = 'retired' OR (w.state = 'changed' AND NOT ST_Equals(w.geom, w.old_geom)))
					UNION ALL
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+rt+` x WHERE ST_Covers(w.geom, x.geom)) x
					WHERE w.code = ANY($3)
					UNION ALL
					SELECT x.* FROM adj_work w, LATERAL (SELECT id, grid_code, geom FROM `+rt+` x WHERE x.grid_code = w.code) x
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
	// Statistics, so the updates joining adj_move to the record and
	// assignment tables probe their indexes rather than scan them.
	_, err := w.tx.Exec(ctx, `DELETE FROM adj_move WHERE new IS NOT DISTINCT FROM old; ANALYZE adj_move`)
	return err
}
