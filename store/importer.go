package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"gridmap/feature"
	"gridmap/geo"
)

// ErrRejected is wrapped by the error Import returns when the input has
// problems (the report says which); any other error is an internal one.
// The HTTP layer answers the first with 422 and the report, the second
// with 500.
var ErrRejected = errors.New("import rejected")

// FeatureSource yields features one at a time; *feature.Reader is one.
// Next returns io.EOF after the last feature; a *feature.Error rejects
// the file, any other error is internal.
type FeatureSource interface {
	Next() (*feature.Feature, error)
}

// ImportOptions tunes an import.
type ImportOptions struct {
	// Kind is "areas", "grids", or "" to take each feature by its code
	// (15 or 17 digits: a grid; otherwise an area).
	Kind string
	// DryRun runs every check and the inserts, then rolls back.
	DryRun bool
	// Repair makes invalid polygons valid with ST_MakeValid and reports
	// what was repaired, instead of rejecting them.
	Repair bool
	// ValidFrom starts the imported grid versions (now when zero).
	ValidFrom time.Time
	// Actor is who imports, for the audit log ("cli" when empty).
	Actor string
	// RequestID goes to the audit log.
	RequestID string
	// MaxProblems bounds the problems listed in the report (1000 when 0);
	// the counts cover all of them.
	MaxProblems int
	// Progress, when set, is called with the number of features read
	// every 10,000 features and once at the end of the input.
	Progress func(features int)
}

// ImportReport is the outcome of an import: whether it was accepted and,
// feature by feature, what is wrong. It marshals to JSON as it is.
type ImportReport struct {
	// Accepted is true when no problem is an error: the features were
	// written (or, in a dry run, would have been).
	Accepted bool `json:"accepted"`
	DryRun   bool `json:"dry_run"`
	// Features is the number of features read; Areas and Grids how many
	// of them are areas and grids.
	Features int `json:"features"`
	Areas    int `json:"areas"`
	Grids    int `json:"grids"`
	// Repaired counts geometries made valid (Repair option).
	Repaired int `json:"repaired"`
	// Errors and Warnings count all problems, listed or not.
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Checks counts the problems by check id.
	Checks map[string]int `json:"checks"`
	// Problems lists the problems, file-level first, then by feature.
	Problems []FeatureProblem `json:"problems"`
	// Omitted is the number of problems counted but not listed.
	Omitted int `json:"omitted"`
	// Version is the dataset version the import committed (0 otherwise).
	Version int64 `json:"version,omitempty"`
}

// FeatureProblem is one problem of one feature (Index -1: the file).
type FeatureProblem struct {
	// Index is the feature's 0-based position in the collection.
	Index int `json:"index"`
	// Code is the feature's code as given in the file ("" if none).
	Code string `json:"code,omitempty"`
	// Name is the feature's name ("" if none).
	Name string `json:"name,omitempty"`
	// Check is a stable id of the check that failed:
	//   file: not-json, not-feature-collection, wrong-srid, too-large, empty
	//   GeoJSON: not-a-feature, missing-geometry, unsupported-geometry,
	//     bad-geometry, bad-properties
	//   geometry (geo.Validate): non-finite, out-of-range, unclosed-ring,
	//     too-few-points, zero-area, repeated-point (warning),
	//     self-intersection, ring-crossing, polygon-crossing
	//   geometry (PostGIS): invalid-geometry, repaired (warning)
	//   properties: missing-code, bad-code, wrong-kind, missing-name,
	//     level-mismatch, bad-kind, parent-mismatch
	//   other rows: duplicate-code, code-exists, unknown-parent,
	//     parent-not-exclusive, overlap, outside-village,
	//     outside-parent-grid, constraint
	Check string `json:"check"`
	// Severity is "error" (the import is rejected) or "warning".
	Severity string `json:"severity"`
	// Message says what is wrong and what to do.
	Message string `json:"message"`
	// Location is where (a point), nil when the problem has no place.
	Location orb.Geometry `json:"-"`
	// AreaM2 is the area concerned in square metres (overlaps, parts
	// outside the parent), 0 otherwise.
	AreaM2 float64 `json:"area_m2,omitempty"`
}

