package api

import (
	"net/http"

	"gridmap/workers"
)

// workersActor is the caller of a workers route: the request's principal
// as package workers sees it.
func workersActor(r *http.Request) (workers.Actor, bool) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return workers.Actor{}, false
	}
	return workers.Actor{ID: p.Actor(), Role: p.Role.String(), Area: p.Area, Worker: p.Worker}, true
}
