package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridmap/adjust/ops/opstest"
	"gridmap/api"
	"gridmap/api/apitest"
	"gridmap/events"
	"gridmap/events/workhours"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/pii"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The fixture (opstest): county 320902, town 320902001000, village
// 320902001001 of 3×3 grids of 0.01° from 120, 33; grid 001 at the
// south-west.
const (
	town   = "320902001000"
	county = "320902"
)

// now is the service's clock: Monday 2026-03-09 12:00 CST.
var now = time.Date(2026, 3, 9, 12, 0, 0, 0, workhours.CST)

// inGrid is a point in grid n (1-9) of the fixture's village.
func inGrid(n int) (lon, lat float64) {
	r, c := (n-1)/3, (n-1)%3
	return 120.005 + float64(c)*0.01, 33.005 + float64(r)*0.01
}

type env struct {
	t      testing.TB
	st     *store.Store
	holder *live.Holder
	srv    *httptest.Server
	admin  string
	op     string // the town's operator
	other  string // an operator of another town
	viewer string
	worker string // the worker of grid 001
	dept   string // 城管局 of the county
	dept2  string // 环保局 of the county
	w5     string // a worker of grid 005
}

func newEnv(t testing.TB) *env {
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
	e := &env{t: t, st: st, holder: holder}
	e.srv = e.server()
	e.admin = e.token("admin", "", 0, "")
	e.op = e.token("operator", town, 0, "")
	e.other = e.token("operator", "320902002000", 0, "")
	e.viewer = e.token("viewer", "", 0, "")
	e.worker = e.token("worker", string(opstest.Grid(1)), e.newWorker(), "")
	e.w5 = e.token("worker", string(opstest.Grid(5)), e.newWorker(), "")
	e.dept = e.token("department", county, 0, "城管局")
	e.dept2 = e.token("department", county, 0, "环保局")
	return e
}

// server is another gridd over the same database: its own events
// service (and its own LISTEN).
func (e *env) server() *httptest.Server {
	key, err := pii.NewKey(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		e.t.Fatal(err)
	}
	svc := events.New(e.st, e.holder, nil, events.Options{Key: key, Now: func() time.Time { return now }})
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: e.st, Log: slog.New(slog.DiscardHandler), Events: svc}))
	e.t.Cleanup(srv.Close)
	return srv
}

// newWorker files a worker straight in the table (package workers' rules
// are not under test here).
func (e *env) newWorker() int64 {
	return storetest.Int(e.t, e.st, `INSERT INTO worker (town, name, id_number_sealed, id_number_hash, phone_sealed, phone_hash, birth_date)
		VALUES ($1, 'W', decode('01' || repeat('00', 40), 'hex'), sha256(random()::text::bytea), decode('01' || repeat('00', 40), 'hex'), sha256(random()::text::bytea), '1990-01-01')
		RETURNING id`, town)
}

func (e *env) token(role, area string, worker int64, department string) string {
	e.t.Helper()
	var c geo.Code
	if area != "" {
		c = geo.MustParseCode(area)
	}
	_, secret, err := e.st.CreateToken(context.Background(), store.NewToken{Name: role, Role: role, Area: c, Worker: worker, Department: department}, nil)
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

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request to srv (e.srv when nil), validating the answer
// against api/openapi.json.
func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	return e.doOn(e.srv, method, path, token, body)
}

func (e *env) doOn(srv *httptest.Server, method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(body)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	apitest.CheckResponse(e.t, req, res.StatusCode, res.Header, b)
	return resp{res.StatusCode, res.Header, b}
}

// report posts a report and returns the event's id, failing unless 201.
func (e *env) report(token string, body map[string]any) int64 {
	e.t.Helper()
	r := e.do("POST", "/events", token, body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("POST /events: %d %s", r.status, r.body)
	}
	return int64(r.json(e.t)["id"].(float64))
}

func reportIn(grid int, typ string, urgent bool) map[string]any {
	lon, lat := inGrid(grid)
	return map[string]any{"type": typ, "description": "楼道堆放杂物，住户张某 13912345678 反映", "lon": lon, "lat": lat, "urgent": urgent,
		"reported_at": "2026-03-06T17:00:00+08:00"}
}

func (e *env) step(token string, id int64, body map[string]any) resp {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/events/%d/transitions", id), token, body)
}

func TestTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/event-types?county="+county, "", nil)
	var ts []events.Type
	if err := json.Unmarshal(r.body, &ts); r.status != 200 || err != nil {
		t.Fatalf("GET /event-types: %d %v %s", r.status, err, r.body)
	}
	byCode := map[string]events.Type{}
	for _, ty := range ts {
		byCode[ty.Code] = ty
	}
	if g := byCode["safety.gas"]; g.SLAHours != 2 || g.Name != "燃气安全隐患" || !g.GridMatter || g.County != county {
		t.Errorf("safety.gas: %+v", g)
	}
	if f := byCode["emergency.fire"]; f.GridMatter {
		t.Errorf("emergency.fire is a grid matter: %+v", f)
	}
	if _, ok := byCode["safety.seawall"]; ok {
		t.Error("inland Tinghu lists the sea wall")
	}
	// Every county of Yancheng publishes its list; the coastal ones more.
	for _, c := range []string{"320902", "320903", "320904", "320921", "320922", "320923", "320924", "320925", "320981"} {
		n := storetest.Int(t, e.st, `SELECT count(*) FROM event_type WHERE county = $1`, c)
		if n < 29 {
			t.Errorf("county %s lists %d matters", c, n)
		}
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM event_type WHERE county = '320921' AND code IN ('safety.seawall', 'safety.chemical')`); n != 2 {
		t.Errorf("Xiangshui: %d of the sea wall and chemical park", n)
	}

	for _, tc := range []struct {
		name, token string
		body        any
		status      int
		says        string
	}{
		{"admin adds", e.admin, map[string]any{"county": county, "code": "service.vaccine", "name": "疫苗接种提醒", "category": "service", "sla_hours": 40}, 201, ""},
		{"twice", e.admin, map[string]any{"county": county, "code": "service.vaccine", "name": "疫苗接种提醒", "category": "service", "sla_hours": 40}, 409, "already"},
		{"an operator may not", e.op, map[string]any{"county": county, "code": "x.y", "name": "x", "category": "service", "sla_hours": 4}, 403, "admin"},
		{"no token", "", map[string]any{"county": county, "code": "x.y", "name": "x", "category": "service", "sla_hours": 4}, 401, "token"},
		{"bad fields", e.admin, map[string]any{"county": "3209", "code": "X Y", "name": "", "category": "fun", "sla_hours": -1}, 400, "5 parameters are invalid"},
		{"unknown field", e.admin, map[string]any{"county": county, "code": "x.y", "name": "x", "category": "service", "sla_hours": 4, "color": "red"}, 400, "color"},
	} {
		r := e.do("POST", "/event-types", tc.token, tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.name, r.status, r.body, tc.status, tc.says)
		}
	}
	if r := e.do("GET", "/event-types?county=320902", "", nil); !strings.Contains(string(r.body), "service.vaccine") {
		t.Errorf("the new matter is not listed: %s", r.body)
	}
	for q, status := range map[string]int{"county=32x": 400, "county=320902001": 400, "county=320999": 404, "": 200} {
		if r := e.do("GET", "/event-types?"+q, "", nil); r.status != status {
			t.Errorf("GET /event-types?%s: %d, want %d", q, r.status, status)
		}
	}
}

func TestReportRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lon, lat := inGrid(1)
	ok := func(edit func(m map[string]any)) map[string]any {
		m := reportIn(1, "safety.gas", false)
		edit(m)
		return m
	}
	for _, tc := range []struct {
		name   string
		token  string
		body   any
		status int
		says   string
	}{
		{"no token", "", reportIn(1, "safety.gas", false), 401, "token"},
		{"a viewer", e.viewer, reportIn(1, "safety.gas", false), 403, "worker, operator or admin"},
		{"a department", e.dept, reportIn(1, "safety.gas", false), 403, "worker, operator or admin"},
		{"a worker outside its grid", e.worker, reportIn(2, "safety.gas", false), 403, "its own grid"},
		{"an operator of another town", e.other, reportIn(1, "safety.gas", false), 403, "limited to"},
		{"lon missing", e.op, ok(func(m map[string]any) { delete(m, "lon") }), 400, "lon"},
		{"lat out of range", e.op, ok(func(m map[string]any) { m["lat"] = 91 }), 400, "latitude from -90 to 90"},
		{"coordinates swapped", e.op, ok(func(m map[string]any) { m["lon"], m["lat"] = lat, lon }), 400, "latitude from -90 to 90"},
		{"outside the city", e.op, ok(func(m map[string]any) { m["lon"], m["lat"] = 116.4, 39.9 }), 422, "no grid of the city"},
		{"unknown type", e.op, ok(func(m map[string]any) { m["type"] = "safety.ufo" }), 400, "lists no matter safety.ufo"},
		{"no type", e.op, ok(func(m map[string]any) { m["type"] = "" }), 400, "type"},
		{"a worker's unknown type", e.worker, ok(func(m map[string]any) { m["type"] = "safety.ufo" }), 422, "Art. 19"},
		{"a worker's matter not given to workers", e.worker, ok(func(m map[string]any) { m["type"] = "emergency.fire" }), 422, "Art. 19"},
		{"another county's matter", e.op, ok(func(m map[string]any) { m["type"] = "safety.seawall" }), 400, "county 320902 lists no matter"},
		{"a NUL in the description", e.op, ok(func(m map[string]any) { m["description"] = "a\u0000b" }), 400, "NUL"},
		{"no description", e.op, ok(func(m map[string]any) { m["description"] = "  " }), 400, "description"},
		{"description too long", e.op, ok(func(m map[string]any) { m["description"] = strings.Repeat("很", 2001) }), 400, "at most 2000"},
		{"reported in the future", e.op, ok(func(m map[string]any) { m["reported_at"] = "2026-03-10T12:00:00+08:00" }), 400, "future"},
		{"reported long ago", e.op, ok(func(m map[string]any) { m["reported_at"] = "2025-03-10T12:00:00+08:00" }), 400, "30 days"},
		{"reported_at not a time", e.op, ok(func(m map[string]any) { m["reported_at"] = "yesterday" }), 400, "RFC 3339"},
		{"unknown field", e.op, ok(func(m map[string]any) { m["colour"] = "red" }), 400, "colour"},
		{"photo not base64", e.op, ok(func(m map[string]any) { m["photos"] = []string{"%%%"} }), 400, "base64"},
		{"photo not an image", e.op, ok(func(m map[string]any) { m["photos"] = []string{"aGVsbG8gd29ybGQ="} }), 400, "JPEG, PNG or WebP"},
		{"too many photos", e.op, ok(func(m map[string]any) { m["photos"] = []string{png, png, png, png} }), 400, "at most 3"},
		{"not JSON", e.op, []byte("type=safety.gas"), 400, "not a report"},
		{"empty", e.op, []byte(""), 400, "empty"},
	} {
		r := e.do("POST", "/events", tc.token, tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.name, r.status, r.body, tc.status, tc.says)
		}
	}
	// A photo over the limit is refused by size; a body over the route's
	// limit with 413.
	big := strings.Repeat("A", events.MaxPhotoBytes/3*4+400)
	if r := e.do("POST", "/events", e.op, ok(func(m map[string]any) { m["photos"] = []string{big} })); r.status != 400 || !strings.Contains(string(r.body), "larger than 1024 KiB") {
		t.Errorf("big photo: %d %s", r.status, r.body)
	}
	huge := strings.Repeat("A", events.MaxReportBytes)
	if r := e.do("POST", "/events", e.op, ok(func(m map[string]any) { m["photos"] = []string{huge} })); r.status != 413 {
		t.Errorf("huge body: %d %s", r.status, r.body)
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM event`); n != 0 {
		t.Errorf("%d events written by refused reports", n)
	}
}

