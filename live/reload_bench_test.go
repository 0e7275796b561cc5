package live

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/tiles"
)

// benchStore opens the database named by GRIDMAP_BENCH_URL (a loaded demo
// city, used read-only).
func benchStore(b *testing.B) *store.Store {
	url := os.Getenv("GRIDMAP_BENCH_URL")
	if url == "" {
		b.Fatal("set GRIDMAP_BENCH_URL to a database holding the demo city (gridd demo), e.g. postgres://postgres@127.0.0.1:54329/bench_full")
	}
	st, err := store.Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	return st
}

// BenchmarkReloadPhases times the parts of a reload on the whole city:
// reading the snapshot, building the lookup index, preparing tile data from
// the previous version's (nothing changed: the best case) and from nothing.
func BenchmarkReloadPhases(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	prev := tiles.Prepare(snap)
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.LoadSnapshot(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			geo.NewIndex(snap, geo.IndexOptions{})
		}
	})
	b.Run("tiles-cold", func(b *testing.B) {
		for b.Loop() {
			tiles.Prepare(snap)
		}
	})
	b.Run("tiles-from-prev", func(b *testing.B) {
		for b.Loop() {
			tiles.PrepareFrom(snap, prev)
		}
	})
	b.Run("build-from-prev", func(b *testing.B) {
		p := &State{Snap: snap, Tiles: prev}
		for b.Loop() {
			build(snap, p)
		}
	})
	b.Run("load-from-prev", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.LoadSnapshotFrom(ctx, snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reload", func(b *testing.B) {
		p := &State{Snap: snap, Tiles: prev}
		for b.Loop() {
			s, err := st.LoadSnapshotFrom(ctx, snap)
			if err != nil {
				b.Fatal(err)
			}
			build(s, p)
		}
	})
}
