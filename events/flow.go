package events

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Transition is a step of the flow, as POST /events/{id}/transitions
// takes it: action is accept, dispatch (department), respond (note),
// verify (note), close, return (reason) or reject (reason).
type Transition struct {
	Action     string `json:"action"`
	Department string `json:"department,omitempty"`
	Note       string `json:"note,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// step is one action of the flow: the statuses it leaves from and where
// it goes.
type step struct {
	from []string
	to   string
}

// flow is the table of the flow (see the package doc). Who may take each
// step is mayTake's.
var flow = map[string]step{
	"accept":   {[]string{StatusReported}, StatusAccepted},
	"dispatch": {[]string{StatusAccepted, StatusReturned}, StatusDispatched},
	"respond":  {[]string{StatusDispatched}, StatusResponded},
	"verify":   {[]string{StatusResponded}, StatusVerified},
	"close":    {[]string{StatusVerified}, StatusClosed},
	"return":   {[]string{StatusDispatched, StatusResponded}, StatusReturned},
	"reject":   {[]string{StatusReported, StatusAccepted, StatusReturned}, StatusRejected},
}

// Actions lists the actions of the flow.
var Actions = []string{"accept", "dispatch", "respond", "verify", "close", "return", "reject"}

// MaxNote is the longest note or reason, in characters.
const MaxNote = 1000

// check reads the transition's fields: the action known, and the field it
// needs present.
func (t *Transition) check() error {
	bad := map[string]string{}
	if _, ok := flow[t.Action]; !ok {
		return badField("action", "%.40q: want one of %s", t.Action, strings.Join(Actions, ", "))
	}
	t.Department, t.Note, t.Reason = strings.TrimSpace(t.Department), strings.TrimSpace(t.Note), strings.TrimSpace(t.Reason)
	need := map[string]string{"dispatch": "department", "respond": "note", "verify": "note", "return": "reason", "reject": "reason"}[t.Action]
	fields := map[string]string{"department": t.Department, "note": t.Note, "reason": t.Reason}
	for name, v := range fields {
		switch {
		case name == need && v == "":
			bad[name] = fmt.Sprintf("%s needs a %s", t.Action, name)
		case !plainText(v):
			bad[name] = "is not text: invalid UTF-8 or a NUL character"
		case name == "department" && utf8.RuneCountInString(v) > 50:
			bad[name] = "at most 50 characters"
		case utf8.RuneCountInString(v) > MaxNote:
			bad[name] = fmt.Sprintf("at most %d characters", MaxNote)
		}
	}
	if t.Action != "dispatch" && t.Department != "" {
		bad["department"] = "only dispatch names a department"
	}
	return badFields(bad)
}

// mayTake says why the actor may not take the action on ev ("" when it
// may): accept, dispatch, close and reject are the town centre's; respond
// is the department's the event is dispatched to; verify is a worker's
// of the event's grid; return is the department's (it is not theirs), or
// the grid worker's or the centre's (the answer does not hold).
func (a Actor) mayTake(action string, ev *Event) string {
	g := geo.Code(ev.GridCode)
	town := g.Ancestor(geo.LevelTown).Short()
	dept := a.Role == roleDepartment && a.covers(g) && ev.Department != nil && *ev.Department == a.Department
	switch action {
	case "accept", "dispatch", "close", "reject":
		if !a.centre(g) {
			return fmt.Sprintf("%s is the town centre's: it needs an operator token of town %s (or admin); token is %s %s", action, town, a.Role, scopeText(a.Area))
		}
	case "respond":
		if !dept {
			return fmt.Sprintf("respond is the department's the event is dispatched to (%s) in county %s; token is %s %s", deptText(ev), ev.County, a.Role, scopeText(a.Area))
		}
	case "verify":
		if !a.ofGrid(ev.GridCode) {
			return fmt.Sprintf("verify is a grid worker's of grid %s; token is %s %s", ev.GridCode, a.Role, scopeText(a.Area))
		}
	case "return":
		if !dept && !a.ofGrid(ev.GridCode) && !a.centre(g) {
			return fmt.Sprintf("return is the department's the event is dispatched to (%s), or grid %s's worker's, or town %s's operator's; token is %s %s", deptText(ev), ev.GridCode, town, a.Role, scopeText(a.Area))
		}
	}
	return ""
}

func deptText(ev *Event) string {
	if ev.Department == nil {
		return "none yet"
	}
	return *ev.Department
}

// allowedFrom says why the action cannot be taken from the event's status
// by this actor ("" when it can): a department returns what it was given
// (dispatched), a worker an answer (responded).
func (a Actor) allowedFrom(action string, ev *Event) string {
	st := flow[action]
	from := st.from
	if action == "close" && !ev.gridMatter {
		// No worker verifies a matter not given to grid workers (Art. 19):
		// the centre closes it on the department's answer.
		from = []string{StatusVerified, StatusResponded}
	}
	if action == "return" {
		switch {
		case a.Role == roleDepartment:
			from = []string{StatusDispatched}
		case a.Role == roleWorker:
			from = []string{StatusResponded}
		}
	}
	if !slices.Contains(from, ev.Status) {
		return fmt.Sprintf("event %d is %s: %s is allowed only from %s", ev.ID, ev.Status, action, strings.Join(from, " or "))
	}
	return ""
}

// Transition takes a step of the flow on event id: 400 for a malformed
// step, 404 for no event, 403 when the actor may not take it, 409 when
// the event's status does not allow it. Audited, with a line of history;
// the stream hears of it.
func (s *Service) Transition(ctx context.Context, a Actor, id int64, t Transition) (*Event, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	var ev *Event
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM event WHERE id = $1 FOR UPDATE`, id); err != nil {
			return fmt.Errorf("lock event %d: %w", id, err)
		}
		before, err := loadEvent(ctx, tx, id, s.now())
		if err != nil {
			return err
		}
		if why := a.mayTake(t.Action, before); why != "" {
			return refuse(KindForbidden, "%s", why)
		}
		if why := a.allowedFrom(t.Action, before); why != "" {
			return refuse(KindConflict, "%s", why)
		}
		if t.Action == "verify" && !before.gridMatter {
			return &Error{Kind: KindInvalid, Article: "Art. 19", Msg: fmt.Sprintf(
				"event %d is a matter of type %s (%s), which county %s does not give to grid workers: the town centre closes it on the department's answer", id, before.Type, before.TypeName, before.County)}
		}
		to := flow[t.Action].to
		note := t.Note
		switch t.Action {
		case "dispatch":
			note = strings.TrimSpace("to " + t.Department + "; " + t.Note)
			note = strings.TrimSuffix(note, ";")
		case "return", "reject":
			note = t.Reason
		}
		if _, err := tx.Exec(ctx, `UPDATE event SET status = $2,
				department = CASE WHEN $3 <> '' THEN $3 ELSE department END,
				closed_at = CASE WHEN $2 IN ('closed', 'rejected') THEN clock_timestamp() END
			WHERE id = $1`, id, to, t.Department); err != nil {
			return fmt.Errorf("event %d %s: %w", id, t.Action, err)
		}
		from := before.Status
		if err := addStep(ctx, tx, id, t.Action, &from, to, a, note); err != nil {
			return err
		}
		if ev, err = loadEvent(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "event." + t.Action, Target: "event/" + strconv.FormatInt(id, 10),
			Before: auditView(before), After: auditView(ev), RequestID: a.RequestID})
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}
