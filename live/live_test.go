package live_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/store/storetest"
)

const fixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001000', 'town', '新兴镇', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001001', 'village', '一村', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326)));
`

func TestHolderFollowsNewVersions(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := st.Pool().Exec(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	// Two holders on one database: two gridd processes.
	h1, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := h1.Current().Version(); v != 0 {
		t.Fatalf("initial version %d, want 0", v)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go h1.Run(runCtx)
	go h2.Run(runCtx)

	// Readers run all the time; each State they see must be self-consistent:
	// version v has exactly v grids in this test.
	var bad atomic.Int64
	var reads atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				s := h1.Current()
				if int64(len(s.Snap.Grids)) != s.Version() {
					bad.Add(1)
				}
				reads.Add(1)
			}
		}()
	}

	for v := int64(1); v <= 5; v++ {
		_, err := st.Pool().Exec(ctx, fmt.Sprintf(`
			INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
			 ('320902001001%03d', 'rural', '320902001001', '第%d组',
			  ST_Multi(ST_MakeEnvelope(120.0 + 0.02*%d, 33.0, 120.02 + 0.02*%d, 33.2, 4326)), tstzrange(now(), NULL));
			SELECT bump_dataset_version('test');`, v, v, v-1, v-1))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for _, h := range []*live.Holder{h1, h2} {
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			if err := h.WaitFor(wctx, v); err != nil {
				t.Fatalf("version %d not picked up: %v", v, err)
			}
			wcancel()
		}
		// How fast is measured by BenchmarkCommitToServe, not here: on a
		// loaded machine under -race a reload can take seconds.
		t.Logf("version %d arrived in %v", v, time.Since(start).Round(time.Millisecond))
		if s := h2.Current(); s.Tiles == nil || s.Tiles.Version != v || s.Index.Snapshot() != s.Snap {
			t.Fatalf("version %d: tiles and index not built from the state's snapshot", v)
		}
		if got := len(h2.Snapshot().Grids); got != int(v) {
			t.Fatalf("version %d: %d grids, want %d", v, got, v)
		}
	}
	stop()
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d reads saw a state whose grids do not match its version", bad.Load(), reads.Load())
	}
	if reads.Load() == 0 {
		t.Fatal("no reads happened")
	}
}

// TestHolderSwitchesAtEffectiveTime applies a split effective a few seconds
// later with two holders (two gridd processes) running: both keep
// answering the old grids until then, and by themselves (nobody calls
// SwitchDue) switch to the new grids soon after it (within a second on a quiet machine), with the
// dataset version bumped exactly once and every household in its lookup
// grid.
func TestHolderSwitchesAtEffectiveTime(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opstest.Load(t, st)
	const old, new1, new2 = geo.Code("320902001001005"), geo.Code("320902001001010"), geo.Code("320902001001011")
	p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: 1, Author: "planner",
		Ops: []ops.Op{{Type: ops.Split, Grids: []geo.Code{old},
			Geometry: geojson.NewGeometry(orb.LineString{{120.015, 33.005}, {120.015, 33.025}})}}}, "planner")
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
	var hs []*live.Holder
	for range 2 {
		h, err := live.New(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	for _, h := range hs {
		go h.Run(runCtx)
	}
	// The lead must cover the apply and both reloads, which take several
	// times longer under -race on a loaded machine (2 s was not enough).
	const lead = 6 * time.Second
	eff := time.Now().Add(lead)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p.ID, Actor: "approver", EffectiveAt: eff})
	if err != nil {
		t.Fatal(err)
	}
	has := func(h *live.Holder, c geo.Code) bool {
		return h.Snapshot().Grid(c) != nil
	}
	for i, h := range hs {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		if err := h.WaitFor(wctx, res.Version); err != nil {
			t.Fatalf("holder %d: version %d of the apply not picked up: %v", i, res.Version, err)
		}
		wcancel()
		snap := h.Snapshot()
		if !time.Now().Before(eff) && snap.Version != res.Version {
			t.Fatalf("holder %d: the apply and reload took longer than %v, so the state before the effective time could not be seen; raise the lead", i, lead)
		}
		if snap.Version != res.Version || snap.Grid(old) == nil || snap.Grid(new1) != nil {
			t.Errorf("holder %d: before the effective time, version %d (want %d) answers %s %v, %s %v",
				i, snap.Version, res.Version, old, snap.Grid(old) != nil, new1, snap.Grid(new1) != nil)
		}
	}
	for i, h := range hs {
		// Within a second on a quiet machine (BenchmarkCommitToServe
		// measures reloads); the bound here only has to survive -race
		// on a loaded one.
		wctx, wcancel := context.WithDeadline(ctx, eff.Add(5*time.Second))
		if err := h.WaitFor(wctx, res.Version+1); err != nil {
			t.Fatalf("holder %d: not switched within 5 s of the effective time: %v", i, err)
		}
		wcancel()
		if d := time.Since(eff); d < 0 {
			t.Errorf("holder %d switched before the effective time", i)
		} else {
			t.Logf("holder %d answers the new grids %v after the effective time", i, d.Round(time.Millisecond))
		}
		if has(h, old) || !has(h, new1) || !has(h, new2) {
			t.Errorf("holder %d: after the effective time, grid %s %v, %s %v", i, old, has(h, old), new1, has(h, new1))
		}
	}
	time.Sleep(300 * time.Millisecond) // a second switch would have bumped again by now
	var versions, latest, misassigned int64
	if err := st.Pool().QueryRow(ctx, `SELECT count(*), max(version),
		(SELECT count(*) FROM household h WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g
			WHERE length(code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1))
		FROM dataset_version`).Scan(&versions, &latest, &misassigned); err != nil {
		t.Fatal(err)
	}
	if versions != res.Version+1 || latest != res.Version+1 {
		t.Errorf("%d versions up to %d, want exactly one bump after the apply's %d", versions, latest, res.Version)
	}
	if misassigned != 0 {
		t.Errorf("%d households not in their lookup grid after the switch", misassigned)
	}
	for i, h := range hs {
		if v := h.Current().Version(); v != res.Version+1 {
			t.Errorf("holder %d at version %d, want %d", i, v, res.Version+1)
		}
	}
}
