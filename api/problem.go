package api

import (
	"fmt"
	prob "gridmap/problem"
	"gridmap/store"
	"log/slog"
	"net/http"
)

// Problem is an RFC 9457 problem detail (the problem package's, shared by
// every HTTP package of gridmap).
type Problem = prob.Details

// FieldProblem is what is wrong with one parameter or body field.
type FieldProblem = prob.Field

// ProblemContentType is the media type of problem responses.
const ProblemContentType = prob.ContentType

// problem writes a problem response with a detail.
func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	prob.Status(w, r, status, detail)
}

// invalid writes a 400 with one entry per bad field (sorted by name).
func invalid(w http.ResponseWriter, r *http.Request, problems map[string]string) {
	prob.Invalid(w, r, problems)
}

// internalError logs err with the request id and answers a 500 that names
// the id and nothing else, or a 503 with Retry-After when the database
// could not be reached (store.Unreachable): every handler's errors go
// through here, so each route that needs the database answers alike.
func internalError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	prob.Unexpected(w, r, log, err, store.Unreachable(err))
}

func internalDetail(r *http.Request) string {
	return fmt.Sprintf("internal error (request id %s)", RequestID(r.Context()))
}

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) { prob.Write(w, r, p) }
