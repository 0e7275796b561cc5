// Package apitest is test support for the HTTP packages: it checks real
// responses against the service's OpenAPI document (api/openapi.json), so
// every capability's tests validate its routes the same way. Production
// code never imports it.
package apitest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"gridmap/api"
)

var (
	once   sync.Once
	router routers.Router
	docErr error
)

// Router returns the router of the validated OpenAPI document, built once.
func Router(t testing.TB) routers.Router {
	t.Helper()
	once.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.FileBodyDecoder)
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err != nil {
			docErr = err
			return
		}
		router, docErr = legacy.NewRouter(doc)
	})
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return router
}

// CheckResponse validates a response of a documented route against
// openapi.json: status, media type and body schema. req must carry the
// URL the client asked (scheme and host too: the document's server is
// {scheme}://{host}). Undocumented answers are skipped only where the
// document cannot list them: HEAD (answered as GET without a body), test
// mounts under /test, tiles, and 404 or 405 for unknown routes.
func CheckResponse(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	r := Router(t)
	if req.Method == http.MethodHead {
		return
	}
	route, params, err := r.FindRoute(req)
	if err != nil {
		if strings.HasPrefix(req.URL.Path, "/test") || strings.HasPrefix(req.URL.Path, "/tiles") || status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return
		}
		t.Fatalf("%s %s is not in openapi.json: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: response %d does not match openapi.json: %v\n%.600s", req.Method, req.URL.Path, status, err, body)
	}
}
