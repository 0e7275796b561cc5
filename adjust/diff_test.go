package adjust_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestDiffGrids diffs the fixture before and after a split, by time and by
// version.
func TestDiffGrids(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	id := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)})
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	from, err := adjust.VersionTime(ctx, st, 1)
	if err != nil {
		t.Fatal(err)
	}
	to, err := adjust.VersionTime(ctx, st, res.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adjust.VersionTime(ctx, st, 99); err == nil {
		t.Errorf("version 99 has a time")
	}
	for _, area := range []geo.Code{"", fxCounty, fxVillage} {
		d, err := adjust.DiffGrids(ctx, st, from, to, area)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Created, []geo.Code{fxGrid(10), fxGrid(11)}) || !slices.Equal(d.Retired, []geo.Code{fxGrid(5)}) {
			t.Errorf("%q: created %v retired %v", area, d.Created, d.Retired)
		}
		if len(d.Changed) != 2 || d.Changed[0].Code != fxGrid(2) || !d.Changed[0].Geometry || d.Changed[0].Name {
			t.Errorf("%q: changed %+v", area, d.Changed)
		}
		if !slices.Equal(d.Moves, res.Preview.Moves) {
			t.Errorf("%q: moves %+v, applied %+v", area, d.Moves, res.Preview.Moves)
		}
	}
	d, err := adjust.DiffGrids(ctx, st, from, to, fxEast)
	if err != nil || len(d.Created)+len(d.Retired)+len(d.Changed)+len(d.Moves) != 0 {
		t.Errorf("east village diff: %+v %v", d, err)
	}
	d, err = adjust.DiffGrids(ctx, st, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil || len(d.Created)+len(d.Retired)+len(d.Changed)+len(d.Moves) != 0 {
		t.Errorf("diff over a quiet month: %+v %v", d, err)
	}
	if _, err := adjust.DiffGrids(ctx, st, from, to, "12"); err == nil {
		t.Errorf("bad area accepted")
	}
}

// TestApplyEffectiveTime applies a merge backdated to 2026-03-01: the
// history shows the old grids before and the new one after that time; an
// effective time before the grids' versions began is refused (one in the
// future is TestApplyAheadOfTimeSwitch's).
func TestApplyEffectiveTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	merge := ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}}
	for _, at := range []time.Time{time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} {
		id := adjusttest.Approved(t, st, merge)
		var oe *ops.Error
		if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: at}); !errors.As(err, &oe) {
			t.Errorf("effective %s: %v, want an ops.Error", at, err)
		}
	}
	id := adjusttest.Approved(t, st, merge)
	eff := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: eff})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Effective.Equal(eff) {
		t.Errorf("effective %s, want %s", res.Effective, eff)
	}
	for _, c := range []struct {
		at   string
		code geo.Code
		want int64
	}{
		{"2026-02-28T23:59:59Z", fxGrid(1), 1}, {"2026-02-28T23:59:59Z", fxGrid(10), 0},
		{"2026-03-01T00:00:00Z", fxGrid(1), 0}, {"2026-03-01T00:00:00Z", fxGrid(10), 1},
	} {
		if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1 AND valid @> $2::timestamptz`, c.code, c.at); n != c.want {
			t.Errorf("%s at %s: %d versions, want %d", c.code, c.at, n, c.want)
		}
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM assignment WHERE adjustment = $1 AND lower(valid) <> '2026-03-01T00:00:00Z'`, id); n != 0 {
		t.Errorf("%d assignments not starting at the effective time", n)
	}
	assertInvariants(t, st)
}
