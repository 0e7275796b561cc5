package ops

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// create draws a new grid on a gap of a village: the polygon's boundary
// joins the village's noded linework, and the faces inside the polygon
// that no grid holds go to the new code. Faces of existing grids it
// covers are not taken: each overlap is an error finding (transfer the
// area instead), like the part drawn outside the village (outside).
func (w *Work) create(ctx context.Context, i int, op Op) error {
	poly, err := opGeom(i, op)
	if err != nil {
		return err
	}
	if !op.Kind.Valid() {
		return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("kind %q: want urban, rural or exclusive", op.Kind)}
	}
	v := op.Village
	nc, err := w.newCode(ctx, i, op.Type, v, string(op.Kind), op.Name)
	if err != nil {
		return err
	}
	w.created = append(w.created, string(nc))
	if err := w.faces(ctx, v, poly, nil, nil); err != nil {
		return err
	}
	if err := w.outside(ctx, i, nc, v, poly); err != nil {
		return err
	}
	inPoly := `ST_Covers(ST_Snap(ST_SetSRID($1::geometry, 4326), (SELECT ST_Collect(ST_Boundary(geom)) FROM adj_work WHERE ` + containerSQL + ` = $2), $3), f.pt)`
	rows, err := w.tx.Query(ctx, `SELECT f.owner, ST_Multi(ST_Union(f.geom)) FROM adj_face f
		WHERE f.owner IS NOT NULL AND `+inPoly+` GROUP BY f.owner ORDER BY f.owner`, poly, v, w.snapDeg())
	if err != nil {
		return err
	}
	for rows.Next() {
		var owner string
		var loc orb.MultiPolygon
		if err := rows.Scan(&owner, store.ScanMultiPolygon(&loc)); err != nil {
			rows.Close()
			return err
		}
		w.findings = append(w.findings, geo.Finding{Check: geo.CheckGridOverlap, Severity: geo.SeverityError, Codes: []string{string(nc), owner},
			Message:  fmt.Sprintf("the new grid of operation %d overlaps grid %s: draw it in a gap of the village, or transfer the area from %s", i+1, owner, owner),
			Location: loc})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tag, err := w.tx.Exec(ctx, `UPDATE adj_face f SET new_owner = $4 WHERE f.owner IS NULL
		AND ST_Covers((SELECT geom FROM area WHERE code = $2), f.pt) AND `+inPoly, poly, v, w.snapDeg(), nc)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("the polygon covers no gap of village %s", v)}
	}
	return w.rebuild(ctx, v)
}

// outside reports the part of a drawn polygon outside village v (it is
// not given to any grid; the finding says so).
func (w *Work) outside(ctx context.Context, i int, code, v geo.Code, poly any) error {
	rows, err := w.tx.Query(ctx, `SELECT d, `+store.AreaM2SQL("d")+` FROM (
		SELECT ST_Multi(ST_CollectionExtract(ST_Difference(ST_SetSRID($1::geometry, 4326), geom), 3)) AS d
		FROM area WHERE code = $2) x WHERE NOT ST_IsEmpty(d) AND `+store.AreaM2SQL("d")+` > $3`, poly, v, w.opts.GapM2)
	if err != nil {
		return fmt.Errorf("outside village: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d orb.MultiPolygon
		var a float64
		if err := rows.Scan(store.ScanMultiPolygon(&d), &a); err != nil {
			return fmt.Errorf("outside village: %w", err)
		}
		w.findings = append(w.findings, geo.Finding{Check: geo.CheckGridOutsideVillage, Severity: geo.SeverityError, Codes: []string{string(code), string(v)},
			Message:  fmt.Sprintf("operation %d draws %.2f m² outside village %s; a grid stays inside its village: redraw the polygon inside it", i+1, a, v),
			Location: d, AreaM2: a})
	}
	return rows.Err()
}
