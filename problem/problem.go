// Package problem writes RFC 9457 problem details (application/problem+json)
// and carries the request id they name, so every HTTP package of gridmap
// (api, tiles, lookup) answers errors the same way: what is wrong and what
// to fix, never an internal error's text. The detail is English, for
// integrators; every problem also carries a stable code for its kind of
// error, which the pages show in the reader's language.
package problem

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
)

// ContentType is the media type of problem responses.
const ContentType = "application/problem+json"

// Details is an RFC 9457 problem. Code is the stable kind of the error (one
// of Codes; Write derives it from Status when it is empty). Errors lists
// per-field problems of a bad request, each saying what to fix; Extra
// members are added at the top level.
type Details struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Code      string         `json:"code"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	Errors    []Field        `json:"errors,omitempty"`
	Extra     map[string]any `json:"-"`
}

// Field is what is wrong with one parameter or body field.
type Field struct {
	Name   string `json:"name"`
	Detail string `json:"detail"`
}

type ctxKey struct{}

// WithRequestID returns a context carrying the request id problems name.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id of the context, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// The codes of problems: one per kind of error, stable for pages and
// clients to act on. Most follow from the status (CodeFor); a refusal of
// the adjustment engine names its own kind (CodeStale, CodeChecksFailed).
const (
	CodeBadRequest           = "bad-request"            // 400, a malformed request
	CodeInvalidParameters    = "invalid-parameters"     // 400, fields listed in errors
	CodeUnauthorized         = "unauthorized"           // 401, no or a bad token
	CodeForbidden            = "forbidden"              // 403
	CodeNotFound             = "not-found"              // 404
	CodeMethodNotAllowed     = "method-not-allowed"     // 405
	CodeNotAcceptable        = "not-acceptable"         // 406
	CodeConflict             = "conflict"               // 409, not in this status
	CodeStale                = "stale"                  // 409, the grids changed since the proposal was drawn
	CodeTooLarge             = "too-large"              // 413
	CodeUnsupportedMediaType = "unsupported-media-type" // 415
	CodeInvalid              = "invalid"                // 422, well formed but cannot be carried out
	CodeChecksFailed         = "checks-failed"          // 422, error findings listed in findings
	CodeTooManyRequests      = "too-many-requests"      // 429
	CodeInternal             = "internal"               // 500
	CodeNotImplemented       = "not-implemented"        // 501
	CodeUnavailable          = "unavailable"            // 503
	CodeError                = "error"                  // any other status
)

// Codes lists every code a problem may carry.
func Codes() []string {
	return []string{CodeBadRequest, CodeInvalidParameters, CodeUnauthorized, CodeForbidden, CodeNotFound,
		CodeMethodNotAllowed, CodeNotAcceptable, CodeConflict, CodeStale, CodeTooLarge, CodeUnsupportedMediaType,
		CodeInvalid, CodeChecksFailed, CodeTooManyRequests, CodeInternal, CodeNotImplemented, CodeUnavailable, CodeError}
}

// CodeFor returns the code of a problem with status and no code of its own.
func CodeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusNotAcceptable:
		return CodeNotAcceptable
	case http.StatusConflict:
		return CodeConflict
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return CodeInvalid
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case http.StatusInternalServerError:
		return CodeInternal
	case http.StatusNotImplemented:
		return CodeNotImplemented
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	}
	return CodeError
}

// Write sends p, filling in type, title, code, instance and request id.
func Write(w http.ResponseWriter, r *http.Request, p Details) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Code == "" {
		p.Code = CodeFor(p.Status)
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Instance = r.URL.Path
	p.RequestID = RequestID(r.Context())
	type plain Details // without the method set, for the default encoding
	b, err := json.Marshal(plain(p))
	if err == nil && len(p.Extra) > 0 {
		m := map[string]any{}
		if err = json.Unmarshal(b, &m); err == nil {
			for k, v := range p.Extra {
				if _, taken := m[k]; !taken {
					m[k] = v
				}
			}
			b, err = json.Marshal(m)
		}
	}
	if err != nil {
		http.Error(w, p.Detail, p.Status)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Del("Content-Encoding")
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// Status writes a problem with a status and a detail.
func Status(w http.ResponseWriter, r *http.Request, status int, detail string) {
	Write(w, r, Details{Status: status, Detail: detail})
}

// Invalid writes a 400 with one entry per bad field, sorted by name.
func Invalid(w http.ResponseWriter, r *http.Request, fields map[string]string) {
	p := Details{Status: http.StatusBadRequest, Code: CodeInvalidParameters}
	for name, detail := range fields {
		p.Errors = append(p.Errors, Field{Name: name, Detail: detail})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Name < p.Errors[j].Name })
	if len(p.Errors) == 1 {
		p.Detail = fmt.Sprintf("%s: %s", p.Errors[0].Name, p.Errors[0].Detail)
	} else {
		p.Detail = fmt.Sprintf("%d parameters are invalid; see errors", len(p.Errors))
	}
	Write(w, r, p)
}

// Internal answers a 500 that names the request id and nothing else; the
// caller logs the real error under the same id.
func Internal(w http.ResponseWriter, r *http.Request) {
	Status(w, r, http.StatusInternalServerError, fmt.Sprintf("internal error (request id %s)", RequestID(r.Context())))
}

// RetryAfterDatabase is the Retry-After (seconds) of DatabaseUnreachable:
// about how long a database restart or a standby's failover takes.
const RetryAfterDatabase = 5

// DatabaseUnreachable answers a 503 with Retry-After for a request that
// needs the database while it cannot be reached (the caller tells such an
// error apart, with store.Unreachable, and logs it). What answers from
// memory (lookups, tiles) keeps answering meanwhile; the detail says so.
func DatabaseUnreachable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterDatabase))
	Status(w, r, http.StatusServiceUnavailable, fmt.Sprintf(
		"the database is unreachable; retry in %d seconds (lookups and tiles still answer from memory; request id %s)",
		RetryAfterDatabase, RequestID(r.Context())))
}

// Unexpected answers an error the client cannot fix and logs it with the
// request id: a 503 with Retry-After when down says the database could
// not be reached (the caller tells, with store.Unreachable), else a 500
// that names the request id and nothing else. Every capability's handlers
// end here, so each route that needs the database answers alike.
func Unexpected(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, down bool) {
	if down {
		log.Warn("database unreachable", "id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		DatabaseUnreachable(w, r)
		return
	}
	log.Error("internal error", "id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	Internal(w, r)
}
