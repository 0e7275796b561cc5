package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/pii"
	"gridmap/store"
)

// State gives the live state whose lookup index ties a report to its
// grid: *live.Holder.
type State = live.Following

// current is the live state, caught up with the database's dataset
// version when it is behind (live.CaughtUp).
func (s *Service) current(ctx context.Context) *live.State {
	return live.CaughtUp(ctx, s.live, s.st.Version, s.log)
}

// Service carries out the events' operations. It is safe for concurrent
// use.
type Service struct {
	st   *store.Store
	live State
	log  *slog.Logger
	key  *pii.Key
	now  func() time.Time
	hub  *hub
}

// Options tunes a Service.
type Options struct {
	// Key seals a reporter's name and phone (Open311 first_name,
	// last_name, phone); nil drops them.
	Key *pii.Key
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns the events service over st, tying reports to grids with
// the live lookup index of state.
func New(st *store.Store, state State, log *slog.Logger, opts Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{st: st, live: state, log: log, key: opts.Key, now: opts.Now}
	s.hub = newHub(s)
	return s
}

// Actor is who asks: an id for the audit log ("token:12"), the token's
// role, its area scope ("" for the whole city; a grid for a worker; a
// county for a department), the worker of a worker token and the
// department of a department token.
type Actor struct {
	ID         string
	Role       string
	Area       geo.Code
	Worker     int64
	Department string
	// RequestID goes into the audit log.
	RequestID string
}

// The roles this package lets act.
const (
	roleAdmin      = "admin"
	roleOperator   = "operator"
	roleWorker     = "worker"
	roleDepartment = "department"
)

// covers reports whether the actor's scope holds code.
func (a Actor) covers(code geo.Code) bool {
	if a.Area == "" {
		return true
	}
	return code != "" && strings.HasPrefix(string(code), a.Area.Short()) && code.Level() >= a.Area.Level()
}

// centre reports whether the actor acts for the town centre of grid: an
// admin, or an operator whose scope holds the grid.
func (a Actor) centre(grid geo.Code) bool {
	return a.Role == roleAdmin || (a.Role == roleOperator && a.covers(grid))
}

// Kind is the kind of a refusal, which the handlers map to a status.
type Kind int

// The kinds of refusal.
const (
	KindBadRequest Kind = iota + 1 // 400: a field is malformed (Field names it)
	KindInvalid                    // 422: the rules refuse it (Article names which)
	KindNotFound                   // 404
	KindForbidden                  // 403
	KindConflict                   // 409: not from the current status
	KindTooLarge                   // 413
)

// Error is a refusal of the service, saying what to fix. It never holds
// an event's description.
type Error struct {
	Kind    Kind
	Article string // "Art. 19"
	Fields  map[string]string
	Msg     string
}

func (e *Error) Error() string {
	if e.Article != "" {
		return e.Article + ": " + e.Msg
	}
	return e.Msg
}

func refuse(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

func badField(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: KindBadRequest, Fields: map[string]string{field: msg}, Msg: field + ": " + msg}
}

// badFields is a 400 listing every bad field, or nil when there is none.
func badFields(f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: KindBadRequest, Fields: f, Msg: fmt.Sprintf("%d fields are invalid", len(f))}
}

// IsKind reports whether err is a refusal of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
