package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/check"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The adjustment fixture is a small county: village
// 320902001001 is 3×3 rural grids of 0.01° (001 at the south-west, 003 at
// the south-east, 009 at the north-east) sharing edges exactly; grid 005
// is urban. Village 320902001002 east of it has one grid (001) on its west
// half and a gap on its east half. Households sit on a 0.0025° lattice,
// many of them on grid edges, assigned by the lookup rule; a few units too.
// Everything starts on 2026-01-01 and the dataset is at version 1. The
// SQL is in testdata/adjust_fixture.sql (the adjust tests load it too).

// The fixture's codes.
const (
	fxVillage = geo.Code("320902001001")
	fxEast    = geo.Code("320902001002")
	fxCounty  = geo.Code("320902000000")
)

func fxGrid(seq int) geo.Code { return geo.Code(fmt.Sprintf("%s%03d", fxVillage, seq)) }

func newAdjustStore(t testing.TB) *store.Store {
	t.Helper()
	st := storetest.New(t)
	sql, err := os.ReadFile("testdata/adjust_fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(context.Background(), string(sql)); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	return st
}

func line(pts ...float64) *geojson.Geometry {
	var ls orb.LineString
	for i := 0; i+1 < len(pts); i += 2 {
		ls = append(ls, orb.Point{pts[i], pts[i+1]})
	}
	return geojson.NewGeometry(ls)
}

func rect(x0, y0, x1, y1 float64) *geojson.Geometry {
	return geojson.NewGeometry(orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}})
}

// sqlInt runs a query answering one integer.
func sqlInt(t testing.TB, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// assertInvariants checks, with PostGIS as the oracle, that the current
// grids of both villages do not overlap, cover their village exactly and
// lie inside it, that every household and unit is in the grid the lookup
// rule gives, with exactly one open assignment to it.
func assertInvariants(t testing.TB, st *store.Store) {
	t.Helper()
	checks := []struct {
		what string
		sql  string
	}{
		{"overlapping grid pairs", `SELECT count(*) FROM grid_current a JOIN grid_current b
			ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')`},
		{"grids outside their village", `SELECT count(*) FROM grid_current g JOIN area v ON v.code = g.village
			WHERE NOT ST_CoveredBy(g.geom, v.geom)`},
		{"gap in village 001 (×1e12 deg²)", `SELECT (ST_Area(ST_Difference(v.geom, (SELECT ST_Union(geom) FROM grid_current WHERE village = v.code))) * 1e12)::bigint
			FROM area v WHERE code = '320902001001'`},
		{"village 001 area differs from its grids' (×1e12 deg²)", `SELECT round(abs(ST_Area(v.geom) - (SELECT sum(ST_Area(geom)) FROM grid_current WHERE village = v.code)) * 1e12)::bigint
			FROM area v WHERE code = '320902001001'`},
		{"invalid grids", `SELECT count(*) FROM grid_current WHERE NOT ST_IsValid(geom)`},
		{"households not in their lookup grid", `SELECT count(*) FROM household h
			WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`},
		{"units not in their lookup grid", `SELECT count(*) FROM unit h
			WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`},
		{"records whose open assignment disagrees", `SELECT count(*) FROM (
			SELECT 'household' AS rt, id, grid_code FROM household UNION ALL SELECT 'unit', id, grid_code FROM unit) r
			WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = r.rt AND a.record_id = r.id
			       AND upper_inf(a.valid) AND a.grid_code = r.grid_code) <> 1`},
		{"overlapping assignment ranges", `SELECT count(*) FROM assignment a JOIN assignment b
			ON a.record_type = b.record_type AND a.record_id = b.record_id AND a.ctid < b.ctid AND a.valid && b.valid`},
		{"current grids with a retired code", `SELECT count(*) FROM grid_current g JOIN grid_code c USING (code) WHERE c.retired_at <= now()`},
	}
	for _, c := range checks {
		if n := sqlInt(t, st, c.sql); n != 0 {
			t.Errorf("invariant broken: %s: %d", c.what, n)
		}
	}
	// gridd check agrees (the east village's gap is in the fixture).
	rep, err := check.Run(context.Background(), st, check.Options{}, nil)
	if err != nil {
		t.Fatalf("gridd check: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Severity == geo.SeverityError && !(f.Check == geo.CheckVillageGap && len(f.Codes) > 0 && f.Codes[0] == string(fxEast)) {
			t.Errorf("gridd check: %s: %s", f.Check, f.Message)
		}
	}
}

// approved stores a proposal of ops on base version 1 and approves it.
func approved(t testing.TB, st *store.Store, ops ...store.AdjustOp) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := st.InsertProposal(ctx, store.ProposalRecord{County: fxCounty, Reason: 2, BaseVersion: 1, Author: "planner", Ops: ops}, "planner")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []store.ProposalChange{
		{From: []string{"draft"}, To: "submitted", Action: "proposal.submit", Actor: "planner"},
		{From: []string{"submitted"}, To: "approved", Action: "proposal.approve", Actor: "approver", ApprovedBy: "approver"},
	} {
		if _, err := st.UpdateProposal(ctx, p.ID, step); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}
