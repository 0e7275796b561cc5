package features_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/features"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// readFixture returns a store loaded with testdata/read_fixture.sql: a
// city, two counties, a town, two villages, grids with two versions of
// one code, a retired grid and an exclusive grid with a sub-grid.
func readFixture(t testing.TB) *store.Store {
	t.Helper()
	return loadSQL(t, "testdata/read_fixture.sql")
}

func gridCodes(gs []geo.Grid) []string {
	var out []string
	for _, g := range gs {
		out = append(out, string(g.Code))
	}
	return out
}

func areaCodes(as []geo.Area) []string {
	var out []string
	for _, a := range as {
		out = append(out, string(a.Code))
	}
	return out
}

func TestReadAreas(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	ctx := context.Background()
	a, err := features.Area(ctx, st, "320902000000")
	if err != nil {
		t.Fatal(err)
	}
	if a.Level != geo.LevelCounty || a.Name != "亭湖区" || a.Parent != "320900000000" || a.Geom.Bound() != (orb.Bound{Min: orb.Point{120, 33}, Max: orb.Point{120.5, 33.5}}) {
		t.Errorf("area %+v", a)
	}
	if _, err := features.Area(ctx, st, "320999000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown area: %v, want ErrNotFound", err)
	}
	tests := []struct {
		code         geo.Code
		areas, grids []string
	}{
		{"320900000000", []string{"320902000000", "320903000000"}, nil},
		{"320902000000", []string{"320902001000"}, nil},
		{"320903000000", nil, nil},
		{"320902001000", []string{"320902001001", "320902001002"}, nil},
		{"320902001002", nil, []string{"320902001002001", "320902001002002"}},
	}
	for _, tc := range tests {
		as, gs, err := features.Children(ctx, st, tc.code)
		if err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if !slices.Equal(areaCodes(as), tc.areas) || !slices.Equal(gridCodes(gs), tc.grids) {
			t.Errorf("children of %s: %v %v, want %v %v", tc.code, areaCodes(as), gridCodes(gs), tc.areas, tc.grids)
		}
	}
	if _, _, err := features.Children(ctx, st, "320902001999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("children of unknown area: %v, want ErrNotFound", err)
	}
}

func TestReadGrids(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	ctx := context.Background()
	g, err := features.Grid(ctx, st, "320902001001001")
	if err != nil {
		t.Fatal(err)
	}
	if g.Households != 2 || g.Units != 0 || !g.ValidTo.IsZero() || !g.ValidFrom.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		g.Geom.Bound().Max[0] != 120.05 || g.Kind != geo.KindRural || g.Village != "320902001001" {
		t.Errorf("grid %+v", g)
	}
	sub, err := features.Grid(ctx, st, "32090200100200201")
	if err != nil || sub.ParentGrid != "320902001002002" {
		t.Errorf("sub-grid %+v %v", sub, err)
	}
	for _, c := range []geo.Code{"320902001002003", "320902001009001"} {
		if _, err := features.Grid(ctx, st, c); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("grid %s: %v, want ErrNotFound", c, err)
		}
	}
	vs, err := features.GridVersions(ctx, st, "320902001001001")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions: %v %v", vs, err)
	}
	if !vs[0].ValidTo.Equal(vs[1].ValidFrom) || vs[0].Geom.Bound().Max[0] != 120.04 || !vs[1].ValidTo.IsZero() || vs[0].Households != 0 {
		t.Errorf("versions %+v", vs)
	}
	if vs, err := features.GridVersions(ctx, st, "320902001002003"); err != nil || len(vs) != 1 || vs[0].ValidTo.IsZero() {
		t.Errorf("retired grid's versions: %+v %v", vs, err)
	}
	if _, err := features.GridVersions(ctx, st, "320902001009001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("versions of a code never used: %v, want ErrNotFound", err)
	}
}

