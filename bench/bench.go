// Package bench holds the harnesses of gridd bench: each measures gridmap
// doing some work and PostGIS doing the same work in the same run, on the
// same machine, and writes a report. Lookup compares the in-memory index
// with per-point and batch PostGIS queries; Tiles compares the tile service
// with a pg_tileserv/Martin-style ST_AsMVT server; HTTP loads GET and POST
// /lookup through a loopback load generator.
//
// The harnesses take what they measure as parameters: a store, a Service
// that starts the real handler, a writer for the report and an options
// struct. Each is also a gridd bench subcommand (commands.go: its flags and
// their defaults, which only the harness can explain); gridd gives it the
// database and the service, so no harness reads the environment. They
// never write to the database (but for bench geocode's run tokens and
// its opt-in --fresh imports), and their load generator only
// targets this machine.
package bench

import (
	"context"
	"net/http"
)

// Service starts a fresh gridmap service over the store being measured
// (the handler gridd serve serves, with its own live state) and returns
// its handler; the service runs until ctx ends. Tiles starts two, so the
// second one's cold pass is cold too.
type Service func(ctx context.Context) (http.Handler, error)
