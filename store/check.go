package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geom"
)

// Severity says whether a finding breaks an invariant (error) or is only
// worth a look (warning).
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// The checks gridd check runs, by their stable ids.
const (
	CheckInvalidGeometry         = "invalid-geometry"
	CheckGridOverlap             = "grid-overlap"
	CheckSubgridOverlap          = "subgrid-overlap"
	CheckGridOutsideVillage      = "grid-outside-village"
	CheckSubgridOutsideGrid      = "subgrid-outside-grid"
	CheckVillageGap              = "village-gap"
	CheckVillageWithoutGrids     = "village-without-grids"
	CheckSubgridGap              = "subgrid-gap"
	CheckRecordMisassigned       = "record-misassigned"
	CheckRecordAssignmentHistory = "record-assignment-history"
	CheckAreaOutsideParent       = "area-outside-parent"
	CheckRecordCount             = "record-count"
	CheckAreaHistory             = "area-history"
)

// checkDef describes one check: its id, severity and what it looks for.
type checkDef struct {
	id       string
	severity Severity
	about    string
	run      func(ctx context.Context, c *checkRun) error
}

// checks lists every check in the order they run and are reported.
func checks() []checkDef {
	return []checkDef{
		{CheckInvalidGeometry, SeverityError, "grid and area geometries that are not valid (ST_IsValidDetail)", checkInvalid},
		{CheckGridOverlap, SeverityError, "15-digit grids whose interiors intersect", checkGridOverlap},
		{CheckSubgridOverlap, SeverityError, "sub-grids of one exclusive grid whose interiors intersect", checkSubgridOverlap},
		{CheckGridOutsideVillage, SeverityError, "grids not covered by their village", checkGridOutside},
		{CheckSubgridOutsideGrid, SeverityError, "sub-grids not covered by their exclusive grid", checkSubgridOutside},
		{CheckVillageGap, SeverityError, "parts of a village covered by none of its grids", checkVillageGap},
		{CheckVillageWithoutGrids, SeverityWarning, "villages with a boundary but no current grid", checkVillageWithoutGrids},
		{CheckSubgridGap, SeverityError, "parts of an exclusive grid covered by none of its sub-grids", checkSubgridGap},
		{CheckRecordMisassigned, SeverityError, "households and units whose grid is not the grid the lookup gives for their point", checkRecordMisassigned},
		{CheckRecordAssignmentHistory, SeverityError, "households and units whose assignment history is missing, duplicated, overlapping or disagrees with their grid", checkRecordHistory},
		{CheckRecordCount, SeverityError, "grids whose kept household or unit count (record_count, read by every reload) differs from a fresh count", checkRecordCount},
		{CheckAreaHistory, SeverityError, "areas whose current row differs from the open version of their history (as-of reads and tiles draw the history)", checkAreaHistory},
		{CheckAreaOutsideParent, SeverityWarning, "counties, towns and villages not covered by their parent area", checkAreaOutside},
	}
}

// CheckOptions tunes a check run. The zero value asks for the defaults.
type CheckOptions struct {
	// GapToleranceM2 is the smallest gap, in square metres, that is
	// reported; smaller pieces are float noise. Zero means 0.01 m².
	GapToleranceM2 float64
	// MaxPerCheck is how many findings of each check the report keeps
	// (the count covers all of them). Zero means 100.
	MaxPerCheck int
}

// DefaultGapToleranceM2 and DefaultMaxPerCheck are used for zero options.
const (
	DefaultGapToleranceM2 = 0.01
	DefaultMaxPerCheck    = 100
)

