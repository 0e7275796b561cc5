package adjust_test

import (
	"context"
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestDrawnAfterEdgeMatch: proposal A splits the east village's grid by
// a line starting in the west village's grid 006, whose edge on the
// village boundary takes A's node at (120.03, 33.0151) — an edge-matched
// version, which does not make proposals on 006 stale. Proposals B,
// drafted on the base before A, carry geometry drawn without that
// vertex, across or along that edge: a transfer polygon drawn by hand
// 0.2 m inside the edge, a redraw of 005 and 006 with parts drawn on the
// old edge, and a reshape of 006 and 003 whose line meets the edge 0.2 m
// from the node. Each B still applies to a valid village: PostGIS finds
// no overlap, no gap, every grid inside its village, every record in
// its lookup grid (assertInvariants, with gridd check), shared edges
// vertex-identical around the node, and no vertex of any grid within
// the snap tolerance (0.5 m) of the node but the node itself (the drawn
// geometry snapped to it rather than leaving a sliver of an edge).
func TestDrawnAfterEdgeMatch(t *testing.T) {
	t.Parallel()
	const nx, ny = 120.03, 33.0151
	a := ops.Op{Type: ops.Split, Grids: []geo.Code{"320902001002001"}, Geometry: opstest.Line(120.025, ny, 120.05, ny)}
	cases := []struct {
		name string
		op   ops.Op
	}{
		{"transfer drawn 0.2 m off the edge", ops.Op{Type: ops.Transfer, Grids: []geo.Code{fxGrid(6)}, To: []geo.Code{fxGrid(3)},
			Geometry: opstest.Rect(120.025, 33.01, 120.029998, 33.02)}},
		{"redraw with parts on the old edge", ops.Op{Type: ops.Redraw, Grids: []geo.Code{fxGrid(5), fxGrid(6)}, Parts: []ops.Part{
			{Code: fxGrid(5), Geometry: opstest.Rect(120.01, 33.01, 120.025, 33.02)},
			{Code: fxGrid(6), Geometry: opstest.Rect(120.025, 33.01, 120.03, 33.02)}}}},
		{"reshape line meeting the edge 0.2 m from the node", ops.Op{Type: ops.Reshape, Grids: []geo.Code{fxGrid(6), fxGrid(3)},
			Geometry: opstest.Line(120.019, 33.011, nx, ny-0.000002, 120.031, 33.0152)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			pa, pb := adjusttest.Approved(t, st, a), adjusttest.Approved(t, st, tc.op)
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: pa, Actor: "approver"}); err != nil {
				t.Fatalf("A: %v", err)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1 AND upper_inf(valid) AND edge_matched
				AND ST_Intersects(ST_Points(geom), ST_SetSRID(ST_MakePoint($2, $3), 4326))`, fxGrid(6), nx, ny); n != 1 {
				t.Fatalf("grid 006 did not take A's node as an edge-matched version")
			}
			prev, err := ops.DryRun(ctx, st, []ops.Op{tc.op}, 1, ops.Options{})
			if err != nil {
				t.Fatalf("B preview: %v", err)
			}
			if prev.Stale != nil {
				t.Errorf("B is stale: %v", prev.Stale)
			}
			for _, f := range prev.Findings {
				if f.Severity == geo.SeverityError {
					t.Errorf("B preview: %s: %s", f.Check, f.Message)
				}
			}
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: pb, Actor: "approver"}); err != nil {
				t.Fatalf("B: %v", err)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE adjustment = $1 AND NOT edge_matched`, pb); n == 0 {
				t.Fatalf("B wrote no grid version")
			}
			assertInvariants(t, st)
			assertEdgesMatched(t, st, nx, ny, false)
			if n := sqlInt(t, st, `SELECT count(*) FROM (SELECT DISTINCT (ST_DumpPoints(geom)).geom AS p FROM grid_current) v
				WHERE ST_DWithin(p, ST_SetSRID(ST_MakePoint($1, $2), 4326), 0.5 / 111320.0)
				AND NOT ST_Equals(p, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, nx, ny); n != 0 {
				t.Errorf("%d grid vertices within 0.5 m of A's node other than the node", n)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM area WHERE level = 'village' AND ST_Intersects(ST_Points(geom), ST_SetSRID(ST_MakePoint($1, $2), 4326))`, nx, ny); n != 2 {
				t.Errorf("A's node is a vertex of %d villages, want 2", n)
			}
		})
	}
}
