package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
	"gridmap/store"
)

// Preview is what a proposal would do: the after-state of every
// grid it touches, the check findings, and who moves where.
type Preview struct {
	Grids    []PreviewGrid `json:"grids"`
	Findings []geo.Finding `json:"findings"`
	Moves    []Move        `json:"moves"`
	Totals   []GridTotal   `json:"totals"`
	Lineage  []Lineage     `json:"lineage"`
	// Ops are the codes each operation makes, in the order references
	// "@k.n" number them (see ParseRef).
	Ops []Result `json:"ops"`
	// Stale is set when grids the proposal names changed since its base
	// version (Apply refuses such a proposal).
	Stale *StaleError `json:"stale,omitempty"`
}

// MarshalJSON writes empty lists as [] rather than null, so that a
// preview of operations that cannot be carried out (no after-state, only
// findings) has the shape of any other.
func (p Preview) MarshalJSON() ([]byte, error) {
	type plain Preview
	out := plain(p)
	if out.Grids == nil {
		out.Grids = []PreviewGrid{}
	}
	if out.Findings == nil {
		out.Findings = []geo.Finding{}
	}
	if out.Moves == nil {
		out.Moves = []Move{}
	}
	if out.Totals == nil {
		out.Totals = []GridTotal{}
	}
	if out.Lineage == nil {
		out.Lineage = []Lineage{}
	}
	if out.Ops == nil {
		out.Ops = []Result{}
	}
	return json.Marshal(out)
}

// Errors counts the error findings (an apply needs none).
func (p *Preview) Errors() int {
	n := 0
	for _, f := range p.Findings {
		if f.Severity == geo.SeverityError {
			n++
		}
	}
	return n
}

// PreviewGrid is one touched grid before and after.
type PreviewGrid struct {
	Code     geo.Code         `json:"code"`
	State    string           `json:"state"` // changed, new, retired
	Kind     geo.Kind         `json:"kind"`
	Name     string           `json:"name"`
	Village  geo.Code         `json:"village"`
	Before   orb.MultiPolygon `json:"-"` // nil for a new grid
	After    orb.MultiPolygon `json:"-"` // nil for a retired grid
	AreaBefM float64          `json:"area_before_m2"`
	AreaAftM float64          `json:"area_after_m2"`
	// Matched is set for a grid changed only to take the vertices of
	// its changed neighbours (edge matching): the same shape.
	Matched bool `json:"edge_matched,omitempty"`
}

// MarshalJSON writes Before and After as GeoJSON geometries.
func (g PreviewGrid) MarshalJSON() ([]byte, error) {
	type plain PreviewGrid
	out := struct {
		plain
		Before *geojson.Geometry `json:"before,omitempty"`
		After  *geojson.Geometry `json:"after,omitempty"`
	}{plain: plain(g)}
	if g.Before != nil {
		out.Before = geojson.NewGeometry(g.Before)
	}
	if g.After != nil {
		out.After = geojson.NewGeometry(g.After)
	}
	return json.Marshal(out)
}

// Move counts the records that go from one grid to another: households,
// units, standard addresses (each with its houses) and the residents at
// those addresses.
type Move struct {
	From       geo.Code `json:"from"`
	To         geo.Code `json:"to"`
	Households int      `json:"households"`
	Units      int      `json:"units"`
	Addresses  int      `json:"addresses"`
	Residents  int      `json:"residents"`
}

// GridTotal is the records of a grid before and after.
type GridTotal struct {
	Code             geo.Code `json:"code"`
	HouseholdsBefore int      `json:"households_before"`
	HouseholdsAfter  int      `json:"households_after"`
	UnitsBefore      int      `json:"units_before"`
	UnitsAfter       int      `json:"units_after"`
}

// Lineage is one (old code → new code) link written by an applied proposal.
type Lineage struct {
	Old      geo.Code  `json:"old"`
	New      geo.Code  `json:"new"`
	Proposal int64     `json:"proposal"`
	At       time.Time `json:"at"`
}

