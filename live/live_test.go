package live_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridmap/live"
	"gridmap/store/storetest"
)

const fixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001000', 'town', '新兴镇', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001001', 'village', '一村', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326)));
`

func TestHolderFollowsNewVersions(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := st.Pool().Exec(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	// Two holders on one database: two gridd processes.
	h1, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := live.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := h1.Current().Version(); v != 0 {
		t.Fatalf("initial version %d, want 0", v)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go h1.Run(runCtx)
	go h2.Run(runCtx)

	// Readers run all the time; each State they see must be self-consistent:
	// version v has exactly v grids in this test.
	var bad atomic.Int64
	var reads atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				s := h1.Current()
				if int64(len(s.Snap.Grids)) != s.Version() {
					bad.Add(1)
				}
				reads.Add(1)
			}
		}()
	}

	for v := int64(1); v <= 5; v++ {
		_, err := st.Pool().Exec(ctx, fmt.Sprintf(`
			INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
			 ('320902001001%03d', 'rural', '320902001001', '第%d组',
			  ST_Multi(ST_MakeEnvelope(120.0 + 0.02*%d, 33.0, 120.02 + 0.02*%d, 33.2, 4326)), tstzrange(now(), NULL));
			SELECT bump_dataset_version('test');`, v, v, v-1, v-1))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for _, h := range []*live.Holder{h1, h2} {
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			if err := h.WaitFor(wctx, v); err != nil {
				t.Fatalf("version %d not picked up: %v", v, err)
			}
			wcancel()
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("version %d took %v to arrive", v, d)
		}
		if s := h2.Current(); s.Tiles == nil || s.Tiles.Version != v || s.Index.Snapshot() != s.Snap {
			t.Fatalf("version %d: tiles and index not built from the state's snapshot", v)
		}
		if got := len(h2.Snapshot().Grids); got != int(v) {
			t.Fatalf("version %d: %d grids, want %d", v, got, v)
		}
	}
	stop()
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d reads saw a state whose grids do not match its version", bad.Load(), reads.Load())
	}
	if reads.Load() == 0 {
		t.Fatal("no reads happened")
	}
}
