package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/prometheus/client_golang/prometheus"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/api"
	"gridmap/store/storetest"
)

// TestProposalRoutes walks a split through the HTTP workflow — draft, add
// operations, preview, submit, approve, apply, file, filing, history, diff —
// with every response validated against openapi.json, and the refusals
// on the way: no token, wrong role, self-approval, wrong status, bad
// operation, stale base.
func init() {
	// The filing page is HTML: let the OpenAPI response check read it.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
}

// newProposalServer serves the adjustment fixture (a test database of its
// own) with the adjustment engine mounted.
func newProposalServer(t *testing.T) *env {
	t.Helper()
	st := storetest.New(t)
	opstest.Load(t, st)
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Log: slog.New(slog.DiscardHandler), Registry: reg,
		Adjust: adjust.New(st, ops.Options{})}))
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: st, reg: reg}
}

// step sends a request with a JSON body ("" for none), fails the test
// unless it answers want, and returns the JSON object it answered (nil
// for an empty body).
func (e *env) step(method, path, token, body string, want int) map[string]any {
	e.t.Helper()
	var r response
	if body != "" {
		r = e.do(method, path, token, strings.NewReader(body), "Content-Type", "application/json")
	} else {
		r = e.do(method, path, token, nil)
	}
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(e.t)
}

func TestProposalRoutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newProposalServer(t)
	st := e.store
	_, planner := e.mustToken("planner", "320902")
	_, otherPlanner := e.mustToken("planner", "320902001002")
	_, approver := e.mustToken("approver", "320902")
	_, admin := e.mustToken("admin", "")
	_, viewer := e.mustToken("viewer", "320902")

	step := e.step

	step("POST", "/proposals", "", `{}`, 401)
	step("POST", "/proposals", otherPlanner, `{"county":"320902000000","reason":2}`, 403)
	step("POST", "/proposals", planner, `{"county":"320902000000","reason":9}`, 422)
	p := step("POST", "/proposals", planner, `{"county":"320902000000","reason":2}`, 201)
	id := int64(p["id"].(float64))
	path := "/proposals/" + itoa(id)
	step("POST", path+"/ops", planner, `{"type":"split","grids":["320902001001005"],"geometry":{"type":"Point","coordinates":[120.015,33.005]}}`, 422)
	step("POST", path+"/ops", viewer, `{"type":"rename","grids":["320902001001005"],"name":"x"}`, 403)
	step("POST", path+"/ops", planner, `{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[120.015,33.005],[120.015,33.025]]}}`, 200)
	prev := step("GET", path+"/preview", planner, "", 200)
	if b, _ := json.Marshal(prev); !strings.Contains(string(b), "320902001001005") {
		t.Fatalf("preview does not mention the split grid: %s", b)
	}
	step("POST", path+"/approve", approver, `{"note":"too early"}`, 409) // still a draft
	step("POST", path+"/submit", planner, "", 200)
	step("POST", path+"/approve", planner, `{"note":"self"}`, 403) // a planner cannot approve
	step("POST", path+"/approve", approver, `{"note":"ok"}`, 200)
	step("POST", path+"/apply", approver, "", 200)
	step("POST", path+"/apply", approver, "", 409) // applied once only
	step("POST", path+"/file", admin, `{"filing_no":"YC-2026-001"}`, 200)
	r := e.do("GET", path+"/filing?format=html", planner, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "YC-2026-001") {
		t.Fatalf("filing page: %d", r.status)
	}

	// The old code is retired, its area now in two new grids.
	var live, retired int
	if err := st.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM grid_current WHERE code = '320902001001005'),
		(SELECT count(*) FROM grid_code WHERE code = '320902001001005' AND retired_at IS NOT NULL)`).Scan(&live, &retired); err != nil {
		t.Fatal(err)
	}
	if live != 0 || retired != 1 {
		t.Fatalf("after the split: %d current versions of 005, retired %d", live, retired)
	}
	h := step("GET", "/grids/320902001001005/history", planner, "", 200)
	if b, _ := json.Marshal(h); !strings.Contains(string(b), "320902001001010") {
		t.Fatalf("history does not lead to the new codes: %s", b)
	}
	// The village's outline: one version from the fixture, current, with
	// its geometry; a grid code is not an area.
	ah := step("GET", "/areas/320902001001/history", planner, "", 200)
	if vs, _ := ah["versions"].([]any); len(vs) == 0 || vs[len(vs)-1].(map[string]any)["geometry"] == nil ||
		vs[len(vs)-1].(map[string]any)["valid_to"] != nil || vs[len(vs)-1].(map[string]any)["level"] != "village" {
		t.Fatalf("area history: %v", ah)
	}
	step("GET", "/areas/320902001001005/history", planner, "", 400)
	step("GET", "/areas/320902001001/history", "", "", 401)
	d := step("GET", "/diff?from=2026-06-01T00:00:00Z&to=2100-01-01T00:00:00Z", planner, "", 200)
	if b, _ := json.Marshal(d); !strings.Contains(string(b), "320902001001005") {
		t.Fatalf("diff does not name the retired grid: %s", b)
	}
	step("GET", "/diff?from=x&to=1", planner, "", 400)

	// Two drafts on the same base touch grid 004; once one applies, the
	// other is stale and the refusal says what changed.
	newDraft := func(name string) string {
		p := step("POST", "/proposals", planner, `{"county":"320902000000","reason":4,"reason_text":"test",
			"ops":[{"type":"rename","grids":["320902001001004"],"name":"`+name+`"}]}`, 201)
		return "/proposals/" + itoa(int64(p["id"].(float64)))
	}
	first, second := newDraft("first"), newDraft("second")
	step("POST", first+"/submit", planner, "", 200)
	step("POST", first+"/approve", approver, `{"note":"ok"}`, 200)
	step("POST", first+"/apply", approver, "", 200)
	stale := step("POST", second+"/submit", planner, "", 409)
	if _, ok := stale["stale"]; !ok {
		t.Fatalf("stale refusal without what changed: %v", stale)
	}
	// Withdraw before approval; reject after submission.
	third := newDraft("third")
	if p := step("POST", third+"/withdraw", planner, "", 200); p["status"] != "withdrawn" {
		t.Fatalf("withdraw: %v", p)
	}
	step("POST", third+"/submit", planner, "", 409)
	fourth := newDraft("fourth")
	step("POST", fourth+"/submit", planner, "", 200)
	if p := step("POST", fourth+"/reject", approver, `{"note":"no"}`, 200); p["status"] != "rejected" {
		t.Fatalf("reject: %v", p)
	}
	step("POST", fourth+"/apply", approver, "", 409)
	step("POST", fourth+"/cancel", approver, `{"note":"no"}`, 409) // never applied

	// Cancel an adjustment applied ahead of time, before its effective
	// time; one that took effect at apply cannot be cancelled.
	ahead := step("POST", "/proposals", planner, `{"county":"320902000000","reason":2,
		"ops":[{"type":"merge","grids":["320902001001008","320902001001009"]}]}`, 201)
	aheadPath := "/proposals/" + itoa(int64(ahead["id"].(float64)))
	step("POST", aheadPath+"/submit", planner, "", 200)
	step("POST", aheadPath+"/approve", approver, `{"note":"ok"}`, 200)
	eff := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if res := step("POST", aheadPath+"/apply", approver, `{"effective_at":"`+eff+`"}`, 200); res["pending"] != true {
		t.Fatalf("apply ahead: %v", res)
	}
	step("POST", aheadPath+"/cancel", planner, `{"note":"mine"}`, 403) // planners do not cancel
	step("POST", aheadPath+"/cancel", approver, "", 422)               // why?
	if p := step("POST", aheadPath+"/cancel", approver, `{"note":"the street office asked to wait"}`, 200); p["status"] != "cancelled" || p["cancel_note"] == "" {
		t.Fatalf("cancel: %v", p)
	}
	step("POST", aheadPath+"/cancel", approver, `{"note":"again"}`, 409)
	step("POST", first+"/cancel", approver, `{"note":"too late"}`, 409) // took effect at apply
	var open int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM grid_current WHERE code IN ('320902001001008', '320902001001009')`).Scan(&open); err != nil || open != 2 {
		t.Fatalf("after the cancel %d of the merged grids are current (%v), want 2", open, err)
	}
	step("GET", "/proposals", planner, "", 200)
	step("GET", "/proposals/999999", planner, "", 404)
	step("GET", "/proposals/abc", planner, "", 400)
}

