package adjust_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/geo"
)

// TestPreviewCannotCarryOut: the preview of operations that cannot be
// carried out is a preview (no error) with no after-state — empty lists,
// not null, in JSON — and error findings, each located: a create drawn
// over grids 001 and 002 and no gap keeps its two overlap findings
// before the failure, located on the polygon. Validate answers the same
// findings; submit refuses with them (KindChecks: 422 with the findings).
func TestPreviewCannotCarryOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newEngine(t)
	poly := orb.Polygon{{{120.005, 33.002}, {120.015, 33.002}, {120.015, 33.008}, {120.005, 33.008}, {120.005, 33.002}}}
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{
		{Type: ops.Create, Village: "320902001001", Kind: geo.KindRural, Name: "new", Geometry: geojson.NewGeometry(poly)}}})
	if err != nil {
		t.Fatal(err)
	}
	prev, err := e.Preview(ctx, planner, p.ID)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	b, err := json.Marshal(prev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"grids", "findings", "moves", "totals", "lineage", "ops"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("preview %s is %v, want a list: %s", k, m[k], b)
		}
	}
	checks := []string{}
	for _, f := range prev.Findings {
		checks = append(checks, f.Check)
		if f.Severity != geo.SeverityError || f.Location == nil {
			t.Errorf("finding %s: %s, severity %s, located %v: want a located error", f.Check, f.Message, f.Severity, f.Location != nil)
		}
	}
	if len(checks) != 3 || checks[0] != geo.CheckGridOverlap || checks[1] != geo.CheckGridOverlap || checks[2] != ops.CheckOperation {
		t.Errorf("findings %v, want two overlaps and then the failure", checks)
	}
	fs, err := e.Validate(ctx, planner, p.ID)
	if err != nil || len(fs) != 3 || !adjust.Blocking(fs) {
		t.Errorf("validate: %d findings, %v", len(fs), err)
	}
	_, err = e.Submit(ctx, planner, p.ID)
	var ae *adjust.Error
	if !asError(err, &ae) || ae.Kind != adjust.KindChecks || len(ae.Findings) != 3 || ae.Findings[2].Location == nil {
		t.Errorf("submit: %v, want KindChecks with the three located findings", err)
	}

	// An operation may only name grids made by operations before it.
	bad, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddOp(ctx, planner, bad.ID, ops.Op{Type: ops.Rename, Grids: []geo.Code{"@0.1"}, Name: "x"}); adjust.KindOf(err) != adjust.KindInvalid {
		t.Errorf("add an operation naming a later one: %v, want KindInvalid", err)
	}
}

// TestOpRefsRemove: removing an operation renumbers later references to
// operations after it, and is refused while a later operation names a
// grid it makes.
func TestOpRefsRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newEngine(t)
	p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{
		{Type: ops.Rename, Grids: []geo.Code{g1}, Name: "one"},
		splitOp(),
		{Type: ops.Rename, Grids: []geo.Code{"@1.2"}, Name: "east half"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.RemoveOp(ctx, planner, p.ID, 1); adjust.KindOf(err) != adjust.KindInvalid {
		t.Errorf("remove the split a later operation names: %v, want KindInvalid", err)
	}
	out, err := e.RemoveOp(ctx, planner, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Ops) != 2 || out.Ops[1].Grids[0] != "@0.2" {
		t.Fatalf("after removing operation 0: %+v, want the reference @0.2", out.Ops)
	}
	prev, err := e.Preview(ctx, planner, p.ID)
	if err != nil || prev.Errors() > 0 {
		t.Fatalf("preview: %v %+v", err, prev)
	}
	named := ""
	for _, g := range prev.Grids {
		if g.Code == prev.Ops[0].Makes[1] {
			named = g.Name
		}
	}
	if named != "east half" {
		t.Errorf("the split's second part %s is named %q, want east half", prev.Ops[0].Makes[1], named)
	}
	if _, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, Ops: []ops.Op{
		{Type: ops.Rename, Grids: []geo.Code{"@0.1"}, Name: "x"}}}); adjust.KindOf(err) != adjust.KindInvalid {
		t.Errorf("a draft whose operation names itself: %v, want KindInvalid", err)
	}
}

// TestValidateStaleLocated: the stale-base finding of a validation names
// the grids that changed since the base and is located on their shape
// (PostGIS: equal to grid 001's current geometry).
func TestValidateStaleLocated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, st := newEngine(t)
	draft := func(name string) int64 {
		p, err := e.Create(ctx, planner, adjust.Draft{County: county, Reason: adjust.ReasonPopulation, BaseVersion: 1,
			Ops: []ops.Op{{Type: ops.Rename, Grids: []geo.Code{g1}, Name: name}}})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	first, second := draft("first"), draft("second")
	if _, err := e.Submit(ctx, planner, first); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, approver, first, "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, approver, first, time.Time{}); err != nil {
		t.Fatal(err)
	}
	fs, err := e.Validate(ctx, planner, second)
	if err != nil {
		t.Fatal(err)
	}
	var stale *geo.Finding
	for i := range fs {
		if fs[i].Check == "stale-base" {
			stale = &fs[i]
		}
	}
	if stale == nil || len(stale.Codes) != 1 || stale.Codes[0] != string(g1) || stale.Location == nil {
		t.Fatalf("validate: %+v, want a stale-base finding naming %s, located", fs, g1)
	}
	var eq bool
	if err := st.Pool().QueryRow(ctx, `SELECT ST_Equals(ST_GeomFromText($1, 4326), geom) FROM grid_current WHERE code = $2`,
		wkt.MarshalString(stale.Location), g1).Scan(&eq); err != nil || !eq {
		t.Errorf("stale-base finding located at %s, want grid %s (%v)", wkt.MarshalString(stale.Location), g1, err)
	}
}
