package adjust_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/web/i18n"
)

const (
	county = geo.Code("320902000000")
	g1     = geo.Code("320902001001001")
	g2     = geo.Code("320902001001002")
	g5     = geo.Code("320902001001005")
)

var (
	planner   = adjust.Actor{ID: "token:1", Role: adjust.RolePlanner, Area: county}
	planner2  = adjust.Actor{ID: "token:5", Role: adjust.RolePlanner, Area: county}
	approver  = adjust.Actor{ID: "token:2", Role: adjust.RoleApprover, Area: county}
	other     = adjust.Actor{ID: "token:3", Role: adjust.RoleApprover, Area: "320903000000"}
	viewer    = adjust.Actor{ID: "token:4", Role: adjust.RoleViewer, Area: county}
	cityAdmin = adjust.Actor{ID: "token:9", Role: adjust.RoleAdmin, Area: "320900000000"}
	admin2    = adjust.Actor{ID: "token:10", Role: adjust.RoleAdmin, Area: county}
)

// approvedProposal drafts a proposal of ops in the fixture county as the
// planner, submits it, and approves it as the approver.
func approvedProposal(t *testing.T, e *adjust.Engine, list ...ops.Op) adjust.Proposal {
	t.Helper()
	ctx := context.Background()
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: list})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(ctx, planner, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, approver, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	return p
}

func newEngine(t *testing.T) (*adjust.Engine, *store.Store) {
	t.Helper()
	st := opstest.New(t)
	return adjust.New(st, ops.Options{}), st
}

func splitOp() ops.Op {
	return ops.Op{Type: ops.Split, Grids: []geo.Code{g5},
		Geometry: geojson.NewGeometry(orb.LineString{{120.015, 33.005}, {120.015, 33.025}})}
}

