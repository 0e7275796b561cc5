package store

import (
	"context"
	"fmt"
	"io/fs"

	"gridmap/migrations"
)

// Ready reports whether the database answers and every embedded migration
// has been applied.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	want, err := migrationCount()
	if err != nil {
		return err
	}
	var have int
	if err := s.pool.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have < want {
		return fmt.Errorf("schema version %d, want %d: run gridd migrate", have, want)
	}
	return nil
}

// migrationCount is the number of embedded migrations: the schema version
// a fully migrated database has.
func migrationCount() (int, error) {
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	return len(files), nil
}
