package api

import "testing"

// TestRouteLabel joins chi's route patterns as chi does below a mount, and
// takes the later pattern alone where a router given to Method routed the
// whole path again (the TileJSON handler at /tiles.json).
func TestRouteLabel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		patterns []string
		want     string
	}{
		{nil, ""},
		{[]string{"/"}, "/"},
		{[]string{"/areas/{code}"}, "/areas/{code}"},
		{[]string{"/tiles.json", "/tiles.json"}, "/tiles.json"},
		{[]string{"/lookup/{code}", "/lookup/{id}"}, "/lookup/{id}"},
		{[]string{"/tiles/*"}, "/tiles/*"},
		{[]string{"/tiles/*", "/{layer}/{z}/{x}/{y}.mvt"}, "/tiles/{layer}/{z}/{x}/{y}.mvt"},
		{[]string{"/tiles", "/"}, "/tiles"},
		{[]string{"/tiles/", "/"}, "/tiles"},
		{[]string{"/a/*", "/b/*", "/c"}, "/a/b/c"},
		{[]string{"/a/*", "/b", "/b"}, "/a/b"},
	}
	for _, tc := range cases {
		if got := routeLabel(tc.patterns); got != tc.want {
			t.Errorf("routeLabel(%q) = %q; want %q", tc.patterns, got, tc.want)
		}
	}
}
