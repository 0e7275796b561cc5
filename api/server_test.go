package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/prometheus/client_golang/prometheus"

	"gridmap/api"
	"gridmap/api/apitest"
	"gridmap/features"
	"gridmap/live"
	"gridmap/store"
	"gridmap/store/storetest"
)

// env is a running server on a fresh database with the fixture city.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	reg   *prometheus.Registry
}

// newEnv starts a server on a fresh database loaded with
// the read fixture (../features/testdata/read_fixture.sql), with
// extra mounts; pages of current features come from its live state, loaded
// once (the tests that write do not read pages afterwards).
func newEnv(t *testing.T, mounts map[string]http.Handler) *env {
	t.Helper()
	st := storetest.New(t)
	sql, err := os.ReadFile("../features/testdata/read_fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(context.Background(), string(sql)); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	holder, err := live.New(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h := api.NewServer(api.Deps{Store: st, Log: slog.New(slog.DiscardHandler), Registry: reg, Mounts: mounts,
		Features: features.New(st, holder, nil)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: st, reg: reg}
}

// response is what a request gave back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request (token may be ""), checks the response against the
// OpenAPI document and returns it.
func (e *env) do(method, path, token string, body io.Reader, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, body: b}
	checkOpenAPI(e.t, req, out)
	return out
}

// checkOpenAPI validates a response of a documented route against
// openapi.json (apitest).
func checkOpenAPI(t *testing.T, req *http.Request, res response) {
	t.Helper()
	apitest.CheckResponse(t, req, res.status, res.header, res.body)
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/conformance", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{code}",
		"/areas/{code}", "/areas/{code}/children", "/grids/{code}", "/grids/{code}/versions",
		"/healthz", "/readyz", "/metrics", "/openapi.json", "/admin/tokens", "/admin/tokens/{id}", "/admin/audit"} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

// problemOf decodes a problem response and checks its media type.
func problemOf(t *testing.T, r response) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != api.ProblemContentType {
		t.Errorf("content type %q, want %s; body %s", ct, api.ProblemContentType, r.body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, r.body)
	}
	if p.Status != r.status {
		t.Errorf("problem status %d, response status %d", p.Status, r.status)
	}
	return p
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}
