// Package features is the read side of areas and grids: OGC API Features
// (landing page, conformance, collections, items, one item) and the read
// API by code (/areas/{code}, /children, /grids/{code}, /versions), with
// their queries, and the GeoJSON export of gridd export and
// /admin/export.
//
// Pages of the current grids and areas come from the live snapshot the
// service already holds (filters, paging and counts in memory); a single
// feature, its versions and anything asked at a datetime come from
// PostGIS. It never writes, and it never imports a capability above it
// (adjust imports it for the version history).
package features

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"gridmap/geo"
	"gridmap/store"
)

// Source gives the current snapshot (live.Holder does).
type Source interface {
	Snapshot() *geo.Snapshot
}

// Service answers the read routes of areas and grids.
type Service struct {
	st  *store.Store
	src Source
	log *slog.Logger

	mu  sync.Mutex           // serialises building a view
	cur atomic.Pointer[view] // the view of the newest snapshot seen
}

// New returns the read service over a store. Pages of current features
// come from src when it is not nil, otherwise from PostGIS too.
func New(st *store.Store, src Source, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, src: src, log: log}
}
