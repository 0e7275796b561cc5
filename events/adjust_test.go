package events_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// lookupGrid is the oracle: the grid PostGIS gives the event's point now
// (the smallest current 15-digit code covering it).
const lookupGrid = `SELECT (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, e.location) ORDER BY code LIMIT 1)
	FROM event e WHERE e.id = $1`

func (e *env) grids(id int64) (now, reported, oracle string) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.st.Pool().QueryRow(ctx, `SELECT grid_code, report_grid_code FROM event WHERE id = $1`, id).Scan(&now, &reported); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.Pool().QueryRow(ctx, lookupGrid, id).Scan(&oracle); err != nil {
		e.t.Fatal(err)
	}
	return now, reported, oracle
}

func (e *env) closeEvent(id int64) {
	e.t.Helper()
	for _, s := range []struct {
		token string
		body  map[string]any
	}{
		{e.op, map[string]any{"action": "accept"}},
		{e.op, map[string]any{"action": "dispatch", "department": "城管局"}},
		{e.dept, map[string]any{"action": "respond", "note": "ok"}},
		{e.op, map[string]any{"action": "return", "reason": "x"}},
		{e.op, map[string]any{"action": "reject", "reason": "duplicate"}},
	} {
		if r := e.step(s.token, id, s.body); r.status != 200 {
			e.t.Fatalf("%v: %d %s", s.body, r.status, r.body)
		}
	}
}

