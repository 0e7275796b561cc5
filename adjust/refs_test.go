package adjust_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/wkt"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestOpErrorLocated: an operation that cannot be carried out fails with
// a finding located on its own line or polygon, else on the grid it
// names, and keeps the located findings gathered before the failure: a
// create drawn over grids 001 and 002 and no gap reports both overlaps
// (each the piece of the polygon in that grid, by PostGIS) and then
// that it covers no gap. PostGIS is the oracle for every location.
func TestOpErrorLocated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	// Spans grids 001 (x < 120.01) and 002, nowhere a gap.
	overGrids := opstest.Rect(120.005, 33.002, 120.015, 33.008)
	cases := []struct {
		name string
		ops  []ops.Op
		// where the failure is located: WKT, compared with ST_Equals
		want string
		// the overlap findings expected before it, by the grid overlapped
		overlaps []geo.Code
	}{
		{"line not crossing", []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.012, 120.015, 33.018)}},
			"LINESTRING(120.015 33.012, 120.015 33.018)", nil},
		{"retire without a taker", []ops.Op{{Type: ops.Retire, Grids: []geo.Code{fxGrid(1)}}},
			"POLYGON((120 33, 120.01 33, 120.01 33.01, 120 33.01, 120 33))", nil},
		{"grids of two villages", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(3), "320902001002001"}}},
			"POLYGON((120.02 33, 120.045 33, 120.045 33.03, 120.03 33.03, 120.03 33.01, 120.02 33.01, 120.02 33))", nil},
		{"second operation on a grid the first retired", []ops.Op{
			{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}},
			{Type: ops.Rename, Grids: []geo.Code{fxGrid(1)}, Name: "x"}},
			"POLYGON((120 33, 120.01 33, 120.01 33.01, 120 33.01, 120 33))", nil},
		{"create over grids, no gap", []ops.Op{{Type: ops.Create, Village: fxVillage, Kind: geo.KindRural, Name: "n", Geometry: overGrids}},
			"POLYGON((120.005 33.002, 120.015 33.002, 120.015 33.008, 120.005 33.008, 120.005 33.002))", []geo.Code{fxGrid(1), fxGrid(2)}},
	}
	for _, tc := range cases {
		_, err := ops.DryRun(ctx, st, tc.ops, 1, ops.Options{})
		var oe *ops.Error
		if !errors.As(err, &oe) {
			t.Errorf("%s: %v, want an ops.Error", tc.name, err)
			continue
		}
		fs := oe.AllFindings()
		last := fs[len(fs)-1]
		if last.Check != ops.CheckOperation || last.Severity != geo.SeverityError || last.Message != oe.Error() {
			t.Errorf("%s: last finding %+v, want the failure", tc.name, last)
		}
		if last.Location == nil {
			t.Errorf("%s: the failure is not located", tc.name)
		} else if n := sqlInt(t, st, `SELECT ST_Equals(ST_GeomFromText($1, 4326), ST_GeomFromText($2, 4326))::int`,
			wkt.MarshalString(last.Location), tc.want); n != 1 {
			t.Errorf("%s: located at %s, want %s", tc.name, wkt.MarshalString(last.Location), tc.want)
		}
		if len(last.Codes) == 0 {
			t.Errorf("%s: the failure names no grid", tc.name)
		}
		if got := len(fs) - 1; got != len(tc.overlaps) {
			t.Errorf("%s: %d findings before the failure, want %d: %+v", tc.name, got, len(tc.overlaps), fs)
			continue
		}
		for k, g := range tc.overlaps {
			f := fs[k]
			if f.Check != geo.CheckGridOverlap || len(f.Codes) != 2 || f.Codes[1] != string(g) || f.Location == nil {
				t.Errorf("%s: finding %d %+v, want an overlap with %s, located", tc.name, k, f, g)
				continue
			}
			// The piece of the polygon inside grid g, to 1e-12 deg².
			if n := sqlInt(t, st, `SELECT round(ST_Area(ST_SymDifference(ST_GeomFromText($1, 4326),
					ST_Intersection(ST_GeomFromText($2, 4326), (SELECT geom FROM grid_current WHERE code = $3)))) * 1e12)::bigint`,
				wkt.MarshalString(f.Location), wkt.MarshalString(overGrids.Coordinates), g); n != 0 {
				t.Errorf("%s: overlap with %s located at %s, off by %d e-12 deg²", tc.name, g, wkt.MarshalString(f.Location), n)
			}
		}
	}
	// An operation that fails because its grid changed since the base:
	// the preview that comes with the ops.Error says it is stale.
	merge := adjusttest.Approved(t, st, ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(7), fxGrid(8)}})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: merge, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	prev, err := ops.DryRun(ctx, st, []ops.Op{{Type: ops.Rename, Grids: []geo.Code{fxGrid(7)}, Name: "x"}}, 1, ops.Options{})
	var oe *ops.Error
	if !errors.As(err, &oe) || prev == nil || prev.Stale == nil || len(prev.Stale.Changed) != 1 || prev.Stale.Changed[0].Change != "retired" ||
		len(prev.Findings) != 1 || prev.Findings[0].Location == nil {
		t.Errorf("rename of a grid retired since the base: %v, preview %+v: want an ops.Error with a preview saying stale, one located finding", err, prev)
	}

	// A create that overlaps and covers a gap too carries on: the
	// overlap stays a finding of the preview.
	prev, err = ops.DryRun(ctx, st, []ops.Op{{Type: ops.Create, Village: fxEast, Kind: geo.KindRural, Name: "n",
		Geometry: opstest.Rect(120.04, 33.01, 120.05, 33.02)}}, 1, ops.Options{})
	if err != nil {
		t.Fatalf("create half over a grid: %v", err)
	}
	found := false
	for _, f := range prev.Findings {
		found = found || (f.Check == geo.CheckGridOverlap && f.Location != nil)
	}
	if !found {
		t.Errorf("create half over a grid: no located overlap in %+v", prev.Findings)
	}
}

