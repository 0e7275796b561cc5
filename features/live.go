package features

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

// Items returns one page of a collection: the current features from the
// live snapshot when the service has a source (filters, paging and
// numberMatched in memory, at a cost that does not grow with the offset),
// and versions at a datetime — or everything, without a source — from
// PostGIS.
func (s *Service) Items(ctx context.Context, c Collection, q ItemsQuery) (Page, error) {
	if q.Time != nil || s.src == nil {
		return Items(ctx, s.st, c, q)
	}
	return s.view().page(c, q)
}

// Extent returns the bounding box of a collection: of the live snapshot's
// features when the service has a source, otherwise from PostGIS.
func (s *Service) Extent(ctx context.Context, c Collection) (orb.Bound, bool, error) {
	if s.src == nil {
		return Extent(ctx, s.st, c)
	}
	return s.view().extent(c)
}

// view is what paging needs of one snapshot, built once per dataset
// version on the first request that sees it: every feature's bounds, and
// the positions of the features each level/kind filter keeps.
type view struct {
	snap  *geo.Snapshot
	areas []orb.Bound // bounds of snap.Areas[i]
	grids []orb.Bound // bounds of snap.Grids[i]

	mu    sync.Mutex
	lists map[listKey][]int32
}

type listKey struct {
	c     Collection
	level geo.Level
	kind  geo.Kind
}

// view returns the view of the source's current snapshot.
func (s *Service) view() *view {
	snap := s.src.Snapshot()
	if v := s.cur.Load(); v != nil && v.snap == snap {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.cur.Load(); v != nil && v.snap == snap {
		return v
	}
	v := newView(snap)
	s.cur.Store(v)
	return v
}

func newView(snap *geo.Snapshot) *view {
	v := &view{snap: snap, areas: make([]orb.Bound, len(snap.Areas)), grids: make([]orb.Bound, len(snap.Grids)),
		lists: map[listKey][]int32{}}
	for i := range snap.Areas {
		v.areas[i] = snap.Areas[i].Geom.Bound()
	}
	for i := range snap.Grids {
		v.grids[i] = snap.Grids[i].Geom.Bound()
	}
	return v
}

// list returns the positions, in code order, of the features the level
// and kind filters keep (computed once per view and filter).
func (v *view) list(k listKey) []int32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if l, ok := v.lists[k]; ok {
		return l
	}
	var l []int32
	if k.c == CollectionAreas {
		l = make([]int32, 0, len(v.snap.Areas))
		for i := range v.snap.Areas {
			if k.level == geo.LevelUnknown || v.snap.Areas[i].Level == k.level {
				l = append(l, int32(i))
			}
		}
	} else {
		l = make([]int32, 0, len(v.snap.Grids))
		for i := range v.snap.Grids {
			g := &v.snap.Grids[i]
			if (k.kind == "" || g.Kind == k.kind) && (k.level == geo.LevelUnknown ||
				k.level == geo.LevelSubGrid && g.ParentGrid != "" || k.level == geo.LevelGrid && g.ParentGrid == "") {
				l = append(l, int32(i))
			}
		}
	}
	v.lists[k] = l
	return l
}

// page selects one page as Items does in PostGIS, with the same rules:
// code order, bbox as ST_Intersects with the closed box, the level of a
// grid by whether it has a parent grid.
func (v *view) page(c Collection, q ItemsQuery) (Page, error) {
	if q.Limit <= 0 || q.Offset < 0 {
		return Page{}, fmt.Errorf("items of %s: limit %d must be positive and offset %d not negative", c, q.Limit, q.Offset)
	}
	var bounds []orb.Bound
	var code func(i int32) geo.Code
	var geom func(i int32) orb.MultiPolygon
	switch c {
	case CollectionAreas:
		if q.Kind != "" {
			return Page{}, fmt.Errorf("items of areas: areas have no kind")
		}
		bounds = v.areas
		code = func(i int32) geo.Code { return v.snap.Areas[i].Code }
		geom = func(i int32) orb.MultiPolygon { return v.snap.Areas[i].Geom }
	case CollectionGrids:
		if q.Level != geo.LevelUnknown && q.Level != geo.LevelGrid && q.Level != geo.LevelSubGrid {
			return Page{}, fmt.Errorf("items of grids: level %s is not a grid level", q.Level)
		}
		bounds = v.grids
		code = func(i int32) geo.Code { return v.snap.Grids[i].Code }
		geom = func(i int32) orb.MultiPolygon { return v.snap.Grids[i].Geom }
	default:
		return Page{}, fmt.Errorf("items: unknown collection %q", c)
	}
	list := v.list(listKey{c, q.Level, q.Kind})
	var sel []int32
	var matched, pos int
	if q.BBox == nil {
		// The filter's list is the matches: the page is a slice of it.
		matched, pos = len(list), q.Offset
		if q.After != "" {
			pos = sort.Search(len(list), func(k int) bool { return code(list[k]) > q.After })
		}
		pos = min(pos, len(list))
		sel = list[pos:min(pos+q.Limit, len(list))]
	} else {
		// One pass over the filter's list, in code order: count the
		// matches and keep the page's, without a list of all matches.
		box := *q.BBox
		sel = make([]int32, 0, min(q.Limit, len(list)))
		for _, i := range list {
			if !intersectsBox(geom(i), bounds[i], box) {
				continue
			}
			matched++
			switch {
			case q.After != "" && code(i) <= q.After, q.After == "" && matched <= q.Offset:
				pos++
			case len(sel) < q.Limit:
				sel = append(sel, i)
			}
		}
	}
	out := Page{Matched: int64(matched), Offset: pos, Version: v.snap.Version}
	if c == CollectionAreas {
		out.Areas = make([]geo.Area, len(sel))
		for k, i := range sel {
			a := v.snap.Areas[i]
			a.Households = 0 // pages carry no counts, as from PostGIS
			out.Areas[k] = a
		}
	} else {
		out.Grids = make([]geo.Grid, len(sel))
		for k, i := range sel {
			g := v.snap.Grids[i]
			g.Households, g.Units = 0, 0 // pages carry no counts, as from PostGIS
			out.Grids[k] = g
		}
	}
	return out, nil
}

// extent is the union of the collection's bounds.
func (v *view) extent(c Collection) (orb.Bound, bool, error) {
	var bs []orb.Bound
	var geoms func(i int) orb.MultiPolygon
	switch c {
	case CollectionAreas:
		bs, geoms = v.areas, func(i int) orb.MultiPolygon { return v.snap.Areas[i].Geom }
	case CollectionGrids:
		bs, geoms = v.grids, func(i int) orb.MultiPolygon { return v.snap.Grids[i].Geom }
	default:
		return orb.Bound{}, false, fmt.Errorf("extent: unknown collection %q", c)
	}
	var out orb.Bound
	ok := false
	for i, b := range bs {
		if len(geoms(i)) == 0 {
			continue
		}
		if !ok {
			out, ok = b, true
		} else {
			out = out.Union(b)
		}
	}
	return out, ok, nil
}
