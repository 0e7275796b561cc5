package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The statuses of an event (see the package doc for the flow).
const (
	StatusReported   = "reported"
	StatusAccepted   = "accepted"
	StatusDispatched = "dispatched"
	StatusResponded  = "responded"
	StatusVerified   = "verified"
	StatusClosed     = "closed"
	StatusReturned   = "returned"
	StatusRejected   = "rejected"
)

// Statuses lists every status.
var Statuses = []string{StatusReported, StatusAccepted, StatusDispatched, StatusResponded, StatusVerified, StatusClosed, StatusReturned, StatusRejected}

// Open reports whether an event of status is still open (not closed or
// rejected): open events move with their grid and may be overdue.
func Open(status string) bool { return status != StatusClosed && status != StatusRejected }

// Event is an event as GET /events/{id} shows it: to token holders of
// its town, grid or department only (the description may hold personal
// data).
type Event struct {
	ID             int64      `json:"id"`
	Type           string     `json:"type"`
	TypeName       string     `json:"type_name"`
	County         string     `json:"county"`
	Description    string     `json:"description"`
	Lon            float64    `json:"lon"`
	Lat            float64    `json:"lat"`
	GridCode       string     `json:"grid_code"`
	ReportGridCode string     `json:"report_grid_code"`
	Urgent         bool       `json:"urgent"`
	Status         string     `json:"status"`
	Department     *string    `json:"department"`
	ReportedAt     time.Time  `json:"reported_at"`
	DueAt          time.Time  `json:"due_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// Overdue is true past due_at while the event is open.
	Overdue   bool      `json:"overdue"`
	ChangeSeq int64     `json:"change_seq"`
	Reporter  Reporter  `json:"reporter"`
	Photos    []Photo   `json:"photos"`
	History   []Step    `json:"history"`
	worker    int64     // the reporting worker, for reads
	at        time.Time // when it was read, for overdue
	// gridMatter is the type's: false for a matter not given to grid
	// workers (Art. 19), which no worker verifies.
	gridMatter bool
}

// Reporter is who reported an event: the token's actor and role (never
// a resident's name or phone).
type Reporter struct {
	Actor string `json:"actor"`
	Role  string `json:"role"`
}

// Photo is a photo of a report: GET /events/{id}/photos/{photo}.
type Photo struct {
	ID          int64  `json:"id"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// Step is one line of an event's history: who did what, when.
type Step struct {
	Seq        int       `json:"seq"`
	Action     string    `json:"action"`
	FromStatus *string   `json:"from_status"`
	ToStatus   string    `json:"to_status"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Note       string    `json:"note"`
	At         time.Time `json:"at"`
}

// locate ties a point to its grid by the live lookup index: the grid (15
// digits, as household.grid_code) and the sub-grid when one covers it.
func (s *Service) locate(ctx context.Context, lon, lat float64) (grid, sub string, ok bool) {
	state := s.current(ctx)
	h := state.Index.Lookup(orb.Point{lon, lat})
	if h.Grid < 0 {
		return "", "", false
	}
	grid = string(state.Snap.Grids[h.Grid].Code)
	if h.SubGrid >= 0 {
		sub = string(state.Snap.Grids[h.SubGrid].Code)
	}
	return grid, sub, true
}

// Report records a report (ParseReport checked its fields): the grid is
// the lookup of the point; the deadline the type's sla_hours in working
// hours from reported_at. Who may report: a worker inside its own grid,
// an operator in its town, an admin. A worker may report only the
// matters of its county's list (Art. 19). Audited; the stream hears of it
// (NOTIFY, in the same transaction).
func (s *Service) Report(ctx context.Context, a Actor, rep Report) (*Event, error) {
	switch a.Role {
	case roleWorker, roleOperator, roleAdmin:
	default:
		return nil, refuse(KindForbidden, "reporting an event needs a worker, operator or admin token; token is %s", a.Role)
	}
	grid, sub, ok := s.locate(ctx, *rep.Lon, *rep.Lat)
	if !ok {
		return nil, &Error{Kind: KindInvalid, Fields: map[string]string{"lon": "outside every grid", "lat": "outside every grid"},
			Msg: fmt.Sprintf("the point %.6f, %.6f lies in no grid of the city: check the coordinates (WGS 84, lon then lat)", *rep.Lon, *rep.Lat)}
	}
	gc := geo.Code(grid)
	switch a.Role {
	case roleWorker:
		if string(a.Area) != grid && string(a.Area) != sub {
			return nil, refuse(KindForbidden, "a worker reports only inside its own grid %s; the point lies in grid %s", a.Area, grid)
		}
	case roleOperator:
		if !a.covers(gc) {
			return nil, refuse(KindForbidden, "token is limited to %s; the point lies in grid %s", a.Area.Short(), grid)
		}
	}
	county := grid[:6]
	var ev *Event
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		t, err := typeOf(ctx, tx, county, rep.Type)
		if errors.Is(err, store.ErrNotFound) {
			if a.Role == roleWorker {
				return &Error{Kind: KindInvalid, Article: "Art. 19", Fields: map[string]string{"type": "not on the county's list"},
					Msg: fmt.Sprintf("matter %s is not on county %s's list of grid matters: a grid worker takes only the matters of the list (GET /event-types?county=%s)", rep.Type, county, county)}
			}
			return badField("type", "county %s lists no matter %s: see GET /event-types?county=%s", county, rep.Type, county)
		}
		if err != nil {
			return err
		}
		if a.Role == roleWorker && !t.GridMatter {
			return &Error{Kind: KindInvalid, Article: "Art. 19", Msg: fmt.Sprintf("matter %s (%s) is not a grid matter of county %s: it is not given to grid workers; report it through its own channel", t.Code, t.Name, county)}
		}
		cal, err := calendar(ctx, tx)
		if err != nil {
			return err
		}
		due := cal.Add(rep.at, t.SLAHours)
		name, phone, err := s.sealReporter(rep)
		if err != nil {
			return err
		}
		var worker *int64
		if a.Worker != 0 {
			worker = &a.Worker
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO event (county, type_code, description, location, grid_code, report_grid_code, urgent,
				status, reported_at, due_at, reporter, reporter_role, reporter_worker, reporter_name_sealed, reporter_phone_sealed)
			VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $6, $7, 'reported', $8, $9, $10, $11, $12, $13, $14)
			RETURNING id`,
			county, t.Code, rep.Description, *rep.Lon, *rep.Lat, grid, rep.Urgent, rep.at, due, a.ID, a.Role, worker, name, phone).Scan(&id); err != nil {
			return fmt.Errorf("report event: %w", err)
		}
		for _, p := range rep.photos {
			if _, err := tx.Exec(ctx, `INSERT INTO event_photo (event_id, content_type, bytes) VALUES ($1, $2, $3)`, id, p.contentType, p.bytes); err != nil {
				return fmt.Errorf("report event: photo: %w", err)
			}
		}
		if err := addStep(ctx, tx, id, "report", nil, StatusReported, a, ""); err != nil {
			return err
		}
		if ev, err = loadEvent(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "event.report", Target: "event/" + strconv.FormatInt(id, 10),
			After: auditView(ev), RequestID: a.RequestID})
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// auditView is what the audit log keeps of an event: never its
// description.
func auditView(ev *Event) map[string]any {
	return map[string]any{"id": ev.ID, "type": ev.Type, "grid_code": ev.GridCode, "status": ev.Status, "urgent": ev.Urgent,
		"department": ev.Department, "due_at": ev.DueAt, "photos": len(ev.Photos)}
}

