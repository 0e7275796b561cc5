package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
	"gridmap/web/i18n"
)

// TestPlannerInBrowser drives the planner page in chromium the way a
// planner would, and checks what the page shows and what it stored
// against PostGIS.
//
// Splits: click the grid, draw a line across it, preview (the grid
// retires, new grids appear, households move), submit; the proposal is
// then stored as submitted with that split. One cut stays inside the
// grid's village; the other ends on an edge shared with a grid of another
// village, which the preview shows taking the cut's vertex (edge matched,
// same shape).
//
// Merge: two adjacent grids of one village merged, a rename drafted and
// removed again, and a sub-grid (picked from the sub-grid layer) renamed,
// all in one proposal. Retire: a grid retired into its neighbour. Reshape:
// a merge across villages refused (the page shows why), then the shared
// edge of two grids bent. They are submitted, approved and applied
// through the API, and the grids after are checked against the grids
// before in PostGIS (areas, households, which grid covers a point).
// Create: a grid of the test's copy of the demo is taken away (with its
// records) to leave a gap, and drawn again vertex by vertex as a new grid.
func TestPlannerInBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	// Both queries answer: code, neighbour ('' for none), the click point
	// (inside the grid), and the cutting line's two ends.
	cases := []struct {
		name  string
		query string
	}{
		{
			// The largest comprehensive grid well inside its village; cut
			// it north to south through its inner point, from just outside
			// its box to just outside.
			name: "inside the village",
			query: `
		SELECT code, '', ST_X(p), ST_Y(p), ST_X(p), ST_YMin(geom) - 0.0003, ST_X(p), ST_YMax(geom) + 0.0003
		FROM (SELECT g.code, g.geom, ST_PointOnSurface(g.geom) p, v.geom AS vg
		      FROM grid_current g JOIN area v ON v.code = g.village
		      WHERE g.kind <> 'exclusive' AND length(g.code) = 15) g
		WHERE NOT ST_Intersects(ST_Boundary(vg), ST_SetSRID(ST_MakeLine(
			ST_MakePoint(ST_X(p), ST_YMin(geom) - 0.0003), ST_MakePoint(ST_X(p), ST_YMax(geom) + 0.0003)), 4326))
		ORDER BY ST_Area(geom) DESC LIMIT 1`,
		},
		{
			// The comprehensive grid with the longest straight segment of
			// edge shared with a grid of another village; cut from 20% of
			// the way into the neighbour, through the segment's middle,
			// across the grid and out of its box.
			name: "across a village boundary",
			query: `
		WITH pairs AS (
			SELECT a.code AS ac, b.code AS bc, a.geom AS ag, b.geom AS bg
			FROM grid_current a JOIN grid_current b ON a.village <> b.village AND a.geom && b.geom
			  AND ST_Relate(a.geom, b.geom, 'F***1****')
			WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.kind <> 'exclusive'
			  AND NOT EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid = a.code)),
		segs AS (
			SELECT ac, bc, ag, (ST_DumpSegments(ST_LineMerge(ST_CollectionExtract(
				ST_Intersection(ST_Boundary(ag), ST_Boundary(bg)), 2)))).geom AS s
			FROM pairs),
		best AS (SELECT ac, bc, ag, ST_LineInterpolatePoint(s, 0.5) AS m FROM segs ORDER BY ST_Length(s) DESC, ac LIMIT 1),
		dir AS (
			SELECT ac, bc, m, ST_PointOnSurface(ag) AS p,
			       ST_X(ST_PointOnSurface(ag)) - ST_X(m) AS dx, ST_Y(ST_PointOnSurface(ag)) - ST_Y(m) AS dy,
			       sqrt(pow(ST_XMax(ag) - ST_XMin(ag), 2) + pow(ST_YMax(ag) - ST_YMin(ag), 2)) AS diag
			FROM best)
		SELECT ac, bc, ST_X(p), ST_Y(p), ST_X(m) - 0.2 * dx, ST_Y(m) - 0.2 * dy,
		       ST_X(m) + dx / sqrt(dx * dx + dy * dy) * diag, ST_Y(m) + dy / sqrt(dx * dx + dy * dy) * diag
		FROM dir`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plannerSplit(t, tc.query)
		})
	}
	t.Run("merge and rename a sub-grid in one proposal", func(t *testing.T) {
		t.Parallel()
		plannerMerge(t)
	})
	t.Run("retire into a neighbour", func(t *testing.T) {
		t.Parallel()
		plannerRetire(t)
	})
	t.Run("refused merge, then reshape a shared edge", func(t *testing.T) {
		t.Parallel()
		plannerReshape(t)
	})
	t.Run("create a grid in a gap", func(t *testing.T) {
		t.Parallel()
		plannerCreate(t)
	})
	t.Run("suggest a division of a village", func(t *testing.T) {
		t.Parallel()
		plannerSuggest(t)
	})
}

// plannerEnv is a server on its own copy of the demo city, with a planner
// token (the page's) and an approver token (to approve and apply what the
// page submitted).
type plannerEnv struct {
	ctx               context.Context
	st                *store.Store
	url               string
	planner, approver string
	// allow lists console messages the test expects (a refused request).
	allow []string
	// lang is the browser's language (English, the words most cases read,
	// unless set).
	lang i18n.Lang
	// hash, when set, is the view the page is opened at (#zoom/lat/lon).
	hash string
}