// TestEventsMoveWithTheirGrid: an adjustment moves the open events of the
// grids it changes to the grid of their point (PostGIS the oracle),
// keeping report_grid_code and writing a move in the history; a closed or
// rejected event stays where it was handled. Ahead of time, they move at
// the switch; a cancelled switch moves nothing.
func TestEventsMoveWithTheirGrid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	g5 := string(opstest.Grid(5))
	east := func() map[string]any {
		m := reportIn(5, "env.garbage", false)
		m["lon"] = 120.0185
		return m
	}
	openEast := e.report(e.op, east())
	doneEast := e.report(e.op, east())
	e.closeEvent(doneEast)
	west := e.report(e.op, func() map[string]any { m := reportIn(5, "env.garbage", false); m["lon"] = 120.012; return m }())

	id := adjusttest.Approved(t, e.st, ops.Op{Type: ops.Split, Grids: []geo.Code{opstest.Grid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)})
	if _, err := adjust.ApplyProposal(ctx, e.st, adjust.ApplyRequest{Proposal: id, Actor: "approver"}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []int64{openEast, west} {
		now, reported, oracle := e.grids(ev)
		if now != oracle || reported != g5 {
			t.Errorf("open event %d: grid %s (lookup %s), report grid %s", ev, now, oracle, reported)
		}
	}
	if now, _, oracle := e.grids(openEast); now == g5 || now == oracle && oracle == g5 {
		t.Errorf("the east event stayed in %s", now)
	}
	if now, reported, _ := e.grids(doneEast); now != g5 || reported != g5 {
		t.Errorf("the rejected event moved to %s", now)
	}
	r := e.do("GET", fmt.Sprintf("/events/%d", openEast), e.op, nil)
	hist := r.json(t)["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	if last["action"] != "move" || last["actor"] != fmt.Sprintf("adjust:%d", id) || last["to_status"] != "reported" {
		t.Errorf("history of the moved event: %v", last)
	}
	// A report just after the apply is tied to the new grids (the live
	// state catches up with the database's version first).
	fresh := e.report(e.op, east())
	if now, reported, oracle := e.grids(fresh); now != oracle || reported != oracle {
		t.Errorf("report after the apply: grid %s, report grid %s, lookup %s", now, reported, oracle)
	}
	// The records' assignment history holds no events.
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM assignment WHERE record_type = 'event'`); n != 0 {
		t.Errorf("%d event assignments", n)
	}

	// Ahead of time: nothing moves at the apply; the switch moves it.
	g1 := string(opstest.Grid(1))
	ahead := e.report(e.op, func() map[string]any { m := reportIn(1, "safety.gas", false); m["lon"] = 120.008; return m }())
	id2 := adjusttest.Approved(t, e.st, ops.Op{Type: ops.Split, Grids: []geo.Code{opstest.Grid(1)}, Geometry: opstest.Line(120.005, 32.995, 120.005, 33.015)})
	eff := time.Now().Add(1500 * time.Millisecond).Truncate(time.Microsecond)
	res, err := adjust.ApplyProposal(ctx, e.st, adjust.ApplyRequest{Proposal: id2, Actor: "approver", EffectiveAt: eff})
	if err != nil || !res.Pending {
		t.Fatalf("apply ahead: %v %+v", err, res)
	}
	if now, _, _ := e.grids(ahead); now != g1 {
		t.Errorf("moved before the switch: %s", now)
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM adj_pending_move WHERE record_type = 'event' AND record_id = $1`, ahead); n != 1 {
		t.Errorf("%d pending moves of the event", n)
	}
	time.Sleep(time.Until(eff) + 20*time.Millisecond)
	// The live holder carries out due switches too: whichever runs it.
	if _, _, err := adjust.SwitchDue(ctx, e.st); err != nil {
		t.Fatalf("switch: %v", err)
	}
	if now, reported, oracle := e.grids(ahead); now == g1 || now != oracle || reported != g1 {
		t.Errorf("after the switch: grid %s (lookup %s), report grid %s", now, oracle, reported)
	}

	// A switch cancelled before its time moves nothing.
	g3 := string(opstest.Grid(3))
	stays := e.report(e.op, func() map[string]any { m := reportIn(3, "safety.gas", false); m["lon"] = 120.028; return m }())
	id3 := adjusttest.Approved(t, e.st, ops.Op{Type: ops.Split, Grids: []geo.Code{opstest.Grid(3)}, Geometry: opstest.Line(120.025, 32.995, 120.025, 33.015)})
	if res, err := adjust.ApplyProposal(ctx, e.st, adjust.ApplyRequest{Proposal: id3, Actor: "approver", EffectiveAt: time.Now().Add(time.Hour)}); err != nil || !res.Pending {
		t.Fatalf("apply ahead: %v", err)
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM adj_pending_move WHERE record_type = 'event' AND record_id = $1`, stays); n != 1 {
		t.Errorf("%d pending moves of the event", n)
	}
	if _, err := adjust.CancelPending(ctx, e.st, id3, "approver", "wait"); err != nil {
		t.Fatal(err)
	}
	if now, reported, _ := e.grids(stays); now != g3 || reported != g3 {
		t.Errorf("after the cancel: grid %s, report grid %s", now, reported)
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM adj_pending_move WHERE record_type = 'event' AND proposal = $1`, id3); n != 0 {
		t.Errorf("%d pending event moves after the cancel", n)
	}
}

// TestCheckFindsMisplacedEvents: gridd check reports an open event whose
// grid is not its point's (as it does records); a closed one is where it
// was handled.
func TestCheckFindsMisplacedEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	open := e.report(e.op, reportIn(1, "safety.gas", false))
	done := e.report(e.op, reportIn(1, "safety.gas", false))
	e.closeEvent(done)
	if _, err := e.st.Pool().Exec(ctx, `UPDATE event SET grid_code = $1 WHERE id = ANY($2)`, string(opstest.Grid(2)), []int64{open, done}); err != nil {
		t.Fatal(err)
	}
	r, err := check.Run(ctx, e.st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Findings {
		if f.Check == geo.CheckRecordMisassigned {
			got = append(got, strings.Join(f.Codes, " "))
		}
	}
	want := fmt.Sprintf("event/%d %s %s", open, opstest.Grid(2), opstest.Grid(1))
	if len(got) != 1 || got[0] != want {
		t.Errorf("misassigned findings %q, want [%s]", got, want)
	}
}
