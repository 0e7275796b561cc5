package ops

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The checks of a proposal's after-state, run in PostGIS on the work
// tables (for a preview and again, under the village locks, in the apply
// transaction). Only what the proposal changes is checked: the changed
// and new grids, the area the changed and retired grids covered, and the
// records that move.

// Check ids of the operations and their checks, beside those of gridd
// check.
const (
	CheckOperation     = "operation"           // an operation could not be carried out as drawn
	CheckSliver        = "sliver"              // a grid part narrower than the sliver tolerance
	CheckNotContiguous = "not-contiguous"      // a grid of more than one part
	CheckSubgridNoFit  = "subgrid-partition"   // sub-grids no longer partition their exclusive grid
	CheckHouseholdBand = "household-balance"   // urban grid outside the household band
	CheckCodeRule      = "code-rule"           // a grid code rule broken
	CheckRecordNoGrid  = "record-without-grid" // a record whose point no grid covers afterwards
	CheckEdgeMismatch  = "edge-mismatch"       // a vertex on a shared edge that the neighbour lacks
)

// checkWork runs every check on the work tables (after the moves are
// computed) and returns the findings, the operations' own first.
func (w *Work) checkWork(ctx context.Context) ([]geo.Finding, error) {
	out := append([]geo.Finding{}, w.findings...)
	type q struct {
		check    string
		severity geo.Severity
		sql      string
		msg      func(codes []string, a, b float64) string
	}
	changed := `state IN ('changed', 'new')`
	checks := []q{
		{geo.CheckInvalidGeometry, geo.SeverityError, `
			SELECT ARRAY[code], ST_Multi(coalesce((ST_IsValidDetail(geom)).location, ST_PointOnSurface(ST_Envelope(geom)))), 0::float8, 0::float8,
			       coalesce((ST_IsValidDetail(geom)).reason, 'empty')
			FROM adj_work WHERE ` + changed + ` AND (geom IS NULL OR ST_IsEmpty(geom) OR NOT ST_IsValid(geom))`,
			nil},
		{geo.CheckGridOverlap, geo.SeverityError, `
			SELECT ARRAY[a.code, b.code], ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3), ` + store.AreaM2SQL("ST_Intersection(a.geom, b.geom)") + `, 0::float8, ''
			FROM adj_work a JOIN LATERAL (
				SELECT code, geom FROM adj_work WHERE state NOT IN ('retired', 'gone') AND code <> a.code AND length(code) = length(a.code)
				UNION ALL
				SELECT code, geom FROM grid_latest g WHERE length(code) = length(a.code) AND village <> ALL(@villages)
				AND NOT EXISTS (SELECT 1 FROM adj_work x WHERE x.code = g.code)) b
			ON a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')
			WHERE a.` + changed + ` AND ST_IsValid(a.geom) AND (b.code > a.code OR NOT EXISTS (
				SELECT 1 FROM adj_work x WHERE x.code = b.code AND x.` + changed + `))`,
			func(c []string, a, _ float64) string {
				return fmt.Sprintf("grids %s and %s overlap by %.2f m²; grids never overlap (touching is fine)", c[0], c[1], a)
			}},
		// The container after the operations: the village (with the
		// vertices edge matching gave it), or the exclusive grid of a
		// sub-grid.
		{geo.CheckGridOutsideVillage, geo.SeverityError, `
			SELECT ARRAY[w.code, ` + containerSQL + `],
			       CASE WHEN ST_IsEmpty(d.g) THEN ST_Multi(ST_Difference(ST_Points(w.geom), v.geom)) ELSE d.g END,
			       coalesce(` + store.AreaM2SQL("d.g") + `, 0), 0::float8, ''
			FROM adj_work w,
			LATERAL (SELECT coalesce(
				(SELECT geom FROM adj_area x WHERE x.code = w.village AND w.parent IS NULL),
				(SELECT geom FROM area x WHERE x.code = w.village AND w.parent IS NULL),
				(SELECT geom FROM adj_work e WHERE e.code = w.parent AND e.state NOT IN ('retired', 'gone')),
				(SELECT geom FROM grid_latest e WHERE e.code = w.parent)) AS geom) v,
			LATERAL (SELECT ST_CollectionExtract(ST_Difference(w.geom, v.geom), 3) AS g) d
			WHERE w.` + changed + ` AND ST_IsValid(w.geom) AND v.geom IS NOT NULL AND NOT ST_CoveredBy(w.geom, v.geom)`,
			func(c []string, a, _ float64) string {
				if a < 0.01 {
					return fmt.Sprintf("grid %s has a vertex a hair outside its village %s, where a line meets the village boundary between two of its vertices; end the line at a vertex of the village boundary (lines within the snap tolerance are moved onto it)", c[0], c[1])
				}
				return fmt.Sprintf("grid %s reaches %.2f m² outside its village %s", c[0], a, c[1])
			}},
		{geo.CheckVillageGap, geo.SeverityError, `
			WITH g AS (
				SELECT w.c AS village, (ST_Dump(ST_Difference(
					(SELECT ST_Union(old_geom) FROM adj_work o WHERE coalesce(o.parent, o.village) = w.c AND o.state IN ('changed', 'retired')),
					ST_Union(CASE WHEN ST_IsValid(w.geom) THEN w.geom ELSE ST_CollectionExtract(ST_MakeValid(w.geom), 3) END)))).geom AS g
				FROM (SELECT ` + containerSQL + ` AS c, geom FROM adj_work WHERE state NOT IN ('retired', 'gone')) w GROUP BY w.c)
			SELECT ARRAY[village], ST_Multi(g), ` + store.AreaM2SQL("g") + `,
			       2 * (ST_MaximumInscribedCircle(g)).radius * ` + fmt.Sprint(metresPerDegree) + ` * cos(radians(ST_Y(ST_Centroid(g)))), ''
			FROM g WHERE ST_Dimension(g) = 2 AND ` + store.AreaM2SQL("g") + ` > @gap`,
			func(c []string, a, wd float64) string {
				return fmt.Sprintf("the adjustment leaves a gap of %.2f m² (about %.1f m wide) in village %s that no grid covers; give it to a neighbouring grid", a, wd, c[0])
			}},
		{CheckSliver, geo.SeverityError, `
			WITH p AS (
				SELECT w.code, ` + containerSQL + ` AS village, (ST_Dump(w.geom)).geom AS g FROM adj_work w
				WHERE w.` + changed + ` AND ST_IsValid(w.geom)),
			m AS (SELECT code, village, g, ST_MaximumInscribedCircle(g) AS mic FROM p)
			SELECT ARRAY[m.code] || coalesce((
				SELECT ARRAY[n.code] FROM adj_work n
				WHERE coalesce(n.parent, n.village) = m.village AND n.code <> m.code AND n.state NOT IN ('retired', 'gone') AND n.geom && m.g
				ORDER BY ST_Length(ST_Intersection(ST_Boundary(n.geom), ST_Boundary(m.g))) DESC, n.code LIMIT 1), '{}'),
			       ST_Multi(m.g), ` + store.AreaM2SQL("m.g") + `,
			       2 * (m.mic).radius * ` + fmt.Sprint(metresPerDegree) + ` * cos(radians(ST_Y((m.mic).center))), ''
			FROM m WHERE 2 * (m.mic).radius * ` + fmt.Sprint(metresPerDegree) + ` * cos(radians(ST_Y((m.mic).center))) < @sliver`,
			func(c []string, a, wd float64) string {
				s := fmt.Sprintf("grid %s has a sliver %.2f m wide (%.2f m²), narrower than the tolerance", c[0], wd, a)
				if len(c) > 1 {
					s += fmt.Sprintf("; give it to %s, the neighbour with the longest shared border", c[1])
				}
				return s
			}},
		{CheckNotContiguous, geo.SeverityError, `
			SELECT ARRAY[code], ST_Multi(geom), 0::float8, 0::float8, ST_NumGeometries(geom)::text
			FROM adj_work WHERE ` + changed + ` AND ST_NumGeometries(geom) > 1 AND code <> ALL(@multi)`,
			nil},
		{CheckSubgridNoFit, geo.SeverityError, `
			SELECT ARRAY[w.code], ST_Multi(coalesce(ST_CollectionExtract(ST_SymDifference(w.geom, s.u), 3), w.old_geom)), 0::float8, 0::float8, w.state || ' ' || w.kind
			FROM adj_work w
			JOIN LATERAL (SELECT ST_Union(geom) AS u FROM (
				SELECT geom FROM adj_work WHERE parent = w.code AND state NOT IN ('retired', 'gone')
				UNION ALL
				-- sub-grids of a grid of another village (edge matched)
				SELECT geom FROM grid_latest g WHERE g.parent_grid = w.code AND w.village <> ALL(@villages)
				AND NOT EXISTS (SELECT 1 FROM adj_work x WHERE x.code = g.code)) s) s ON s.u IS NOT NULL
			WHERE length(w.code) = 15 AND (w.state IN ('changed', 'retired')
			   OR EXISTS (SELECT 1 FROM adj_work c WHERE c.parent = w.code AND c.state <> 'same'))
			AND (w.state = 'retired' OR w.kind <> 'exclusive' OR NOT ST_Equals(w.geom, s.u))`,
			nil},
		{CheckEdgeMismatch, geo.SeverityWarning, `
			WITH pairs AS (
				SELECT a.code AS ac, b.code AS bc, a.geom AS ag, b.geom AS bg
				FROM adj_work a JOIN LATERAL (
					SELECT code, geom FROM adj_work WHERE state NOT IN ('retired', 'gone') AND code <> a.code AND length(code) = length(a.code)
					UNION ALL
					SELECT code, geom FROM grid_latest g WHERE length(code) = length(a.code) AND village <> ALL(@villages)
					AND NOT EXISTS (SELECT 1 FROM adj_work x WHERE x.code = g.code)) b
				ON a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'F***1****')
				WHERE a.` + changed + ` AND ST_IsValid(a.geom)),
			lack AS (
				SELECT ac, bc, p FROM (SELECT ac, bc, bg, (ST_DumpPoints(ag)).geom AS p FROM pairs) x
				WHERE ST_Intersects(ST_Boundary(bg), p) AND NOT ST_Intersects(ST_Points(bg), p)
				UNION ALL
				SELECT bc, ac, p FROM (SELECT ac, bc, ag, (ST_DumpPoints(bg)).geom AS p FROM pairs) x
				WHERE ST_Intersects(ST_Boundary(ag), p) AND NOT ST_Intersects(ST_Points(ag), p))
			SELECT ARRAY[bc, ac], ST_Collect(DISTINCT p), count(DISTINCT p)::float8, 0::float8, '' FROM lack GROUP BY ac, bc`,
			func(c []string, n, _ float64) string {
				return fmt.Sprintf("grid %s lacks %.0f vertex(es) of its shared edge with %s: the edge is not vertex-identical (edge matching gives neighbours the vertices an operation makes; this one was missing before, or lies off the edge by more than 0.1 mm)", c[0], n, c[1])
			}},
		{CheckCodeRule, geo.SeverityError, `
			SELECT ARRAY[w.code], ST_Multi(ST_PointOnSurface(w.geom)), 0::float8, 0::float8, ''
			FROM adj_work w
			WHERE w.state = 'new' AND (EXISTS (SELECT 1 FROM grid_code c WHERE c.code = w.code)
			   OR substr(w.code, 1, 12) <> w.village
			   OR (w.parent IS NULL AND (w.code !~ '^[0-9]{15}$' OR substr(w.code, 13) = '000'))
			   OR (w.parent IS NOT NULL AND (w.code !~ '^[0-9]{17}$' OR substr(w.code, 1, 15) <> w.parent OR substr(w.code, 16) = '00')))`,
			func(c []string, _, _ float64) string {
				return fmt.Sprintf("new code %s was issued before or breaks the code rules; codes are never reused (check the village's sequence counter)", c[0])
			}},
		{CheckRecordNoGrid, geo.SeverityError, `
			SELECT ARRAY[m.rt || '/' || m.id, m.old], ST_Multi(ST_Buffer(r.geom, 0.00001)), 0::float8, 0::float8, ''
			FROM adj_move m JOIN (SELECT 'household' AS rt, id, geom FROM household UNION ALL SELECT 'unit', id, geom FROM unit
			                      UNION ALL SELECT 'standard_address', id, geom FROM standard_address) r
			  ON r.rt = m.rt AND r.id = m.id
			WHERE m.new IS NULL`,
			func(c []string, _, _ float64) string {
				return fmt.Sprintf("%s (now in grid %s) would be in no grid afterwards", c[0], c[1])
			}},
		{CheckHouseholdBand, geo.SeverityWarning, `
			SELECT ARRAY[w.code], ST_Multi(ST_PointOnSurface(w.geom)), n.after::float8, 0::float8, ''
			FROM adj_work w,
			LATERAL (SELECT (SELECT count(*) FROM household h WHERE h.grid_code = w.code)
			              - (SELECT count(*) FROM adj_move m WHERE m.rt = 'household' AND m.old = w.code)
			              + (SELECT count(*) FROM adj_move m WHERE m.rt = 'household' AND m.new = w.code) AS after) n
			WHERE w.` + changed + ` AND w.kind = 'urban' AND (n.after < @low OR n.after > @high)`,
			func(c []string, a, _ float64) string {
				return fmt.Sprintf("urban grid %s would have %.0f households, outside the band the county set around 300", c[0], a)
			}},
	}
	multi := w.multi
	if multi == nil {
		multi = []string{}
	}
	args := map[string]any{"multi": multi, "villages": w.villages, "gap": w.opts.GapM2, "sliver": w.opts.SliverM,
		"low": w.opts.HouseholdsLow, "high": w.opts.HouseholdsHigh}
	for _, c := range checks {
		rows, err := w.tx.Query(ctx, c.sql, pgx.NamedArgs(args))
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", c.check, err)
		}
		for rows.Next() {
			var codes []string
			var loc orb.Geometry
			var a, b float64
			var note string
			if err := rows.Scan(&codes, store.ScanLocation(&loc), &a, &b, &note); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check %s: %w", c.check, err)
			}
			f := geo.Finding{Check: c.check, Severity: c.severity, Codes: codes, Location: loc}
			switch c.check {
			case geo.CheckInvalidGeometry:
				f.Message = fmt.Sprintf("grid %s would not be a valid polygon: %s", codes[0], note)
			case CheckNotContiguous:
				f.Message = fmt.Sprintf("grid %s would have %s separate parts; a grid is one piece", codes[0], note)
			case CheckSubgridNoFit:
				f.Message = fmt.Sprintf("the sub-grids of %s would no longer partition it (%s); adjust the sub-grids with it", codes[0], strings.TrimSpace(note))
			default:
				f.Message = c.msg(codes, a, b)
			}
			switch c.check {
			case geo.CheckGridOverlap, geo.CheckGridOutsideVillage, geo.CheckVillageGap, CheckSliver:
				f.AreaM2 = a
			}
			if c.check == geo.CheckVillageGap || c.check == CheckSliver {
				f.WidthM = b
			}
			out = append(out, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("check %s: %w", c.check, err)
		}
	}
	return out, nil
}
