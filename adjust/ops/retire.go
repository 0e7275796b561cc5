package ops

import (
	"context"

	"gridmap/geo"
)

// retire retires a grid and gives its area to the taker grids: each face
// of the retired grid goes to the taker it shares the longest border
// with, and lineage runs from the retired code to every taker that got
// some of it.
func (w *Work) retire(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 1, "the grid to retire"); err != nil {
		return err
	}
	if len(op.To) == 0 {
		return &Error{Index: i, Op: op.Type, Msg: "needs the grid(s) that take the retired grid's area (to)"}
	}
	g := op.Grids[0]
	if _, _, err := w.grid(ctx, i, op.Type, g); err != nil {
		return err
	}
	for _, c := range op.To {
		if _, _, err := w.grid(ctx, i, op.Type, c); err != nil {
			return err
		}
	}
	v := containerOf(g)
	if err := w.faces(ctx, v, nil, nil, nil); err != nil {
		return err
	}
	// Each face of the retired grid goes to the taker it shares the
	// longest border with.
	if _, err := w.tx.Exec(ctx, `UPDATE adj_face f SET new_owner = (
			SELECT t.code FROM adj_work t WHERE t.code = ANY($2)
			ORDER BY ST_Length(ST_Intersection(ST_Boundary(f.geom), ST_Boundary(t.geom))) DESC, t.code LIMIT 1)
		WHERE f.owner = $1`, g, op.To); err != nil {
		return err
	}
	var takers []string
	if err := w.tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT new_owner), '{}') FROM adj_face WHERE owner = $1`, g).Scan(&takers); err != nil {
		return err
	}
	for _, t := range takers {
		w.lineage = append(w.lineage, [2]geo.Code{g, geo.Code(t)})
	}
	if err := w.retireCodes(ctx, []geo.Code{g}); err != nil {
		return err
	}
	return w.rebuild(ctx, v)
}