// newPlannerEnv starts the server after prepare (if any) changed the
// test's own copy of the demo, so the server's snapshot has the change.
func newPlannerEnv(t *testing.T, prepare ...func(*plannerEnv)) *plannerEnv {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// The development zone at full scale: small, with communities of
	// several grids and exclusive grids with sub-grids.
	st := storetest.NewDemo(t, demo.Options{Scale: 1, Seed: 1, County: geo.MustParseCode("320971")})
	pe := &plannerEnv{ctx: ctx, st: st, lang: i18n.English}
	for _, p := range prepare {
		p(pe)
	}
	for _, tk := range []struct {
		role string
		to   *string
	}{{"planner", &pe.planner}, {"approver", &pe.approver}} {
		_, secret, err := st.CreateToken(ctx, store.NewToken{Name: tk.role, Role: tk.role, Area: "320971000000"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		*tk.to = secret
	}
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	pe.url = srv.URL
	return pe
}

// plannerResult is what web/test/planner.mjs saw on the page.
type plannerResult struct {
	Failure      string            `json:"failure"`
	Reads        map[string]string `json:"reads"`
	Ops          []string          `json:"ops"`
	PreviewGrids [][]string        `json:"previewGrids"`
	Moves        [][]string        `json:"moves"`
	Totals       map[string]string `json:"totals"`
	Findings     []string          `json:"findings"`
	Located      []json.RawMessage `json:"located"`
	Info         string            `json:"info"`
	Status       string            `json:"status"`
	Keys         []string          `json:"keys"`
	// Suggestion is what the page says of a suggested division.
	Suggestion map[string]string `json:"suggestion"`
	// Opened and Left are the map's view when the page settled and at the end.
	Opened mapView  `json:"opened"`
	Left   mapView  `json:"left"`
	Errors []string `json:"errors"`
}

// row returns the preview row of a grid (nil when it is not there).
func (r plannerResult) row(code string) []string {
	for _, row := range r.PreviewGrids {
		if row[0] == code {
			return row
		}
	}
	return nil
}

// browse runs the page through the steps (see web/test/planner.mjs) and
// fails the test on a failed run, a page error, or error findings.
func (pe *plannerEnv) browse(t *testing.T, steps ...map[string]any) plannerResult {
	t.Helper()
	dir := t.TempDir()
	// GRIDMAP_PLANNER_SHOTS names a directory to keep the screenshots in.
	shot := filepath.Join(dir, "planner.png")
	if keep := os.Getenv("GRIDMAP_PLANNER_SHOTS"); keep != "" {
		shot = filepath.Join(keep, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".png")
	}
	plan, err := json.Marshal(map[string]any{"url": pe.url + "/planner", "token": pe.planner, "shot": shot, "locale": pe.lang, "hash": pe.hash, "steps": steps})
	if err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(planFile, plan, 0o644); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(pe.ctx, 3*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "node", "test/planner.mjs", planFile)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res plannerResult
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		expected := strings.Contains(msg, "404")
		for _, a := range pe.allow {
			expected = expected || strings.Contains(msg, a)
		}
		if !expected {
			t.Errorf("page error: %s", msg)
		}
	}
	if len(res.Keys) > 0 {
		t.Errorf("the page shows catalog keys instead of texts: %q", res.Keys)
	}
	// The words of the page's language (in English: "error", "edge-mismatch", "show").
	errorWord, mismatchWord, showWord := pe.lang.T("severity.error"), pe.lang.T("check.edge-mismatch"), pe.lang.T("planner.show")
	shown := 0
	for _, f := range res.Findings {
		if strings.HasPrefix(f, errorWord) || strings.Contains(f, mismatchWord) {
			t.Errorf("preview finding: %s", f)
		}
		if strings.HasSuffix(f, " "+showWord) {
			shown++
		}
	}
	// Every finding with a location is drawn on the map (and has a
	// button that shows it).
	if shown != len(res.Located) {
		t.Errorf("%d findings with a show button, %d drawn on the map: %q", shown, len(res.Located), res.Findings)
	}
	return res
}

// storedOp is the part of a stored operation the page fills in.
type storedOp struct {
	Type  string   `json:"type"`
	Grids []string `json:"grids"`
	To    []string `json:"to,omitempty"`
	Name  string   `json:"name,omitempty"`
	Kind  string   `json:"kind,omitempty"`
	// Geometry is the drawn line of a split or reshape, or the polygon of
	// a create.
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry,omitempty"`
}

// submitted checks that the page reports the proposal submitted and
// that the newest stored proposal is, and returns its id and operations.
func (pe *plannerEnv) submitted(t *testing.T, res plannerResult) (int64, []storedOp) {
	t.Helper()
	if res.Status != "submitted" {
		t.Fatalf("status after submit %q (info %q)", res.Status, res.Info)
	}
	var id int64
	var status string
	var raw []byte
	if err := pe.st.Pool().QueryRow(pe.ctx, `SELECT id, status, ops FROM proposal ORDER BY id DESC LIMIT 1`).Scan(&id, &status, &raw); err != nil {
		t.Fatal(err)
	}
	var ops []storedOp
	if err := json.Unmarshal(raw, &ops); err != nil {
		t.Fatalf("stored ops %s: %v", raw, err)
	}
	if status != "submitted" {
		t.Fatalf("stored proposal %d: %s %+v, want submitted", id, status, ops)
	}
	return id, ops
}

// approveApply approves and applies proposal id as the approver, through
// the API, as the approval would after the page's submit.
func (pe *plannerEnv) approveApply(t *testing.T, id int64) {
	t.Helper()
	for _, step := range []string{"approve", "apply"} {
		req, err := http.NewRequestWithContext(pe.ctx, http.MethodPost, fmt.Sprintf("%s/proposals/%d/%s", pe.url, id, step), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+pe.approver)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s proposal %d: %s %s", step, id, resp.Status, body)
		}
	}
}

