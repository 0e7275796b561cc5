package store_test

import (
	"context"
	"testing"

	"gridmap/store"
	"gridmap/store/storetest"
)

func TestOpenMigratesAndLoadsEmptySnapshot(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	snap, err := st.LoadSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != 0 || len(snap.Grids) != 0 || len(snap.Areas) != 0 {
		t.Fatalf("fresh database: version %d, %d grids, %d areas; want 0, 0, 0", snap.Version, len(snap.Grids), len(snap.Areas))
	}
	var postgis string
	if err := st.Pool().QueryRow(context.Background(), "SELECT postgis_lib_version()").Scan(&postgis); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostGIS %s", postgis)
}

// sqlInt runs a query answering one integer.
func sqlInt(t testing.TB, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
