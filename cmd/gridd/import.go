package main

import (
	"context"
	"errors"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd import: not implemented yet")
}
