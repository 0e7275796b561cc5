package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"gridmap/api"
	"gridmap/geo"
	"gridmap/store"
)

// mustToken creates a token directly in the store.
func (e *env) mustToken(role, area string) (store.Token, string) {
	e.t.Helper()
	var code geo.Code
	if area != "" {
		code = geo.MustParseCode(area)
	}
	tok, secret, err := e.store.CreateToken(context.Background(), store.NewToken{Name: role + "@" + area, Role: role, Area: code}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, secret
}

// scopedRoute is a write route mounted by a test: it needs a planner
// whose scope covers {code}.
func scopedRoute() http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := api.PrincipalFrom(r.Context())
		io.WriteString(w, p.Role.String())
	})
	return api.RequireRole(api.RolePlanner, api.ScopeFromURLParam("code"))(ok)
}

// TestAuth checks who may use the admin routes and an area-scoped write
// route: 401 for missing, malformed, unknown and revoked tokens (with
// WWW-Authenticate), 403 for too low a role or too narrow an area.
func TestAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]http.Handler{"POST /test/{code}": scopedRoute()})
	_, admin := e.mustToken("admin", "")
	_, countyAdmin := e.mustToken("admin", "320902")
	_, viewer := e.mustToken("viewer", "")
	_, planner := e.mustToken("planner", "320902")
	_, villagePlanner := e.mustToken("planner", "320902001001")
	_, approver := e.mustToken("approver", "")
	rt, revoked := e.mustToken("admin", "")
	if _, err := e.store.RevokeToken(context.Background(), rt.ID, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, auth string
		status                   int
		says                     string
	}{
		{"no token", "GET", "/admin/tokens", "", 401, "needs a token"},
		{"basic auth", "GET", "/admin/tokens", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", 401, "Bearer <token>"},
		{"empty bearer", "GET", "/admin/tokens", "Bearer ", 401, "Bearer <token>"},
		{"unknown token", "GET", "/admin/tokens", "Bearer gm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401, "not known"},
		{"not a token", "GET", "/admin/tokens", "Bearer hello", 401, "not known"},
		{"revoked", "GET", "/admin/tokens", "Bearer " + revoked, 401, "revoked"},
		{"viewer", "GET", "/admin/tokens", "Bearer " + viewer, 403, "role admin or higher; token"},
		{"planner", "GET", "/admin/audit", "Bearer " + planner, 403, "has role planner"},
		{"county admin", "GET", "/admin/tokens", "Bearer " + countyAdmin, 403, "limited to area 320902 and may not act on the whole city"},
		{"admin", "GET", "/admin/tokens", "Bearer " + admin, 200, ""},
		{"admin audit", "GET", "/admin/audit", "Bearer " + admin, 200, ""},
		{"lowercase scheme", "GET", "/admin/tokens", "bearer " + admin, 200, ""},
		{"public read with a bad token", "GET", "/areas/320902", "Bearer nonsense", 200, ""},
		{"scoped write, no token", "POST", "/test/320902001001001", "", 401, "needs a token"},
		{"scoped write, viewer", "POST", "/test/320902001001001", "Bearer " + viewer, 403, "role planner"},
		{"scoped write, in area", "POST", "/test/320902001001001", "Bearer " + planner, 200, ""},
		{"scoped write, the area itself", "POST", "/test/320902", "Bearer " + planner, 200, ""},
		{"scoped write, other county", "POST", "/test/320903001001001", "Bearer " + planner, 403, "limited to area 320902 and may not act on 320903001001001"},
		{"scoped write, parent area", "POST", "/test/3209", "Bearer " + planner, 403, "may not act on 320900000000"},
		{"scoped write, other village", "POST", "/test/320902001002001", "Bearer " + villagePlanner, 403, "limited to area 320902001001"},
		{"scoped write, own village", "POST", "/test/32090200100100101", "Bearer " + villagePlanner, 200, ""},
		{"scoped write, bad code", "POST", "/test/xyz", "Bearer " + planner, 403, "may not act on the whole city"},
		{"scoped write, city-wide approver", "POST", "/test/320903001001001", "Bearer " + approver, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, "", nil, "Authorization", tc.auth)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if ch := r.header.Get("WWW-Authenticate"); tc.status == 401 && tc.auth == "" && ch != `Bearer realm="gridmap"` {
				t.Errorf("401 without credentials: challenge %q, want a plain Bearer challenge", ch)
			} else if tc.status == 401 && tc.auth != "" && !strings.HasPrefix(ch, `Bearer realm="gridmap", error="invalid_token", error_description=`) {
				t.Errorf("401 with bad credentials: challenge %q, want error=invalid_token", ch)
			}
			if tc.says != "" {
				if p := problemOf(t, r); !strings.Contains(p.Detail, tc.says) {
					t.Errorf("detail %q does not say %q", p.Detail, tc.says)
				}
			}
		})
	}
}

