package api_test

import (
	"bytes"
	"testing"
)

// TestAreaCodeForms names areas in the forms people type — a 6-digit
// county, a 9-digit town — and in the padded 12-digit form, and gets the
// same answer: a proposal of the same county, a token of the same scope,
// the same export.
func TestAreaCodeForms(t *testing.T) {
	t.Parallel()
	e := newProposalServer(t)
	_, planner := e.mustToken("planner", "320902")
	_, admin := e.mustToken("admin", "")

	for _, county := range []string{"320902", "320902000000"} {
		p := e.step("POST", "/proposals", planner, `{"county":"`+county+`","reason":2}`, 201)
		if p["county"] != "320902000000" {
			t.Errorf("county %q: the proposal is of county %v; want 320902000000", county, p["county"])
		}
	}
	for _, area := range []string{"320902001", "320902001000"} {
		tok := e.step("POST", "/admin/tokens", admin, `{"role":"viewer","area":"`+area+`"}`, 201)
		if tok["area"] != "320902001000" {
			t.Errorf("area %q: the token's area is %v; want 320902001000", area, tok["area"])
		}
	}
	var exports [][]byte
	for _, within := range []string{"320902001", "320902001000"} {
		r := e.do("GET", "/admin/export?kind=grids&within="+within, admin, nil)
		if r.status != 200 || !bytes.Contains(r.body, []byte("320902001001001")) {
			t.Fatalf("export within %s: %d, want 200 with grid 320902001001001:\n%.300s", within, r.status, r.body)
		}
		exports = append(exports, r.body)
	}
	if !bytes.Equal(exports[0], exports[1]) {
		t.Errorf("export within 320902001 and within 320902001000 differ")
	}
}
