package main

import (
	"context"
	"errors"
)

// benchHTTP measures the HTTP lookup paths with a loopback load generator
// (gridd bench http).
func benchHTTP(ctx context.Context, e *env, args []string) error {
	return errors.New("gridd bench http: not implemented yet")
}
