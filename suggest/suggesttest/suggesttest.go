// Package suggesttest is test support for suggest: a county of villages
// built to be hard for a suggested division (fixture.sql). Only tests
// import it.
//
//   - Huge (大楼社区): two urban grids; one building of 900 households
//     within 20 m of a point, and 600 addresses on a lattice.
//   - River (河滨社区): two urban grids of about 400 and 800 households;
//     a river 280 m wide (no households) runs north-south through the
//     eastern one.
//   - Park (园区社区): an exclusive grid with two sub-grids in the middle
//     (a few households of its own), four urban grids around it, about
//     2,700 households.
//   - Rural (田村): two rural grids, three villager groups of about 80
//     households by thirds east-west.
package suggesttest

import (
	"context"
	_ "embed"
	"testing"

	"gridmap/geo"
	"gridmap/store"
)

//go:embed fixture.sql
var fixtureSQL string

// The fixture's codes.
const (
	County = geo.Code("320902000000")
	Huge   = geo.Code("320902001001")
	River  = geo.Code("320902001002")
	Park   = geo.Code("320902001003")
	Rural  = geo.Code("320902001004")
	// Exclusive is the exclusive grid in the middle of Park.
	Exclusive = geo.Code("320902001003001")
)

// Load writes the fixture into st, an empty database.
func Load(t testing.TB, st *store.Store) {
	t.Helper()
	if _, err := st.Pool().Exec(context.Background(), fixtureSQL); err != nil {
		t.Fatalf("load the suggest fixture: %v", err)
	}
}
