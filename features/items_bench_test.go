package features_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"

	"gridmap/features"
	"gridmap/geo"
)

// synthCity is a snapshot the size of the demo city: 20,019 grids in
// villages of 8, each a jittered quadrilateral with 8 vertices like the
// demo's (7 on average), under 2,503 villages, 160 towns and 10 counties.
func synthCity() *geo.Snapshot {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, cols = 20019, 150
	const size = 0.004
	var grids []geo.Grid
	var areas []geo.Area
	areas = append(areas, geo.Area{Code: "320900000000", Level: geo.LevelCity, Name: "盐城市"})
	seen := map[geo.Code]bool{}
	for i := range n {
		x0, y0 := 119.5+float64(i%cols)*size, 32.5+float64(i/cols)*size
		county, town, village, seq := 1+i/2002, 1+(i/128)%16, 1+(i/8)%16, 1+i%8
		vc := geo.Code(fmt.Sprintf("3209%02d%03d%03d", county, town, village))
		for _, a := range []geo.Area{
			{Code: geo.Code(fmt.Sprintf("3209%02d000000", county)), Level: geo.LevelCounty, Parent: "320900000000"},
			{Code: geo.Code(fmt.Sprintf("3209%02d%03d000", county, town)), Level: geo.LevelTown, Parent: geo.Code(fmt.Sprintf("3209%02d000000", county))},
			{Code: vc, Level: geo.LevelVillage, Parent: geo.Code(fmt.Sprintf("3209%02d%03d000", county, town))},
		} {
			if !seen[a.Code] {
				seen[a.Code] = true
				a.Name = string(a.Code)
				a.Geom = orb.MultiPolygon{{{{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}}}}
				areas = append(areas, a)
			}
		}
		j := func() float64 { return (rng.Float64() - 0.5) * size / 10 }
		ring := orb.Ring{{x0, y0}, {x0 + size/2, y0 + j()}, {x0 + size, y0}, {x0 + size + j(), y0 + size/2},
			{x0 + size, y0 + size}, {x0 + size/2, y0 + size + j()}, {x0, y0 + size}, {x0 + j(), y0 + size/2}, {x0, y0}}
		kind := geo.KindUrban
		if i%3 == 0 {
			kind = geo.KindRural
		}
		grids = append(grids, geo.Grid{Code: geo.Code(fmt.Sprintf("%s%03d", vc, seq)), Kind: kind, Name: "网格", Village: vc,
			Geom: orb.MultiPolygon{{ring}}, ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	slices.SortFunc(areas, func(a, b geo.Area) int { return strings.Compare(string(a.Code), string(b.Code)) })
	return geo.NewSnapshot(1, time.Now(), areas, grids)
}

// BenchmarkItemsPage is a page of 10 grids of a city the size of the demo
// (20,019 grids) from the live snapshot at offset 0 and at offset 19,000:
// the selection alone (Items) and the whole HTTP answer (GeoJSON
// included), unfiltered, with a level and kind filter, with a bbox, and by
// key (after=, as next links page). The cost must not grow with the
// offset.
func BenchmarkItemsPage(b *testing.B) {
	snap := synthCity()
	svc := features.New(nil, &fixedSource{snap}, nil)
	r := chi.NewRouter()
	r.Method(http.MethodGet, "/collections/{collectionId}/items", svc.HandleItems())
	ctx := context.Background()
	bbox := &orb.Bound{Min: orb.Point{119.5, 32.5}, Max: orb.Point{120.1, 33.05}}
	for _, tc := range []struct {
		name string
		q    features.ItemsQuery
		url  string
	}{
		{"offset=0", features.ItemsQuery{Limit: 10}, "limit=10"},
		{"offset=19000", features.ItemsQuery{Limit: 10, Offset: 19000}, "limit=10&offset=19000"},
		{"after=19000th", features.ItemsQuery{Limit: 10, After: snap.Grids[18999].Code}, "limit=10&offset=19000&after=" + string(snap.Grids[18999].Code)},
		{"kind/offset=0", features.ItemsQuery{Limit: 10, Kind: geo.KindUrban, Level: geo.LevelGrid}, "limit=10&kind=urban&level=grid"},
		{"kind/offset=13000", features.ItemsQuery{Limit: 10, Offset: 13000, Kind: geo.KindUrban, Level: geo.LevelGrid}, "limit=10&offset=13000&kind=urban&level=grid"},
		{"bbox/offset=0", features.ItemsQuery{Limit: 10, BBox: bbox}, "limit=10&bbox=119.5,32.5,120.1,33.05"},
		{"bbox/offset=19000", features.ItemsQuery{Limit: 10, Offset: 19000, BBox: bbox}, "limit=10&offset=19000&bbox=119.5,32.5,120.1,33.05"},
	} {
		b.Run("Items/"+tc.name, func(b *testing.B) {
			for b.Loop() {
				p, err := svc.Items(ctx, features.CollectionGrids, tc.q)
				if err != nil || len(p.Grids) != 10 {
					b.Fatalf("%d grids, %v", len(p.Grids), err)
				}
			}
		})
		b.Run("HTTP/"+tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/collections/grids/items?"+tc.url, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
