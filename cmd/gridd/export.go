package main

import (
	"context"
	"errors"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd export: not implemented yet")
}
