package geocode_test

import (
	"context"
	"testing"

	"gridmap/demo"
	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
	"gridmap/live"
	"gridmap/store"
	"gridmap/store/storetest"
)

var demoOptions = demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"}

// fixture is a demo county with its own standard addresses (the demo
// writes one for every household and unit) and an address index
// following its live state.
type fixture struct {
	st     *store.Store
	live   *live.Holder
	holder *geocode.Holder
	addrs  []geocodetest.Address
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.NewDemo(t, demoOptions)
	as, err := geocodetest.Read(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 1000 {
		t.Fatalf("the demo county has %d standard addresses, want many", len(as))
	}
	lv, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := geocode.NewHolder(ctx, st, lv, "江苏省", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, live: lv, holder: h, addrs: as}
}
