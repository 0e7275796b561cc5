package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/api"
	"gridmap/store/storetest"
	"gridmap/suggest"
	"gridmap/suggest/suggesttest"
)

// TestSuggestRoute asks for a suggested division over HTTP (every
// response validated against openapi.json): the draft proposal and the
// measured suggestion for a planner of the county, then its preview; and
// the refusals: no token, wrong role, an area short of the county, unknown village,
// bad code, target and tolerance out of range, unknown field, a village
// without households and one without comprehensive grids.
func TestSuggestRoute(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	suggesttest.Load(t, st)
	eng := adjust.New(st, ops.Options{})
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Log: slog.New(slog.DiscardHandler), Registry: reg,
		Adjust: eng, Suggest: suggest.New(st, eng)}))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, store: st, reg: reg}
	_, planner := e.mustToken("planner", "320902")
	_, otherArea := e.mustToken("planner", "320902001001") // a village: not the county
	_, viewer := e.mustToken("viewer", "320902")
	_, admin := e.mustToken("admin", "")

	path := "/villages/" + string(suggesttest.River) + "/suggest-division"
	e.step("POST", path, "", `{}`, 401)
	e.step("POST", path, viewer, `{}`, 403)
	e.step("POST", path, otherArea, `{}`, 403)
	e.step("POST", "/villages/320902001099/suggest-division", planner, `{}`, 404)
	e.step("POST", "/villages/3209020010/suggest-division", planner, `{}`, 400)
	e.step("POST", "/villages/320902001002001/suggest-division", planner, `{}`, 400) // a grid code
	e.step("POST", path, planner, `{"tolerance":0.9}`, 400)
	e.step("POST", path, planner, `{"tolerance":0}`, 400)
	e.step("POST", path, planner, `{"target_households":2.5}`, 400)
	e.step("POST", path, planner, `{"target_households":0}`, 400)
	e.step("POST", path, planner, `{"target":300}`, 400)
	e.step("POST", path, planner, `[`, 400)
	// A village without households, and one of an exclusive grid only:
	// nothing to divide.
	if _, err := st.Pool().Exec(context.Background(), `
		INSERT INTO area (code, level, name, parent, geom) VALUES
		 ('320902001005', 'village', '空村', '320902001000', ST_Multi(ST_MakeEnvelope(120.1, 33, 120.11, 33.01, 4326))),
		 ('320902001006', 'village', '厂区', '320902001000', ST_Multi(ST_MakeEnvelope(120.11, 33, 120.12, 33.01, 4326)));
		INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
		 ('320902001005001', 'urban', '320902001005', '空村一', ST_Multi(ST_MakeEnvelope(120.1, 33, 120.11, 33.01, 4326)), tstzrange('2026-01-01', NULL)),
		 ('320902001006001', 'exclusive', '320902001006', '厂区', ST_Multi(ST_MakeEnvelope(120.11, 33, 120.12, 33.01, 4326)), tstzrange('2026-01-01', NULL))`); err != nil {
		t.Fatal(err)
	}
	e.step("POST", "/villages/320902001005/suggest-division", planner, `{}`, 422)
	e.step("POST", "/villages/320902001006/suggest-division", planner, `{}`, 422)

	ans := e.step("POST", path, planner, `{"target_households":300,"tolerance":0.15}`, 201)
	sug := ans["suggestion"].(map[string]any)
	prop := ans["proposal"].(map[string]any)
	if prop["status"] != "draft" || prop["reason"].(float64) != 2 {
		t.Fatalf("proposal %v", prop)
	}
	grids := sug["grids"].([]any)
	if len(grids) != 4 || sug["within_tolerance"].(float64) != 4 || sug["max_deviation"].(float64) > 0.15 {
		t.Fatalf("suggestion %v", sug)
	}
	total := 0.0
	for _, g := range grids {
		m := g.(map[string]any)
		total += m["households"].(float64)
		if pp := m["polsby_popper"].(float64); pp <= 0 || pp > 1 {
			t.Errorf("grid %v: Polsby-Popper %v", m["code"], pp)
		}
	}
	if total != sug["households"].(float64) {
		t.Errorf("grids hold %v households, the village %v", total, sug["households"])
	}
	id := int64(prop["id"].(float64))
	pre := e.step("GET", "/proposals/"+itoa(id)+"/preview", planner, "", 200)
	for _, f := range pre["findings"].([]any) {
		if f.(map[string]any)["severity"] == "error" {
			t.Errorf("preview finding %v", f)
		}
	}
	// An empty body asks for the defaults; an admin may ask too.
	r := e.do("POST", path, admin, nil)
	if r.status != 201 {
		t.Fatalf("no body: %d %s", r.status, r.body)
	}
}
