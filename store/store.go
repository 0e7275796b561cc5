// Package store is the database plumbing every capability shares, and
// nothing else: the pgx pool (with go-geom's PostGIS types registered),
// the embedded migrations, transactions and village locks, the geometry
// scan and bind helpers (go-geom EWKB at the boundary, converted once to
// orb: nothing outside the database code sees go-geom), LISTEN/NOTIFY of
// dataset versions, the snapshot load, the audit log and tokens.
//
// Each capability keeps its own SQL in its own folder (adjust, check,
// demo, importer, lookup, tiles, and records, geocoding, workers and
// events to come) on top of these pieces; store must never hold a
// capability's rules, and never build SQL from user input: every value is
// a $n parameter.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxgeom "github.com/twpayne/pgx-geom"

	"gridmap/migrations"
)

// Store is a handle on the gridmap database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// Open applies the migrations to the database at url and opens a pool on
// it. The migrations run first because the pool registers PostGIS types on
// every connection, which needs the postgis extension to exist.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := Migrate(ctx, url, log); err != nil {
		return nil, err
	}
	return open(ctx, url, log)
}

// OpenReadOnly opens a pool on the database at url without migrating it:
// for a hot standby (DATABASE_READ_URL), which refuses every write and
// gets its schema from the primary by replication. Only reads may be run
// through it.
func OpenReadOnly(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return open(ctx, url, log)
}

func open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// PostGIS functions declare high costs, so the planner JIT-compiles
	// queries whose compilation takes longer than running them (measured:
	// 1.8 s of a 1.9 s check). gridmap's queries gain nothing from JIT.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		return pgxgeom.Register(ctx, conn)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	return &Store{pool: pool, log: log}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Pool exposes the pool to tests and to the few callers (LISTEN, COPY)
// that need a raw connection.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Logger returns the store's logger, for the capabilities built on it.
func (s *Store) Logger() *slog.Logger { return s.log }

// IsEmpty reports whether the database holds no areas yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM area)").Scan(&exists); err != nil {
		return false, fmt.Errorf("check for areas: %w", err)
	}
	return !exists, nil
}

// Migrate applies every embedded migration that the database at url does
// not have yet. tern takes an advisory lock, so concurrent gridd processes
// starting together apply each migration once.
func Migrate(ctx context.Context, url string, log *slog.Logger) error {
	// Through the pool's parser, so a URL with pool settings
	// (pool_max_conns=...) works here too.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	defer conn.Close(context.Background())
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	m.OnStart = func(seq int32, name, direction, _ string) {
		if log != nil {
			log.Info("migrating", "seq", seq, "name", name, "direction", direction)
		}
	}
	if err := m.Migrate(ctx); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && strings.Contains(pgErr.Message, "postgis") {
			return fmt.Errorf("migrate: %w (is PostGIS installed? on Debian: apt-get install postgresql-15-postgis-3)", err)
		}
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// redact hides a password in a connection URL for messages.
func redact(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "(unparsable database url)"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
