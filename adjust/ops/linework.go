package ops

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// Every geometric operation rebuilds its container (a village, or the
// exclusive grid of sub-grids) from one noded linework — the boundaries of
// its grids and of the container, plus the operation's line or polygon
// snapped to them — polygonized into faces (faces); each face keeps the
// grid that held it unless the operation gives it to another, and each
// grid becomes the union of its faces (rebuild). Shared edges therefore
// stay identical vertex for vertex (a neighbour picks up a node where a
// cutting line meets its edge), and no two grids are ever intersected
// independently, so there are no float-noise slivers (pieces computed
// separately round a shared boundary point differently; see the package
// comment).

// faces rebuilds adj_face for village v from the linework of its live
// grids (except those in pair, whose outer boundary is used instead, so
// their shared edge disappears), the village boundary, and extra (a
// geometry expression over $2, snapped and clipped to clip when given).
// Each face gets the grid holding its point on surface as owner.
func (w *Work) faces(ctx context.Context, v geo.Code, extra any, clip []geo.Code, pair []geo.Code) error {
	if pair == nil {
		pair = []geo.Code{}
	}
	if clip == nil {
		clip = []geo.Code{}
	}
	if _, err := w.tx.Exec(ctx, `TRUNCATE adj_face`); err != nil {
		return err
	}
	_, err := w.tx.Exec(ctx, `
		WITH base AS (
			SELECT ST_Boundary(geom) AS g FROM adj_work
			WHERE `+containerSQL+` = $1 AND state NOT IN ('retired', 'gone') AND code <> ALL($4)
			UNION ALL
			SELECT ST_Boundary(ST_Union(geom)) FROM adj_work WHERE code = ANY($4) HAVING count(*) > 0
			UNION ALL
			-- the container: a village, or the exclusive grid of sub-grids
			SELECT ST_Boundary(geom) FROM area WHERE code = $1
			UNION ALL
			SELECT ST_Boundary(geom) FROM adj_work WHERE code = $1 AND state NOT IN ('retired', 'gone')),
		ref AS (SELECT ST_Collect(g) AS g FROM base),
		ex AS (
			SELECT CASE WHEN $2::geometry IS NULL THEN NULL
			       WHEN cardinality($5::text[]) = 0 THEN ST_Snap(lines.g, ref.g, $3)
			       ELSE ST_Intersection(ST_Snap(lines.g, ref.g, $3),
			            (SELECT ST_Buffer(ST_Union(geom), $3 * 4) FROM adj_work WHERE code = ANY($5)))
			       END AS g
			FROM ref, (SELECT CASE WHEN ST_Dimension($2::geometry) = 2 THEN ST_Boundary(ST_SetSRID($2::geometry, 4326))
			                       ELSE ST_SetSRID($2::geometry, 4326) END AS g) lines),
		noded AS (
			SELECT ST_UnaryUnion(ST_Collect(g)) AS g
			FROM (SELECT g FROM base UNION ALL SELECT g FROM ex WHERE g IS NOT NULL) x)
		INSERT INTO adj_face (geom)
		SELECT (ST_Dump(ST_Polygonize(g))).geom FROM noded`,
		v, extra, w.snapDeg(), pair, clip)
	if err != nil {
		return fmt.Errorf("node linework of village %s: %w", v, err)
	}
	_, err = w.tx.Exec(ctx, `
		UPDATE adj_face f SET pt = ST_PointOnSurface(f.geom),
			owner = (SELECT min(w.code) FROM adj_work w
			         WHERE `+containerSQL+` = $1 AND w.state NOT IN ('retired', 'gone') AND ST_Covers(w.geom, ST_PointOnSurface(f.geom)))`, v)
	if err != nil {
		return fmt.Errorf("faces of village %s: %w", v, err)
	}
	_, err = w.tx.Exec(ctx, `UPDATE adj_face SET new_owner = owner`)
	return err
}

// rebuild makes every live grid of village v the union of its faces. A
// grid whose shape and vertex count did not change keeps its geometry
// exactly; any other becomes 'changed' (codes kept) unless it is new.
func (w *Work) rebuild(ctx context.Context, v geo.Code) error {
	_, err := w.tx.Exec(ctx, `
		WITH r AS (
			SELECT new_owner AS code, ST_Multi(ST_Union(geom)) AS g FROM adj_face
			WHERE new_owner IS NOT NULL GROUP BY new_owner)
		UPDATE adj_work w SET
			geom = CASE WHEN w.geom IS NOT NULL AND ST_NPoints(r.g) = ST_NPoints(w.geom) AND ST_Equals(r.g, w.geom)
			            THEN w.geom ELSE r.g END,
			state = CASE WHEN w.state = 'same' AND NOT (ST_NPoints(r.g) = ST_NPoints(w.geom) AND ST_Equals(r.g, w.geom))
			             THEN 'changed' ELSE w.state END
		FROM r WHERE w.code = r.code AND `+containerSQL+` = $1`, v)
	if err != nil {
		return fmt.Errorf("rebuild village %s: %w", v, err)
	}
	// A live grid left without faces lost all its area to another; the
	// finding is located on the area it had.
	rows, err := w.tx.Query(ctx, `SELECT code, ST_Multi(coalesce(geom, old_geom)) FROM adj_work w
		WHERE `+containerSQL+` = $1 AND state NOT IN ('retired', 'gone')
		AND NOT EXISTS (SELECT 1 FROM adj_face f WHERE f.new_owner = w.code) ORDER BY code`, v)
	if err != nil {
		return fmt.Errorf("rebuild village %s: %w", v, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var loc orb.MultiPolygon
		if err := rows.Scan(&c, store.ScanMultiPolygon(&loc)); err != nil {
			return fmt.Errorf("rebuild village %s: %w", v, err)
		}
		f := geo.Finding{Check: CheckOperation, Severity: geo.SeverityError, Codes: []string{c},
			Message: fmt.Sprintf("grid %s would lose all its area; retire it instead (with the grids that take its area)", c)}
		if loc != nil {
			f.Location = loc
		}
		w.findings = append(w.findings, f)
	}
	return rows.Err()
}
