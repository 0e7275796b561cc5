package features_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"gridmap/feature"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The fixtures the read and export tests share with other packages' tests
// (../store/testdata): the adjustment fixture and the import files.

// newAdjustStore returns a store loaded with the adjustment fixture: a
// county whose village 320902001001 is 3×3 grids of 0.01° and whose
// village 320902001002 has one grid on its west half.
func newAdjustStore(t testing.TB) *store.Store {
	t.Helper()
	return loadSQL(t, "../store/testdata/adjust_fixture.sql")
}

// loadSQL returns a fresh store with an SQL file run on it.
func loadSQL(t testing.TB, path string) *store.Store {
	t.Helper()
	st := storetest.New(t)
	sql, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(context.Background(), string(sql)); err != nil {
		t.Fatalf("load fixture %s: %v", path, err)
	}
	return st
}

// importFile imports a file, failing the test on an internal error.
func importFile(t *testing.T, st *store.Store, path string, opts store.ImportOptions) (*store.ImportReport, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return importReader(t, st, feature.NewReader(f, feature.ReaderOptions{}), opts)
}

func importReader(t *testing.T, st *store.Store, r *feature.Reader, opts store.ImportOptions) (*store.ImportReport, error) {
	t.Helper()
	rep, err := st.Import(context.Background(), r, opts)
	if err != nil && !errors.Is(err, store.ErrRejected) {
		t.Fatalf("import: internal error %v", err)
	}
	if rep == nil {
		t.Fatal("import returned no report")
	}
	if (err == nil) != rep.Accepted {
		t.Fatalf("import error %v but Accepted=%v", err, rep.Accepted)
	}
	return rep, err
}

// mustAccept fails the test unless the import was accepted.
func mustAccept(t *testing.T, rep *store.ImportReport, err error) {
	t.Helper()
	if err != nil {
		for _, p := range rep.Problems {
			t.Log(p)
		}
		t.Fatalf("import rejected: %v", err)
	}
}

// baseStore is a database with the test areas and grids of
// ../store/testdata/import: village 320902001002's east half (120.15-120.2)
// is free.
func baseStore(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.New(t)
	rep, err := importFile(t, st, "../store/testdata/import/areas.geojson", store.ImportOptions{Kind: "areas", Actor: "test"})
	mustAccept(t, rep, err)
	if rep.Areas != 5 || rep.Grids != 0 {
		t.Fatalf("areas import: %d areas, %d grids; want 5, 0", rep.Areas, rep.Grids)
	}
	rep, err = importFile(t, st, "../store/testdata/import/grids.geojson", store.ImportOptions{Actor: "test"})
	mustAccept(t, rep, err)
	if rep.Grids != 4 {
		t.Fatalf("grids import: %d grids; want 4", rep.Grids)
	}
	return st
}
