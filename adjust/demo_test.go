package adjust_test

import (
	"context"
	"errors"
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// TestAdjustDemoCity runs each operation on real-shaped data (a small demo
// county) and checks with gridd check that the dataset stays clean: every
// operation either applies or is refused with findings.
func TestAdjustDemoCity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := demo.Generate(ctx, st, demo.Options{Scale: 0.3, Seed: 7, County: "320902000000"}, nil); err != nil {
		t.Fatalf("demo: %v", err)
	}
	clean := func(when string) {
		t.Helper()
		rep, err := check.Run(ctx, st, check.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if f.Severity == geo.SeverityError {
				t.Errorf("%s: gridd check: %s: %s", when, f.Check, f.Message)
			}
		}
	}
	clean("before")
	// Pairs of adjacent comprehensive grids (no sub-grids), one per village.
	rows, err := st.Pool().Query(ctx, `
		SELECT DISTINCT ON (a.village) a.code, b.code, ST_X(m), ST_Y(m),
		       ST_X(c.p), ST_Y(c.p), ST_X(c.q), ST_Y(c.q)
		FROM grid_current a JOIN grid_current b ON a.village = b.village AND a.code < b.code
		  AND ST_Relate(a.geom, b.geom, 'F***1****') AND a.kind <> 'exclusive' AND b.kind <> 'exclusive',
		LATERAL (SELECT ST_ExteriorRing(ST_GeometryN(a.geom, 1)) AS r) ring,
		LATERAL (SELECT d.geom AS p, e.geom AS q FROM ST_DumpPoints(r) d, ST_DumpPoints(r) e
		         ORDER BY ST_Distance(ST_LineInterpolatePoint(ST_MakeLine(d.geom, e.geom), 0.5), r) DESC LIMIT 1) c,
		LATERAL (SELECT ST_LineInterpolatePoint(ST_GeometryN(ST_LineMerge(ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2)), 1), 0.5) AS m) x
		WHERE length(a.code) = 15 AND GeometryType(m) = 'POINT'
		ORDER BY a.village, a.code, b.code LIMIT 6`)
	if err != nil {
		t.Fatal(err)
	}
	type pair struct {
		a, b                   geo.Code
		mx, my, x0, y0, x1, y1 float64
	}
	var pairs []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.a, &p.b, &p.mx, &p.my, &p.x0, &p.y0, &p.x1, &p.y1); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	if len(pairs) < 5 {
		t.Fatalf("only %d villages with adjacent grids", len(pairs))
	}
	d := 0.0003 // ≈ 30 m
	list := []ops.Op{
		{Type: ops.Merge, Grids: []geo.Code{pairs[0].a, pairs[0].b}},
		{Type: ops.Retire, Grids: []geo.Code{pairs[1].a}, To: []geo.Code{pairs[1].b}},
		// A chord between two vertices of the grid, as far inside as can
		// be: it adds no node to any neighbour or village boundary.
		{Type: ops.Split, Grids: []geo.Code{pairs[2].a}, Geometry: opstest.Line(pairs[2].x0, pairs[2].y0, pairs[2].x1, pairs[2].y1)},
		{Type: ops.Transfer, Grids: []geo.Code{pairs[3].a}, To: []geo.Code{pairs[3].b}, Geometry: opstest.Rect(pairs[3].mx-d, pairs[3].my-d, pairs[3].mx+d, pairs[3].my+d)},
		{Type: ops.Rename, Grids: []geo.Code{pairs[4].a}, Name: "renamed", Kind: geo.KindUrban},
	}
	applied := 0
	for i, op := range list {
		v, err := st.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: v, Author: "p", Ops: []ops.Op{op}}, "p")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p.ID, Actor: "a"})
		var ce *adjust.ChecksError
		switch {
		case err == nil:
			applied++
		case errors.As(err, &ce):
			t.Logf("operation %d (%s) refused: %v", i, op.Type, err)
			if op.Type != ops.Transfer {
				t.Errorf("%s refused on adjacent grids: %v", op.Type, err)
			}
		default:
			t.Fatalf("operation %d (%s): %v", i, op.Type, err)
		}
		clean(op.Type)
	}
	if applied < 4 {
		t.Errorf("only %d of %d operations applied on the demo county", applied, len(list))
	}
}
