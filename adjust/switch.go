package adjust

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// Switches: a proposal applied ahead of its effective time T has its grid
// versions written at apply (valid from T, the old ones closed at T), so
// grid_current answers the old grids until T and the new ones after, and
// as-of queries are right at once. The records' grid_code is the current
// grid, so their moves wait in adj_pending_move until the switch, which
// moves them (assignment history closed and opened at T, not at the
// switch's own time: ops.MovePlanned) and bumps the dataset version so
// every gridd reloads. Until the switch is done no other proposal may
// touch the grids or records involved (ops.Work.PendingConflicts). The area table is the current
// state too, so the areas take the proposal's edge-matched vertices at
// the switch (ops.AddPlannedVertices), in versions of their history dated at the effective time
// (as of a time between the effective time and a late switch, the
// history shows them without those vertices until the switch is done).

// switchLock is the advisory lock key that serialises switches, so that
// several gridd processes can all run SwitchDue and exactly one does each.
const switchLock = `hashtext('gridmap.adj_switch')`

// NextSwitch returns the earliest effective time of a proposal applied
// ahead of time whose switch is not done yet (it may be past, when no
// process has run SwitchDue since); false when there is none.
func NextSwitch(ctx context.Context, st *store.Store) (time.Time, bool, error) {
	var t *time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT min(effective_at) FROM adj_switch WHERE done_at IS NULL`).Scan(&t); err != nil {
		return time.Time{}, false, fmt.Errorf("next switch: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return *t, true, nil
}

// SwitchDue carries out, in one transaction, every pending switch whose
// effective time has passed (by the database clock): it moves the planned
// households and units to their new grids (and any record added since to
// a grid the proposal retired or reshaped, by the lookup rule at the
// effective time), closes and opens their assignment history at the
// effective time, marks the switches done, audits them and bumps the
// dataset version once (which notifies every gridd). n is the number of
// switches done and version the new dataset version (0 when n is 0).
// Concurrent callers serialise on an advisory lock: exactly one does each
// switch, the others find nothing due. Calling it again is harmless.
func SwitchDue(ctx context.Context, st *store.Store) (n int, version int64, err error) {
	// Cheap test first: most calls find nothing due and take no lock.
	var due bool
	if err := st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM adj_switch WHERE done_at IS NULL AND effective_at <= clock_timestamp())`).Scan(&due); err != nil {
		return 0, 0, fmt.Errorf("switch due: %w", err)
	}
	if !due {
		return 0, 0, nil
	}
	tx, err := ops.BeginWork(ctx, st)
	if err != nil {
		return 0, 0, fmt.Errorf("switch due: %w", err)
	}
	defer tx.Rollback(context.Background())
	n, version, err = switchTx(ctx, st, tx)
	if err != nil {
		return 0, 0, fmt.Errorf("switch due: %w", err)
	}
	if n == 0 {
		return 0, 0, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("switch due: commit: %w", err)
	}
	return n, version, nil
}

type dueSwitch struct {
	proposal int64
	at       time.Time
	codes    []string
}

func switchTx(ctx context.Context, st *store.Store, tx pgx.Tx) (int, int64, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+switchLock+`)`); err != nil {
		return 0, 0, fmt.Errorf("lock: %w", err)
	}
	// Read after the lock (read committed: a fresh snapshot), so a switch
	// another process just did is seen as done.
	rows, err := tx.Query(ctx, `SELECT proposal, effective_at, codes FROM adj_switch
		WHERE done_at IS NULL AND effective_at <= clock_timestamp() ORDER BY effective_at, proposal`)
	if err != nil {
		return 0, 0, err
	}
	var due []dueSwitch
	for rows.Next() {
		var d dueSwitch
		if err := rows.Scan(&d.proposal, &d.at, &d.codes); err != nil {
			rows.Close()
			return 0, 0, err
		}
		due = append(due, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	if len(due) == 0 {
		return 0, 0, nil
	}
	// Lock the villages involved (in code order, as apply does), so no
	// apply re-assigns the same records meanwhile.
	villages := map[string]bool{}
	for _, d := range due {
		for _, c := range d.codes {
			villages[string(geo.Code(c).Village())] = true
		}
	}
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.proposal
	}
	var areaVillages []string
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT a.code), '{}') FROM adj_pending_area p JOIN area a USING (code)
		WHERE p.proposal = ANY($1) AND a.level = 'village'`, ids).Scan(&areaVillages); err != nil {
		return 0, 0, fmt.Errorf("area vertices: %w", err)
	}
	for _, v := range areaVillages {
		villages[v] = true
	}
	vs := make([]geo.Code, 0, len(villages))
	for v := range villages {
		vs = append(vs, geo.Code(v))
	}
	if err := store.LockVillages(ctx, tx, vs); err != nil {
		return 0, 0, err
	}
	// Then the other areas whose boundaries take vertices, in code order.
	if _, err := tx.Exec(ctx, `SELECT a.code FROM area a WHERE a.code IN (SELECT code FROM adj_pending_area WHERE proposal = ANY($1))
		ORDER BY a.code FOR NO KEY UPDATE`, ids); err != nil {
		return 0, 0, fmt.Errorf("lock areas: %w", err)
	}
	// One switch at a time, in effective-time order: each area version
	// starts at its proposal's effective time, and two proposals adding
	// vertices to one area both get theirs (an UPDATE … FROM joining two
	// rows to one target row would apply only one of them).
	for _, d := range due {
		if err := ops.AddPlannedVertices(ctx, tx, d.proposal, d.at); err != nil {
			return 0, 0, err
		}
	}
	names := make([]string, len(due))
	moved := make([]int64, len(due))
	for i, d := range due {
		m, err := ops.MovePlanned(ctx, tx, d.proposal, d.at, d.codes)
		if err != nil {
			return 0, 0, fmt.Errorf("proposal %d: %w", d.proposal, err)
		}
		names[i], moved[i] = fmt.Sprint(d.proposal), m
	}
	var version int64
	if err := tx.QueryRow(ctx, `SELECT bump_dataset_version($1)`, "effective: proposal "+strings.Join(names, ", ")).Scan(&version); err != nil {
		return 0, 0, fmt.Errorf("bump version: %w", err)
	}
	for i, d := range due {
		if _, err := tx.Exec(ctx, `UPDATE adj_switch SET done_at = clock_timestamp(), done_version = $2 WHERE proposal = $1`,
			d.proposal, version); err != nil {
			return 0, 0, fmt.Errorf("mark switch done: %w", err)
		}
		if err := st.Audit(ctx, tx, store.AuditEntry{Actor: "system", Action: "proposal.effective", Target: names[i],
			After: map[string]any{"effective_at": d.at, "records_moved": moved[i], "version": version}}); err != nil {
			return 0, 0, err
		}
	}
	return len(due), version, nil
}
