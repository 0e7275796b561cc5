package api

import (
	"net/http"

	"gridmap/events"
)

// eventsActor is the caller of an events route: the request's principal
// as package events sees it.
func eventsActor(r *http.Request) (events.Actor, bool) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return events.Actor{}, false
	}
	return events.Actor{ID: p.Actor(), Role: p.Role.String(), Area: p.Area, Worker: p.Worker, Department: p.Department}, true
}