// TestOpRefs: one proposal splits grid 005 and renames its western part
// by reference ("@0.1"), then merges the eastern part ("@0.2") with 006.
// Between the preview and the apply another proposal takes the next
// codes of the village, so the split's parts get other codes than the
// preview showed; the references still name the same pieces. PostGIS
// checks the renamed grid is the west half of the old 005 and the merged
// grid its east half with 006.
func TestOpRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	list := []ops.Op{
		{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)},
		{Type: ops.Rename, Grids: []geo.Code{"@0.1"}, Name: "West half", Kind: geo.KindRural},
		{Type: ops.Merge, Grids: []geo.Code{"@0.2", fxGrid(6)}, Name: "East and six"},
	}
	prev, err := ops.DryRun(ctx, st, list, 1, ops.Options{})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if prev.Errors() > 0 {
		t.Fatalf("preview findings: %+v", prev.Findings)
	}
	if len(prev.Ops) != 3 || len(prev.Ops[0].Makes) != 2 || len(prev.Ops[1].Makes) != 0 || len(prev.Ops[2].Makes) != 1 {
		t.Fatalf("preview ops: %+v, want 2, 0 and 1 codes made", prev.Ops)
	}
	if prev.Ops[0].Makes[0] != fxGrid(10) || prev.Ops[0].Makes[1] != fxGrid(11) || prev.Ops[2].Makes[0] != fxGrid(12) {
		t.Errorf("preview codes %+v, want the next of the village: 010, 011, then 012", prev.Ops)
	}
	// Named by the code the preview showed, it works as long as no other
	// proposal takes codes first, with a warning saying how to name it.
	byCode := []ops.Op{list[0], {Type: ops.Rename, Grids: []geo.Code{fxGrid(10)}, Name: "West half"}}
	prev, err = ops.DryRun(ctx, st, byCode, 1, ops.Options{})
	if err != nil {
		t.Fatalf("preview by code: %v", err)
	}
	warned := 0
	for _, f := range prev.Findings {
		if f.Check == ops.CheckOperation && f.Severity == geo.SeverityWarning && strings.Contains(f.Message, "@0.1") && f.Location != nil {
			warned++
		}
	}
	if warned != 1 || prev.Errors() > 0 {
		t.Errorf("preview naming %s by code: %d located warnings naming @0.1, %d errors: %+v", fxGrid(10), warned, prev.Errors(), prev.Findings)
	}
	p := adjusttest.Approved(t, st, list...)
	// Another proposal takes 010 and 011 first.
	other := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(1)}, Geometry: opstest.Line(119.99, 33.005, 120.011, 33.005)})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: other, Actor: "a"}); err != nil {
		t.Fatalf("other: %v", err)
	}
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p, Actor: "a"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	west, east := res.Preview.Ops[0].Makes[0], res.Preview.Ops[0].Makes[1]
	if west != fxGrid(12) || east != fxGrid(13) || res.Preview.Ops[2].Makes[0] != fxGrid(14) {
		t.Errorf("applied codes %+v, want 012, 013 and 014 (010 and 011 were taken)", res.Preview.Ops)
	}
	old005 := `(SELECT geom FROM grid WHERE code = '320902001001005' ORDER BY lower(valid) LIMIT 1)`
	if n := sqlInt(t, st, `SELECT count(*) FROM grid_current WHERE code = $1 AND name = 'West half' AND kind = 'rural'
		AND ST_Equals(geom, ST_Intersection(`+old005+`, ST_MakeEnvelope(120.01, 33, 120.015, 33.03, 4326)))`, west); n != 1 {
		t.Errorf("the renamed grid %s is not the west half of 005 named West half", west)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM grid_current WHERE code = $1`, east); n != 0 {
		t.Errorf("the east part %s is current: the merge should have taken it", east)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM grid_current WHERE name = 'East and six'
		AND ST_Equals(geom, ST_Union(ST_Intersection(`+old005+`, ST_MakeEnvelope(120.015, 33, 120.03, 33.03, 4326)),
			(SELECT geom FROM grid WHERE code = '320902001001006' ORDER BY lower(valid) LIMIT 1)))`); n != 1 {
		t.Errorf("the merged grid is not the east half of 005 with 006")
	}
	// The other proposal's grids are untouched.
	for _, c := range []geo.Code{fxGrid(10), fxGrid(11)} {
		if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1`, c); n != 1 {
			t.Errorf("%s has %d versions, want 1 (the other proposal's)", c, n)
		}
	}
	// The filing records the operations with the codes they named.
	rec, _, err := adjust.Filing(ctx, st, p)
	if err != nil {
		t.Fatal(err)
	}
	var f adjust.FilingRecord
	if err := json.Unmarshal(rec, &f); err != nil {
		t.Fatal(err)
	}
	if got := f.Ops[1].Grids[0]; got != west {
		t.Errorf("filing: rename of %s, want %s", got, west)
	}
	assertInvariants(t, st)
}
