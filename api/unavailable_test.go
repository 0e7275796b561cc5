package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jackc/pgx/v5"

	"gridmap/api"
	"gridmap/problem"
	"gridmap/store/storetest"
)

// TestDatabaseDownAnswersAreDocumented makes the database refuse every
// connection under a serving server: the routes that need it answer 503
// unavailable with Retry-After, and those answers match openapi.json (the
// shared Unavailable response); a lookup-free route answered from memory
// keeps answering.
func TestDatabaseDownAnswersAreDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, admin := e.mustToken("admin", "")
	ctx := context.Background()
	var db string
	if err := e.store.Pool().QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, storetest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" ALLOW_CONNECTIONS true")
		conn.Close(context.Background())
	})
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ method, path, token string }{
		{"GET", "/grids/320902001001001", ""},
		{"GET", "/grids/320902001001001/versions", ""},
		{"GET", "/areas/320902000000", ""},
		{"GET", "/areas/320902000000/children", ""},
		{"GET", "/admin/tokens", admin}, // the token itself is checked in the database
		{"GET", "/admin/audit", admin},
	} {
		r := e.do(c.method, c.path, c.token, nil) // checked against openapi.json
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s with the database down: %d %s, want 503", c.method, c.path, r.status, r.body)
			continue
		}
		if p := problemOf(t, r); p.Code != problem.CodeUnavailable || !strings.Contains(p.Detail, "database is unreachable") {
			t.Errorf("%s %s: code %q, detail %q; want unavailable, saying the database is unreachable", c.method, c.path, p.Code, p.Detail)
		}
		if ra := r.header.Get("Retry-After"); ra != strconv.Itoa(problem.RetryAfterDatabase) {
			t.Errorf("%s %s: Retry-After %q, want %d", c.method, c.path, ra, problem.RetryAfterDatabase)
		}
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
		t.Errorf("/healthz with the database down: %d %s", r.status, r.body)
	}
}

// TestUnavailableDocumented checks that every route that needs the
// database lists the shared 503 response (Unavailable, with its
// Retry-After header), and that those answered from memory do not.
func TestUnavailableDocumented(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	u := doc.Components.Responses["Unavailable"]
	if u == nil || u.Value.Headers["Retry-After"] == nil {
		t.Fatal("openapi.json: no components/responses/Unavailable with a Retry-After header")
	}
	memory := map[string]bool{
		"GET /": true, "GET /conformance": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
		"GET /openapi.json": true, "GET /lookup": true, "POST /lookup": true, "GET /tiles.json": true,
		"GET /tiles/{layer}.json": true, "GET /tiles/{z}/{x}/{y}.mvt": true, "GET /tiles/{layer}/{z}/{x}/{y}.mvt": true,
		"HEAD /tiles/{z}/{x}/{y}.mvt": true, "HEAD /tiles/{layer}/{z}/{x}/{y}.mvt": true,
		"GET /tiles/events.json": true, "GET /tiles/events/{z}/{x}/{y}.mvt": true, // the events' in-memory table
	}
	// The Open311 facade answers in GeoReport v2's error format, with
	// Retry-After on its 503.
	open311 := map[string]bool{"GET /open311/v2/services.json": true, "POST /open311/v2/requests.json": true, "GET /open311/v2/requests/{file}": true}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			r := op.Responses.Value("503")
			switch {
			case open311[key]:
				if r == nil || r.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s needs the database but its 503 (GeoReport's error) lacks Retry-After", key)
				}
			case memory[key] && r != nil && r.Ref == "#/components/responses/Unavailable":
				t.Errorf("%s answers from memory but lists the database's 503", key)
			case !memory[key] && (r == nil || r.Ref != "#/components/responses/Unavailable"):
				t.Errorf("%s needs the database but does not list 503 (#/components/responses/Unavailable)", key)
			}
		}
	}
}
