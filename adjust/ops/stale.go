package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// A proposal is drawn on a base version of the dataset. It is stale, and
// refused (409) until its planner rebases it, when a grid it names got a
// version since (Stale), or when it would touch what a proposal applied
// ahead of time has still to switch (Work.PendingConflicts).

// StaleGrid is a grid that changed after a proposal's base version.
type StaleGrid struct {
	Code   geo.Code  `json:"code"`
	Change string    `json:"change"` // "new version", "retired", "not current"
	At     time.Time `json:"at,omitempty"`
	// Geom is the grid's latest shape, where a map shows the change
	// (the stale-base finding of a validation).
	Geom orb.MultiPolygon `json:"-"`
}

// StaleError says that grids a proposal touches changed since the version
// it was drawn on (HTTP 409).
type StaleError struct {
	Base    int64       `json:"base_version"`
	Current int64       `json:"current_version"`
	Changed []StaleGrid `json:"changed"`
}

func (e *StaleError) Error() string {
	parts := make([]string, len(e.Changed))
	for i, c := range e.Changed {
		parts[i] = string(c.Code) + " (" + c.Change + ")"
	}
	return fmt.Sprintf("drawn on version %d, but since then (now version %d) these grids changed: %s; redraw the proposal on the current version",
		e.Base, e.Current, strings.Join(parts, ", "))
}

// Stale returns a StaleError when any of the codes has a version
// newer than the base version, was retired since, or is not current. An
// edge-matched version (a neighbour's new vertex added, nothing else) is
// not a change: the operations are computed on the current geometry at
// apply, vertex included, so a proposal drawn before it still holds.
func Stale(ctx context.Context, tx pgx.Tx, base int64, codes []geo.Code) (*StaleError, error) {
	e := &StaleError{Base: base}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM dataset_version`).Scan(&e.Current); err != nil {
		return nil, fmt.Errorf("stale check: %w", err)
	}
	rows, err := tx.Query(ctx, `
		WITH b AS (SELECT coalesce((SELECT committed_at FROM dataset_version WHERE version = $1), '-infinity') AS at)
		SELECT c.code,
			CASE WHEN gc.retired_at IS NOT NULL THEN 'retired'
			     WHEN g.code IS NULL THEN 'not current'
			     ELSE 'new version' END,
			coalesce(gc.retired_at, n.at, now()),
			(SELECT ST_Multi(v.geom) FROM grid v WHERE v.code = c.code ORDER BY lower(v.valid) DESC LIMIT 1)
		FROM unnest($2::text[]) c(code)
		JOIN grid_code gc ON gc.code = c.code -- codes never issued cannot have changed
		LEFT JOIN grid_latest g ON g.code = c.code
		CROSS JOIN b
		-- The newest version since the base that is not only edge matched.
		-- A version written by a proposal is as new as the version that
		-- proposal made (its effective time may be later or earlier than
		-- the commit); any other write is compared by time.
		LEFT JOIN LATERAL (
			SELECT max(lower(v.valid)) AS at FROM grid v
			WHERE v.code = c.code AND NOT v.edge_matched
			  AND ((v.adjustment IS NULL AND lower(v.valid) > b.at)
			       OR v.adjustment IN (SELECT id FROM proposal WHERE applied_version > $1)
			       -- applied ahead of time: the grids changed (for the
			       -- service) at the version of the switch
			       OR v.adjustment IN (SELECT proposal FROM adj_switch WHERE done_version > $1))) n ON true
		WHERE gc.retired_at IS NOT NULL OR g.code IS NULL OR n.at IS NOT NULL
		ORDER BY c.code`, base, codes)
	if err != nil {
		return nil, fmt.Errorf("stale check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g StaleGrid
		if err := rows.Scan(&g.Code, &g.Change, &g.At, store.ScanMultiPolygon(&g.Geom)); err != nil {
			return nil, fmt.Errorf("stale check: %w", err)
		}
		e.Changed = append(e.Changed, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stale check: %w", err)
	}
	if len(e.Changed) == 0 {
		return nil, nil
	}
	return e, nil
}

// IsStale reports whether err is (or wraps) a StaleError.
func IsStale(err error) bool {
	var s *StaleError
	return errors.As(err, &s)
}

// PendingConflicts refuses (as stale) a proposal that would touch what a
// proposal applied ahead of time still has to switch: a grid it changes,
// retires or creates, a grid its records move from or to, or such a
// record. It reads the work tables after the operations and moves, so it
// covers grids the operations change without naming them (a neighbour
// that gains a vertex).
func (w *Work) PendingConflicts(ctx context.Context, base int64, named []geo.Code) (*StaleError, error) {
	names := make([]string, len(named))
	for i, c := range named {
		names[i] = string(c)
	}
	rows, err := w.tx.Query(ctx, `
		WITH p AS (SELECT proposal, effective_at, codes FROM adj_switch WHERE done_at IS NULL),
		touched AS (
			SELECT code FROM adj_work WHERE state IN ('changed', 'retired')
			UNION SELECT unnest($1::text[])
			UNION SELECT old FROM adj_move UNION SELECT new FROM adj_move WHERE new IS NOT NULL),
		hit AS (
			SELECT t.code, p.proposal, p.effective_at FROM touched t JOIN p ON t.code = ANY(p.codes)
			UNION
			SELECT m.from_grid, p.proposal, p.effective_at FROM adj_move a
			JOIN adj_pending_move m ON m.record_type = a.rt AND m.record_id = a.id
			JOIN p ON p.proposal = m.proposal)
		SELECT DISTINCT ON (code) code, proposal, effective_at FROM hit ORDER BY code, effective_at`, names)
	if err != nil {
		return nil, fmt.Errorf("pending check: %w", err)
	}
	defer rows.Close()
	e := &StaleError{Base: base}
	for rows.Next() {
		var g StaleGrid
		var prop int64
		if err := rows.Scan(&g.Code, &prop, &g.At); err != nil {
			return nil, fmt.Errorf("pending check: %w", err)
		}
		g.Change = fmt.Sprintf("pending: proposal %d takes effect at %s", prop, g.At.UTC().Format(time.RFC3339))
		e.Changed = append(e.Changed, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending check: %w", err)
	}
	if len(e.Changed) == 0 {
		return nil, nil
	}
	if err := w.tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM dataset_version`).Scan(&e.Current); err != nil {
		return nil, fmt.Errorf("pending check: %w", err)
	}
	return e, nil
}

// IsPending reports whether err is (or wraps) a StaleError caused by a
// proposal that has not taken effect yet.
func IsPending(err error) bool {
	var s *StaleError
	if !errors.As(err, &s) {
		return false
	}
	for _, g := range s.Changed {
		if strings.HasPrefix(g.Change, "pending") {
			return true
		}
	}
	return false
}
