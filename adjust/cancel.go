package adjust

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// ErrTookEffect is wrapped when a proposal applied ahead of time can no
// longer be cancelled: its effective time has come (or it took effect at
// apply).
var ErrTookEffect = errors.New("the adjustment has taken effect")

// CancelPending cancels a proposal applied ahead of its effective time,
// before that time, in one transaction: its grid versions (all starting
// at the effective time) are removed and the versions they would have
// closed are open again, codes it would have retired stay alive, codes it
// issued are retired unused (never reused), its lineage, planned record
// moves and area vertices are dropped, and the proposal ends cancelled,
// audited, with a dataset version bump (history as of the effective time
// changed). It serialises with SwitchDue (the switch lock) and with
// applies (the villages involved, locked in code order).
//
// Errors: store.ErrNotFound, ErrStatus (not applied or filed), ErrTookEffect.
func CancelPending(ctx context.Context, st *store.Store, proposal int64, actor, note string) (Proposal, error) {
	var out Proposal
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+switchLock+`)`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		p, err := proposalTx(ctx, tx, proposal, true)
		if err != nil {
			return err
		}
		if p.Status != "applied" && p.Status != "filed" {
			return fmt.Errorf("%w: it is %s, and only an applied proposal is cancelled", ErrStatus, p.Status)
		}
		var eff time.Time
		var done *time.Time
		var codes []string
		var late bool
		err = tx.QueryRow(ctx, `SELECT effective_at, done_at, codes, effective_at <= clock_timestamp() FROM adj_switch WHERE proposal = $1 FOR UPDATE`,
			proposal).Scan(&eff, &done, &codes, &late)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: proposal %d took effect when it was applied; revert it instead", ErrTookEffect, proposal)
		}
		if err != nil {
			return fmt.Errorf("switch: %w", err)
		}
		if done != nil || late {
			return fmt.Errorf("%w: proposal %d took effect at %s; revert it instead", ErrTookEffect, proposal, eff.UTC().Format(time.RFC3339))
		}
		villages := map[geo.Code]bool{}
		for _, c := range codes {
			villages[geo.Code(c).Village()] = true
		}
		vs := make([]geo.Code, 0, len(villages))
		for v := range villages {
			vs = append(vs, v)
		}
		if err := store.LockVillages(ctx, tx, vs); err != nil {
			return err
		}
		for _, st := range []struct {
			what, sql string
			args      []any
		}{
			{"lineage", `DELETE FROM grid_lineage WHERE proposal = $1`, []any{proposal}},
			{"pending moves", `DELETE FROM adj_pending_move WHERE proposal = $1`, []any{proposal}},
			{"grid versions", `DELETE FROM grid WHERE adjustment = $1 AND lower(valid) = $2 AND code = ANY($3)`, []any{proposal, eff, codes}},
			{"reopen versions", `UPDATE grid g SET valid = tstzrange(lower(g.valid), NULL)
				WHERE g.code = ANY($2) AND upper(g.valid) = $1
				AND NOT EXISTS (SELECT 1 FROM grid o WHERE o.code = g.code AND upper_inf(o.valid))`, []any{eff, codes}},
			{"switch", `DELETE FROM adj_switch WHERE proposal = $1`, []any{proposal}},
		} {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("%s: %w", st.what, err)
			}
		}
		// Codes it would have retired are alive again; codes it issued
		// are retired unused (the sequence counter is past them anyway).
		var kept, unused []string
		if err := tx.QueryRow(ctx, `WITH k AS (
				UPDATE grid_code c SET retired_at = NULL WHERE c.code = ANY($2) AND c.retired_at = $1
				AND EXISTS (SELECT 1 FROM grid g WHERE g.code = c.code AND upper_inf(g.valid)) RETURNING c.code),
			u AS (
				UPDATE grid_code c SET retired_at = clock_timestamp() WHERE c.code = ANY($2)
				AND NOT EXISTS (SELECT 1 FROM grid g WHERE g.code = c.code) RETURNING c.code)
			SELECT (SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM k), (SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM u)`,
			eff, codes).Scan(&kept, &unused); err != nil {
			return fmt.Errorf("codes: %w", err)
		}
		// Every code of the switch has exactly one open version again, or
		// none and is retired (issued by this proposal).
		var broken []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(c.code ORDER BY c.code), '{}') FROM grid_code c
			WHERE c.code = ANY($1) AND (c.retired_at IS NULL) <> EXISTS (SELECT 1 FROM grid g WHERE g.code = c.code AND upper_inf(g.valid))`,
			codes).Scan(&broken); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if len(broken) > 0 {
			return fmt.Errorf("cancel proposal %d: grids %v would be left without a current version; nothing was changed", proposal, broken)
		}
		var version int64
		if err := tx.QueryRow(ctx, `SELECT bump_dataset_version($1)`, fmt.Sprintf("proposal %d cancelled before its effective time", proposal)).Scan(&version); err != nil {
			return fmt.Errorf("bump version: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE proposal SET status = 'cancelled', cancelled_by = $2, cancelled_at = now(), cancel_note = $3,
			updated_at = now() WHERE id = $1`, proposal, actor, note); err != nil {
			return fmt.Errorf("mark cancelled: %w", err)
		}
		if out, err = proposalTx(ctx, tx, proposal, false); err != nil {
			return err
		}
		return st.Audit(ctx, tx, store.AuditEntry{Actor: actor, Action: "proposal.cancel", Target: fmt.Sprint(proposal),
			Before: map[string]any{"status": p.Status, "effective_at": eff},
			After: map[string]any{"status": "cancelled", "note": note, "version": version, "grids": codes,
				"codes_kept": kept, "codes_retired_unused": unused}})
	})
	if err != nil {
		return out, fmt.Errorf("cancel proposal %d: %w", proposal, err)
	}
	return out, nil
}
