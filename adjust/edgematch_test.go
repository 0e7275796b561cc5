package adjust_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestSplitAcrossVillageBoundary splits demo grids by lines ending on an
// edge shared with a grid of another village (of the same town, and of
// another town, whose boundary the edge also is). The cut's node is a new
// vertex of that edge: the neighbour gets a new version (same code, the
// extra vertex, nothing else), and so do the village and town boundaries
// that carry the edge. PostGIS is the oracle: afterwards no two grids
// overlap, every shared edge is vertex-identical, every grid is covered
// by its village, and gridd check finds nothing.
func TestSplitAcrossVillageBoundary(t *testing.T) {
	t.Parallel()
	for _, sameTown := range []bool{true, false} {
		name := "another village of the town"
		if !sameTown {
			name = "a village of another town"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"})
			c := adjusttest.FindCrossCut(t, st, sameTown)
			t.Logf("split %s across its edge with %s at (%.7f, %.7f)", c.Grid, c.Neighbour, c.MX, c.MY)
			nbVerts := sqlInt(t, st, `SELECT ST_NPoints(geom) FROM grid_current WHERE code = $1`, c.Neighbour)
			op := ops.Op{Type: ops.Split, Grids: []geo.Code{c.Grid}, Geometry: opstest.Line(c.X0, c.Y0, c.X1, c.Y1)}
			v, err := st.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			prev, err := ops.DryRun(ctx, st, []ops.Op{op}, v, ops.Options{})
			if err != nil {
				t.Fatalf("preview: %v", err)
			}
			for _, f := range prev.Findings {
				if f.Severity == geo.SeverityError || f.Check == ops.CheckEdgeMismatch {
					t.Errorf("preview finding %s: %s", f.Check, f.Message)
				}
			}
			states := map[geo.Code]string{}
			for _, g := range prev.Grids {
				states[g.Code] = g.State
			}
			if states[c.Grid] != "retired" || states[c.Neighbour] != "changed" {
				t.Errorf("preview: %s is %q (want retired), neighbour %s is %q (want changed)", c.Grid, states[c.Grid], c.Neighbour, states[c.Neighbour])
			}
			p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: v, Author: "p",
				Ops: []ops.Op{op}}, "p")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p.ID, Actor: "a"}); err != nil {
				t.Fatalf("apply: %v", err)
			}
			// The neighbour: a second version, one vertex more, same shape.
			if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = $1`, c.Neighbour); n != 2 {
				t.Errorf("neighbour %s has %d versions, want 2", c.Neighbour, n)
			}
			if n := sqlInt(t, st, `SELECT ST_NPoints(geom) FROM grid_current WHERE code = $1`, c.Neighbour); n != nbVerts+1 {
				t.Errorf("neighbour %s has %d vertices, want %d (one more)", c.Neighbour, n, nbVerts+1)
			}
			if n := sqlInt(t, st, `SELECT (ST_HausdorffDistance(a.geom, b.geom) * 1e12)::bigint FROM grid a, grid b
				WHERE a.code = $1 AND b.code = $1 AND upper_inf(b.valid) AND NOT upper_inf(a.valid)`, c.Neighbour); n != 0 {
				t.Errorf("neighbour %s moved by %d e-12 degrees", c.Neighbour, n)
			}
			// The node is a vertex of the neighbour and of both villages.
			if n := sqlInt(t, st, `SELECT count(*) FROM grid_current g, area v
				WHERE g.code = $1 AND v.code = ANY(ARRAY[$2, $3])
				AND ST_Intersects(ST_Points(v.geom), (SELECT p FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM grid_current WHERE code = $1) x
					ORDER BY ST_Distance(p, ST_SetSRID(ST_MakePoint($4, $5), 4326)) LIMIT 1))`,
				c.Neighbour, c.Grid.Village(), c.Neighbour.Village(), c.MX, c.MY); n != 2 {
				t.Errorf("the node is a vertex of %d of the two villages, want 2", n)
			}
			assertEdgesMatched(t, st, c.MX, c.MY, true)
			rep, err := check.Run(ctx, st, check.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Severity == geo.SeverityError {
					t.Errorf("gridd check: %s: %s", f.Check, f.Message)
				}
			}
		})
	}
}

// assertEdgesMatched checks with PostGIS, around (x, y), that no two
// current grids overlap and that every vertex of a grid lying on the
// boundary of another grid (or of a village or town) is a vertex of it
// too, and that every grid is covered by its village.
// With areas false only grids are compared (the fixture's town and
// county are plain boxes that lack the villages' vertices).
func assertEdgesMatched(t testing.TB, st *store.Store, x, y float64, areas bool) {
	t.Helper()
	const near = `ST_DWithin(geom, ST_SetSRID(ST_MakePoint(@x, @y), 4326), 0.02)`
	for _, c := range []struct{ what, sql string }{
		{"overlapping grid pairs", `WITH g AS (SELECT code, geom FROM grid_current WHERE length(code) = 15 AND ` + near + `)
			SELECT count(*) FROM g a JOIN g b ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')`},
		{"vertices on a neighbour's edge that the neighbour lacks", `
			WITH g AS (SELECT code, geom FROM grid_current WHERE length(code) = 15 AND ` + near + `
			           UNION ALL SELECT code, geom FROM area WHERE level IN ('village', 'town') AND @areas AND ` + near + `),
			v AS (SELECT code, (ST_DumpPoints(geom)).geom AS p FROM g)
			SELECT count(*) FROM v JOIN g ON g.code <> v.code AND g.geom && ST_Expand(v.p, 1e-9)
			WHERE ST_DWithin(ST_Boundary(g.geom), v.p, 1e-9) AND NOT ST_Intersects(ST_Points(g.geom), v.p)`},
		{"grids not covered by their village", `SELECT count(*) FROM grid_current g JOIN area v ON v.code = g.village
			WHERE length(g.code) = 15 AND NOT ST_CoveredBy(g.geom, v.geom) AND ST_DWithin(g.geom, ST_SetSRID(ST_MakePoint(@x, @y), 4326), 0.02)`},
	} {
		var n int64
		if err := st.Pool().QueryRow(context.Background(), c.sql, pgx.NamedArgs{"x": x, "y": y, "areas": areas}).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n != 0 {
			t.Errorf("%s: %d", c.what, n)
		}
	}
}

