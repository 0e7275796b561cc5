package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/adjust/adjusttest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// BenchmarkTileAtAreas compares, in one run, ?at= tiles of the area
// layers drawn from area_history (the areas of then) with the same query
// drawing the area table (today's areas, as before migration 004), on a
// demo county after a split across a town boundary gave a few areas a
// second version. Each iteration renders a ring of tiles around the
// split at z10, z12 and z14.
func BenchmarkTileAtAreas(b *testing.B) {
	ctx := context.Background()
	st := storetest.NewDemo(b, store.DemoOptions{Scale: 0.2, Seed: 5, County: "320902000000"})
	c := adjusttest.FindCrossCut(b, st, false)
	before, _ := adjusttest.ApplyCrossCut(b, st, c)
	const fromHistory = "FROM area_history a CROSS JOIN env LEFT JOIN ah ON ah.code = a.code\n    WHERE a.valid @> $4::timestamptz AND "
	if !strings.Contains(store.TileAtSQL, fromHistory) {
		b.Fatal("the tile query no longer reads area_history as this benchmark expects")
	}
	variants := map[string]string{
		"history":    store.TileAtSQL,
		"area-table": strings.Replace(store.TileAtSQL, fromHistory, "FROM area a CROSS JOIN env LEFT JOIN ah ON ah.code = a.code\n    WHERE ", 1),
	}
	type tile struct{ z, x, y int }
	var tiles []tile
	for _, z := range []int{10, 12, 14} {
		t := maptile.At(orb.Point{c.MX, c.MY}, maptile.Zoom(z))
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				tiles = append(tiles, tile{z, int(t.X) + dx, int(t.Y) + dy})
			}
		}
	}
	layers := []string{"county", "town", "village"}
	for _, name := range []string{"history", "area-table"} {
		sql := variants[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, t := range tiles {
					idOnly := []string{}
					if t.z < 9 {
						idOnly = append(idOnly, "town")
					}
					if t.z < 11 {
						idOnly = append(idOnly, "village")
					}
					var out []byte
					if err := st.Pool().QueryRow(ctx, sql, t.z, t.x, t.y, before, layers, []string{}, idOnly).Scan(&out); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(tiles))/1000, "ms/tile")
		})
	}
}
