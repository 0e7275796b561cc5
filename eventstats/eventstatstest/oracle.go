// Package eventstatstest holds what the tests of event statistics share:
// the demo city with its year of events, and PostgreSQL's own answer to a
// statistics query (the independent oracle).
package eventstatstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/eventstats"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// Until is the end of the test demo's year of events.
var Until = time.Date(2026, 6, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// DemoOptions is the small demo city the statistics are tested on: one
// county, its year of events ending at Until.
var DemoOptions = demo.Options{Scale: 0.1, Seed: 3, County: "320902000000", EventsUntil: Until}

// NewDemo returns a store on a fresh copy of the test demo.
func NewDemo(t testing.TB) *store.Store {
	t.Helper()
	return storetest.NewDemo(t, DemoOptions)
}

// Oracle answers q with PostgreSQL's own GROUP BY and percentile_cont
// over the event table.
func Oracle(ctx context.Context, st *store.Store, q eventstats.Query) (eventstats.Stats, error) {
	prefix := q.Area.Short()
	if l := q.Area.Level(); l >= geo.LevelVillage {
		prefix = string(q.Area)
	}
	var from, to *time.Time
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	const where = ` FROM event WHERE grid_code LIKE $1 || '%'
		AND ($2::timestamptz IS NULL OR reported_at >= $2) AND ($3::timestamptz IS NULL OR reported_at < $3)`
	s := eventstats.Stats{Area: q.Area.Short(), ByStatus: map[string]int{}, ByType: map[string]int{}, AsOf: q.Now}
	err := st.Pool().QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE closed_at IS NULL AND due_at < $4),
			count(*) FILTER (WHERE status = 'closed'),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at)::float8 / 3600) FILTER (WHERE status = 'closed'),
			percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at)::float8 / 3600) FILTER (WHERE status = 'closed')`+where,
		prefix, from, to, q.Now).Scan(&s.Total, &s.Overdue, &s.Closed, &s.MedianHoursToClose, &s.P90HoursToClose)
	if err != nil {
		return s, fmt.Errorf("oracle: %w", err)
	}
	for col, m := range map[string]map[string]int{"status": s.ByStatus, "type_code": s.ByType} {
		rows, err := st.Pool().Query(ctx, "SELECT "+col+", count(*)"+where+" GROUP BY 1", prefix, from, to)
		if err != nil {
			return s, fmt.Errorf("oracle: %w", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return s, fmt.Errorf("oracle: %w", err)
			}
			m[k] = n
		}
		if err := rows.Err(); err != nil {
			return s, fmt.Errorf("oracle: %w", err)
		}
	}
	return s, nil
}