// TestEdgeMatchAheadOfTime: a split applied ahead of its effective time
// across the fixture's village boundary writes the neighbour's matched
// version (from the effective time) at once, but the village boundaries
// take the cut's vertex only at the switch (the area table is the current
// state), in a version of their history dated at the effective time.
func TestEdgeMatchAheadOfTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	const areaVerts = `SELECT sum(ST_NPoints(geom)) FROM area WHERE code IN ('320902001001', '320902001002')`
	before := sqlInt(t, st, areaVerts)
	id := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(6)}, Geometry: opstest.Line(120.019, 33.0151, 120.035, 33.0151)})
	// The lead covers the apply and the first checks on a loaded machine
	// (at 1 s, an apply of 1.2 s under load left the switch due while the
	// invariants were checked before it).
	eff := time.Now().Add(4 * time.Second)
	if res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", EffectiveAt: eff}); err != nil || !res.Pending {
		t.Fatalf("apply ahead: %v", err)
	}
	if n := sqlInt(t, st, areaVerts); n != before {
		t.Errorf("village boundaries have %d vertices before the effective time, want %d", n, before)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM grid WHERE code = '320902001002001' AND lower(valid) = $1`, eff); n != 1 {
		t.Errorf("the east grid has %d versions from the effective time, want 1", n)
	}
	assertInvariants(t, st)
	time.Sleep(time.Until(eff) + 20*time.Millisecond)
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 1 {
		t.Fatalf("switch: %d %v", n, err)
	}
	if n := sqlInt(t, st, areaVerts); n != before+2 {
		t.Errorf("village boundaries have %d vertices after the switch, want %d (the cut's vertex in both)", n, before+2)
	}
	// History: the new versions start at the effective time, not at the
	// switch; just before it the villages are as they were.
	if n := sqlInt(t, st, `SELECT count(*) FROM area_history WHERE code IN ('320902001001', '320902001002') AND lower(valid) = $1`, eff); n != 2 {
		t.Errorf("%d village versions start at the effective time, want 2", n)
	}
	if n := sqlInt(t, st, `SELECT sum(ST_NPoints(geom)) FROM area_history WHERE code IN ('320902001001', '320902001002')
		AND valid @> $1::timestamptz`, eff.Add(-time.Millisecond)); n != before {
		t.Errorf("village boundaries as of just before the effective time have %d vertices, want %d", n, before)
	}
	if n := sqlInt(t, st, `SELECT count(*) FROM adj_pending_area`); n != 0 {
		// kept with the done switch: harmless, but say so if it changes
		t.Logf("%d area vertex rows kept with the done switch", n)
	}
	assertInvariants(t, st)
	assertEdgesMatched(t, st, 120.03, 33.0151, false)
}

// TestPendingAreaVerticesBothLand: two proposals applied ahead of time,
// switched together, each add a vertex to the same areas (the west
// village and the town, county and city boxes). Both vertices land, and
// the areas' history has a version from each effective time.
func TestPendingAreaVerticesBothLand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	const nodes = `SELECT count(*) FROM area a, (VALUES (120.0, 33.005), (120.0, 33.025)) p(x, y)
		WHERE a.code = $1 AND ST_Intersects(ST_Points(a.geom), ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))`
	a := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(1)}, Geometry: opstest.Line(119.99, 33.005, 120.011, 33.005)})
	b := adjusttest.Approved(t, st, ops.Op{Type: ops.Split, Grids: []geo.Code{fxGrid(7)}, Geometry: opstest.Line(119.99, 33.025, 120.011, 33.025)})
	effA := time.Now().Add(1500 * time.Millisecond).Truncate(time.Microsecond)
	effB := effA.Add(200 * time.Millisecond)
	for _, x := range []struct {
		id  int64
		eff time.Time
	}{{a, effA}, {b, effB}} {
		if res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: x.id, Actor: "a", EffectiveAt: x.eff}); err != nil || !res.Pending {
			t.Fatalf("apply %d ahead: %v", x.id, err)
		}
	}
	time.Sleep(time.Until(effB) + 20*time.Millisecond)
	if n, _, err := adjust.SwitchDue(ctx, st); err != nil || n != 2 {
		t.Fatalf("switch: %d %v, want both at once", n, err)
	}
	for _, code := range []string{string(fxVillage), "320902001000", "320902000000", "320900000000"} {
		if n := sqlInt(t, st, nodes, code); n != 2 {
			t.Errorf("%s has %d of the two cuts' vertices, want 2", code, n)
		}
		if n := sqlInt(t, st, `SELECT count(*) FROM area_history WHERE code = $1 AND lower(valid) IN ($2, $3)`, code, effA, effB); n != 2 {
			t.Errorf("%s has %d versions from the two effective times, want 2", code, n)
		}
	}
	assertInvariants(t, st)
}
