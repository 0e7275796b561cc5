package adjust_test

import (
	"context"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/pii"
	"gridmap/store"
	"gridmap/store/storetest"
)

// recordsDemo is a small demo county with residents (一标三实).
func recordsDemo(t *testing.T) *store.Store {
	t.Helper()
	key, err := pii.NewKey([]byte("gridmap adjust test data key 32!"))
	if err != nil {
		t.Fatal(err)
	}
	return storetest.NewDemo(t, demo.Options{Scale: 0.05, Seed: 5, County: "320902000000", Key: key})
}

// splitBusiest proposes, approves and returns a split of the urban grid
// with the most standard addresses (skipping skip) by a chord between two
// of its vertices, as far inside as can be, so that addresses fall on both
// sides.
func splitBusiest(t *testing.T, st *store.Store, skip geo.Code) (int64, geo.Code) {
	t.Helper()
	ctx := context.Background()
	var code geo.Code
	var x0, y0, x1, y1 float64
	if err := st.Pool().QueryRow(ctx, `
		SELECT g.code, ST_X(c.p), ST_Y(c.p), ST_X(c.q), ST_Y(c.q)
		FROM grid_current g,
		LATERAL (SELECT ST_ExteriorRing(ST_GeometryN(g.geom, 1)) AS r) ring,
		LATERAL (SELECT d.geom AS p, e.geom AS q FROM ST_DumpPoints(r) d, ST_DumpPoints(r) e
		         ORDER BY ST_Distance(ST_LineInterpolatePoint(ST_MakeLine(d.geom, e.geom), 0.5), r) DESC LIMIT 1) c
		WHERE length(g.code) = 15 AND g.kind = 'urban' AND g.code <> $1 AND ST_NumGeometries(g.geom) = 1
		ORDER BY (SELECT count(*) FROM standard_address a WHERE a.grid_code = g.code) DESC, g.code LIMIT 1`, string(skip)).
		Scan(&code, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	v, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: v, Author: "p",
		Ops: []ops.Op{{Type: ops.Split, Grids: []geo.Code{code}, Geometry: opstest.Line(x0, y0, x1, y1)}}}, "p")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	return p.ID, code
}

// assertRecordsClean checks with PostGIS as the oracle that every
// standard address is in the grid the lookup gives for its point, with
// one open assignment to it, that the households and units at an address
// are in its grid, and that gridd check finds no error.
func assertRecordsClean(t *testing.T, st *store.Store, when string) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct{ what, sql string }{
		{"addresses not in their lookup grid", `SELECT count(*) FROM standard_address a
			WHERE a.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, a.geom) ORDER BY code LIMIT 1)`},
		{"addresses whose open assignment disagrees", `SELECT count(*) FROM standard_address s
			WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = 'standard_address' AND a.record_id = s.id
			       AND upper_inf(a.valid) AND a.grid_code = s.grid_code) <> 1`},
		{"households and units not in their address's grid", `SELECT count(*) FROM (
			SELECT address_id, grid_code FROM household UNION ALL SELECT address_id, grid_code FROM unit) r
			JOIN standard_address a ON a.id = r.address_id WHERE a.grid_code <> r.grid_code`},
	} {
		if n := sqlInt(t, st, c.sql); n != 0 {
			t.Errorf("%s: %s: %d", when, c.what, n)
		}
	}
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

