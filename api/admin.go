package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/store"
)

// tokenJSON is a token as the admin API shows it (never its hash).
type tokenJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Area      *string    `json:"area"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt"`
	// Token is the secret, shown once, in the answer to its creation.
	Token string `json:"token,omitempty"`
}

func toTokenJSON(t store.Token) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt.UTC()}
	if t.Area != "" {
		a := string(t.Area)
		out.Area = &a
	}
	if t.Revoked() {
		r := t.RevokedAt.UTC()
		out.RevokedAt = &r
	}
	return out
}

// createTokenRequest is the body of POST /admin/tokens.
type createTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Area string `json:"area"` // optional: an area code (4, 6, 9 or 12 digits)
}

// Valid implements Validator.
func (c createTokenRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if role, err := ParseRole(c.Role); err != nil {
		p["role"] = err.Error()
	} else if role == RoleWorker {
		p["role"] = "a worker token names its worker and grid: make it with gridd token create --role worker --area GRID --worker ID"
	} else if role == RoleDepartment {
		p["role"] = "a department token names its department and county: make it with gridd token create --role department --area COUNTY --department NAME"
	}
	if c.Area != "" {
		code, err := geo.ParseCode(c.Area)
		switch {
		case err != nil:
			p["area"] = err.Error() + "; or leave area out for the whole city"
		case code.IsGrid():
			p["area"] = fmt.Sprintf("%s is a grid code: a token's scope is an area (city, county, town or village)", c.Area)
		}
	}
	if len(c.Name) > 200 {
		p["name"] = fmt.Sprintf("is %d bytes long; at most 200", len(c.Name))
	}
	return p
}

// handleCreateToken serves POST /admin/tokens: it creates a token and
// shows its secret once. Audited.
func handleCreateToken(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[createTokenRequest](w, r)
		if err != nil {
			return
		}
		var area geo.Code
		if req.Area != "" {
			area, _ = geo.ParseCode(req.Area) // checked by Valid
		}
		p, _ := PrincipalFrom(r.Context())
		t, secret, err := st.CreateToken(r.Context(), store.NewToken{Name: req.Name, Role: req.Role, Area: area},
			&store.AuditEntry{Actor: p.Actor(), Action: "token.create", RequestID: RequestID(r.Context())})
		if errors.Is(err, store.ErrNotFound) {
			invalid(w, r, map[string]string{"area": fmt.Sprintf("area %s does not exist", area)})
			return
		}
		if err != nil {
			internalError(w, r, log, err)
			return
		}
		out := toTokenJSON(t)
		out.Token = secret
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusCreated, jsonType, out)
	})
}

// handleListTokens serves GET /admin/tokens.
func handleListTokens(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts, err := st.Tokens(r.Context())
		if err != nil {
			internalError(w, r, log, err)
			return
		}
		out := make([]tokenJSON, len(ts))
		for i, t := range ts {
			out[i] = toTokenJSON(t)
		}
		encode(w, http.StatusOK, jsonType, struct {
			Tokens []tokenJSON `json:"tokens"`
		}{out})
	})
}

// handleRevokeToken serves DELETE /admin/tokens/{id}. Audited.
func handleRevokeToken(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := chi.URLParam(r, "id")
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			invalid(w, r, map[string]string{"id": fmt.Sprintf("%q: want a token id, a whole number from 1 (see GET /admin/tokens)", s)})
			return
		}
		p, _ := PrincipalFrom(r.Context())
		t, err := st.RevokeToken(r.Context(), id,
			&store.AuditEntry{Actor: p.Actor(), Action: "token.revoke", RequestID: RequestID(r.Context())})
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("token %d was not found", id))
			return
		}
		if err != nil {
			internalError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, jsonType, toTokenJSON(t))
	})
}

// auditJSON is an audit log entry as the admin API shows it.
type auditJSON struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Before    any       `json:"before"`
	After     any       `json:"after"`
	RequestID string    `json:"requestId"`
}

// handleAudit serves GET /admin/audit?limit=N: the newest entries first.
func handleAudit(log *slog.Logger, st *store.Store) http.Handler {
	const def, most = 100, 1000
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := def
		problems := map[string]string{}
		for name := range q {
			switch name {
			case "limit":
			case "":
				problems["(unnamed)"] = "a query parameter has no name: drop the stray '=' or '&'"
			default:
				problems[name] = "unknown query parameter: the only one is limit"
			}
		}
		if q.Has("limit") {
			n, err := strconv.Atoi(q.Get("limit"))
			if err != nil || n < 1 || n > most || len(q["limit"]) > 1 {
				problems["limit"] = fmt.Sprintf("%q: want one whole number from 1 to %d (default %d)", q.Get("limit"), most, def)
			}
			limit = n
		}
		if len(problems) > 0 {
			invalid(w, r, problems)
			return
		}
		recs, err := st.AuditLog(r.Context(), limit)
		if err != nil {
			internalError(w, r, log, err)
			return
		}
		out := make([]auditJSON, len(recs))
		for i, a := range recs {
			out[i] = auditJSON{ID: a.ID, At: a.At.UTC(), Actor: a.Actor, Action: a.Action, Target: a.Target,
				Before: a.Before, After: a.After, RequestID: a.RequestID}
		}
		encode(w, http.StatusOK, jsonType, struct {
			Entries []auditJSON `json:"entries"`
		}{out})
	})
}
