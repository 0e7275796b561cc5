// Package geocodetest is test support for package geocode: the live
// standard addresses of a database (the demo city writes its own: roads
// with door numbers and compounds with buildings, entrances and rooms in
// urban communities; villager groups and door numbers in villages), and a
// seeded noisy test set made from them, by kind of noise, with made-up
// addresses beside. gridd bench geocode uses it too. It must never be
// needed by the service itself.
package geocodetest

import (
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/records"
)

// Address is a standard address as the noisy set takes it.
type Address struct {
	records.Address
	Point orb.Point
	Grid  geo.Code
	// ID and Code are the database's (Read), or set by Insert.
	ID   int64
	Code string
}
