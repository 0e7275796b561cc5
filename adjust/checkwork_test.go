package adjust_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestAdjustChecks plants one violation per check, through an operation
// drawn that way or (for the states no operation can produce) by editing
// the work table after the operations, and expects the finding with its
// location.
func TestAdjustChecks(t *testing.T) {
	t.Parallel()
	plant := func(sql string) func(context.Context, pgx.Tx) error {
		return func(ctx context.Context, tx pgx.Tx) error { _, err := tx.Exec(ctx, sql); return err }
	}
	rename := ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(1)}, Name: "renamed"}
	cases := []struct {
		name     string
		setup    string
		ops      []ops.Op
		after    string
		check    string
		severity geo.Severity
		codes    []string // codes the finding must name (prefix match on the list)
		msg      string   // words the message must contain
		none     string   // a check that must not report
	}{
		{name: "new grid overlapping a grid", check: geo.CheckGridOverlap, severity: geo.SeverityError,
			ops:   []ops.Op{{Type: ops.Create, Village: fxEast, Kind: geo.KindRural, Name: "new", Geometry: opstest.Rect(120.04, 33, 120.06, 33.03)}},
			codes: []string{"320902001002002", "320902001002001"}, msg: "overlaps grid 320902001002001"},
		{name: "new grid outside the village", check: geo.CheckGridOutsideVillage, severity: geo.SeverityError,
			ops:   []ops.Op{{Type: ops.Create, Village: fxEast, Kind: geo.KindRural, Name: "new", Geometry: opstest.Rect(120.045, 33, 120.07, 33.03)}},
			codes: []string{"320902001002002", string(fxEast)}, msg: "outside village"},
		{name: "sliver from a cut close to an edge", check: ops.CheckSliver, severity: geo.SeverityError,
			ops:   []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.01002, 33.005, 120.01002, 33.025)}},
			codes: []string{"320902001001010", string(fxGrid(4))}, msg: "give it to 320902001001004"},
		{name: "transfer cutting a grid in two", check: ops.CheckNotContiguous, severity: geo.SeverityError,
			ops:   []ops.Op{{Type: ops.Transfer, Grids: []geo.Code{fxGrid(2)}, To: []geo.Code{fxGrid(1)}, Geometry: opstest.Rect(120.009, 33.004, 120.021, 33.006)}},
			codes: []string{string(fxGrid(2))}, msg: "2 separate parts"},
		{name: "several parts allowed, other findings remain", check: ops.CheckHouseholdBand, severity: geo.SeverityWarning,
			ops:   []ops.Op{{Type: ops.Transfer, Grids: []geo.Code{fxGrid(5)}, To: []geo.Code{fxGrid(4)}, Multipart: true, Geometry: opstest.Rect(120.009, 33.014, 120.021, 33.016)}},
			codes: []string{string(fxGrid(5))}, msg: "households", none: ops.CheckNotContiguous},
		{name: "household balance of an urban grid", check: ops.CheckHouseholdBand, severity: geo.SeverityWarning,
			ops:   []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(5), fxGrid(6)}, Kind: geo.KindUrban}},
			codes: []string{"320902001001010"}, msg: "households"},
		{name: "sub-grids no longer partition", check: ops.CheckSubgridNoFit, severity: geo.SeverityError,
			setup: `UPDATE grid SET kind = 'exclusive' WHERE code = '320902001001006';
				INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
				('32090200100100601', 'exclusive', '320902001001', '320902001001006', 'S1', ST_Multi(ST_MakeEnvelope(120.02, 33.01, 120.025, 33.02, 4326)), tstzrange('2026-01-02', NULL)),
				('32090200100100602', 'exclusive', '320902001001', '320902001001006', 'S2', ST_Multi(ST_MakeEnvelope(120.025, 33.01, 120.03, 33.02, 4326)), tstzrange('2026-01-02', NULL))`,
			ops:   []ops.Op{{Type: ops.Reshape, Grids: []geo.Code{fxGrid(5), fxGrid(6)}, Geometry: opstest.Line(120.022, 33.01, 120.022, 33.02)}},
			codes: []string{string(fxGrid(6))}, msg: "sub-grids of 320902001001006"},
		// Edge matching gives the neighbour in the other village the
		// cut's vertex; planted: the neighbour without it.
		{name: "cut ending between a neighbour's vertices", check: ops.CheckEdgeMismatch, severity: geo.SeverityWarning,
			ops:   []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(6)}, Geometry: opstest.Line(120.019, 33.015, 120.035, 33.015)}},
			after: `UPDATE adj_work SET geom = old_geom WHERE matched AND code = '320902001002001'`,
			codes: []string{"320902001002001", string(fxGrid(10))}, msg: "lacks 1 vertex"},
		{name: "new code breaking the rules", check: ops.CheckCodeRule, severity: geo.SeverityError,
			ops:   []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(8), fxGrid(9)}}},
			after: `UPDATE adj_work SET code = '320902001001000' WHERE state = 'new'`,
			codes: []string{"320902001001000"}, msg: "never reused"},
		{name: "invalid geometry", check: geo.CheckInvalidGeometry, severity: geo.SeverityError, ops: []ops.Op{rename},
			after: `UPDATE adj_work SET geom = ST_GeomFromText('MULTIPOLYGON(((120 33, 120.01 33.01, 120.01 33, 120 33.01, 120 33)))', 4326) WHERE code = '320902001001001'`,
			codes: []string{string(fxGrid(1))}, msg: "not be a valid polygon"},
		{name: "gap left in the village", check: geo.CheckVillageGap, severity: geo.SeverityError, ops: []ops.Op{rename},
			after: `UPDATE adj_work SET geom = ST_Multi(ST_MakeEnvelope(120, 33, 120.01, 33.008, 4326)) WHERE code = '320902001001001'`,
			codes: []string{string(fxVillage)}, msg: "gap of"},
		{name: "record left without a grid", check: ops.CheckRecordNoGrid, severity: geo.SeverityError, ops: []ops.Op{rename},
			after: `UPDATE adj_work SET geom = ST_Multi(ST_MakeEnvelope(120, 33, 120.01, 33.005, 4326)) WHERE code = '320902001001001'`,
			codes: []string{"household/"}, msg: "in no grid"},
		{name: "overlap planted in the work table", check: geo.CheckGridOverlap, severity: geo.SeverityError, ops: []ops.Op{rename},
			after: `UPDATE adj_work SET geom = ST_Multi(ST_MakeEnvelope(120, 33, 120.012, 33.01, 4326)) WHERE code = '320902001001001'`,
			codes: []string{string(fxGrid(1)), string(fxGrid(2))}, msg: "overlap by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			if tc.setup != "" {
				if _, err := st.Pool().Exec(ctx, tc.setup); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			opts := ops.Options{}
			if tc.after != "" {
				opts.AfterOps = plant(tc.after)
			}
			prev, err := ops.DryRun(ctx, st, tc.ops, 1, opts)
			if err != nil {
				t.Fatalf("preview: %v", err)
			}
			var found *geo.Finding
			for i, f := range prev.Findings {
				if f.Check == tc.check {
					found = &prev.Findings[i]
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s finding; findings: %+v", tc.check, prev.Findings)
			}
			if found.Severity != tc.severity {
				t.Errorf("severity %s, want %s", found.Severity, tc.severity)
			}
			if len(found.Codes) < len(tc.codes) {
				t.Fatalf("codes %v, want %v", found.Codes, tc.codes)
			}
			for i, c := range tc.codes {
				if !strings.HasPrefix(found.Codes[i], c) {
					t.Errorf("codes %v, want %v", found.Codes, tc.codes)
				}
			}
			if !strings.Contains(found.Message, tc.msg) {
				t.Errorf("message %q does not say %q", found.Message, tc.msg)
			}
			if found.Location == nil {
				t.Errorf("finding has no location")
			}
			for _, f := range prev.Findings {
				if f.Check == tc.none {
					t.Errorf("unexpected %s finding: %s", f.Check, f.Message)
				}
			}
			// The same proposal cannot be applied while it has errors.
			if tc.severity == geo.SeverityError && tc.after == "" {
				id := adjusttest.Approved(t, st, tc.ops...)
				var ce *adjust.ChecksError
				if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"}); !errors.As(err, &ce) {
					t.Errorf("apply: %v, want ChecksError", err)
				}
				if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE NOT upper_inf(valid)`); n != 0 {
					t.Errorf("refused apply closed %d grid versions", n)
				}
			}
		})
	}
}

// TestAdjustRefusals covers operations that cannot be carried out and the
// stale base.
func TestAdjustRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	cases := []struct {
		name string
		ops  []ops.Op
		msg  string
	}{
		{"no operations", nil, "no operations"},
		{"line not crossing", []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.012, 120.015, 33.018)}}, "must cross the grid"},
		{"unknown grid", []ops.Op{{Type: ops.Rename, Grids: []geo.Code{"320902001001099"}, Name: "x"}}, "not a current grid"},
		{"grids of two villages", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(3), "320902001002001"}}}, "different villages"},
		{"reshape of grids not adjacent", []ops.Op{{Type: ops.Reshape, Grids: []geo.Code{fxGrid(1), fxGrid(9)}, Geometry: opstest.Line(120, 33, 120.03, 33.03)}}, "do not share an edge"},
		{"retire without a taker", []ops.Op{{Type: ops.Retire, Grids: []geo.Code{fxGrid(1)}}}, "take the retired grid"},
		{"create in no gap", []ops.Op{{Type: ops.Create, Village: fxVillage, Kind: geo.KindRural, Name: "n", Geometry: opstest.Rect(120.001, 33.001, 120.002, 33.002)}}, "covers no gap"},
		{"unknown sub-grid", []ops.Op{{Type: ops.Rename, Grids: []geo.Code{"32090200100100101"}, Name: "x"}}, "not a current grid"},
		{"sub-grids of two grids", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{"32090200100100101", "32090200100100201"}}}, "different villages"},
		{"a grid and a sub-grid", []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), "32090200100100101"}}}, "different villages"},
		{"unknown type", []ops.Op{{Type: "explode", Grids: []geo.Code{fxGrid(1)}}}, "unknown operation"},
	}
	for _, tc := range cases {
		_, err := ops.DryRun(ctx, st, tc.ops, 1, ops.Options{})
		var oe *ops.Error
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want an ops.Error saying %q", tc.name, err, tc.msg)
		}
	}

	// Codes are never reused: a village whose sequence is used up refuses
	// new codes.
	if _, err := st.Pool().Exec(ctx, `UPDATE grid_seq SET next_seq = 1000 WHERE parent = '320902001002'`); err != nil {
		t.Fatal(err)
	}
	_, err := ops.DryRun(ctx, st, []ops.Op{{Type: ops.Create, Village: fxEast, Kind: geo.KindRural, Name: "n", Geometry: opstest.Rect(120.045, 33, 120.06, 33.03)}}, 1, ops.Options{})
	if err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("create with the sequence used up: %v", err)
	}

	// Stale base: grid 001 changes after version 1; a proposal on version 1
	// touching it is refused with what changed, one not touching it applies.
	first := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(1)}, Name: "first"})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: first, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	stale := adjusttest.Approved(t, st, ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}})
	_, err = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: stale, Actor: "a"})
	var se *ops.StaleError
	if !errors.As(err, &se) || len(se.Changed) != 1 || se.Changed[0].Code != fxGrid(1) || se.Changed[0].Change != "new version" || se.Current != 2 {
		t.Errorf("stale apply: %v (%+v), want StaleError naming %s", err, se, fxGrid(1))
	}
	prev, err := ops.DryRun(ctx, st, []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}}}, 1, ops.Options{})
	if err != nil || prev.Stale == nil {
		t.Errorf("stale preview: %v, stale %+v", err, prev)
	}
	fresh := adjusttest.Approved(t, st, ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(8), fxGrid(9)}})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: fresh, Actor: "a"}); err != nil {
		t.Errorf("non-conflicting apply on an older base: %v", err)
	}
	assertInvariants(t, st)
}
