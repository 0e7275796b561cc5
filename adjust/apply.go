package adjust

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	Options     Options
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
	Pending bool     `json:"pending,omitempty"`
	Preview *Preview `json:"preview"`
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
// Errors: ErrStatus (not approved), *StaleError, *OpError, *ChecksError.
func ApplyProposal(ctx context.Context, st *store.Store, req ApplyRequest) (*ApplyResult, error) {
	if _, _, err := SwitchDue(ctx, st); err != nil {
		return nil, fmt.Errorf("apply proposal %d: %w", req.Proposal, err)
	}
	tx, err := beginWork(ctx, st)
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
	villages, err := opVillages(p.Ops)
	if err != nil {
		return nil, err
	}
	// Lock the villages in code order (no deadlock between proposals),
	// with their neighbours: edge matching may give their grids and
	// boundaries the vertices of new edges.
	locked, err := neighbourVillages(ctx, tx, villages)
	if err != nil {
		return nil, err
	}
	if err := store.LockVillages(ctx, tx, locked); err != nil {
		return nil, err
	}
	stale, err := staleCheck(ctx, tx, p.BaseVersion, opCodes(p.Ops))
	if err != nil {
		return nil, err
	}
	if stale != nil {
		return nil, stale
	}
	w, prev, err := evaluate(ctx, tx, p.Ops, req.Options)
	if err != nil {
		return nil, err
	}
	if err := w.lockMore(ctx, locked); err != nil {
		return nil, err
	}
	if stale, err := pendingConflicts(ctx, tx, p.BaseVersion, opCodes(p.Ops)); err != nil || stale != nil {
		if err != nil {
			return nil, err
		}
		return nil, stale
	}
	if prev.Errors() > 0 {
		return nil, &ChecksError{Findings: prev.Findings}
	}

	var now time.Time
	var latest *time.Time
	// The clock, not now(): this transaction may have waited for the
	// village locks while others committed versions starting later.
	// Areas whose boundary takes a vertex start a version at eff too.
	if err := tx.QueryRow(ctx, `SELECT clock_timestamp(), greatest(
		(SELECT max(lower(g.valid)) FROM grid_latest g JOIN adj_work w ON w.code = g.code WHERE w.state IN ('changed', 'retired')),
		(SELECT nullif(max(lower(h.valid)), '-infinity') FROM area_history h JOIN adj_area x USING (code) WHERE upper_inf(h.valid)))`).Scan(&now, &latest); err != nil {
		return nil, fmt.Errorf("effective time: %w", err)
	}
	eff := now
	if !req.EffectiveAt.IsZero() {
		eff = req.EffectiveAt
	} else if p.EffectiveAt != nil {
		eff = *p.EffectiveAt
	}
	pending := eff.After(now)
	if latest != nil && !eff.After(*latest) {
		return nil, &OpError{Index: 0, Op: "", Msg: fmt.Sprintf("effective time %s is not after %s, when a touched grid's or area's current version began", eff.Format(time.RFC3339), latest.Format(time.RFC3339))}
	}

	if err := w.write(ctx, p.ID, eff, pending); err != nil {
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
	done.Ops = w.ops
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

// write turns the work tables into grid versions, retired codes, lineage
// and re-assigned records, all starting at eff. When pending (eff is in
// the future) the records are not re-assigned: their grid_code is the
// current grid until eff. The moves are planned for the switch instead.
func (w *work) write(ctx context.Context, proposal int64, eff time.Time, pending bool) error {
	// Statements that open rows also take the proposal id ($2).
	stmts := []struct{ what, sql string }{
		{"close old versions", `UPDATE grid g SET valid = tstzrange(lower(g.valid), $1)
			FROM adj_work w WHERE g.code = w.code AND upper_inf(g.valid) AND w.state IN ('changed', 'retired')`},
		{"retire codes", `UPDATE grid_code c SET retired_at = $1
			FROM adj_work w WHERE c.code = w.code AND w.state = 'retired'`},
		{"open new versions", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid, adjustment, edge_matched)
			SELECT code, kind, village, parent, name, ST_Multi(geom), tstzrange($1, NULL), $2, matched
			FROM adj_work WHERE state IN ('changed', 'new') ORDER BY code`},
		{"re-assign households", `UPDATE household h SET grid_code = m.new
			FROM adj_move m WHERE m.rt = 'household' AND m.id = h.id`},
		{"re-assign units", `UPDATE unit u SET grid_code = m.new
			FROM adj_move m WHERE m.rt = 'unit' AND m.id = u.id`},
		{"close assignments", `UPDATE assignment a SET valid = tstzrange(lower(a.valid), $1)
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid)`},
		{"open assignments", `INSERT INTO assignment (record_type, record_id, grid_code, valid, adjustment)
			SELECT rt, id, new, tstzrange($1, NULL), $2 FROM adj_move`},
	}
	if pending {
		// The records stay in their current grids until eff: plan the
		// switch and its moves instead of re-assigning them.
		stmts = append(stmts[:3], struct{ what, sql string }{"plan switch", `
			WITH s AS (
				INSERT INTO adj_switch (proposal, effective_at, codes)
				SELECT $2, $1, array(SELECT code FROM adj_work WHERE state IN ('changed', 'retired', 'new')
					UNION SELECT old FROM adj_move UNION SELECT new FROM adj_move WHERE new IS NOT NULL)
				RETURNING proposal)
			INSERT INTO adj_pending_move (proposal, record_type, record_id, from_grid, to_grid)
			SELECT s.proposal, rt, id, old, new FROM s, adj_move WHERE new IS NOT NULL`},
			struct{ what, sql string }{"plan area vertices", `INSERT INTO adj_pending_area (proposal, code, nodes)
				SELECT s.proposal, x.code, x.nodes FROM adj_area x, adj_switch s WHERE s.proposal = $2 AND s.effective_at = $1`})
	}
	for _, st := range stmts {
		var args []any
		switch {
		case strings.Contains(st.sql, "$2"):
			args = []any{eff, proposal}
		case strings.Contains(st.sql, "$1"):
			args = []any{eff}
		}
		if _, err := w.tx.Exec(ctx, st.sql, args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	if !pending {
		if err := w.writeAreas(ctx, eff); err != nil {
			return err
		}
	}
	for _, l := range w.lineage {
		if _, err := w.tx.Exec(ctx, `INSERT INTO grid_lineage (old_code, new_code, proposal, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, l[0], l[1], proposal, eff); err != nil {
			return fmt.Errorf("lineage: %w", err)
		}
	}
	return nil
}
