// Package adjusttest is test support for the adjustment workflow, shared
// by the tests of adjust and of the packages whose tests need adjusted
// data (api, live, store): approved proposals on the fixture county of
// opstest, and splits across village boundaries of the demo city. Only
// tests import it.
package adjusttest

import (
	"context"
	_ "embed"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/store"
)

// Approved stores a proposal of ops in the fixture county on base
// version 1, submits and approves it (no checks), and returns its id.
func Approved(t testing.TB, st *store.Store, list ...ops.Op) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: opstest.County, Reason: 2, BaseVersion: 1, Author: "planner", Ops: list}, "planner")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []adjust.ProposalChange{
		{From: []string{"draft"}, To: "submitted", Action: "proposal.submit", Actor: "planner"},
		{From: []string{"submitted"}, To: "approved", Action: "proposal.approve", Actor: "approver", ApprovedBy: "approver"},
	} {
		if _, err := adjust.UpdateProposal(ctx, st, p.ID, step); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// CrossCut is a cutting line across a demo grid that ends on an edge the
// grid shares with a grid of another village, in the middle of one of
// that edge's segments (so the cut's node is a new vertex for both).
type CrossCut struct {
	// Grid is the grid cut; Neighbour the grid of the other village.
	Grid, Neighbour geo.Code
	// The line runs from (X0, Y0) to (X1, Y1); (MX, MY) is the new node
	// on the shared edge.
	X0, Y0, X1, Y1, MX, MY float64
}

// FindCrossCut picks, on the current demo data, the comprehensive grid
// (no sub-grids) with the longest straight segment shared with a grid of
// another village — in the same town or in another town — and a line
// from 20% of the way into the neighbour, through the middle of that
// segment, across the grid and out of its box on the far side.
func FindCrossCut(t testing.TB, st *store.Store, sameTown bool) CrossCut {
	t.Helper()
	var c CrossCut
	err := st.Pool().QueryRow(context.Background(), `
		WITH pairs AS (
			SELECT a.code AS ac, b.code AS bc, a.geom AS ag, b.geom AS bg
			FROM grid_current a JOIN grid_current b ON a.village <> b.village AND a.geom && b.geom
			  AND ST_Relate(a.geom, b.geom, 'F***1****')
			WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.kind <> 'exclusive'
			  AND NOT EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid = a.code)
			  AND (substr(a.code, 1, 9) = substr(b.code, 1, 9)) = $1),
		segs AS (
			SELECT ac, bc, ag, (ST_DumpSegments(ST_LineMerge(ST_CollectionExtract(
				ST_Intersection(ST_Boundary(ag), ST_Boundary(bg)), 2)))).geom AS s
			FROM pairs),
		best AS (
			SELECT ac, bc, ag, ST_LineInterpolatePoint(s, 0.5) AS m FROM segs ORDER BY ST_Length(s) DESC, ac LIMIT 1),
		dir AS (
			SELECT ac, bc, m, ST_X(ST_PointOnSurface(ag)) - ST_X(m) AS dx, ST_Y(ST_PointOnSurface(ag)) - ST_Y(m) AS dy,
			       sqrt(pow(ST_XMax(ag) - ST_XMin(ag), 2) + pow(ST_YMax(ag) - ST_YMin(ag), 2)) AS diag
			FROM best)
		SELECT ac, bc, ST_X(m) - 0.2 * dx, ST_Y(m) - 0.2 * dy,
		       ST_X(m) + dx / sqrt(dx * dx + dy * dy) * diag, ST_Y(m) + dy / sqrt(dx * dx + dy * dy) * diag,
		       ST_X(m), ST_Y(m)
		FROM dir`, sameTown).Scan(&c.Grid, &c.Neighbour, &c.X0, &c.Y0, &c.X1, &c.Y1, &c.MX, &c.MY)
	if err != nil {
		t.Fatalf("find a grid on a village boundary (same town %v): %v", sameTown, err)
	}
	return c
}

// ApplyCrossCut applies, now, an approved split along the cross cut c of
// county 320902, and returns the time just before it and the result.
func ApplyCrossCut(t testing.TB, st *store.Store, c CrossCut) (time.Time, *adjust.ApplyResult) {
	t.Helper()
	ctx := context.Background()
	var before time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	v, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: v, Author: "p",
		Ops: []ops.Op{{Type: ops.Split, Grids: []geo.Code{c.Grid}, Geometry: opstest.Line(c.X0, c.Y0, c.X1, c.Y1)}}}, "p")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p.ID, Actor: "a"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return before, res
}
