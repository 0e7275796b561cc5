package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestAdminImportExport imports grids over HTTP (all or nothing, with the
// report), refuses non-admins, and exports what is stored.
func TestAdminImportExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, admin := e.mustToken("admin", "")
	_, planner := e.mustToken("planner", "320902")
	count := func() (n int) {
		if err := e.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM grid").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A new grid in the gap the retired grid 320902001002003 left.
	good := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320902001002004","kind":"urban","name":"二村新网格"},
		"geometry":{"type":"Polygon","coordinates":[[[120.15,33.05],[120.2,33.05],[120.2,33.1],[120.15,33.1],[120.15,33.05]]]}}]}`
	// Overlaps the current grid 320902001002001.
	overlapping := strings.Replace(good, "120.15,", "120.12,", -1)
	bowtie := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320902001002004","kind":"urban","name":"x"},
		"geometry":{"type":"Polygon","coordinates":[[[120.15,33.05],[120.2,33.1],[120.2,33.05],[120.15,33.1],[120.15,33.05]]]}}]}`

	before := count()
	tests := []struct {
		name, query, token, body string
		status                   int
		check                    string // a check id the report must name
	}{
		{"no token", "", "", good, 401, ""},
		{"planner", "", planner, good, 403, ""},
		{"bad kind", "?kind=rivers", admin, good, 400, ""},
		{"bad flag", "?dry_run=maybe", admin, good, 400, ""},
		{"not json", "", admin, "hello", 422, "not-json"},
		{"overlap", "?kind=grids", admin, overlapping, 422, "overlap"},
		{"self-intersection", "?kind=grids", admin, bowtie, 422, "self-intersection"},
		{"dry run", "?kind=grids&dry_run=true", admin, good, 200, ""},
	}
	for _, tt := range tests {
		r := e.do("POST", "/admin/import"+tt.query, tt.token, strings.NewReader(tt.body), "Content-Type", "application/geo+json")
		if r.status != tt.status {
			t.Fatalf("%s: status %d, want %d: %s", tt.name, r.status, tt.status, r.body)
		}
		if tt.check != "" && !strings.Contains(string(r.body), tt.check) {
			t.Errorf("%s: report does not name %q: %s", tt.name, tt.check, r.body)
		}
		if n := count(); n != before {
			t.Fatalf("%s: %d grid rows, want %d: a refused import wrote", tt.name, n, before)
		}
	}
	r := e.do("POST", "/admin/import?kind=grids", admin, strings.NewReader(good), "Content-Type", "application/geo+json")
	var rep struct {
		Accepted bool `json:"accepted"`
		Grids    int  `json:"grids"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &rep) != nil || !rep.Accepted || rep.Grids != 1 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if n := count(); n != before+1 {
		t.Fatalf("%d grid rows after import, want %d", n, before+1)
	}

	r = e.do("GET", "/admin/export?kind=grids&within=320902001002", admin, nil)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &fc) != nil {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	var codes []string
	for _, f := range fc.Features {
		codes = append(codes, f.Properties["code"].(string))
	}
	if strings.Join(codes, ",") != "320902001002001,320902001002002,32090200100200201,320902001002004" {
		t.Fatalf("exported %v", codes)
	}
	if r := e.do("GET", "/admin/export?kind=grids&level=county", admin, nil); r.status != 400 {
		t.Fatalf("level=county for grids: %d", r.status)
	}
	if r := e.do("GET", "/admin/export?kind=grids", planner, nil); r.status != 403 {
		t.Fatalf("planner export: %d", r.status)
	}
}
