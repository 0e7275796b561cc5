package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"gridmap/adjust"
	"gridmap/records"
)

// publicRoutes are the routes of public map data, which any web page may
// read (CORS) unless GRIDD_CORS_ORIGINS restricts the origins; every other
// route answers only the origins in GRIDD_CORS_TOKEN_ORIGINS. A public
// route added to the table below is added here too (TestPublicRoutes
// checks that each is served and needs no token).
var publicRoutes = []string{
	"GET /", "GET /conformance", "GET /collections", "GET /collections/{collectionId}",
	"GET /collections/{collectionId}/items", "GET /collections/{collectionId}/items/{code}",
	"GET /areas/{code}", "GET /areas/{code}/children", "GET /grids/{code}", "GET /grids/{code}/versions",
	"GET /lookup", "POST /lookup", "GET /tiles.json", "GET /tiles/*", "GET /openapi.json",
	"GET /event-types", "GET /open311/v2/services.json",
}

// addRoutes is the whole route table of the service.
func addRoutes(r chi.Router, d Deps) {
	log, st, f := d.Log, d.Store, d.Features

	// Extra handlers plugged in by other packages (tiles, lookup, ...).
	for key, h := range d.Mounts {
		if method, pattern, ok := strings.Cut(key, " "); ok {
			r.Method(method, strings.TrimSpace(pattern), h)
		} else {
			r.Mount(key, h)
		}
	}

	// Point lookups: public, streamed batches have no body limit.
	if d.Lookup != nil {
		r.Method(http.MethodGet, "/lookup", d.Lookup)
		r.Method(http.MethodPost, "/lookup", d.Lookup)
	}

	// Vector tiles and TileJSON: public map data.
	if d.Tiles != nil {
		r.Mount("/tiles", d.Tiles)
	}
	if d.TileJSON != nil {
		r.Method(http.MethodGet, "/tiles.json", d.TileJSON)
	}

	// Geocoding: the address database is not public, so any token, no
	// anonymous use; streamed batches have no body limit.
	if d.Geocode != nil {
		r.Group(func(r chi.Router) {
			r.Use(RequireRole(RoleViewer, nil))
			r.Method(http.MethodGet, "/geocode", d.Geocode)
			r.Method(http.MethodPost, "/geocode", d.Geocode)
			r.Method(http.MethodGet, "/geocode/reverse", d.Geocode)
		})
	}

	// Import and export stream whole files: their own body limit.
	r.Group(func(r chi.Router) {
		r.Use(RequireRole(RoleAdmin, nil))
		r.Method(http.MethodPost, "/admin/import", handleImport(log, st, d.MaxImportBytes))
		r.Method(http.MethodGet, "/admin/export", handleExport(log, st))
	})

	// Records (一标三实): token holders whose area covers the grid; personal
	// data masked, revealed only for a reason (package records decides).
	if d.Records != nil {
		rh := records.NewHTTP(d.Records, log, recordsCaller, d.MaxImportBytes)
		r.Method(http.MethodPost, "/records/import", rh.Import())
		r.Group(func(r chi.Router) {
			r.Use(LimitBody(d.MaxBodyBytes))
			r.Method(http.MethodGet, "/grids/{code}/residents", rh.GridResidents())
			r.Method(http.MethodGet, "/addresses/{id}", rh.Address())
			r.Method(http.MethodGet, "/residents", rh.Residents())
			r.Method(http.MethodPost, "/residents/{id}/reveal", rh.Reveal())
		})
	}

	// Events (Art. 31-35): the catalog is public; the rest by role, as
	// package events decides. A report carries its photos (its own body
	// limit); the stream is long-lived.
	if d.Events != nil {
		eh := d.Events.Handlers(eventsActor)
		r.Method(http.MethodPost, "/events", eh.Report())
		r.Method(http.MethodGet, "/events/stream", eh.Stream())
		r.Group(func(r chi.Router) {
			r.Use(LimitBody(d.MaxBodyBytes))
			r.Method(http.MethodGet, "/event-types", eh.Types())
			r.Method(http.MethodPost, "/event-types", eh.CreateType())
			r.Method(http.MethodGet, "/events", eh.List())
			r.Method(http.MethodGet, "/events/{id}", eh.Event())
			r.Method(http.MethodGet, "/events/{id}/photos/{photo}", eh.Photo())
			r.Method(http.MethodPost, "/events/{id}/transitions", eh.Transition())
			r.Method(http.MethodGet, "/admin/event-calendar", eh.Calendar())
			r.Method(http.MethodPut, "/admin/event-calendar", eh.ReplaceCalendar())
			// Open311 GeoReport v2 (api_key is a token; the list is public).
			r.Method(http.MethodGet, "/open311/v2/services.json", eh.Services311())
			r.Method(http.MethodPost, "/open311/v2/requests.json", eh.CreateRequest311())
			r.Method(http.MethodGet, "/open311/v2/requests/{file}", eh.Request311())
		})
	}

	// Event statistics (Art. 41) for an operator, approver or admin of
	// the area; the hexagon layer of event density is public map data
	// (counts only), a tileset beside the grid tiles.
	if d.EventStats != nil {
		r.With(LimitBody(d.MaxBodyBytes), RequireAnyRole(statsRoles, ScopeFromQuery("area"))).
			Method(http.MethodGet, "/stats/events", d.EventStats)
	}
	if d.EventTiles != nil {
		r.Method(http.MethodGet, "/tiles/events/{z}/{x}/{y}.mvt", d.EventTiles)
		r.Method(http.MethodGet, "/tiles/events.json", d.EventTileJSON)
	}

	r.Group(func(r chi.Router) {
		r.Use(LimitBody(d.MaxBodyBytes))

		// Operations.
		r.Method(http.MethodGet, "/healthz", handleHealthz())
		r.Method(http.MethodGet, "/readyz", handleReadyz(log, st, d.ReadStore))
		r.Method(http.MethodGet, "/metrics", handleMetrics(d.Registry))
		r.Method(http.MethodGet, "/openapi.json", handleOpenAPI())

		// OGC API Features. Public map data: no token.
		r.Method(http.MethodGet, "/", f.HandleLanding())
		r.Method(http.MethodGet, "/conformance", f.HandleConformance())
		r.Method(http.MethodGet, "/collections", f.HandleCollections())
		r.Method(http.MethodGet, "/collections/{collectionId}", f.HandleCollection())
		r.Method(http.MethodGet, "/collections/{collectionId}/items", f.HandleItems())
		r.Method(http.MethodGet, "/collections/{collectionId}/items/{code}", f.HandleItem())

		// Areas and grids by code. Public map data: no token.
		r.Method(http.MethodGet, "/areas/{code}", f.HandleArea())
		r.Method(http.MethodGet, "/areas/{code}/children", f.HandleAreaChildren())
		r.Method(http.MethodGet, "/grids/{code}", f.HandleGrid())
		r.Method(http.MethodGet, "/grids/{code}/versions", f.HandleGridVersions())

		// Boundary adjustments: token holders, by role and county.
		if d.Adjust != nil {
			proposalRoutes(r, log, d.Adjust)
		}

		// Suggested divisions (issue 20): a planner of the county; the
		// answer is a draft proposal.
		if d.Suggest != nil {
			r.Method(http.MethodPost, "/villages/{code}/suggest-division", d.Suggest.Handler(suggestActor, log))
		}

		// Grid workers (Art. 6, 13-23): the public board needs no token;
		// the rest an operator (its town) or admin, check-ins a worker.
		if d.Workers != nil {
			wh := d.Workers.Handlers(workersActor)
			r.Method(http.MethodGet, "/grids/{code}/board", wh.Board())
			r.Method(http.MethodPost, "/workers", wh.CreateWorker())
			r.Method(http.MethodGet, "/workers/{id}", wh.Worker())
			r.Method(http.MethodPost, "/workers/{id}/reviews", wh.AddReview())
			r.Method(http.MethodPost, "/workers/{id}/trainings", wh.AddTraining())
			r.Method(http.MethodPost, "/grids/{code}/appointments", wh.Appoint())
			r.Method(http.MethodGet, "/grids/{code}/appointments", wh.GridAppointments())
			r.Method(http.MethodPost, "/appointments/{id}/end", wh.EndAppointment())
			r.Method(http.MethodPost, "/towns/{code}/operators", wh.AddSeatOperator())
			r.Method(http.MethodGet, "/towns/{code}/operators", wh.TownSeatOperators())
			r.Method(http.MethodPost, "/operators/{id}/end", wh.EndSeatOperator())
			r.Method(http.MethodPost, "/patrols/checkins", wh.CheckIn())
			r.Method(http.MethodGet, "/grids/{code}/patrols", wh.GridPatrols())
			r.Method(http.MethodGet, "/checks", wh.Checks())
		}

		// Administration: a city-wide admin token.
		r.Group(func(r chi.Router) {
			r.Use(RequireRole(RoleAdmin, nil))
			r.Method(http.MethodPost, "/admin/tokens", handleCreateToken(log, st))
			r.Method(http.MethodGet, "/admin/tokens", handleListTokens(log, st))
			r.Method(http.MethodDelete, "/admin/tokens/{id}", handleRevokeToken(log, st))
			r.Method(http.MethodGet, "/admin/audit", handleAudit(log, st))
		})
	})
}

// suggestActor gives the suggestion route the request's token as an
// adjust.Actor.
func suggestActor(r *http.Request) (adjust.Actor, bool) {
	p, ok := PrincipalFrom(r.Context())
	return adjust.Actor{ID: p.Actor(), Role: p.Role.String(), Area: p.Area}, ok
}

// recordsCaller gives the records routes the request's token as a
// records.Caller.
func recordsCaller(r *http.Request) (records.Caller, bool) {
	p, ok := PrincipalFrom(r.Context())
	return records.Caller{ID: p.Actor(), Role: p.Role.String(), Area: p.Area}, ok
}
