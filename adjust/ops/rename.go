package ops

import "context"

// rename gives a grid a new name and/or kind; its geometry stays as it
// is (no linework is built).
func (w *Work) rename(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 1, "the grid to rename"); err != nil {
		return err
	}
	kind, name, err := w.grid(ctx, i, op.Type, op.Grids[0])
	if err != nil {
		return err
	}
	if op.Kind != "" {
		kind = string(op.Kind)
	}
	if op.Name != "" {
		name = op.Name
	}
	_, err = w.tx.Exec(ctx, `UPDATE adj_work SET kind = $2, name = $3,
		state = CASE WHEN state = 'same' THEN 'changed' ELSE state END WHERE code = $1`, op.Grids[0], kind, name)
	return err
}
