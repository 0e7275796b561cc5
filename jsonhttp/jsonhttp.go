// Package jsonhttp reads JSON request bodies and writes JSON responses the
// same way for every HTTP package of gridmap: a body is one JSON value of
// the expected shape (unknown fields refused) within the route's size
// limit, and anything else is answered with a problem+json saying what to
// fix (package problem): 415 for another media type, 413 over the limit,
// 400 for an empty body, bad syntax (with the byte offset), a field of the
// wrong JSON type, or a value that fails its own Valid check.
package jsonhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	prob "gridmap/problem"
)

// ContentType is the media type of JSON bodies.
const ContentType = "application/json"

// Validator is a request body that can check itself: it returns one entry
// per bad field, saying what to fix (empty when valid).
type Validator interface {
	Valid(ctx context.Context) map[string]string
}

// Write writes v as JSON (one line) with the status and media type
// (ContentType when empty). v is encoded before anything is written, so an
// error leaves the response untouched for the caller to answer.
func Write(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	if contentType == "" {
		contentType = ContentType
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// Decode reads the request body into a T (see DecodeInto); ok is false
// when the problem has been answered.
func Decode[T any](w http.ResponseWriter, r *http.Request) (v T, ok bool) {
	return v, DecodeInto(w, r, &v)
}

// DecodeInto reads the request body into v, a pointer, and runs v's Valid
// when it has one. On any problem it answers it and returns false. The
// body's size limit is the caller's (http.MaxBytesReader).
func DecodeInto(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != ContentType {
			prob.Status(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json", ct))
			return false
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		_, err = io.Copy(io.Discard, r.Body)
	}
	if err != nil {
		answer(w, r, err)
		return false
	}
	if val, ok := v.(Validator); ok {
		if problems := val.Valid(r.Context()); len(problems) > 0 {
			prob.Invalid(w, r, problems)
			return false
		}
	}
	return true
}

// answer answers a body that could not be decoded.
func answer(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		prob.Status(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than the limit of %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		prob.Status(w, r, http.StatusBadRequest, "request body is empty: send a JSON object")
	case errors.As(err, &syn):
		prob.Status(w, r, http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON at byte %d: %v", syn.Offset, syn))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		prob.Invalid(w, r, map[string]string{field: fmt.Sprintf("want %s, got a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)})
	default:
		prob.Status(w, r, http.StatusBadRequest, fmt.Sprintf("request body: %v", err))
	}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "a JSON object"
	case "slice", "array":
		return "a JSON array"
	case "string":
		return "a JSON string"
	case "bool":
		return "true or false"
	}
	return "a JSON number"
}
