package eventstats_test

import (
	"context"
	"testing"

	"gridmap/eventstats"
	"gridmap/eventstats/eventstatstest"
	"gridmap/geo"
)

// BenchmarkStats times the whole city's and the county's statistics from
// the in-memory table and by PostgreSQL's GROUP BY on the same data (the
// test demo's year; gridd bench events does the same on any database):
//
//	go test ./eventstats -run - -bench Stats
func BenchmarkStats(b *testing.B) {
	st := eventstatstest.NewDemo(b)
	ctx := context.Background()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, area := range []geo.Code{"320900000000", "320902000000"} {
		q := eventstats.Query{Area: area, Now: eventstatstest.Until}
		b.Run("memory/"+area.Short(), func(b *testing.B) {
			t := h.Current()
			for b.Loop() {
				if _, err := t.Stats(q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("postgres/"+area.Short(), func(b *testing.B) {
			for b.Loop() {
				if _, err := eventstats.FromPostgres(ctx, st, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
