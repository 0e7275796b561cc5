package adjust_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/geo"
)

// TestApplyAheadOfTime walks a split applied with an effective time in the
// future through the workflow: it is applied (pending) and can be filed at
// once; a proposal touching a grid the split changes is refused as stale
// (pending) even after a rebase, until the switch is done; then, rebased,
// it goes through.
func TestApplyAheadOfTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, st := newEngine(t)
	p := approvedProposal(t, e, splitOp())
	eff := time.Now().Add(1500 * time.Millisecond).Truncate(time.Microsecond)
	res, err := e.Apply(ctx, approver, p.ID, eff)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pending || !res.Effective.Equal(eff) {
		t.Fatalf("apply: pending %v at %s, want pending at %s", res.Pending, res.Effective, eff)
	}
	if f, err := e.File(ctx, cityAdmin, p.ID, "BA-2026-7"); err != nil || f.Status != "filed" {
		t.Errorf("file a proposal not yet in effect: %v %s", err, f.Status)
	}
	rec, _, err := e.Filing(ctx, approver, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := adjust.ReadFiling(rec)
	if err != nil || !fr.EffectiveAt.Equal(eff) {
		t.Errorf("filing record effective %s (%v), want %s", fr.EffectiveAt, err, eff)
	}

	q, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation,
		Ops: []ops.Op{{Type: ops.Rename, Grids: []geo.Code{g2}, Name: "next"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ae *adjust.Error
	_, err = e.Submit(ctx, planner, q.ID)
	if adjust.KindOf(err) != adjust.KindStale || !asError(err, &ae) || ae.Stale == nil ||
		ae.Stale.Changed[0].Code != g2 || !strings.HasPrefix(ae.Stale.Changed[0].Change, "pending") {
		t.Fatalf("submit on a grid pending a switch: %v", err)
	}
	if q, err = e.Rebase(ctx, planner, q.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = e.Submit(ctx, planner, q.ID); adjust.KindOf(err) != adjust.KindStale {
		t.Errorf("submit on a grid pending a switch, rebased: %v", err)
	}

	time.Sleep(time.Until(eff) + 20*time.Millisecond)
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 1 {
		t.Fatalf("switch: %d %v", n, err)
	}
	if _, err = e.Submit(ctx, planner, q.ID); adjust.KindOf(err) != adjust.KindStale {
		t.Errorf("submit drawn before the switch: %v, want stale", err)
	}
	if q, err = e.Rebase(ctx, planner, q.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = e.Submit(ctx, planner, q.ID); err != nil {
		t.Fatalf("submit after the switch, rebased: %v", err)
	}
	if _, err := e.Approve(ctx, approver, q.ID, ""); err != nil {
		t.Fatal(err)
	}
	if res, err := e.Apply(ctx, approver, q.ID, time.Time{}); err != nil || res.Pending || !res.Effective.After(eff) {
		t.Errorf("apply after the switch: %v", err)
	}
}

// TestCancelAhead: a proposal applied (and filed) ahead of its effective
// time is cancelled by an approver of its county with a note; planners,
// approvers of another county and a missing note are refused; the split
// grid is current again and a proposal on it goes through.
func TestCancelAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newEngine(t)
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{splitOp()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(ctx, planner, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cancel(ctx, approver, p.ID, "not applied yet"); adjust.KindOf(err) != adjust.KindConflict {
		t.Errorf("cancel a submitted proposal: %v, want conflict", err)
	}
	if _, err := e.Approve(ctx, approver, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, approver, p.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.File(ctx, cityAdmin, p.ID, "BA-2026-8"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  adjust.Actor
		note string
		kind string
	}{
		{planner, "mine", adjust.KindForbidden},
		{viewer, "look", adjust.KindForbidden},
		{other, "elsewhere", adjust.KindNotFound}, // another county's proposal is not even visible
		{approver, "  ", adjust.KindInvalid},
	} {
		if _, err := e.Cancel(ctx, c.who, p.ID, c.note); adjust.KindOf(err) != c.kind {
			t.Errorf("cancel by %s with note %q: %v, want %s", c.who.Role, c.note, err, c.kind)
		}
	}
	out, err := e.Cancel(ctx, approver, p.ID, "the street office asked to wait")
	if err != nil || out.Status != string(adjust.StatusCancelled) || out.CancelledBy != approver.ID {
		t.Fatalf("cancel: %v %+v", err, out)
	}
	q, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation,
		Ops: []ops.Op{{Type: ops.Rename, Grids: []geo.Code{g5}, Name: "still here"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(ctx, planner, q.ID); err != nil {
		t.Errorf("submit on the grid the cancelled split would have retired: %v", err)
	}
}
