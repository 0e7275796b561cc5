package ops

import (
	"context"

	"gridmap/geo"
)

// transfer moves an area from grid(s) to another grid of the same
// container: the polygon's boundary joins the linework, and the faces of
// the giving grids whose point on surface the polygon (snapped to the
// linework) covers go to the taker. Codes are kept.
func (w *Work) transfer(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 1, "the grid(s) the area comes from"); err != nil {
		return err
	}
	if len(op.To) != 1 {
		return &Error{Index: i, Op: op.Type, Msg: "needs exactly one grid to take the area (to)"}
	}
	for _, c := range append(append([]geo.Code{}, op.Grids...), op.To[0]) {
		if _, _, err := w.grid(ctx, i, op.Type, c); err != nil {
			return err
		}
	}
	poly, err := opGeom(i, op)
	if err != nil {
		return err
	}
	v := containerOf(op.To[0])
	if err := w.faces(ctx, v, poly, op.Grids, nil); err != nil {
		return err
	}
	tag, err := w.tx.Exec(ctx, `UPDATE adj_face f SET new_owner = $3 WHERE f.owner = ANY($1)
		AND ST_Covers(ST_Snap(ST_SetSRID($2::geometry, 4326), (SELECT ST_Collect(ST_Boundary(geom)) FROM adj_work WHERE `+containerSQL+` = $4), $5), f.pt)`,
		op.Grids, poly, op.To[0], v, w.snapDeg())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &Error{Index: i, Op: op.Type, Msg: "the polygon covers no part of the grids the area comes from"}
	}
	return w.rebuild(ctx, v)
}
