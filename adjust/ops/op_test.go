package ops_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gridmap/adjust/ops"
	"gridmap/geo"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, op string
		want     string // "" for a valid op, else words of the error
	}{
		{"split", `{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[120,33],[120.1,33.1]]}}`, ""},
		{"split without line", `{"type":"split","grids":["320902001001005"]}`, "LineString"},
		{"split with polygon", `{"type":"split","grids":["320902001001005"],"geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}`, "got Polygon"},
		{"split of two grids", `{"type":"split","grids":["320902001001005","320902001001006"],"geometry":{"type":"LineString","coordinates":[[120,33],[121,34]]}}`, "exactly one grid"},
		{"line out of range", `{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[190,33],[121,34]]}}`, "longitude"},
		{"merge of one", `{"type":"merge","grids":["320902001001005"]}`, "two or more"},
		{"merge", `{"type":"merge","grids":["320902001001005","320902001001006"]}`, ""},
		{"grid of another county", `{"type":"merge","grids":["320903001001005","320902001001006"]}`, "not in county"},
		{"sub-grid", `{"type":"rename","grids":["32090200100100501"],"name":"x"}`, ""},
		{"sub-grid split", `{"type":"split","grids":["32090200100100501"],"geometry":{"type":"LineString","coordinates":[[120,33],[120.1,33.1]]}}`, ""},
		{"urban sub-grid", `{"type":"rename","grids":["32090200100100501"],"kind":"urban"}`, "sub-grids are exclusive"},
		{"sub-grid redraw part of a kind", `{"type":"redraw","grids":["32090200100100501"],"parts":[{"kind":"rural","name":"n","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}]}`, "sub-grids are exclusive"},
		{"bad code", `{"type":"rename","grids":["32x9"],"name":"x"}`, "invalid code"},
		{"city code", `{"type":"rename","grids":["3209"],"name":"x"}`, "15 digits"},
		{"rename without change", `{"type":"rename","grids":["320902001001005"]}`, "new name or kind"},
		{"bad kind", `{"type":"rename","grids":["320902001001005"],"kind":"castle"}`, "kind"},
		{"blank name", `{"type":"rename","grids":["320902001001005"],"name":"   "}`, "name"},
		{"create", `{"type":"create","village":"320902001001","kind":"rural","name":"n","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}`, ""},
		{"create self-intersecting", `{"type":"create","village":"320902001001","kind":"rural","name":"n","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,34],[121,33],[120,34],[120,33]]]}}`, "polygon"},
		{"create without village", `{"type":"create","kind":"rural","name":"n","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}`, "village"},
		{"transfer without to", `{"type":"transfer","grids":["320902001001005"],"geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}`, "exactly one grid in to"},
		{"retire without taker", `{"type":"retire","grids":["320902001001005"]}`, "take its area"},
		{"reshape", `{"type":"reshape","grids":["320902001001005","320902001001006"],"geometry":{"type":"LineString","coordinates":[[120,33],[121,34]]}}`, ""},
		{"redraw without parts", `{"type":"redraw","grids":["320902001001005"]}`, "parts"},
		{"redraw new part without name", `{"type":"redraw","grids":["320902001001005"],"parts":[{"kind":"rural","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}]}`, "kind and a name"},
		{"unknown", `{"type":"explode"}`, "unknown operation"},
	}
	for _, tc := range cases {
		var op ops.Op
		if err := json.Unmarshal([]byte(tc.op), &op); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err := ops.Check(op, "320902000000")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// FuzzCheck feeds arbitrary JSON operations to Check: it must answer,
// never panic.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"type":"split","grids":["320902001001005"],"geometry":{"type":"LineString","coordinates":[[120,33],[120.1,33.1]]}}`,
		`{"type":"create","village":"320902001001","kind":"rural","name":"n","geometry":{"type":"Polygon","coordinates":[[[120,33],[121,33],[121,34],[120,33]]]}}`,
		`{"type":"redraw","grids":["320902001001005"],"parts":[{"code":"320902001001005","geometry":{"type":"MultiPolygon","coordinates":[]}}]}`,
		`{"type":"transfer","grids":["320902001001005"],"to":["320902001001006"],"geometry":{"type":"Polygon","coordinates":[[]]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var op ops.Op
		if json.Unmarshal([]byte(s), &op) != nil {
			return
		}
		_ = ops.Check(op, geo.Code("320902000000"))
	})
}
