package importer_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/adjusttest"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/feature"
	"gridmap/geo"
	"gridmap/importer"
	"gridmap/importer/importertest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// importGap is an import of a grid over the gap of the fixture's east
// village, where the apply in these tests creates one.
func importGap(ctx context.Context, st *store.Store) (*importer.Report, error) {
	file := importertest.Collection(importertest.GridFeature("320902001002005", "imported", "rural", importertest.Box(120.045, 33, 120.06, 33.03)))
	return importer.Import(ctx, st, feature.NewReader(strings.NewReader(file), feature.ReaderOptions{}), importer.Options{Actor: "test"})
}

func createInGap(t *testing.T, st *store.Store) int64 {
	t.Helper()
	return adjusttest.Approved(t, st, ops.Op{Type: ops.Create, Village: opstest.East, Kind: geo.KindRural, Name: "gap",
		Geometry: opstest.Rect(120.045, 33, 120.06, 33.03)})
}

// assertOneWriter checks with PostGIS that no two current grids overlap
// and that the east village got exactly one grid over its gap.
func assertOneWriter(t *testing.T, st *store.Store) {
	t.Helper()
	if n := storetest.Int(t, st, `SELECT count(*) FROM grid_current a JOIN grid_current b
		ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')`); n != 0 {
		t.Errorf("%d pairs of current grids overlap", n)
	}
	if n := storetest.Int(t, st, `SELECT count(*) FROM grid_current WHERE village = $1`, opstest.East); n != 2 {
		t.Errorf("east village has %d grids, want 2 (its own and one writer's)", n)
	}
}

// TestImportWaitsForApply: an apply creating a grid in the gap of the
// east village holds its village lock until it commits (held open by the
// test); an import of another grid over the same gap, started meanwhile,
// waits for the village lock and then checks against the applied grid, so
// it is rejected for the overlap instead of committing a second grid on
// the same ground.
func TestImportWaitsForApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	id := createInGap(t, st)
	applyDone := make(chan error, 1)
	holding, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a", BeforeCommit: func(uint32) {
			close(holding)
			<-release
		}})
		applyDone <- err
	}()
	<-holding
	type result struct {
		rep *importer.Report
		err error
	}
	importDone := make(chan result, 1)
	go func() {
		rep, err := importGap(ctx, st)
		importDone <- result{rep, err}
	}()
	select {
	case r := <-importDone:
		t.Fatalf("import finished while the apply held the village: %v", r.err)
	case <-time.After(700 * time.Millisecond):
	}
	// It waits at the village locks, before its checks (not later, at
	// the grid sequence row the apply also wrote).
	if n := storetest.Int(t, st, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock' AND query LIKE '%FROM area WHERE code = ANY%FOR UPDATE%'`); n != 1 {
		t.Errorf("%d backends wait for the village locks, want the import's", n)
	}
	close(release)
	if err := <-applyDone; err != nil {
		t.Fatalf("apply: %v", err)
	}
	r := <-importDone
	if !errors.Is(r.err, importer.ErrRejected) || r.rep.Checks["overlap"] == 0 {
		t.Errorf("import after the apply: %v, checks %v; want rejected for the overlap", r.err, r.rep.Checks)
	}
	assertOneWriter(t, st)
}

// TestImportApplyRace starts an import and an apply on the same gap at
// once, several times: exactly one of them writes, the other is refused
// (the import for the overlap, the apply by its PostGIS re-check), and
// the grids never overlap.
func TestImportApplyRace(t *testing.T) {
	t.Parallel()
	for round := range 4 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := opstest.New(t)
			id := createInGap(t, st)
			start := make(chan struct{})
			var wg sync.WaitGroup
			var applyErr, importErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				_, applyErr = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: id, Actor: "a"})
			}()
			go func() {
				defer wg.Done()
				<-start
				_, importErr = importGap(ctx, st)
			}()
			close(start)
			wg.Wait()
			if (applyErr == nil) == (importErr == nil) {
				t.Errorf("apply: %v; import: %v; want exactly one to write", applyErr, importErr)
			}
			if importErr != nil && !errors.Is(importErr, importer.ErrRejected) {
				t.Errorf("import failed, not rejected: %v", importErr)
			}
			var ce *adjust.ChecksError
			var oe *ops.Error
			if applyErr != nil && !errors.As(applyErr, &ce) && !errors.As(applyErr, &oe) {
				t.Errorf("apply failed, not refused: %v", applyErr)
			}
			t.Logf("apply: %v; import: %v", applyErr, importErr)
			assertOneWriter(t, st)
		})
	}
}
