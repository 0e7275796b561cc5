package events

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/events/workhours"
	"gridmap/store"
)

// The calendar of deadlines lives in table event_calendar, so every gridd
// counts with the same one; an empty table means the built-in calendar
// (workhours.Default: 2025-2027). An admin replaces it with PUT
// /admin/event-calendar (a CSV file: date,kind,name); deadlines already
// set keep their due_at.

// calendar returns the calendar in force, read through q.
func calendar(ctx context.Context, q store.Querier) (*workhours.Calendar, error) {
	rows, err := q.Query(ctx, `SELECT day, kind, name FROM event_calendar ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("event calendar: %w", err)
	}
	days, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (workhours.Day, error) {
		var d workhours.Day
		var kind string
		err := r.Scan(&d.Date, &kind, &d.Name)
		d.Kind = workhours.Kind(kind)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("event calendar: %w", err)
	}
	if len(days) == 0 {
		return workhours.Default(), nil
	}
	return workhours.New(days)
}

// Calendar returns the calendar in force as a CSV file.
func (s *Service) Calendar(ctx context.Context) ([]byte, error) {
	cal, err := calendar(ctx, s.st.Pool())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := cal.WriteCSV(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ReplaceCalendar replaces the calendar with the CSV file csv (see
// workhours.ParseCSV): admin only; audited. It returns the number of
// days listed.
func (s *Service) ReplaceCalendar(ctx context.Context, a Actor, csv []byte) (int, error) {
	if a.Role != roleAdmin {
		return 0, refuse(KindForbidden, "replacing the calendar of deadlines needs an admin token; token is %s", a.Role)
	}
	cal, err := workhours.ParseCSV(bytes.NewReader(csv))
	if err != nil {
		return 0, badField("calendar", "%v", err)
	}
	days := cal.Days()
	err = pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM event_calendar`); err != nil {
			return fmt.Errorf("replace calendar: %w", err)
		}
		var date []time.Time
		var kind, name []string
		for _, d := range days {
			date, kind, name = append(date, d.Date), append(kind, string(d.Kind)), append(name, d.Name)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_calendar (day, kind, name) SELECT * FROM unnest($1::date[], $2::text[], $3::text[])`,
			date, kind, name); err != nil {
			return fmt.Errorf("replace calendar: %w", err)
		}
		first, last := "", ""
		if len(days) > 0 {
			first, last = days[0].Date.Format(time.DateOnly), days[len(days)-1].Date.Format(time.DateOnly)
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "event_calendar.replace", Target: "event_calendar",
			After: map[string]any{"days": len(days), "first": first, "last": last}, RequestID: a.RequestID})
	})
	return len(days), err
}
