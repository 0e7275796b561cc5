package features

import (
	"log/slog"
	"net/http"
	"strings"

	"gridmap/jsonhttp"
	prob "gridmap/problem"
	"gridmap/store"
)

// Media types of responses.
const (
	jsonType    = "application/json"
	geojsonType = "application/geo+json"
)

// link is an OGC API / web link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// encode writes v as JSON with the status and media type.
func encode[T any](w http.ResponseWriter, status int, contentType string, v T) error {
	return jsonhttp.Write(w, status, contentType, v)
}

// problem writes a problem response with a detail.
func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	prob.Status(w, r, status, detail)
}

// invalid writes a 400 with one entry per bad field (sorted by name).
func invalid(w http.ResponseWriter, r *http.Request, problems map[string]string) {
	prob.Invalid(w, r, problems)
}

// internalError logs err with the request id and answers a 500 that names
// the id and nothing else.
func internalError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	prob.Unexpected(w, r, log, err, store.Unreachable(err))
}

// baseURL is the scheme and host the client used, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + strings.TrimSuffix(r.Host, "/")
}
