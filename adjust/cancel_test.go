package adjust_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/store"
)

// fingerprint is a digest of what an apply writes and a cancel must undo:
// every grid version (code, validity, geometry bit for bit, kind, name),
// every code's retirement, the lineage, the area boundaries and their
// history, and the records' grids and assignment history.
func fingerprint(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for what, q := range map[string]string{
		"grids":   `SELECT md5(string_agg(code || valid::text || kind || name || coalesce(parent_grid, '') || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code, lower(valid))) FROM grid`,
		"codes":   `SELECT md5(string_agg(code || coalesce(retired_at::text, '-'), ',' ORDER BY code)) FROM grid_code`,
		"lineage": `SELECT count(*)::text FROM grid_lineage`,
		"areas":   `SELECT md5(string_agg(code || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code)) FROM area`,
		"area history": `SELECT md5(string_agg(code || valid::text || name || encode(ST_AsEWKB(geom), 'hex'), ',' ORDER BY code, lower(valid)))
			FROM area_history`,
		"records": `SELECT md5(string_agg(id::text || grid_code, ',' ORDER BY id)) FROM household`,
		"history": `SELECT md5(string_agg(record_type || record_id || grid_code || valid::text, ',' ORDER BY record_type, record_id, lower(valid))) FROM assignment`,
		"pending": `SELECT (SELECT count(*) FROM adj_switch) || '/' || (SELECT count(*) FROM adj_pending_move) || '/' || (SELECT count(*) FROM adj_pending_area)`,
	} {
		var s string
		if err := st.Pool().QueryRow(context.Background(), q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out[what] = s
	}
	return out
}

// TestCancelPending applies proposals ahead of time and cancels them
// before the effective time: everything the apply wrote is gone (the
// grids, codes, lineage, areas and records are bit for bit as before,
// apart from the codes it issued, retired unused), the proposal is
// cancelled and audited, the version is bumped, nothing is due, and a
// proposal refused while the first was pending now applies. One of them
// cuts across the village boundary, so its edge-matched neighbour of the
// other village and the area vertices are undone too.
func TestCancelPending(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		ops    []ops.Op
		issued []geo.Code // codes the apply issued, retired unused after the cancel
		other  ops.Op
	}{
		{"split", []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)}},
			[]geo.Code{fxGrid(10), fxGrid(11)}, ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(2), fxGrid(5)}}},
		{"split across the village boundary", []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(6)}, Geometry: opstest.Line(120.019, 33.0151, 120.035, 33.0151)}},
			[]geo.Code{fxGrid(10), fxGrid(11)}, ops.Op{Type: ops.Rename, Grids: []geo.Code{"320902001002001"}, Name: "East"}},
		{"retire and merge", []ops.Op{
			{Type: ops.Retire, Grids: []geo.Code{fxGrid(9)}, To: []geo.Code{fxGrid(8)}},
			{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}}},
			[]geo.Code{fxGrid(10)}, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(9)}, Name: "kept"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			before := fingerprint(t, st)
			id := adjusttest.Approved(t, st, tc.ops...)
			eff := time.Now().Add(time.Hour).Truncate(time.Microsecond)
			res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver", EffectiveAt: eff})
			if err != nil || !res.Pending {
				t.Fatalf("apply ahead: %v (pending %v)", err, res != nil && res.Pending)
			}
			if tc.name == "split across the village boundary" {
				if n := sqlInt(t, st, `SELECT count(*) FROM adj_pending_area`); n < 2 {
					t.Errorf("%d areas wait for the cut's vertex, want both villages at least", n)
				}
				if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = '320902001002001'`); n != 2 {
					t.Errorf("the east grid has %d versions, want 2 (edge matched at the effective time)", n)
				}
			}
			other := adjusttest.Approved(t, st, tc.other)
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: other, Actor: "approver"}); !ops.IsStale(err) {
				t.Fatalf("conflicting proposal while pending: %v, want refused as stale", err)
			}
			v0, err := st.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p, err := adjust.CancelPending(ctx, st, id, "approver", "the street office asked to wait")
			if err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if p.Status != "cancelled" || p.CancelledBy != "approver" || p.CancelledAt == nil || p.CancelNote == "" {
				t.Errorf("cancelled proposal: %+v", p)
			}
			if v, err := st.Version(ctx); err != nil || v != v0+1 {
				t.Errorf("version %d after the cancel, want %d (%v)", v, v0+1, err)
			}
			after := fingerprint(t, st)
			for what, want := range before {
				if what == "codes" {
					continue
				}
				if after[what] != want {
					t.Errorf("%s differ from before the apply", what)
				}
			}
			for _, c := range tc.issued {
				if n := sqlInt(t, st, `SELECT count(*) FROM grid_code WHERE code = $1 AND retired_at IS NOT NULL`, c); n != 1 {
					t.Errorf("issued code %s is not retired unused", c)
				}
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid_code WHERE retired_at IS NOT NULL AND code <> ALL($1)`, codes(tc.issued)); n != 0 {
				t.Errorf("%d other codes retired after the cancel", n)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM audit_log WHERE action = 'proposal.cancel' AND target = $1`, itoa(id)); n != 1 {
				t.Errorf("%d cancel audit entries", n)
			}
			if _, ok, err := adjust.NextSwitch(ctx, st); ok || err != nil {
				t.Errorf("a switch is still pending after the cancel (%v)", err)
			}
			assertInvariants(t, st)
			// Cancelling again is refused; the conflicting proposal applies.
			if _, err := adjust.CancelPending(ctx, st, id, "approver", "again"); !errors.Is(err, adjust.ErrStatus) {
				t.Errorf("second cancel: %v, want ErrStatus", err)
			}
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: other, Actor: "approver"}); err != nil {
				t.Errorf("the other proposal after the cancel: %v", err)
			}
			assertInvariants(t, st)
		})
	}
}

// TestCancelRefused: a proposal that took effect at apply, one whose
// effective time has come (switch done or not), and one not applied
// cannot be cancelled, and nothing changes.
func TestCancelRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	now := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(1)}, Name: "now"})
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: now, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	soon := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)})
	eff := time.Now().Add(1500 * time.Millisecond)
	if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: soon, Actor: "a", EffectiveAt: eff}); err != nil {
		t.Fatal(err)
	}
	draft := adjusttest.Approved(t, st, ops.Op{Type: ops.Rename, Grids: []geo.Code{fxGrid(9)}, Name: "draft"})
	if _, err := adjust.CancelPending(ctx, st, draft, "a", "x"); !errors.Is(err, adjust.ErrStatus) {
		t.Errorf("cancel an approved proposal: %v, want ErrStatus", err)
	}
	if _, err := adjust.CancelPending(ctx, st, now, "a", "x"); !errors.Is(err, adjust.ErrTookEffect) {
		t.Errorf("cancel a proposal applied now: %v, want ErrTookEffect", err)
	}
	time.Sleep(time.Until(eff) + 20*time.Millisecond)
	before := fingerprint(t, st)
	if _, err := adjust.CancelPending(ctx, st, soon, "a", "x"); !errors.Is(err, adjust.ErrTookEffect) {
		t.Errorf("cancel after the effective time, before the switch: %v, want ErrTookEffect", err)
	}
	if after := fingerprint(t, st); after["grids"] != before["grids"] || after["pending"] != before["pending"] {
		t.Errorf("a refused cancel changed grids or pending switches")
	}
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 1 {
		t.Fatalf("switch: %d %v", n, err)
	}
	if _, err := adjust.CancelPending(ctx, st, soon, "a", "x"); !errors.Is(err, adjust.ErrTookEffect) {
		t.Errorf("cancel after the switch: %v, want ErrTookEffect", err)
	}
	if _, err := adjust.CancelPending(ctx, st, 999, "a", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancel an unknown proposal: %v, want ErrNotFound", err)
	}
	assertInvariants(t, st)
}

func codes(cs []geo.Code) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
