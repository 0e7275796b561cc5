package adjust

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust/ops"
	"gridmap/store"
)

// ApplyRequest asks to apply an approved proposal.
type ApplyRequest struct {
	Proposal int64
	Actor    string
	// EffectiveAt is when the new grids start; zero means the commit's
	// transaction time. It may lie in the past (a late record of a change
	// made on the ground) but not before the touched grids' current
	// versions began. In the future, the grid versions are written now
	// (starting then) and the records move at the switch (SwitchDue).
	EffectiveAt time.Time
	Options     ops.Options
	// BeforeCommit, when set, is called with the backend pid of the apply
	// transaction after everything is written and before it commits. Tests
	// use it to kill the connection mid-apply.
	BeforeCommit func(pid uint32)
}

// ApplyResult is what an apply did.
type ApplyResult struct {
	Version   int64     `json:"version"`
	Effective time.Time `json:"effective_at"`
	// Pending is set when the effective time is in the future: the new
	// grids and record moves take effect at the switch (SwitchDue).
	Pending bool         `json:"pending,omitempty"`
	Preview *ops.Preview `json:"preview"`
}

// ApplyProposal applies an approved proposal in one transaction: it locks
// the proposal and the villages it touches (so two conflicting proposals
// can never both apply: the second waits, then sees the first's grids and
// fails the stale check), re-runs the operations and every check in
// PostGIS, closes the old grid versions and opens the new ones, retires
// codes, re-assigns every household and unit whose grid changed, writes
// lineage, the filing record and the audit, and bumps the dataset version
// (which notifies). Nothing is written unless all of it commits.
//
// An effective time in the future writes the grid versions starting then
// (the current grids stay current until then) and plans the record moves;
// SwitchDue carries them out once the time has passed. Switches already
// due are carried out first, so a proposal never works on a stale state.
//
// Errors: ErrStatus (not approved), *ops.StaleError, *ops.Error, *ChecksError.
func ApplyProposal(ctx context.Context, st *store.Store, req ApplyRequest) (*ApplyResult, error) {
	if _, _, err := SwitchDue(ctx, st); err != nil {
		return nil, fmt.Errorf("apply proposal %d: %w", req.Proposal, err)
	}
	tx, err := ops.BeginWork(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("apply proposal %d: %w", req.Proposal, err)
	}
	defer tx.Rollback(context.Background())
	res, err := applyTx(ctx, st, tx, req)
	if err != nil {
		return nil, fmt.Errorf("apply proposal %d: %w", req.Proposal, err)
	}
	if req.BeforeCommit != nil {
		req.BeforeCommit(tx.Conn().PgConn().PID())
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("apply proposal %d: commit: %w", req.Proposal, err)
	}
	return res, nil
}

func applyTx(ctx context.Context, st *store.Store, tx pgx.Tx, req ApplyRequest) (*ApplyResult, error) {
	p, err := proposalTx(ctx, tx, req.Proposal, true)
	if err != nil {
		return nil, err
	}
	if p.Status != "approved" {
		return nil, fmt.Errorf("%w: it is %s, and only an approved proposal is applied", ErrStatus, p.Status)
	}
	villages, err := ops.Villages(p.Ops)
	if err != nil {
		return nil, err
	}
	// Lock the villages in code order (no deadlock between proposals),
	// with their neighbours: edge matching may give their grids and
	// boundaries the vertices of new edges.
	locked, err := ops.NeighbourVillages(ctx, tx, villages)
	if err != nil {
		return nil, err
	}
	if err := store.LockVillages(ctx, tx, locked); err != nil {
		return nil, err
	}
	stale, err := ops.Stale(ctx, tx, p.BaseVersion, ops.Codes(p.Ops))
	if err != nil {
		return nil, err
	}
	if stale != nil {
		return nil, stale
	}
	w, prev, err := ops.Evaluate(ctx, tx, p.Ops, req.Options)
	if err != nil {
		return nil, err
	}
	if err := w.LockMore(ctx, locked); err != nil {
		return nil, err
	}
	if stale, err := w.PendingConflicts(ctx, p.BaseVersion, ops.Codes(p.Ops)); err != nil || stale != nil {
		if err != nil {
			return nil, err
		}
		return nil, stale
	}
	if prev.Errors() > 0 {
		return nil, &ChecksError{Findings: prev.Findings}
	}

	now, latest, err := w.Clock(ctx)
	if err != nil {
		return nil, err
	}
	eff := now
	if !req.EffectiveAt.IsZero() {
		eff = req.EffectiveAt
	} else if p.EffectiveAt != nil {
		eff = *p.EffectiveAt
	}
	pending := eff.After(now)
	if latest != nil && !eff.After(*latest) {
		return nil, &ops.Error{Index: 0, Op: "", Msg: fmt.Sprintf("effective time %s is not after %s, when a touched grid's or area's current version began", eff.Format(time.RFC3339), latest.Format(time.RFC3339))}
	}

	if err := w.Write(ctx, p.ID, eff, pending); err != nil {
		return nil, err
	}
	note := fmt.Sprintf("proposal %d applied", p.ID)
	if pending {
		note += ", effective " + eff.UTC().Format(time.RFC3339Nano)
	}
	var version int64
	if err := tx.QueryRow(ctx, `SELECT bump_dataset_version($1)`, note).Scan(&version); err != nil {
		return nil, fmt.Errorf("bump version: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE proposal SET status = 'applied', applied_at = now(), applied_version = $2,
		effective_at = $3, updated_at = now() WHERE id = $1`, p.ID, version, eff); err != nil {
		return nil, fmt.Errorf("mark applied: %w", err)
	}
	// The filing records the operations as carried out: references to
	// grids made by earlier operations replaced by their codes.
	done := p
	done.Ops = w.Resolved()
	rec := filingRecord(done, prev, req.Actor, eff, now, version)
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("filing record: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO filing (proposal, record) VALUES ($1, $2)`, p.ID, b); err != nil {
		return nil, fmt.Errorf("filing record: %w", err)
	}
	if err := st.Audit(ctx, tx, store.AuditEntry{Actor: req.Actor, Action: "proposal.apply", Target: fmt.Sprint(p.ID),
		Before: map[string]any{"status": "approved"},
		After:  map[string]any{"status": "applied", "version": version, "effective_at": eff, "grids": prev.Grids, "moves": prev.Moves}}); err != nil {
		return nil, err
	}
	return &ApplyResult{Version: version, Effective: eff, Pending: pending, Preview: prev}, nil
}
