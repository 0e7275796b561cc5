package adjust_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/geo"
)

// subgridSetup makes grid 006 (120.02–120.03 × 33.01–33.02) exclusive
// with three sub-grids: 01 its west half, 02 and 03 the south-east and
// north-east quarters. 01's east edge carries the vertex where 02 and 03
// meet, so every shared edge is vertex-identical.
const subgridSetup = `UPDATE grid SET kind = 'exclusive' WHERE code = '320902001001006';
INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
('32090200100100601', 'exclusive', '320902001001', '320902001001006', 'S1',
 ST_Multi(ST_GeomFromText('POLYGON((120.02 33.01, 120.025 33.01, 120.025 33.015, 120.025 33.02, 120.02 33.02, 120.02 33.01))', 4326)), tstzrange('2026-01-02', NULL)),
('32090200100100602', 'exclusive', '320902001001', '320902001001006', 'S2', ST_Multi(ST_MakeEnvelope(120.025, 33.01, 120.03, 33.015, 4326)), tstzrange('2026-01-02', NULL)),
('32090200100100603', 'exclusive', '320902001001', '320902001001006', 'S3', ST_Multi(ST_MakeEnvelope(120.025, 33.015, 120.03, 33.02, 4326)), tstzrange('2026-01-02', NULL))`

func sub(seq string) geo.Code { return geo.Code("320902001001006" + seq) }

