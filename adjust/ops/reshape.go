package ops

import (
	"context"
	"fmt"

	"gridmap/geo"
)

// reshape redraws the shared edge of two adjacent grids: the linework
// takes their outer boundary instead of their shared edge, plus the new
// line clipped to near the pair, and each face of the pair goes to the
// grid that held most of it before. Both codes are kept.
func (w *Work) reshape(ctx context.Context, i int, op Op) error {
	if err := needGrids(i, op, 2, "the two grids whose shared edge is redrawn"); err != nil {
		return err
	}
	a, b := op.Grids[0], op.Grids[1]
	for _, c := range []geo.Code{a, b} {
		if _, _, err := w.grid(ctx, i, op.Type, c); err != nil {
			return err
		}
	}
	var adjacent bool
	if err := w.tx.QueryRow(ctx, `SELECT ST_Relate(x.geom, y.geom, 'F***1****') FROM adj_work x, adj_work y
		WHERE x.code = $1 AND y.code = $2`, a, b).Scan(&adjacent); err != nil {
		return err
	}
	if !adjacent {
		return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("grids %s and %s do not share an edge", a, b)}
	}
	line, err := opGeom(i, op)
	if err != nil {
		return err
	}
	v := containerOf(a)
	if err := w.faces(ctx, v, line, []geo.Code{a, b}, []geo.Code{a, b}); err != nil {
		return err
	}
	// Faces of the pair go to the grid that held most of them before.
	if _, err := w.tx.Exec(ctx, `UPDATE adj_face f SET new_owner =
			CASE WHEN ST_Area(ST_Intersection(f.geom, x.geom)) >= ST_Area(f.geom) / 2 THEN $1 ELSE $2 END
		FROM adj_work x WHERE x.code = $1 AND f.owner = ANY(ARRAY[$1, $2])`, a, b); err != nil {
		return err
	}
	if err := w.needFaces(ctx, i, op.Type, a, b); err != nil {
		return err
	}
	return w.rebuild(ctx, v)
}

// needFaces fails when one of the grids would be left without area.
func (w *Work) needFaces(ctx context.Context, i int, op string, codes ...geo.Code) error {
	for _, c := range codes {
		var n int
		if err := w.tx.QueryRow(ctx, `SELECT count(*) FROM adj_face WHERE new_owner = $1`, c).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &Error{Index: i, Op: op, Msg: fmt.Sprintf("the new line leaves grid %s without area", c)}
		}
	}
	return nil
}