// MarshalJSON writes Location as a GeoJSON geometry.
func (p FeatureProblem) MarshalJSON() ([]byte, error) {
	type plain FeatureProblem
	loc := json.RawMessage("null")
	if p.Location != nil {
		b, err := feature.AppendGeometry(nil, p.Location)
		if err != nil {
			return nil, err
		}
		loc = b
	}
	return json.Marshal(struct {
		plain
		Location json.RawMessage `json:"location"`
	}{plain(p), loc})
}

// String formats a problem on one line for a terminal.
func (p FeatureProblem) String() string {
	var b strings.Builder
	if p.Index < 0 {
		b.WriteString("file")
	} else {
		fmt.Fprintf(&b, "#%d", p.Index)
	}
	if p.Code != "" {
		fmt.Fprintf(&b, " %s", p.Code)
	}
	if p.Name != "" {
		fmt.Fprintf(&b, " %s", p.Name)
	}
	fmt.Fprintf(&b, " [%s] %s: %s", p.Check, p.Severity, p.Message)
	if pt, ok := p.Location.(orb.Point); ok {
		fmt.Fprintf(&b, " @ %.6f,%.6f", pt[0], pt[1])
	}
	return b.String()
}

func (r *ImportReport) add(max int, p FeatureProblem) {
	if r.Checks == nil {
		r.Checks = make(map[string]int)
	}
	r.Checks[p.Check]++
	if p.Severity == "error" {
		r.Errors++
	} else {
		r.Warnings++
	}
	if len(r.Problems) >= max {
		r.Omitted++
		return
	}
	r.Problems = append(r.Problems, p)
}

