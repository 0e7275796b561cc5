package adjust_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestApplyOperations applies each operation to the fixture and checks
// codes, geometry (PostGIS as the oracle), lineage, re-assigned records
// and history.
func TestApplyOperations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		ops     []ops.Op
		retired []int // sequences retired
		created []int // new sequences
		changed []int // sequences with a new version, code kept
		lineage [][2]int
		// areaOf gives expected areas (in 1e-6 deg²) of grids afterwards.
		areaOf map[int]float64
		moved  bool // some households must move
	}{
		{
			name:    "split by a line crossing the grid",
			ops:     []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)}},
			retired: []int{5}, created: []int{10, 11}, changed: []int{2, 8},
			lineage: [][2]int{{5, 10}, {5, 11}},
			areaOf:  map[int]float64{10: 50, 11: 50, 2: 100, 8: 100},
			moved:   true,
		},
		{
			name:    "split by a line drawn 0.2 m off the corners snaps onto them",
			ops:     []ops.Op{{Type: ops.Split, Grids: []geo.Code{fxGrid(5)}, Geometry: opstest.Line(120.010002, 33.01, 120.02, 33.019998)}},
			retired: []int{5}, created: []int{10, 11},
			lineage: [][2]int{{5, 10}, {5, 11}},
			areaOf:  map[int]float64{10: 50, 11: 50, 2: 100, 4: 100, 6: 100, 8: 100},
			moved:   true,
		},
		{
			name:    "merge two adjacent grids",
			ops:     []ops.Op{{Type: ops.Merge, Grids: []geo.Code{fxGrid(1), fxGrid(2)}, Name: "Merged"}},
			retired: []int{1, 2}, created: []int{10},
			lineage: [][2]int{{1, 10}, {2, 10}},
			areaOf:  map[int]float64{10: 200},
			moved:   true,
		},
		{
			name:    "reshape a shared edge",
			ops:     []ops.Op{{Type: ops.Reshape, Grids: []geo.Code{fxGrid(1), fxGrid(2)}, Geometry: opstest.Line(120.012, 33, 120.012, 33.01)}},
			changed: []int{1, 2, 5},
			areaOf:  map[int]float64{1: 120, 2: 80, 5: 100},
			moved:   true,
		},
		{
			name:    "transfer an area",
			ops:     []ops.Op{{Type: ops.Transfer, Grids: []geo.Code{fxGrid(3)}, To: []geo.Code{fxGrid(2)}, Geometry: opstest.Rect(120.02, 32.999, 120.025, 33.01)}},
			changed: []int{2, 3, 6},
			areaOf:  map[int]float64{2: 150, 3: 50},
			moved:   true,
		},
		{
			name:    "retire a grid into its neighbour",
			ops:     []ops.Op{{Type: ops.Retire, Grids: []geo.Code{fxGrid(9)}, To: []geo.Code{fxGrid(8)}}},
			retired: []int{9}, changed: []int{8},
			lineage: [][2]int{{9, 8}},
			areaOf:  map[int]float64{8: 200},
			moved:   true,
		},
		{
			name:    "rename and re-kind",
			ops:     []ops.Op{{Type: ops.Rename, Grids: []geo.Code{fxGrid(4)}, Name: "Riverside", Kind: geo.KindUrban}},
			changed: []int{4},
			areaOf:  map[int]float64{4: 100},
		},
		{
			name: "redraw two grids as two others",
			ops: []ops.Op{{Type: ops.Redraw, Grids: []geo.Code{fxGrid(1), fxGrid(2)}, Parts: []ops.Part{
				{Code: fxGrid(1), Geometry: opstest.Rect(120, 33, 120.02, 33.005)},
				{Kind: geo.KindRural, Name: "north half", Geometry: opstest.Rect(120, 33.005, 120.02, 33.01)},
			}}},
			retired: []int{2}, created: []int{10}, changed: []int{1, 3},
			lineage: [][2]int{{1, 10}, {2, 1}, {2, 10}},
			areaOf:  map[int]float64{1: 100, 10: 100, 3: 100},
			moved:   true,
		},
		{
			name: "split then merge a part with a neighbour",
			ops: []ops.Op{
				{Type: ops.Split, Grids: []geo.Code{fxGrid(7)}, Geometry: opstest.Line(119.99, 33.025, 120.02, 33.025)},
				{Type: ops.Merge, Grids: []geo.Code{"320902001001010", fxGrid(4)}},
			},
			retired: []int{7, 4}, created: []int{11, 12}, changed: []int{8},
			lineage: [][2]int{{7, 11}, {7, 12}, {4, 12}},
			areaOf:  map[int]float64{11: 50, 12: 150},
			moved:   true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			id := adjusttest.Approved(t, st, tc.ops...)
			before := time.Now()
			prev, err := ops.DryRun(ctx, st, tc.ops, 1, ops.Options{})
			if err != nil {
				t.Fatalf("preview: %v", err)
			}
			for _, f := range prev.Findings {
				if f.Severity == geo.SeverityError || f.Check == ops.CheckEdgeMismatch {
					t.Errorf("preview finding: %s", f.Message)
				}
			}
			res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if res.Version != 2 {
				t.Errorf("version after apply = %d, want 2", res.Version)
			}
			assertInvariants(t, st)

			states := map[string][]int{}
			for _, g := range res.Preview.Grids {
				states[g.State] = append(states[g.State], g.Code.Seq())
			}
			for state, want := range map[string][]int{"retired": tc.retired, "new": tc.created, "changed": tc.changed} {
				got := states[state]
				sort.Ints(got)
				w := slices.Clone(want)
				sort.Ints(w)
				if !slices.Equal(got, w) {
					t.Errorf("%s grids = %v, want %v", state, got, w)
				}
			}
			// The preview of the same operations equals what was applied.
			if len(prev.Grids) != len(res.Preview.Grids) || len(prev.Moves) != len(res.Preview.Moves) {
				t.Errorf("preview had %d grids / %d moves, apply %d / %d", len(prev.Grids), len(prev.Moves), len(res.Preview.Grids), len(res.Preview.Moves))
			}
			for _, seq := range tc.retired {
				c := fxGrid(seq)
				if n := sqlInt(t, st, `SELECT count(*) FROM grid_code WHERE code = $1 AND retired_at IS NOT NULL`, c); n != 1 {
					t.Errorf("code %s not retired", c)
				}
				if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1 AND upper_inf(valid)`, c); n != 0 {
					t.Errorf("retired %s still has an open version", c)
				}
			}
			for _, seq := range tc.changed {
				c := fxGrid(seq)
				if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1`, c); n != 2 {
					t.Errorf("changed %s has %d versions, want 2", c, n)
				}
			}
			for seq, want := range tc.areaOf {
				got := float64(sqlInt(t, st, `SELECT round(ST_Area(geom) * 1e6)::bigint FROM grid_current WHERE code = $1`, fxGrid(seq)))
				if got != want {
					t.Errorf("area of %s = %v e-6 deg², want %v", fxGrid(seq), got, want)
				}
			}
			var lin [][2]int
			if err := func() error {
				rows, err := st.Pool().Query(ctx, `SELECT substr(old_code, 13)::int, substr(new_code, 13)::int FROM grid_lineage WHERE proposal = $1 ORDER BY 1, 2`, id)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var a, b int
					if err := rows.Scan(&a, &b); err != nil {
						return err
					}
					lin = append(lin, [2]int{a, b})
				}
				return rows.Err()
			}(); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tc.lineage)
			slices.SortFunc(want, func(a, b [2]int) int {
				if a[0] != b[0] {
					return a[0] - b[0]
				}
				return a[1] - b[1]
			})
			if !slices.Equal(lin, want) {
				t.Errorf("lineage = %v, want %v", lin, want)
			}
			// Moves: conserved totals and as many assignment rows as moves.
			moved := 0
			for _, m := range res.Preview.Moves {
				moved += m.Households + m.Units
			}
			if tc.moved != (moved > 0) {
				t.Errorf("moved %d records, want moves: %v", moved, tc.moved)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM assignment WHERE adjustment = $1`, id); n != int64(moved) {
				t.Errorf("%d new assignment rows, want %d", n, moved)
			}
			hb, ha := 0, 0
			for _, g := range res.Preview.Totals {
				hb += g.HouseholdsBefore
				ha += g.HouseholdsAfter
			}
			if hb != ha {
				t.Errorf("households before %d, after %d: not conserved", hb, ha)
			}
			// History: as of before the apply the old state is back.
			if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE valid @> '2026-06-01'::timestamptz AND village = $1`, fxVillage); n != 9 {
				t.Errorf("as of 2026-06-01 village has %d grids, want the 9 of the fixture", n)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM grid g WHERE valid @> '2026-06-01'::timestamptz AND village = $1
				AND NOT ST_Equals(g.geom, ST_MakeEnvelope(120 + ((substr(code, 13)::int - 1) % 3) * 0.01, 33 + ((substr(code, 13)::int - 1) / 3) * 0.01,
					120.01 + ((substr(code, 13)::int - 1) % 3) * 0.01, 33.01 + ((substr(code, 13)::int - 1) / 3) * 0.01, 4326))`, fxVillage); n != 0 {
				t.Errorf("%d grids as of 2026-06-01 differ from the fixture", n)
			}
			if n := sqlInt(t, st, `SELECT count(*) FROM assignment a WHERE a.valid @> '2026-06-01'::timestamptz AND a.grid_code <>
				(SELECT code FROM grid g WHERE length(code) = 15 AND g.valid @> '2026-06-01'::timestamptz
				 AND ST_Covers(g.geom, (SELECT geom FROM household h WHERE h.id = a.record_id)) ORDER BY code LIMIT 1)
				AND a.record_type = 'household'`); n != 0 {
				t.Errorf("%d household assignments as of 2026-06-01 disagree with the lookup then", n)
			}
			if res.Effective.Before(before.Add(-time.Minute)) {
				t.Errorf("effective %v, want about now", res.Effective)
			}
			// Applying again is refused: the proposal is applied.
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"}); !errors.Is(err, adjust.ErrStatus) {
				t.Errorf("second apply: %v, want ErrStatus", err)
			}
			// The filing record is there with the moves.
			rec, no, err := adjust.Filing(ctx, st, id)
			if err != nil || len(rec) < 100 || no != "" {
				t.Errorf("filing: %d bytes, number %q, %v", len(rec), no, err)
			}
		})
	}
}
