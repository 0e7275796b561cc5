package main

import (
	"context"
	"errors"
)

// benchTiles compares tile rendering with PostGIS (gridd bench tiles).
func benchTiles(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd bench tiles: not implemented yet")
}