// DryRun runs ops on the current state in a transaction that is rolled
// back, and returns the after-state, findings and moves. base is the
// proposal's base version, for the stale check (0 skips it). An
// operation that cannot be carried out is an *Error, returned with a
// preview that has no after-state, its findings (Error.AllFindings)
// and the stale base if any — an operation often fails because its
// grids changed since the base.
func DryRun(ctx context.Context, st *store.Store, ops []Op, base int64, opts Options) (*Preview, error) {
	tx, err := BeginWork(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer tx.Rollback(context.Background())
	var stale *StaleError
	if base > 0 {
		if stale, err = Stale(ctx, tx, base, Codes(ops)); err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
	}
	w, p, err := Evaluate(ctx, tx, ops, opts)
	var oe *Error
	if errors.As(err, &oe) {
		return &Preview{Findings: oe.AllFindings(), Stale: stale}, fmt.Errorf("preview: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	if stale == nil {
		// Grids a proposal applied ahead of time still has to switch
		// (checked whatever the base: they cannot be touched until then).
		if stale, err = w.PendingConflicts(ctx, base, Codes(ops)); err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
	}
	p.Stale = stale
	return p, nil
}

// Evaluate runs the operations, the moves and the checks on tx, a
// transaction with the work tables (BeginWork), and returns the work,
// for an apply to write out, and what it shows.
func Evaluate(ctx context.Context, tx pgx.Tx, ops []Op, opts Options) (*Work, *Preview, error) {
	if len(ops) == 0 {
		return nil, nil, &Error{Index: 0, Op: "", Msg: "the proposal has no operations"}
	}
	// An operation that cannot be carried out keeps the findings gathered
	// up to it and a location (see locateError).
	located := func(err error, w *Work) error {
		var oe *Error
		if errors.As(err, &oe) {
			var fs []geo.Finding
			resolved := ops
			if w != nil {
				fs, resolved = w.findings, w.ops
			}
			locateError(ctx, tx, resolved, oe, fs)
		}
		return err
	}
	villages, err := Villages(ops)
	if err != nil {
		return nil, nil, located(err, nil)
	}
	w, err := newWork(ctx, tx, villages, opts)
	if err != nil {
		return nil, nil, located(err, nil)
	}
	if err := w.run(ctx, ops); err != nil {
		return nil, nil, located(err, w)
	}
	if err := w.edgeMatch(ctx); err != nil {
		return nil, nil, err
	}
	if opts.AfterOps != nil {
		if err := opts.AfterOps(ctx, tx); err != nil {
			return nil, nil, fmt.Errorf("after operations: %w", err)
		}
	}
	if err := w.computeMoves(ctx); err != nil {
		return nil, nil, err
	}
	p := &Preview{}
	if p.Findings, err = w.checkWork(ctx); err != nil {
		return nil, nil, err
	}
	if err := w.result(ctx, p); err != nil {
		return nil, nil, err
	}
	for i, op := range ops {
		made := []geo.Code{}
		if i < len(w.made) && w.made[i] != nil {
			made = w.made[i]
		}
		p.Ops = append(p.Ops, Result{Index: i, Type: op.Type, Makes: made})
	}
	return w, p, nil
}

// Codes returns the grid codes the operations name, sorted.
func Codes(ops []Op) []geo.Code {
	seen := map[geo.Code]bool{}
	for _, op := range ops {
		for _, c := range append(append([]geo.Code{}, op.Grids...), op.To...) {
			// A reference names a grid made by this proposal: nothing
			// another can have changed.
			if !IsRef(c) {
				seen[c] = true
			}
		}
	}
	out := make([]geo.Code, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// result reads the touched grids, moves and totals off the work tables.
func (w *Work) result(ctx context.Context, p *Preview) error {
	rows, err := w.tx.Query(ctx, `SELECT code, state, kind, name, village, matched,
			CASE WHEN state = 'new' THEN NULL ELSE old_geom END,
			CASE WHEN state = 'retired' THEN NULL ELSE ST_Multi(geom) END,
			coalesce(`+store.AreaM2SQL("old_geom")+`, 0), CASE WHEN state = 'retired' THEN 0 ELSE coalesce(`+store.AreaM2SQL("geom")+`, 0) END
		FROM adj_work WHERE state NOT IN ('same', 'gone') ORDER BY code`)
	if err != nil {
		return fmt.Errorf("after-state: %w", err)
	}
	for rows.Next() {
		var g PreviewGrid
		if err := rows.Scan(&g.Code, &g.State, &g.Kind, &g.Name, &g.Village, &g.Matched,
			store.ScanMultiPolygon(&g.Before), store.ScanMultiPolygon(&g.After), &g.AreaBefM, &g.AreaAftM); err != nil {
			rows.Close()
			return fmt.Errorf("after-state: %w", err)
		}
		p.Grids = append(p.Grids, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("after-state: %w", err)
	}
	rows, err = w.tx.Query(ctx, `SELECT old, coalesce(new, ''), count(*) FILTER (WHERE rt = 'household'), count(*) FILTER (WHERE rt = 'unit'),
		count(*) FILTER (WHERE rt = 'standard_address'),
		coalesce(sum((SELECT count(*) FROM resident r WHERE r.address_id = m.id)) FILTER (WHERE rt = 'standard_address'), 0)
		FROM adj_move m GROUP BY old, new ORDER BY old, new`)
	if err != nil {
		return fmt.Errorf("moves: %w", err)
	}
	for rows.Next() {
		var m Move
		if err := rows.Scan(&m.From, &m.To, &m.Households, &m.Units, &m.Addresses, &m.Residents); err != nil {
			rows.Close()
			return fmt.Errorf("moves: %w", err)
		}
		p.Moves = append(p.Moves, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("moves: %w", err)
	}
	rows, err = w.tx.Query(ctx, `
		WITH c AS (
			SELECT code FROM adj_work WHERE state NOT IN ('same', 'gone')
			UNION SELECT old FROM adj_move UNION SELECT new FROM adj_move WHERE new IS NOT NULL)
		SELECT c.code,
			(SELECT count(*) FROM household WHERE grid_code = c.code),
			(SELECT count(*) FROM adj_move WHERE rt = 'household' AND new = c.code) - (SELECT count(*) FROM adj_move WHERE rt = 'household' AND old = c.code),
			(SELECT count(*) FROM unit WHERE grid_code = c.code),
			(SELECT count(*) FROM adj_move WHERE rt = 'unit' AND new = c.code) - (SELECT count(*) FROM adj_move WHERE rt = 'unit' AND old = c.code)
		FROM c ORDER BY c.code`)
	if err != nil {
		return fmt.Errorf("totals: %w", err)
	}
	for rows.Next() {
		var t GridTotal
		var dh, du int
		if err := rows.Scan(&t.Code, &t.HouseholdsBefore, &dh, &t.UnitsBefore, &du); err != nil {
			rows.Close()
			return fmt.Errorf("totals: %w", err)
		}
		t.HouseholdsAfter, t.UnitsAfter = t.HouseholdsBefore+dh, t.UnitsBefore+du
		p.Totals = append(p.Totals, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("totals: %w", err)
	}
	lin, err := w.finalLineage(ctx)
	if err != nil {
		return fmt.Errorf("lineage: %w", err)
	}
	w.lineage = lin
	for _, l := range lin {
		p.Lineage = append(p.Lineage, Lineage{Old: l[0], New: l[1]})
	}
	return nil
}
