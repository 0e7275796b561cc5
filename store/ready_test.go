package store_test

import (
	"context"
	"testing"

	"gridmap/store/storetest"
)

func TestReady(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("fresh database not ready: %v", err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE schema_version SET version = 0`); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err == nil {
		t.Error("ready with schema version 0")
	}
}
