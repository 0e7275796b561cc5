package workers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"gridmap/adjust/ops/opstest"
	"gridmap/api"
	"gridmap/api/apitest"
	"gridmap/check"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
	"gridmap/workers"
)

// The fixture's town; its grid 005 is urban, the rest rural.
const town = "320902001000"

var now = time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)

type env struct {
	t      *testing.T
	st     *store.Store
	holder *live.Holder
	srv    *httptest.Server
	admin  string // city-wide admin token
	op     string // the town's operator
	other  string // an operator of another town
	viewer string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := opstest.New(t)
	if _, err := st.Pool().Exec(ctx, `INSERT INTO area (code, level, name, parent) VALUES ('320902002000', 'town', 'Other', '320902000000')`); err != nil {
		t.Fatal(err)
	}
	holder, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go holder.Run(runCtx)
	key, err := pii.NewKey(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := workers.New(st, key, holder, nil, workers.Options{ComplaintChannel: "0515-12345", Now: func() time.Time { return now }})
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Log: slog.New(slog.DiscardHandler), Workers: svc}))
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, holder: holder, srv: srv}
	e.admin = e.token("admin", "", 0)
	e.op = e.token("operator", town, 0)
	e.other = e.token("operator", "320902002000", 0)
	e.viewer = e.token("viewer", "", 0)
	return e
}

func (e *env) token(role, area string, worker int64) string {
	e.t.Helper()
	var c geo.Code
	if area != "" {
		c = geo.MustParseCode(area)
	}
	_, secret, err := e.st.CreateToken(context.Background(), store.NewToken{Name: role, Role: role, Area: c, Worker: worker}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.body)
	}
	return m
}

func (e *env) do(method, path, token string, body any, header ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := resp{res.StatusCode, res.Header, b}
	checkOpenAPI(e.t, req, out)
	return out
}

// checkOpenAPI validates a response against api/openapi.json (apitest).
func checkOpenAPI(t *testing.T, req *http.Request, res resp) {
	t.Helper()
	apitest.CheckResponse(t, req, res.status, res.header, res.body)
}

func idNumber(t *testing.T, birth string, seq int) string {
	t.Helper()
	b, _ := time.Parse(time.DateOnly, birth)
	id, err := records.MakeIDNumber("320902", b, seq)
	if err != nil {
		t.Fatal(err)
	}
	return id.Clear()
}

// worker files a worker and returns their id.
func (e *env) worker(name, birth string, seq int, phone, trained string, committee bool) int64 {
	e.t.Helper()
	body := map[string]any{"name": name, "id_number": idNumber(e.t, birth, seq), "phone": phone, "committee_member": committee}
	if trained != "" {
		body["trained_on"] = trained
	}
	r := e.do("POST", "/workers", e.op, body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("POST /workers: %d %s", r.status, r.body)
	}
	return int64(r.json(e.t)["id"].(float64))
}

func grid(n int) string { return string(opstest.Grid(n)) }

