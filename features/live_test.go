package features_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// fixedSource is a Source whose snapshot changes only when the test says.
type fixedSource struct{ snap *geo.Snapshot }

func (f *fixedSource) Snapshot() *geo.Snapshot { return f.snap }

// liveService returns a service paging the store's current snapshot.
func liveService(t testing.TB, st *store.Store) (*features.Service, *fixedSource) {
	t.Helper()
	snap, err := st.LoadSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src := &fixedSource{snap}
	return features.New(st, src, nil), src
}

func pageCodes(p features.Page) []string {
	return append(areaCodes(p.Areas), gridCodes(p.Grids)...)
}

// TestLiveItemsAgreeWithPostGIS: pages of the current features from the
// live snapshot are the pages PostGIS gives, feature for feature (codes,
// names, geometry) with the same numberMatched, for every filter: boxes
// from random ones to boxes built on the data's own vertices and edges,
// boxes without width or height and points, with every level and kind,
// paged by offset and by key.
func TestLiveItemsAgreeWithPostGIS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		st   func(t *testing.T) *store.Store
	}{
		{"read fixture", func(t *testing.T) *store.Store { return readFixture(t) }},
		{"adjust fixture", func(t *testing.T) *store.Store { return newAdjustStore(t) }},
		{"demo county", func(t *testing.T) *store.Store {
			return storetest.NewDemo(t, demo.Options{Scale: 0.05, Seed: 7, County: geo.MustParseCode("320902")})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := tc.st(t)
			svc, src := liveService(t, st)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			var verts []orb.Point
			var edges [][2]orb.Point
			for _, g := range src.snap.Grids {
				for _, p := range g.Geom {
					verts = append(verts, p[0][:len(p[0])-1]...)
					for i := 0; i+1 < len(p[0]); i++ {
						edges = append(edges, [2]orb.Point{p[0][i], p[0][i+1]})
					}
				}
			}
			ext, _, err := svc.Extent(ctx, features.CollectionAreas)
			if err != nil {
				t.Fatal(err)
			}
			if want, _, _ := features.Extent(ctx, st, features.CollectionAreas); want != ext {
				t.Errorf("extent of areas %v, PostGIS %v", ext, want)
			}
			randIn := func() orb.Point {
				return orb.Point{ext.Min[0] + rng.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1] + rng.Float64()*(ext.Max[1]-ext.Min[1])}
			}
			vert := func() orb.Point { return verts[rng.IntN(len(verts))] }
			boxes := []*orb.Bound{nil}
			// The box of every edge (a segment along an axis-parallel edge)
			// and a point on every vertex, then random boxes.
			for k, e := range edges {
				if k%max(1, len(edges)/60) == 0 {
					bb := orb.Bound{Min: e[0], Max: e[0]}.Extend(e[1])
					boxes = append(boxes, &bb, &orb.Bound{Min: e[0], Max: e[0]})
				}
			}
			for range 40 {
				var a, b orb.Point
				switch rng.IntN(7) {
				case 0: // random
					a, b = randIn(), randIn()
				case 1: // corners on vertices
					a, b = vert(), vert()
				case 2: // a point on a vertex
					a = vert()
					b = a
				case 3: // a segment along an axis from a vertex
					a, b = vert(), randIn()
					axis := rng.IntN(2)
					b[axis] = a[axis]
				case 4: // a random point
					a = randIn()
					b = a
				case 5: // a small box around a vertex
					a = vert()
					d := rng.Float64() * 1e-3
					a, b = orb.Point{a[0] - d, a[1] - d}, orb.Point{a[0] + d, a[1]}
				case 6: // the box of an edge: a segment when the edge is axis-parallel
					k := rng.IntN(len(edges))
					a, b = edges[k][0], edges[k][1]
				}
				bb := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
				boxes = append(boxes, &bb)
			}
			type filter struct {
				c     features.Collection
				level geo.Level
				kind  geo.Kind
			}
			filters := []filter{{features.CollectionAreas, 0, ""}, {features.CollectionAreas, geo.LevelVillage, ""},
				{features.CollectionGrids, 0, ""}, {features.CollectionGrids, geo.LevelGrid, ""},
				{features.CollectionGrids, geo.LevelSubGrid, ""}, {features.CollectionGrids, 0, geo.KindExclusive},
				{features.CollectionGrids, geo.LevelGrid, geo.KindRural}}
			compared := 0
			for _, box := range boxes {
				for _, f := range filters {
					q := features.ItemsQuery{BBox: box, Level: f.level, Kind: f.kind, Limit: 1 + rng.IntN(50)}
					want, err := features.Items(ctx, st, f.c, q)
					if err != nil {
						t.Fatal(err)
					}
					q.Offset = rng.IntN(int(want.Matched) + 2)
					want, err = features.Items(ctx, st, f.c, q)
					if err != nil {
						t.Fatal(err)
					}
					got, err := svc.Items(ctx, f.c, q)
					if err != nil {
						t.Fatal(err)
					}
					what := fmt.Sprintf("%s level %s kind %q bbox %v limit %d offset %d", f.c, f.level, f.kind, box, q.Limit, q.Offset)
					if got.Matched != want.Matched || !slices.Equal(pageCodes(got), pageCodes(want)) {
						t.Fatalf("%s: live %v (%d matched), PostGIS %v (%d matched)", what, pageCodes(got), got.Matched, pageCodes(want), want.Matched)
					}
					for i := range got.Grids {
						g, w := got.Grids[i], want.Grids[i]
						if g.Name != w.Name || g.Kind != w.Kind || !g.ValidFrom.Equal(w.ValidFrom) || !orb.Equal(g.Geom, w.Geom) || g.Households != w.Households {
							t.Fatalf("%s: grid %s differs: live %+v, PostGIS %+v", what, g.Code, g, w)
						}
					}
					for i := range got.Areas {
						if g, w := got.Areas[i], want.Areas[i]; g.Name != w.Name || g.Parent != w.Parent || !orb.Equal(g.Geom, w.Geom) {
							t.Fatalf("%s: area %s differs", what, g.Code)
						}
					}
					// By key: after the feature before the offset, the same page.
					if codes := pageCodes(want); len(codes) > 0 && q.Offset > 0 {
						prev, err := features.Items(ctx, st, f.c, features.ItemsQuery{BBox: box, Level: f.level, Kind: f.kind, Limit: 1, Offset: q.Offset - 1})
						if err != nil {
							t.Fatal(err)
						}
						q.After = geo.Code(pageCodes(prev)[0])
						q.Offset = 0
						byKey, err := svc.Items(ctx, f.c, q)
						if err != nil {
							t.Fatal(err)
						}
						sqlKey, err := features.Items(ctx, st, f.c, q)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(pageCodes(byKey), codes) || !slices.Equal(pageCodes(sqlKey), codes) ||
							byKey.Offset != want.Offset || sqlKey.Offset != want.Offset {
							t.Fatalf("%s after %s: live %v at %d, PostGIS %v at %d; want %v at %d", what, q.After,
								pageCodes(byKey), byKey.Offset, pageCodes(sqlKey), sqlKey.Offset, codes, want.Offset)
						}
					}
					compared++
				}
			}
			t.Logf("%d pages compared", compared)
		})
	}
}

