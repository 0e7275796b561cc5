package ops

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// redraw replaces a set of grids of one village by parts partitioning
// their union: the linework is the outer boundary of the set and the
// parts' boundaries; each face of the set goes to the part holding its
// point on surface. Codes of the set that no part keeps are retired.
func (w *Work) redraw(ctx context.Context, i int, op Op) error {
	if len(op.Grids) == 0 || len(op.Parts) == 0 {
		return &Error{Index: i, Op: op.Type, Msg: "needs the grids to redraw and the parts to draw"}
	}
	inSet := map[geo.Code]bool{}
	for _, c := range op.Grids {
		if _, _, err := w.grid(ctx, i, op.Type, c); err != nil {
			return err
		}
		inSet[c] = true
	}
	v := containerOf(op.Grids[0])
	var mp orb.MultiPolygon
	codes := make([]string, len(op.Parts))
	kept := map[geo.Code]bool{}
	for k, p := range op.Parts {
		if p.Geometry == nil {
			return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("part %d has no polygon", k+1)}
		}
		switch g := p.Geometry.Coordinates.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		default:
			return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("part %d is not a polygon", k+1)}
		}
		if p.Code != "" {
			if !inSet[p.Code] || kept[p.Code] {
				return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("part %d keeps code %s, which is not (once) in the redrawn set", k+1, p.Code)}
			}
			kept[p.Code] = true
			codes[k] = string(p.Code)
			if _, err := w.tx.Exec(ctx, `UPDATE adj_work SET kind = coalesce(nullif($2, ''), kind), name = coalesce(nullif($3, ''), name) WHERE code = $1`,
				p.Code, string(p.Kind), p.Name); err != nil {
				return err
			}
			continue
		}
		if !p.Kind.Valid() || p.Name == "" {
			return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("new part %d needs a kind and a name", k+1)}
		}
		nc, err := w.newCode(ctx, i, op.Type, v, string(p.Kind), p.Name)
		if err != nil {
			return err
		}
		codes[k] = string(nc)
	}
	if err := w.faces(ctx, v, store.Geom(mp), op.Grids, op.Grids); err != nil {
		return err
	}
	for k, p := range op.Parts {
		if _, err := w.tx.Exec(ctx, `UPDATE adj_face f SET new_owner = $3 WHERE f.owner = ANY($1)
			AND ST_Covers(ST_Snap(ST_SetSRID($2::geometry, 4326), (SELECT ST_Collect(ST_Boundary(geom)) FROM adj_work WHERE `+containerSQL+` = $4), $5), f.pt)`,
			op.Grids, store.Geom(p.Geometry.Coordinates), codes[k], v, w.snapDeg()); err != nil {
			return err
		}
	}
	var gone []geo.Code
	for _, c := range op.Grids {
		if !kept[c] {
			gone = append(gone, c)
		}
	}
	if err := w.retireCodes(ctx, gone); err != nil {
		return err
	}
	if err := w.rebuild(ctx, v); err != nil {
		return err
	}
	// Lineage: from each code of the set to every other part its area
	// went to (faces straddle the old grids, so compare areas).
	rows, err := w.tx.Query(ctx, `SELECT a.code, b.code FROM adj_work a, adj_work b
		WHERE a.code = ANY($1) AND b.code = ANY($2) AND a.code <> b.code AND a.old_geom IS NOT NULL
		AND a.old_geom && b.geom AND ST_Relate(a.old_geom, b.geom, '2********') ORDER BY 1, 2`, op.Grids, codes)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x, y string
		if err := rows.Scan(&x, &y); err != nil {
			return err
		}
		w.lineage = append(w.lineage, [2]geo.Code{geo.Code(x), geo.Code(y)})
	}
	return rows.Err()
}
