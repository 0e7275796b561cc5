package tiles_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/adjust/adjusttest"
	"gridmap/demo"
	"gridmap/store/storetest"
	"gridmap/tiles"
)

// BenchmarkTileAtAreas compares, in one run, ?at= tiles of the area
// layers drawn from area_history (the areas of then) with the same query
// drawing the area table (today's areas, as before migration 004), on a
// demo county after a split across a town boundary gave a few areas a
// second version. Each iteration renders a ring of tiles around the
// split at z10, z12 and z14.
func BenchmarkTileAtAreas(b *testing.B) {
	ctx := context.Background()
	st := storetest.NewDemo(b, demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"})
	c := adjusttest.FindCrossCut(b, st, false)
	before, _ := adjusttest.ApplyCrossCut(b, st, c)
	// The area-table variant reads today's areas: the same query with the
	// history table and its validity test replaced.
	const fromHistory, validAt = "FROM area_history a CROSS JOIN env", "WHERE a.valid @> $4::timestamptz AND a.geom && env.q"
	if !strings.Contains(tiles.TileAtSQL, fromHistory) || !strings.Contains(tiles.TileAtSQL, validAt) {
		b.Fatal("the tile query no longer reads area_history as this benchmark expects")
	}
	variants := map[string]string{
		"history": tiles.TileAtSQL,
		"area-table": strings.NewReplacer(fromHistory, "FROM area a CROSS JOIN env",
			validAt, "WHERE a.geom && env.q").Replace(tiles.TileAtSQL),
	}
	type tile struct{ z, x, y int }
	var ring []tile
	for _, z := range []int{10, 12, 14} {
		t := maptile.At(orb.Point{c.MX, c.MY}, maptile.Zoom(z))
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				ring = append(ring, tile{z, int(t.X) + dx, int(t.Y) + dy})
			}
		}
	}
	layers := []string{"county", "town", "village"}
	for _, name := range []string{"history", "area-table"} {
		sql := variants[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, t := range ring {
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
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ring))/1000, "ms/tile")
		})
	}
}
