package store_test

import (
	"context"
	"testing"

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
