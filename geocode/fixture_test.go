package geocode_test

import (
	"context"
	"testing"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
	"gridmap/live"
	"gridmap/store"
	"gridmap/store/storetest"
)

var demoOptions = demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"}

// fixture is a demo county with generated standard addresses and an
// address index following its live state.
type fixture struct {
	st     *store.Store
	live   *live.Holder
	holder *geocode.Holder
	addrs  []geocodetest.Address
}

func newFixture(t testing.TB, perGrid int) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.NewDemo(t, demoOptions)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as := geocodetest.Generate(snap, geo.NewIndex(snap, geo.IndexOptions{}), geocodetest.Options{Seed: 11, PerGrid: perGrid})
	if _, err := geocodetest.Replace(ctx, st, as); err != nil {
		t.Fatal(err)
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
