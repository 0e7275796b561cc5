package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/lookup"
	"gridmap/web/i18n"
)

// TestMapPageLanguagesInBrowser opens the map page in a Chinese browser
// from a link to a place (#zoom/lat/lon), clicks a household's grid and
// searches a county: the view is the link's, the page and the panels speak
// Chinese with the rules' words and show no catalog key. Panning changes
// the link; the English switch brings the page back in English at the same
// place, and English is remembered when the page is opened again.
// Screenshots of both languages are checked to be drawn maps
// (GRIDMAP_PAGE_SHOTS keeps them).
func TestMapPageLanguagesInBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, srv := servedDemo(ctx, t)

	// A point well inside a grid: the household farthest from its grid's edge.
	var lon, lat float64
	var wantKind string
	if err := st.Pool().QueryRow(ctx, `
		SELECT ST_X(h.geom), ST_Y(h.geom), g.kind FROM household h JOIN grid_current g ON g.code = h.grid_code
		ORDER BY ST_Distance(h.geom, ST_Boundary(g.geom)) DESC LIMIT 1`).Scan(&lon, &lat, &wantKind); err != nil {
		t.Fatal(err)
	}
	want, err := lookup.NewPostGIS(st).LookupPoint(ctx, orb.Point{lon, lat})
	if err != nil || want == "" {
		t.Fatalf("PostGIS lookup of (%v, %v): %q, %v", lon, lat, want, err)
	}
	shots := t.TempDir()
	if keep := os.Getenv("GRIDMAP_PAGE_SHOTS"); keep != "" {
		shots = keep
	}
	const zoom = 14
	plan := map[string]any{"url": srv.URL + "/", "zoom": zoom, "lon": lon, "lat": lat, "county": "320902",
		"shotZh": filepath.Join(shots, "map-zh.png"), "shotEn": filepath.Join(shots, "map-en.png")}
	out := runNode(t, ctx, "test/language.mjs", plan)

	type panel struct {
		Title  string            `json:"title"`
		Labels []string          `json:"labels"`
		Fields map[string]string `json:"fields"`
		Text   string            `json:"text"`
	}
	type reading struct {
		Lang, Title, Hint, Placeholder, Pressed string
		Grid, County                            panel
		Keys                                    []string
	}
	var res struct {
		ZH, EN                 reading
		View, Panned, Switched mapView
		Remembered             struct{ Lang, Hint string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}

	// The link's view.
	if v := res.View; math.Abs(v.Zoom-zoom) > 0.01 || math.Abs(v.Lon-lon) > 1e-4 || math.Abs(v.Lat-lat) > 1e-4 {
		t.Errorf("opened at #%d/%f/%f, the map shows z%.2f (%.6f, %.6f)", zoom, lat, lon, v.Zoom, v.Lon, v.Lat)
	}
	// Panning: the link follows the map.
	if p := res.Panned; p.Hash == res.View.Hash || !hashShows(p.Hash, p) || math.Abs(p.Lon-lon) < 1e-4 {
		t.Errorf("after panning the map shows (%.6f, %.6f) and the link is %q (was %q)", p.Lon, p.Lat, p.Hash, res.View.Hash)
	}
	// The switch: English, at the same place, remembered.
	if s := res.Switched; s.Hash != res.Panned.Hash || !strings.Contains(s.Cookie, i18n.CookieName+"=en") {
		t.Errorf("after the switch the link is %q (was %q), cookies %q", s.Hash, res.Panned.Hash, s.Cookie)
	}
	if r := res.Remembered; r.Lang != "en" || r.Hint != i18n.English.T("map.hint") {
		t.Errorf("opened again after switching to English: lang %q, hint %q", r.Lang, r.Hint)
	}

	for _, tc := range []struct {
		lang   i18n.Lang
		r      reading
		labels []string
	}{
		{i18n.Chinese, res.ZH, []string{"经纬度", "网格", "名称", "类型", "村(社区)", "镇(街道)", "县(市、区)", "数据版本"}},
		{i18n.English, res.EN, []string{"Lon, lat", "Grid", "Name", "Kind", "Village", "Town", "County", "Dataset version"}},
	} {
		r, l := tc.r, tc.lang
		if r.Lang != string(l) || r.Hint != l.T("map.hint") || r.Placeholder != l.T("map.search.placeholder") ||
			r.Pressed != l.T("lang."+string(l)[:2]) || !strings.Contains(r.Title, l.T("app.name")) {
			t.Errorf("%s page: lang %q, title %q, hint %q, placeholder %q, switch on %q", l, r.Lang, r.Title, r.Hint, r.Placeholder, r.Pressed)
		}
		if !slices.Equal(r.Grid.Labels, tc.labels) {
			t.Errorf("%s panel of the clicked grid: labels %q, want %q", l, r.Grid.Labels, tc.labels)
		}
		if g := r.Grid.Fields; g["Grid"] != string(want) || g["Kind"] != l.T("kind."+wantKind) || !strings.Contains(g["County"], "亭湖区") {
			t.Errorf("%s panel of the clicked grid: %v; want grid %s, kind %q, county 亭湖区", l, g, want, l.T("kind."+wantKind))
		}
		if c := r.County; c.Fields["code"] != "320902000000" || c.Fields["level"] != l.T("level.county") || !slices.Contains(c.Labels, l.T("prop.level")) {
			t.Errorf("%s panel of county 320902: labels %q, fields %v; want level %q", l, c.Labels, c.Fields, l.T("level.county"))
		}
		if len(r.Keys) > 0 {
			t.Errorf("%s page shows catalog keys instead of texts: %q", l, r.Keys)
		}
	}
	if res.ZH.Grid.Fields["Kind"] == res.EN.Grid.Fields["Kind"] {
		t.Errorf("the kind reads %q in both languages", res.ZH.Grid.Fields["Kind"])
	}

	for _, shot := range []string{plan["shotZh"].(string), plan["shotEn"].(string)} {
		if colours, drawn := distinctColours(readPNG(t, shot), 880); colours < 20 || drawn < 1000 {
			t.Errorf("%s: %d colours, %d pixels off the background: not a drawn map", shot, colours, drawn)
		}
	}
}