// TestSubgridOperations splits, merges, reshapes, transfers, retires,
// renames and redraws sub-grids within their exclusive grid, on the
// fixture, and checks with PostGIS as the oracle that the sub-grids still
// partition the grid exactly (ST_Equals of their union, no two of them
// overlapping), that codes, lineage and areas are as expected, that no
// household moves (records are tied to grids), and that gridd check
// finds nothing. A cut ending on the grid's outer edge gives that vertex
// to the grid and to the grid across the edge (edge matched).
func TestSubgridOperations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		ops     []ops.Op
		retired []geo.Code
		created []geo.Code
		changed []geo.Code           // code kept, new version (edge matched included)
		areaOf  map[geo.Code]float64 // e-6 deg² afterwards
		lineage [][2]geo.Code
	}{
		{
			name:    "split across the grid",
			ops:     []ops.Op{{Type: ops.Split, Grids: []geo.Code{sub("01")}, Geometry: opstest.Line(120.0225, 33.009, 120.0225, 33.021)}},
			retired: []geo.Code{sub("01")}, created: []geo.Code{sub("04"), sub("05")},
			// the cut's ends on the grid's south and north edges: 006, and
			// 003 and 009 across them, take the vertices
			changed: []geo.Code{fxGrid(3), fxGrid(6), fxGrid(9)},
			areaOf:  map[geo.Code]float64{sub("04"): 25, sub("05"): 25, fxGrid(6): 100},
			lineage: [][2]geo.Code{{sub("01"), sub("04")}, {sub("01"), sub("05")}},
		},
		{
			name:    "merge two sub-grids",
			ops:     []ops.Op{{Type: ops.Merge, Grids: []geo.Code{sub("02"), sub("03")}, Name: "east"}},
			retired: []geo.Code{sub("02"), sub("03")}, created: []geo.Code{sub("04")},
			areaOf:  map[geo.Code]float64{sub("04"): 50},
			lineage: [][2]geo.Code{{sub("02"), sub("04")}, {sub("03"), sub("04")}},
		},
		{
			name: "reshape a shared edge",
			ops:  []ops.Op{{Type: ops.Reshape, Grids: []geo.Code{sub("02"), sub("03")}, Geometry: opstest.Line(120.025, 33.016, 120.03, 33.016)}},
			// 01 takes the new vertex at (120.025, 33.016); 006 and the east
			// village's grid the one at (120.03, 33.016)
			changed: []geo.Code{sub("01"), sub("02"), sub("03"), fxGrid(6), "320902001002001"},
			areaOf:  map[geo.Code]float64{sub("02"): 30, sub("03"): 20, sub("01"): 50},
		},
		{
			name: "transfer an area",
			ops:  []ops.Op{{Type: ops.Transfer, Grids: []geo.Code{sub("01")}, To: []geo.Code{sub("02")}, Geometry: opstest.Rect(120.023, 33.009, 120.026, 33.015)}},
			// 03 takes the vertex where the polygon's edge leaves its edge
			changed: []geo.Code{sub("01"), sub("02"), sub("03"), fxGrid(6), fxGrid(3)},
			areaOf:  map[geo.Code]float64{sub("01"): 40, sub("02"): 35},
		},
		{
			name:    "retire into a neighbour",
			ops:     []ops.Op{{Type: ops.Retire, Grids: []geo.Code{sub("03")}, To: []geo.Code{sub("02")}}},
			retired: []geo.Code{sub("03")}, changed: []geo.Code{sub("02")},
			areaOf:  map[geo.Code]float64{sub("02"): 50},
			lineage: [][2]geo.Code{{sub("03"), sub("02")}},
		},
		{
			name:    "rename",
			ops:     []ops.Op{{Type: ops.Rename, Grids: []geo.Code{sub("03")}, Name: "school"}},
			changed: []geo.Code{sub("03")},
			areaOf:  map[geo.Code]float64{sub("03"): 25},
		},
		{
			name: "redraw the three as two",
			ops: []ops.Op{{Type: ops.Redraw, Grids: []geo.Code{sub("01"), sub("02"), sub("03")}, Parts: []ops.Part{
				{Code: sub("01"), Geometry: opstest.Rect(120.02, 33.01, 120.03, 33.015)},
				{Kind: geo.KindExclusive, Name: "north", Geometry: opstest.Rect(120.02, 33.015, 120.03, 33.02)},
			}}},
			// the new west end of the dividing line is a vertex of 006 and 005
			// now; its east end was one of 02 and 03 already (left as it was)
			retired: []geo.Code{sub("02"), sub("03")}, created: []geo.Code{sub("04")}, changed: []geo.Code{sub("01"), fxGrid(5), fxGrid(6)},
			areaOf:  map[geo.Code]float64{sub("01"): 50, sub("04"): 50},
			lineage: [][2]geo.Code{{sub("01"), sub("04")}, {sub("02"), sub("01")}, {sub("03"), sub("04")}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			if _, err := st.Pool().Exec(ctx, subgridSetup); err != nil {
				t.Fatal(err)
			}
			households := gridCounts(t, st)
			prev, err := ops.DryRun(ctx, st, tc.ops, 1, ops.Options{})
			if err != nil {
				t.Fatalf("preview: %v", err)
			}
			for _, f := range prev.Findings {
				if f.Severity == geo.SeverityError || f.Check == ops.CheckEdgeMismatch {
					t.Errorf("preview finding %s: %s", f.Check, f.Message)
				}
			}
			id := adjusttest.Approved(t, st, tc.ops...)
			res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "approver"})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			got := map[string][]geo.Code{}
			for _, g := range res.Preview.Grids {
				got[g.State] = append(got[g.State], g.Code)
			}
			for state, want := range map[string][]geo.Code{"retired": tc.retired, "new": tc.created, "changed": tc.changed} {
				g := got[state]
				slices.Sort(g)
				w := slices.Clone(want)
				slices.Sort(w)
				if !slices.Equal(g, w) {
					t.Errorf("%s: %v, want %v", state, g, w)
				}
			}
			for c, want := range tc.areaOf {
				if a := float64(sqlInt(t, st, `SELECT round(ST_Area(geom) * 1e6)::bigint FROM grid_current WHERE code = $1`, c)); a != want {
					t.Errorf("area of %s = %v e-6 deg², want %v", c, a, want)
				}
			}
			var lin [][2]geo.Code
			rows, err := st.Pool().Query(ctx, `SELECT old_code, new_code FROM grid_lineage WHERE proposal = $1 ORDER BY 1, 2`, id)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var a, b geo.Code
				if err := rows.Scan(&a, &b); err != nil {
					t.Fatal(err)
				}
				lin = append(lin, [2]geo.Code{a, b})
			}
			rows.Close()
			if !slices.Equal(lin, tc.lineage) {
				t.Errorf("lineage %v, want %v", lin, tc.lineage)
			}
			// The sub-grids still partition 006 exactly, are exclusive
			// and of 006, and never overlap.
			for what, q := range map[string]string{
				"sub-grids' union differs from their grid": `SELECT count(*) FROM grid_current e WHERE e.code = '320902001001006'
					AND NOT ST_Equals(e.geom, (SELECT ST_Union(geom) FROM grid_current WHERE parent_grid = e.code))`,
				"overlapping sub-grids": `SELECT count(*) FROM grid_current a JOIN grid_current b ON a.code < b.code
					AND length(a.code) = 17 AND length(b.code) = 17 AND ST_Relate(a.geom, b.geom, '2********')`,
				"overlapping grids": `SELECT count(*) FROM grid_current a JOIN grid_current b ON a.code < b.code
					AND length(a.code) = 15 AND length(b.code) = 15 AND ST_Relate(a.geom, b.geom, '2********')`,
				"sub-grids not exclusive or of another grid": `SELECT count(*) FROM grid_current
					WHERE length(code) = 17 AND (kind <> 'exclusive' OR parent_grid <> substr(code, 1, 15))`,
			} {
				if n := sqlInt(t, st, q); n != 0 {
					t.Errorf("%s: %d", what, n)
				}
			}
			if after := gridCounts(t, st); !mapsEqual(after, households) {
				t.Errorf("households moved: %v, were %v", after, households)
			}
			rep, err := check.Run(ctx, st, check.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Severity == geo.SeverityError && !(f.Check == geo.CheckVillageGap && len(f.Codes) > 0 && f.Codes[0] == string(fxEast)) {
					t.Errorf("gridd check: %s: %s", f.Check, f.Message)
				}
			}
		})
	}
}

