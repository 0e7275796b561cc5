package importer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// checkRow is the common shape of every check query: the feature, what it
// conflicts with, and where.
type checkRow struct {
	idx      int
	code     string
	other    *string
	otherIdx *int
	info     *string
	x, y     *float64
	area     *float64
}

// importCheck is one set-based check over import_feature. Every query
// selects (idx, raw_code, other, other_idx, info, x, y, area_m2).
type importCheck struct {
	check    string
	severity string
	sql      string
	message  func(r checkRow) string
	skip     func(r checkRow) bool // optional filter on the rows
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func featureRef(idx *int) string {
	if idx == nil {
		return "in the database"
	}
	return fmt.Sprintf("feature #%d", *idx)
}

// fmtArea writes an area for people: m² for small ones, km² otherwise.
func fmtArea(m2 *float64) string {
	if m2 == nil {
		return "an unknown area"
	}
	switch {
	case *m2 < 0.01:
		return "a sliver of less than 0.01 m²"
	case *m2 < 0.1:
		return fmt.Sprintf("%.2g m²", *m2)
	case *m2 < 10_000:
		return fmt.Sprintf("%.1f m²", *m2)
	}
	return fmt.Sprintf("%.3f km²", *m2/1e6)
}

func at(r checkRow) string {
	if r.x == nil || r.y == nil {
		return ""
	}
	return fmt.Sprintf(" around (%.6f, %.6f)", *r.x, *r.y)
}

// overlapAt joins x(i, p): the overlap of geometries a and b (its
// polygons) and a point in it. When overlay collapses a float-noise sliver
// to lines or nothing, the point comes from whatever the intersection
// kept. a and b are column names from the constant strings below.
func overlapAt(a, b string) string {
	return `
		CROSS JOIN LATERAL (SELECT ST_Intersection(` + a + `, ` + b + `) AS raw) r
		CROSS JOIN LATERAL (SELECT e.i, CASE
				WHEN NOT ST_IsEmpty(e.i) THEN ST_PointOnSurface(e.i)
				WHEN NOT ST_IsEmpty(r.raw) THEN ST_PointOnSurface(r.raw)
				ELSE ST_PointOnSurface(ST_Intersection(ST_Envelope(` + a + `), ST_Envelope(` + b + `))) END AS p
			FROM (SELECT ST_CollectionExtract(r.raw, 3) AS i) e) x`
}

// boxesOverlap is a cheap necessary condition for interiors to meet: the
// bounding boxes overlap with positive area (&& also accepts boxes that
// only touch, as the boxes of neighbours in a partition do).
func boxesOverlap(a, b string) string {
	return ` AND ST_XMin(` + a + `) < ST_XMax(` + b + `) AND ST_XMin(` + b + `) < ST_XMax(` + a + `)` +
		` AND ST_YMin(` + a + `) < ST_YMax(` + b + `) AND ST_YMin(` + b + `) < ST_YMax(` + a + `)`
}

// noise explains overlaps too small to be drawn on purpose.
func noise(m2 *float64) string {
	if m2 == nil || *m2 >= 1 {
		return ""
	}
	return " (float noise: the two outlines were computed separately and their shared edge differs in the last digits; " +
		"build shared edges from one noded linework, or snap both with ST_SnapToGrid)"
}

// runChecks runs the checks that need more than one feature or the
// database. It adds every problem to rep.
func runChecks(ctx context.Context, log *slog.Logger, tx pgx.Tx, opts *Options, rep *Report) error {
	start := time.Now()
	for _, q := range []string{
		`CREATE INDEX ON import_feature USING gist (geom)`,
		`CREATE INDEX ON import_feature (code)`,
		`ANALYZE import_feature`,
		// Only the invalid rows are rewritten. (Updating every row
		// before CREATE INDEX would leave broken HOT chains, and an index
		// built over them is not usable in the transaction that built it:
		// every check would fall back to sequential scans.)
		`UPDATE import_feature SET ok = false WHERE ok AND NOT ST_IsValid(geom)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("import: prepare checks: %w", err)
		}
	}
	log.Debug("import checks prepared", "took", time.Since(start))

	var checks []importCheck
	if opts.Repair {
		checks = append(checks, importCheck{"repaired", "warning", `
			WITH bad AS (
				SELECT t.idx, t.geom AS old, d.reason, d.location
				FROM import_feature t, ST_IsValidDetail(t.geom) d
				WHERE t.geom IS NOT NULL AND NOT t.ok)
			UPDATE import_feature t
			SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(bad.old, 'method=structure'), 3))
			FROM bad WHERE t.idx = bad.idx
			RETURNING t.idx, t.raw_code, NULL::text, NULL::int, bad.reason, ST_X(bad.location), ST_Y(bad.location),
				abs(ST_Area(t.geom::geography) - ST_Area(bad.old::geography))`,
			func(r checkRow) string {
				return fmt.Sprintf("invalid geometry (PostGIS: %s%s) repaired with ST_MakeValid; the area changed by %s: check the result",
					str(r.info), at(r), fmtArea(r.area))
			}, nil})
		checks = append(checks, importCheck{"invalid-geometry", "error", `
			WITH upd AS (
				UPDATE import_feature SET ok = ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_Area(geom) > 0
				WHERE geom IS NOT NULL AND NOT ok RETURNING idx, raw_code, ok)
			SELECT idx, raw_code, NULL, NULL, NULL, NULL::float8, NULL::float8, NULL::float8 FROM upd WHERE NOT ok`,
			func(r checkRow) string {
				return "the geometry is invalid and ST_MakeValid could not make a polygon of it: redraw it"
			}, nil})
	} else {
		checks = append(checks, importCheck{"invalid-geometry", "error", `
			SELECT t.idx, t.raw_code, NULL, NULL, d.reason, ST_X(d.location), ST_Y(d.location), NULL::float8
			FROM import_feature t, ST_IsValidDetail(t.geom) d
			WHERE t.geom IS NOT NULL AND NOT t.ok AND NOT d.valid`,
			func(r checkRow) string {
				return fmt.Sprintf("invalid geometry (PostGIS: %s%s): redraw it, or import with --repair to make it valid with ST_MakeValid", str(r.info), at(r))
			}, nil})
	}

	checks = append(checks,
		importCheck{"duplicate-code", "error", `
			SELECT idx, raw_code, code, first, NULL, NULL::float8, NULL::float8, NULL::float8 FROM (
				SELECT idx, raw_code, code, min(idx) OVER (PARTITION BY code) AS first
				FROM import_feature WHERE code IS NOT NULL) d
			WHERE idx <> first`,
			func(r checkRow) string {
				return fmt.Sprintf("code %s appears more than once in the file (first in %s): codes are unique", str(r.other), featureRef(r.otherIdx))
			}, nil},
		importCheck{"code-exists", "error", `
			SELECT t.idx, t.raw_code, a.code, NULL, a.name, NULL::float8, NULL::float8, NULL::float8
			FROM import_feature t JOIN area a ON a.code = t.code WHERE NOT t.is_grid`,
			func(r checkRow) string {
				return fmt.Sprintf("area %s (%s) already exists: an import adds new areas only", str(r.other), str(r.info))
			}, nil},
		importCheck{"code-exists", "error", `
			SELECT t.idx, t.raw_code, g.code, NULL, CASE WHEN g.retired_at IS NULL THEN 'issued' ELSE 'retired' END,
				NULL::float8, NULL::float8, NULL::float8
			FROM import_feature t JOIN grid_code g ON g.code = t.code WHERE t.is_grid`,
			func(r checkRow) string {
				if str(r.info) == "retired" {
					return fmt.Sprintf("grid code %s was used before and retired: a code is never given to another area (Art. 9); use a new sequence", str(r.other))
				}
				return fmt.Sprintf("grid %s already exists: an import adds new grids only (change existing grids with an adjustment)", str(r.other))
			}, nil},
		importCheck{"unknown-parent", "error", `
			SELECT t.idx, t.raw_code, t.parent, NULL, CASE WHEN t.is_grid THEN 'village' ELSE 'area' END,
				NULL::float8, NULL::float8, NULL::float8
			FROM import_feature t
			WHERE t.code IS NOT NULL AND t.parent IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM area a WHERE a.code = t.parent)
			  AND NOT EXISTS (SELECT 1 FROM import_feature p WHERE p.code = t.parent AND NOT p.is_grid)`,
			func(r checkRow) string {
				return fmt.Sprintf("parent %s %s is neither in the database nor in this file: import it first, or in the same file", str(r.info), str(r.other))
			}, nil},
		importCheck{"unknown-parent", "error", subGridParentSQL,
			func(r checkRow) string {
				return fmt.Sprintf("parent grid %s of this sub-grid is neither a current grid nor in this file", str(r.other))
			}, func(r checkRow) bool { return r.info != nil }},
		importCheck{"parent-not-exclusive", "error", subGridParentSQL,
			func(r checkRow) string {
				return fmt.Sprintf("parent grid %s is not exclusive (its kind is %s): only exclusive grids have sub-grids (Art. 7)", str(r.other), str(r.info))
			}, func(r checkRow) bool { return r.info == nil || *r.info == "exclusive" }},
		importCheck{"overlap", "error", `
			SELECT a.idx, a.raw_code, b.code, b.idx, NULL, ST_X(x.p), ST_Y(x.p), ST_Area(x.i::geography)
			FROM import_feature a JOIN import_feature b
			  ON a.idx < b.idx AND a.is_grid AND b.is_grid AND a.ok AND b.ok AND a.geom && b.geom
			 AND length(a.code) = length(b.code) AND (length(a.code) = 15 OR a.parent_grid = b.parent_grid)
			 ` + boxesOverlap("a.geom", "b.geom") + `
			 AND ST_Relate(a.geom, b.geom, '2********')
			` + overlapAt("a.geom", "b.geom"),
			func(r checkRow) string {
				return fmt.Sprintf("overlaps grid %s (%s) by %s%s: grids may touch but not overlap%s", str(r.other), featureRef(r.otherIdx), fmtArea(r.area), at(r), noise(r.area))
			}, nil},
		importCheck{"overlap", "error", `
			SELECT t.idx, t.raw_code, g.code, NULL, NULL, ST_X(x.p), ST_Y(x.p), ST_Area(x.i::geography)
			-- the latest versions, not those current at the start of this
			-- transaction: an apply may have committed grids while the
			-- import waited for its village locks (and grids applied ahead
			-- of their effective time will be there too)
			FROM import_feature t JOIN grid_latest g
			  ON t.is_grid AND t.ok AND t.geom && g.geom AND g.code <> t.code
			 AND length(g.code) = length(t.code) AND (length(t.code) = 15 OR g.parent_grid = t.parent_grid)
			 ` + boxesOverlap("t.geom", "g.geom") + `
			 AND ST_Relate(t.geom, g.geom, '2********')
			` + overlapAt("t.geom", "g.geom"),
			func(r checkRow) string {
				return fmt.Sprintf("overlaps the existing grid %s by %s%s: grids may touch but not overlap%s", str(r.other), fmtArea(r.area), at(r), noise(r.area))
			}, nil},
		importCheck{"overlap", "error", `
			SELECT a.idx, a.raw_code, b.code, b.idx, a.level, ST_X(x.p), ST_Y(x.p), ST_Area(x.i::geography)
			FROM import_feature a JOIN import_feature b
			  ON a.idx < b.idx AND NOT a.is_grid AND NOT b.is_grid AND a.ok AND b.ok AND a.level = b.level
			 AND a.geom && b.geom ` + boxesOverlap("a.geom", "b.geom") + `
			 AND ST_Relate(a.geom, b.geom, '2********')
			` + overlapAt("a.geom", "b.geom"),
			func(r checkRow) string {
				return fmt.Sprintf("overlaps %s %s (%s) by %s%s: areas of one level may touch but not overlap%s", str(r.info), str(r.other), featureRef(r.otherIdx), fmtArea(r.area), at(r), noise(r.area))
			}, nil},
		importCheck{"overlap", "error", `
			SELECT t.idx, t.raw_code, a.code, NULL, a.level, ST_X(x.p), ST_Y(x.p), ST_Area(x.i::geography)
			FROM import_feature t JOIN area a
			  ON NOT t.is_grid AND t.ok AND a.level = t.level AND a.code <> t.code
			 AND t.geom && a.geom ` + boxesOverlap("t.geom", "a.geom") + `
			 AND ST_Relate(t.geom, a.geom, '2********')
			` + overlapAt("t.geom", "a.geom"),
			func(r checkRow) string {
				return fmt.Sprintf("overlaps the existing %s %s by %s%s: areas of one level may touch but not overlap%s", str(r.info), str(r.other), fmtArea(r.area), at(r), noise(r.area))
			}, nil},
		importCheck{"outside-village", "error", `
			WITH bad AS MATERIALIZED (
				SELECT idx, raw_code, parent, geom, vg FROM (
					SELECT t.idx, t.raw_code, t.parent, t.geom, coalesce(
						(SELECT v.geom FROM import_feature v WHERE v.code = t.parent AND NOT v.is_grid AND v.ok LIMIT 1),
						(SELECT a.geom FROM area a WHERE a.code = t.parent)) AS vg
					FROM import_feature t WHERE t.is_grid AND length(t.code) = 15 AND t.ok) c
				WHERE vg IS NOT NULL AND NOT ST_CoveredBy(geom, vg))
			SELECT idx, raw_code, parent, NULL, NULL, ST_X(x.p), ST_Y(x.p), ST_Area(x.d::geography)
			FROM bad CROSS JOIN LATERAL (SELECT d, ST_PointOnSurface(d) AS p
				FROM ST_CollectionExtract(ST_Difference(bad.geom, bad.vg), 3) AS d) x`,
			func(r checkRow) string {
				return fmt.Sprintf("is not inside its village %s: %s of it lies outside%s", str(r.other), fmtArea(r.area), at(r))
			}, nil},
		importCheck{"outside-parent-grid", "error", `
			WITH bad AS MATERIALIZED (
				SELECT idx, raw_code, parent_grid, geom, pg FROM (
					SELECT t.idx, t.raw_code, t.parent_grid, t.geom, coalesce(
						(SELECT v.geom FROM import_feature v WHERE v.code = t.parent_grid AND v.ok LIMIT 1),
						(SELECT g.geom FROM grid_current g WHERE g.code = t.parent_grid)) AS pg
					FROM import_feature t WHERE t.is_grid AND length(t.code) = 17 AND t.ok) c
				WHERE pg IS NOT NULL AND NOT ST_CoveredBy(geom, pg))
			SELECT idx, raw_code, parent_grid, NULL, NULL, ST_X(x.p), ST_Y(x.p), ST_Area(x.d::geography)
			FROM bad CROSS JOIN LATERAL (SELECT d, ST_PointOnSurface(d) AS p
				FROM ST_CollectionExtract(ST_Difference(bad.geom, bad.pg), 3) AS d) x`,
			func(r checkRow) string {
				return fmt.Sprintf("is not inside its parent grid %s: %s of it lies outside%s", str(r.other), fmtArea(r.area), at(r))
			}, nil},
	)

	for _, c := range checks {
		start := time.Now()
		if err := runCheck(ctx, tx, opts, rep, c); err != nil {
			return err
		}
		log.Debug("import check done", "check", c.check, "took", time.Since(start))
	}
	if err := nameProblems(ctx, tx, rep); err != nil {
		return err
	}
	sortProblems(rep)
	return nil
}

// nameProblems fills in the feature names of the listed problems found
// by SQL, so that a report reads "#4 320922 滨海县".
func nameProblems(ctx context.Context, tx pgx.Tx, rep *Report) error {
	var idx []int32
	for _, p := range rep.Problems {
		if p.Index >= 0 && p.Name == "" {
			idx = append(idx, int32(p.Index))
		}
	}
	if len(idx) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT idx, name FROM import_feature WHERE idx = ANY($1) AND name IS NOT NULL`, idx)
	if err != nil {
		return fmt.Errorf("import: name problems: %w", err)
	}
	names := map[int]string{}
	for rows.Next() {
		var i int
		var n string
		if err := rows.Scan(&i, &n); err != nil {
			rows.Close()
			return fmt.Errorf("import: name problems: %w", err)
		}
		names[i] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import: name problems: %w", err)
	}
	for i := range rep.Problems {
		if p := &rep.Problems[i]; p.Index >= 0 && p.Name == "" {
			p.Name = names[p.Index]
		}
	}
	return nil
}

