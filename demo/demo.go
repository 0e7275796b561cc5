// Package demo generates the Yancheng demo city into an empty database:
// the real division codes and names, synthetic (or given) county outlines,
// towns, villages, grids and sub-grids partitioning them, and households
// and units tied to the grids, at standard addresses with houses and
// residents (一标三实), so that gridd can be tried, tested and
// benchmarked at the scale of a whole city.
//
// It must never write into a database that already holds areas, and never
// leave half a city behind: it writes everything in one transaction, or
// nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/store"
)

// Options says what Generate makes.
type Options struct {
	// Scale multiplies the households and the grids of every village (1 is
	// the whole city: ≈20,000 grids, ≈2.3 M households); every village
	// keeps at least one grid.
	Scale float64
	// Seed makes the synthetic geometry and counts; the same seed gives the
	// same dataset.
	Seed int64
	// Counties, when set, are real county outlines (12-digit codes) used
	// instead of the synthetic ones. Invalid outlines are repaired with
	// ST_MakeValid and reported. The development zone 320971, which has no
	// outline of its own, is carved out of 320902 when missing.
	Counties map[geo.Code]orb.MultiPolygon
	// County, when set, limits the dataset to that county (its towns,
	// villages, grids and records) plus the city row.
	County geo.Code
	// ValidFrom is when every demo grid and assignment starts (default
	// 2024-01-01T00:00:00+08:00).
	ValidFrom time.Time
	// Key is the data key the residents' names, ID numbers and phones are
	// sealed with (package pii). Without it the demo writes standard
	// addresses and houses but no residents.
	Key *pii.Key
	// SkipEvents leaves the demo year of events out (package events'
	// tables stay empty).
	SkipEvents bool
	// EventsUntil is the end of the demo year of events: they are
	// reported in the year before it and have moved through the flow as
	// far as they got by then (default: today's midnight, China Standard
	// Time, so the newest are still open).
	EventsUntil time.Time
}

// Stats counts what Generate made.
type Stats struct {
	Counties, Towns, Villages int
	Grids                     int // 15-digit grids, exclusive ones included
	Exclusive                 int // exclusive 15-digit grids
	SubGrids                  int
	Households, Units         int
	// Addresses: one for every household and unit; Houses: one lived in
	// at each, and a few vacant ones beside village homes.
	Addresses, Houses, Residents int
	Events                       int           // the demo year of events
	EventsUntil                  time.Time     // the end of that year
	Version                      int64         // the dataset version it committed
	Elapsed                      time.Duration // wall time of the whole run
	// Repaired lists the county outlines that were invalid and repaired,
	// with PostGIS's reason.
	Repaired []string
}

// DefaultValidFrom is when demo grids start unless told otherwise.
var DefaultValidFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// ErrNotEmpty is returned by Generate when the database already holds
// areas.
var ErrNotEmpty = errors.New("the database already holds areas; the demo needs an empty database")

