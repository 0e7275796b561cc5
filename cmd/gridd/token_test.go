package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"gridmap/store"
	"gridmap/store/storetest"
)

// gridd runs the command line against the database at url and returns
// stdout, stderr and the error.
func gridd(t *testing.T, url string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	out, _, err := gridd(t, url, "token", "create", "--role", "admin", "--name", "ops")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^gm_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Errorf("create printed %q, want one gm_ token line", out)
	}
	secret := strings.TrimSpace(out)

	out, _, err = gridd(t, url, "token", "list")
	if err != nil || !strings.Contains(out, "admin") || !strings.Contains(out, "city") || !strings.Contains(out, "ops") || strings.Contains(out, secret) {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, _, err = gridd(t, url, "token", "revoke", "1")
	if err != nil || !strings.HasPrefix(out, "token 1 revoked at ") {
		t.Errorf("revoke: %v %q", err, out)
	}
	out, _, _ = gridd(t, url, "token", "list")
	if strings.Contains(out, " -\n") {
		t.Errorf("revoked token still listed as valid:\n%s", out)
	}

	// A scoped token needs its area to exist.
	st, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Pool().Exec(context.Background(), `INSERT INTO area (code, level, name, parent) VALUES
		('320900000000', 'city', '盐城市', NULL), ('320902000000', 'county', '亭湖区', '320900000000')`); err != nil {
		t.Fatal(err)
	}
	_, msg, err := gridd(t, url, "token", "create", "--role", "planner", "--area", "320902")
	if err != nil || !strings.Contains(msg, "planner, area 320902") {
		t.Errorf("scoped create: %v %q", err, msg)
	}
	var n int
	st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE actor = 'cli' AND action IN ('token.create', 'token.revoke')`).Scan(&n)
	if n != 3 {
		t.Errorf("%d audit rows for 2 creations and 1 revocation, want 3", n)
	}
	out, _, _ = gridd(t, url, "token", "list")
	if !strings.Contains(out, "320902") {
		t.Errorf("list lacks the scoped token:\n%s", out)
	}

	bad := []struct {
		args []string
		says string
	}{
		{[]string{"token"}, "usage"},
		{[]string{"token", "mint"}, "unknown token command"},
		{[]string{"token", "create"}, "--role is required"},
		{[]string{"token", "create", "--role", "root"}, "viewer, planner, approver or admin"},
		{[]string{"token", "create", "--role", "planner", "--area", "32x"}, "not a digit"},
		{[]string{"token", "create", "--role", "planner", "--area", "320902001001001"}, "grid code"},
		{[]string{"token", "create", "--role", "planner", "--area", "320903"}, "no such area"},
		{[]string{"token", "revoke"}, "one token id"},
		{[]string{"token", "revoke", "x"}, "not a token id"},
		{[]string{"token", "revoke", "99"}, "does not exist"},
		{[]string{"token", "list", "extra"}, "no arguments"},
	}
	for _, tc := range bad {
		_, _, err := gridd(t, url, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("gridd %v: error %v, want one saying %q", tc.args, err, tc.says)
		}
	}
}
