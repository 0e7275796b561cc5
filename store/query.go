package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ErrNotFound is wrapped by every read that finds no row for the code or
// id it was asked about; callers test it with errors.Is.
var ErrNotFound = errors.New("not found")

// Querier is what pool, connection and transaction have in common.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
