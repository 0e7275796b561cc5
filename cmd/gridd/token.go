package main

import (
	"context"
	"errors"
)

func cmdToken(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd token: not implemented yet")
}
