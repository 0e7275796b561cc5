package eventstats_test

import (
	"context"
	"maps"
	"math"
	"testing"
	"time"

	"gridmap/eventstats"
	"gridmap/eventstats/eventstatstest"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// compare fails the test when got and want (the oracle's) differ; hours
// agree to 1e-9 relative (PostgreSQL computes them in numeric, then
// float8).
func compare(t *testing.T, name string, got, want eventstats.Stats) {
	t.Helper()
	if got.Total != want.Total || got.Overdue != want.Overdue || got.Closed != want.Closed ||
		!maps.Equal(got.ByStatus, want.ByStatus) || !maps.Equal(got.ByType, want.ByType) {
		t.Errorf("%s: got total %d overdue %d closed %d by status %v by type %v;\nPostgreSQL total %d overdue %d closed %d by status %v by type %v",
			name, got.Total, got.Overdue, got.Closed, got.ByStatus, got.ByType, want.Total, want.Overdue, want.Closed, want.ByStatus, want.ByType)
	}
	for _, h := range []struct {
		what      string
		got, want *float64
	}{{"median", got.MedianHoursToClose, want.MedianHoursToClose}, {"p90", got.P90HoursToClose, want.P90HoursToClose}} {
		switch {
		case (h.got == nil) != (h.want == nil):
			t.Errorf("%s: %s hours %v, PostgreSQL %v", name, h.what, h.got, h.want)
		case h.got != nil && math.Abs(*h.got-*h.want) > 1e-9*math.Max(1, math.Abs(*h.want)):
			t.Errorf("%s: %s hours %.12f, PostgreSQL %.12f", name, h.what, *h.got, *h.want)
		}
	}
}

// areasOf picks areas of every level that hold events: the city, the
// county, a town, a village, a grid and a sub-grid.
func areasOf(t *testing.T, st *store.Store) map[string]geo.Code {
	t.Helper()
	ctx := context.Background()
	out := map[string]geo.Code{"city": "320900000000", "county": "320902000000"}
	var grid, sub string
	if err := st.Pool().QueryRow(ctx, `SELECT grid_code FROM event WHERE length(grid_code) = 15
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&grid); err != nil {
		t.Fatal(err)
	}
	out["grid"] = geo.Code(grid)
	out["village"] = geo.Code(grid).Village()
	out["town"] = geo.Code(grid).Town()
	if err := st.Pool().QueryRow(ctx, `SELECT coalesce(min(grid_code), '') FROM event WHERE length(grid_code) = 17`).Scan(&sub); err != nil {
		t.Fatal(err)
	}
	if sub != "" {
		out["subgrid"] = geo.Code(sub)
		out["grid of a sub-grid"] = geo.Code(sub[:15])
	}
	out["town without events"] = "320902999000"
	return out
}

// TestStatsMatchPostgreSQL compares the in-memory statistics of every
// level, with and without report-time bounds and at several moments for
// overdue, with PostgreSQL's GROUP BY and percentile_cont over the demo
// year.
func TestStatsMatchPostgreSQL(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx := context.Background()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := storetest.Int(t, st, "SELECT count(*) FROM event"); h.Current().Len() != int(n) || n < 1000 {
		t.Fatalf("table holds %d events, the database %d (want over 1000)", h.Current().Len(), n)
	}
	until := eventstatstest.Until
	spans := []struct {
		name     string
		from, to time.Time
		now      time.Time
	}{
		{"whole year", time.Time{}, time.Time{}, until},
		{"from March", time.Date(2026, 3, 1, 0, 0, 0, 0, until.Location()), time.Time{}, until},
		{"until March", time.Time{}, time.Date(2026, 3, 1, 0, 0, 0, 0, until.Location()), until},
		{"one week", until.AddDate(0, 0, -14), until.AddDate(0, 0, -7), until},
		{"a month ago", time.Time{}, time.Time{}, until.AddDate(0, -1, 0)},
		{"a year on", time.Time{}, time.Time{}, until.AddDate(1, 0, 0)},
	}
	for level, area := range areasOf(t, st) {
		for _, sp := range spans {
			q := eventstats.Query{Area: area, From: sp.from, To: sp.to, Now: sp.now}
			got, err := h.Current().Stats(q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := eventstats.FromPostgres(ctx, st, q)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, level+" "+string(area)+" "+sp.name, got, want)
			if level == "county" && sp.name == "whole year" && (want.Overdue == 0 || len(want.ByStatus) < 8) {
				t.Errorf("the demo year should hold every status and some overdue events: %v, %d overdue", want.ByStatus, want.Overdue)
			}
		}
	}
}

// TestHolderFollowsChanges changes events behind the holder's back (new
// ones, status changes, a move to another grid, and a change committed
// after a later one was read) and checks that it follows them all, by the
// oracle.
func TestHolderFollowsChanges(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	go h.Run(ctx)
	check := func(step string) {
		t.Helper()
		seq := storetest.Int(t, st, "SELECT max(change_seq) FROM event")
		if err := h.WaitFor(ctx, seq); err != nil {
			t.Fatalf("%s: the holder did not reach change %d: %v", step, seq, err)
		}
		for _, area := range []geo.Code{"320900000000", "320902000000"} {
			q := eventstats.Query{Area: area, Now: eventstatstest.Until}
			got, _ := h.Current().Stats(q)
			want, err := eventstats.FromPostgres(ctx, st, q)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, step, got, want)
		}
	}
	exec := func(q string) {
		t.Helper()
		if _, err := st.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Close the ten oldest open events, reject one, move one.
	exec(`UPDATE event SET status = 'closed', closed_at = reported_at + interval '30 hours'
		WHERE id IN (SELECT id FROM event WHERE closed_at IS NULL ORDER BY id LIMIT 10)`)
	exec(`UPDATE event SET status = 'rejected', closed_at = reported_at + interval '1 hour'
		WHERE id = (SELECT min(id) FROM event WHERE closed_at IS NULL)`)
	exec(`UPDATE event SET grid_code = (SELECT max(grid_code) FROM event)
		WHERE id = (SELECT min(id) FROM event WHERE grid_code <> (SELECT max(grid_code) FROM event))`)
	check("updates")
	// New events, in a new type and status mix.
	exec(`INSERT INTO event (county, type_code, description, location, grid_code, report_grid_code, urgent, status,
			reported_at, due_at, reporter, reporter_role)
		SELECT county, 'env.noise', 'test', location, grid_code, grid_code, true, 'reported',
			timestamptz '2026-05-31 10:00+08', timestamptz '2026-05-31 12:00+08', 'test', 'worker'
		FROM event ORDER BY id LIMIT 25`)
	check("inserts")
	// A change that commits after a later one was already read: its seq
	// lies below the holder's high-water mark when it shows up.
	late, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)
	if _, err := late.Exec(ctx, `UPDATE event SET status = 'accepted' WHERE id = (SELECT max(id) FROM event)`); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE event SET status = 'accepted' WHERE id = (SELECT max(id) - 1 FROM event)`)
	check("a later change read first")
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Nothing newer than the late change's seq: poke the holder with
	// another change so it looks again (it would on its own at the poll).
	exec(`UPDATE event SET urgent = NOT urgent WHERE id = 1`)
	check("the late change")
}
