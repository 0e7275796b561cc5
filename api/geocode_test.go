package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridmap/api"
	"gridmap/demo"
	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
	"gridmap/live"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestGeocodeRoutes geocodes one address, a CSV and a JSON batch and a
// point through the routes, with and without a token; every answer is
// validated against openapi.json.
func TestGeocodeRoutes(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"})
	as, err := geocodetest.Read(ctx, st) // the demo's own standard addresses
	if err != nil || len(as) == 0 {
		t.Fatalf("%d standard addresses: %v", len(as), err)
	}
	lv, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	gh, err := geocode.NewHolder(ctx, st, lv, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		Geocode: (&geocode.Service{Index: gh, Live: lv, Store: st}).Handler()}))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, store: st}
	_, token, err := st.CreateToken(ctx, store.NewToken{Name: "geocoder", Role: "viewer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := as[len(as)/2]
	q := "/geocode?q=" + url.QueryEscape("江苏省"+strings.ReplaceAll(a.Text(), "号", "號"))

	if r := e.do("GET", q, "", nil); r.status != 401 {
		t.Errorf("GET /geocode without a token: %d, want 401", r.status)
	}
	if r := e.do("POST", "/geocode", "", strings.NewReader("1,x\n"), "Content-Type", "text/csv"); r.status != 401 {
		t.Errorf("POST /geocode without a token: %d, want 401", r.status)
	}
	if r := e.do("GET", "/geocode/reverse?lon=120&lat=33", "", nil); r.status != 401 {
		t.Errorf("GET /geocode/reverse without a token: %d, want 401", r.status)
	}

	r := e.do("GET", q, token, nil)
	m := r.json(t)
	if r.status != 200 || m["status"] != "matched" || m["grid"].(map[string]any)["code"] != string(a.Grid) ||
		m["address"].(map[string]any)["standard"] != a.Text() {
		t.Fatalf("GET %s: %d %s; want matched to %s in %s", q, r.status, r.body, a.Text(), a.Grid)
	}
	if h := m["hierarchy"].([]any); len(h) != 4 {
		t.Errorf("hierarchy %v, want city, county, town and village", h)
	}
	r = e.do("GET", q+"&at=2020-01-01T00:00:00Z", token, nil)
	if m := r.json(t); r.status != 200 || m["status"] != "matched" || m["grid"] != nil {
		t.Errorf("GET at a time before the address: %s; want matched with no grid", r.body)
	}
	made := "/geocode?q=" + url.QueryEscape(a.County+a.Town+"子虚乌有路1号")
	if r := e.do("GET", made, token, nil); r.status != 200 || r.json(t)["status"] != "area" || r.json(t)["grid"] != nil {
		t.Errorf("a made-up road: %s; want area with no grid", r.body)
	}
	if r := e.do("GET", "/geocode", token, nil); r.status != 400 {
		t.Errorf("GET /geocode without q: %d, want 400", r.status)
	}

	// CSV batch: answers in input order.
	var in strings.Builder
	in.WriteString("id,address\n")
	for i, x := range as[:50] {
		fmt.Fprintf(&in, "%d,%s\n", i, x.Text())
	}
	in.WriteString("50,火星路1号\n51,\n")
	r = e.do("POST", "/geocode", token, strings.NewReader(in.String()), "Content-Type", "text/csv")
	if r.status != 200 || r.header.Get(geocode.VersionHeader) == "" {
		t.Fatalf("POST CSV: %d %s", r.status, r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 53 || strings.Join(rows[0], ",") != "id,status,grid_code,address_code,standard,score" {
		t.Fatalf("CSV answer: %d rows, header %v", len(rows), rows[0])
	}
	for i, x := range as[:50] {
		if row := rows[i+1]; row[0] != fmt.Sprint(i) || row[1] != "matched" || row[2] != string(x.Grid) || row[3] != x.Code {
			t.Errorf("row %d: %v; want matched to %s %s", i, row, x.Code, x.Grid)
		}
	}
	if rows[51][1] != "unmatched" || rows[51][2] != "" || rows[52][1] != "invalid" {
		t.Errorf("rows 50, 51: %v %v; want unmatched and invalid", rows[51], rows[52])
	}

	// JSON batch.
	body, _ := json.Marshal([]map[string]any{{"id": 7, "address": as[0].Text()}, {"id": "b", "address": "聚龙湖"}, {"id": 9}})
	r = e.do("POST", "/geocode", token, strings.NewReader(string(body)), "Content-Type", "application/json")
	var out []map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 || len(out) != 3 {
		t.Fatalf("POST JSON: %d %s (%v)", r.status, r.body, err)
	}
	if out[0]["id"] != float64(7) || out[0]["status"] != "matched" || out[0]["grid_code"] != string(as[0].Grid) ||
		out[1]["id"] != "b" || out[1]["grid_code"] != nil || out[2]["status"] != "invalid" {
		t.Errorf("JSON answers %v", out)
	}
	if r := e.do("POST", "/geocode", token, strings.NewReader("x"), "Content-Type", "text/plain"); r.status != 415 {
		t.Errorf("POST text/plain: %d, want 415", r.status)
	}

	// Reverse: the nearest address to an address's point is itself.
	r = e.do("GET", fmt.Sprintf("/geocode/reverse?lon=%.7f&lat=%.7f", a.Point[0], a.Point[1]), token, nil)
	m = r.json(t)
	if r.status != 200 || m["address"] == nil || m["grid"].(map[string]any)["code"] != string(a.Grid) {
		t.Fatalf("reverse: %s", r.body)
	}
	if d := m["address"].(map[string]any)["distance_m"].(float64); d > 1 {
		t.Errorf("reverse: nearest address %v m away, want the address itself", d)
	}
	if r := e.do("GET", "/geocode/reverse?lon=100&lat=10", token, nil); r.status != 200 || r.json(t)["address"] != nil {
		t.Errorf("reverse far away: %s; want no address", r.body)
	}
	if r := e.do("GET", "/geocode/reverse?lon=x&lat=10", token, nil); r.status != 400 {
		t.Errorf("reverse lon=x: %d, want 400", r.status)
	}
}
