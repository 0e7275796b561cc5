package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Role is what a token may do. Each role may do everything the roles
// below it may.
type Role int

// The roles, from the least to the most powerful.
const (
	RoleNone Role = iota
	RoleViewer
	RolePlanner
	RoleApprover
	RoleAdmin
)

var roleNames = [...]string{"none", "viewer", "planner", "approver", "admin"}

// String returns the role's name as stored and shown.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "none"
	}
	return roleNames[r]
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return Role(i), nil
		}
	}
	return RoleNone, fmt.Errorf("unknown role %q: want viewer, planner, approver or admin", s)
}

// Principal is who a request acts for: a valid, unrevoked token.
type Principal struct {
	TokenID int64
	Role    Role
	// Area is the token's scope; "" means the whole city.
	Area geo.Code
}

// Actor names the principal in the audit log.
func (p Principal) Actor() string { return fmt.Sprintf("token:%d", p.TokenID) }

// Covers reports whether code lies in the principal's area scope: the
// whole city for an unscoped token, otherwise the scope area itself and
// every code under it.
func (p Principal) Covers(code geo.Code) bool {
	if p.Area == "" {
		return true
	}
	return code != "" && strings.HasPrefix(string(code), p.Area.Short()) && code.Level() >= p.Area.Level()
}

// PrincipalFrom returns the principal of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	a, _ := ctx.Value(principalKey).(authResult)
	return a.p, a.ok
}

// authResult is what Authenticate found: a principal, or why not.
type authResult struct {
	p      Principal
	ok     bool
	reason string // for 401s: why the credentials were refused
}

// Authenticate reads "Authorization: Bearer TOKEN", looks the token up and
// puts the principal in the request context. It never refuses a request
// itself (reads need no token): RequireRole does, saying why the token was
// not accepted.
func Authenticate(st *store.Store, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			if h == "" {
				next.ServeHTTP(w, r)
				return
			}
			var a authResult
			scheme, secret, _ := strings.Cut(h, " ")
			secret = strings.TrimSpace(secret)
			switch {
			case !strings.EqualFold(scheme, "Bearer") || secret == "":
				a.reason = `the Authorization header must be "Bearer <token>"`
			case st == nil:
				a.reason = "this server has no token store"
			default:
				t, err := st.TokenBySecret(r.Context(), secret)
				switch {
				case errors.Is(err, store.ErrNotFound):
					a.reason = "the token is not known"
				case err != nil:
					internalError(w, r, log, fmt.Errorf("authenticate: %w", err))
					return
				case t.Revoked():
					a.reason = fmt.Sprintf("token %d was revoked at %s", t.ID, t.RevokedAt.UTC().Format("2006-01-02T15:04:05Z"))
				default:
					role, err := ParseRole(t.Role)
					if err != nil {
						internalError(w, r, log, fmt.Errorf("token %d: %w", t.ID, err))
						return
					}
					a = authResult{p: Principal{TokenID: t.ID, Role: role, Area: t.Area}, ok: true}
				}
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, a)))
		})
	}
}

// ScopeFromURLParam returns a scopeOf for RequireRole that reads an area
// or grid code from the chi URL parameter name. A malformed code gives ""
// (the whole city), so only a city-wide token passes and the handler then
// answers 400 for the code.
func ScopeFromURLParam(name string) func(*http.Request) geo.Code {
	return func(r *http.Request) geo.Code {
		c, err := geo.ParseCode(chi.URLParam(r, name))
		if err != nil {
			return ""
		}
		return c
	}
}

// RequireRole lets a request through only with a token of at least role
// min whose area scope covers the code scopeOf returns (scopeOf may be nil
// for routes without an area, and may return "" to mean "the whole city").
// It answers 401 with WWW-Authenticate when there is no acceptable token
// and 403 when the token's role or area is too narrow, saying which.
func RequireRole(min Role, scopeOf func(*http.Request) geo.Code) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, _ := r.Context().Value(principalKey).(authResult)
			if !a.ok {
				reason := a.reason
				challenge := fmt.Sprintf(`Bearer realm="gridmap", error="invalid_token", error_description=%q`, reason)
				if reason == "" { // no credentials: RFC 6750 gives no error code
					reason = `this route needs a token: send "Authorization: Bearer <token>" (an admin creates one with gridd token create)`
					challenge = `Bearer realm="gridmap"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				problem(w, r, http.StatusUnauthorized, reason)
				return
			}
			if a.p.Role < min {
				problem(w, r, http.StatusForbidden, fmt.Sprintf("this route needs role %s or higher; token %d has role %s", min, a.p.TokenID, a.p.Role))
				return
			}
			var scope geo.Code
			if scopeOf != nil {
				scope = scopeOf(r)
			}
			if a.p.Area != "" && (scope == "" || !a.p.Covers(scope)) {
				what := "the whole city"
				if scope != "" {
					what = string(scope)
				}
				problem(w, r, http.StatusForbidden, fmt.Sprintf("token %d is limited to area %s and may not act on %s", a.p.TokenID, a.p.Area.Short(), what))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
