package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gridmap/store"
	"gridmap/store/storetest"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, `INSERT INTO area (code, level, name, parent) VALUES
		('320900000000', 'city', '盐城市', NULL), ('320902000000', 'county', '亭湖区', '320900000000')`); err != nil {
		t.Fatal(err)
	}
	tok, secret, err := st.CreateToken(ctx, store.NewToken{Name: "north", Role: "planner", Area: "320902000000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, store.TokenPrefix) || len(secret) != 3+43 {
		t.Errorf("secret %q: want gm_ + 43 base64url characters", secret)
	}
	// PostGIS's server computes the hash independently: only it is stored.
	var n int
	st.Pool().QueryRow(ctx, `SELECT count(*) FROM api_token WHERE hash = sha256(convert_to($1, 'UTF8')) AND id = $2`, secret, tok.ID).Scan(&n)
	if n != 1 {
		t.Error("the stored hash is not SHA-256 of the secret")
	}
	st.Pool().QueryRow(ctx, `SELECT count(*) FROM api_token WHERE position(convert_to($1, 'UTF8') in hash) > 0 OR name = $1`, secret).Scan(&n)
	if n != 0 {
		t.Error("the secret is stored")
	}
	got, err := st.TokenBySecret(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Role != "planner" || got.Area != "320902000000" || got.Revoked() {
		t.Errorf("by secret: %+v %v", got, err)
	}
	for _, s := range []string{"", "gm_", secret + "x", strings.TrimPrefix(secret, "gm_"), "gm_" + strings.Repeat("A", 43)} {
		if _, err := st.TokenBySecret(ctx, s); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("by secret %q: %v, want ErrNotFound", s, err)
		}
	}
	_, other, err := st.CreateToken(ctx, store.NewToken{Role: "admin"}, nil)
	if err != nil || other == secret {
		t.Fatalf("second token: %v", err)
	}
	after, err := st.RevokeToken(ctx, tok.ID, nil)
	if err != nil || !after.Revoked() {
		t.Fatalf("revoke: %+v %v", after, err)
	}
	again, err := st.RevokeToken(ctx, tok.ID, nil)
	if err != nil || !again.RevokedAt.Equal(after.RevokedAt) {
		t.Errorf("revoking twice moved the time: %v -> %v (%v)", after.RevokedAt, again.RevokedAt, err)
	}
	if got, _ := st.TokenBySecret(ctx, secret); !got.Revoked() {
		t.Error("revoked token looks valid")
	}
	ts, err := st.Tokens(ctx)
	if err != nil || len(ts) != 2 || ts[0].ID != tok.ID || ts[1].Area != "" || ts[1].Role != "admin" {
		t.Errorf("list: %+v %v", ts, err)
	}
	if _, err := st.RevokeToken(ctx, 999, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if _, _, err := st.CreateToken(ctx, store.NewToken{Role: "viewer", Area: "320903000000"}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown area: %v, want ErrNotFound", err)
	}
	if _, _, err := st.CreateToken(ctx, store.NewToken{Role: "root"}, nil); err == nil || !strings.Contains(err.Error(), "viewer, planner") {
		t.Errorf("bad role: %v", err)
	}
	if _, err := st.Token(ctx, tok.ID); err != nil {
		t.Error(err)
	}
	if _, err := st.Token(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token 999: %v", err)
	}
}
