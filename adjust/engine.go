package adjust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// maxOps bounds a proposal: an adjustment is a handful of edits, and each
// operation rebuilds a village.
const maxOps = 50

// Engine runs the workflow of proposals on a store. It is safe for
// concurrent use.
type Engine struct {
	st   *store.Store
	opts ops.Options
}

// New returns an engine on st.
func New(st *store.Store, opts ops.Options) *Engine { return &Engine{st: st, opts: opts} }

// Create stores a new draft by a planner of the county.
func (e *Engine) Create(ctx context.Context, a Actor, d Draft) (Proposal, error) {
	if a.Role != RolePlanner && a.Role != RoleAdmin {
		return Proposal{}, refuse(KindForbidden, "drafting a proposal needs the role planner; you are %q", a.Role)
	}
	if p := d.Valid(); len(p) > 0 {
		return Proposal{}, &Error{Kind: KindInvalid, Msg: "the draft has problems: " + joinProblems(p)}
	}
	if !a.covers(d.County) {
		return Proposal{}, refuse(KindForbidden, "county %s is outside your area %s", d.County, a.Area)
	}
	if len(d.Ops) > maxOps {
		return Proposal{}, refuse(KindInvalid, "a proposal has at most %d operations", maxOps)
	}
	if d.BaseVersion == 0 {
		v, err := e.st.Version(ctx)
		if err != nil {
			return Proposal{}, fmt.Errorf("create proposal: %w", err)
		}
		d.BaseVersion = v
	}
	p, err := InsertProposal(ctx, e.st, Proposal{County: d.County, Reason: int(d.Reason), ReasonText: d.ReasonText,
		BaseVersion: d.BaseVersion, Author: a.ID, Ops: d.Ops, EffectiveAt: d.EffectiveAt}, a.ID)
	return p, classify(err)
}

// Get returns a proposal the actor may see (any role scoped to its county).
func (e *Engine) Get(ctx context.Context, a Actor, id int64) (Proposal, error) {
	p, err := LoadProposal(ctx, e.st, id)
	if err != nil {
		return p, classify(err)
	}
	if !a.covers(p.County) {
		return Proposal{}, refuse(KindNotFound, "proposal %d not found", id)
	}
	return p, nil
}

// List returns the proposals of the actor's county (all for city scope).
func (e *Engine) List(ctx context.Context, a Actor, limit int) ([]Proposal, error) {
	county := geo.Code("")
	if !a.cityWide() {
		county = a.Area.County()
		if a.Area.Level() == geo.LevelCounty {
			county = a.Area
		}
	}
	ps, err := ListProposals(ctx, e.st, county, limit)
	return ps, classify(err)
}

// AddOp appends an operation to a draft.
func (e *Engine) AddOp(ctx context.Context, a Actor, id int64, op ops.Op) (Proposal, error) {
	return e.editOps(ctx, a, id, func(p Proposal) ([]ops.Op, error) {
		if err := ops.CheckAt(op, p.County, len(p.Ops)); err != nil {
			return nil, &Error{Kind: KindInvalid, Msg: err.Error()}
		}
		if len(p.Ops) >= maxOps {
			return nil, refuse(KindInvalid, "a proposal has at most %d operations", maxOps)
		}
		return append(p.Ops, op), nil
	})
}

// RemoveOp removes operation i (from 0) of a draft.
func (e *Engine) RemoveOp(ctx context.Context, a Actor, id int64, i int) (Proposal, error) {
	return e.editOps(ctx, a, id, func(p Proposal) ([]ops.Op, error) {
		if i < 0 || i >= len(p.Ops) {
			return nil, refuse(KindInvalid, "operation %d does not exist: the proposal has %d (numbered from 0)", i, len(p.Ops))
		}
		// Later operations' references "@k.n" keep naming the same
		// operations; one naming a grid the removed operation makes
		// refuses the removal.
		renumbered, err := ops.RenumberRefs(p.Ops, i)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Msg: err.Error()}
		}
		return renumbered, nil
	})
}

func (e *Engine) editOps(ctx context.Context, a Actor, id int64, edit func(Proposal) ([]ops.Op, error)) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepEdit.allow(a, p); err != nil {
		return p, err
	}
	edited, err := edit(p)
	if err != nil {
		return p, err
	}
	out, err := UpdateProposal(ctx, e.st, id, ProposalChange{From: statuses(stepEdit.from), Action: stepEdit.action,
		Actor: a.ID, Ops: &edited})
	return out, classify(err)
}

