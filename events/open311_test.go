package events_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gridmap/api/apitest"
)

// open311Client is a client written against the GeoReport v2
// specification: form POST of a request, then GET of it by its
// service_request_id, JSON format, api_key as a parameter.
type open311Client struct {
	t      *testing.T
	base   string // the endpoint: …/open311/v2
	apiKey string
}

func (c open311Client) get(path string, q url.Values, v any) int {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path+"?"+q.Encode(), nil)
	return c.send(req, v)
}

func (c open311Client) post(path string, form url.Values, v any) int {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req, v)
}

func (c open311Client) send(req *http.Request, v any) int {
	c.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	apitest.CheckResponse(c.t, req, res.StatusCode, res.Header, b)
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("%s %s: %d, not JSON: %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return res.StatusCode
}

type service struct {
	ServiceCode string   `json:"service_code"`
	ServiceName string   `json:"service_name"`
	Metadata    bool     `json:"metadata"`
	Type        string   `json:"type"`
	Keywords    []string `json:"keywords"`
	Group       string   `json:"group"`
}

type request struct {
	ServiceRequestID  string  `json:"service_request_id"`
	Status            string  `json:"status"`
	StatusNotes       string  `json:"status_notes"`
	ServiceCode       string  `json:"service_code"`
	ServiceName       string  `json:"service_name"`
	Description       string  `json:"description"`
	AgencyResponsible string  `json:"agency_responsible"`
	RequestedDatetime string  `json:"requested_datetime"`
	ExpectedDatetime  string  `json:"expected_datetime"`
	Lat               float64 `json:"lat"`
	Long              float64 `json:"long"`
}

type apiError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func TestOpen311(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := open311Client{t: t, base: e.srv.URL + "/open311/v2", apiKey: e.op}

	// Service discovery: the county's matters, public.
	var services []service
	if status := c.get("/services.json", url.Values{"jurisdiction_id": {county}}, &services); status != 200 {
		t.Fatalf("services: %d", status)
	}
	var gas *service
	for i := range services {
		if services[i].ServiceCode == "safety.gas" {
			gas = &services[i]
		}
	}
	if gas == nil || gas.ServiceName != "燃气安全隐患" || gas.Type != "realtime" || gas.Metadata || gas.Group != "safety" {
		t.Fatalf("services: %+v", services)
	}

	// Create, then read back.
	lon, lat := inGrid(5)
	form := url.Values{"api_key": {c.apiKey}, "service_code": {"safety.gas"}, "lat": {fmt.Sprint(lat)}, "long": {fmt.Sprint(lon)},
		"description": {"煤气味很重"}, "first_name": {"小明"}, "last_name": {"王"}, "phone": {"13912345678"}, "attribute[urgent]": {"true"}}
	var created []struct {
		ServiceRequestID string `json:"service_request_id"`
		ServiceNotice    string `json:"service_notice"`
	}
	if status := c.post("/requests.json", form, &created); status != 201 || len(created) != 1 || created[0].ServiceRequestID == "" {
		t.Fatalf("create: %d %+v", status, created)
	}
	id := created[0].ServiceRequestID
	var got []request
	if status := c.get("/requests/"+id+".json", url.Values{"api_key": {c.apiKey}}, &got); status != 200 || len(got) != 1 {
		t.Fatalf("read: %d %+v", status, got)
	}
	r := got[0]
	if r.ServiceRequestID != id || r.Status != "open" || r.ServiceCode != "safety.gas" || r.Description != "煤气味很重" || r.Lat != lat || r.Long != lon ||
		r.RequestedDatetime == "" || r.ExpectedDatetime == "" {
		t.Errorf("request: %+v", r)
	}
	// The reporter's name and phone are stored sealed only; the event is
	// urgent.
	var clear int64
	if err := e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM event WHERE id = $1::bigint AND urgent
		AND reporter_name_sealed IS NOT NULL AND reporter_phone_sealed IS NOT NULL
		AND position('13912345678'::bytea in reporter_phone_sealed) = 0`, id).Scan(&clear); err != nil || clear != 1 {
		t.Errorf("sealed reporter: %d %v", clear, err)
	}

	// Through the flow it closes; status_notes and agency follow.
	var n int64
	fmt.Sscan(id, &n)
	for _, s := range []map[string]any{{"action": "accept"}, {"action": "dispatch", "department": "城管局"}} {
		if r := e.step(e.op, n, s); r.status != 200 {
			t.Fatal(r.status)
		}
	}
	e.step(e.dept, n, map[string]any{"action": "respond", "note": "已处置"})
	e.step(e.w5, n, map[string]any{"action": "verify", "note": "已复核"})
	e.step(e.op, n, map[string]any{"action": "close"})
	c.get("/requests/"+id+".json", url.Values{"api_key": {c.apiKey}}, &got)
	if got[0].Status != "closed" || got[0].AgencyResponsible != "城管局" || got[0].StatusNotes != "closed" {
		t.Errorf("closed request: %+v", got[0])
	}

	// Errors as the specification writes them.
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		says   string
	}{
		{"no api_key", url.Values{"service_code": {"safety.gas"}, "lat": {"33.015"}, "long": {"120.015"}, "description": {"x"}}, 403, "api_key"},
		{"a bad api_key", url.Values{"api_key": {"gm_nope"}, "service_code": {"safety.gas"}, "lat": {"33.015"}, "long": {"120.015"}, "description": {"x"}}, 403, "not known"},
		{"no lat", url.Values{"api_key": {c.apiKey}, "service_code": {"safety.gas"}, "long": {"120.015"}, "description": {"x"}}, 400, "lat: give the latitude"},
		{"long not a number", url.Values{"api_key": {c.apiKey}, "service_code": {"safety.gas"}, "lat": {"33.015"}, "long": {"east"}, "description": {"x"}}, 400, "long:"},
		{"unknown service", url.Values{"api_key": {c.apiKey}, "service_code": {"pothole"}, "lat": {"33.015"}, "long": {"120.015"}, "description": {"x"}}, 400, "service_code"},
		{"outside the city", url.Values{"api_key": {c.apiKey}, "service_code": {"safety.gas"}, "lat": {"39.9"}, "long": {"116.4"}, "description": {"x"}}, 422, "no grid"},
	} {
		var errs []apiError
		status := c.post("/requests.json", tc.form, &errs)
		if status != tc.status || len(errs) == 0 || errs[0].Code != tc.status || !strings.Contains(errs[0].Description, tc.says) {
			t.Errorf("%s: %d %+v; want %d saying %q", tc.name, status, errs, tc.status, tc.says)
		}
	}
	var errs []apiError
	if status := c.get("/requests/"+id+".json", url.Values{"api_key": {e.other}}, &errs); status != 403 {
		t.Errorf("another town reads: %d %+v", status, errs)
	}
	if status := c.get("/requests/999999.json", url.Values{"api_key": {c.apiKey}}, &errs); status != 404 {
		t.Errorf("unknown request: %d %+v", status, errs)
	}
	if status := c.get("/services.json", url.Values{"jurisdiction_id": {"beijing"}}, &errs); status != 400 {
		t.Errorf("bad jurisdiction: %d %+v", status, errs)
	}
}
