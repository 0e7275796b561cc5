package store

import (
	"context"
	"fmt"
	"gridmap/geo"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// The geometric checks of Store.Check. Each is one set-based query (two
// for overlaps) on the check's transaction. Those that show pieces first
// pick the first MaxPerCheck offenders, counting them all, and only then
// compute the pieces to show, so a badly broken dataset does not make
// them compute thousands of intersections nobody reads. Gaps are the
// exception: whether a piece counts depends on its area.

// fixRe matches the FIXG(alias) and FIXA(alias) placeholders of the check
// queries, and their two-argument form FIXG(id, geom) for columns that are
// not named id (code) and geom.
var fixRe = regexp.MustCompile(`FIX([GA])\(([\w.]+)(?:, ([\w.]+))?\)`)

// fixSQL expands FIXG(x) to grid x's geometry and FIXA(x) to area x's
// geometry, repaired with ST_MakeValid when the invalid-geometry check
// found them invalid (GEOS fails or answers nonsense on invalid input, and
// the repaired shape still shows where the grid is). The placeholders
// only ever name columns of constant queries.
func fixSQL(q string) string {
	return fixRe.ReplaceAllStringFunc(q, func(m string) string {
		p := fixRe.FindStringSubmatch(m)
		key, geom, list := p[2]+".id", p[2]+".geom", "@bad_grids::bigint[]"
		if p[1] == "A" {
			key, list = p[2]+".code", "@bad_areas::text[]"
		}
		if p[3] != "" {
			key, geom = p[2], p[3]
		}
		return fmt.Sprintf("(CASE WHEN %s = ANY(%s) THEN ST_Multi(ST_CollectionExtract(ST_MakeValid(%s), 3)) ELSE %s END)",
			key, list, geom, geom)
	})
}

// args returns the named arguments every check query may use.
func (c *checkRun) args() pgx.NamedArgs {
	grids, areas := c.invalidGrids, c.invalidAreas
	if grids == nil {
		grids = []int64{}
	}
	if areas == nil {
		areas = []string{}
	}
	return pgx.NamedArgs{
		"bad_grids": grids,
		"bad_areas": areas,
		"max":       c.opts.MaxPerCheck,
		"tol":       c.opts.GapToleranceM2,
	}
}

func checkInvalid(ctx context.Context, c *checkRun) error {
	rows, err := c.tx.Query(ctx, `
		SELECT what, id, code, coalesce((d).reason, 'empty geometry'), (d).location
		FROM (
			SELECT CASE length(code) WHEN 15 THEN 'grid' ELSE 'sub-grid' END AS what, id, code,
			       ST_IsValidDetail(geom) AS d, ST_IsEmpty(geom) AS empty
			FROM grid_current
			UNION ALL
			SELECT level, 0, code, ST_IsValidDetail(geom), ST_IsEmpty(geom)
			FROM area WHERE geom IS NOT NULL) s
		WHERE NOT (d).valid OR empty
		ORDER BY code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var what, code, reason string
		var id int64
		var loc orb.Geometry
		if err := rows.Scan(&what, &id, &code, &reason, LocationScanner{&loc}); err != nil {
			return err
		}
		if id != 0 {
			c.invalidGrids = append(c.invalidGrids, id)
		} else {
			c.invalidAreas = append(c.invalidAreas, code)
		}
		msg := fmt.Sprintf("%s %s has an invalid boundary: %s", what, code, reason)
		if loc != nil {
			msg += " at " + geo.NearText(loc)
		}
		c.add(geo.Finding{Codes: []string{code}, Message: msg, Location: loc})
	}
	return rows.Err()
}

// scanPieces reads rows of (codes, note, total, piece, area m²) and adds
// a finding for each, worded by msg.
func scanPieces(ctx context.Context, c *checkRun, sql string, args pgx.NamedArgs, msg func(codes []string, note string, areaM2 float64) string) error {
	base := c.cur.Count
	rows, err := c.tx.Query(ctx, fixSQL(sql), args)
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var codes []string
		var note string
		var loc orb.Geometry
		var area *float64
		if err := rows.Scan(&codes, &note, &total, LocationScanner{&loc}, &area); err != nil {
			return err
		}
		f := geo.Finding{Codes: codes, Location: loc}
		if area != nil {
			f.AreaM2 = *area
		}
		f.Message = msg(codes, note, f.AreaM2)
		if loc != nil {
			f.Message += " near " + geo.NearText(loc)
		}
		c.add(f)
	}
	c.setCount(base + total)
	return rows.Err()
}

// candidatePairs lists the pairs of current grid versions whose boxes
// meet: ids ida and idb, codes ca and cb, geometries ga and gb. The callers wrap it in "OFFSET 0" so that PostgreSQL plans it
// alone: given "a.code < b.code" and the costly ST_Relate in the same
// query, it ANDs the GiST box probe with a probe of the code index that
// returns half the table every time (measured: 82 s instead of 3 s on the
// whole demo city).
const candidatePairs = `
			SELECT a.id AS ida, b.id AS idb, a.code AS ca, b.code AS cb, a.geom AS ga, b.geom AS gb
			FROM grid_current a
			JOIN grid_current b ON a.geom && b.geom AND a.id <> b.id`

func checkGridOverlap(ctx context.Context, c *checkRun) error {
	return overlaps(ctx, c, `
		SELECT ida, idb FROM (`+candidatePairs+`
			WHERE length(a.code) = 15 AND length(b.code) = 15
			OFFSET 0) p
		WHERE p.ca < p.cb AND ST_Relate(FIXG(p.ida, p.ga), FIXG(p.idb, p.gb), '2********')
		ORDER BY p.ca, p.cb`,
		func(codes []string, _ string, area float64) string {
			return fmt.Sprintf("grids %s and %s overlap by %s", codes[0], codes[1], geo.FormatM2(area))
		})
}

func checkSubgridOverlap(ctx context.Context, c *checkRun) error {
	return overlaps(ctx, c, `
		SELECT ida, idb FROM (`+candidatePairs+`
			WHERE length(a.code) = 17 AND length(b.code) = 17 AND a.parent_grid = b.parent_grid
			OFFSET 0) p
		WHERE p.ca < p.cb AND ST_Relate(FIXG(p.ida, p.ga), FIXG(p.idb, p.gb), '2********')
		ORDER BY p.ca, p.cb`,
		func(codes []string, _ string, area float64) string {
			return fmt.Sprintf("sub-grids %s and %s of exclusive grid %s overlap by %s",
				codes[0], codes[1], codes[0][:15], geo.FormatM2(area))
		})
}

// overlaps runs pairsSQL, which lists the (id, id) pairs of grid versions
// whose interiors intersect, remembers every grid involved (for the record
// check), and computes the overlap pieces of the first MaxPerCheck pairs.
func overlaps(ctx context.Context, c *checkRun, pairsSQL string, msg func(codes []string, note string, areaM2 float64) string) error {
	rows, err := c.tx.Query(ctx, fixSQL(pairsSQL), c.args())
	if err != nil {
		return err
	}
	var as, bs []int64
	seen := make(map[int64]bool)
	total := 0
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return err
		}
		total++
		if len(as) < c.opts.MaxPerCheck {
			as, bs = append(as, a), append(bs, b)
		}
		for _, id := range []int64{a, b} {
			if !seen[id] {
				seen[id] = true
				c.overlapGrids = append(c.overlapGrids, id)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if total == 0 {
		return nil
	}
	args := c.args()
	args["as"], args["bs"], args["total"] = as, bs, total
	return scanPieces(ctx, c, `
		SELECT ARRAY[a.code, b.code], '', @total::int, x.geom, `+AreaM2SQL("x.geom")+`
		FROM unnest(@as::bigint[], @bs::bigint[]) WITH ORDINALITY AS p(ida, idb, n)
		JOIN grid a ON a.id = p.ida JOIN grid b ON b.id = p.idb,
		LATERAL (SELECT ST_CollectionExtract(ST_Intersection(FIXG(a), FIXG(b)), 3) AS geom) x
		ORDER BY p.n`, args, msg)
}

func checkGridOutside(ctx context.Context, c *checkRun) error {
	return scanPieces(ctx, c, `
		WITH p AS (
			SELECT g.id, g.code, g.village, count(*) OVER () AS total
			FROM grid_current g JOIN area v ON v.code = g.village
			WHERE length(g.code) = 15 AND v.geom IS NOT NULL
			  AND NOT ST_CoveredBy(FIXG(g), FIXA(v))
			ORDER BY g.code
			LIMIT @max)
		SELECT ARRAY[p.code, p.village], '', p.total, x.geom, `+AreaM2SQL("x.geom")+`
		FROM p JOIN grid g ON g.id = p.id JOIN area v ON v.code = p.village,
		LATERAL (SELECT ST_CollectionExtract(ST_Difference(FIXG(g), FIXA(v)), 3) AS geom) x
		ORDER BY p.code`, c.args(),
		func(codes []string, _ string, area float64) string {
			return fmt.Sprintf("grid %s sticks out of its village %s by %s", codes[0], codes[1], geo.FormatM2(area))
		})
}

func checkSubgridOutside(ctx context.Context, c *checkRun) error {
	// A sub-grid whose parent has no current version, or whose parent is
	// not exclusive, is outside any valid parent: the whole sub-grid is
	// the piece shown.
	return scanPieces(ctx, c, `
		WITH p AS (
			SELECT s.id AS ids, par.id AS idp, s.code, s.parent_grid,
			       par.id IS NULL AS orphan, coalesce(par.kind, '') AS pkind, count(*) OVER () AS total
			FROM grid_current s LEFT JOIN grid_current par ON par.code = s.parent_grid
			WHERE length(s.code) = 17
			  AND (par.id IS NULL OR par.kind <> 'exclusive' OR NOT ST_CoveredBy(FIXG(s), FIXG(par)))
			ORDER BY s.code
			LIMIT @max)
		SELECT ARRAY[p.code, p.parent_grid],
		       CASE WHEN p.orphan THEN 'orphan' WHEN p.pkind <> 'exclusive' THEN p.pkind ELSE '' END,
		       p.total, x.geom, `+AreaM2SQL("x.geom")+`
		FROM p JOIN grid s ON s.id = p.ids LEFT JOIN grid par ON par.id = p.idp,
		LATERAL (SELECT CASE WHEN p.orphan OR p.pkind <> 'exclusive' THEN FIXG(s)
		                     ELSE ST_CollectionExtract(ST_Difference(FIXG(s), FIXG(par)), 3) END AS geom) x
		ORDER BY p.code`, c.args(),
		func(codes []string, note string, area float64) string {
			switch note {
			case "":
				return fmt.Sprintf("sub-grid %s sticks out of its exclusive grid %s by %s", codes[0], codes[1], geo.FormatM2(area))
			case "orphan":
				return fmt.Sprintf("sub-grid %s has no current parent grid: %s has no current version", codes[0], codes[1])
			default:
				return fmt.Sprintf("sub-grid %s lies in grid %s, which is a %s grid, not an exclusive one", codes[0], codes[1], note)
			}
		})
}

// scanGaps reads rows of (code, total, piece, area m², perimeter m).
func scanGaps(ctx context.Context, c *checkRun, pieces string, msg func(code string, area, width float64) string) error {
	// pieces ends with a CTE d(code, geom) of the uncovered pieces; the
	// polygonal ones at or above the tolerance are the gaps.
	sql := pieces + `,
		a AS (
			SELECT code, geom, ` + AreaM2SQL("geom") + ` AS area
			FROM d WHERE ST_Dimension(geom) = 2),
		p AS (
			SELECT code, geom, area, count(*) OVER () AS total
			FROM a WHERE area >= @tol
			ORDER BY code, area DESC
			LIMIT @max)
		SELECT code, total, geom, area, ST_Perimeter(geom::geography)
		FROM p ORDER BY code, area DESC`
	base := c.cur.Count
	rows, err := c.tx.Query(ctx, fixSQL(sql), c.args())
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var code string
		var loc orb.Geometry
		var area, perim float64
		if err := rows.Scan(&code, &total, LocationScanner{&loc}, &area, &perim); err != nil {
			return err
		}
		f := geo.Finding{Codes: []string{code}, Location: loc, AreaM2: area}
		if perim > 0 {
			f.WidthM = 2 * area / perim
		}
		f.Message = msg(code, area, f.WidthM)
		if loc != nil {
			f.Message += " near " + geo.NearText(loc)
		}
		c.add(f)
	}
	c.setCount(base + total)
	return rows.Err()
}

func checkVillageGap(ctx context.Context, c *checkRun) error {
	return scanGaps(ctx, c, `
		WITH u AS (
			SELECT g.village, ST_Union(FIXG(g)) AS geom
			FROM grid_current g WHERE length(g.code) = 15
			GROUP BY g.village),
		d AS (
			SELECT v.code, (ST_Dump(ST_Difference(FIXA(v), u.geom))).geom AS geom
			FROM area v JOIN u ON u.village = v.code
			WHERE v.level = 'village' AND v.geom IS NOT NULL)`,
		func(code string, area, width float64) string {
			return fmt.Sprintf("village %s has a gap of %s (about %s wide) covered by none of its grids", code, geo.FormatM2(area), geo.FormatMetres(width))
		})
}

func checkVillageWithoutGrids(ctx context.Context, c *checkRun) error {
	base := c.cur.Count
	rows, err := c.tx.Query(ctx, `
		SELECT v.code, count(*) OVER (), ST_PointOnSurface(v.geom), `+AreaM2SQL("v.geom")+`
		FROM area v
		WHERE v.level = 'village' AND v.geom IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM grid_current g WHERE g.village = v.code AND length(g.code) = 15)
		ORDER BY v.code
		LIMIT @max`, c.args())
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var code string
		var loc orb.Geometry
		var area float64
		if err := rows.Scan(&code, &total, LocationScanner{&loc}, &area); err != nil {
			return err
		}
		c.add(geo.Finding{Codes: []string{code}, Location: loc, AreaM2: area,
			Message: fmt.Sprintf("village %s (%s) has a boundary but no current grid", code, geo.FormatM2(area))})
	}
	c.setCount(base + total)
	return rows.Err()
}

func checkSubgridGap(ctx context.Context, c *checkRun) error {
	return scanGaps(ctx, c, `
		WITH u AS (
			SELECT s.parent_grid, ST_Union(FIXG(s)) AS geom
			FROM grid_current s WHERE length(s.code) = 17
			GROUP BY s.parent_grid),
		d AS (
			SELECT p.code, (ST_Dump(ST_Difference(FIXG(p), u.geom))).geom AS geom
			FROM grid_current p JOIN u ON u.parent_grid = p.code
			WHERE length(p.code) = 15 AND p.kind = 'exclusive')`,
		func(code string, area, width float64) string {
			return fmt.Sprintf("exclusive grid %s has a gap of %s (about %s wide) covered by none of its sub-grids", code, geo.FormatM2(area), geo.FormatMetres(width))
		})
}

func checkAreaOutside(ctx context.Context, c *checkRun) error {
	return scanPieces(ctx, c, `
		WITH p AS (
			SELECT c.code, c.level, c.parent, count(*) OVER () AS total
			FROM area c JOIN area par ON par.code = c.parent
			WHERE c.geom IS NOT NULL AND par.geom IS NOT NULL
			  AND NOT ST_CoveredBy(FIXA(c), FIXA(par))
			ORDER BY c.code
			LIMIT @max)
		SELECT ARRAY[p.code, p.parent], p.level, p.total, x.geom, `+AreaM2SQL("x.geom")+`
		FROM p JOIN area c ON c.code = p.code JOIN area par ON par.code = p.parent,
		LATERAL (SELECT ST_CollectionExtract(ST_Difference(FIXA(c), FIXA(par)), 3) AS geom) x
		ORDER BY p.code`, c.args(),
		func(codes []string, level string, area float64) string {
			return fmt.Sprintf("%s %s sticks out of its parent %s by %s", level, codes[0], codes[1], geo.FormatM2(area))
		})
}