// TestWorkflow walks a proposal through every status, and tries each
// refused step on the way: wrong role, wrong county, wrong status.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, st := newEngine(t)
	kind := func(err error) string { return adjust.KindOf(err) }
	expect := func(what string, err error, want string) {
		t.Helper()
		if got := kind(err); got != want {
			t.Errorf("%s: kind %q (%v), want %q", what, got, err, want)
		}
	}

	_, err := e.Create(ctx, viewer, adjust.Draft{County: county, Reason: adjust.ReasonPopulation})
	expect("viewer drafts", err, adjust.KindForbidden)
	_, err = e.Create(ctx, adjust.Actor{ID: "x", Role: adjust.RolePlanner, Area: "320903000000"}, adjust.Draft{County: county, Reason: adjust.ReasonPopulation})
	expect("planner of another county drafts", err, adjust.KindForbidden)
	_, err = e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonOther})
	expect("reason 4 without text", err, adjust.KindInvalid)
	_, err = e.Create(ctx, planner, adjust.Draft{County: county, Reason: 7})
	expect("unknown reason", err, adjust.KindInvalid)

	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonOther, ReasonText: "new school campus"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "draft" || p.BaseVersion != 1 || p.Author != planner.ID {
		t.Errorf("created %+v", p)
	}
	_, err = e.Submit(ctx, planner, p.ID)
	expect("submit without operations", err, adjust.KindInvalid)
	_, err = e.AddOp(ctx, planner, p.ID, ops.Op{Type: ops.Split, Grids: []geo.Code{"320903001001001"}})
	expect("operation on another county's grid", err, adjust.KindInvalid)
	_, err = e.AddOp(ctx, planner, p.ID, ops.Op{Type: ops.Split, Grids: []geo.Code{g5}, Geometry: geojson.NewGeometry(orb.Point{120, 33})})
	expect("split with a point", err, adjust.KindInvalid)
	if _, err = e.AddOp(ctx, planner, p.ID, ops.Op{Type: ops.Rename, Grids: []geo.Code{g1}, Name: "to remove"}); err != nil {
		t.Fatal(err)
	}
	if p, err = e.AddOp(ctx, planner, p.ID, splitOp()); err != nil || len(p.Ops) != 2 {
		t.Fatalf("add op: %v, %d ops", err, len(p.Ops))
	}
	if p, err = e.RemoveOp(ctx, planner, p.ID, 0); err != nil || len(p.Ops) != 1 || p.Ops[0].Type != ops.Split {
		t.Fatalf("remove op: %v, %+v", err, p.Ops)
	}
	_, err = e.RemoveOp(ctx, planner, p.ID, 5)
	expect("remove a missing op", err, adjust.KindInvalid)

	prev, err := e.Preview(ctx, planner, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if prev.Errors() != 0 || len(prev.Moves) == 0 {
		t.Errorf("preview: %d errors, %d moves", prev.Errors(), len(prev.Moves))
	}
	if _, err := e.Preview(ctx, other, p.ID); kind(err) != adjust.KindNotFound {
		t.Errorf("other county previews: %v", err)
	}

	_, err = e.Approve(ctx, approver, p.ID, "")
	expect("approve a draft", err, adjust.KindConflict)
	_, err = e.Submit(ctx, approver, p.ID)
	expect("approver submits", err, adjust.KindForbidden)
	if p, err = e.Submit(ctx, planner, p.ID); err != nil || p.Status != "submitted" {
		t.Fatalf("submit: %v %s", err, p.Status)
	}
	_, err = e.AddOp(ctx, planner, p.ID, splitOp())
	expect("edit a submitted proposal", err, adjust.KindConflict)
	_, err = e.Approve(ctx, planner, p.ID, "")
	expect("planner approves", err, adjust.KindForbidden)
	_, err = e.Approve(ctx, other, p.ID, "")
	expect("approver of another county approves", err, adjust.KindNotFound)
	_, err = e.Apply(ctx, approver, p.ID, time.Time{})
	expect("apply before approval", err, adjust.KindConflict)
	_, err = e.Reject(ctx, approver, p.ID, " ")
	expect("reject without a note", err, adjust.KindInvalid)
	if p, err = e.Approve(ctx, approver, p.ID, "fine"); err != nil || p.Status != "approved" || p.ApprovedBy != approver.ID {
		t.Fatalf("approve: %v %+v", err, p)
	}
	_, err = e.Withdraw(ctx, planner, p.ID)
	expect("withdraw after approval", err, adjust.KindConflict)
	_, err = e.File(ctx, cityAdmin, p.ID, "YC-2026-001")
	expect("file before apply", err, adjust.KindConflict)
	_, err = e.Apply(ctx, planner, p.ID, time.Time{})
	expect("planner applies", err, adjust.KindForbidden)
	res, err := e.Apply(ctx, approver, p.ID, time.Time{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if res.Version != 2 {
		t.Errorf("applied version %d", res.Version)
	}
	_, err = e.File(ctx, admin2, p.ID, "YC-2026-001")
	expect("county admin files", err, adjust.KindForbidden)
	_, err = e.File(ctx, cityAdmin, p.ID, "")
	expect("file without a number", err, adjust.KindInvalid)
	if p, err = e.File(ctx, cityAdmin, p.ID, "YC-2026-001"); err != nil || p.Status != "filed" || p.FilingNo != "YC-2026-001" {
		t.Fatalf("file: %v %+v", err, p)
	}
	_, err = e.File(ctx, cityAdmin, p.ID, "YC-2026-002")
	expect("file twice", err, adjust.KindConflict)

	rec, no, err := e.Filing(ctx, approver, p.ID)
	if err != nil || no != "YC-2026-001" {
		t.Fatalf("filing: %v %q", err, no)
	}
	var fr adjust.FilingRecord
	if err := json.Unmarshal(rec, &fr); err != nil {
		t.Fatal(err)
	}
	if fr.Reason != 4 || fr.ReasonText != "new school campus" || fr.DraftedBy != planner.ID || fr.ApprovedBy != approver.ID ||
		len(fr.Before.Features) == 0 || len(fr.After.Features) == 0 || len(fr.Moves) == 0 || len(fr.Lineage) != 2 {
		t.Errorf("filing record: %+v", fr)
	}

	fr2, err := adjust.ReadFiling(rec)
	if err != nil {
		t.Fatal(err)
	}
	fr2.ReasonText = "<script>alert(1)</script>"
	var page strings.Builder
	if err := adjust.WriteFilingHTML(&page, i18n.English, fr2, no); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"YC-2026-001", `<path d="M`, "Art. 8 (4)", "&lt;script&gt;", "320902001001005", "fill=\"#f4b6b6\""} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("filing page lacks %q", want)
		}
	}
	if strings.Contains(page.String(), "<script>") {
		t.Errorf("filing page does not escape the reason text")
	}

	// Every step is in the audit log, in order.
	var actions []string
	rows, err := st.Pool().Query(ctx, `SELECT action FROM audit_log WHERE target = $1 ORDER BY id`, fmt.Sprint(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	rows.Close()
	want := "proposal.create proposal.edit proposal.edit proposal.edit proposal.submit proposal.approve proposal.apply proposal.file"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit: %s\nwant:  %s", got, want)
	}
}

