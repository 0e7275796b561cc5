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

// Role is what a token may do. The boundary-planning roles form a chain,
// viewer < planner < approver < admin: each may do everything the roles
// below it may. The grid-worker roles stand beside it: an operator (a
// town's staff) manages its town's workers, appointments and seat
// operators; a worker (a grid worker's phone) checks in on patrol in its
// grid; a department (a county's linked department, Art. 34) answers the
// events given to it. Admin includes operator. A new role is one more
// constant and one more row of roleDefs saying what it includes.
type Role int

// The roles. The numbers of the chain grow with its power; compare roles
// with Includes, which also knows the roles beside the chain.
const (
	RoleNone Role = iota
	RoleViewer
	RolePlanner
	RoleApprover
	RoleAdmin
	RoleOperator
	RoleWorker
	RoleDepartment
)

// roleDefs names each role and the roles it directly includes.
var roleDefs = [...]struct {
	name     string
	includes []Role
}{
	RoleNone:     {"none", nil},
	RoleViewer:   {"viewer", nil},
	RolePlanner:  {"planner", []Role{RoleViewer}},
	RoleApprover: {"approver", []Role{RolePlanner}},
	RoleAdmin:    {"admin", []Role{RoleApprover, RoleOperator}},
	RoleOperator: {"operator", nil},
	RoleWorker:   {"worker", nil},
	// A department token names its department and is scoped to a county.
	RoleDepartment: {"department", nil},
}

// String returns the role's name as stored and shown.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleDefs) {
		return "none"
	}
	return roleDefs[r].name
}

// Includes reports whether a token of role r may do what role o may: r
// is o, or includes a role that includes o.
func (r Role) Includes(o Role) bool {
	if r == o {
		return r > RoleNone
	}
	if r <= RoleNone || int(r) >= len(roleDefs) {
		return false
	}
	for _, in := range roleDefs[r].includes {
		if in.Includes(o) {
			return true
		}
	}
	return false
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for i, d := range roleDefs {
		if i > 0 && d.name == s {
			return Role(i), nil
		}
	}
	var others []string // the roles beside the boundary-planning chain
	for _, d := range roleDefs[RoleAdmin+1:] {
		others = append(others, d.name)
	}
	return RoleNone, fmt.Errorf("unknown role %q: want viewer, planner, approver or admin (grid boundaries), or %s", s, strings.Join(others, " or "))
}

// Principal is who a request acts for: a valid, unrevoked token.
type Principal struct {
	TokenID int64
	Role    Role
	// Area is the token's scope; "" means the whole city. A worker
	// token's scope is its grid.
	Area geo.Code
	// Worker is the grid worker of a worker token, else 0.
	Worker int64
	// Department is the department of a department token, else "".
	Department string
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
					a = authResult{p: Principal{TokenID: t.ID, Role: role, Area: t.Area, Worker: t.Worker, Department: t.Department}, ok: true}
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
			if !a.p.Role.Includes(min) {
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
