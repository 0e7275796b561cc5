package ops

import (
	"context"

	"gridmap/geo"
)

// merge joins grids of one container into one new code (kind and name
// from the first grid unless the operation gives them): their faces all
// go to the new code and the old codes are retired, with lineage.
func (w *Work) merge(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 2, "two or more grids to merge"); err != nil {
		return err
	}
	kind, name, err := w.grid(ctx, i, op.Type, op.Grids[0])
	if err != nil {
		return err
	}
	for _, c := range op.Grids[1:] {
		if _, _, err := w.grid(ctx, i, op.Type, c); err != nil {
			return err
		}
	}
	if op.Kind != "" {
		kind = string(op.Kind)
	}
	if op.Name != "" {
		name = op.Name
	}
	v := containerOf(op.Grids[0])
	nc, err := w.newCode(ctx, i, op.Type, v, kind, name)
	if err != nil {
		return err
	}
	if err := w.faces(ctx, v, nil, nil, nil); err != nil {
		return err
	}
	if _, err := w.tx.Exec(ctx, `UPDATE adj_face SET new_owner = $2 WHERE owner = ANY($1)`, op.Grids, nc); err != nil {
		return err
	}
	for _, c := range op.Grids {
		w.lineage = append(w.lineage, [2]geo.Code{c, nc})
	}
	if err := w.retireCodes(ctx, op.Grids); err != nil {
		return err
	}
	return w.rebuild(ctx, v)
}
