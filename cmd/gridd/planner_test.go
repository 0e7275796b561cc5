package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestPlannerInBrowser splits grids through the planner page in chromium:
// click the grid, draw a line across it, preview (the grid retires, new
// grids appear, households move), submit; the proposal is then stored as
// submitted with that split. One cut stays inside the grid's village; the
// other ends on an edge shared with a grid of another village, which the
// preview shows taking the cut's vertex (edge matched, same shape).
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
}

func plannerSplit(t *testing.T, query string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The development zone at full scale: small, with communities of several grids.
	st := storetest.NewDemo(t, store.DemoOptions{Scale: 1, Seed: 1, County: geo.MustParseCode("320971")})
	_, token, err := st.CreateToken(ctx, store.NewToken{Name: "planner", Role: "planner", Area: "320971000000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	var code, neighbour string
	var lon, lat, x0, y0, x1, y1 float64
	if err := st.Pool().QueryRow(ctx, query).Scan(&code, &neighbour, &lon, &lat, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	t.Logf("split %s (neighbour %q) by (%.6f %.6f)-(%.6f %.6f)", code, neighbour, x0, y0, x1, y1)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	shot := filepath.Join(t.TempDir(), "planner.png")
	cctx, ccancel := context.WithTimeout(ctx, 3*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "node", "test/planner.mjs", srv.URL+"/planner", token,
		f(lon), f(lat), f(x0), f(y0), f(x1), f(y1), shot)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure      string     `json:"failure"`
		Grid         string     `json:"grid"`
		PreviewGrids [][]string `json:"previewGrids"`
		Moves        int        `json:"moves"`
		Findings     []string   `json:"findings"`
		Info         string     `json:"info"`
		Status       string     `json:"status"`
		Errors       []string   `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		if !strings.Contains(msg, "404") {
			t.Errorf("page error: %s", msg)
		}
	}
	if res.Grid != code {
		t.Fatalf("clicked grid %q, want %q", res.Grid, code)
	}
	for _, f := range res.Findings {
		if strings.HasPrefix(f, "error") || strings.Contains(f, "edge-mismatch") {
			t.Errorf("preview finding: %s", f)
		}
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
	if res.Moves == 0 {
		t.Errorf("no household moves in the preview of splitting a grid with households")
	}
	if res.Status != "submitted" {
		t.Fatalf("status after submit %q", res.Status)
	}
	var status, op string
	if err := st.Pool().QueryRow(ctx, `SELECT status, ops::text FROM proposal ORDER BY id DESC LIMIT 1`).Scan(&status, &op); err != nil {
		t.Fatal(err)
	}
	if status != "submitted" || !strings.Contains(op, code) || !strings.Contains(op, "split") {
		t.Fatalf("stored proposal: %s %s", status, op)
	}
}