// addStep writes the next line of an event's history.
func addStep(ctx context.Context, tx pgx.Tx, id int64, action string, from *string, to string, a Actor, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO event_history (event_id, seq, action, from_status, to_status, actor, role, note, at)
		VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM event_history WHERE event_id = $1), $2, $3, $4, $5, $6, $7, clock_timestamp())`,
		id, action, from, to, a.ID, a.Role, note)
	if err != nil {
		return fmt.Errorf("event %d history: %w", id, err)
	}
	return nil
}

const eventColumns = `e.id, e.type_code, t.name, e.county, e.description, ST_X(e.location), ST_Y(e.location), e.grid_code,
	e.report_grid_code, e.urgent, e.status, e.department, e.reported_at, e.due_at, e.closed_at, e.updated_at, e.change_seq,
	e.reporter, e.reporter_role, coalesce(e.reporter_worker, 0), t.grid_matter`

func scanEvent(row pgx.Row, ev *Event) error {
	var county string
	err := row.Scan(&ev.ID, &ev.Type, &ev.TypeName, &county, &ev.Description, &ev.Lon, &ev.Lat, &ev.GridCode, &ev.ReportGridCode,
		&ev.Urgent, &ev.Status, &ev.Department, &ev.ReportedAt, &ev.DueAt, &ev.ClosedAt, &ev.UpdatedAt, &ev.ChangeSeq,
		&ev.Reporter.Actor, &ev.Reporter.Role, &ev.worker, &ev.gridMatter)
	ev.County = county
	return err
}

// loadEvent reads an event with its photos and history; ErrNotFound
// when there is none.
func loadEvent(ctx context.Context, q store.Querier, id int64, now time.Time) (*Event, error) {
	ev := &Event{Photos: []Photo{}, History: []Step{}, at: now}
	err := scanEvent(q.QueryRow(ctx, `SELECT `+eventColumns+` FROM event e JOIN event_type t ON t.county = e.county AND t.code = e.type_code
		WHERE e.id = $1`, id), ev)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, refuse(KindNotFound, "no event %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", id, err)
	}
	ev.Overdue = Open(ev.Status) && now.After(ev.DueAt)
	rows, err := q.Query(ctx, `SELECT id, content_type, length(bytes) FROM event_photo WHERE event_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", id, err)
	}
	if ev.Photos, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Photo]); err != nil {
		return nil, fmt.Errorf("read event %d photos: %w", id, err)
	}
	rows, err = q.Query(ctx, `SELECT seq, action, from_status, to_status, actor, role, note, at FROM event_history WHERE event_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", id, err)
	}
	if ev.History, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Step]); err != nil {
		return nil, fmt.Errorf("read event %d history: %w", id, err)
	}
	if ev.Photos == nil {
		ev.Photos = []Photo{}
	}
	return ev, nil
}

// mayRead reports whether the actor may see the event (its description
// and history): the town centre (operator of its town, admin), a worker
// of its grid, the department it is dispatched to (in its county).
func (a Actor) mayRead(ev *Event) bool {
	g := geo.Code(ev.GridCode)
	switch a.Role {
	case roleAdmin, roleOperator:
		return a.centre(g)
	case roleWorker:
		return a.ofGrid(ev.GridCode)
	case roleDepartment:
		return a.covers(g) && ev.Department != nil && *ev.Department == a.Department
	}
	return false
}

// ofGrid reports whether the actor is a worker of grid (its token's grid
// is the grid or one of its sub-grids).
func (a Actor) ofGrid(grid string) bool {
	return a.Role == roleWorker && a.Area.IsGrid() && strings.HasPrefix(string(a.Area), grid)
}

// Get returns the event with its history, to whoever may read it.
func (s *Service) Get(ctx context.Context, a Actor, id int64) (*Event, error) {
	ev, err := loadEvent(ctx, s.st.Pool(), id, s.now())
	if err != nil {
		return nil, err
	}
	if !a.mayRead(ev) {
		return nil, refuse(KindForbidden, "event %d is in grid %s: only its town's operators, its grid's workers and the department it is given to may read it; token is %s %s", id, ev.GridCode, a.Role, scopeText(a.Area))
	}
	return ev, nil
}

// PhotoBytes returns a photo of an event, to whoever may read the event.
func (s *Service) PhotoBytes(ctx context.Context, a Actor, id, photo int64) (contentType string, b []byte, err error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return "", nil, err
	}
	err = s.st.Pool().QueryRow(ctx, `SELECT content_type, bytes FROM event_photo WHERE event_id = $1 AND id = $2`, id, photo).Scan(&contentType, &b)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, refuse(KindNotFound, "event %d has no photo %d", id, photo)
	}
	return contentType, b, err
}

func scopeText(area geo.Code) string {
	if area == "" {
		return "(whole city)"
	}
	return "(area " + area.Short() + ")"
}