// Import reads a FeatureCollection of areas and grids and writes it all or
// nothing, in one transaction: every feature is checked, and one problem
// anywhere rolls everything back. The report lists every problem found.
// The error wraps ErrRejected when the input was rejected (the report says
// why); any other error is internal (the report may be partial).
//
// Features stream: each is checked in Go as it is read (GeoJSON structure,
// geo.Validate, properties) and copied into a temporary table; the checks
// that need other rows then run as set-based SQL: PostGIS validity with
// its location, duplicate codes in the file and against the database,
// unknown parents, overlaps with current grids and within the file, areas
// overlapping areas of their level, and grids outside their village or
// sub-grids outside their grid.
//
// Properties read from each feature (a numeric code is read by its
// digits; the feature "id" stands in for a missing code):
//
//	areas: code (4, 6, 9 or 12 digits), name, level and parent (optional;
//	       when given they must match what the code says)
//	grids: code (15 digits; 17 for a sub-grid), name, kind (urban, rural
//	       or exclusive; sub-grids are exclusive), village and parent
//	       (optional, must match the code)
//
// An accepted import inserts the areas and the grids (valid from
// opts.ValidFrom), writes an audit_log entry and bumps the dataset version.
func (s *Store) Import(ctx context.Context, src FeatureSource, opts ImportOptions) (*ImportReport, error) {
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	if opts.Actor == "" {
		opts.Actor = "cli"
	}
	rep := &ImportReport{DryRun: opts.DryRun, Checks: map[string]int{}, Problems: []FeatureProblem{}}
	switch opts.Kind {
	case "", "areas", "grids":
	default:
		return rep, fmt.Errorf("import: kind %q: want areas, grids or empty", opts.Kind)
	}

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// The PostGIS functions' high declared costs push every check query
	// over jit_above_cost, and compiling each costs seconds for nothing
	// (measured: 1.8 s of a 1.9 s check).
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	if _, err := tx.Exec(ctx, importTableSQL); err != nil {
		return rep, fmt.Errorf("import: temporary table: %w", err)
	}

	start := time.Now()
	phase := func(name string) {
		s.log.Debug("import phase done", "phase", name, "features", rep.Features, "elapsed", time.Since(start))
	}
	ld := &loader{src: src, opts: &opts, rep: rep}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_feature"}, importColumns, ld); err != nil {
		if ld.internal != nil {
			return rep, fmt.Errorf("import: read: %w", ld.internal)
		}
		return rep, fmt.Errorf("import: copy features: %w", err)
	}
	if opts.Progress != nil {
		opts.Progress(rep.Features)
	}
	if ld.fileErr == nil && rep.Features == 0 {
		rep.add(opts.MaxProblems, FeatureProblem{Index: -1, Check: "empty", Severity: "error",
			Message: "the FeatureCollection has no features: nothing to import"})
		return rep, rejected(rep)
	}
	if ld.fileErr != nil {
		// The file is unreadable past this point: what came before
		// is reported, nothing else can be checked.
		return rep, rejected(rep)
	}

	phase("read and copy")
	// One import at a time from here on: the checks against existing rows
	// must see what another import wrote. (Taken after reading, so that a
	// slow upload does not hold up other imports.)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('gridmap.import'))`); err != nil {
		return rep, fmt.Errorf("import: lock: %w", err)
	}
	// And the villages it writes grids into, as an apply of an adjustment
	// locks them (in code order, before any other area row): an import
	// and an apply on one village never interleave, so neither checks
	// against a state the other is changing.
	var villages []geo.Code
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT parent ORDER BY parent), '{}') FROM import_feature
		WHERE is_grid AND parent IS NOT NULL`).Scan(&villages); err != nil {
		return rep, fmt.Errorf("import: villages: %w", err)
	}
	if err := LockVillages(ctx, tx, villages); err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	phase("village locks")
	if err := s.importChecks(ctx, tx, &opts, rep); err != nil {
		return rep, err
	}
	phase("checks")
	if rep.Errors > 0 {
		return rep, rejected(rep)
	}
	if err := s.importWrite(ctx, tx, &opts, rep); err != nil {
		return rep, err
	}
	phase("write")
	if opts.DryRun {
		rep.Accepted, rep.Version = true, 0
		return rep, nil // the deferred rollback undoes the writes
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, fmt.Errorf("import: commit: %w", err)
	}
	rep.Accepted = true
	s.log.Info("import committed", "actor", opts.Actor, "areas", rep.Areas, "grids", rep.Grids,
		"repaired", rep.Repaired, "version", rep.Version, "took", time.Since(start))
	return rep, nil
}

func rejected(rep *ImportReport) error {
	rep.Accepted = false
	sortProblems(rep)
	return fmt.Errorf("%w: %d errors in %d features", ErrRejected, rep.Errors, rep.Features)
}

// importWrite inserts the checked features, audits and bumps the version.
// A constraint the checks did not foresee still rejects, as a problem.
func (s *Store) importWrite(ctx context.Context, tx pgx.Tx, opts *ImportOptions, rep *ImportReport) error {
	var from any
	if !opts.ValidFrom.IsZero() {
		from = opts.ValidFrom
	}
	steps := []struct {
		what, sql string
		args      []any
	}{
		{"areas", `INSERT INTO area (code, level, name, parent, geom)
			SELECT code, level, name, parent, geom FROM import_feature WHERE NOT is_grid
			ORDER BY array_position(ARRAY['city','county','town','village'], level), code`, nil},
		{"grids", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			SELECT code, kind, parent, NULL, name, geom, tstzrange(coalesce($1::timestamptz, now()), NULL)
			FROM import_feature WHERE is_grid AND length(code) = 15 ORDER BY code`, []any{from}},
		{"sub-grids", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			SELECT code, kind, parent, parent_grid, name, geom, tstzrange(coalesce($1::timestamptz, now()), NULL)
			FROM import_feature WHERE is_grid AND length(code) = 17 ORDER BY code`, []any{from}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "23") || pgErr.Code == "P0001") {
				rep.add(opts.MaxProblems, FeatureProblem{Index: -1, Check: "constraint", Severity: "error",
					Message: fmt.Sprintf("the database refused the %s: %s", st.what, pgErr.Message)})
				return rejected(rep)
			}
			return fmt.Errorf("import: insert %s: %w", st.what, err)
		}
	}
	target := opts.Kind
	if target == "" {
		target = "areas+grids"
	}
	if err := s.Audit(ctx, tx, AuditEntry{Actor: opts.Actor, Action: "import", Target: target, RequestID: opts.RequestID,
		After: map[string]any{"features": rep.Features, "areas": rep.Areas, "grids": rep.Grids,
			"repaired": rep.Repaired, "warnings": rep.Warnings, "dry_run": opts.DryRun}}); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	note := fmt.Sprintf("import %d areas, %d grids by %s", rep.Areas, rep.Grids, opts.Actor)
	if err := tx.QueryRow(ctx, `SELECT bump_dataset_version($1)`, note).Scan(&rep.Version); err != nil {
		return fmt.Errorf("import: bump dataset version: %w", err)
	}
	return nil
}

// isFileError reports whether err rejects the file (rather than being an
// I/O or internal failure).
func isFileError(err error) (*feature.Error, bool) {
	var fe *feature.Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}
