// Package opstest is test support for the operations: the fixture county
// they are tested on (fixture.sql, described below) and the lines and
// rectangles they are drawn with. The tests of ops, adjust and of the
// packages whose tests need adjusted data (api, live, store) share it;
// only tests import it.
package opstest

import (
	"context"
	_ "embed"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The fixture is a small county: village 320902001001 is 3×3 rural grids
// of 0.01° (001 at the south-west, 003 at the south-east, 009 at the
// north-east) sharing edges exactly; grid 005 is urban. Village
// 320902001002 east of it has one grid (001) on its west half and a gap
// on its east half. Households sit on a 0.0025° lattice, many of them on
// grid edges, assigned by the lookup rule; a few units too. Everything
// starts on 2026-01-01 and the dataset is at version 1.
//
//go:embed fixture.sql
var fixtureSQL string

// The fixture's codes.
const (
	Village = geo.Code("320902001001")
	East    = geo.Code("320902001002")
	County  = geo.Code("320902000000")
)

// Grid returns the code of grid seq of the fixture's Village.
func Grid(seq int) geo.Code { return geo.Code(fmt.Sprintf("%s%03d", Village, seq)) }

// New returns a fresh test database (storetest.New) with the fixture.
func New(t testing.TB) *store.Store {
	t.Helper()
	st := storetest.New(t)
	Load(t, st)
	return st
}

// Load writes the fixture into st, an empty database.
func Load(t testing.TB, st *store.Store) {
	t.Helper()
	if _, err := st.Pool().Exec(context.Background(), fixtureSQL); err != nil {
		t.Fatalf("load the adjustment fixture: %v", err)
	}
}

// Line is a GeoJSON LineString through the points x0, y0, x1, y1, ...
func Line(pts ...float64) *geojson.Geometry {
	var ls orb.LineString
	for i := 0; i+1 < len(pts); i += 2 {
		ls = append(ls, orb.Point{pts[i], pts[i+1]})
	}
	return geojson.NewGeometry(ls)
}

// Rect is a GeoJSON Polygon: the box from (x0, y0) to (x1, y1).
func Rect(x0, y0, x1, y1 float64) *geojson.Geometry {
	return geojson.NewGeometry(orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}})
}
