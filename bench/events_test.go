package bench_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"gridmap/bench"
	"gridmap/eventstats/eventstatstest"
)

// TestEvents runs the side-by-side benchmark on the test demo's year of
// events: it must find memory and PostgreSQL in agreement and print the
// whole city's ratio.
func TestEvents(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	var out bytes.Buffer
	if err := bench.Events(context.Background(), &out, st, bench.EventsOptions{Runs: 1}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`(?m)^whole city: memory .+, PostgreSQL GROUP BY .+: \d+x \(best of 1 runs each\)$`).Match(out.Bytes()) ||
		!regexp.MustCompile(`(?m)^320902 +\d+ `).Match(out.Bytes()) {
		t.Errorf("report lacks the city's ratio or the county's row:\n%s", out.String())
	}
}
