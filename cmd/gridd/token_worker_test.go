package main

import (
	"context"
	"strings"
	"testing"

	"gridmap/adjust/ops/opstest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestTokenCreateWorker makes a grid worker's token with the CLI: it
// names the worker and is scoped to a grid; the flags that do not fit are
// refused saying what to give.
func TestTokenCreateWorker(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	st, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opstest.Load(t, st)
	// A worker row as package workers writes it (sealed values: format
	// byte 1 and 33+ bytes; this test never opens them).
	if _, err := st.Pool().Exec(context.Background(), `INSERT INTO worker (town, name, id_number_sealed, id_number_hash, phone_sealed, phone_hash, birth_date)
		VALUES ('320902001000', '王小明', '\x01'::bytea || decode(repeat('ab', 40), 'hex'), sha256('id'),
		        '\x01'::bytea || decode(repeat('cd', 40), 'hex'), sha256('phone'), '1990-01-01')`); err != nil {
		t.Fatal(err)
	}
	grid := string(opstest.Grid(5))
	out, _, err := gridd(t, url, "token", "create", "--role", "worker", "--area", grid, "--worker", "1")
	if err != nil || !strings.HasPrefix(out, "gm_") {
		t.Fatalf("worker token: %v %q", err, out)
	}
	out, _, _ = gridd(t, url, "token", "list")
	if !strings.Contains(out, "worker") || !strings.Contains(out, grid) {
		t.Errorf("list:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--role", "worker", "--area", grid}, "--worker"},
		{[]string{"--role", "worker", "--worker", "1"}, "--area GRID"},
		{[]string{"--role", "worker", "--area", "320902001000", "--worker", "1"}, "scoped to a grid"},
		{[]string{"--role", "operator", "--area", grid}, "grid code"},
		{[]string{"--role", "operator", "--area", "320902001000", "--worker", "1"}, "--worker"},
		{[]string{"--role", "worker", "--area", grid, "--worker", "99"}, "no such worker"},
	} {
		_, _, err := gridd(t, url, append([]string{"token", "create"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("token create %v: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
	if out, _, err := gridd(t, url, "token", "create", "--role", "operator", "--area", "320902001000"); err != nil || !strings.HasPrefix(out, "gm_") {
		t.Errorf("operator token: %v %q", err, out)
	}
}

// TestTokenCreateDepartment makes a county department's token with the
// CLI: it names the department and is scoped to a county.
func TestTokenCreateDepartment(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	st, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opstest.Load(t, st)
	out, _, err := gridd(t, url, "token", "create", "--role", "department", "--area", "320902", "--department", "城管局")
	if err != nil || !strings.HasPrefix(out, "gm_") {
		t.Fatalf("department token: %v %q", err, out)
	}
	tok, err := st.TokenBySecret(context.Background(), strings.TrimSpace(out))
	if err != nil || tok.Role != "department" || tok.Department != "城管局" || tok.Area != "320902000000" {
		t.Errorf("stored token: %+v %v", tok, err)
	}
	out, _, _ = gridd(t, url, "token", "list")
	if !strings.Contains(out, "department:城管局") {
		t.Errorf("list:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--role", "department", "--area", "320902"}, "--department NAME"},
		{[]string{"--role", "department", "--area", "320902001", "--department", "城管局"}, "--area COUNTY"},
		{[]string{"--role", "department", "--department", "城管局"}, "--area COUNTY"},
		{[]string{"--role", "operator", "--area", "320902001", "--department", "城管局"}, "only a department token"},
	} {
		_, _, err := gridd(t, url, append([]string{"token", "create"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("token create %v: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
}
