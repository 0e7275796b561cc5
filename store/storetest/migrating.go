package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"gridmap/migrations"
)

// Migrating gives a test of a migration an empty database of its own (its
// URL), a connection to it and a migrator loaded with the migrations but
// not run: the test migrates to the version before the one it tests, puts
// data in, and migrates on. The database is dropped when the test ends.
func Migrating(t testing.TB) (url string, conn *pgx.Conn, m *migrate.Migrator) {
	t.Helper()
	ctx := context.Background()
	server := ServerURL(t)
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	name := "gridmap_t_migrating_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	url = withDatabase(t, server, name)
	if conn, err = pgx.Connect(ctx, url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if m, err = migrate.NewMigrator(ctx, conn, "schema_version"); err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		t.Fatal(fmt.Errorf("load migrations: %w", err))
	}
	return url, conn, m
}