// Rebase draws a draft on the current dataset version, after its planner
// has looked again at a proposal refused as stale (the preview shows what
// its operations now do).
func (e *Engine) Rebase(ctx context.Context, a Actor, id int64) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepEdit.allow(a, p); err != nil {
		return p, err
	}
	v, err := e.st.Version(ctx)
	if err != nil {
		return p, fmt.Errorf("rebase proposal %d: %w", id, err)
	}
	out, err := UpdateProposal(ctx, e.st, id, ProposalChange{From: statuses(stepEdit.from), Action: "proposal.rebase",
		Actor: a.ID, BaseVersion: v})
	return out, classify(err)
}

// Preview runs the proposal on the current state without changing it:
// the after-state of every touched grid, the findings (the Go checks of
// each operation first, then PostGIS's) and the move matrix.
func (e *Engine) Preview(ctx context.Context, a Actor, id int64) (*ops.Preview, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return e.preview(ctx, p)
}

// preview answers operations that cannot be carried out with a preview
// that has no after-state and error findings saying why — the findings
// gathered up to the failure, then the failure, each located where a map
// can show it — rather than with an error: the planner page draws them
// like any other findings (validate answers the same findings, submit,
// approve and apply refuse with them: 422).
func (e *Engine) preview(ctx context.Context, p Proposal) (*ops.Preview, error) {
	var pre []Finding
	for i, op := range p.Ops {
		if err := ops.CheckAt(op, p.County, i); err != nil {
			f := Finding{Check: ops.CheckOperation, Severity: geo.SeverityError, Codes: opNames(op),
				Message: fmt.Sprintf("operation %d (%s): %s", i+1, op.Type, err)}
			if op.Geometry != nil && op.Geometry.Coordinates != nil {
				f.Location = op.Geometry.Coordinates
			}
			pre = append(pre, f)
		}
	}
	if len(pre) > 0 {
		return &ops.Preview{Grids: []ops.PreviewGrid{}, Findings: pre}, nil
	}
	prev, err := ops.DryRun(ctx, e.st, p.Ops, p.BaseVersion, e.opts)
	var oe *ops.Error
	if errors.As(err, &oe) {
		out := &ops.Preview{Grids: []ops.PreviewGrid{}, Findings: oe.AllFindings()}
		if prev != nil {
			out.Stale = prev.Stale
		}
		return out, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	return prev, nil
}

// opNames returns the codes an operation names (its grids and takers, or
// the village of a create), for the Codes of a finding about it.
func opNames(op ops.Op) []string {
	out := []string{}
	for _, c := range append(append([]geo.Code{}, op.Grids...), op.To...) {
		out = append(out, string(c))
	}
	if len(out) == 0 && op.Village != "" {
		out = append(out, string(op.Village))
	}
	return out
}

// Validate returns the findings of the proposal (the preview's, plus the
// stale base as a finding).
func (e *Engine) Validate(ctx context.Context, a Actor, id int64) ([]Finding, error) {
	prev, err := e.Preview(ctx, a, id)
	if err != nil {
		return nil, err
	}
	fs := prev.Findings
	if prev.Stale != nil {
		// Located on the grids that changed, like every finding.
		f := Finding{Check: "stale-base", Severity: geo.SeverityError, Codes: []string{}, Message: prev.Stale.Error()}
		var where orb.MultiPolygon
		for _, g := range prev.Stale.Changed {
			f.Codes = append(f.Codes, string(g.Code))
			where = append(where, g.Geom...)
		}
		if len(where) > 0 {
			f.Location = where
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// Submit sends a draft for approval; it must pass every check.
func (e *Engine) Submit(ctx context.Context, a Actor, id int64) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepSubmit.allow(a, p); err != nil {
		return p, err
	}
	if len(p.Ops) == 0 {
		return p, refuse(KindInvalid, "proposal %d has no operations", id)
	}
	if err := e.mustPass(ctx, p); err != nil {
		return p, err
	}
	return e.step(ctx, a, p, stepSubmit, "")
}

// Approve approves a submitted proposal (an approver of its county, not
// its author); it must still pass every check.
func (e *Engine) Approve(ctx context.Context, a Actor, id int64, note string) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepApprove.allow(a, p); err != nil {
		return p, err
	}
	if a.ID == p.Author {
		return p, refuse(KindForbidden, "the author of proposal %d cannot approve it", id)
	}
	if err := e.mustPass(ctx, p); err != nil {
		return p, err
	}
	return e.step(ctx, a, p, stepApprove, note)
}

// Reject rejects a submitted proposal, with a note saying why.
func (e *Engine) Reject(ctx context.Context, a Actor, id int64, note string) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepReject.allow(a, p); err != nil {
		return p, err
	}
	if strings.TrimSpace(note) == "" {
		return p, refuse(KindInvalid, "a rejection needs a note saying why")
	}
	return e.step(ctx, a, p, stepReject, note)
}

// Withdraw withdraws a draft or submitted proposal.
func (e *Engine) Withdraw(ctx context.Context, a Actor, id int64) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepWithdraw.allow(a, p); err != nil {
		return p, err
	}
	return e.step(ctx, a, p, stepWithdraw, "")
}