// TestSubgridRefusals: an operation mixing sub-grids of two grids, or a
// grid and a sub-grid, and a sub-grid given a kind other than exclusive
// are refused; a reshape of the exclusive grid alone still fails the
// partition check.
func TestSubgridRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	if _, err := st.Pool().Exec(ctx, subgridSetup); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		op   ops.Op
		msg  string
	}{
		{"a grid and a sub-grid", ops.Op{Type: ops.Merge, Grids: []geo.Code{fxGrid(5), sub("01")}}, "different villages"},
		{"urban sub-grid", ops.Op{Type: ops.Rename, Grids: []geo.Code{sub("01")}, Kind: geo.KindUrban}, "exclusive"},
		{"sub-grids not adjacent", ops.Op{Type: ops.Reshape, Grids: []geo.Code{sub("01"), sub("09")}, Geometry: opstest.Line(120.025, 33.01, 120.025, 33.02)}, "not a current grid"},
	} {
		_, err := ops.DryRun(ctx, st, []ops.Op{c.op}, 1, ops.Options{})
		var oe *ops.Error
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want an ops.Error saying %q", c.name, err, c.msg)
		}
	}
	prev, err := ops.DryRun(ctx, st, []ops.Op{{Type: ops.Reshape, Grids: []geo.Code{fxGrid(5), fxGrid(6)},
		Geometry: opstest.Line(120.022, 33.01, 120.022, 33.02)}}, 1, ops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range prev.Findings {
		found = found || f.Check == ops.CheckSubgridNoFit
	}
	if !found {
		t.Errorf("reshaping the exclusive grid alone: no %s finding in %+v", ops.CheckSubgridNoFit, prev.Findings)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