func TestItems(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	ctx := context.Background()
	box := func(a, b, c, d float64) *orb.Bound { return &orb.Bound{Min: orb.Point{a, b}, Max: orb.Point{c, d}} }
	tests := []struct {
		name    string
		c       features.Collection
		q       features.ItemsQuery
		want    []string
		matched int64
	}{
		{"all grids", features.CollectionGrids, features.ItemsQuery{Limit: 100},
			[]string{"320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201"}, 5},
		{"page", features.CollectionGrids, features.ItemsQuery{Limit: 2, Offset: 3}, []string{"320902001002002", "32090200100200201"}, 5},
		{"past the end", features.CollectionGrids, features.ItemsQuery{Limit: 2, Offset: 9}, nil, 5},
		{"bbox", features.CollectionGrids, features.ItemsQuery{Limit: 100, BBox: box(120.06, 33.01, 120.11, 33.02)},
			[]string{"320902001001002", "320902001002001"}, 2},
		{"bbox on a shared edge", features.CollectionGrids, features.ItemsQuery{Limit: 100, BBox: box(120.05, 33.02, 120.05, 33.03)},
			[]string{"320902001001001", "320902001001002"}, 2},
		{"point bbox on a corner", features.CollectionGrids, features.ItemsQuery{Limit: 100, BBox: box(120.1, 33.0, 120.1, 33.0)},
			[]string{"320902001001002", "320902001002001"}, 2},
		{"bbox outside", features.CollectionGrids, features.ItemsQuery{Limit: 100, BBox: box(0, 0, 1, 1)}, nil, 0},
		{"kind", features.CollectionGrids, features.ItemsQuery{Limit: 100, Kind: geo.KindExclusive}, []string{"320902001002002", "32090200100200201"}, 2},
		{"sub-grids", features.CollectionGrids, features.ItemsQuery{Limit: 100, Level: geo.LevelSubGrid}, []string{"32090200100200201"}, 1},
		{"grids only", features.CollectionGrids, features.ItemsQuery{Limit: 1, Level: geo.LevelGrid, Kind: geo.KindExclusive}, []string{"320902001002002"}, 1},
		{"versions at an instant", features.CollectionGrids, features.ItemsQuery{Limit: 100, Time: &features.TimeRange{From: day(2024, 3, 1), To: day(2024, 3, 1)}},
			[]string{"320902001001001", "320902001001002", "320902001002001", "320902001002002", "320902001002003"}, 5},
		{"versions at the change", features.CollectionGrids, features.ItemsQuery{Limit: 100, Level: geo.LevelGrid, Kind: geo.KindRural, Time: &features.TimeRange{From: day(2025, 1, 1), To: day(2025, 1, 1)}},
			[]string{"320902001001001", "320902001001002"}, 2},
		{"versions since", features.CollectionGrids, features.ItemsQuery{Limit: 2, Time: &features.TimeRange{From: day(2020, 1, 1)}},
			[]string{"320902001001001", "320902001001001"}, 7},
		{"versions until", features.CollectionGrids, features.ItemsQuery{Limit: 100, Time: &features.TimeRange{To: day(2023, 12, 31)}}, nil, 0},
		{"counties", features.CollectionAreas, features.ItemsQuery{Limit: 100, Level: geo.LevelCounty}, []string{"320902000000", "320903000000"}, 2},
		{"area versions at an instant", features.CollectionAreas, features.ItemsQuery{Limit: 100, Level: geo.LevelCounty, Time: &features.TimeRange{From: day(2024, 3, 1), To: day(2024, 3, 1)}},
			[]string{"320902000000", "320903000000"}, 2},
		{"areas in bbox", features.CollectionAreas, features.ItemsQuery{Limit: 1, BBox: box(120.15, 33.05, 120.16, 33.06)}, []string{"320900000000"}, 4},
	}
	// Every case from PostGIS, and from the live snapshot (which hands
	// versions at a time to PostGIS).
	svc, _ := liveService(t, st)
	sources := []struct {
		name  string
		items func(features.Collection, features.ItemsQuery) (features.Page, error)
	}{
		{"PostGIS", func(c features.Collection, q features.ItemsQuery) (features.Page, error) {
			return features.Items(ctx, st, c, q)
		}},
		{"live", func(c features.Collection, q features.ItemsQuery) (features.Page, error) { return svc.Items(ctx, c, q) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, src := range sources {
				items, err := src.items(tc.c, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				got := append(areaCodes(items.Areas), gridCodes(items.Grids)...)
				if !slices.Equal(got, tc.want) || items.Matched != tc.matched {
					t.Errorf("%s: got %v (%d matched), want %v (%d)", src.name, got, items.Matched, tc.want, tc.matched)
				}
			}
		})
	}
	for _, q := range []struct {
		c features.Collection
		q features.ItemsQuery
	}{
		{features.CollectionGrids, features.ItemsQuery{}},
		{features.CollectionGrids, features.ItemsQuery{Limit: 1, Offset: -1}},
		{features.CollectionAreas, features.ItemsQuery{Limit: 1, Kind: geo.KindUrban}},
		{features.CollectionGrids, features.ItemsQuery{Limit: 1, Level: geo.LevelTown}},
		{"roads", features.ItemsQuery{Limit: 1}},
	} {
		for _, src := range sources {
			if _, err := src.items(q.c, q.q); err == nil {
				t.Errorf("%s: Items(%s, %+v) succeeded", src.name, q.c, q.q)
			}
		}
	}
}

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestExtent(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	ctx := context.Background()
	b, ok, err := features.Extent(ctx, st, features.CollectionGrids)
	if err != nil || !ok || b != (orb.Bound{Min: orb.Point{120, 33}, Max: orb.Point{120.2, 33.1}}) {
		t.Errorf("grids extent %v %v %v", b, ok, err)
	}
	empty := storetest.New(t)
	if _, ok, err := features.Extent(ctx, empty, features.CollectionAreas); ok || err != nil {
		t.Errorf("empty areas: ok %v, err %v", ok, err)
	}
	if _, _, err := features.Extent(ctx, st, "roads"); err == nil {
		t.Error("extent of an unknown collection succeeded")
	}
}
