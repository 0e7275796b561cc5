package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	"gridmap/eventstats"
	"gridmap/geo"
	"gridmap/store"
)

// EventsOptions tune Events.
type EventsOptions struct {
	// Runs of each side per area; the fastest counts (the machine is
	// shared). Default 5.
	Runs int
}

// Events times the statistics of GET /stats/events for the whole city
// and every county, from the in-memory table (package eventstats) and by
// the equivalent PostgreSQL GROUP BY and percentile_cont queries on the
// same data, checks that both give the same figures, and writes each
// area's times and their ratio.
func Events(ctx context.Context, w io.Writer, st *store.Store, o EventsOptions) error {
	if o.Runs <= 0 {
		o.Runs = 5
	}
	start := time.Now()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		return err
	}
	t := h.Current()
	fmt.Fprintf(w, "events: %d in memory (change %d), loaded in %s\n", t.Len(), t.Seq, time.Since(start).Round(time.Millisecond))
	if t.Len() == 0 {
		return fmt.Errorf("bench events: the database holds no events (gridd demo writes a year of them)")
	}
	areas := []geo.Code{"320900000000"}
	seen := map[string]bool{}
	for _, g := range t.Grids() {
		if c := g[:6]; !seen[c] {
			seen[c] = true
			areas = append(areas, geo.Code(c+"000000"))
		}
	}
	slices.Sort(areas[1:])
	now := time.Now()
	fmt.Fprintf(w, "%-8s %9s %12s %12s %8s\n", "area", "events", "memory", "PostgreSQL", "ratio")
	var memCity, pgCity time.Duration
	for _, a := range areas {
		q := eventstats.Query{Area: a, Now: now}
		var mem, pg time.Duration = math.MaxInt64, math.MaxInt64
		var ms, ps eventstats.Stats
		for range o.Runs {
			s0 := time.Now()
			ms, err = t.Stats(q)
			if err != nil {
				return err
			}
			mem = min(mem, time.Since(s0))
			s0 = time.Now()
			ps, err = eventstats.FromPostgres(ctx, st, q)
			if err != nil {
				return err
			}
			pg = min(pg, time.Since(s0))
		}
		if ms.Total != ps.Total || ms.Overdue != ps.Overdue || !maps.Equal(ms.ByStatus, ps.ByStatus) || !maps.Equal(ms.ByType, ps.ByType) {
			return fmt.Errorf("bench events: %s: memory and PostgreSQL disagree: %d/%d events, %d/%d overdue", a.Short(), ms.Total, ps.Total, ms.Overdue, ps.Overdue)
		}
		if a.Level() == geo.LevelCity {
			memCity, pgCity = mem, pg
		}
		fmt.Fprintf(w, "%-8s %9d %12s %12s %7.0fx\n", a.Short(), ms.Total, mem.Round(time.Microsecond), pg.Round(time.Microsecond), float64(pg)/float64(mem))
	}
	fmt.Fprintf(w, "whole city: memory %s, PostgreSQL GROUP BY %s: %.0fx (best of %d runs each)\n",
		memCity.Round(time.Microsecond), pgCity.Round(time.Microsecond), float64(pgCity)/float64(memCity), o.Runs)
	return nil
}