// png is a 1×1 PNG in base64.
const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

func TestFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := reportIn(1, "safety.gas", false)
	body["photos"] = []string{png}
	r := e.do("POST", "/events", e.worker, body)
	if r.status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	ev := r.json(t)
	id := int64(ev["id"].(float64))
	// Friday 17:00 + 2 working hours = Monday 10:00; at Monday 12:00 it
	// is overdue.
	if ev["status"] != "reported" || ev["grid_code"] != string(opstest.Grid(1)) || ev["report_grid_code"] != string(opstest.Grid(1)) ||
		ev["due_at"] != "2026-03-09T02:00:00Z" || ev["overdue"] != true || r.header.Get("Location") != fmt.Sprintf("/events/%d", id) {
		t.Errorf("reported event: %s", r.body)
	}
	photo := ev["photos"].([]any)[0].(map[string]any)
	if photo["content_type"] != "image/png" {
		t.Errorf("photo: %v", photo)
	}
	if r := e.do("GET", fmt.Sprintf("/events/%d/photos/%d", id, int64(photo["id"].(float64))), e.op, nil); r.status != 200 || r.header.Get("Content-Type") != "image/png" || len(r.body) != int(photo["size"].(float64)) {
		t.Errorf("photo: %d %s", r.status, r.header)
	}

	steps := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		to     string
		says   string
	}{
		{"a worker may not accept", e.worker, map[string]any{"action": "accept"}, 403, "", "town centre's"},
		{"another town's operator may not", e.other, map[string]any{"action": "accept"}, 403, "", "town centre's"},
		{"nor a viewer", e.viewer, map[string]any{"action": "accept"}, 403, "", "town centre's"},
		{"close from reported", e.op, map[string]any{"action": "close"}, 409, "", "allowed only from verified"},
		{"dispatch from reported", e.op, map[string]any{"action": "dispatch", "department": "城管局"}, 409, "", "accepted or returned"},
		{"unknown action", e.op, map[string]any{"action": "escalate"}, 400, "", "want one of"},
		{"accept", e.op, map[string]any{"action": "accept"}, 200, "accepted", ""},
		{"accept twice", e.op, map[string]any{"action": "accept"}, 409, "", "is accepted"},
		{"a NUL in the department", e.op, map[string]any{"action": "dispatch", "department": "城管\u0000局"}, 400, "", "NUL"},
		{"dispatch without a department", e.op, map[string]any{"action": "dispatch"}, 400, "", "needs a department"},
		{"dispatch", e.op, map[string]any{"action": "dispatch", "department": "城管局", "note": "请尽快处理"}, 200, "dispatched", ""},
		{"another department may not respond", e.dept2, map[string]any{"action": "respond", "note": "done"}, 403, "", "城管局"},
		{"respond without a note", e.dept, map[string]any{"action": "respond"}, 400, "", "needs a note"},
		{"the department responds", e.dept, map[string]any{"action": "respond", "note": "已上门关阀，燃气公司检修"}, 200, "responded", ""},
		{"another grid's worker may not verify", e.w5, map[string]any{"action": "verify", "note": "ok"}, 403, "", "grid worker's of grid"},
		{"the department may not return an answer", e.dept, map[string]any{"action": "return", "reason": "x"}, 409, "", "only from dispatched"},
		{"the grid's worker verifies", e.worker, map[string]any{"action": "verify", "note": "现场复核，已无异味"}, 200, "verified", ""},
		{"the department may not close", e.dept, map[string]any{"action": "close"}, 403, "", "town centre's"},
		{"close", e.op, map[string]any{"action": "close"}, 200, "closed", ""},
		{"reject a closed event", e.op, map[string]any{"action": "reject", "reason": "dup"}, 409, "", "is closed"},
	}
	for _, s := range steps {
		r := e.step(s.token, id, s.body)
		if r.status != s.status || !strings.Contains(string(r.body), s.says) || (s.to != "" && r.json(t)["status"] != s.to) {
			t.Fatalf("%s: %d %s; want %d %s saying %q", s.name, r.status, r.body, s.status, s.to, s.says)
		}
	}
	r = e.do("GET", fmt.Sprintf("/events/%d", id), e.op, nil)
	var got events.Event
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 {
		t.Fatalf("GET event: %d %v %s", r.status, err, r.body)
	}
	if got.Status != "closed" || got.ClosedAt == nil || got.Overdue || got.Department == nil || *got.Department != "城管局" {
		t.Errorf("closed event: %s", r.body)
	}
	var trail []string
	for _, h := range got.History {
		trail = append(trail, fmt.Sprintf("%s:%s>%s:%s", h.Action, deref(h.FromStatus), h.ToStatus, h.Role))
	}
	want := "report:>reported:worker accept:reported>accepted:operator dispatch:accepted>dispatched:operator respond:dispatched>responded:department verify:responded>verified:worker close:verified>closed:operator"
	if strings.Join(trail, " ") != want {
		t.Errorf("history:\n got %s\nwant %s", strings.Join(trail, " "), want)
	}
	if got.History[2].Note != "to 城管局; 请尽快处理" || got.History[3].Note != "已上门关阀，燃气公司检修" {
		t.Errorf("notes: %+v", got.History)
	}
	// Every step audited, never with the description.
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM audit_log WHERE target = $1`, fmt.Sprintf("event/%d", id)); n != 6 {
		t.Errorf("%d audit lines, want 6", n)
	}
	if n := storetest.Int(t, e.st, `SELECT count(*) FROM audit_log WHERE after::text LIKE '%13912345678%' OR before::text LIKE '%13912345678%'`); n != 0 {
		t.Errorf("the description is in the audit log")
	}

	// Who may read: the town's operator, the grid's worker, the
	// department it went to; not another town, grid, department, a viewer.
	for tok, status := range map[string]int{e.op: 200, e.worker: 200, e.dept: 200, e.admin: 200, e.other: 403, e.w5: 403, e.dept2: 403, e.viewer: 403, "": 401} {
		if r := e.do("GET", fmt.Sprintf("/events/%d", id), tok, nil); r.status != status {
			t.Errorf("GET event: %d, want %d (%s)", r.status, status, r.body)
		}
	}
	if r := e.do("GET", "/events/999999", e.op, nil); r.status != 404 {
		t.Errorf("unknown event: %d", r.status)
	}
	if r := e.step(e.op, 999999, map[string]any{"action": "accept"}); r.status != 404 {
		t.Errorf("unknown event: %d", r.status)
	}

	// Return and reject: the department sends one back, the centre
	// dispatches again; a worker finds an answer does not hold.
	id2 := e.report(e.op, reportIn(5, "env.garbage", false))
	for _, s := range []struct {
		token  string
		body   map[string]any
		status int
		to     string
	}{
		{e.op, map[string]any{"action": "accept"}, 200, "accepted"},
		{e.op, map[string]any{"action": "dispatch", "department": "环保局"}, 200, "dispatched"},
		{e.dept, map[string]any{"action": "respond", "note": "x"}, 403, ""},
		{e.dept2, map[string]any{"action": "return", "reason": "属城管职责"}, 200, "returned"},
		{e.op, map[string]any{"action": "dispatch", "department": "城管局"}, 200, "dispatched"},
		{e.dept, map[string]any{"action": "respond", "note": "已清运"}, 200, "responded"},
		{e.w5, map[string]any{"action": "return", "reason": "仍有堆放"}, 200, "returned"},
		{e.w5, map[string]any{"action": "verify", "note": "x"}, 409, ""},
		{e.op, map[string]any{"action": "reject", "reason": "重复上报"}, 200, "rejected"},
	} {
		r := e.step(s.token, id2, s.body)
		if r.status != s.status || (s.to != "" && r.json(t)["status"] != s.to) {
			t.Fatalf("%v: %d %s; want %d %s", s.body, r.status, r.body, s.status, s.to)
		}
	}
}

// TestNotGivenToWorkers: a matter the county does not give to grid
// workers (Art. 19) is not verified by one; the centre closes it on the
// department's answer.
func TestNotGivenToWorkers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.report(e.op, reportIn(1, "emergency.fire", true))
	for _, s := range []struct {
		token  string
		body   map[string]any
		status int
		says   string
	}{
		{e.op, map[string]any{"action": "accept"}, 200, ""},
		{e.op, map[string]any{"action": "dispatch", "department": "消防救援大队"}, 200, ""},
		{e.op, map[string]any{"action": "close"}, 409, "verified or responded"},
		{e.token("department", county, 0, "消防救援大队"), map[string]any{"action": "respond", "note": "已扑灭"}, 200, ""},
		{e.worker, map[string]any{"action": "verify", "note": "ok"}, 422, "Art. 19"},
		{e.op, map[string]any{"action": "close"}, 200, "closed"},
	} {
		if r := e.step(s.token, id, s.body); r.status != s.status || !strings.Contains(string(r.body), s.says) {
			t.Fatalf("%v: %d %s; want %d saying %q", s.body, r.status, r.body, s.status, s.says)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestCalendarRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/admin/event-calendar", e.admin, nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), "date,kind,name\n2025-01-01,holiday,") {
		t.Errorf("GET calendar: %d %.80s", r.status, r.body)
	}
	put := func(token, ct, body string) resp {
		req, _ := http.NewRequest("PUT", e.srv.URL+"/admin/event-calendar", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ct)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		apitest.CheckResponse(t, req, res.StatusCode, res.Header, b)
		return resp{res.StatusCode, res.Header, b}
	}
	if r := put(e.op, "text/csv", "date,kind\n"); r.status != 403 {
		t.Errorf("an operator replaces the calendar: %d", r.status)
	}
	if r := put(e.admin, "application/json", "{}"); r.status != 415 {
		t.Errorf("JSON calendar: %d", r.status)
	}
	if r := put(e.admin, "text/csv", "date,kind\n2026-03-09,workday\n"); r.status != 400 || !strings.Contains(string(r.body), "Saturday or Sunday") {
		t.Errorf("bad calendar: %d %s", r.status, r.body)
	}
	// Monday 9 March a holiday: Friday 17:00 + 2 h is Tuesday 10:00.
	if r := put(e.admin, "text/csv", "date,kind,name\n2026-03-09,holiday,test\n"); r.status != 200 || r.json(t)["days"] != 1.0 {
		t.Fatalf("replace calendar: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/events", e.op, reportIn(1, "safety.gas", false))
	if r.status != 201 || r.json(t)["due_at"] != "2026-03-10T02:00:00Z" || r.json(t)["overdue"] != false {
		t.Errorf("due with the replaced calendar: %d %s", r.status, r.body)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.report(e.op, reportIn(1, "safety.gas", false)) // overdue at now
	b := e.report(e.op, reportIn(5, "env.garbage", true)) // due later
	c := e.report(e.op, reportIn(1, "dispute.neighbour", false))
	e.step(e.op, b, map[string]any{"action": "accept"})
	e.step(e.op, b, map[string]any{"action": "dispatch", "department": "城管局"})
	e.step(e.op, c, map[string]any{"action": "reject", "reason": "重复"})
	list := func(token, q string) (int, []int64, int64) {
		t.Helper()
		r := e.do("GET", "/events?"+q, token, nil)
		if r.status != 200 {
			return r.status, nil, 0
		}
		var p events.Page
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, s := range p.Events {
			ids = append(ids, s.ID)
		}
		if strings.Contains(string(r.body), "13912345678") {
			t.Errorf("a list shows the description")
		}
		return 200, ids, p.NextAfter
	}
	for _, tc := range []struct {
		token, q string
		status   int
		want     []int64
	}{
		{e.op, "area=320902001", 200, []int64{a, b, c}},
		{e.op, "area=320902001&status=open", 200, []int64{a, b}},
		{e.op, "area=320902001&overdue=true", 200, []int64{a}},
		{e.op, "area=320902001&status=rejected", 200, []int64{c}},
		{e.op, "area=" + string(opstest.Grid(5)), 200, []int64{b}},
		{e.worker, "area=" + string(opstest.Grid(1)), 200, []int64{a, c}},
		{e.dept, "area=320902", 200, []int64{b}},
		{e.dept2, "area=320902", 200, nil},
		{e.admin, "area=3209", 200, []int64{a, b, c}},
		{e.worker, "area=320902001", 403, nil},
		{e.other, "area=320902001", 403, nil},
		{e.viewer, "area=320902001", 403, nil},
		{e.op, "area=32x", 400, nil},
		{e.op, "area=320902001&status=done", 400, nil},
		{e.op, "area=320902001&limit=0", 400, nil},
	} {
		status, ids, _ := list(tc.token, tc.q)
		if status != tc.status || fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("GET /events?%s: %d %v, want %d %v", tc.q, status, ids, tc.status, tc.want)
		}
	}
	if _, ids, next := list(e.op, "area=320902001&limit=2"); fmt.Sprint(ids) != fmt.Sprint([]int64{a, b}) || next != b {
		t.Errorf("first page: %v next %d", ids, next)
	} else if _, ids, next := list(e.op, fmt.Sprintf("area=320902001&limit=2&after=%d", next)); fmt.Sprint(ids) != fmt.Sprint([]int64{c}) || next != 0 {
		t.Errorf("second page: %v next %d", ids, next)
	}
}
