package records

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/store"
)

// Service runs the records' imports, reads and exports over a store. It
// seals personal data with its data key before it reaches the database
// and opens it only to mask it, or to reveal it for a stated reason.
type Service struct {
	st    *store.Store
	key   *pii.Key
	index func() *geo.Index
	now   func() time.Time
}

// NewService returns the records service. key is the data key (see
// pii.LoadKey); index gives the live lookup index (the one /lookup
// answers from), which decides each address's grid.
func NewService(st *store.Store, key *pii.Key, index func() *geo.Index) *Service {
	return &Service{st: st, key: key, index: index, now: time.Now}
}

// Caller is who a read or import acts for: the token's actor name (for
// the audit log), its role (viewer, planner, approver, admin) and its
// area scope ("" for the whole city).
type Caller struct {
	ID   string
	Role string
	Area geo.Code
}

var roleRank = map[string]int{"viewer": 1, "planner": 2, "approver": 3, "admin": 4}

// atLeast reports whether the caller's role is role or above.
func (c Caller) atLeast(role string) bool { return roleRank[c.Role] >= roleRank[role] }

// Covers reports whether code lies in the caller's area scope.
func (c Caller) Covers(code geo.Code) bool {
	if c.Area == "" {
		return true
	}
	return code != "" && strings.HasPrefix(string(code), c.Area.Short()) && code.Level() >= c.Area.Level()
}

// The roles that may do what: reading records (masked) needs a viewer,
// importing a planner, revealing personal data in clear an approver (or
// an admin), each within the token's area.
const (
	RoleRead   = "viewer"
	RoleImport = "planner"
	RoleReveal = "approver"
)

// ErrorKind says how a refusal maps to HTTP.
type ErrorKind int

// The kinds of refusals.
const (
	KindForbidden ErrorKind = iota + 1 // 403
	KindNotFound                       // 404
	KindInvalid                        // 400: a malformed request
	KindRejected                       // 422: well formed, but cannot be done
)

// Error is a refusal of the service, saying what to do. It never holds
// personal data.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error // the cause, when there is one (a body over its limit)
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func refuse(k ErrorKind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// IsKind reports whether err is a refusal of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// scope refuses a caller below role, or whose area does not cover grid.
func (c Caller) scope(role string, grid geo.Code, what string) error {
	if !c.atLeast(role) {
		return refuse(KindForbidden, "%s needs role %s or higher; %s has role %s", what, role, c.ID, c.Role)
	}
	if !c.Covers(grid) {
		return refuse(KindForbidden, "%s is limited to area %s and may not %s in grid %s", c.ID, c.Area.Short(), what, grid)
	}
	return nil
}