// households counts the households tied to the grids now.
func (pe *plannerEnv) households(t *testing.T, codes ...string) int {
	t.Helper()
	var n int
	if err := pe.st.Pool().QueryRow(pe.ctx, `SELECT count(*) FROM household WHERE grid_code = ANY($1)`, codes).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// area returns the area on the spheroid (PostGIS geography) of the
// current grids, in m², and how many of them are current.
func (pe *plannerEnv) area(t *testing.T, codes ...string) (float64, int) {
	t.Helper()
	var a float64
	var n int
	if err := pe.st.Pool().QueryRow(pe.ctx, `SELECT coalesce(sum(ST_Area(geom::geography)), 0), count(*)
		FROM grid_current WHERE code = ANY($1)`, codes).Scan(&a, &n); err != nil {
		t.Fatal(err)
	}
	return a, n
}

// previewHouseholds reads "before → after" households off a preview row.
func previewHouseholds(t *testing.T, row []string) (before, after int) {
	t.Helper()
	if len(row) < 5 {
		t.Fatalf("preview row %q has no households", row)
	}
	if _, err := fmt.Sscanf(row[4], "%d → %d", &before, &after); err != nil {
		t.Fatalf("preview row %q: %v", row, err)
	}
	return before, after
}

// conserved checks that the preview's totals keep every household and unit.
func conserved(t *testing.T, res plannerResult) {
	t.Helper()
	tt := res.Totals
	if tt["hhBefore"] == "" || tt["hhBefore"] != tt["hhAfter"] || tt["unitsBefore"] != tt["unitsAfter"] {
		t.Errorf("preview totals %v: households or units not conserved", tt)
	}
}

func sameArea(t *testing.T, what string, got, want float64) {
	t.Helper()
	t.Logf("%s: area %.12g, want %.12g", what, got, want)
	if want <= 0 || math.Abs(got-want) > 1e-9*want {
		t.Errorf("%s: area %.12g, want %.12g (difference %.3g)", what, got, want, got-want)
	}
}

func plannerSplit(t *testing.T, query string) {
	pe := newPlannerEnv(t)
	ctx, st := pe.ctx, pe.st
	var code, neighbour string
	var lon, lat, x0, y0, x1, y1 float64
	if err := st.Pool().QueryRow(ctx, query).Scan(&code, &neighbour, &lon, &lat, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	t.Logf("split %s (neighbour %q) by (%.6f %.6f)-(%.6f %.6f)", code, neighbour, x0, y0, x1, y1)
	res := pe.browse(t,
		map[string]any{"frame": []float64{x0, y0, x1, y1}},
		map[string]any{"click": []float64{lon, lat}},
		map[string]any{"read": "grid", "sel": "#grid"},
		map[string]any{"click": []float64{x0, y0}},
		map[string]any{"click": []float64{x1, y1}},
		map[string]any{"preview": true},
		map[string]any{"submit": true})
	if res.Reads["grid"] != code {
		t.Fatalf("clicked grid %q, want %q", res.Reads["grid"], code)
	}
	states := map[string]int{}
	matched := false
	for _, row := range res.PreviewGrids {
		if row[0] == code && row[1] != "retired" {
			t.Errorf("the split grid is %q in the preview, want retired", row[1])
		}
		if row[0] == neighbour {
			matched = row[1] == "changed" && len(row) > 3 && strings.Contains(row[3], "edge matched")
		}
		states[row[1]]++
	}
	if neighbour != "" && !matched {
		t.Errorf("preview grids %v: want the neighbour %s of the other village changed, edge matched", res.PreviewGrids, neighbour)
	}
	if states["retired"] != 1 || states["new"] < 2 {
		t.Fatalf("preview grids %v (info %q): want 1 retired and at least 2 new", res.PreviewGrids, res.Info)
	}
	if len(res.Moves) == 0 {
		t.Errorf("no household moves in the preview of splitting a grid with households")
	}
	conserved(t, res)
	_, ops := pe.submitted(t, res)
	if len(ops) != 1 || ops[0].Type != "split" || !reflect.DeepEqual(ops[0].Grids, []string{code}) {
		t.Fatalf("stored proposal: %+v", ops)
	}
}

// plannerMerge merges two adjacent grids of one village with households,
// drafts a rename of a third grid and removes it again, and renames a
// sub-grid of another village picked from the sub-grid layer; all in one
// proposal, submitted, then approved and applied.
func plannerMerge(t *testing.T) {
	pe := newPlannerEnv(t)
	ctx, pool := pe.ctx, pe.st.Pool()
	var a, b string
	var ax, ay, bx, by, x0, y0, x1, y1 float64
	if err := pool.QueryRow(ctx, `
		SELECT a.code, b.code, ST_X(pa), ST_Y(pa), ST_X(pb), ST_Y(pb), ST_XMin(u), ST_YMin(u), ST_XMax(u), ST_YMax(u)
		FROM grid_current a JOIN grid_current b ON a.village = b.village AND a.code < b.code AND a.kind = b.kind
		  AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'F***1****'),
		  LATERAL (SELECT ST_PointOnSurface(a.geom) pa, ST_PointOnSurface(b.geom) pb, ST_Envelope(ST_Collect(a.geom, b.geom)) u) x
		WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.kind <> 'exclusive'
		  AND EXISTS (SELECT 1 FROM household h WHERE h.grid_code = a.code)
		  AND EXISTS (SELECT 1 FROM household h WHERE h.grid_code = b.code)
		ORDER BY a.code, b.code LIMIT 1`).Scan(&a, &b, &ax, &ay, &bx, &by, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	var c, sub string
	var cx, cy, sx, sy float64
	if err := pool.QueryRow(ctx, `
		SELECT c.code, ST_X(ST_PointOnSurface(c.geom)), ST_Y(ST_PointOnSurface(c.geom)),
		       s.code, ST_X(ST_PointOnSurface(s.geom)), ST_Y(ST_PointOnSurface(s.geom))
		FROM grid_current c, grid_current s
		WHERE length(c.code) = 15 AND c.kind <> 'exclusive' AND c.village <> $1
		  AND length(s.code) = 17 AND left(s.code, 12) <> $1
		ORDER BY c.code, s.code LIMIT 1`, a[:12]).Scan(&c, &cx, &cy, &sub, &sx, &sy); err != nil {
		t.Fatal(err)
	}
	areaBefore, n := pe.area(t, a, b)
	if n != 2 {
		t.Fatalf("%d of %s, %s current", n, a, b)
	}
	hh := pe.households(t, a, b)
	hhSub := pe.households(t, sub)
	const subName = "planner test sub-grid"
	t.Logf("merge %s and %s (%d households, %.0f m²); rename sub-grid %s; %s drafted and removed", a, b, hh, areaBefore, sub, c)

	res := pe.browse(t,
		map[string]any{"op": "merge"},
		map[string]any{"frame": []float64{x0, y0, x1, y1}},
		map[string]any{"click": []float64{ax, ay}},
		map[string]any{"click": []float64{bx, by}},
		map[string]any{"read": "merge", "sel": "#grid"},
		map[string]any{"add": 1},
		map[string]any{"op": "rename"},
		map[string]any{"zoomTo": []float64{cx, cy, 15}},
		map[string]any{"click": []float64{cx, cy}},
		map[string]any{"fill": []string{"#name", "drafted by mistake"}},
		map[string]any{"add": 2},
		map[string]any{"remove": 1, "left": 1},
		map[string]any{"check": "#subgrids"},
		map[string]any{"zoomTo": []float64{sx, sy, 16}},
		map[string]any{"click": []float64{sx, sy}},
		map[string]any{"read": "sub", "sel": "#grid"},
		map[string]any{"fill": []string{"#name", subName}},
		map[string]any{"add": 2},
		map[string]any{"read": "ops", "sel": "#ops"},
		map[string]any{"preview": true},
		map[string]any{"submit": true})
	if res.Reads["merge"] != a+" "+b || res.Reads["sub"] != sub {
		t.Fatalf("picked %q for the merge and %q for the rename, want %q and %q (info %q)", res.Reads["merge"], res.Reads["sub"], a+" "+b, sub, res.Info)
	}
	if len(res.Ops) != 2 || !strings.HasPrefix(res.Ops[0], "merge "+a+", "+b) || !strings.Contains(res.Ops[1], sub) || strings.Contains(res.Reads["ops"], c) {
		t.Errorf("drafted operations on the page %q", res.Ops)
	}
	// The preview: both grids retire into one new grid holding their
	// households; the sub-grid changes (its name) and keeps its own.
	var merged string
	for _, row := range res.PreviewGrids {
		if row[1] == "new" {
			if merged != "" {
				t.Errorf("a second new grid %v", row)
			}
			merged = row[0]
		}
	}
	for _, code := range []string{a, b} {
		if row := res.row(code); row == nil || row[1] != "retired" {
			t.Errorf("merged grid %s in the preview: %q, want retired", code, row)
		}
	}
	if row := res.row(sub); row == nil || row[1] != "changed" {
		t.Errorf("renamed sub-grid %s in the preview: %q, want changed", sub, row)
	} else if bf, af := previewHouseholds(t, row); bf != hhSub || af != hhSub {
		t.Errorf("renamed sub-grid %s: households %d → %d in the preview, want %d kept", sub, bf, af, hhSub)
	}
	if merged == "" {
		t.Fatalf("no new grid in the preview %v (info %q)", res.PreviewGrids, res.Info)
	}
	if _, af := previewHouseholds(t, res.row(merged)); af != hh {
		t.Errorf("merged grid %s: %d households after in the preview, want %d (PostGIS: households of %s and %s)", merged, af, hh, a, b)
	}
	conserved(t, res)
	id, ops := pe.submitted(t, res)
	want := []storedOp{{Type: "merge", Grids: []string{a, b}}, {Type: "rename", Grids: []string{sub}, Name: subName}}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("stored proposal %d: %+v, want %+v", id, ops, want)
	}

	pe.approveApply(t, id)
	got, n := pe.area(t, merged)
	if n != 1 {
		t.Fatalf("merged grid %s is not current after apply", merged)
	}
	sameArea(t, "merged grid "+merged+" (m²)", got, areaBefore)
	if _, n := pe.area(t, a, b); n != 0 {
		t.Errorf("%d of the merged grids %s, %s still current", n, a, b)
	}
	if n := pe.households(t, merged); n != hh {
		t.Errorf("merged grid %s holds %d households, want %d", merged, n, hh)
	}
	// The findings drawn on the map lie in the grids they are about.
	t.Logf("%d located findings: %q", len(res.Located), res.Findings)
	for _, loc := range res.Located {
		var in bool
		if err := pool.QueryRow(ctx, `SELECT ST_Covers(ST_Union(geom), ST_SetSRID(ST_GeomFromGeoJSON($2), 4326))
			FROM grid_current WHERE code = ANY($1)`, []string{merged, sub}, string(loc)).Scan(&in); err != nil || !in {
			t.Errorf("finding drawn at %s: not in the grids %s, %s after apply (%v)", loc, merged, sub, err)
		}
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT name FROM grid_current WHERE code = $1`, sub).Scan(&name); err != nil || name != subName {
		t.Errorf("sub-grid %s after apply: name %q (%v), want %q", sub, name, err, subName)
	}
}

// plannerRetire retires a grid with households into a neighbour of its
// village, submitted, then approved and applied.
func plannerRetire(t *testing.T) {
	pe := newPlannerEnv(t)
	ctx, pool := pe.ctx, pe.st.Pool()
	var g, to string
	var gx, gy, tx, ty, x0, y0, x1, y1 float64
	if err := pool.QueryRow(ctx, `
		SELECT g.code, t.code, ST_X(pg), ST_Y(pg), ST_X(pt), ST_Y(pt), ST_XMin(u), ST_YMin(u), ST_XMax(u), ST_YMax(u)
		FROM grid_current g JOIN grid_current t ON g.village = t.village AND g.code <> t.code
		  AND g.geom && t.geom AND ST_Relate(g.geom, t.geom, 'F***1****'),
		  LATERAL (SELECT ST_PointOnSurface(g.geom) pg, ST_PointOnSurface(t.geom) pt, ST_Envelope(ST_Collect(g.geom, t.geom)) u) x
		WHERE length(g.code) = 15 AND length(t.code) = 15 AND g.kind <> 'exclusive' AND t.kind <> 'exclusive'
		  AND EXISTS (SELECT 1 FROM household h WHERE h.grid_code = g.code)
		ORDER BY g.code DESC, t.code LIMIT 1`).Scan(&g, &to, &gx, &gy, &tx, &ty, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	areaBefore, n := pe.area(t, g, to)
	if n != 2 {
		t.Fatalf("%d of %s, %s current", n, g, to)
	}
	hhG, hhT := pe.households(t, g), pe.households(t, to)
	t.Logf("retire %s (%d households) into %s (%d households)", g, hhG, to, hhT)

	res := pe.browse(t,
		map[string]any{"op": "retire"},
		map[string]any{"frame": []float64{x0, y0, x1, y1}},
		map[string]any{"click": []float64{gx, gy}},
		map[string]any{"click": []float64{tx, ty}},
		map[string]any{"read": "picked", "sel": "#grid"},
		map[string]any{"preview": true},
		map[string]any{"submit": true})
	if res.Reads["picked"] != g+" "+to {
		t.Fatalf("picked %q, want %q (info %q)", res.Reads["picked"], g+" "+to, res.Info)
	}
	if row := res.row(g); row == nil || row[1] != "retired" {
		t.Errorf("retired grid %s in the preview: %q", g, row)
	}
	row := res.row(to)
	if row == nil || row[1] != "changed" {
		t.Fatalf("taker %s in the preview: %q (grids %v, info %q)", to, row, res.PreviewGrids, res.Info)
	}
	if bf, af := previewHouseholds(t, row); bf != hhT || af != hhT+hhG {
		t.Errorf("taker %s: households %d → %d in the preview, want %d → %d", to, bf, af, hhT, hhT+hhG)
	}
	wantMove := []string{g + " → " + to, fmt.Sprintf("%d households", hhG)}
	found := false
	for _, m := range res.Moves {
		found = found || (len(m) == 2 && m[0] == wantMove[0] && strings.HasPrefix(m[1], wantMove[1]))
	}
	if !found {
		t.Errorf("moves %q: want %q", res.Moves, wantMove)
	}
	conserved(t, res)
	id, ops := pe.submitted(t, res)
	want := []storedOp{{Type: "retire", Grids: []string{g}, To: []string{to}}}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("stored proposal %d: %+v, want %+v", id, ops, want)
	}

	pe.approveApply(t, id)
	got, n := pe.area(t, to)
	if n != 1 {
		t.Fatalf("taker %s is not current after apply", to)
	}
	sameArea(t, "taker "+to+" (m²)", got, areaBefore)
	if _, n := pe.area(t, g); n != 0 {
		t.Errorf("retired grid %s still current", g)
	}
	if n := pe.households(t, to); n != hhT+hhG {
		t.Errorf("taker %s holds %d households, want %d", to, n, hhT+hhG)
	}
}

// plannerReshape first drafts a merge of grids of two villages, which the
// preview refuses (the page shows the problem), starts a new proposal, and
// bends the longest straight shared edge of two grids of one village: the
// new edge runs from beyond one end of the old one, through a point off
// its middle, to beyond the other end, so the triangle between the old
// edge and the new one changes grid. Submitted, approved and applied.
func plannerReshape(t *testing.T) {
	pe := newPlannerEnv(t)
	ctx, pool := pe.ctx, pe.st.Pool()
	var a, b string
	var ax, ay, bx, by, e0x, e0y, mx, my, e1x, e1y, x0, y0, x1, y1 float64
	if err := pool.QueryRow(ctx, `
		WITH pairs AS (
			SELECT a.code AS ac, b.code AS bc, a.geom AS ag, b.geom AS bg
			FROM grid_current a JOIN grid_current b ON a.village = b.village AND a.code < b.code
			  AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'F***1****')
			WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.kind <> 'exclusive' AND b.kind <> 'exclusive'
			  AND NOT EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid IN (a.code, b.code))),
		edges AS (
			SELECT ac, bc, ag, bg, ST_Union(ag, bg) AS u,
			       ST_LineMerge(ST_CollectionExtract(ST_Intersection(ST_Boundary(ag), ST_Boundary(bg)), 2)) AS e
			FROM pairs),
		line AS (
			SELECT ac, bc, ag, bg, u, e, ST_StartPoint(e) AS s, ST_EndPoint(e) AS f FROM edges
			WHERE ST_GeometryType(e) = 'ST_LineString' AND ST_NPoints(e) = 2),
		bent AS (
			SELECT ac, bc, ag, bg, u, e,
			       ST_SetSRID(ST_MakePoint(ST_X(s) - 0.05 * (ST_X(f) - ST_X(s)), ST_Y(s) - 0.05 * (ST_Y(f) - ST_Y(s))), 4326) AS e0,
			       ST_SetSRID(ST_MakePoint((ST_X(s) + ST_X(f)) / 2 - 0.2 * (ST_Y(f) - ST_Y(s)),
			                               (ST_Y(s) + ST_Y(f)) / 2 + 0.2 * (ST_X(f) - ST_X(s))), 4326) AS m,
			       ST_SetSRID(ST_MakePoint(ST_X(f) + 0.05 * (ST_X(f) - ST_X(s)), ST_Y(f) + 0.05 * (ST_Y(f) - ST_Y(s))), 4326) AS e1,
			       s, f
			FROM line)
		SELECT ac, bc, ST_X(ST_PointOnSurface(ag)), ST_Y(ST_PointOnSurface(ag)), ST_X(ST_PointOnSurface(bg)), ST_Y(ST_PointOnSurface(bg)),
		       ST_X(e0), ST_Y(e0), ST_X(m), ST_Y(m), ST_X(e1), ST_Y(e1), ST_XMin(u), ST_YMin(u), ST_XMax(u), ST_YMax(u)
		FROM bent
		WHERE NOT ST_Covers(u, e0) AND NOT ST_Covers(u, e1)
		  AND ST_Covers(u, ST_MakePolygon(ST_MakeLine(ARRAY[s, m, f, s])))
		  AND ST_Length(ST_Intersection(ST_MakeLine(ARRAY[e0, m, e1]), u)) < 1.2 * ST_Length(e)
		ORDER BY ST_Length(e) DESC, ac LIMIT 1`).Scan(&a, &b, &ax, &ay, &bx, &by, &e0x, &e0y, &mx, &my, &e1x, &e1y, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	var other string
	var ox, oy float64
	if err := pool.QueryRow(ctx, `SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid_current
		WHERE length(code) = 15 AND village <> $1 ORDER BY code LIMIT 1`, a[:12]).Scan(&other, &ox, &oy); err != nil {
		t.Fatal(err)
	}
	planar := func(codes ...string) float64 {
		var v float64
		if err := pool.QueryRow(ctx, `SELECT sum(ST_Area(geom)) FROM grid_current WHERE code = ANY($1)`, codes).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The new edge adds vertices on the pair's outer boundary: the same
	// plane area, but geodesic edges between them enclose a slightly
	// different area on the spheroid. So the pair's area is compared in
	// the plane (lon/lat), the moved piece on the spheroid.
	areaBefore := planar(a, b)
	areaA, _ := pe.area(t, a)
	t.Logf("reshape %s | %s by (%.6f %.6f) (%.6f %.6f) (%.6f %.6f); refused merge with %s", a, b, e0x, e0y, mx, my, e1x, e1y, other)

	// The browser logs the refused submit.
	pe.allow = []string{"status of 422"}
	res := pe.browse(t,
		map[string]any{"op": "merge"},
		map[string]any{"zoomTo": []float64{ax, ay, 15}},
		map[string]any{"click": []float64{ax, ay}},
		map[string]any{"zoomTo": []float64{ox, oy, 15}},
		map[string]any{"click": []float64{ox, oy}},
		map[string]any{"read": "warning", "sel": "#info"},
		map[string]any{"preview": true},
		map[string]any{"read": "preview", "sel": "#info"},
		map[string]any{"press": "#submit"},
		map[string]any{"waitFor": `#info p.error:has-text("Refused (")`},
		map[string]any{"read": "refusal", "sel": "#info"},
		map[string]any{"press": "#reset"},
		map[string]any{"op": "reshape"},
		map[string]any{"frame": []float64{x0, y0, x1, y1}},
		map[string]any{"click": []float64{ax, ay}},
		map[string]any{"click": []float64{bx, by}},
		map[string]any{"click": []float64{e0x, e0y}},
		map[string]any{"click": []float64{mx, my}},
		map[string]any{"click": []float64{e1x, e1y}},
		map[string]any{"read": "picked", "sel": "#grid"},
		map[string]any{"read": "npts", "sel": "#npts"},
		map[string]any{"preview": true},
		map[string]any{"submit": true})
	if !strings.Contains(res.Reads["warning"], "different villages") {
		t.Errorf("picking grids of two villages for a merge: the page said %q, want a warning", res.Reads["warning"])
	}
	if r := res.Reads["preview"]; !strings.Contains(r, "cannot be carried out") || !strings.Contains(r, "different villages") {
		t.Errorf("preview of a merge across villages: the page showed %q, want the error finding saying why", r)
	}
	if r := res.Reads["refusal"]; !strings.Contains(r, "Refused (422)") || !strings.Contains(r, "different villages") {
		t.Errorf("submit of a merge across villages: the page showed %q, want the 422 refusal with its findings", r)
	}
	if res.Reads["picked"] != a+" "+b || res.Reads["npts"] != "3" {
		t.Fatalf("picked %q with %s line points, want %q with 3 (info %q)", res.Reads["picked"], res.Reads["npts"], a+" "+b, res.Info)
	}
	for _, c := range []string{a, b} {
		if row := res.row(c); row == nil || row[1] != "changed" {
			t.Errorf("reshaped grid %s in the preview: %q, want changed", c, row)
		}
	}
	conserved(t, res)
	id, ops := pe.submitted(t, res)
	var c [][]float64
	if len(ops) != 1 || ops[0].Type != "reshape" || !reflect.DeepEqual(ops[0].Grids, []string{a, b}) ||
		ops[0].Geometry == nil || ops[0].Geometry.Type != "LineString" || json.Unmarshal(ops[0].Geometry.Coordinates, &c) != nil || len(c) != 3 {
		t.Fatalf("stored proposal %d: %+v, want one reshape of %s, %s by a line of 3 points", id, ops, a, b)
	}
	// The line as clicked (MapLibre turned the clicks back into lon/lat)
	// and the old edge's line bound a triangle; the part of the pair's
	// grid on the bent side inside it goes to the other grid.
	tri := `ST_MakePolygon(ST_MakeLine(ARRAY[ST_SetSRID(ST_MakePoint($1, $2), 4326), ST_SetSRID(ST_MakePoint($3, $4), 4326),
		ST_SetSRID(ST_MakePoint($5, $6), 4326), ST_SetSRID(ST_MakePoint($1, $2), 4326)]))`
	args := []any{c[0][0], c[0][1], c[1][0], c[1][1], c[2][0], c[2][1]}
	// holder is the grid of the pair holding the triangle's centroid.
	holderSQL := `SELECT code FROM grid_current WHERE length(code) = 15 AND ST_Covers(geom, ST_Centroid(` + tri + `)) ORDER BY code LIMIT 1`
	var holder string
	if err := pool.QueryRow(ctx, holderSQL, args...).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if holder != a && holder != b {
		t.Fatalf("the bent triangle's centroid is in %s, not in %s or %s", holder, a, b)
	}
	var moved float64
	if err := pool.QueryRow(ctx, `SELECT ST_Area(ST_Intersection(geom, `+tri+`)::geography) FROM grid_current WHERE code = $7`,
		append(args, holder)...).Scan(&moved); err != nil {
		t.Fatal(err)
	}
	taker := a
	if holder == a {
		taker = b
	}
	pe.approveApply(t, id)
	if _, n := pe.area(t, a, b); n != 2 {
		t.Fatalf("%d of the reshaped grids %s, %s current", n, a, b)
	}
	sameArea(t, "the pair "+a+", "+b+" (plane, degrees²)", planar(a, b), areaBefore)
	gotA, _ := pe.area(t, a)
	if d := math.Abs(gotA - areaA); math.Abs(d-moved) > 0.001*moved {
		t.Errorf("grid %s changed by %.1f m², want the %.1f m² of %s inside the bent triangle", a, d, moved, holder)
	}
	var now string
	if err := pool.QueryRow(ctx, holderSQL, args...).Scan(&now); err != nil || now != taker {
		t.Errorf("the bent triangle's centroid was in %s, now in %q (%v); want it in %s", holder, now, err, taker)
	}
}

