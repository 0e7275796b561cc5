package suggest_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/check"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
	"gridmap/suggest"
	"gridmap/suggest/suggesttest"
)

var (
	planner  = adjust.Actor{ID: "planner", Role: adjust.RolePlanner, Area: suggesttest.County}
	approver = adjust.Actor{ID: "approver", Role: adjust.RoleApprover, Area: suggesttest.County}
)

// TestSuggestHardVillages drafts a suggestion for each hard village,
// previews it (no error finding: the engine's own checks of a planner's
// proposal), applies it, and checks the stored state with gridd check's
// checks: no error. The rules are asserted on the state after the apply,
// read back from PostGIS.
func TestSuggestHardVillages(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	suggesttest.Load(t, st)
	eng := adjust.New(st, ops.Options{})
	svc := suggest.New(st, eng)
	before := households(t, st)
	// gridd check's household range finds the grids to redraw, each with
	// the route that suggests a division of its village.
	rangeOpts := check.Options{HouseholdsLow: check.DefaultHouseholdsLow, HouseholdsHigh: check.DefaultHouseholdsHigh}
	outside := func() map[string]string {
		t.Helper()
		rep, err := check.Run(ctx, st, rangeOpts, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range rep.Findings {
			if f.Check == geo.CheckGridHouseholdRange {
				out[f.Codes[0]] = f.Suggest
			}
		}
		return out
	}
	if got := outside(); got["320902001002002"] != "/villages/320902001002/suggest-division" || len(got) < 4 {
		t.Errorf("before: grids outside 200-400: %v", got)
	}

	cases := []struct {
		village geo.Code
		grids   int    // suggested grids
		within  int    // of which within ±15%
		method  string // balance or villager-groups
		finding string // a finding must say this
	}{
		{village: suggesttest.Huge, grids: 3, within: 2, method: "balance", finding: "alone holds 900 households"},
		{village: suggesttest.River, grids: 4, within: 4, method: "balance"},
		{village: suggesttest.Park, grids: 9, within: 9, method: "balance"},
		{village: suggesttest.Rural, grids: 3, within: 3, method: "villager-groups"},
	}
	for _, c := range cases {
		t.Run(string(c.village), func(t *testing.T) {
			ans, err := svc.Draft(ctx, planner, c.village, suggest.Params{})
			if err != nil {
				t.Fatal(err)
			}
			plan := ans.Suggestion
			method := plan.Method
			if method == suggest.ModeRebalance || method == suggest.ModeFresh {
				method = "balance"
			}
			if method != c.method || len(plan.Grids) != c.grids || plan.WithinTolerance != c.within {
				t.Fatalf("%s: %d grids (%d within tolerance), want %s %d (%d): %+v", plan.Method, len(plan.Grids), plan.WithinTolerance, c.method, c.grids, c.within, plan.Grids)
			}
			if c.finding != "" && !strings.Contains(strings.Join(plan.Findings, "\n"), c.finding) {
				t.Errorf("findings %q lack %q", plan.Findings, c.finding)
			}
			if ans.Proposal.Status != "draft" || ans.Proposal.Reason != int(adjust.ReasonPopulation) ||
				!strings.Contains(ans.Proposal.ReasonText, "Suggested") || len(ans.Proposal.Ops) != 1 || ans.Proposal.Ops[0].Type != ops.Redraw {
				t.Fatalf("proposal %+v", ans.Proposal)
			}
			pre, err := eng.Preview(ctx, planner, ans.Proposal.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range pre.Findings {
				if f.Severity == geo.SeverityError {
					t.Errorf("preview: %s %s", f.Check, f.Message)
				}
			}
			if t.Failed() {
				t.FailNow()
			}
			if _, err := eng.Submit(ctx, planner, ans.Proposal.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Approve(ctx, approver, ans.Proposal.ID, "ok"); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Apply(ctx, approver, ans.Proposal.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			// The grids as stored: households per grid as the plan said,
			// each grid one piece inside the village.
			rows, err := st.Pool().Query(ctx, `SELECT g.code, ST_NumGeometries(g.geom), ST_CoveredBy(g.geom, a.geom),
				(SELECT count(*) FROM household h WHERE h.grid_code = g.code)
				FROM grid_current g JOIN area a ON a.code = g.village
				WHERE g.village = $1 AND length(g.code) = 15 AND g.kind <> 'exclusive' ORDER BY 1`, string(c.village))
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				code   string
				parts  int
				inside bool
				hh     int
			}
			var got []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.code, &r.parts, &r.inside, &r.hh); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			rows.Close()
			if len(got) != c.grids {
				t.Fatalf("%d comprehensive grids stored, want %d", len(got), c.grids)
			}
			planned := map[int]int{}
			for _, g := range plan.Grids {
				planned[g.Households]++
			}
			for _, r := range got {
				if r.parts != 1 || !r.inside {
					t.Errorf("grid %s: %d parts, inside the village %v", r.code, r.parts, r.inside)
				}
				planned[r.hh]--
				if c.method != "villager-groups" && c.finding == "" && math.Abs(float64(r.hh)-300)/300 > 0.15 {
					t.Errorf("grid %s: %d households, outside 300 ±15%%", r.code, r.hh)
				}
			}
			for n, k := range planned {
				if k != 0 {
					t.Errorf("the plan's household counts differ from the stored ones at %d (%+v)", n, got)
				}
			}
		})
	}

	// Every household is still in one grid, its address's.
	if after := households(t, st); after != before {
		t.Errorf("%d households in grids after, %d before", after, before)
	}
	var split int
	if err := st.Pool().QueryRow(ctx, `SELECT count(DISTINCT grid_code) FROM standard_address WHERE compound = '大楼小区' AND building = '1'`).Scan(&split); err != nil {
		t.Fatal(err)
	}
	if split != 1 {
		t.Errorf("the 900-household building is in %d grids, want 1", split)
	}
	// The exclusive grid and its sub-grids keep their shapes, kinds and
	// names (edge matching may give them the vertices where a new edge
	// meets theirs, a new version of the same shape).
	var changed, live int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT (ST_Equals(n.geom, o.geom) AND n.kind = o.kind AND n.name = o.name)), count(*)
		FROM grid_current n JOIN grid o ON o.code = n.code AND lower(o.valid) = '2026-01-01'
		WHERE n.code LIKE $1 || '%'`, string(suggesttest.Exclusive)).Scan(&changed, &live); err != nil {
		t.Fatal(err)
	}
	if changed != 0 || live != 3 {
		t.Errorf("%d of the %d live exclusive grid and sub-grids changed shape, kind or name; want 0 of 3", changed, live)
	}
	// Rural: one grid per villager group.
	var groupsSplit int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM (SELECT villager_group FROM standard_address
		WHERE villager_group <> '' GROUP BY 1 HAVING count(DISTINCT grid_code) > 1) x`).Scan(&groupsSplit); err != nil {
		t.Fatal(err)
	}
	if groupsSplit != 0 {
		t.Errorf("%d villager groups in more than one grid", groupsSplit)
	}
	// Afterwards only the grid of the 900-household building is outside
	// the range.
	if got := outside(); len(got) != 1 {
		t.Errorf("after: grids outside 200-400: %v, want the building's only", got)
	} else {
		for code, link := range got {
			if geo.Code(code).Village() != suggesttest.Huge || link != "/villages/320902001001/suggest-division" {
				t.Errorf("after: %s outside the range (%s), want a grid of %s", code, link, suggesttest.Huge)
			}
		}
	}
	rep, err := check.Run(ctx, st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors() != 0 {
		for _, f := range rep.Findings {
			if f.Severity == geo.SeverityError {
				t.Errorf("gridd check: %s %v %s", f.Check, f.Codes, f.Message)
			}
		}
	}
}

func households(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM household h JOIN standard_address a ON a.id = h.address_id
		WHERE h.grid_code = a.grid_code AND EXISTS (SELECT 1 FROM grid_current g WHERE g.code = h.grid_code)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSuggestStraight cuts the river village straight along a balanced
// power diagram (ModeStraight), applies it and checks with gridd check:
// no error, every grid within the tolerance and one piece, households as
// the plan said, and every border between two suggested grids a straight
// line (PostGIS: each piece of it as long as its ends are apart).
func TestSuggestStraight(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	suggesttest.Load(t, st)
	eng := adjust.New(st, ops.Options{})
	svc := suggest.New(st, eng)
	ans, err := svc.Draft(ctx, planner, suggesttest.River, suggest.Params{Mode: suggest.ModeStraight})
	if err != nil {
		t.Fatal(err)
	}
	plan := ans.Suggestion
	if plan.Method != suggest.ModeFresh || len(plan.Grids) != 4 || plan.WithinTolerance != 4 {
		t.Fatalf("%s: %d grids, %d within: %+v", plan.Method, len(plan.Grids), plan.WithinTolerance, plan.Grids)
	}
	pre, err := eng.Preview(ctx, planner, ans.Proposal.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pre.Findings {
		if f.Severity == geo.SeverityError {
			t.Fatalf("preview: %s %s", f.Check, f.Message)
		}
	}
	if _, err := eng.Submit(ctx, planner, ans.Proposal.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Approve(ctx, approver, ans.Proposal.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Apply(ctx, approver, ans.Proposal.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	planned := map[int]int{}
	for _, g := range plan.Grids {
		planned[g.Households]++
	}
	rows, err := st.Pool().Query(ctx, `SELECT g.code, ST_NumGeometries(g.geom), (SELECT count(*) FROM household h WHERE h.grid_code = g.code)::int
		FROM grid_current g WHERE g.village = $1 AND length(g.code) = 15 AND g.kind <> 'exclusive'`, string(suggesttest.River))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var code string
		var parts, hh int
		if err := rows.Scan(&code, &parts, &hh); err != nil {
			t.Fatal(err)
		}
		n++
		planned[hh]--
		if parts != 1 || math.Abs(float64(hh)-300)/300 > 0.15 {
			t.Errorf("grid %s: %d pieces, %d households", code, parts, hh)
		}
	}
	rows.Close()
	for hh, k := range planned {
		if k != 0 || n != 4 {
			t.Errorf("stored grids (%d) differ from the plan at %d households", n, hh)
		}
	}
	var borders, bent int
	if err := st.Pool().QueryRow(ctx, `
		WITH g AS (SELECT code, geom FROM grid_current WHERE village = $1 AND length(code) = 15 AND kind <> 'exclusive'),
		shared AS (SELECT (ST_Dump(ST_LineMerge(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)))).geom AS l
			FROM g a JOIN g b ON a.code < b.code AND ST_Intersects(a.geom, b.geom))
		SELECT count(*), count(*) FILTER (WHERE ST_Length(l) > 1.0001 * ST_Distance(ST_StartPoint(l), ST_EndPoint(l))) FROM shared`,
		string(suggesttest.River)).Scan(&borders, &bent); err != nil {
		t.Fatal(err)
	}
	if borders < 3 || bent != 0 {
		t.Errorf("%d borders between the suggested grids, %d of them not straight", borders, bent)
	}
	rep, err := check.Run(ctx, st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Severity == geo.SeverityError {
			t.Errorf("gridd check: %s %v %s", f.Check, f.Codes, f.Message)
		}
	}
}
