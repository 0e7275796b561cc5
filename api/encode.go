package api

import (
	"errors"
	"net/http"

	"gridmap/jsonhttp"
)

// Media types of responses.
const (
	jsonType    = "application/json"
	geojsonType = "application/geo+json"
)

// encode writes v as JSON with the status and media type.
func encode[T any](w http.ResponseWriter, status int, contentType string, v T) error {
	return jsonhttp.Write(w, status, contentType, v)
}

// Validator is a request body that can check itself (jsonhttp's).
type Validator = jsonhttp.Validator

// errBodyAnswered means decode has already written the problem response.
var errBodyAnswered = errors.New("request body rejected")

// decode reads a JSON body into T and validates it (jsonhttp.Decode); on
// any problem it has answered it and returns errBodyAnswered.
func decode[T Validator](w http.ResponseWriter, r *http.Request) (T, error) {
	v, ok := jsonhttp.Decode[T](w, r)
	if !ok {
		return v, errBodyAnswered
	}
	return v, nil
}