func TestPrincipalCovers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope, code string
		want        bool
	}{
		{"", "320902001001001", true},
		{"320902", "320902001001001", true},
		{"320902", "320902", true},
		{"320902", "3209", false},
		{"320902", "320903", false},
		{"320902", "320903001001", false},
		{"3209", "320902001001001", true},
		{"3209", "3210", false},
		{"320902001", "320902001001", true},
		{"320902001", "320902002001", false},
		{"320902001001", "32090200100100101", true},
		{"320902001001", "320902001002001", false},
	}
	for _, tc := range tests {
		var p api.Principal
		if tc.scope != "" {
			p.Area = geo.MustParseCode(tc.scope)
		}
		if got := p.Covers(geo.MustParseCode(tc.code)); got != tc.want {
			t.Errorf("scope %q covers %s = %v, want %v", tc.scope, tc.code, got, tc.want)
		}
	}
	for _, s := range []string{"viewer", "planner", "approver", "admin"} {
		r, err := api.ParseRole(s)
		if err != nil || r.String() != s {
			t.Errorf("ParseRole(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := api.ParseRole("root"); err == nil {
		t.Error("ParseRole(root) succeeded")
	}
	if !(api.RoleViewer < api.RolePlanner && api.RolePlanner < api.RoleApprover && api.RoleApprover < api.RoleAdmin) {
		t.Error("roles are not ordered viewer < planner < approver < admin")
	}
}

// TestTokenLifecycle creates a token over HTTP, uses it, revokes it, and
// checks both writes are in the audit log without the secret.
func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	adminTok, admin := e.mustToken("admin", "")
	r := e.do("POST", "/admin/tokens", admin, jsonBody(map[string]string{"role": "viewer", "area": "320902", "name": "field office"}),
		"Content-Type", "application/json", "X-Request-Id", "req-create-1")
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		ID    int64   `json:"id"`
		Token string  `json:"token"`
		Role  string  `json:"role"`
		Area  *string `json:"area"`
	}
	json.Unmarshal(r.body, &created)
	if created.Role != "viewer" || created.Area == nil || *created.Area != "320902000000" || !strings.HasPrefix(created.Token, "gm_") || len(created.Token) != 46 {
		t.Fatalf("created %+v", created)
	}
	// The new token authenticates (403, not 401: it is known but a viewer).
	if r := e.do("GET", "/admin/tokens", created.Token, nil); r.status != 403 {
		t.Errorf("new token: status %d, want 403: %s", r.status, r.body)
	}
	// The list never shows secrets.
	if r := e.do("GET", "/admin/tokens", admin, nil); r.status != 200 || bytes.Contains(r.body, []byte(created.Token)) || bytes.Contains(r.body, []byte(`"token"`)) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	r = e.do("DELETE", "/admin/tokens/"+itoa(created.ID), admin, nil, "X-Request-Id", "req-revoke-1")
	if r.status != 200 || !strings.Contains(string(r.body), `"revokedAt":"20`) {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/admin/tokens", created.Token, nil); r.status != 401 {
		t.Errorf("revoked token: status %d, want 401", r.status)
	}
	for _, tc := range []struct {
		path   string
		status int
		says   string
	}{{"/admin/tokens/999999", 404, "token 999999 was not found"}, {"/admin/tokens/abc", 400, "whole number"}, {"/admin/tokens/0", 400, "id"}} {
		r := e.do("DELETE", tc.path, admin, nil)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("DELETE %s: %d %s, want %d saying %q", tc.path, r.status, r.body, tc.status, tc.says)
		}
	}

	// The audit log, newest first, through the API.
	r = e.do("GET", "/admin/audit?limit=2", admin, nil)
	var log struct {
		Entries []struct {
			Actor, Action, Target, RequestID string
			Before, After                    map[string]any
		} `json:"entries"`
	}
	if err := json.Unmarshal(r.body, &log); err != nil || len(log.Entries) != 2 {
		t.Fatalf("audit: %v %s", err, r.body)
	}
	rev, cre := log.Entries[0], log.Entries[1]
	actor := "token:" + itoa(adminTok.ID)
	if cre.Action != "token.create" || cre.Actor != actor || cre.Target != itoa(created.ID) || cre.RequestID != "req-create-1" ||
		cre.Before != nil || cre.After["role"] != "viewer" || cre.After["area"] != "320902000000" {
		t.Errorf("create entry %+v", cre)
	}
	if rev.Action != "token.revoke" || rev.Actor != actor || rev.RequestID != "req-revoke-1" ||
		rev.Before["revokedAt"] != nil || rev.After["revokedAt"] == nil {
		t.Errorf("revoke entry %+v", rev)
	}
	if bytes.Contains(r.body, []byte(created.Token)) {
		t.Error("the audit log holds a token secret")
	}
	// And the row is really in the table.
	var n int
	e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'token.create' AND target = $1`, itoa(created.ID)).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit rows for the creation, want 1", n)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?since=1"} {
		if r := e.do("GET", "/admin/audit"+q, admin, nil); r.status != 400 {
			t.Errorf("audit%s: status %d, want 400", q, r.status)
		}
	}
}

// TestCreateTokenBadBodies checks every class of bad body: each a 4xx
// saying what to fix, and nothing written.
func TestCreateTokenBadBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, admin := e.mustToken("admin", "")
	huge := `{"role":"viewer","name":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, body, ctype string
		chunked           bool
		status            int
		says              string
	}{
		{"empty", "", "application/json", false, 400, "empty"},
		{"not json", "{role:", "application/json", false, 400, "not valid JSON"},
		{"two values", `{"role":"viewer"} {}`, "application/json", false, 400, "more than one"},
		{"unknown field", `{"role":"viewer","colour":"red"}`, "application/json", false, 400, "colour"},
		{"wrong type", `{"role":5}`, "application/json", false, 400, "role: want a JSON string, got a JSON number"},
		{"array", `[1]`, "application/json", false, 400, "(body): want a JSON object, got a JSON array"},
		{"bad role", `{"role":"root"}`, "application/json", false, 400, "viewer, planner, approver or admin"},
		{"no role", `{}`, "application/json", false, 400, "role"},
		{"bad area", `{"role":"viewer","area":"32x"}`, "application/json", false, 400, "area"},
		{"grid area", `{"role":"viewer","area":"320902001001001"}`, "application/json", false, 400, "grid code"},
		{"unknown area", `{"role":"viewer","area":"320999"}`, "application/json", false, 400, "320999000000 does not exist"},
		{"long name", `{"role":"viewer","name":"` + strings.Repeat("n", 201) + `"}`, "application/json", false, 400, "at most 200"},
		{"xml", `<token/>`, "application/xml", false, 415, "application/json"},
		{"huge", huge, "application/json", false, 413, "limit is 1048576 bytes"},
		{"huge chunked", huge, "application/json", true, 413, "limit of 1048576 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			r := e.do("POST", "/admin/tokens", admin, body, "Content-Type", tc.ctype)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			p := problemOf(t, r)
			text := p.Detail
			for _, f := range p.Errors {
				text += " | " + f.Name + ": " + f.Detail
			}
			if !strings.Contains(text, tc.says) {
				t.Errorf("problem %q does not say %q", text, tc.says)
			}
		})
	}
	var n int
	e.store.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM api_token) + (SELECT count(*) FROM audit_log)`).Scan(&n)
	if n != 1 { // the admin token only
		t.Errorf("bad bodies wrote rows: %d tokens + audit entries, want 1", n)
	}
}