func (o CheckOptions) withDefaults() (CheckOptions, error) {
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

// Finding is one problem found by a check.
type Finding struct {
	// Check is the stable id of the check (CheckGridOverlap, ...).
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Codes are the grids, areas or records involved; records appear as
	// "household/123" or "unit/45".
	Codes []string `json:"codes"`
	// Message says in plain words what is wrong and where.
	Message string `json:"message"`
	// Location is the offending piece (overlap, gap, part outside), the
	// self-intersection point, or the record's point. It may be nil.
	Location orb.Geometry `json:"-"`
	// AreaM2 is the area of Location on the spheroid, where it applies.
	AreaM2 float64 `json:"area_m2,omitempty"`
	// WidthM is the approximate width of a gap (2·area/perimeter).
	WidthM float64 `json:"width_m,omitempty"`
}

// MarshalJSON writes the finding with Location as a GeoJSON geometry.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	out := struct {
		plain
		Location *geojson.Geometry `json:"location,omitempty"`
	}{plain: plain(f)}
	if f.Location != nil {
		out.Location = geojson.NewGeometry(f.Location)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Finding) UnmarshalJSON(b []byte) error {
	type plain Finding
	var in struct {
		plain
		Location *geojson.Geometry `json:"location,omitempty"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*f = Finding(in.plain)
	if in.Location != nil {
		f.Location = in.Location.Geometry()
	}
	return nil
}

// CheckSummary is the outcome of one check.
type CheckSummary struct {
	Check       string   `json:"check"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description"`
	// Count is the number of findings; Shown of them are in the report.
	Count      int     `json:"count"`
	Shown      int     `json:"shown"`
	DurationMS float64 `json:"duration_ms"`
}

// CheckReport is the result of Store.Check.
type CheckReport struct {
	// Version is the dataset version checked, at CheckedAt.
	Version        int64          `json:"dataset_version"`
	CheckedAt      time.Time      `json:"checked_at"`
	GapToleranceM2 float64        `json:"gap_tolerance_m2"`
	MaxPerCheck    int            `json:"max_per_check"`
	Checks         []CheckSummary `json:"checks"`
	// Findings holds up to MaxPerCheck findings of each check, in check
	// order.
	Findings   []Finding `json:"findings"`
	DurationMS float64   `json:"duration_ms"`
}

// Errors returns the number of error findings, counting those beyond
// MaxPerCheck too.
func (r *CheckReport) Errors() int { return r.count(SeverityError) }

// Warnings returns the number of warning findings, counting those beyond
// MaxPerCheck too.
func (r *CheckReport) Warnings() int { return r.count(SeverityWarning) }

func (r *CheckReport) count(s Severity) int {
	n := 0
	for _, c := range r.Checks {
		if c.Severity == s {
			n += c.Count
		}
	}
	return n
}

// Check validates the current state (grid_current, areas, households,
// units and their assignments) and reports what breaks the invariants:
// invalid geometries, overlapping grids and sub-grids, grids outside their
// village, gaps, misassigned records, broken assignment histories and
// areas outside their parent. It reads one consistent snapshot (a
// repeatable-read, read-only transaction) and writes nothing. progress, if
// not nil, is called with the name of each stage as it starts.
//
// A broken dataset is not an error: Check returns an error only when it
// cannot run; the problems are in the report.
func (s *Store) Check(ctx context.Context, opts CheckOptions, progress func(stage string)) (*CheckReport, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(string) {}
	}
	start := time.Now()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
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
	r := &CheckReport{GapToleranceM2: opts.GapToleranceM2, MaxPerCheck: opts.MaxPerCheck, Findings: []Finding{}}
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0), now() FROM dataset_version").Scan(&r.Version, &r.CheckedAt); err != nil {
		return nil, fmt.Errorf("check: read dataset version: %w", err)
	}
	c := &checkRun{tx: tx, opts: opts, report: r}
	for _, d := range checks() {
		progress(d.id)
		c.cur = CheckSummary{Check: d.id, Severity: d.severity, Description: d.about}
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

// checkRun carries the state of one Check call between the checks.
type checkRun struct {
	tx     pgx.Tx
	opts   CheckOptions
	report *CheckReport
	cur    CheckSummary

	// Ids of current grid versions and codes of areas whose geometry is
	// invalid: the later checks use ST_MakeValid on them so that GEOS
	// does not fail on them and the coverage checks still see their area.
	invalidGrids []int64
	invalidAreas []string
	// Ids of current 15-digit grids whose interior meets another grid's:
	// records in them cannot take the lookup's fast path.
	overlapGrids []int64
}

// add records a finding of the current check, keeping the first
// MaxPerCheck of them.
func (c *checkRun) add(f Finding) {
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
func (c *checkRun) setCount(n int) {
	if n > c.cur.Count {
		c.cur.Count = n
	}
}

// locationScanner scans any PostGIS geometry, NULL and collections
// included, into an orb geometry (nil for NULL or empty).
type locationScanner struct{ dst *orb.Geometry }

// ScanGeom implements pgxgeom.GeomScanner.
func (s locationScanner) ScanGeom(g geom.T) error {
	*s.dst = nil
	if g == nil || g.Empty() {
		return nil
	}
	o, err := locationToOrb(g)
	if err != nil {
		return err
	}
	*s.dst = o
	return nil
}

func locationToOrb(g geom.T) (orb.Geometry, error) {
	gc, ok := g.(*geom.GeometryCollection)
	if !ok {
		return ToOrb(g)
	}
	var out orb.Collection
	for _, e := range gc.Geoms() {
		o, err := locationToOrb(e)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, errors.New("empty geometry collection")
	}
	return out, nil
}

// nearText gives a representative lon,lat of g for messages: the point
// itself, or the centroid of a polygonal piece.
func nearText(g orb.Geometry) string {
	var p orb.Point
	switch g := g.(type) {
	case orb.Point:
		p = g
	case orb.Collection:
		if len(g) == 0 {
			return "(empty)"
		}
		return nearText(g[0])
	default:
		p, _ = planar.CentroidArea(g)
		if p == (orb.Point{}) {
			p = g.Bound().Center()
		}
	}
	return fmt.Sprintf("%.6f,%.6f", p[0], p[1])
}

// m2 formats an area in square metres with useful precision.
func m2(a float64) string {
	switch {
	case a >= 1e6:
		return fmt.Sprintf("%.3f km²", a/1e6)
	case a >= 10:
		return fmt.Sprintf("%.0f m²", a)
	default:
		return fmt.Sprintf("%.3g m²", a)
	}
}

// metres formats a length in metres.
func metres(d float64) string {
	if d >= 10 {
		return fmt.Sprintf("%.0f m", d)
	}
	return fmt.Sprintf("%.3g m", d)
}
