package events

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
)

// Summary is an event in a list: no description and no history (GET
// /events/{id} has them).
type Summary struct {
	ID             int64      `json:"id"`
	Type           string     `json:"type"`
	TypeName       string     `json:"type_name"`
	Status         string     `json:"status"`
	Urgent         bool       `json:"urgent"`
	GridCode       string     `json:"grid_code"`
	ReportGridCode string     `json:"report_grid_code"`
	Department     *string    `json:"department"`
	Lon            float64    `json:"lon"`
	Lat            float64    `json:"lat"`
	ReportedAt     time.Time  `json:"reported_at"`
	DueAt          time.Time  `json:"due_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	Overdue        bool       `json:"overdue"`
}

// ListQuery selects the events of a list.
type ListQuery struct {
	Area geo.Code // a grid or area; the city's code for all
	// Status keeps one status; "open" keeps every open one.
	Status string
	// Overdue keeps the open events past their deadline.
	Overdue bool
	// After pages by id: the events with a larger id.
	After int64
	Limit int
}

// MaxList is the longest page of a list.
const MaxList = 500

// Page is a page of a list; NextAfter, when not 0, asks for the next.
type Page struct {
	Events    []Summary `json:"events"`
	NextAfter int64     `json:"next_after,omitempty"`
}

// List returns the events of an area the actor may read, by id: an
// operator's town (or part of it), a worker's grid, the events of a
// department's county dispatched to it; any for an admin.
func (s *Service) List(ctx context.Context, a Actor, q ListQuery) (Page, error) {
	if q.Status != "" && q.Status != "open" && !slices.Contains(Statuses, q.Status) {
		return Page{}, badField("status", "%.30q: want open or one of %v", q.Status, Statuses)
	}
	if q.Limit <= 0 || q.Limit > MaxList {
		q.Limit = 100
	}
	department := ""
	switch a.Role {
	case roleAdmin:
	case roleOperator, roleWorker:
		if !a.covers(q.Area) {
			return Page{}, refuse(KindForbidden, "token is limited to %s and may not list the events of %s", a.Area.Short(), q.Area.Short())
		}
	case roleDepartment:
		if !a.covers(q.Area) {
			return Page{}, refuse(KindForbidden, "token is limited to %s and may not list the events of %s", a.Area.Short(), q.Area.Short())
		}
		department = a.Department
	default:
		return Page{}, refuse(KindForbidden, "listing events needs an operator, worker, department or admin token; token is %s", a.Role)
	}
	prefix := q.Area.Short()
	rows, err := s.st.Pool().Query(ctx, `SELECT e.id, e.type_code, t.name, e.status, e.urgent, e.grid_code, e.report_grid_code, e.department,
			ST_X(e.location), ST_Y(e.location), e.reported_at, e.due_at, e.closed_at,
			e.status NOT IN ('closed', 'rejected') AND e.due_at < $6
		FROM event e JOIN event_type t ON t.county = e.county AND t.code = e.type_code
		WHERE e.grid_code LIKE $1 || '%' AND e.id > $2
		  AND ($3 = '' OR e.status = $3 OR ($3 = 'open' AND e.status NOT IN ('closed', 'rejected')))
		  AND ($4 = '' OR e.department = $4)
		  AND (NOT $5 OR (e.status NOT IN ('closed', 'rejected') AND e.due_at < $6))
		ORDER BY e.id LIMIT $7`, prefix, q.After, q.Status, department, q.Overdue, s.now(), q.Limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	p := Page{Events: list}
	if len(list) > q.Limit {
		p.Events = list[:q.Limit]
		p.NextAfter = p.Events[q.Limit-1].ID
	}
	if p.Events == nil {
		p.Events = []Summary{}
	}
	return p, nil
}
