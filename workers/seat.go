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

// Seat is a worker's post as seat operator (坐席员) of a town centre
// (Art. 6): a town's workers staff it, with the same history as
// appointments (To is the last day, nil while it runs).
type Seat struct {
	ID         int64    `json:"id"`
	Worker     int64    `json:"worker"`
	WorkerName string   `json:"worker_name"`
	Town       geo.Code `json:"town"`
	From       string   `json:"from"`
	To         *string  `json:"to"`
	Current    bool     `json:"current"`
}

func (s *Service) seats(ctx context.Context, q store.Querier, sql string, args ...any) ([]Seat, error) {
	rows, _ := q.Query(ctx, sql, args...)
	out := []Seat{}
	var st Seat
	var town string
	var from time.Time
	var last *time.Time
	var open bool
	if _, err := pgx.ForEachRow(rows, []any{&st.ID, &st.Worker, &st.WorkerName, &town, &from, &last, &open}, func() error {
		x := st
		x.Town, x.From = geo.Code(town), from.Format(time.DateOnly)
		if last != nil {
			t := last.Format(time.DateOnly)
			x.To = &t
		}
		today := s.today()
		x.Current = !from.After(today) && (last == nil || !last.Before(today))
		out = append(out, x)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read seat operators: %w", err)
	}
	return out, nil
}

func seatTarget(id int64) string { return "seat_operator/" + strconv.FormatInt(id, 10) }

// AddSeatOperator makes a worker of the town a seat operator of its
// centre from the date from.
func (s *Service) AddSeatOperator(ctx context.Context, a Actor, town geo.Code, worker int64, from time.Time) (Seat, error) {
	if !a.mayManage(town) {
		return Seat{}, refuse(KindForbidden, "staffing the centre of town %s needs an operator or admin token for it; token is %s for %s", town.Short(), a.Role, scopeText(a.Area))
	}
	var out Seat
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, townSQL, string(town)).Scan(&name); errors.Is(err, pgx.ErrNoRows) {
			return refuse(KindNotFound, "town %s does not exist", town.Short())
		} else if err != nil {
			return fmt.Errorf("seat operator: town: %w", err)
		}
		w, err := s.worker(ctx, tx, workerForUpdateSQL, worker)
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Kind == KindNotFound {
				return badField("worker", "worker %d does not exist", worker)
			}
			return err
		}
		if w.town != town {
			return &Error{Kind: KindInvalid, Article: "Art. 6", Msg: fmt.Sprintf("worker %d is managed by town %s, not %s: a town's centre is staffed by its own seat operators", worker, w.town.Short(), town.Short())}
		}
		var id int64
		err = tx.QueryRow(ctx, insertSeatSQL, worker, string(town), from).Scan(&id)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "seat_operator_once" {
			return refuse(KindConflict, "worker %d is already a seat operator at a time that overlaps one from %s", worker, from.Format(time.DateOnly))
		}
		if err != nil {
			return fmt.Errorf("seat operator: %w", err)
		}
		seats, err := s.seats(ctx, tx, seatSQL, id)
		if err != nil {
			return err
		}
		out = seats[0]
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "seat_operator.create", Target: seatTarget(id), After: out, RequestID: a.RequestID})
	})
	return out, err
}

// TownSeatOperators lists the seat operators of a town: all of them, or
// with on set those in post on that date.
func (s *Service) TownSeatOperators(ctx context.Context, a Actor, town geo.Code, on *time.Time) ([]Seat, error) {
	if !a.mayManage(town) {
		return nil, refuse(KindForbidden, "reading the seat operators of town %s needs an operator or admin token for it", town.Short())
	}
	return s.seats(ctx, s.st.Pool(), townSeatsSQL, string(town), on)
}

// EndSeatOperator ends a seat operator's post on its last day to.
func (s *Service) EndSeatOperator(ctx context.Context, a Actor, id int64, to time.Time) (Seat, error) {
	return endPost(ctx, s, a, id, to, post[Seat]{what: "seat operator post", load: s.seats,
		selectSQL: seatSQL, lock: ` FOR UPDATE OF s`, endSQL: endSeatSQL, action: "seat_operator.end", target: seatTarget,
		town: func(p Seat) geo.Code { return p.Town }, dates: func(p Seat) (string, *string) { return p.From, p.To },
		forbidden: "staffing the centre of town %s needs an operator or admin token for it", first: "the post's first day"})
}
