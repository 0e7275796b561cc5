// Package check runs the coverage checks behind gridd check over the
// whole current dataset: invalid geometries, overlapping grids and
// sub-grids, grids outside their village, gaps, misassigned records,
// broken assignment and area histories, and areas outside their parent.
// It reports what it finds as geo.Findings under the rule ids of geo.
//
// It must never write: every check reads one repeatable-read, read-only
// snapshot, and a broken dataset is a report, not an error. Nor may it
// run a query per record or per grid: every check is set-based, to scale
// to millions of households.
package check

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// checkDef describes one check: its id, severity and what it looks for.
type checkDef struct {
	id       string
	severity geo.Severity
	about    string
	run      func(ctx context.Context, c *run) error
}

// checks lists every check in the order they run and are reported.
func checks() []checkDef {
	return append([]checkDef{
		{geo.CheckInvalidGeometry, geo.SeverityError, "grid and area geometries that are not valid (ST_IsValidDetail)", checkInvalid},
		{geo.CheckGridOverlap, geo.SeverityError, "15-digit grids whose interiors intersect", checkGridOverlap},
		{geo.CheckSubgridOverlap, geo.SeverityError, "sub-grids of one exclusive grid whose interiors intersect", checkSubgridOverlap},
		{geo.CheckGridOutsideVillage, geo.SeverityError, "grids not covered by their village", checkGridOutside},
		{geo.CheckSubgridOutsideGrid, geo.SeverityError, "sub-grids not covered by their exclusive grid", checkSubgridOutside},
		{geo.CheckVillageGap, geo.SeverityError, "parts of a village covered by none of its grids", checkVillageGap},
		{geo.CheckVillageWithoutGrids, geo.SeverityWarning, "villages with a boundary but no current grid", checkVillageWithoutGrids},
		{geo.CheckSubgridGap, geo.SeverityError, "parts of an exclusive grid covered by none of its sub-grids", checkSubgridGap},
		{geo.CheckRecordMisassigned, geo.SeverityError, "standard addresses (with their houses and residents), households, units and open events whose grid is not the grid the lookup gives for their point, and households and units not in their standard address's grid", checkRecordMisassigned},
		{geo.CheckRecordAssignmentHistory, geo.SeverityError, "standard addresses, households and units whose assignment history is missing, duplicated, overlapping or disagrees with their grid", checkRecordHistory},
		{geo.CheckRecordCount, geo.SeverityError, "grids whose kept household, unit or standard address count (record_count, read by every reload) differs from a fresh count", checkRecordCount},
		{geo.CheckAreaHistory, geo.SeverityError, "areas whose current row differs from the open version of their history (as-of reads and tiles draw the history)", checkAreaHistory},
		{geo.CheckAreaOutsideParent, geo.SeverityWarning, "counties, towns and villages not covered by their parent area", checkAreaOutside},
		{geo.CheckGridHouseholdRange, geo.SeverityWarning, "urban comprehensive grids whose households are outside the county's range (Art. 7: about 300), each with the route that suggests a division of its village", checkHouseholdRange},
	}, staffingChecks()...)
}

// Options tunes a check run. The zero value asks for the defaults.
type Options struct {
	// GapToleranceM2 is the smallest gap, in square metres, that is
	// reported; smaller pieces are float noise. Zero means 0.01 m².
	GapToleranceM2 float64
	// MaxPerCheck is how many findings of each check the report keeps
	// (the count covers all of them). Zero means 100.
	MaxPerCheck int
	// HouseholdsLow and HouseholdsHigh are the range of households of an
	// urban comprehensive grid (Art. 7: about 300; gridd check gives
	// DefaultHouseholdsLow and DefaultHouseholdsHigh, the adjustment
	// engine's band, unless the county's range is given). Zero leaves
	// the grid-household-range check out (it finds nothing).
	HouseholdsLow, HouseholdsHigh int
}

// DefaultGapToleranceM2 and DefaultMaxPerCheck are used for zero options.
const (
	DefaultGapToleranceM2 = geo.DefaultGapToleranceM2
	DefaultMaxPerCheck    = 100
)

// The default household range of an urban comprehensive grid.
const (
	DefaultHouseholdsLow  = 200
	DefaultHouseholdsHigh = 400
)

func (o Options) withDefaults() (Options, error) {
	if o.HouseholdsLow < 0 || o.HouseholdsHigh < o.HouseholdsLow {
		return o, fmt.Errorf("household range %d-%d: give 0 for the default (%d-%d) or a low at least 1 and a high at least the low", o.HouseholdsLow, o.HouseholdsHigh, DefaultHouseholdsLow, DefaultHouseholdsHigh)
	}
	if o.GapToleranceM2 < 0 {
		return o, fmt.Errorf("gap tolerance %g m² is negative: give 0 for the default (%g m²) or a positive area", o.GapToleranceM2, DefaultGapToleranceM2)
	}
	if o.MaxPerCheck < 0 {
		return o, fmt.Errorf("max findings per check %d is negative: give 0 for the default (%d) or a positive number", o.MaxPerCheck, DefaultMaxPerCheck)
	}
	if o.GapToleranceM2 == 0 {
		o.GapToleranceM2 = DefaultGapToleranceM2
	}
	if o.MaxPerCheck == 0 {
		o.MaxPerCheck = DefaultMaxPerCheck
	}
	return o, nil
}

