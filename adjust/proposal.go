package adjust

import (
	"errors"
	"fmt"
	"time"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// Finding is one problem found by a check, located.
type Finding = geo.Finding

// Proposal is a proposal as stored (the proposal table, with its filing
// number).
type Proposal struct {
	ID             int64      `json:"id"`
	County         geo.Code   `json:"county"`
	Reason         int        `json:"reason"`
	ReasonText     string     `json:"reason_text,omitempty"`
	BaseVersion    int64      `json:"base_version"`
	Author         string     `json:"author"`
	Status         string     `json:"status"`
	Ops            []ops.Op   `json:"ops"`
	EffectiveAt    *time.Time `json:"effective_at,omitempty"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecisionNote   string     `json:"decision_note,omitempty"`
	AppliedAt      *time.Time `json:"applied_at,omitempty"`
	AppliedVersion int64      `json:"applied_version,omitempty"`
	FilingNo       string     `json:"filing_no,omitempty"`
	// Set when a proposal applied ahead of time was cancelled before
	// its effective time.
	CancelledBy string     `json:"cancelled_by,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	CancelNote  string     `json:"cancel_note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Status is where a proposal is in its life.
type Status string

// The statuses: draft → submitted → approved | rejected; approved →
// applied → filed; withdrawn from draft or submitted. A proposal applied
// with an effective time in the future is applied (and can be filed) at
// once; its grids and records switch at that time (SwitchDue, run
// by every gridd's live.Holder), and until then no other proposal may
// touch them (refused as stale). Before that time an approver of the
// county may cancel it (applied or filed → cancelled): its grid versions
// are removed as if it had never been applied.
const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	StatusWithdrawn Status = "withdrawn"
	StatusApplied   Status = "applied"
	StatusFiled     Status = "filed"
	StatusCancelled Status = "cancelled"
)

// Reason is the Art. 8 reason of an adjustment.
type Reason int

// The Art. 8 reasons.
const (
	ReasonDivisionChanged Reason = 1 // the administrative division inside the grid changed
	ReasonPopulation      Reason = 2 // major demolition or population movement
	ReasonDepartment      Reason = 3 // requested by a linked department, approved by the county
	ReasonOther           Reason = 4 // other needs (text required)
)

// Roles of actors (api tokens carry them).
const (
	RoleViewer   = "viewer"
	RolePlanner  = "planner"
	RoleApprover = "approver"
	RoleAdmin    = "admin"
)

// Actor is who asks: an id for the audit log ("token:12"), a role and the
// area the role is scoped to ("" or the city code: the whole city).
type Actor struct {
	ID   string
	Role string
	Area geo.Code
}

// covers reports whether the actor's area includes the county.
func (a Actor) covers(county geo.Code) bool {
	if a.Area == "" || a.Area == county {
		return true
	}
	l := a.Area.Level()
	return l != geo.LevelUnknown && l < county.Level() && county.Ancestor(l) == a.Area
}

// cityWide reports whether the actor's scope is the whole city.
func (a Actor) cityWide() bool { return a.Area == "" || a.Area.Level() == geo.LevelCity }

// Error is a refusal with a kind the API maps to a status:
// KindInvalid 422, KindForbidden 403, KindConflict 409, KindNotFound 404,
// KindStale 409, KindChecks 422.
type Error struct {
	Kind     string
	Msg      string
	Findings []Finding       // for KindChecks, and KindInvalid from an operation that cannot be carried out
	Stale    *ops.StaleError // for KindStale
	Err      error
}

// The kinds of Error.
const (
	KindInvalid   = "invalid"
	KindForbidden = "forbidden"
	KindConflict  = "conflict"
	KindNotFound  = "not-found"
	KindStale     = "stale"
	KindChecks    = "checks-failed"
)

func (e *Error) Error() string { return e.Msg }

// Unwrap gives the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or "" for an internal error.
func KindOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func refuse(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// classify turns store errors into Errors of the right kind.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var stale *ops.StaleError
	var op *ops.Error
	var checks *ChecksError
	switch {
	case errors.As(err, &stale):
		return &Error{Kind: KindStale, Msg: stale.Error(), Stale: stale, Err: err}
	case errors.As(err, &op):
		return &Error{Kind: KindInvalid, Msg: op.Error(), Findings: op.AllFindings(), Err: err}
	case errors.As(err, &checks):
		return &Error{Kind: KindChecks, Msg: checks.Error(), Findings: checks.Findings, Err: err}
	case errors.Is(err, ErrStatus), errors.Is(err, ErrTookEffect):
		return &Error{Kind: KindConflict, Msg: err.Error(), Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: KindNotFound, Msg: err.Error(), Err: err}
	}
	return err
}

// Draft is what a planner gives to start a proposal.
type Draft struct {
	County     geo.Code `json:"county"`
	Reason     Reason   `json:"reason"`
	ReasonText string   `json:"reason_text,omitempty"`
	// BaseVersion is the dataset version the planner drew on; 0 means the
	// current one.
	BaseVersion int64      `json:"base_version,omitempty"`
	EffectiveAt *time.Time `json:"effective_at,omitempty"`
	Ops         []ops.Op   `json:"ops,omitempty"`
}

// Valid returns per-field problems of the draft (empty when fine).
func (d Draft) Valid() map[string]string {
	p := map[string]string{}
	if d.County.Level() != geo.LevelCounty {
		p["county"] = fmt.Sprintf("%q is not a county code (12 digits ending in 000000)", d.County)
	}
	if d.Reason < ReasonDivisionChanged || d.Reason > ReasonOther {
		p["reason"] = "want an Art. 8 reason: 1 division changed, 2 demolition or population movement, 3 department request approved by the county, 4 other"
	}
	if d.Reason == ReasonOther && len([]rune(d.ReasonText)) < 3 {
		p["reason_text"] = "reason 4 (other) needs a text saying why"
	}
	if d.BaseVersion < 0 {
		p["base_version"] = "must not be negative"
	}
	for i, op := range d.Ops {
		if err := ops.CheckAt(op, d.County, i); err != nil {
			p[fmt.Sprintf("ops[%d]", i)] = err.Error()
		}
	}
	return p
}

// transition is one step of the workflow: who may take it, from where.
type transition struct {
	action string
	from   []Status
	to     Status
	roles  []string
}

var (
	stepSubmit   = transition{"proposal.submit", []Status{StatusDraft}, StatusSubmitted, []string{RolePlanner, RoleAdmin}}
	stepWithdraw = transition{"proposal.withdraw", []Status{StatusDraft, StatusSubmitted}, StatusWithdrawn, []string{RolePlanner, RoleAdmin}}
	stepApprove  = transition{"proposal.approve", []Status{StatusSubmitted}, StatusApproved, []string{RoleApprover, RoleAdmin}}
	stepReject   = transition{"proposal.reject", []Status{StatusSubmitted}, StatusRejected, []string{RoleApprover, RoleAdmin}}
	stepEdit     = transition{"proposal.edit", []Status{StatusDraft}, StatusDraft, []string{RolePlanner, RoleAdmin}}
	stepApply    = transition{"proposal.apply", []Status{StatusApproved}, StatusApplied, []string{RoleApprover, RoleAdmin}}
	stepCancel   = transition{"proposal.cancel", []Status{StatusApplied, StatusFiled}, StatusCancelled, []string{RoleApprover, RoleAdmin}}
)

// allow says whether actor a may take step t on proposal p, and if not,
// why (an *Error).
func (t transition) allow(a Actor, p Proposal) error {
	ok := false
	for _, r := range t.roles {
		ok = ok || a.Role == r
	}
	if !ok {
		return refuse(KindForbidden, "%s needs the role %v; you are %q", t.action, t.roles, a.Role)
	}
	if !a.covers(p.County) {
		return refuse(KindForbidden, "proposal %d belongs to county %s, outside your area %s", p.ID, p.County, a.Area)
	}
	for _, s := range t.from {
		if Status(p.Status) == s {
			return nil
		}
	}
	return refuse(KindConflict, "proposal %d is %s; %s needs it %v", p.ID, p.Status, t.action, t.from)
}

func statuses(ss []Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// Covers reports whether the actor's role is scoped to an area that
// includes the county (for packages that draft proposals, as suggest
// does, and must refuse before the work).
func (a Actor) Covers(county geo.Code) bool { return a.covers(county) }
