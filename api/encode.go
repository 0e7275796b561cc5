package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Media types of responses.
const (
	jsonType    = "application/json"
	geojsonType = "application/geo+json"
)

// encode writes v as JSON with the status and media type.
func encode[T any](w http.ResponseWriter, status int, contentType string, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// Validator is a request body that can check itself: it returns one
// entry per bad field, saying what to fix (empty when valid).
type Validator interface {
	Valid(ctx context.Context) map[string]string
}

// errBodyAnswered means decode has already written the problem response.
var errBodyAnswered = errors.New("request body rejected")

// decode reads a JSON body into T (unknown fields rejected) and validates
// it. On any problem it writes the response (400 with per-field problems,
// 413 for a body over the limit, 415 for another media type) and returns
// errBodyAnswered.
func decode[T Validator](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != jsonType && !hasMediaType(ct, jsonType) {
		problem(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json", ct))
		return v, errBodyAnswered
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, e := io.Copy(io.Discard, r.Body); e != nil {
			err = e
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			problem(w, r, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body is larger than the limit of %d bytes", tooBig.Limit))
		case errors.Is(err, io.EOF):
			problem(w, r, http.StatusBadRequest, "request body is empty: send a JSON object")
		case errors.As(err, &syn):
			problem(w, r, http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON at byte %d: %v", syn.Offset, syn))
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "(body)"
			}
			invalid(w, r, map[string]string{field: fmt.Sprintf("want %s, got a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)})
		default:
			problem(w, r, http.StatusBadRequest, fmt.Sprintf("request body: %v", err))
		}
		return v, errBodyAnswered
	}
	if problems := v.Valid(r.Context()); len(problems) > 0 {
		invalid(w, r, problems)
		return v, errBodyAnswered
	}
	return v, nil
}

func hasMediaType(ct, want string) bool {
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			ct = ct[:i]
			break
		}
	}
	for len(ct) > 0 && ct[len(ct)-1] == ' ' {
		ct = ct[:len(ct)-1]
	}
	return ct == want
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