// subGridParentSQL finds each sub-grid's parent grid (in the file first,
// else current) and its kind; info is NULL when there is none.
const subGridParentSQL = `
	SELECT t.idx, t.raw_code, t.parent_grid, NULL::int, coalesce(
		(SELECT p.kind FROM import_feature p WHERE p.code = t.parent_grid AND p.is_grid LIMIT 1),
		(SELECT g.kind FROM grid_current g WHERE g.code = t.parent_grid)),
		NULL::float8, NULL::float8, NULL::float8
	FROM import_feature t WHERE t.is_grid AND length(t.code) = 17`

func runCheck(ctx context.Context, tx pgx.Tx, opts *Options, rep *Report, c importCheck) error {
	rows, err := tx.Query(ctx, c.sql)
	if err != nil {
		return fmt.Errorf("import: check %s: %w", c.check, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r checkRow
		if err := rows.Scan(&r.idx, &r.code, &r.other, &r.otherIdx, &r.info, &r.x, &r.y, &r.area); err != nil {
			return fmt.Errorf("import: check %s: %w", c.check, err)
		}
		if c.skip != nil && c.skip(r) {
			continue
		}
		p := Problem{Index: r.idx, Code: r.code, Check: c.check, Severity: c.severity, Message: c.message(r)}
		if r.x != nil && r.y != nil {
			p.Location = orb.Point{*r.x, *r.y}
		}
		if r.area != nil {
			p.AreaM2 = *r.area
		}
		if c.check == "repaired" {
			rep.Repaired++
		}
		rep.add(opts.MaxProblems, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import: check %s: %w", c.check, err)
	}
	return nil
}
