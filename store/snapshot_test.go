package store_test

import (
	"context"
	"os"
	"reflect"
	"testing"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// readFixture returns a store loaded with the read API's fixture
// (../features/testdata/read_fixture.sql): a city, two counties, a town,
// two villages, grids with two versions of one code, a retired grid and an
// exclusive grid with a sub-grid.
func readFixture(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.New(t)
	sql, err := os.ReadFile("../features/testdata/read_fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(context.Background(), string(sql)); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	return st
}

// TestLoadSnapshotFromReusesOnlyUnchanged: a snapshot loaded with the
// previous one to reuse from equals a fresh load after every kind of change
// (a new grid version with other geometry, a renamed version with the same
// geometry, a new grid, records moved and added); unchanged grids share the
// previous geometry, changed ones do not.
func TestLoadSnapshotFromReusesOnlyUnchanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := readFixture(t)
	s1, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g := s1.Grid("320902001001001"); g == nil || g.Households != 2 {
		t.Fatalf("fixture grid 001: %+v, want 2 households", g)
	}
	_, err = st.Pool().Exec(ctx, `
		UPDATE grid SET valid = tstzrange(lower(valid), now()) WHERE code IN ('320902001001001', '320902001001002') AND upper_inf(valid);
		INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
		 ('320902001001001', 'rural', '320902001001', '一村第一网格', ST_Multi(ST_MakeEnvelope(120.00, 33.0, 120.06, 33.1, 4326)), tstzrange(now(), NULL)),
		 ('320902001001002', 'rural', '320902001001', '一村第二网格 (改名)', ST_Multi(ST_MakeEnvelope(120.05, 33.0, 120.10, 33.1, 4326)), tstzrange(now(), NULL)),
		 ('320902001001003', 'rural', '320902001001', '一村第三网格', ST_Multi(ST_MakeEnvelope(120.05, 33.0, 120.06, 33.01, 4326)), tstzrange(now(), NULL));
		UPDATE household SET grid_code = '320902001001002' WHERE address = 'Secret Lane 9';
		INSERT INTO household (address, geom, grid_code) VALUES ('New Lane 1', ST_SetSRID(ST_MakePoint(120.15, 33.01), 4326), '320902001002002');
		INSERT INTO unit (name, geom, grid_code) VALUES ('Shop', ST_SetSRID(ST_MakePoint(120.12, 33.01), 4326), '320902001002001');
		UPDATE area SET geom = ST_Multi(ST_MakeEnvelope(120.10, 33.0, 120.21, 33.1, 4326)) WHERE code = '320902001002';
		UPDATE area SET name = name || ' (改名)' WHERE code = '320902001000';
		SELECT bump_dataset_version('test');`)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := st.LoadSnapshotFrom(ctx, s1)
	if err != nil {
		t.Fatal(err)
	}
	s2.LoadedAt = fresh.LoadedAt // two transactions, two now()s
	if !reflect.DeepEqual(s2, fresh) {
		t.Errorf("snapshot loaded from the previous one differs from a fresh load:\nfrom prev: %+v\nfresh:     %+v", s2.Grids, fresh.Grids)
	}
	if s2.Version != s1.Version+1 {
		t.Errorf("version %d, want %d", s2.Version, s1.Version+1)
	}
	for _, tc := range []struct {
		code              geo.Code
		shared            bool
		households, units int
	}{
		{"320902001001001", false, 1, 0},
		{"320902001001002", false, 1, 0}, // renamed: a new version, loaded again
		{"320902001001003", false, 0, 0},
		{"320902001002001", true, 0, 1},
		{"320902001002002", true, 1, 0},
	} {
		g, old := s2.Grid(tc.code), s1.Grid(tc.code)
		if g == nil {
			t.Errorf("%s missing", tc.code)
			continue
		}
		if g.Households != tc.households || g.Units != tc.units {
			t.Errorf("%s: %d households, %d units; want %d, %d", tc.code, g.Households, g.Units, tc.households, tc.units)
		}
		shared := old != nil && len(old.Geom) > 0 && len(g.Geom) > 0 && &old.Geom[0] == &g.Geom[0]
		if shared != tc.shared {
			t.Errorf("%s: geometry shared with the previous snapshot = %v, want %v", tc.code, shared, tc.shared)
		}
	}
	if a := s2.Area("320902001000"); a == nil || a.Households != 3 {
		t.Errorf("town households = %+v, want 3", a)
	}
	// Areas: a boundary redrawn or a name changed is a new version, read
	// again; the others keep the previous boundary.
	for _, tc := range []struct {
		code   geo.Code
		shared bool
	}{
		{"320902001002", false}, // redrawn
		{"320902001000", false}, // renamed
		{"320902001001", true},
		{"320902000000", true},
	} {
		a, old := s2.Area(tc.code), s1.Area(tc.code)
		if a == nil || old == nil || len(a.Geom) == 0 {
			t.Errorf("area %s missing or without a boundary: %+v", tc.code, a)
			continue
		}
		if shared := &old.Geom[0] == &a.Geom[0]; shared != tc.shared {
			t.Errorf("area %s: boundary shared with the previous snapshot = %v, want %v", tc.code, shared, tc.shared)
		}
	}
	if a := s2.Area("320902001002"); a == nil || a.Geom.Bound().Max[0] != 120.21 {
		t.Errorf("redrawn village: %+v, want its new boundary", a)
	}
}