// TestSplitMovesRecords applies a split of a demo grid full of standard
// addresses and residents: the addresses (and with them their houses,
// residents and households) move to the new grids in the same
// transaction, the preview counts them, the history answers which grid an
// address was in before, and gridd check passes.
func TestSplitMovesRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := recordsDemo(t)
	assertRecordsClean(t, st, "before")
	id, code := splitBusiest(t, st, "")
	addresses := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code))
	residents := sqlInt(t, st, `SELECT count(*) FROM resident r JOIN standard_address a ON a.id = r.address_id WHERE a.grid_code = $1`, string(code))
	if addresses < 20 || residents < addresses {
		t.Fatalf("grid %s has %d addresses and %d residents", code, addresses, residents)
	}
	before := time.Now()
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	var movedA, movedR, movedH int
	for _, m := range res.Preview.Moves {
		if m.From != code {
			t.Errorf("move from %s, only %s was split", m.From, code)
		}
		movedA += m.Addresses
		movedR += m.Residents
		movedH += m.Households
	}
	// Every record of the split grid is in one of the new grids: all move.
	if int64(movedA) != addresses || int64(movedR) != residents || movedH == 0 {
		t.Errorf("preview moves %d addresses, %d residents, %d households; grid %s had %d addresses and %d residents",
			movedA, movedR, movedH, code, addresses, residents)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code)); n != 0 {
		t.Errorf("%d addresses left in the retired grid %s", n, code)
	}
	// Which grid was this address in on date D: the split grid before
	// the apply, a new one after.
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address s
		JOIN assignment b ON b.record_type = 'standard_address' AND b.record_id = s.id AND b.valid @> $2::timestamptz
		JOIN assignment a ON a.record_type = 'standard_address' AND a.record_id = s.id AND a.valid @> now()
		WHERE b.grid_code = $1 AND a.grid_code = s.grid_code AND a.grid_code <> $1 AND a.adjustment = $3`,
		string(code), before, id); n != addresses {
		t.Errorf("%d of %d addresses have the history split grid → new grid", n, addresses)
	}
	// Residents are where their address is: in the new grids.
	if n := sqlInt(t, st, `SELECT count(*) FROM resident r JOIN standard_address a ON a.id = r.address_id
		JOIN grid_current g ON g.code = a.grid_code WHERE g.adjustment = $1`, id); n != residents {
		t.Errorf("%d residents in the new grids, want %d", n, residents)
	}
	assertRecordsClean(t, st, "after the split")
}

// TestSplitMovesRecordsAtSwitch applies a split ahead of its effective
// time: the addresses stay until the switch, then move with their
// households; a second one is cancelled and moves nothing.
func TestSplitMovesRecordsAtSwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := recordsDemo(t)
	id, code := splitBusiest(t, st, "")
	addresses := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code))
	eff := time.Now().Add(3 * time.Second).Truncate(time.Microsecond)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: eff})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pending {
		t.Fatalf("apply at %s is not pending", eff)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code)); n != addresses {
		t.Errorf("before the effective time %d of %d addresses in %s", n, addresses, code)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM adj_pending_move WHERE proposal = $1 AND record_type = 'standard_address'`, id); n != addresses {
		t.Errorf("%d address moves planned, want %d", n, addresses)
	}

	// A second split, cancelled before its time: nothing moves.
	id2, code2 := splitBusiest(t, st, code)
	addresses2 := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code2))
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id2, Actor: "a", EffectiveAt: eff.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := adjust.CancelPending(ctx, st, id2, "a", "not now"); err != nil {
		t.Fatal(err)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM adj_pending_move WHERE proposal = $1`, id2); n != 0 {
		t.Errorf("%d moves still planned after the cancel", n)
	}

	time.Sleep(time.Until(eff) + 100*time.Millisecond)
	if _, _, err := adjust.SwitchDue(ctx, st); err != nil {
		t.Fatal(err)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code)); n != 0 {
		t.Errorf("after the switch %d addresses in the retired grid %s", n, code)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address WHERE grid_code = $1`, string(code2)); n != addresses2 {
		t.Errorf("after the cancel %d of %d addresses in %s", n, addresses2, code2)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM standard_address s
		JOIN assignment a ON a.record_type = 'standard_address' AND a.record_id = s.id AND a.valid @> $2::timestamptz
		JOIN assignment b ON b.record_type = 'standard_address' AND b.record_id = s.id AND b.valid @> $3::timestamptz
		WHERE b.grid_code = $1 AND a.grid_code = s.grid_code AND a.grid_code <> $1`, string(code), eff, eff.Add(-time.Millisecond)); n != addresses {
		t.Errorf("%d of %d addresses have the history split grid → new grid at the effective time", n, addresses)
	}
	assertRecordsClean(t, st, "after the switch")
}
