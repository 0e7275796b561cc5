package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWithPage(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api") })
	h := WithPage(api)
	tests := []struct {
		path, accept string
		wantPage     bool
		wantType     string
	}{
		{"/", "text/html,application/xhtml+xml,*/*;q=0.8", true, "text/html"},
		{"/", "application/json", false, ""},
		{"/", "", false, ""},
		{"/?f=json", "text/html", false, ""},
		{"/collections", "text/html", false, ""},
		{"/static/app.js", "", true, "javascript"},
		{"/static/app.css", "", true, "text/css"},
		{"/fonts/sans/0-255.pbf", "", true, "application/x-protobuf"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		gotAPI := w.Body.String() == "api"
		if gotAPI == tt.wantPage {
			t.Errorf("%s (Accept %q): page %v, want %v", tt.path, tt.accept, !gotAPI, tt.wantPage)
		}
		if tt.wantPage && (w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), tt.wantType)) {
			t.Errorf("%s: %d %q, want 200 %q", tt.path, w.Code, w.Header().Get("Content-Type"), tt.wantType)
		}
	}
	// The page names the embedded MapLibre build and the app script.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "text/html")
	h.ServeHTTP(w, r)
	for _, want := range []string{"/vendor/maplibre-gl.js", "/static/app.js"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("page does not load %s", want)
		}
	}
}
