package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// addRoutes is the whole route table of the service.
func addRoutes(r chi.Router, d Deps) {
	log, st := d.Log, d.Store

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

	r.Group(func(r chi.Router) {
		r.Use(LimitBody(d.MaxBodyBytes))

		// Operations.
		r.Method(http.MethodGet, "/healthz", handleHealthz())
		r.Method(http.MethodGet, "/readyz", handleReadyz(log, st))
		r.Method(http.MethodGet, "/metrics", handleMetrics(d.Registry))
		r.Method(http.MethodGet, "/openapi.json", handleOpenAPI())

		// OGC API Features. Public map data: no token.
		r.Method(http.MethodGet, "/", handleLanding())
		r.Method(http.MethodGet, "/conformance", handleConformance())
		r.Method(http.MethodGet, "/collections", handleCollections(log, st))
		r.Method(http.MethodGet, "/collections/{collectionId}", handleCollection(log, st))
		r.Method(http.MethodGet, "/collections/{collectionId}/items", handleItems(log, st))
		r.Method(http.MethodGet, "/collections/{collectionId}/items/{code}", handleItem(log, st))

		// Areas and grids by code. Public map data: no token.
		r.Method(http.MethodGet, "/areas/{code}", handleArea(log, st))
		r.Method(http.MethodGet, "/areas/{code}/children", handleAreaChildren(log, st))
		r.Method(http.MethodGet, "/grids/{code}", handleGrid(log, st))
		r.Method(http.MethodGet, "/grids/{code}/versions", handleGridVersions(log, st))

		// Boundary adjustments: token holders, by role and county.
		if d.Adjust != nil {
			proposalRoutes(r, log, d.Adjust)
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
