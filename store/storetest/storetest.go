// Package storetest gives each test its own fresh, migrated PostGIS
// database, so database tests run in parallel and never see each other's
// rows. There are no mocks: every test talks to a real PostGIS.
//
// The server comes from GRIDMAP_TEST_DATABASE_URL (a URL of a database the
// tests may use to create others), falling back to DATABASE_URL. When it
// cannot be reached the test fails, saying how to start one.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridmap/migrations"
	"gridmap/store"
)

const howToStart = `start one with "./dev db" (it prints the URL to export), or run the whole suite with "./dev test"; ` +
	`or set GRIDMAP_TEST_DATABASE_URL to a PostGIS server where the user may CREATE DATABASE`

// ServerURL returns the URL of the test server, failing the test when none
// is configured.
func ServerURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("GRIDMAP_TEST_DATABASE_URL")
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		t.Fatalf("no test database: GRIDMAP_TEST_DATABASE_URL is not set; %s", howToStart)
	}
	return url
}

// NewURL creates a fresh database with the current schema and returns its
// URL. The database is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	return fromTemplate(t, "template database", ensureTemplate)
}

// fromTemplate copies the template that prepare makes (once) into a fresh
// database of the test's own, dropped when the test ends, and returns its URL.
func fromTemplate(t testing.TB, what string, prepare func(ctx context.Context, admin *pgx.Conn, server string) (string, error)) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	server := ServerURL(t)
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("cannot reach the test PostGIS server: %v; %s", err, howToStart)
	}
	defer admin.Close(context.Background())

	// Another test binary built from other migrations (a second work tree)
	// drops this template when it makes its own; then make it again.
	var name string
	for attempt := 1; ; attempt++ {
		tmpl, err := prepare(ctx, admin, server)
		if err != nil {
			t.Fatalf("prepare %s: %v", what, err)
		}
		// Copies take the lock shared, so no template is dropped under them
		// (the template makers hold it exclusively).
		if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock_shared(hashtext('gridmap.storetest'))"); err != nil {
			t.Fatalf("lock templates: %v", err)
		}
		name = "gridmap_t_" + randomHex(6)
		_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
			" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
		admin.Exec(context.Background(), "SELECT pg_advisory_unlock_shared(hashtext('gridmap.storetest'))")
		var pgErr *pgconn.PgError
		if err != nil && attempt < 5 && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
			continue // template dropped since prepare: make it again
		}
		if err != nil {
			t.Fatalf("create test database: %v", err)
		}
		break
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(t, server, name)
}

// New returns an open Store on a fresh database, closed when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), NewURL(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// ensureTemplate makes (once per schema) a migrated database to copy test
// databases from. Its name carries a hash of the migrations, so a changed
// schema gets a new template. Test binaries of several packages run at once,
// so creation is guarded by an advisory lock.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, server string) (string, error) {
	name := "gridmap_tmpl_" + migrationsHash()
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('gridmap.storetest'))"); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('gridmap.storetest'))")

	var ready bool
	err := admin.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&ready)
	if err == nil && ready {
		return name, nil
	}
	if err == nil { // left half made by a crashed run
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", err
		}
	} else if err != pgx.ErrNoRows {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	if err := store.Migrate(ctx, withDatabaseURL(server, name), nil); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true"); err != nil {
		return "", err
	}
	// Templates of older schemas are of no use any more, once they are an
	// hour old: a younger one may belong to a test run of another work tree
	// going on now (its tests would find it gone and make it again, and
	// drop this one...). The comment carries the creation time.
	if _, err := admin.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS 'gridmap test template, made %d'",
		pgx.Identifier{name}.Sanitize(), time.Now().Unix())); err != nil {
		return "", err
	}
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database
		WHERE starts_with(datname, 'gridmap_tmpl_') AND datname <> $1
		  AND coalesce(substring(shobj_description(oid, 'pg_database') FROM 'made ([0-9]+)')::bigint, 0) < $2`,
		name, time.Now().Add(-time.Hour).Unix())
	if err != nil {
		return "", err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, s := range stale {
		admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{s}.Sanitize()+" WITH IS_TEMPLATE false")
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s}.Sanitize()+" WITH (FORCE)")
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(t testing.TB, server, db string) string {
	t.Helper()
	u := withDatabaseURL(server, db)
	if u == "" {
		t.Fatalf("cannot parse test server URL")
	}
	return u
}

// withDatabaseURL returns the server URL pointing at another database.
func withDatabaseURL(server, db string) string {
	cfg, err := pgconn.ParseConfig(server)
	if err != nil {
		return ""
	}
	u := url.URL{Scheme: "postgres", Path: "/" + db}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{"sslmode": {"disable"}}
	if strings.HasPrefix(cfg.Host, "/") { // a unix socket directory
		q.Set("host", cfg.Host)
		q.Set("port", strconv.Itoa(int(cfg.Port)))
	} else {
		u.Host = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Int runs a query that answers one integer (a count) and fails the test
// when it cannot.
func Int(t testing.TB, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
