package adjust_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestApplyConcurrent applies conflicting proposals on one village from
// several goroutines at once: of each group touching the same grid exactly
// one applies, the others are refused as stale, the independent one
// applies, and the village is still a partition with every record in its
// lookup grid.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	type prop struct {
		group string
		ops   []ops.Op
	}
	props := []prop{
		{"g2", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}}}},
		{"g2", []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(2)}, Geometry: opstest.Line(120.015, 32.995, 120.015, 33.015)}}},
		{"g2", []ops.Op{{Type: ops.Transfer, Grids: []geo.Code{fxGrid(2)}, To: []geo.Code{fxGrid(3)}, Geometry: opstest.Rect(120.018, 32.99, 120.021, 33.011)}}},
		{"g9", []ops.Op{{Type: ops.Retire, Grids: []geo.Code{fxGrid(9)}, To: []geo.Code{fxGrid(8)}}}},
		{"g9", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(8), fxGrid(9)}}}},
		{"g4", []ops.Op{{Type: ops.Rename, Grids: []geo.Code{fxGrid(4)}, Name: "independent"}}},
	}
	ids := make([]int64, len(props))
	for i, p := range props {
		ids[i] = adjusttest.Approved(t, st, p.ops...)
	}
	// The independent proposal is applied by three goroutines at once:
	// exactly one of them applies it, the others find it applied.
	props = append(props, props[5], props[5])
	ids = append(ids, ids[5], ids[5])
	errs := make([]error, len(props))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range props {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: ids[i], Actor: "approver"})
		}()
	}
	close(start)
	wg.Wait()
	applied := map[string]int{}
	for i, err := range errs {
		switch {
		case err == nil:
			applied[props[i].group]++
		case ops.IsStale(err):
		case errors.Is(err, adjust.ErrStatus) && props[i].group == "g4":
		default:
			t.Errorf("proposal %d (%s): unexpected error %v", ids[i], props[i].group, err)
		}
	}
	for _, g := range []string{"g2", "g9", "g4"} {
		if applied[g] != 1 {
			t.Errorf("group %s: %d proposals applied, want exactly 1 (errors %v)", g, applied[g], errs)
		}
	}
	if n := sqlInt(t, st, `SELECT max(version) FROM dataset_version`); n != 4 {
		t.Errorf("version %d after three applies, want 4", n)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM proposal WHERE status = 'applied'`); n != 3 {
		t.Errorf("%d proposals marked applied, want 3", n)
	}
	assertInvariants(t, st)
}

// TestApplyCrash kills the applying connection after everything is
// written and before the commit: nothing is left half done, and the
// proposal applies on retry.
func TestApplyCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	id := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)})
	snapshot := func() [5]int64 {
		return [5]int64{
			sqlInt(t, st, `SELECT count(*) FROM grid`),
			sqlInt(t, st, `SELECT count(*) FROM grid WHERE upper_inf(valid)`),
			sqlInt(t, st, `SELECT count(*) FROM assignment`),
			sqlInt(t, st, `SELECT max(version) FROM dataset_version`),
			sqlInt(t, st, `SELECT count(*) FROM grid_lineage`) + sqlInt(t, st, `SELECT count(*) FROM filing`),
		}
	}
	before := snapshot()
	var killed bool
	_, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver", BeforeCommit: func(pid uint32) {
		// Check from outside that the writes are there but not visible,
		// then kill the backend holding them.
		if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = '320902001001010'`); n != 0 {
			t.Errorf("uncommitted grid visible outside the apply")
		}
		if err := st.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&killed); err != nil {
			t.Errorf("terminate: %v", err)
		}
	}})
	if err == nil || !killed {
		t.Fatalf("apply with a killed connection: err %v, killed %v", err, killed)
	}
	if after := snapshot(); after != before {
		t.Errorf("after the crash: %v, before %v: something was half applied", after, before)
	}
	p, err := adjust.LoadProposal(ctx, st, id)
	if err != nil || p.Status != "approved" {
		t.Errorf("proposal after crash: %s, %v; want still approved", p.Status, err)
	}
	assertInvariants(t, st)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.Version != 2 {
		t.Errorf("retry made version %d, want 2", res.Version)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM grid_current WHERE code IN ('320902001001010', '320902001001011')`); n != 2 {
		t.Errorf("retry: %d new grids current, want 2", n)
	}
	assertInvariants(t, st)
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"}); !errors.Is(err, adjust.ErrStatus) {
		t.Errorf("third apply: %v, want ErrStatus", err)
	}
}