// TestPreviewCannotCarryOut: over HTTP (responses validated against
// openapi.json), the preview of a split whose line does not cross its
// grid answers 200 with no after-state (grids: [], not null) and the
// failure as an error finding located on the line; validate answers it
// too (ok false) and submit refuses with it (422, findings). Then a
// proposal splits grid 005 and renames its western part by reference
// (@0.1): the preview lists the codes the split makes, and after apply
// PostGIS finds the renamed grid is the west half of the old 005.
func TestPreviewCannotCarryOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newProposalServer(t)
	st := e.store
	_, planner := e.mustToken("planner", "320902")
	_, approver := e.mustToken("approver", "320902")
	step := e.step
	located := func(what string, fs any) {
		t.Helper()
		list, _ := fs.([]any)
		if len(list) != 1 {
			t.Fatalf("%s: findings %v, want one", what, fs)
		}
		f := list[0].(map[string]any)
		loc, _ := f["location"].(map[string]any)
		if f["check"] != "operation" || f["severity"] != "error" || loc == nil || loc["type"] != "LineString" {
			t.Errorf("%s: finding %v, want the failure located on the split line", what, f)
		}
		if codes, _ := f["codes"].([]any); len(codes) != 1 || codes[0] != "320902001001005" {
			t.Errorf("%s: finding codes %v, want the split grid", what, f["codes"])
		}
	}
	p := step("POST", "/proposals", planner, `{"county":"320902000000","reason":2,
		"ops":[{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[120.015,33.012],[120.015,33.018]]}}]}`, 201)
	path := "/proposals/" + itoa(int64(p["id"].(float64)))
	prev := step("GET", path+"/preview", planner, "", 200)
	if g, ok := prev["grids"].([]any); !ok || len(g) != 0 {
		t.Errorf("preview grids %v, want []", prev["grids"])
	}
	located("preview", prev["findings"])
	v := step("GET", path+"/validate", planner, "", 200)
	if v["ok"] != false {
		t.Errorf("validate: ok %v", v["ok"])
	}
	located("validate", v["findings"])
	located("submit", step("POST", path+"/submit", planner, "", 422)["findings"])

	// Split, then rename the western part by reference.
	p = step("POST", "/proposals", planner, `{"county":"320902000000","reason":2,
		"ops":[{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[120.015,33.005],[120.015,33.025]]}}]}`, 201)
	path = "/proposals/" + itoa(int64(p["id"].(float64)))
	step("POST", path+"/ops", planner, `{"type":"rename","grids":["@1.1"],"name":"West"}`, 422) // not before it
	step("POST", path+"/ops", planner, `{"type":"rename","grids":["@0.1"],"name":"West"}`, 200)
	prev = step("GET", path+"/preview", planner, "", 200)
	ops, _ := prev["ops"].([]any)
	if len(ops) != 2 {
		t.Fatalf("preview ops %v", prev["ops"])
	}
	makes, _ := ops[0].(map[string]any)["makes"].([]any)
	if len(makes) != 2 {
		t.Fatalf("the split makes %v, want two codes", makes)
	}
	step("POST", path+"/submit", planner, "", 200)
	step("POST", path+"/approve", approver, `{"note":"ok"}`, 200)
	step("POST", path+"/apply", approver, "", 200)
	var n int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM grid_current WHERE code = $1 AND name = 'West'
		AND ST_Equals(geom, ST_Intersection((SELECT geom FROM grid WHERE code = '320902001001005' ORDER BY lower(valid) LIMIT 1),
			ST_MakeEnvelope(120.01, 33, 120.015, 33.03, 4326)))`, makes[0]).Scan(&n); err != nil || n != 1 {
		t.Errorf("the grid named West (%v) is not the west half of 005: %d, %v", makes[0], n, err)
	}
}
