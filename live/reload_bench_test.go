package live

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

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
	prevIndex := geo.NewIndex(snap, geo.IndexOptions{})
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
	b.Run("index-from-prev", func(b *testing.B) {
		for b.Loop() {
			geo.NewIndexFrom(prevIndex, snap, geo.IndexOptions{})
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
		p := &State{Snap: snap, Tiles: prev, Index: prevIndex}
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
		p := &State{Snap: snap, Tiles: prev, Index: prevIndex}
		for b.Loop() {
			s, err := st.LoadSnapshotFrom(ctx, snap)
			if err != nil {
				b.Fatal(err)
			}
			build(s, p)
		}
	})
}

// BenchmarkCommitToServe measures, on the whole city, the time from the
// commit of a change to the moment a following Holder serves the new
// dataset version to lookups and tiles. The change is a new version of
// one grid: renamed (geometry reused everywhere), or reshaped (a vertex
// added in the middle of an edge, then taken out again, so its index
// rows and tile geometry are redone; its neighbours keep their
// geometry). It writes to the database named by GRIDMAP_BENCH_WRITE_URL
// (a demo city of its own: gridd demo into a scratch database).
func BenchmarkCommitToServe(b *testing.B) {
	url := os.Getenv("GRIDMAP_BENCH_WRITE_URL")
	if url == "" {
		b.Fatal("set GRIDMAP_BENCH_WRITE_URL to a scratch database holding the demo city (this benchmark writes to it)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	defer cancel() // before the pool closes
	var log *slog.Logger
	if os.Getenv("GRIDMAP_BENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	h, err := New(ctx, st, log)
	if err != nil {
		b.Fatal(err)
	}
	go h.Run(ctx)
	g := h.Current().Snap.Grids[len(h.Current().Snap.Grids)/2]
	// commit writes a new version of g with a name and a geometry
	// (GeoJSON; "" keeps the geometry) and returns the dataset version.
	commit := func(name, geom string) int64 {
		var v int64
		err := st.Pool().QueryRow(ctx, `
			WITH old AS (
				UPDATE grid SET valid = tstzrange(lower(valid), now())
				WHERE code = $1 AND upper_inf(valid) RETURNING code, kind, village, parent_grid, geom)
			, ins AS (
				INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
				SELECT code, kind, village, parent_grid, $2,
				       CASE WHEN $3 = '' THEN geom ELSE ST_SetSRID(ST_GeomFromGeoJSON($3), 4326) END,
				       tstzrange(now(), NULL) FROM old)
			SELECT bump_dataset_version('bench: new version of one grid')`, string(g.Code), name, geom).Scan(&v)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	// The reshaped geometry: a vertex in the middle of the exterior
	// ring's first edge (the same shape, other vertices).
	shapes := [2]string{}
	for i := range shapes {
		mp := orb.MultiPolygon{}
		for _, p := range g.Geom {
			mp = append(mp, slices.Clone(p))
		}
		if i == 1 {
			r := mp[0][0]
			mid := orb.Point{(r[0][0] + r[1][0]) / 2, (r[0][1] + r[1][1]) / 2}
			mp[0][0] = slices.Insert(slices.Clone(r), 1, mid)
		}
		js, err := geojson.NewGeometry(mp).MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		shapes[i] = string(js)
	}
	for _, bc := range []struct {
		name    string
		reshape bool
	}{{"rename", false}, {"reshape", true}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				geom := ""
				if bc.reshape {
					geom = shapes[i%2]
				}
				if err := h.WaitFor(ctx, commit(fmt.Sprintf("%s (%s %d)", g.Name, bc.name, i), geom)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got := h.Current().Snap.Grid(g.Code); got == nil || got.Name == g.Name {
				b.Fatalf("the holder does not serve the changed grid: %+v", got)
			}
		})
	}
}