// TestWithdrawRejectAndSelfApproval covers the other ends of the flow.
func TestWithdrawRejectAndSelfApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newEngine(t)
	mk := func() adjust.Proposal {
		p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonDivisionChanged, Ops: []ops.Op{splitOp()}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := mk()
	if p, err := e.Withdraw(ctx, planner2, p.ID); err != nil || p.Status != "withdrawn" {
		t.Errorf("withdraw a draft: %v %s", err, p.Status)
	}
	if _, err := e.Submit(ctx, planner, p.ID); adjust.KindOf(err) != adjust.KindConflict {
		t.Errorf("submit a withdrawn proposal: %v", err)
	}
	p = mk()
	if _, err := e.Submit(ctx, planner, p.ID); err != nil {
		t.Fatal(err)
	}
	self := adjust.Actor{ID: planner.ID, Role: adjust.RoleApprover, Area: county}
	if _, err := e.Approve(ctx, self, p.ID, ""); adjust.KindOf(err) != adjust.KindForbidden {
		t.Errorf("author approves own proposal: %v", err)
	}
	if p, err := e.Reject(ctx, approver, p.ID, "draw it along the road"); err != nil || p.Status != "rejected" || p.DecisionNote == "" {
		t.Errorf("reject: %v %+v", err, p)
	}
	// A proposal failing a check cannot be submitted; the findings say why.
	bad, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{{
		Type: ops.Split, Grids: []geo.Code{g2}, Geometry: geojson.NewGeometry(orb.LineString{{120.01002, 32.99}, {120.01002, 33.02}})}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Submit(ctx, planner, bad.ID)
	var ae *adjust.Error
	if adjust.KindOf(err) != adjust.KindChecks || !asError(err, &ae) || !adjust.Blocking(ae.Findings) {
		t.Errorf("submit a failing proposal: %v", err)
	}
	// Stale base: once grid 005 is split, a proposal drawn on version 1
	// touching it is refused with what changed.
	p = mk()
	e.Submit(ctx, planner, p.ID)
	if _, err := e.Approve(ctx, approver, p.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, approver, p.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	late, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, BaseVersion: 1,
		Ops: []ops.Op{{Type: ops.Rename, Grids: []geo.Code{"320902001001002"}, Name: "late"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Submit(ctx, planner, late.ID)
	if adjust.KindOf(err) != adjust.KindStale || !asError(err, &ae) || ae.Stale == nil || ae.Stale.Changed[0].Code != g2 {
		t.Errorf("submit on a stale base: %v", err)
	}
	if _, err := e.Rebase(ctx, approver, late.ID); adjust.KindOf(err) != adjust.KindForbidden {
		t.Errorf("approver rebases: %v", err)
	}
	if late, err = e.Rebase(ctx, planner, late.ID); err != nil || late.BaseVersion != 2 {
		t.Fatalf("rebase: %v, base %d", err, late.BaseVersion)
	}
	if _, err := e.Submit(ctx, planner, late.ID); err != nil {
		t.Errorf("submit after rebase: %v", err)
	}
}

func asError(err error, target **adjust.Error) bool {
	e, ok := err.(*adjust.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestHistoryAndDiff reads a split back through the engine.
func TestHistoryAndDiff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newEngine(t)
	p := approvedProposal(t, e, splitOp())
	if _, err := e.Apply(ctx, approver, p.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	h, err := e.History(ctx, g5)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 1 || h.Versions[0].ValidTo == nil || len(h.Lineage) != 2 || h.Lineage[0].Old != g5 {
		t.Errorf("history of %s: %+v", g5, h)
	}
	if _, err := e.History(ctx, "320902001001099"); adjust.KindOf(err) != adjust.KindNotFound {
		t.Errorf("history of an unknown code: %v", err)
	}
	if _, err := e.History(ctx, "12"); adjust.KindOf(err) != adjust.KindInvalid {
		t.Errorf("history of a bad code: %v", err)
	}
	d, err := e.DiffVersions(ctx, 1, 2, county)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Created) != 2 || len(d.Retired) != 1 || d.Retired[0] != g5 {
		t.Errorf("diff: %+v", d)
	}
	if _, err := e.DiffVersions(ctx, 1, 7, ""); adjust.KindOf(err) != adjust.KindNotFound {
		t.Errorf("diff to a missing version: %v", err)
	}
}

// TestAreaHistory splits a grid of the west village by a line ending in
// the east village: both villages take the cut's vertex in a new version
// from the effective time, the old one kept, and the diff lists them.
func TestAreaHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, st := newEngine(t)
	op := ops.Op{Type: ops.Split, Grids: []geo.Code{"320902001001006"},
		Geometry: geojson.NewGeometry(orb.LineString{{120.019, 33.0151}, {120.035, 33.0151}})}
	p := approvedProposal(t, e, op)
	res, err := e.Apply(ctx, approver, p.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []geo.Code{"320902001001", "320902001002"} {
		h, err := e.AreaHistory(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Versions) != 2 || h.Versions[0].ValidFrom != nil || h.Versions[0].ValidTo == nil ||
			h.Versions[1].ValidFrom == nil || !h.Versions[1].ValidFrom.Equal(*h.Versions[0].ValidTo) || h.Versions[1].ValidTo != nil {
			t.Fatalf("history of %s: %+v", code, h)
		}
		// The second version has the cut's vertex, the first has not.
		var had, has int64
		if err := st.Pool().QueryRow(ctx, `SELECT
				count(*) FILTER (WHERE NOT upper_inf(valid) AND ST_Intersects(ST_Points(geom), ST_SetSRID(ST_MakePoint(120.03, 33.0151), 4326))),
				count(*) FILTER (WHERE upper_inf(valid) AND ST_Intersects(ST_Points(geom), ST_SetSRID(ST_MakePoint(120.03, 33.0151), 4326)))
			FROM area_history WHERE code = $1`, code).Scan(&had, &has); err != nil {
			t.Fatal(err)
		}
		if had != 0 || has != 1 {
			t.Errorf("%s: the cut's vertex in %d old and %d current versions, want 0 and 1", code, had, has)
		}
		if len(h.Versions[1].Geometry.Coordinates.(orb.MultiPolygon)[0][0]) != len(h.Versions[0].Geometry.Coordinates.(orb.MultiPolygon)[0][0])+1 {
			t.Errorf("%s: the new version's ring is not one vertex longer", code)
		}
	}
	d, err := e.Diff(ctx, res.Effective.Add(-time.Microsecond), res.Effective, county)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Areas) != 2 || d.Areas[0].Code != "320902001001" || d.Areas[1].Code != "320902001002" || !d.Areas[0].Geometry {
		t.Errorf("diff areas: %+v", d.Areas)
	}
	if _, err := e.AreaHistory(ctx, "320902001009"); adjust.KindOf(err) != adjust.KindNotFound {
		t.Errorf("history of an unknown area: %v", err)
	}
	if _, err := e.AreaHistory(ctx, g1); adjust.KindOf(err) != adjust.KindInvalid {
		t.Errorf("area history of a grid code: %v", err)
	}
}

// TestRevert splits a grid and reverts the split: the village has its old
// shapes again (the retired code's area under a new code), and every
// household is back in the grid of its point.
func TestRevert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, st := newEngine(t)
	run := func(p adjust.Proposal) {
		t.Helper()
		if _, err := e.Submit(ctx, planner, p.ID); err != nil {
			t.Fatalf("submit %d: %v", p.ID, err)
		}
		if _, err := e.Approve(ctx, approver, p.ID, ""); err != nil {
			t.Fatalf("approve %d: %v", p.ID, err)
		}
		if _, err := e.Apply(ctx, approver, p.ID, time.Time{}); err != nil {
			t.Fatalf("apply %d: %v", p.ID, err)
		}
	}
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{splitOp()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Revert(ctx, planner, p.ID); adjust.KindOf(err) != adjust.KindConflict {
		t.Errorf("revert a draft: %v", err)
	}
	run(p)
	r, err := e.Revert(ctx, planner, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Ops) != 1 || r.Ops[0].Type != ops.Redraw || r.BaseVersion != 2 {
		t.Fatalf("revert draft: %+v", r)
	}
	run(r)
	var n int
	// Every grid of the village has its fixture shape again (grid 005's
	// area as the new grid 012).
	err = st.Pool().QueryRow(ctx, `SELECT count(*) FROM grid_current g WHERE village = '320902001001' AND ST_Equals(g.geom,
		(SELECT geom FROM grid o WHERE o.village = g.village AND o.valid @> '2026-06-01'::timestamptz
		 AND o.code = CASE g.code WHEN '320902001001012' THEN '320902001001005' ELSE g.code END))`).Scan(&n)
	if err != nil || n != 9 {
		t.Errorf("%d of 9 grids have their old shape again (%v)", n, err)
	}
	err = st.Pool().QueryRow(ctx, `SELECT count(*) FROM household h WHERE h.grid_code IS DISTINCT FROM
		(SELECT code FROM grid_current g WHERE ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`).Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("%d households not in their lookup grid (%v)", n, err)
	}
}
