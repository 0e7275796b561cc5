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

// TestStaleIgnoresEdgeMatch: two proposals drawn on the same base; the
// first splits a grid of the west village by a line ending inside the
// east village's grid, which takes the cut's node (an edge-matched
// version: same code, name, kind and shape). The second, which splits
// that east grid, is not stale for it: it validates, previews and
// applies, computed on the current geometry (its new west part has the
// node), and every invariant and gridd check hold. A real change of the
// east grid since the base (a rename) still makes it stale, even when an
// edge-matched version came after it.
func TestStaleIgnoresEdgeMatch(t *testing.T) {
	t.Parallel()
	const east = geo.Code("320902001002001")
	first := ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(6)}, Geometry: opstest.Line(120.019, 33.0151, 120.035, 33.0151)}
	second := ops.Op{Type: ops.Split, Grids: []geo.Code{east}, Geometry: opstest.Line(120.0375, 32.999, 120.0375, 33.031)}
	for _, renamed := range []bool{false, true} {
		name := "edge matched only"
		if renamed {
			name = "renamed, then edge matched"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			p1, p2 := adjusttest.Approved(t, st, first), adjusttest.Approved(t, st, second)
			if renamed {
				r := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{east}, Name: "East renamed"})
				if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: r, Actor: "approver"}); err != nil {
					t.Fatalf("rename: %v", err)
				}
			}
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p1, Actor: "approver"}); err != nil {
				t.Fatalf("first: %v", err)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1 AND upper_inf(valid) AND edge_matched`, east); n != 1 {
				t.Fatalf("the east grid's current version is not marked edge matched (%d)", n)
			}
			prev, err := ops.DryRun(ctx, st, []ops.Op{second}, 1, ops.Options{})
			if err != nil {
				t.Fatalf("preview: %v", err)
			}
			_, applyErr := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p2, Actor: "approver"})
			if renamed {
				if prev.Stale == nil || len(prev.Stale.Changed) != 1 || prev.Stale.Changed[0].Code != east {
					t.Errorf("preview after a rename: stale %+v, want the east grid", prev.Stale)
				}
				if !ops.IsStale(applyErr) {
					t.Errorf("apply after a rename: %v, want stale", applyErr)
				}
				return
			}
			if prev.Stale != nil {
				t.Errorf("preview: stale %v, want none (the east grid was only edge matched)", prev.Stale)
			}
			if prev.Errors() > 0 {
				for _, f := range prev.Findings {
					t.Logf("%s %s: %s", f.Severity, f.Check, f.Message)
				}
				t.Errorf("preview: %d error findings", prev.Errors())
			}
			if applyErr != nil {
				t.Fatalf("second: %v", applyErr)
			}
			// The east grid's west part (computed on the current geometry)
			// has the first cut's node on the village boundary.
			if n := sqlInt(t, st, `SELECT count(*) FROM grid_current g WHERE g.village = $1
				AND ST_Intersects(ST_Points(g.geom), ST_SetSRID(ST_MakePoint(120.03, 33.0151), 4326))`, fxEast); n != 1 {
				t.Errorf("%d current east grids have the first cut's node as a vertex, want 1", n)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid_code WHERE code = $1 AND retired_at IS NOT NULL`, east); n != 1 {
				t.Errorf("the east grid is not retired by the second split")
			}
			assertEdgesMatched(t, st, 120.03, 33.0151, false)
			assertInvariants(t, st)
		})
	}
}
