package api

import (
	"fmt"
	prob "gridmap/problem"
	"log/slog"
	"net/http"
	"sort"
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
	writeProblem(w, r, Problem{Status: status, Detail: detail})
}

// invalid writes a 400 with one entry per bad field (sorted by name).
func invalid(w http.ResponseWriter, r *http.Request, problems map[string]string) {
	p := Problem{Status: http.StatusBadRequest}
	for name, detail := range problems {
		p.Errors = append(p.Errors, FieldProblem{Name: name, Detail: detail})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Name < p.Errors[j].Name })
	if len(p.Errors) == 1 {
		p.Detail = fmt.Sprintf("%s: %s", p.Errors[0].Name, p.Errors[0].Detail)
	} else {
		p.Detail = fmt.Sprintf("%d parameters are invalid; see errors", len(p.Errors))
	}
	writeProblem(w, r, p)
}

// internalError logs err with the request id and answers a 500 that names
// the id and nothing else.
func internalError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	log.Error("internal error", "id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	problem(w, r, http.StatusInternalServerError, internalDetail(r))
}

func internalDetail(r *http.Request) string {
	return fmt.Sprintf("internal error (request id %s)", RequestID(r.Context()))
}

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) { prob.Write(w, r, p) }
