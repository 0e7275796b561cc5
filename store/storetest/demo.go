package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"gridmap/demo"
	"gridmap/store"
)

// NewDemo returns a Store on a fresh database holding the demo city
// generated with opts. The demo is generated once per test binary and
// options into a template database, and each test gets its own copy, so
// tests may change it freely.
func NewDemo(t testing.TB, opts demo.Options) *store.Store {
	t.Helper()
	url := fromTemplate(t, "demo template", func(ctx context.Context, admin *pgx.Conn, server string) (string, error) {
		return ensureDemoTemplate(ctx, admin, server, opts)
	})
	st, err := store.Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// ensureDemoTemplate builds the demo template for this test binary and
// options once. Its name carries a hash of the binary (so changed generator
// code makes a new one) and the options; older templates of the same test
// binary are dropped.
func ensureDemoTemplate(ctx context.Context, admin *pgx.Conn, server string, opts demo.Options) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	io.Copy(h, f)
	f.Close()
	fmt.Fprintf(h, "%s", migrationsHash())
	pkg := strings.TrimSuffix(filepath.Base(exe), ".test")
	pkg = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(pkg))
	if len(pkg) > 20 {
		pkg = pkg[:20]
	}
	// Templates of one test binary differ by options; a rebuilt binary
	// makes the older templates of the same options stale.
	oh := sha256.Sum256(fmt.Appendf(nil, "%+v", opts))
	prefix := "gridmap_demo_" + pkg + "_" + hex.EncodeToString(oh[:])[:8] + "_"
	name := prefix + hex.EncodeToString(h.Sum(nil))[:12]

	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('gridmap.storetest'))"); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('gridmap.storetest'))")

	var ready bool
	err = admin.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&ready)
	if err == nil && ready {
		return name, nil
	}
	// Drop stale templates of this test binary (and a half-made one).
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
	if err != nil {
		return "", err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, s := range stale {
		admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{s}.Sanitize()+" WITH IS_TEMPLATE false")
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{s}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", err
		}
	}
	base, err := ensureTemplate(ctx, admin, server)
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{base}.Sanitize()); err != nil {
		return "", err
	}
	st, err := store.Open(ctx, withDatabaseURL(server, name), slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	_, err = demo.Generate(ctx, st, opts, nil)
	st.Close()
	if err != nil {
		return "", fmt.Errorf("generate demo: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true"); err != nil {
		return "", err
	}
	return name, nil
}
