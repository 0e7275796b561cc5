package api

import (
	"fmt"
	"net/http"
	"strings"

	"gridmap/geo"
)

// statsRoles may read event statistics (Art. 41): a town's operator for
// its town, an approver for its county, an admin for all (admin includes
// both).
var statsRoles = []Role{RoleOperator, RoleApprover}

// ScopeFromQuery returns a scopeOf for RequireAnyRole that reads an area
// or grid code from query parameter name. A malformed or missing code
// gives "" (the whole city), so only a city-wide token passes and the
// handler then answers 400 for the code.
func ScopeFromQuery(name string) func(*http.Request) geo.Code {
	return func(r *http.Request) geo.Code {
		c, err := geo.ParseCode(r.URL.Query().Get(name))
		if err != nil {
			return ""
		}
		return c
	}
}

// RequireAnyRole is RequireRole for routes that roles beside each other
// may use (an operator and an approver, say): a token whose role includes
// any of roles and whose area covers the code scopeOf returns.
func RequireAnyRole(roles []Role, scopeOf func(*http.Request) geo.Code) func(http.Handler) http.Handler {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.String()
	}
	return func(next http.Handler) http.Handler {
		checks := make([]http.Handler, len(roles))
		for i, role := range roles {
			checks[i] = RequireRole(role, scopeOf)(next)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, _ := r.Context().Value(principalKey).(authResult)
			if a.ok {
				for i, role := range roles {
					if a.p.Role.Includes(role) {
						checks[i].ServeHTTP(w, r) // the area check and its 403
						return
					}
				}
				problem(w, r, http.StatusForbidden, fmt.Sprintf("this route needs role %s (or admin); token %d has role %s",
					strings.Join(names, " or "), a.p.TokenID, a.p.Role))
				return
			}
			checks[0].ServeHTTP(w, r) // the 401 with its challenge
		})
	}
}
