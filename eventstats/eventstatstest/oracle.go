// Package eventstatstest holds what the tests of event statistics share:
// the demo city with its year of events.
package eventstatstest

import (
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// Until is the end of the test demo's year of events.
var Until = time.Date(2026, 6, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// DemoOptions is the small demo city the statistics are tested on: one
// county, its year of events ending at Until.
var DemoOptions = demo.Options{Scale: 0.1, Seed: 3, County: "320902000000", EventsUntil: Until}

// NewDemo returns a store on a fresh copy of the test demo.
func NewDemo(t testing.TB) *store.Store {
	t.Helper()
	return storetest.NewDemo(t, DemoOptions)
}
