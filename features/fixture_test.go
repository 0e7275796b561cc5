package features_test

import (
	"context"
	"os"
	"testing"

	"gridmap/adjust/ops/opstest"
	"gridmap/importer/importertest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The fixtures the read and export tests share with other packages'
// tests: the adjustment fixture (adjusttest) and the import files
// (importertest).

// newAdjustStore returns a store loaded with the adjustment fixture: a
// county whose village 320902001001 is 3×3 grids of 0.01° and whose
// village 320902001002 has one grid on its west half.
func newAdjustStore(t testing.TB) *store.Store { return opstest.New(t) }

// baseStore is a database with the test areas and grids of importertest:
// village 320902001002's east half (120.15-120.2) is free.
func baseStore(t *testing.T) *store.Store { return importertest.Base(t) }

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
