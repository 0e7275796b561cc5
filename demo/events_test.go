package demo_test

import (
	"context"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/events/workhours"
	"gridmap/eventstats/eventstatstest"
	"gridmap/store/storetest"
)

// TestDemoEvents checks the demo year of events: every status, some
// urgent and some overdue, statuses consistent with their history rows
// (a chain of steps from the report, in time order, within the year),
// close times where the flow closed, deadlines in working hours from the
// type's sla_hours, and events spread as the households are.
func TestDemoEvents(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx := context.Background()
	until := eventstatstest.Until
	for _, c := range []struct {
		name  string
		q     string
		want  int64
		until bool // the query's $1 is the end of the year
	}{
		{"statuses present", "SELECT count(DISTINCT status) FROM event", 8, false},
		{"status not the last history row's", `SELECT count(*) FROM event e WHERE status IS DISTINCT FROM
			(SELECT to_status FROM event_history h WHERE h.event_id = e.id ORDER BY seq DESC LIMIT 1)`, 0, false},
		{"history not numbered 1..n", `SELECT count(*) FROM (SELECT event_id FROM event_history GROUP BY 1
			HAVING min(seq) <> 1 OR max(seq) <> count(*)) s`, 0, false},
		{"history rows not chained", `SELECT count(*) FROM event_history h JOIN event_history p ON p.event_id = h.event_id AND p.seq = h.seq - 1
			WHERE h.from_status IS DISTINCT FROM p.to_status OR h.at < p.at`, 0, false},
		{"first step not the report", `SELECT count(*) FROM event_history WHERE seq = 1 AND (action <> 'report' OR from_status IS NOT NULL)`, 0, false},
		{"report step not at reported_at", `SELECT count(*) FROM event e JOIN event_history h ON h.event_id = e.id AND h.seq = 1 WHERE h.at <> e.reported_at`, 0, false},
		{"closed_at not the last step", `SELECT count(*) FROM event e WHERE closed_at IS NOT NULL AND closed_at <>
			(SELECT max(at) FROM event_history h WHERE h.event_id = e.id)`, 0, false},
		{"outside the year", `SELECT count(*) FROM event WHERE reported_at < $1::timestamptz - interval '1 year' OR reported_at >= $1`, 0, true},
		{"steps after the year", `SELECT count(*) FROM event_history WHERE at >= $1`, 0, true},
		{"not a grid matter of the county", `SELECT count(*) FROM event e JOIN event_type t ON (t.county, t.code) = (e.county, e.type_code) WHERE NOT t.grid_matter`, 0, false},
		{"grid not the household's", `SELECT count(*) FROM event e WHERE NOT EXISTS (SELECT FROM household h WHERE h.grid_code = e.grid_code AND h.geom = e.location)`, 0, false},
	} {
		var got int64
		args := []any{}
		if c.until {
			args = append(args, until)
		}
		if err := st.Pool().QueryRow(ctx, c.q, args...).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	n := storetest.Int(t, st, "SELECT count(*) FROM event")
	urgent := storetest.Int(t, st, "SELECT count(*) FROM event WHERE urgent")
	overdue := storetest.Int(t, st, "SELECT count(*) FROM event WHERE closed_at IS NULL AND due_at < $1", until)
	households := storetest.Int(t, st, "SELECT count(*) FROM household")
	if urgent == 0 || urgent > n/5 || overdue == 0 || overdue > n/10 {
		t.Errorf("%d events: %d urgent, %d overdue; want some of each, not most", n, urgent, overdue)
	}
	if r := float64(n) / float64(households); r < 0.8*demo.EventsPerHousehold || r > 1.2*demo.EventsPerHousehold {
		t.Errorf("%d events for %d households: %.3f a household, want about %g", n, households, r, demo.EventsPerHousehold)
	}
	// Spread by population: the busiest tenth of the grids by households
	// hold more events than the quietest tenth, by far.
	var top, bottom int64
	if err := st.Pool().QueryRow(ctx, `WITH g AS (SELECT grid_code, count(*) hh, ntile(10) OVER (ORDER BY count(*)) d FROM household GROUP BY 1)
		SELECT coalesce(sum(e.n) FILTER (WHERE d = 10), 0), coalesce(sum(e.n) FILTER (WHERE d = 1), 0)
		FROM g LEFT JOIN (SELECT grid_code, count(*) n FROM event GROUP BY 1) e USING (grid_code)`).Scan(&top, &bottom); err != nil {
		t.Fatal(err)
	}
	if top < 3*bottom {
		t.Errorf("events in the busiest tenth of grids %d, the quietest %d: not spread by households", top, bottom)
	}
	// Deadlines: the type's hours counted in working time.
	rows, err := st.Pool().Query(ctx, `SELECT e.reported_at, e.due_at, t.sla_hours::float8 FROM event e
		JOIN event_type t ON (t.county, t.code) = (e.county, e.type_code) ORDER BY e.id LIMIT 300`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cal := workhours.Default()
	for rows.Next() {
		var rep, due time.Time
		var sla float64
		if err := rows.Scan(&rep, &due, &sla); err != nil {
			t.Fatal(err)
		}
		if want := cal.Add(rep, sla); !due.Equal(want.Truncate(time.Microsecond)) {
			t.Errorf("reported %s with %g working hours: due %s, want %s", rep, sla, due, want)
		}
	}
}
