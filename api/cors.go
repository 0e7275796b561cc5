package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// CORS says which web pages on other origins may call the service from a
// browser (Cross-Origin Resource Sharing). A map front-end is rarely
// served from gridmap's own origin: the city portal, the hotline's console
// and the grid workers' app fetch TileJSON, tiles and lookups with fetch.
//
// Public map data (the routes in publicRoutes) answers every origin by
// default, with Access-Control-Allow-Origin: *. Every other route — those
// that take a token, and operations — answers only the origins in
// TokenOrigins, by name and never with a wildcard; there are none by
// default. Bearer tokens travel in the Authorization header, never in
// cookies, so no route allows credentials.
type CORS struct {
	// PublicOrigins restricts the origins that may read public map data;
	// nil means any origin. An empty, non-nil list means none.
	PublicOrigins []string
	// TokenOrigins are the origins that may call every route (and read
	// public data when PublicOrigins is restricted).
	TokenOrigins []string
}

// ParseOrigins reads a comma-separated list of origins (scheme://host
// with an optional port, as a browser sends it in the Origin header), as
// GRIDD_CORS_ORIGINS and GRIDD_CORS_TOKEN_ORIGINS hold them: "" or "*"
// is nil (any origin, where the caller allows it) and "none" an empty
// list.
func ParseOrigins(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "*":
		return nil, nil
	case "none":
		return []string{}, nil
	}
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("origin %q: want scheme://host[:port] (such as https://portal.example.gov.cn), comma-separated, with no path; * only alone", o)
		}
		out = append(out, strings.ToLower(o))
	}
	return out, nil
}

// ParseTokenOrigins reads the origins that may call the routes that take
// a token (GRIDD_CORS_TOKEN_ORIGINS) as ParseOrigins does, but refuses
// "*": those routes never allow every origin.
func ParseTokenOrigins(s string) ([]string, error) {
	if strings.TrimSpace(s) == "*" {
		return nil, errors.New("routes that take a token never allow every origin: name the origins")
	}
	return ParseOrigins(s)
}

// corsHeaders are the request headers a page may send; Authorization only
// reaches a route that needs it from an allowed origin.
const corsHeaders = "Authorization, Content-Type, If-None-Match, If-Match, X-Request-Id"

// corsExposed are the response headers a page may read.
const corsExposed = "ETag, Content-Crs, Location, X-Request-Id, Gridmap-Dataset-Version, Retry-After"

// allowOrigin returns the Access-Control-Allow-Origin a request from
// origin gets, or "" when the origin is not allowed.
func (c CORS) allowOrigin(origin string, public bool) string {
	origin = strings.ToLower(origin)
	switch {
	case public && c.PublicOrigins == nil:
		return "*"
	case public && slices.Contains(c.PublicOrigins, origin), slices.Contains(c.TokenOrigins, origin):
		return origin
	}
	return ""
}

// handleCORS answers preflight requests (OPTIONS with
// Access-Control-Request-Method) with 204 and what the route allows, or
// 403 for an origin it does not allow, and marks the answers to allowed
// cross-origin requests. Requests without an Origin pass untouched.
func handleCORS(c CORS, routes *chi.Mux) func(http.Handler) http.Handler {
	public := chi.NewRouter()
	for _, r := range publicRoutes {
		method, pattern, _ := strings.Cut(r, " ")
		public.Method(method, pattern, http.NotFoundHandler())
	}
	isPublic := func(method, path string) bool {
		if method == http.MethodHead {
			method = http.MethodGet
		}
		return public.Match(chi.NewRouteContext(), method, path)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			method := r.Method
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if preflight {
				method = r.Header.Get("Access-Control-Request-Method")
			}
			pub := isPublic(method, r.URL.Path)
			allow := c.allowOrigin(origin, pub)
			h := w.Header()
			if allow != "*" {
				h.Add("Vary", "Origin") // the answer depends on who asks
			}
			if !preflight {
				if allow != "" {
					h.Set("Access-Control-Allow-Origin", allow)
					h.Set("Access-Control-Expose-Headers", corsExposed)
				}
				next.ServeHTTP(w, r)
				return
			}
			var methods []string
			for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				if (m == http.MethodHead && slices.Contains(methods, http.MethodGet)) ||
					(m != http.MethodHead && routes.Match(chi.NewRouteContext(), m, r.URL.Path) && (!pub || isPublic(m, r.URL.Path))) {
					methods = append(methods, m)
				}
			}
			switch {
			case allow == "" && pub:
				problem(w, r, http.StatusForbidden, fmt.Sprintf("origin %s may not read %s from a web page: this server allows only the origins in GRIDD_CORS_ORIGINS (--cors-origins)", origin, r.URL.Path))
				return
			case allow == "":
				problem(w, r, http.StatusForbidden, fmt.Sprintf("origin %s may not call %s %s from a web page: routes that take a token answer only the origins in GRIDD_CORS_TOKEN_ORIGINS (--cors-token-origins), none by default", origin, method, r.URL.Path))
				return
			case len(methods) == 0:
				problem(w, r, http.StatusNotFound, fmt.Sprintf("no route %s: see /openapi.json for the routes", r.URL.Path))
				return
			}
			h.Set("Access-Control-Allow-Origin", allow)
			h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
		})
	}
}
