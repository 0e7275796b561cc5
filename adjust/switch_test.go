package adjust_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/store"
)

// gridCounts maps each grid code to its households, a fingerprint of the
// records' assignment.
func gridCounts(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `SELECT grid_code, count(*) FROM household GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		out[c] = n
	}
	return out
}

func currentCodes(t *testing.T, st *store.Store) map[geo.Code]bool {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `SELECT code FROM grid_current`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[geo.Code]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[geo.Code(c)] = true
	}
	return out
}

// TestApplyAheadOfTimeSwitch applies a split of grid 005 effective four seconds
// later. Until then the old grids are current, no record moved, gridd
// check is clean, the switch is not due, and proposals touching the
// split's grids (or records it moves) are refused as pending while an
// independent one applies. A household added to grid 005 meanwhile is
// moved too. After the time, two concurrent SwitchDue calls do the switch
// exactly once (one version bump): the new grids are current, every
// record is in its lookup grid, the assignment history is continuous and
// changes hands exactly at the effective time, and check is clean.
func TestApplyAheadOfTimeSwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	split := ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)}
	id := adjusttest.Approved(t, st, split)
	before := gridCounts(t, st)
	// Time enough for the dozen proposals below on a loaded machine.
	eff := time.Now().Add(4 * time.Second).Truncate(time.Microsecond)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: eff})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pending || !res.Effective.Equal(eff) || res.Version != 2 {
		t.Fatalf("apply: pending %v effective %s version %d, want pending at %s, version 2", res.Pending, res.Effective, res.Version, eff)
	}
	if next, ok, err := adjust.NextSwitch(ctx, st); err != nil || !ok || !next.Equal(eff) {
		t.Fatalf("next switch %s %v %v, want %s", next, ok, err, eff)
	}

	// Before the effective time: the old state.
	cur := currentCodes(t, st)
	if !cur[fxGrid(5)] || cur[fxGrid(10)] || cur[fxGrid(11)] {
		t.Errorf("before the effective time, current grids %v", cur)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = ANY($1) AND valid @> $2::timestamptz`,
		[]string{string(fxGrid(10)), string(fxGrid(11))}, eff); n != 2 {
		t.Errorf("as of the effective time, %d new grids, want 2", n)
	}
	if after := gridCounts(t, st); len(after) != len(before) || after[string(fxGrid(5))] != before[string(fxGrid(5))] {
		t.Errorf("records moved before the effective time: %v, were %v", after, before)
	}
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 0 {
		t.Errorf("switch before the effective time: %d %v", n, err)
	}
	assertInvariants(t, st)

	// Conflicting proposals are refused as pending; an independent one
	// (the east village) applies now.
	conflicting := [][]ops.Op{
		{{Type: ops.Rename, Grids: []geo.Code{fxGrid(5)}, Name: "renamed"}},      // retired at eff
		{{Type: ops.Rename, Grids: []geo.Code{fxGrid(10)}, Name: "renamed"}},     // created at eff
		{{Type: ops.Merge, Grids: []geo.Code{fxGrid(2), fxGrid(3)}}},             // 002 changes at eff
		{{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(4)}}},             // moves records 010 takes at eff
		{{Type: ops.Rename, Grids: []geo.Code{fxGrid(8)}, Name: "also pending"}}, // 008 changes at eff
	}
	for i, list := range conflicting {
		v, err := st.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ops.DryRun(ctx, st, list, v, ops.Options{})
		var oe *ops.Error
		if errors.As(err, &oe) {
			// The retired grid is not in the latest state: refused anyway.
		} else if err != nil || p.Stale == nil {
			t.Errorf("conflicting %d: preview stale %v, err %v", i, p != nil && p.Stale != nil, err)
		}
		pid := adjusttest.Approved(t, st, list...)
		if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET base_version = $2 WHERE id = $1`, pid, v); err != nil {
			t.Fatal(err)
		}
		_, err = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: pid, Actor: "a"})
		if !ops.IsStale(err) {
			t.Errorf("conflicting %d applied before the effective time: %v", i, err)
		}
	}
	east := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{"320902001002001"}, Name: "East renamed"})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: east, Actor: "a"}); err != nil {
		t.Fatalf("independent proposal: %v", err)
	}
	// A household added to grid 005 meanwhile (west half: 010 after).
	var late int64
	if err := st.Pool().QueryRow(ctx, `WITH h AS (INSERT INTO household (address, geom, grid_code)
		VALUES ('late', ST_SetSRID(ST_MakePoint(120.0121, 33.0131), 4326), $1) RETURNING id)
		INSERT INTO assignment (record_type, record_id, grid_code, valid) SELECT 'household', id, $1, tstzrange(now(), NULL) FROM h
		RETURNING record_id`, fxGrid(5)).Scan(&late); err != nil {
		t.Fatal(err)
	}
	assertInvariants(t, st)
	v0, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}

	time.Sleep(time.Until(eff) + 50*time.Millisecond)
	// Two processes switch at once: exactly one does it.
	var wg sync.WaitGroup
	ns := make([]int, 2)
	vs := make([]int64, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns[i], vs[i], errs[i] = adjust.SwitchDue(ctx, st)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || ns[0]+ns[1] != 1 || vs[0]+vs[1] != v0+1 {
		t.Fatalf("concurrent switches: n %v versions %v errors %v, want one switch to version %d", ns, vs, errs, v0+1)
	}
	if v, err := st.Version(ctx); err != nil || v != v0+1 {
		t.Errorf("version %d after the switch, want %d (%v)", v, v0+1, err)
	}
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 0 {
		t.Errorf("switch again: %d %v", n, err)
	}
	if _, ok, err := adjust.NextSwitch(ctx, st); ok || err != nil {
		t.Errorf("a switch still pending after it was done (%v)", err)
	}
	cur = currentCodes(t, st)
	if cur[fxGrid(5)] || !cur[fxGrid(10)] || !cur[fxGrid(11)] {
		t.Errorf("after the effective time, current grids %v", cur)
	}
	if g := sqlInt(t, st, `SELECT count(*) FROM household WHERE id = $1 AND grid_code = $2`, late, fxGrid(10)); g != 1 {
		t.Errorf("the household added meanwhile is not in grid %s", fxGrid(10))
	}
	// The moves the apply planned are the ones carried out.
	moved := 0
	for _, m := range res.Preview.Moves {
		moved += m.Households + m.Units
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM assignment WHERE adjustment = $1`, id); n != int64(moved)+1 || moved == 0 {
		t.Errorf("%d assignments opened by the switch, want %d planned + 1 late", n, moved)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM assignment WHERE adjustment = $1 AND lower(valid) <> $2::timestamptz`, id, eff); n != 0 {
		t.Errorf("%d assignments not starting at the effective time", n)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM (
		SELECT upper(valid) AS up, lead(lower(valid)) OVER (PARTITION BY record_type, record_id ORDER BY lower(valid)) AS nxt FROM assignment) x
		WHERE nxt IS NOT NULL AND nxt <> up`); n != 0 {
		t.Errorf("%d gaps in the assignment history", n)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM audit_log WHERE action = 'proposal.effective' AND target = $1::bigint::text`, id); n != 1 {
		t.Errorf("%d audit entries of the switch, want 1", n)
	}
	assertInvariants(t, st)

	// A proposal drawn before the switch (on the old grids, which the
	// service showed until then) is stale once the switch is done.
	drawn := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(2)}, Name: "drawn on the old grids"})
	if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET base_version = $2 WHERE id = $1`, drawn, v0); err != nil {
		t.Fatal(err)
	}
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: drawn, Actor: "a"}); !ops.IsStale(err) || ops.IsPending(err) {
		t.Errorf("a proposal drawn before the switch on a grid it changed: %v, want stale", err)
	}
	// Once in effect, the split's grids can be adjusted again.
	v, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(10)}, Name: "renamed"})
	if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET base_version = $2 WHERE id = $1`, again, v); err != nil {
		t.Fatal(err)
	}
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: again, Actor: "a"}); err != nil {
		t.Errorf("adjusting a grid after the switch: %v", err)
	}
	assertInvariants(t, st)
}

// BenchmarkSwitch10k times the switch of a split applied ahead of time
// whose grid holds 10,000 households, all of them moving at the effective
// time (the apply and the wait are not timed). Each iteration splits the
// next grid of the dense village; run it with -benchtime=Nx, N ≤ 20.
func BenchmarkSwitch10k(b *testing.B) {
	ctx := context.Background()
	st := newBenchStore(b)
	k := 0
	for b.Loop() {
		b.StopTimer()
		p := approvedDenseSplit(b, st, k)
		k++
		eff := time.Now().Add(1500 * time.Millisecond)
		if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p, Actor: "bench", EffectiveAt: eff}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Until(eff) + 10*time.Millisecond)
		b.StartTimer()
		n, _, err := adjust.SwitchDue(ctx, st)
		if err != nil || n != 1 {
			b.Fatalf("switch: %d %v", n, err)
		}
		b.StopTimer()
		if moved := sqlInt(b, st, `SELECT count(*) FROM assignment WHERE adjustment = $1`, p); moved != 10000 {
			b.Fatalf("moved %d households, want 10000", moved)
		}
		b.StartTimer()
	}
}

// TestSwitchCrash kills the switch's database connection after it moved
// the records and while it waits to bump the dataset version: nothing of
// it is left (records, history, switch still pending, same version), and
// the next SwitchDue does it completely.
func TestSwitchCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	id := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)})
	eff := time.Now().Add(time.Second)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: eff})
	if err != nil {
		t.Fatal(err)
	}
	before := gridCounts(t, st)
	time.Sleep(time.Until(eff) + 20*time.Millisecond)

	// Hold the version lock so the switch stops just before its bump.
	blocker, err := st.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, `SELECT pg_advisory_lock(hashtext('gridmap.dataset_version'))`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := adjust.SwitchDue(ctx, st)
		done <- err
	}()
	var pid int
	for range 200 {
		err := st.Pool().QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`).Scan(&pid)
		if err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("the switch never waited for the version lock")
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND xact_start IS NOT NULL`, pid); n != 1 {
		t.Fatalf("switch backend %d not in a transaction", pid)
	}
	if _, err := st.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the killed switch reported success")
	}
	if _, err := blocker.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('gridmap.dataset_version'))`); err != nil {
		t.Fatal(err)
	}
	blocker.Release()
	if after := gridCounts(t, st); after[string(fxGrid(5))] != before[string(fxGrid(5))] || after[string(fxGrid(10))] != 0 {
		t.Errorf("records moved by the killed switch: %v", after)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM assignment WHERE adjustment = $1`, id); n != 0 {
		t.Errorf("%d assignments left by the killed switch", n)
	}
	if v, err := st.Version(ctx); err != nil || v != res.Version {
		t.Errorf("version %d after the killed switch, want %d (%v)", v, res.Version, err)
	}
	n, v, err := adjust.SwitchDue(ctx, st)
	if err != nil || n != 1 || v != res.Version+1 {
		t.Fatalf("switch after the crash: %d %d %v", n, v, err)
	}
	assertInvariants(t, st)
}