func TestAppointments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	adult := e.worker("王小明", "1990-03-04", 11, "13912345678", "2026-01-10", false)
	young := e.worker("李青", "2008-09-01", 12, "13912345679", "2026-01-10", false)
	untrained := e.worker("张三", "1985-01-01", 13, "13912345670", "", false)
	member := e.worker("赵委员", "1970-01-01", 14, "13912345671", "", true)

	// The file masks the ID number and phone and never shows them in clear.
	r := e.do("GET", fmt.Sprintf("/workers/%d", adult), e.op, nil)
	if r.status != 200 || bytes.Contains(r.body, []byte("13912345678")) || bytes.Contains(r.body, []byte(idNumber(t, "1990-03-04", 11))) ||
		!bytes.Contains(r.body, []byte("139****5678")) {
		t.Errorf("worker file: %d %s", r.status, r.body)
	}

	tests := []struct {
		name    string
		grid    string
		worker  int64
		role    string
		from    string
		status  int
		article string
	}{
		{"under 18 on the start date", grid(5), young, "fulltime", "2026-02-01", 422, "Art. 16"},
		{"not trained before the start", grid(5), untrained, "fulltime", "2026-02-01", 422, "Art. 16, 43"},
		{"trained after the start", grid(5), adult, "fulltime", "2026-01-09", 422, "Art. 16, 43"},
		{"leader neither committee member nor full-time", grid(5), untrained, "leader", "2026-02-01", 422, "Art. 14"},
		{"full-time", grid(5), adult, "fulltime", "2026-02-01", 201, ""},
		{"full-time in a second grid at once", grid(4), adult, "fulltime", "2026-03-01", 422, "Art. 15"},
		{"a full-time worker may lead", grid(5), adult, "leader", "2026-02-01", 201, ""},
		{"a committee member may lead", grid(4), member, "leader", "2026-02-01", 201, ""},
		{"one leader at a time", grid(4), adult, "leader", "2026-04-01", 409, ""},
		{"part-time needs nothing", grid(5), untrained, "parttime", "2026-02-01", 201, ""},
		{"unknown role", grid(5), untrained, "boss", "2026-02-01", 400, ""},
		{"no such grid", "320902001001099", adult, "parttime", "2026-02-01", 404, ""},
	}
	for _, tc := range tests {
		r := e.do("POST", "/grids/"+tc.grid+"/appointments", e.op, map[string]any{"worker": tc.worker, "role": tc.role, "from": tc.from})
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, r.status, tc.status, r.body)
			continue
		}
		if tc.article != "" {
			m := r.json(t)
			if m["article"] != tc.article || !strings.Contains(m["detail"].(string), tc.article) || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: problem does not name %s: %s", tc.name, tc.article, r.body)
			}
		}
	}

	// History: who answered for grid 005 on a date.
	r = e.do("GET", "/grids/"+grid(5)+"/appointments?on=2026-01-15", e.op, nil)
	if n := len(r.json(t)["appointments"].([]any)); n != 0 {
		t.Errorf("on 2026-01-15: %d appointments, want none: %s", n, r.body)
	}
	r = e.do("GET", "/grids/"+grid(5)+"/appointments?on=2026-02-15", e.op, nil)
	aps := r.json(t)["appointments"].([]any)
	if len(aps) != 3 {
		t.Fatalf("on 2026-02-15: %d appointments, want 3: %s", len(aps), r.body)
	}
	ft := aps[0].(map[string]any)
	if ft["role"] != "fulltime" {
		t.Fatalf("first appointment %v", ft)
	}
	// Ending it frees the worker for another grid afterwards.
	r = e.do("POST", fmt.Sprintf("/appointments/%d/end", int64(ft["id"].(float64))), e.op, map[string]any{"to": "2026-02-28"})
	if r.status != 200 || r.json(t)["to"] != "2026-02-28" {
		t.Fatalf("end: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/grids/"+grid(4)+"/appointments", e.op, map[string]any{"worker": adult, "role": "fulltime", "from": "2026-03-01"})
	if r.status != 201 {
		t.Errorf("full-time in grid 004 after leaving 005: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/grids/"+grid(5)+"/appointments?on=2026-02-28", e.op, nil)
	if n := len(r.json(t)["appointments"].([]any)); n != 3 {
		t.Errorf("on the last day: %d appointments, want 3", n)
	}

	// Two failed reviews in a row: Art. 17 in the file and on appointment.
	for _, y := range []int{2024, 2025} {
		if r := e.do("POST", fmt.Sprintf("/workers/%d/reviews", member), e.op, map[string]any{"year": y, "passed": false}); r.status != 201 {
			t.Fatalf("review: %d %s", r.status, r.body)
		}
	}
	if r := e.do("POST", fmt.Sprintf("/workers/%d/reviews", member), e.op, map[string]any{"year": 2025, "passed": true}); r.status != 409 {
		t.Errorf("second review of a year: %d", r.status)
	}
	e.do("POST", fmt.Sprintf("/workers/%d/trainings", member), e.op, map[string]any{"on": "2026-01-01", "course": "pre-service"})
	r = e.do("POST", "/grids/"+grid(6)+"/appointments", e.op, map[string]any{"worker": member, "role": "fulltime", "from": "2026-02-01"})
	if r.status != 422 || r.json(t)["article"] != "Art. 17" {
		t.Errorf("full-time after two failed years: %d %s", r.status, r.body)
	}
	r = e.do("GET", fmt.Sprintf("/workers/%d", member), e.op, nil)
	f := r.json(t)
	if !strings.Contains(fmt.Sprint(f["must_leave"]), "Art. 17") || len(f["reviews"].([]any)) != 2 || len(f["trainings"].([]any)) != 1 || len(f["appointments"].([]any)) != 1 {
		t.Errorf("file: %s", r.body)
	}

	// Every write is in the audit log.
	var n int64
	e.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action LIKE 'worker.%' OR action LIKE 'appointment.%'`).Scan(&n)
	if n < 11 {
		t.Errorf("%d audit entries, want every write", n)
	}
}

// TestRoles checks who may use each write route: 401 without a token, 403
// for a viewer and for the operator of another town, success for the
// town's operator and the admin.
func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.worker("王小明", "1990-03-04", 21, "13912345678", "2026-01-10", true)
	ap := e.do("POST", "/grids/"+grid(5)+"/appointments", e.admin, map[string]any{"worker": w, "role": "parttime", "from": "2026-02-01"}).json(t)["id"]
	seat := e.do("POST", "/towns/"+town+"/operators", e.admin, map[string]any{"worker": w, "from": "2026-02-01"}).json(t)["id"]
	w2 := e.worker("李四", "1991-03-04", 22, "13912345600", "", false)
	wt := e.token("worker", grid(5), w)
	routes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/workers", map[string]any{"name": "甲", "id_number": idNumber(t, "1980-01-01", 31), "phone": "13900000001", "town": town}},
		{"POST", fmt.Sprintf("/workers/%d/reviews", w), map[string]any{"year": 2025, "passed": true}},
		{"POST", fmt.Sprintf("/workers/%d/trainings", w), map[string]any{"on": "2026-01-02", "course": "x"}},
		{"POST", "/grids/" + grid(6) + "/appointments", map[string]any{"worker": w, "role": "parttime", "from": "2026-02-01"}},
		{"POST", fmt.Sprintf("/appointments/%v/end", ap), map[string]any{"to": "2026-03-01"}},
		{"POST", "/towns/" + town + "/operators", map[string]any{"worker": w2, "from": "2026-02-01"}},
		{"POST", fmt.Sprintf("/operators/%v/end", seat), map[string]any{"to": "2026-03-01"}},
	}
	for _, rt := range routes {
		for _, c := range []struct {
			who, token string
			want       int
		}{{"none", "", 401}, {"viewer", e.viewer, 403}, {"worker", wt, 403}, {"other town", e.other, 403}} {
			if r := e.do(rt.method, rt.path, c.token, rt.body); r.status != c.want {
				t.Errorf("%s %s as %s: %d, want %d: %s", rt.method, rt.path, c.who, r.status, c.want, r.body)
			}
		}
		if r := e.do(rt.method, rt.path, e.op, rt.body); r.status >= 300 {
			t.Errorf("%s %s as the town's operator: %d %s", rt.method, rt.path, r.status, r.body)
		}
	}
	// The admin may do all; the operator may not check in.
	if r := e.do("POST", "/workers", e.admin, map[string]any{"name": "乙", "id_number": idNumber(t, "1980-01-01", 32), "phone": "13900000002", "town": town}); r.status != 201 {
		t.Errorf("admin POST /workers: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		who, token string
		want       int
	}{{"none", "", 401}, {"operator", e.op, 403}, {"admin", e.admin, 403}, {"worker", wt, 201}} {
		if r := e.do("POST", "/patrols/checkins", c.token, map[string]any{"lon": 120.015, "lat": 33.015, "crs": "wgs84"}); r.status != c.want {
			t.Errorf("check-in as %s: %d, want %d: %s", c.who, r.status, c.want, r.body)
		}
	}
}

func TestBoard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ft := e.worker("王小明", "1990-03-04", 41, "13912345678", "2026-01-10", false)
	pt := e.worker("兼职者", "1990-03-04", 42, "13912340000", "", false)
	var apID float64
	for _, a := range []struct {
		w    int64
		role string
	}{{ft, "fulltime"}, {ft, "leader"}, {pt, "parttime"}} {
		r := e.do("POST", "/grids/"+grid(5)+"/appointments", e.op, map[string]any{"worker": a.w, "role": a.role, "from": "2026-02-01"})
		if r.status != 201 {
			t.Fatal(r.status, string(r.body))
		}
		if a.role == "fulltime" {
			apID = r.json(t)["id"].(float64)
		}
	}
	r := e.do("GET", "/grids/"+grid(5)+"/board", "", nil, "Accept", "application/json")
	b := r.json(t)
	if r.status != 200 || b["leader"].(map[string]any)["phone"] != "13912345678" || len(b["fulltime"].([]any)) != 1 ||
		b["complaint_channel"] != "0515-12345" || b["area_km2"].(float64) < 1 || b["area_km2"].(float64) > 1.2 {
		t.Errorf("board JSON: %d %s", r.status, r.body)
	}
	if bytes.Contains(r.body, []byte("13912340000")) || bytes.Contains(r.body, []byte("兼职者")) || bytes.Contains(r.body, []byte(idNumber(t, "1990-03-04", 41))) {
		t.Errorf("board shows a part-time worker or an ID number: %s", r.body)
	}
	r = e.do("GET", "/grids/"+grid(5)+"/board", "", nil, "Accept", "text/html")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte("专职网格员")) ||
		!bytes.Contains(r.body, []byte("13912345678")) || !bytes.Contains(r.body, []byte("<svg")) || bytes.Contains(r.body, []byte(idNumber(t, "1990-03-04", 41))) {
		t.Errorf("board HTML: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/grids/"+grid(5)+"/board", "", nil, "Accept", "text/html", "Accept-Language", "en")
	if !bytes.Contains(r.body, []byte("Full-time grid workers")) {
		t.Errorf("board in English: %s", r.body)
	}

	// An ended appointment leaves the board at once.
	e.do("POST", fmt.Sprintf("/appointments/%d/end", int64(apID)), e.op, map[string]any{"to": "2026-05-01"})
	r = e.do("GET", "/grids/"+grid(5)+"/board", "", nil)
	if b := r.json(t); len(b["fulltime"].([]any)) != 0 {
		t.Errorf("board after the full-time worker left: %s", r.body)
	}
	// A new boundary shows at once.
	ctx := context.Background()
	// (A new version of the grid, as an adjustment writes it.)
	if _, err := e.st.Pool().Exec(ctx, `WITH old AS (
			UPDATE grid SET valid = tstzrange(lower(valid), now()) WHERE code = $1 AND upper_inf(valid) RETURNING code, kind, village, name)
		INSERT INTO grid (code, kind, village, name, geom, valid)
		SELECT code, kind, village, name, ST_Multi(ST_MakeEnvelope(120.01, 33.01, 120.02, 33.015, 4326)), tstzrange(now(), NULL) FROM old`, grid(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Pool().Exec(ctx, `SELECT bump_dataset_version('test')`); err != nil {
		t.Fatal(err)
	}
	// No wait: the board catches the live state up with the database.
	r = e.do("GET", "/grids/"+grid(5)+"/board", "", nil)
	if a := r.json(t)["area_km2"].(float64); a < 0.45 || a > 0.6 {
		t.Errorf("area after the boundary changed: %g km², want about half of before", a)
	}
}

func TestCheckins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.worker("王小明", "1990-03-04", 51, "13912345678", "2026-01-10", false)
	wt := e.token("worker", grid(5), w)
	// Two standard addresses in grid 005: one 50 m from the first
	// check-in, one some 400 m from every check-in.
	if _, err := e.st.Pool().Exec(context.Background(), `INSERT INTO standard_address (code, county, town, road, door_number, full_text, geom, grid_code)
		VALUES ('3209020010010000001', '亭湖区', '某镇', '人民路', '1', '亭湖区某镇人民路1号', ST_SetSRID(ST_MakePoint(120.0105, 33.015), 4326), $1),
		       ('3209020010010000002', '亭湖区', '某镇', '人民路', '2', '亭湖区某镇人民路2号', ST_SetSRID(ST_MakePoint(120.011, 33.0105), 4326), $1)`, grid(5)); err != nil {
		t.Fatal(err)
	}
	// Grid 005 is the box 120.01-120.02 × 33.01-33.02.
	gLon, gLat := workers.WGSToGCJ(120.0195, 33.015) // east of the grid as WGS-84 numbers
	tests := []struct {
		name     string
		lon, lat float64
		crs      string
		inside   bool
	}{
		{"just inside the west edge", 120.01001, 33.015, "wgs84", true},
		{"just outside the west edge", 120.00999, 33.015, "wgs84", false},
		{"just inside the north edge", 120.015, 33.01999, "wgs84", true},
		{"just outside the north edge", 120.015, 33.02001, "wgs84", false},
		{"GCJ-02 of a point inside", gLon, gLat, "gcj02", true},
		{"the same numbers taken as WGS-84", gLon, gLat, "wgs84", false},
	}
	for _, tc := range tests {
		r := e.do("POST", "/patrols/checkins", wt, map[string]any{"lon": tc.lon, "lat": tc.lat, "accuracy_m": 5, "crs": tc.crs})
		if r.status != 201 {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
			continue
		}
		if m := r.json(t); m["inside"] != tc.inside || m["grid_code"] != grid(5) {
			t.Errorf("%s: %s, want inside %v", tc.name, r.body, tc.inside)
		}
	}
	if r := e.do("POST", "/patrols/checkins", wt, map[string]any{"lon": 120.0, "lat": 33.0, "crs": "bd09"}); r.status != 400 {
		t.Errorf("crs bd09: %d", r.status)
	}
	r := e.do("GET", "/grids/"+grid(5)+"/patrols?from=2020-01-01&to=2100-01-01", e.op, nil)
	m := r.json(t)
	if r.status != 200 || len(m["days"].([]any)) != 1 || m["days"].([]any)[0].(map[string]any)["checkins"].(float64) != 6 ||
		m["addresses"].(float64) != 2 || m["visited"].(float64) != 1 || m["coverage"].(float64) != 0.5 {
		t.Errorf("patrols: %d %s, want 6 check-ins on one day and half of the 2 addresses visited", r.status, r.body)
	}
	if r := e.do("GET", "/grids/"+grid(5)+"/patrols", e.other, nil); r.status != 403 {
		t.Errorf("patrols for another town's operator: %d", r.status)
	}
}

// TestStaffingChecks checks gridd check's staffing rules and GET /checks:
// the urban grid 005 without a full-time worker (Art. 15) and the town
// short of seat operators (Art. 6), until they are staffed.
func TestStaffingChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	find := func(r *check.Report, id, code string) *geo.Finding {
		for i, f := range r.Findings {
			if f.Check == id && slices.Contains(f.Codes, code) {
				return &r.Findings[i]
			}
		}
		return nil
	}
	// A town that keeps no worker is not checked.
	r, err := check.Run(ctx, e.st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := find(r, geo.CheckGridWithoutFullTime, grid(5)); f != nil {
		t.Errorf("finding before the town keeps workers: %s", f.Message)
	}
	w := e.worker("王小明", "1990-03-04", 61, "13912345678", "2026-01-10", false)
	s1 := e.worker("甲", "1990-03-04", 62, "13912345671", "", false)
	s2 := e.worker("乙", "1990-03-04", 63, "13912345672", "", false)
	if r, err = check.Run(ctx, e.st, check.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	f := find(r, geo.CheckGridWithoutFullTime, grid(5))
	if f == nil || !strings.Contains(f.Message, "Art. 15") || f.Severity != geo.SeverityWarning {
		t.Fatalf("no Art. 15 finding for grid 005:\n%+v", r.Findings)
	}
	if find(r, geo.CheckGridWithoutFullTime, grid(4)) != nil {
		t.Error("a rural grid without a full-time worker is a finding")
	}
	f = find(r, geo.CheckTownSeatOperators, town)
	if f == nil || !strings.Contains(f.Message, "Art. 6") || !strings.Contains(f.Message, "households × 2.62") {
		t.Fatalf("no Art. 6 finding for the town (estimated from households):\n%+v", r.Findings)
	}
	// With residents on file, the population is their count.
	if _, err := e.st.Pool().Exec(ctx, `INSERT INTO standard_address (code, county, town, road, door_number, full_text, geom, grid_code)
		VALUES ('3209020010010000001', '亭湖区', '某镇', '人民路', '1', '亭湖区某镇人民路1号', ST_SetSRID(ST_MakePoint(120.0105, 33.015), 4326), $1)`, grid(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Pool().Exec(ctx, `INSERT INTO resident (address_id, name_sealed, name_hash, sex, birth_date, residence)
		SELECT 1, '\x01'::bytea || decode(repeat('ab', 40), 'hex'), sha256(i::text::bytea), 'male', '1980-01-01', 'registered'
		FROM generate_series(1, 3) i`); err != nil {
		t.Fatal(err)
	}
	if r, err = check.Staffing(ctx, e.st, geo.Code(town), check.Options{}); err != nil {
		t.Fatal(err)
	}
	if f := find(r, geo.CheckTownSeatOperators, town); f == nil || !strings.Contains(f.Message, "population of 3 (from the 3 resident(s) on file)") {
		t.Errorf("Art. 6 finding from residents: %+v", r.Findings)
	}
	// GET /checks for the town's operator says the same; another town's may not.
	res := e.do("GET", "/checks?area="+town, e.op, nil)
	if res.status != 200 || !bytes.Contains(res.body, []byte(geo.CheckGridWithoutFullTime)) || !bytes.Contains(res.body, []byte(grid(5))) {
		t.Errorf("GET /checks: %d %s", res.status, res.body)
	}
	if res := e.do("GET", "/checks?area="+town, e.other, nil); res.status != 403 {
		t.Errorf("GET /checks by another town's operator: %d", res.status)
	}
	// Staffed: the findings go.
	e.do("POST", "/grids/"+grid(5)+"/appointments", e.op, map[string]any{"worker": w, "role": "fulltime", "from": "2026-02-01"})
	for _, s := range []int64{s1, s2} {
		if res := e.do("POST", "/towns/"+town+"/operators", e.op, map[string]any{"worker": s, "from": "2026-02-01"}); res.status != 201 {
			t.Fatal(res.status, string(res.body))
		}
	}
	if r, err = check.Staffing(ctx, e.st, geo.Code(town), check.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 {
		t.Errorf("staffed town: %+v", r.Findings)
	}
	// Two failed reviews in a row of the full-time worker: Art. 17 until the appointment ends.
	for _, y := range []int{2024, 2025} {
		e.do("POST", fmt.Sprintf("/workers/%d/reviews", w), e.op, map[string]any{"year": y, "passed": false})
	}
	if r, err = check.Staffing(ctx, e.st, geo.Code(town), check.Options{}); err != nil {
		t.Fatal(err)
	}
	f = find(r, geo.CheckFullTimeFailedReviews, grid(5))
	if f == nil || !strings.Contains(f.Message, "Art. 17") {
		t.Fatalf("no Art. 17 finding: %+v", r.Findings)
	}
	// Until the appointment ends (which leaves the grid without a
	// full-time worker: Art. 15 again).
	aps := e.do("GET", "/grids/"+grid(5)+"/appointments", e.op, nil).json(t)["appointments"].([]any)
	e.do("POST", fmt.Sprintf("/appointments/%v/end", aps[0].(map[string]any)["id"]), e.op, map[string]any{"to": "2026-03-01"})
	if r, err = check.Staffing(ctx, e.st, geo.Code(town), check.Options{}); err != nil {
		t.Fatal(err)
	}
	if find(r, geo.CheckFullTimeFailedReviews, grid(5)) != nil || find(r, geo.CheckGridWithoutFullTime, grid(5)) == nil {
		t.Errorf("after the appointment ended: %+v", r.Findings)
	}
}

// TestEndPostRefusals ends appointments and seat operator posts the way
// they may not end (endPost, shared by both): unknown, before their first
// day, twice; each refused with its status and nothing changed.
func TestEndPostRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.worker("王小明", "1990-03-04", 41, "13912345678", "2026-01-10", true)
	ap := e.do("POST", "/grids/"+grid(5)+"/appointments", e.admin, map[string]any{"worker": w, "role": "parttime", "from": "2026-02-01"}).json(t)["id"]
	seat := e.do("POST", "/towns/"+town+"/operators", e.admin, map[string]any{"worker": w, "from": "2026-02-01"}).json(t)["id"]
	for _, kind := range []struct{ path, what string }{
		{fmt.Sprintf("/appointments/%v/end", ap), "appointment"},
		{fmt.Sprintf("/operators/%v/end", seat), "seat operator post"},
	} {
		steps := []struct {
			name, path, to string
			want           int
			says           string
		}{
			{"unknown", "", "2026-03-01", 404, "does not exist"},
			{"before its first day", kind.path, "2026-01-31", 400, "first day"},
			{"ended", kind.path, "2026-03-01", 200, ""},
			{"ended twice", kind.path, "2026-03-02", 409, "already ended on 2026-03-01"},
		}
		for _, st := range steps {
			path := st.path
			if st.name == "unknown" {
				path = strings.NewReplacer(fmt.Sprint(ap), "999999", fmt.Sprint(seat), "999999").Replace(kind.path)
			}
			r := e.do("POST", path, e.op, map[string]any{"to": st.to})
			if r.status != st.want || !strings.Contains(string(r.body), st.says) {
				t.Errorf("%s %s: %d %s; want %d saying %q", kind.what, st.name, r.status, r.body, st.want, st.says)
			}
		}
	}
}