// plannerCreate leaves a gap in a village of the test's own copy of the
// demo (the grid with the fewest vertices, its records deleted and its
// version closed, before the server starts) and draws a new grid on it,
// clicking the old grid's vertices at zoom 18 (half a metre a pixel; the
// service snaps vertices within 0.5 m to the boundaries around).
func plannerCreate(t *testing.T) {
	var gone, village, kind string
	var ring [][2]float64
	var areaGone float64
	pe := newPlannerEnv(t, func(pe *plannerEnv) {
		ctx, pool := pe.ctx, pe.st.Pool()
		var ringJSON string
		if err := pool.QueryRow(ctx, `
			SELECT code, village, kind, ST_AsGeoJSON(ST_ExteriorRing(ST_GeometryN(geom, 1))), ST_Area(geom::geography)
			FROM grid_current g WHERE length(code) = 15 AND kind <> 'exclusive' AND ST_NumGeometries(geom) = 1
			  AND ST_NumInteriorRings(ST_GeometryN(geom, 1)) = 0
			ORDER BY ST_NPoints(geom), code LIMIT 1`).Scan(&gone, &village, &kind, &ringJSON, &areaGone); err != nil {
			t.Fatal(err)
		}
		var line struct{ Coordinates [][2]float64 }
		if err := json.Unmarshal([]byte(ringJSON), &line); err != nil {
			t.Fatal(err)
		}
		ring = line.Coordinates[:len(line.Coordinates)-1]
		for _, q := range []string{
			`DELETE FROM assignment a USING household h WHERE a.record_type = 'household' AND a.record_id = h.id AND h.grid_code = $1`,
			`DELETE FROM assignment a USING unit u WHERE a.record_type = 'unit' AND a.record_id = u.id AND u.grid_code = $1`,
			`DELETE FROM household WHERE grid_code = $1`,
			`DELETE FROM unit WHERE grid_code = $1`,
			`UPDATE grid SET valid = tstzrange(lower(valid), now()) WHERE code = $1 AND upper_inf(valid)`,
		} {
			if _, err := pool.Exec(ctx, q, gone); err != nil {
				t.Fatalf("leave a gap where %s was: %v", gone, err)
			}
		}
	})
	ctx, pool := pe.ctx, pe.st.Pool()
	const name = "planner test grid"
	t.Logf("draw a %s grid in village %s where %s was (%d vertices, %.0f m²)", kind, village, gone, len(ring), areaGone)
	steps := []map[string]any{{"op": "create"}, {"fill": []string{"#name", name}}, {"select": []string{"#kind", kind}}}
	for _, v := range ring {
		steps = append(steps, map[string]any{"zoomTo": []float64{v[0], v[1], 18}}, map[string]any{"click": []float64{v[0], v[1]}})
	}
	steps = append(steps, map[string]any{"read": "grid", "sel": "#grid"}, map[string]any{"read": "npts", "sel": "#npts"},
		map[string]any{"preview": true}, map[string]any{"submit": true})
	res := pe.browse(t, steps...)
	if res.Reads["grid"] != "village "+village || res.Reads["npts"] != strconv.Itoa(len(ring)) {
		t.Fatalf("page shows %q with %s vertices, want village %s with %d (info %q)", res.Reads["grid"], res.Reads["npts"], village, len(ring), res.Info)
	}
	var created string
	for _, row := range res.PreviewGrids {
		if row[1] == "new" {
			created = row[0]
		} else if len(row) < 4 || !strings.Contains(row[3], "edge matched") {
			t.Errorf("preview: %q changed by drawing a grid in a gap", row)
		}
	}
	if created == "" || created[:12] != village {
		t.Fatalf("no new grid of village %s in the preview %v (info %q)", village, res.PreviewGrids, res.Info)
	}
	id, ops := pe.submitted(t, res)
	if len(ops) != 1 || ops[0].Type != "create" || ops[0].Name != name || ops[0].Kind != kind {
		t.Fatalf("stored proposal %d: %+v, want one create of a %s grid %q", id, ops, kind, name)
	}
	pe.approveApply(t, id)
	// The new grid fills the gap: the clicks were at the old vertices,
	// within a quarter metre, and the service snaps them onto the
	// boundaries around; allow a 5 cm band along the outline.
	var gotKind, gotName, gotVillage string
	var area, diff, perimeter float64
	if err := pool.QueryRow(ctx, `
		SELECT n.kind, n.name, n.village, ST_Area(n.geom::geography), ST_Area(ST_SymDifference(n.geom, o.geom)::geography),
		       ST_Perimeter(o.geom::geography)
		FROM grid_current n, grid o WHERE n.code = $1 AND o.code = $2`, created, gone).Scan(
		&gotKind, &gotName, &gotVillage, &area, &diff, &perimeter); err != nil {
		t.Fatalf("created grid %s after apply: %v", created, err)
	}
	t.Logf("created %s: %.1f m² (the gap: %.1f m²), differs by %.3f m² along a %.0f m outline", created, area, areaGone, diff, perimeter)
	if gotKind != kind || gotName != name || gotVillage != village {
		t.Errorf("created grid %s: %s %q in %s, want %s %q in %s", created, gotKind, gotName, gotVillage, kind, name, village)
	}
	if diff > 0.05*perimeter {
		t.Errorf("created grid %s differs from the gap by %.1f m² (outline %.0f m)", created, diff, perimeter)
	}
}

