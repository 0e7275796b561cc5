package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestBenchTilesRejectsBadFlags: gridd bench tiles checks its flags before it
// opens the database.
func TestBenchTilesRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tiles", "0"}, "must be positive"},
		{[]string{"--concurrency", "-1"}, "must be positive"},
		{[]string{"--runs", "0"}, "runs 1 to 20"},
		{[]string{"extra"}, "takes no arguments"},
	} {
		getenv := func(string) string { return "" }
		err := run(context.Background(), append([]string{"bench", "tiles"}, tc.args...), getenv, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v; want one saying %q", tc.args, err, tc.want)
		}
	}
}

// TestBenchSuggestRejectsBadFlags: gridd bench suggest checks its flags
// before it opens the database.
func TestBenchSuggestRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "greedy"}, "want auto, rebalance or fresh"},
		{[]string{"--tolerance", "1.5"}, "--tolerance between 0 and 1"},
		{[]string{"--target", "0"}, "--target must be at least 1"},
		{[]string{"--concurrency", "0"}, "--concurrency must be positive"},
		{[]string{"extra"}, "takes no arguments"},
	} {
		getenv := func(string) string { return "" }
		err := run(context.Background(), append([]string{"bench", "suggest"}, tc.args...), getenv, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v; want one saying %q", tc.args, err, tc.want)
		}
	}
}
