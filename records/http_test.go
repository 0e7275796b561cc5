package records_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"gridmap/records"
)

// TestImportHTTPRefusals: no token 401, a viewer 403, a bad kind or
// charset 400, a body over the limit 413; the import itself is tested
// through the service and over the whole server (cmd/gridd).
func TestImportHTTPRefusals(t *testing.T) {
	t.Parallel()
	_, svc := newService(t)
	callers := map[string]records.Caller{"admin": admin, "viewer": viewer}
	h := records.NewHTTP(svc, nil, func(r *http.Request) (records.Caller, bool) {
		c, ok := callers[r.Header.Get("X-Test-Caller")]
		return c, ok
	}, 200)
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/records/import", h.Import())
	big := "address,lon,lat\n" + strings.Repeat("盐城市亭湖区五星街道解放南路20号,120.05,33.07\n", 20)
	for _, c := range []struct {
		caller, query, body string
		status              int
		says                string
	}{
		{"", "kind=addresses", "address,lon,lat\n", 401, "needs a token"},
		{"viewer", "kind=addresses", "address,lon,lat\n", 403, "role planner"},
		{"admin", "kind=roads", "address,lon,lat\n", 400, "kind"},
		{"admin", "kind=addresses&charset=latin1", "address,lon,lat\n", 400, "charset"},
		{"admin", "kind=addresses&partial=maybe", "address,lon,lat\n", 400, "partial"},
		{"admin", "kind=addresses", big, 413, "over 200 bytes"},
		{"admin", "kind=addresses", "address,lat\n", 422, "column named lon"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/records/import?"+c.query, strings.NewReader(c.body))
		req.Header.Set("X-Test-Caller", c.caller)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.says) || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s %s; want %d saying %q", c.caller, c.query, w.Code, w.Header().Get("Content-Type"), w.Body.String(), c.status, c.says)
		}
	}
}
