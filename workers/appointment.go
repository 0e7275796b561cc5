package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridmap/geo"
	"gridmap/store"
)

// Appointment is a worker's appointment to a grid: the days From to To
// (the last day in post, inclusive; nil while it runs).
type Appointment struct {
	ID         int64    `json:"id"`
	Worker     int64    `json:"worker"`
	WorkerName string   `json:"worker_name"`
	Grid       geo.Code `json:"grid"`
	Role       Role     `json:"role"`
	From       string   `json:"from"`
	To         *string  `json:"to"`
	Current    bool     `json:"current"`
}

func (s *Service) appointments(ctx context.Context, q store.Querier, sql string, args ...any) ([]Appointment, error) {
	rows, _ := q.Query(ctx, sql, args...)
	out := []Appointment{}
	var ap Appointment
	var grid, role string
	var from time.Time
	var last *time.Time
	var open bool
	if _, err := pgx.ForEachRow(rows, []any{&ap.ID, &ap.Worker, &ap.WorkerName, &grid, &role, &from, &last, &open}, func() error {
		a := ap
		a.Grid, a.Role, a.From = geo.Code(grid), Role(role), from.Format(time.DateOnly)
		if last != nil {
			t := last.Format(time.DateOnly)
			a.To = &t
		}
		today := s.today()
		a.Current = !from.After(today) && (last == nil || !last.Before(today))
		out = append(out, a)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read appointments: %w", err)
	}
	return out, nil
}

func apTarget(id int64) string { return "appointment/" + strconv.FormatInt(id, 10) }

// Appoint appoints worker as role in grid from the date from, after the
// rules of Art. 14-17 and 43 (see CheckAppointment). The grid must be
// current and in the worker's town (Art. 13: workers are managed by their
// town), the grid has one leader at a time, and a worker holds a role in
// a grid once at a time.
func (s *Service) Appoint(ctx context.Context, a Actor, grid geo.Code, worker int64, role Role, from time.Time) (Appointment, error) {
	if !role.Valid() {
		return Appointment{}, badField("role", "%q: want leader, fulltime or parttime", role)
	}
	var out Appointment
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		var kind string
		err := tx.QueryRow(ctx, currentGridSQL, string(grid)).Scan(&kind)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(KindNotFound, "grid %s is not a current grid", grid)
		}
		if err != nil {
			return fmt.Errorf("appoint: grid %s: %w", grid, err)
		}
		town := grid.Town()
		if !a.mayManage(town) {
			return refuse(KindForbidden, "appointing workers in town %s needs an operator or admin token for it; token is %s for %s", town.Short(), a.Role, scopeText(a.Area))
		}
		// Locking the worker serialises the appointments of one person.
		w, err := s.worker(ctx, tx, workerForUpdateSQL, worker)
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Kind == KindNotFound {
				return badField("worker", "worker %d does not exist", worker)
			}
			return err
		}
		if w.town != town {
			return &Error{Kind: KindInvalid, Article: "Art. 13", Msg: fmt.Sprintf("worker %d is managed by town %s; grid %s is in town %s", worker, w.town.Short(), grid, town.Short())}
		}
		c := Candidate{ID: worker, BirthDate: w.birth, CommitteeMember: w.committeeMember}
		rows, _ := tx.Query(ctx, `SELECT trained_on FROM worker_training WHERE worker_id = $1`, worker)
		if c.TrainedOn, err = pgx.CollectRows(rows, pgx.RowTo[time.Time]); err != nil {
			return fmt.Errorf("appoint: trainings: %w", err)
		}
		rows, _ = tx.Query(ctx, failedYearsSQL, worker)
		if c.FailedYears, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
			return fmt.Errorf("appoint: reviews: %w", err)
		}
		err = tx.QueryRow(ctx, fullTimeOnSQL, worker, from).Scan(&c.FullTimeOn)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("appoint: full-time posts: %w", err)
		}
		if r := CheckAppointment(c, role, string(grid), from); r != nil {
			return ruleError(r)
		}
		var id int64
		err = tx.QueryRow(ctx, insertAppointmentSQL, worker, string(grid), string(role), from).Scan(&id)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			switch pgErr.ConstraintName {
			case "appointment_fulltime_one_grid":
				return &Error{Kind: KindInvalid, Article: "Art. 15", Msg: fmt.Sprintf("worker %d holds a full-time post in another grid at a time that overlaps one from %s: one person is full-time in one grid at a time", worker, from.Format(time.DateOnly))}
			case "appointment_one_leader":
				return refuse(KindConflict, "grid %s has a leader at a time that overlaps one from %s: end that appointment first (Art. 14: one grid leader)", grid, from.Format(time.DateOnly))
			case "appointment_once":
				return refuse(KindConflict, "worker %d is already %s in grid %s at a time that overlaps one from %s", worker, role, grid, from.Format(time.DateOnly))
			}
		}
		if err != nil {
			return fmt.Errorf("appoint: %w", err)
		}
		aps, err := s.appointments(ctx, tx, appointmentSQL, id)
		if err != nil {
			return err
		}
		out = aps[0]
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "appointment.create", Target: apTarget(id), After: out, RequestID: a.RequestID})
	})
	return out, err
}

// GridAppointments lists a grid's appointments: all of them (its
// history), or with on set those running on that date (who answered for
// the grid that day).
func (s *Service) GridAppointments(ctx context.Context, a Actor, grid geo.Code, on *time.Time) ([]Appointment, error) {
	if !a.mayManage(grid.Town()) {
		return nil, refuse(KindForbidden, "reading the appointments of town %s needs an operator or admin token for it", grid.Town().Short())
	}
	return s.appointments(ctx, s.st.Pool(), gridAppointmentsSQL, string(grid), on)
}

// EndAppointment ends a running appointment on its last day to.
func (s *Service) EndAppointment(ctx context.Context, a Actor, id int64, to time.Time) (Appointment, error) {
	return endPost(ctx, s, a, id, to, post[Appointment]{what: "appointment", load: s.appointments,
		selectSQL: appointmentSQL, lock: ` FOR UPDATE OF a`, endSQL: endAppointmentSQL, action: "appointment.end", target: apTarget,
		town: func(p Appointment) geo.Code { return p.Grid.Town() }, dates: func(p Appointment) (string, *string) { return p.From, p.To },
		forbidden: "ending appointments in town %s needs an operator or admin token for it", first: "the appointment's first day"})
}