// Generate fills an empty database with the Yancheng demo city: the
// real division codes and names, synthetic (or given) county outlines,
// towns, villages, grids and sub-grids partitioning them, and households
// and units tied to grids, all in one transaction that ends with a dataset
// version bump. progress, when not nil, hears about every stage.
//
// All geometry is cut in PostGIS from one noded linework per level (see
// "Measured lessons for building coverages" in architecture.md), so that
// neighbours share their edges vertex for vertex and nothing overlaps.
func Generate(ctx context.Context, st *store.Store, opts Options, progress func(stage string, done, total int)) (Stats, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if !(opts.Scale > 0 && opts.Scale <= 10) { // NaN too
		return Stats{}, fmt.Errorf("demo scale %g out of range: want more than 0 and at most 10 (1 is the whole city)", opts.Scale)
	}
	if opts.ValidFrom.IsZero() {
		opts.ValidFrom = DefaultValidFrom
	}
	if opts.County != "" && opts.County.Level() != geo.LevelCounty {
		return Stats{}, fmt.Errorf("demo county %q is not a county code (want 6 digits such as 320902)", opts.County)
	}
	plan, err := planDemo(opts)
	if err != nil {
		return Stats{}, fmt.Errorf("plan demo: %w", err)
	}

	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	defer tx.Rollback(context.Background())
	// One demo at a time, and only into an empty database.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('gridmap.demo'))"); err != nil {
		return Stats{}, fmt.Errorf("demo: lock: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM area)").Scan(&exists); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	if exists {
		return Stats{}, ErrNotEmpty
	}
	d := &demoRun{tx: tx, opts: opts, plan: plan, progress: progress, log: st.Logger()}
	if err := d.run(ctx); err != nil {
		return Stats{}, err
	}
	if err := tx.QueryRow(ctx, "SELECT bump_dataset_version($1)", d.note()).Scan(&d.stats.Version); err != nil {
		return Stats{}, fmt.Errorf("demo: bump dataset version: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Stats{}, fmt.Errorf("demo: commit: %w", err)
	}
	d.stats.Elapsed = time.Since(start)
	return d.stats, nil
}

// demoRun is one Generate in progress.
type demoRun struct {
	tx       pgx.Tx
	opts     Options
	plan     *demoPlan
	progress func(stage string, done, total int)
	log      *slog.Logger
	stats    Stats
	// restore holds the statements that put back what dropForBulk took.
	restore []string
	// gridGeoms are the 15-digit grids' geometries, the records' points
	// are drawn in (read once).
	gridGeoms map[geo.Code]orb.MultiPolygon
	// nextSeq is the next address sequence of each village with records.
	nextSeq map[geo.Code]int
	// homes are the households written, in id order, for the residents.
	homes []demoHousehold
}

func (d *demoRun) note() string {
	n := fmt.Sprintf("demo seed=%d scale=%g", d.opts.Seed, d.opts.Scale)
	if d.opts.County != "" {
		n += " county=" + d.opts.County.Short()
	}
	if d.opts.Counties != nil {
		n += " real county outlines"
	}
	return n
}

func (d *demoRun) run(ctx context.Context) error {
	steps := []struct {
		name string
		f    func(context.Context) error
	}{
		{"settings", d.settings},
		{"plan", d.loadPlan},
		{"counties", d.counties},
		{"towns", d.towns},
		{"villages", d.villages},
		{"grids", d.grids},
		{"areas", d.writeAreas},
		{"grid rows", d.writeGrids},
		{"bulk load", d.dropForBulk},
		{"households", d.households},
		{"units", d.units},
		{"residents", d.residents},
		{"events", d.events},
		{"indexes", d.finish},
	}
	for _, st := range steps {
		t0 := time.Now()
		if err := st.f(ctx); err != nil {
			return fmt.Errorf("demo %s: %w", st.name, err)
		}
		d.log.Info("demo: step done", "step", st.name, "seconds", time.Since(t0).Round(10*time.Millisecond).Seconds())
	}
	return nil
}

// exec runs statements in order, stopping at the first error.
func (d *demoRun) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := d.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%w\nin: %s", err, firstLine(q))
		}
	}
	return nil
}

func firstLine(q string) string {
	for i, c := range q {
		if c == '\n' && i > 0 {
			return q[:i]
		}
	}
	return q
}

func (d *demoRun) settings(ctx context.Context) error {
	return d.exec(ctx,
		"SET LOCAL work_mem = '256MB'",
		// The index builds at the end sort up to 7.5 M residents' keys:
		// in memory with this much.
		"SET LOCAL maintenance_work_mem = '1GB'",
	)
}

// loadPlan copies the plan into temporary tables.
func (d *demoRun) loadPlan(ctx context.Context) error {
	if err := d.exec(ctx, `
		CREATE TEMP TABLE demo_area (
			code text PRIMARY KEY, level text NOT NULL, name text NOT NULL,
			parent text, cseed integer NOT NULL, urban boolean NOT NULL) ON COMMIT DROP`, `
		CREATE TEMP TABLE demo_grid (
			code text PRIMARY KEY, village text NOT NULL, kind text NOT NULL,
			parent_grid text, name text NOT NULL, cseed integer NOT NULL) ON COMMIT DROP`, `
		CREATE TEMP TABLE demo_geom (code text PRIMARY KEY, geom geometry NOT NULL) ON COMMIT DROP`, `
		CREATE TEMP TABLE demo_core (code text PRIMARY KEY, pt geometry NOT NULL) ON COMMIT DROP`,
	); err != nil {
		return err
	}
	areas := make([][]any, len(d.plan.areas))
	for i, a := range d.plan.areas {
		var parent any
		if a.parent != "" {
			parent = string(a.parent)
		}
		areas[i] = []any{string(a.code), a.level.String(), a.name, parent, a.seed, a.urban()}
	}
	if _, err := d.tx.CopyFrom(ctx, pgx.Identifier{"demo_area"},
		[]string{"code", "level", "name", "parent", "cseed", "urban"}, pgx.CopyFromRows(areas)); err != nil {
		return fmt.Errorf("copy areas: %w", err)
	}
	grids := make([][]any, len(d.plan.grids))
	for i, g := range d.plan.grids {
		var parent any
		if g.parentGrid != "" {
			parent = string(g.parentGrid)
		}
		grids[i] = []any{string(g.code), string(g.village), string(g.kind), parent, g.name, g.cseed}
	}
	if _, err := d.tx.CopyFrom(ctx, pgx.Identifier{"demo_grid"},
		[]string{"code", "village", "kind", "parent_grid", "name", "cseed"},
		pgx.CopyFromRows(grids)); err != nil {
		return fmt.Errorf("copy grids: %w", err)
	}
	return d.exec(ctx, "CREATE INDEX ON demo_grid (village)", "ANALYZE demo_area", "ANALYZE demo_grid")
}