// mapView is where the map page is: its view, its link, its cookies.
type mapView struct {
	Zoom, Lon, Lat float64
	Hash, Cookie   string
}

// hashShows reports whether a MapLibre link (#zoom/lat/lon[/bearing/pitch])
// names the view v.
func hashShows(hash string, v mapView) bool {
	parts := strings.Split(strings.TrimPrefix(hash, "#"), "/")
	if len(parts) < 3 {
		return false
	}
	var f [3]float64
	for i := range f {
		x, err := strconv.ParseFloat(parts[i], 64)
		if err != nil {
			return false
		}
		f[i] = x
	}
	return math.Abs(f[0]-v.Zoom) < 0.01 && math.Abs(f[1]-v.Lat) < 1e-4 && math.Abs(f[2]-v.Lon) < 1e-4
}

// TestPlannerInChineseBrowser drives the planner in a Chinese browser: a
// merge of grids of two villages is warned about, previewed with its error
// finding and refused, each in Chinese (the refusal's problem code said in
// the page's words); then a grid is retired into its neighbour, previewed
// and submitted. The page shows no catalog key, and the proposal keeps the
// Chinese reason text. The page is opened from a link to the first grid
// (#15/lat/lon), and the link follows the map as the planner works.
func TestPlannerInChineseBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	pe := newPlannerEnv(t)
	pe.lang = i18n.Chinese
	pe.allow = []string{"status of 422"} // the refused submit
	zh := i18n.Chinese
	ctx, pool := pe.ctx, pe.st.Pool()
	var g, to, other string
	var gx, gy, tx, ty, ox, oy, x0, y0, x1, y1 float64
	if err := pool.QueryRow(ctx, `
		SELECT g.code, t.code, ST_X(pg), ST_Y(pg), ST_X(pt), ST_Y(pt), ST_XMin(u), ST_YMin(u), ST_XMax(u), ST_YMax(u)
		FROM grid_current g JOIN grid_current t ON g.village = t.village AND g.code <> t.code
		  AND g.geom && t.geom AND ST_Relate(g.geom, t.geom, 'F***1****'),
		  LATERAL (SELECT ST_PointOnSurface(g.geom) pg, ST_PointOnSurface(t.geom) pt, ST_Envelope(ST_Collect(g.geom, t.geom)) u) x
		WHERE length(g.code) = 15 AND length(t.code) = 15 AND g.kind <> 'exclusive' AND t.kind <> 'exclusive'
		  AND EXISTS (SELECT 1 FROM household h WHERE h.grid_code = g.code)
		ORDER BY g.code, t.code LIMIT 1`).Scan(&g, &to, &gx, &gy, &tx, &ty, &x0, &y0, &x1, &y1); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid_current
		WHERE length(code) = 15 AND village <> $1 ORDER BY code LIMIT 1`, g[:12]).Scan(&other, &ox, &oy); err != nil {
		t.Fatal(err)
	}
	hhG := pe.households(t, g)
	pe.hash = "#15/" + strconv.FormatFloat(gy, 'f', 6, 64) + "/" + strconv.FormatFloat(gx, 'f', 6, 64)
	t.Logf("merge %s with %s of another village (refused); retire %s (%d households) into %s", g, other, g, hhG, to)

	res := pe.browse(t,
		map[string]any{"op": "merge"},
		map[string]any{"zoomTo": []float64{gx, gy, 15}},
		map[string]any{"click": []float64{gx, gy}},
		map[string]any{"zoomTo": []float64{ox, oy, 15}},
		map[string]any{"click": []float64{ox, oy}},
		map[string]any{"read": "warning", "sel": "#info"},
		map[string]any{"preview": true},
		map[string]any{"read": "preview", "sel": "#info"},
		map[string]any{"press": "#submit"},
		map[string]any{"waitFor": `#info p.error:has-text("被拒绝（")`},
		map[string]any{"read": "refusal", "sel": "#info"},
		map[string]any{"press": "#reset"},
		map[string]any{"op": "retire"},
		map[string]any{"frame": []float64{x0, y0, x1, y1}},
		map[string]any{"click": []float64{gx, gy}},
		map[string]any{"click": []float64{tx, ty}},
		map[string]any{"read": "hint", "sel": "#op-hint"},
		map[string]any{"preview": true},
		map[string]any{"submit": true},
		map[string]any{"read": "status", "sel": "#status"},
		map[string]any{"read": "proposal", "sel": "#proposal-id"})

	if o := res.Opened; math.Abs(o.Zoom-15) > 0.01 || math.Abs(o.Lon-gx) > 1e-5 || math.Abs(o.Lat-gy) > 1e-5 {
		t.Errorf("opened at %s, the planner's map shows z%.2f (%.6f, %.6f)", pe.hash, o.Zoom, o.Lon, o.Lat)
	}
	if l := res.Left; l.Hash == pe.hash || !hashShows(l.Hash, l) {
		t.Errorf("at the end the planner's map shows z%.2f (%.6f, %.6f), its link is %q (opened at %s)", l.Zoom, l.Lon, l.Lat, l.Hash, pe.hash)
	}
	if w := res.Reads["warning"]; w != zh.T("planner.villages_differ") {
		t.Errorf("picking grids of two villages for a merge: the page said %q, want %q", w, zh.T("planner.villages_differ"))
	}
	if p := res.Reads["preview"]; !strings.Contains(p, zh.T("planner.cannot")) || !strings.Contains(p, zh.T("severity.error")+"：") {
		t.Errorf("preview of a merge across villages: the page showed %q, want %q and an error finding", p, zh.T("planner.cannot"))
	}
	r := res.Reads["refusal"]
	t.Logf("the refusal as the page shows it: %s", r)
	if !strings.Contains(r, "被拒绝（422）：") ||
		!strings.Contains(r, zh.T("problem.invalid")) && !strings.Contains(r, zh.T("problem.checks-failed")) {
		t.Errorf("submit of a merge across villages: the page showed %q, want the 422 refusal said in Chinese", r)
	}
	if h := res.Reads["hint"]; h != zh.T("planner.hint.retire") {
		t.Errorf("hint for retire %q", h)
	}
	if row := res.row(g); row == nil || row[1] != zh.T("state.retired") {
		t.Errorf("retired grid %s in the preview: %q, want state %q", g, row, zh.T("state.retired"))
	}
	if row := res.row(to); row == nil || row[1] != zh.T("state.changed") || !strings.HasSuffix(row[2], " 平方米") {
		t.Errorf("taker %s in the preview: %q, want state %q and an area in 平方米", to, row, zh.T("state.changed"))
	}
	wantMove := zh.T("planner.move", "households", zh.Num(int64(hhG)), "units", "", "addresses", "", "residents", "")
	wantMove = wantMove[:strings.Index(wantMove, "，")]
	if len(res.Moves) != 1 || res.Moves[0][0] != g+" → "+to || !strings.HasPrefix(res.Moves[0][1], wantMove) {
		t.Errorf("moves %q, want %s → %s, %s", res.Moves, g, to, wantMove)
	}
	if want := zh.T("planner.describe.retire", "grids", g, "to", to); len(res.Ops) != 1 || res.Ops[0] != want {
		t.Errorf("drafted operations %q, want %q", res.Ops, want)
	}
	conserved(t, res)
	id, _ := pe.submitted(t, res)
	if s, want := res.Reads["status"], zh.T("planner.submitted", "id", id, "status", zh.T("status.submitted")); s != want {
		t.Errorf("status line %q, want %q", s, want)
	}
	var reason string
	if err := pool.QueryRow(ctx, `SELECT reason_text FROM proposal WHERE id = $1`, id).Scan(&reason); err != nil || reason != zh.T("planner.reason_text.default") {
		t.Errorf("proposal %d reason text %q (%v), want the page's Chinese default", id, reason, err)
	}
}