// Summary is the outcome of one check.
type Summary struct {
	Check       string       `json:"check"`
	Severity    geo.Severity `json:"severity"`
	Description string       `json:"description"`
	// Count is the number of findings; Shown of them are in the report.
	Count      int     `json:"count"`
	Shown      int     `json:"shown"`
	DurationMS float64 `json:"duration_ms"`
}

// Report is the result of Run.
type Report struct {
	// Version is the dataset version checked, at CheckedAt.
	Version        int64     `json:"dataset_version"`
	CheckedAt      time.Time `json:"checked_at"`
	GapToleranceM2 float64   `json:"gap_tolerance_m2"`
	MaxPerCheck    int       `json:"max_per_check"`
	Checks         []Summary `json:"checks"`
	// Findings holds up to MaxPerCheck findings of each check, in check
	// order.
	Findings   []geo.Finding `json:"findings"`
	DurationMS float64       `json:"duration_ms"`
}

// Errors returns the number of error findings, counting those beyond
// MaxPerCheck too.
func (r *Report) Errors() int { return r.count(geo.SeverityError) }

// Warnings returns the number of warning findings, counting those beyond
// MaxPerCheck too.
func (r *Report) Warnings() int { return r.count(geo.SeverityWarning) }

func (r *Report) count(s geo.Severity) int {
	n := 0
	for _, c := range r.Checks {
		if c.Severity == s {
			n += c.Count
		}
	}
	return n
}

// Run validates the current state (grid_current, areas, households,
// units and their assignments) and reports what breaks the invariants:
// invalid geometries, overlapping grids and sub-grids, grids outside their
// village, gaps, misassigned records, broken assignment histories and
// areas outside their parent. It reads one consistent snapshot (a
// repeatable-read, read-only transaction) and writes nothing. progress, if
// not nil, is called with the name of each stage as it starts.
//
// A broken dataset is not an error: Run returns an error only when it
// cannot run; the problems are in the report.
func Run(ctx context.Context, st *store.Store, opts Options, progress func(stage string)) (*Report, error) {
	return runChecks(ctx, st, opts, checks(), "", progress)
}

// runChecks runs defs in one snapshot; area ("" for the whole city)
// limits the staffing checks.
func runChecks(ctx context.Context, st *store.Store, opts Options, defs []checkDef, area geo.Code, progress func(stage string)) (*Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(string) {}
	}
	start := time.Now()
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("check: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// The check queries are one-off plans with huge cost estimates, so
	// PostgreSQL would JIT-compile them: measured, the compilation cost
	// more than the queries themselves.
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	r := &Report{GapToleranceM2: opts.GapToleranceM2, MaxPerCheck: opts.MaxPerCheck, Findings: []geo.Finding{}}
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0), now() FROM dataset_version").Scan(&r.Version, &r.CheckedAt); err != nil {
		return nil, fmt.Errorf("check: read dataset version: %w", err)
	}
	c := &run{tx: tx, opts: opts, report: r, area: area}
	for _, d := range defs {
		progress(d.id)
		c.cur = Summary{Check: d.id, Severity: d.severity, Description: d.about}
		t := time.Now()
		if err := d.run(ctx, c); err != nil {
			return nil, fmt.Errorf("check %s: %w", d.id, err)
		}
		c.cur.DurationMS = ms(time.Since(t))
		r.Checks = append(r.Checks, c.cur)
	}
	r.DurationMS = ms(time.Since(start))
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run carries the state of one Run call between the checks.
type run struct {
	tx     pgx.Tx
	opts   Options
	report *Report
	cur    Summary

	// Ids of current grid versions and codes of areas whose geometry is
	// invalid: the later checks use ST_MakeValid on them so that GEOS
	// does not fail on them and the coverage checks still see their area.
	invalidGrids []int64
	invalidAreas []string
	// Ids of current 15-digit grids whose interior meets another grid's:
	// records in them cannot take the lookup's fast path.
	overlapGrids []int64
	// area limits the staffing checks ("" for the whole city).
	area geo.Code
}

// add records a finding of the current check, keeping the first
// MaxPerCheck of them.
func (c *run) add(f geo.Finding) {
	c.cur.Count++
	if c.cur.Shown >= c.opts.MaxPerCheck {
		return
	}
	f.Check, f.Severity = c.cur.Check, c.cur.Severity
	if f.Codes == nil {
		f.Codes = []string{}
	}
	c.cur.Shown++
	c.report.Findings = append(c.report.Findings, f)
}

// setCount raises the number of findings of the current check to n when
// a query limited the rows it returned but counted them all.
func (c *run) setCount(n int) {
	if n > c.cur.Count {
		c.cur.Count = n
	}
}

// query runs one query of the current check and adds the finding each of
// its rows makes: it scans a row into cols and calls finding, which reads
// them. The FIXG and FIXA placeholders of sql are expanded (fixSQL). A
// query that returns only the first MaxPerCheck rows but counts them all
// (count(*) OVER ()) scans that count into total, one of cols; total is
// nil for a query that returns every row.
func (c *run) query(ctx context.Context, sql string, args pgx.NamedArgs, total *int, cols []any, finding func() (geo.Finding, error)) error {
	base := c.cur.Count
	rows, err := c.tx.Query(ctx, fixSQL(sql), args)
	if err != nil {
		return err
	}
	if _, err := pgx.ForEachRow(rows, cols, func() error {
		f, err := finding()
		if err != nil {
			return err
		}
		c.add(f)
		return nil
	}); err != nil {
		return err
	}
	if total != nil {
		c.setCount(base + *total)
	}
	return nil
}
