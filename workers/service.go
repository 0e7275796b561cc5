package workers

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gridmap/check"
	"gridmap/geo"
	"gridmap/live"
	"gridmap/pii"
	"gridmap/store"
)

// Actor is who asks: an id for the audit log ("token:12"), the token's
// role ("admin", "operator", "worker", …), its area scope ("" for the
// whole city; a grid for a worker) and, for a worker, the worker's id.
type Actor struct {
	ID     string
	Role   string
	Area   geo.Code
	Worker int64
	// RequestID goes into the audit log.
	RequestID string
}

// The roles of callers that this package lets in.
const (
	callerAdmin    = "admin"
	callerOperator = "operator"
	callerWorker   = "worker"
)

// covers reports whether the actor's scope holds code.
func (a Actor) covers(code geo.Code) bool {
	if a.Area == "" {
		return true
	}
	return code != "" && strings.HasPrefix(string(code), a.Area.Short()) && code.Level() >= a.Area.Level()
}

// mayManage reports whether the actor manages the workers of town: an
// admin or an operator whose scope holds the town.
func (a Actor) mayManage(town geo.Code) bool {
	return (a.Role == callerAdmin || a.Role == callerOperator) && a.covers(town)
}

// Kind is the kind of a refusal, which the handlers map to a status.
type Kind int

// The kinds of refusal.
const (
	KindInvalid     Kind = iota + 1 // 422: the rules refuse it (Article names which)
	KindBadRequest                  // 400: a field is malformed (Field names it)
	KindNotFound                    // 404
	KindForbidden                   // 403
	KindConflict                    // 409
	KindUnavailable                 // 503: no data key
)

// Error is a refusal of the service.
type Error struct {
	Kind    Kind
	Article string // for KindInvalid: "Art. 16"
	Field   string // for KindBadRequest
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
	return &Error{Kind: KindBadRequest, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func ruleError(r *RuleError) *Error {
	return &Error{Kind: KindInvalid, Article: r.Article, Msg: r.Detail}
}

// State gives the live state (grids, their geometry, the lookup index):
// *live.Holder.
type State = live.Following

// current is the live state, caught up with the database's dataset
// version when it is behind (live.CaughtUp).
func (s *Service) current(ctx context.Context) *live.State {
	return live.CaughtUp(ctx, s.live, s.st.Version, s.log)
}

// Service carries out the operations on workers. It is safe for
// concurrent use.
type Service struct {
	st   *store.Store
	key  *pii.Key
	live State
	log  *slog.Logger
	now  func() time.Time
	// ComplaintChannel is the channel for complaints about grid workers
	// published on every board (Art. 22, second paragraph).
	complaint string
}

// Options tunes a Service.
type Options struct {
	// ComplaintChannel is the complaint channel the boards publish (Art.
	// 22): a phone or address of the county and town grid agencies.
	// Empty means the city's 12345 hotline.
	ComplaintChannel string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultComplaintChannel is the complaint channel of a board when none is
// configured: the government service hotline.
const DefaultComplaintChannel = "12345"

// New returns a Service. key seals and opens ID numbers and phones; nil
// makes the operations that need it answer KindUnavailable. state gives
// the live grids; log receives what goes wrong inside.
func New(st *store.Store, key *pii.Key, state State, log *slog.Logger, opts Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ComplaintChannel == "" {
		opts.ComplaintChannel = DefaultComplaintChannel
	}
	return &Service{st: st, key: key, live: state, log: log, now: opts.Now, complaint: opts.ComplaintChannel}
}

func (s *Service) needKey() error {
	if s.key == nil {
		return refuse(KindUnavailable, "this server has no data key: set %s (or give gridd serve a key file) to keep ID numbers and phones", pii.KeyEnv)
	}
	return nil
}

// today is the date of now in Beijing time.
func (s *Service) today() time.Time {
	t := s.now().In(beijing)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

var beijing = time.FixedZone("CST", 8*3600)

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, badField(field, "give a date as YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, badField(field, "%q is not a date: give YYYY-MM-DD", s)
	}
	return t, nil
}

// Checks runs the staffing checks of gridd check (package check) over an
// area the actor manages: a town for its operator; any area, or the whole
// city with area "", for an admin.
func (s *Service) Checks(ctx context.Context, a Actor, area geo.Code) (*check.Report, error) {
	if a.Role != callerAdmin && a.Role != callerOperator {
		return nil, refuse(KindForbidden, "the staffing checks need an operator or admin token; token is %s", a.Role)
	}
	if area == "" && a.Area != "" {
		area = a.Area
	}
	if !a.covers(area) || (area == "" && a.Area != "") {
		return nil, refuse(KindForbidden, "token is limited to %s and may not check %s", scopeText(a.Area), scopeText(area))
	}
	return check.Staffing(ctx, s.st, area, check.Options{})
}
