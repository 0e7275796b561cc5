package main

import (
	"context"
	"errors"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd serve: not implemented yet")
}
