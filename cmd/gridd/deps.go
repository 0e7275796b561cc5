package main

// Temporary: pins the design card's libraries in go.mod while the packages
// that use them are being written in parallel. Remove once they import them.
import (
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/go-chi/chi/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/uber/h3-go/v4"
)
