package ops

import (
	"context"
	"fmt"

	"gridmap/geo"
)

// split cuts a grid by a line: the line is snapped to the village's
// linework and noded with it, and each face of the grid (west to east,
// then south to north) becomes a new grid named prefix 1, prefix 2, ...
// The old code is retired, with lineage to every part. A neighbour whose
// edge the line meets picks up the node there (it stays vertex-identical).
func (w *Work) split(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 1, "the grid to split"); err != nil {
		return err
	}
	g := op.Grids[0]
	kind, name, err := w.grid(ctx, i, op.Type, g)
	if err != nil {
		return err
	}
	line, err := opGeom(i, op)
	if err != nil {
		return err
	}
	v := containerOf(g)
	if err := w.faces(ctx, v, line, []geo.Code{g}, nil); err != nil {
		return err
	}
	var ids []int32
	if err := w.tx.QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY ST_XMin(geom), ST_YMin(geom)), '{}') FROM adj_face WHERE owner = $1`, g).Scan(&ids); err != nil {
		return err
	}
	if len(ids) < 2 {
		return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("the line does not cut grid %s into parts: it must cross the grid from edge to edge", g)}
	}
	prefix := name
	if op.Name != "" {
		prefix = op.Name
	}
	for k, id := range ids {
		nc, err := w.newCode(ctx, i, op.Type, v, kind, fmt.Sprintf("%s %d", prefix, k+1))
		if err != nil {
			return err
		}
		if _, err := w.tx.Exec(ctx, `UPDATE adj_face SET new_owner = $2 WHERE id = $1`, id, nc); err != nil {
			return err
		}
		w.lineage = append(w.lineage, [2]geo.Code{g, nc})
	}
	if err := w.retireCodes(ctx, []geo.Code{g}); err != nil {
		return err
	}
	return w.rebuild(ctx, v)
}