// TestLiveItemsFollowTheSource: a new snapshot is paged as soon as the
// source has it, and a walk by key started on the old one goes on in the
// new one without skipping a feature, where the offset alone would.
func TestLiveItemsFollowTheSource(t *testing.T) {
	t.Parallel()
	st := readFixture(t)
	svc, src := liveService(t, st)
	ctx := context.Background()
	first, err := svc.Items(ctx, features.CollectionGrids, features.ItemsQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := pageCodes(first); !slices.Equal(got, []string{"320902001001001", "320902001001002"}) || first.Matched != 5 {
		t.Fatalf("first page %v (%d matched)", got, first.Matched)
	}
	// A grid before the page's end is retired and one after it is added.
	if _, err := st.Pool().Exec(ctx, `
		UPDATE grid SET valid = tstzrange(lower(valid), now()) WHERE code = '320902001001001' AND upper_inf(valid);
		INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
		 ('320902001001003', 'rural', '320902001001', '新网格', ST_Multi(ST_MakeEnvelope(120.00, 33.0, 120.01, 33.01, 4326)), tstzrange(now(), NULL));
		SELECT bump_dataset_version('test');`); err != nil {
		t.Fatal(err)
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src.snap = snap
	next, err := svc.Items(ctx, features.CollectionGrids, features.ItemsQuery{Limit: 2, Offset: 2, After: "320902001001002"})
	if err != nil {
		t.Fatal(err)
	}
	if got := pageCodes(next); !slices.Equal(got, []string{"320902001001003", "320902001002001"}) || next.Matched != 5 || next.Offset != 1 ||
		next.Version != snap.Version {
		t.Errorf("next page by key in the new version: %v at %d (%d matched, version %d); want [320902001001003 320902001002001] at 1 of 5, version %d",
			got, next.Offset, next.Matched, next.Version, snap.Version)
	}
	byOffset, err := svc.Items(ctx, features.CollectionGrids, features.ItemsQuery{Limit: 2, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := pageCodes(byOffset); !slices.Equal(got, []string{"320902001002001", "320902001002002"}) {
		t.Errorf("next page by offset in the new version: %v; want [320902001002001 320902001002002], which skips the new 320902001001003 (what after= avoids)", got)
	}
}