func (e *Engine) step(ctx context.Context, a Actor, p Proposal, t transition, note string) (Proposal, error) {
	ch := ProposalChange{From: statuses(t.from), To: string(t.to), Action: t.action, Actor: a.ID}
	if t.to == StatusApproved || t.to == StatusRejected {
		ch.ApprovedBy, ch.DecisionNote = a.ID, note
	}
	out, err := UpdateProposal(ctx, e.st, p.ID, ch)
	return out, classify(err)
}

// mustPass refuses a proposal whose preview has error findings or a
// stale base.
func (e *Engine) mustPass(ctx context.Context, p Proposal) error {
	prev, err := e.preview(ctx, p)
	if err != nil {
		return err
	}
	if prev.Stale != nil {
		return &Error{Kind: KindStale, Msg: prev.Stale.Error(), Stale: prev.Stale}
	}
	if prev.Errors() > 0 {
		return &Error{Kind: KindChecks, Msg: (&ChecksError{Findings: prev.Findings}).Error(), Findings: prev.Findings}
	}
	return nil
}

// Apply applies an approved proposal at its effective time (at, else the
// proposal's, else now), in one transaction; see ApplyProposal.
func (e *Engine) Apply(ctx context.Context, a Actor, id int64, at time.Time) (*ApplyResult, error) {
	return e.ApplyWith(ctx, a, id, ApplyRequest{EffectiveAt: at})
}

// ApplyWith is Apply with the request's effective time and test hook.
func (e *Engine) ApplyWith(ctx context.Context, a Actor, id int64, req ApplyRequest) (*ApplyResult, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := stepApply.allow(a, p); err != nil {
		return nil, err
	}
	req.Proposal, req.Actor, req.Options = id, a.ID, e.opts
	res, err := ApplyProposal(ctx, e.st, req)
	return res, classify(err)
}

// Cancel cancels a proposal applied ahead of its effective time, before
// that time (an approver of its county, with a note saying why): see
// CancelPending. After the time it is refused (KindConflict):
// revert it instead.
func (e *Engine) Cancel(ctx context.Context, a Actor, id int64, note string) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if err := stepCancel.allow(a, p); err != nil {
		return p, err
	}
	if strings.TrimSpace(note) == "" {
		return p, refuse(KindInvalid, "a cancellation needs a note saying why")
	}
	out, err := CancelPending(ctx, e.st, id, a.ID, note)
	return out, classify(err)
}

// File records the city's acknowledgement (filing number) of an applied
// proposal: admins with city-wide scope only.
func (e *Engine) File(ctx context.Context, a Actor, id int64, filingNo string) (Proposal, error) {
	if a.Role != RoleAdmin || !a.cityWide() {
		return Proposal{}, refuse(KindForbidden, "filing is acknowledged by the city: it needs an admin with city-wide scope")
	}
	filingNo = strings.TrimSpace(filingNo)
	if filingNo == "" || len(filingNo) > 64 {
		return Proposal{}, refuse(KindInvalid, "a filing number of 1-64 characters is needed")
	}
	p, err := AcknowledgeFiling(ctx, e.st, id, filingNo, a.ID)
	return p, classify(err)
}

// Filing returns the filing record (JSON) of an applied proposal.
func (e *Engine) Filing(ctx context.Context, a Actor, id int64) (json.RawMessage, string, error) {
	if _, err := e.Get(ctx, a, id); err != nil {
		return nil, "", err
	}
	rec, no, err := Filing(ctx, e.st, id)
	return rec, no, classify(err)
}

func joinProblems(p map[string]string) string {
	var parts []string
	for k, v := range p {
		parts = append(parts, k+": "+v)
	}
	return strings.Join(sortStrings(parts), "; ")
}
