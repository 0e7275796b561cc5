package adjust

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Switches: a proposal applied ahead of its effective time T has its grid
// versions written at apply (valid from T, the old ones closed at T), so
// grid_current answers the old grids until T and the new ones after, and
// as-of queries are right at once. The records' grid_code is the current
// grid, so their moves wait in adj_pending_move until the switch, which
// moves them (assignment history closed and opened at T, not at the
// switch's own time) and bumps the dataset version so every gridd
// reloads. Until the switch is done no other proposal may touch the grids
// or records involved (pendingConflicts). The area table is the current
// state too, so the areas take the proposal's edge-matched vertices at
// the switch, in versions of their history dated at the effective time
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
	tx, err := beginWork(ctx, st)
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
		if err := setAreaAt(ctx, tx, d.at); err != nil {
			return 0, 0, err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(areaNodesSQL, "adj_pending_area", " AND x.proposal = $2"), edgeTolDeg, d.proposal); err != nil {
			return 0, 0, fmt.Errorf("area vertices of proposal %d: %w", d.proposal, err)
		}
	}
	names := make([]string, len(due))
	moved := make([]int64, len(due))
	for i, d := range due {
		m, err := switchOne(ctx, tx, d)
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

// switchOne moves the records of one switch and writes their assignment
// history at its effective time. It returns how many records moved.
func switchOne(ctx context.Context, tx pgx.Tx, d dueSwitch) (int64, error) {
	if _, err := tx.Exec(ctx, `TRUNCATE adj_move`); err != nil {
		return 0, err
	}
	for _, rt := range store.RecordTypes() {
		// rt is one of two constant table names. The planned moves of
		// records still in the grid they were planned from, then any
		// other record tied to a grid of the proposal whose lookup at the
		// effective time gives another grid (added or re-tied since the
		// apply).
		// A record whose grid (as of the effective time) contains its
		// point in the interior stays there (no other grid covers such a
		// point: the apply checked they do not overlap); only the others
		// take the lookup's index probe.
		_, err := tx.Exec(ctx, `
			WITH planned AS MATERIALIZED (
				SELECT r.id, r.grid_code, m.to_grid FROM adj_pending_move m
				JOIN `+rt+` r ON r.id = m.record_id AND r.grid_code = m.from_grid
				WHERE m.proposal = $2 AND m.record_type = $1),
			other AS MATERIALIZED (
				SELECT r.id, r.grid_code, r.geom FROM `+rt+` r
				LEFT JOIN grid own ON own.code = r.grid_code AND own.valid @> $3::timestamptz AND length(own.code) = 15
				WHERE r.grid_code = ANY($4) AND NOT EXISTS (SELECT 1 FROM planned p WHERE p.id = r.id)
				  AND NOT coalesce(ST_Contains(own.geom, r.geom), false))
			INSERT INTO adj_move (rt, id, old, new)
			SELECT $1, id, grid_code, to_grid FROM planned
			UNION ALL
			SELECT $1, r.id, r.grid_code, l.code FROM other r,
			LATERAL (SELECT g.code FROM grid g WHERE length(g.code) = 15 AND g.valid @> $3::timestamptz AND ST_Covers(g.geom, r.geom)
			         ORDER BY g.code LIMIT 1) l
			WHERE l.code <> r.grid_code`,
			rt, d.proposal, d.at, d.codes)
		if err != nil {
			return 0, fmt.Errorf("moves of %s: %w", rt, err)
		}
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM adj_move`).Scan(&n); err != nil {
		return 0, err
	}
	// Statistics, so the updates joining adj_move probe the indexes.
	if _, err := tx.Exec(ctx, `ANALYZE adj_move`); err != nil {
		return 0, err
	}
	stmts := []struct{ what, sql string }{
		{"re-assign households", `UPDATE household h SET grid_code = m.new FROM adj_move m WHERE m.rt = 'household' AND m.id = h.id`},
		{"re-assign units", `UPDATE unit u SET grid_code = m.new FROM adj_move m WHERE m.rt = 'unit' AND m.id = u.id`},
		// An open assignment that began at or after the effective time
		// (a record added since) is re-pointed rather than closed.
		{"re-point late assignments", `UPDATE assignment a SET grid_code = m.new, adjustment = $2
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid) AND lower(a.valid) >= $1`},
		{"close assignments", `UPDATE assignment a SET valid = tstzrange(lower(a.valid), $1)
			FROM adj_move m WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid) AND lower(a.valid) < $1`},
		{"open assignments", `INSERT INTO assignment (record_type, record_id, grid_code, valid, adjustment)
			SELECT rt, id, new, tstzrange($1, NULL), $2 FROM adj_move m
			WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.record_type = m.rt AND a.record_id = m.id AND upper_inf(a.valid))`},
	}
	for _, st := range stmts {
		var args []any
		if strings.Contains(st.sql, "$1") {
			args = append(args, d.at)
		}
		if strings.Contains(st.sql, "$2") {
			args = append(args, d.proposal)
		}
		if _, err := tx.Exec(ctx, st.sql, args...); err != nil {
			return 0, fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return n, nil
}