// plannerSuggest picks a grid of the urban village whose grids are the
// most uneven, presses Suggest, and checks that the page shows the draft's
// preview and the suggestion's figures, and that the draft is stored: one
// redraw of the village's comprehensive grids, Art. 8 reason 2.
func plannerSuggest(t *testing.T) {
	pe := newPlannerEnv(t)
	var village, code string
	var x, y float64
	if err := pe.st.Pool().QueryRow(pe.ctx, `
		WITH v AS (
			SELECT g.village FROM grid_current g JOIN record_count r ON r.grid_code = g.code
			WHERE g.kind = 'urban' AND length(g.code) = 15
			GROUP BY g.village HAVING count(*) >= 3
			ORDER BY max(r.households) - min(r.households) DESC, g.village LIMIT 1)
		SELECT g.village, g.code, ST_X(p), ST_Y(p)
		FROM grid_current g JOIN v USING (village), LATERAL ST_PointOnSurface(g.geom) p
		WHERE g.kind = 'urban' AND length(g.code) = 15 ORDER BY g.code LIMIT 1`).Scan(&village, &code, &x, &y); err != nil {
		t.Fatal(err)
	}
	res := pe.browse(t,
		map[string]any{"zoomTo": []float64{x, y, 15}},
		map[string]any{"click": []float64{x, y}},
		map[string]any{"read": "picked", "sel": "#grid"},
		map[string]any{"suggest": true})
	if res.Reads["picked"] != code {
		t.Fatalf("picked %q, want %s of %s", res.Reads["picked"], code, village)
	}
	if res.Suggestion == nil {
		t.Fatalf("no suggestion shown: %s", res.Info)
	}
	n, _ := strconv.Atoi(res.Suggestion["grids"])
	within, _ := strconv.Atoi(res.Suggestion["within"])
	if n < 1 || within != n {
		t.Errorf("suggestion %v: want every grid within the tolerance", res.Suggestion)
	}
	if len(res.PreviewGrids) < n || len(res.Ops) != 1 {
		t.Errorf("preview shows %d grids and %d operations (%q); want at least %d and 1", len(res.PreviewGrids), len(res.Ops), res.Ops, n)
	}
	var status, opType string
	var reason, parts int
	if err := pe.st.Pool().QueryRow(pe.ctx, `SELECT status, reason, ops->0->>'type', jsonb_array_length(ops->0->'parts')
		FROM proposal ORDER BY id DESC LIMIT 1`).Scan(&status, &reason, &opType, &parts); err != nil {
		t.Fatal(err)
	}
	if status != "draft" || reason != 2 || opType != "redraw" || parts != n {
		t.Errorf("stored proposal: %s, reason %d, %s of %d parts; want a draft, reason 2, a redraw of %d", status, reason, opType, parts, n)
	}
}
