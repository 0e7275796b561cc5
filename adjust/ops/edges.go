package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Edge matching. The operations rebuild each container they touch from
// one noded linework, so grids of that container share their edges vertex
// for vertex. A new node can also land on an edge the container shares
// with something outside it: where a cutting line meets a village
// boundary, the grid of the other village (and the village, town or
// county boundaries along that edge) lacks the node, and the node — an
// intersection rounded to floats, a hair off the old segment — makes the
// two grids overlap or part by ~0 m². So after the operations every grid,
// sub-grid and area whose boundary passes within edgeTolDeg of a vertex of
// a grid the operations changed or made gets that vertex inserted
// (ST_Snap: the vertex itself, bit for bit, in the segment it lies on):
// a new version with the same code, kind and name, and a geometry
// otherwise identical. Grids changed only so are marked matched.

// edgeTolDeg is how close (degrees, ≈0.1 mm) a vertex must lie to an edge
// to be inserted in it: far above the rounding of a computed node
// (≈1e-14°), far below anything drawn.
const edgeTolDeg = 1e-9

// edgeMatch inserts the new vertices of the grids the operations changed
// or made into the other grids, sub-grids and areas whose edges they lie
// on.
func (w *Work) edgeMatch(ctx context.Context) error {
	stmts := []struct{ what, sql string }{
		// The new vertices: those of the changed and new grids that no
		// grid of the work had before (a vertex that was there already,
		// matched or not, is left as the data had it).
		{"nodes", `
			WITH now AS (
				SELECT DISTINCT ST_X(d.geom) AS x, ST_Y(d.geom) AS y
				FROM adj_work w, ST_DumpPoints(w.geom) d WHERE w.state IN ('changed', 'new') AND w.geom IS NOT NULL),
			was AS (
				SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y FROM adj_work w, ST_DumpPoints(w.old_geom) d WHERE w.old_geom IS NOT NULL)
			INSERT INTO adj_node (p)
			SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) FROM (SELECT x, y FROM now EXCEPT SELECT x, y FROM was) n`},
		// Rows of the work: grids of the villages loaded, and their sub-grids.
		{"match loaded grids", `
			WITH n AS (
				SELECT w.code, ST_Collect(n.p) AS pts
				FROM adj_work w JOIN adj_node n ON w.geom && ST_Expand(n.p, $1) AND ST_DWithin(w.geom, n.p, $1)
				WHERE w.state NOT IN ('retired', 'gone') AND w.geom IS NOT NULL
				GROUP BY w.code),
			s AS (SELECT w.code, ST_Multi(ST_Snap(w.geom, n.pts, $1)) AS g FROM n JOIN adj_work w USING (code))
			UPDATE adj_work w SET geom = s.g,
				matched = w.state = 'same',
				state = CASE WHEN w.state = 'same' THEN 'changed' ELSE w.state END
			FROM s WHERE w.code = s.code AND NOT ST_OrderingEquals(s.g, w.geom)`},
		// Grids and sub-grids of other villages.
		{"match other grids", `
			WITH n AS (
				SELECT g.id, ST_Collect(n.p) AS pts
				FROM grid_latest g JOIN adj_node n ON g.geom && ST_Expand(n.p, $1) AND ST_DWithin(g.geom, n.p, $1)
				WHERE NOT EXISTS (SELECT 1 FROM adj_work x WHERE x.code = g.code)
				GROUP BY g.id),
			s AS (SELECT g.id, ST_Multi(ST_Snap(g.geom, n.pts, $1)) AS g FROM n JOIN grid g USING (id))
			INSERT INTO adj_work (code, kind, name, village, parent, geom, old_geom, old_kind, old_name, state, matched)
			SELECT g.code, g.kind, g.name, g.village, g.parent_grid, s.g, g.geom, g.kind, g.name, 'changed', true
			FROM s JOIN grid g USING (id)
			WHERE NOT ST_OrderingEquals(s.g, g.geom)`},
		// Villages, towns, counties and the city. A node inside an area
		// is on no boundary of it, so only the nodes near a boundary.
		{"match areas", `
			INSERT INTO adj_area (code, nodes, geom, old_geom)
			SELECT code, nodes, g, geom FROM (
				SELECT code, nodes, geom, ST_Multi(ST_Snap(geom, nodes, $1)) AS g FROM (
					SELECT a.code, a.geom, (SELECT ST_Collect(n.p) FROM adj_node n
						WHERE a.geom && ST_Expand(n.p, $1) AND ST_DWithin(b.b, n.p, $1)) AS nodes
					FROM area a, LATERAL (SELECT ST_Boundary(a.geom) AS b OFFSET 0) b
					WHERE a.geom IS NOT NULL AND a.geom && (SELECT ST_Expand(ST_Extent(p), $1) FROM adj_node)) x
				WHERE nodes IS NOT NULL) y
			WHERE NOT ST_OrderingEquals(g, geom)`},
	}
	added := int64(0)
	for _, st := range stmts {
		var args []any
		if st.what != "nodes" {
			args = []any{edgeTolDeg}
		}
		tag, err := w.tx.Exec(ctx, st.sql, args...)
		if err != nil {
			return fmt.Errorf("edge matching: %s: %w", st.what, err)
		}
		if st.what == "nodes" && tag.RowsAffected() == 0 {
			return nil // no new vertex: nothing to match
		}
		if st.what == "match other grids" {
			added = tag.RowsAffected()
		}
	}
	if added > 0 {
		// The checks join adj_work; let the planner know its new rows.
		if _, err := w.tx.Exec(ctx, `ANALYZE adj_work`); err != nil {
			return fmt.Errorf("edge matching: %w", err)
		}
	}
	return nil
}

// touchedVillages returns the villages whose grids or boundary the work
// changes (after edgeMatch: also those of matched neighbours), sorted.
func (w *Work) touchedVillages(ctx context.Context) ([]geo.Code, error) {
	var vs []geo.Code
	err := w.tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}') FROM (
		SELECT village AS v FROM adj_work WHERE state <> 'same'
		UNION ALL SELECT a.code FROM adj_area x JOIN area a USING (code) WHERE a.level = 'village') t`).Scan(&vs)
	if err != nil {
		return nil, fmt.Errorf("touched villages: %w", err)
	}
	return vs, nil
}

// NeighbourVillages returns the villages (the given ones included) whose
// boundary comes within the edge tolerance of the given villages: those
// whose grids an operation in them may edge-match. An apply locks them
// all before it runs the operations.
func NeighbourVillages(ctx context.Context, tx pgx.Tx, villages []geo.Code) ([]geo.Code, error) {
	var out []geo.Code
	err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT c ORDER BY c), '{}') FROM (
			SELECT unnest($1::text[]) AS c
			UNION ALL
			SELECT n.code FROM area v JOIN area n ON n.level = 'village' AND n.geom && ST_Expand(v.geom, $2) AND ST_DWithin(v.geom, n.geom, $2)
			WHERE v.code = ANY($1)) x`,
		villages, edgeTolDeg).Scan(&out)
	if err != nil {
		return nil, fmt.Errorf("neighbour villages: %w", err)
	}
	return out, nil
}

// areaNodesSQL adds the nodes of adj_area (or, for a switch, of
// adj_pending_area) to the locked area rows, snapping them onto the
// boundary as it is now (another writer may have added vertices since).
const areaNodesSQL = `UPDATE area a SET geom = ST_Multi(ST_Snap(a.geom, x.nodes, $1)) FROM %s x WHERE a.code = x.code%s`

// setAreaAt dates the area versions the transaction writes from now on
// (the trigger on area reads gridmap.area_at): at, the effective time of
// the proposal whose vertices they take, like its grid versions.
func setAreaAt(ctx context.Context, tx pgx.Tx, at time.Time) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('gridmap.area_at', $1::timestamptz::text, true)`, at); err != nil {
		return fmt.Errorf("date area versions: %w", err)
	}
	return nil
}

// writeAreas adds the work's area nodes to the area rows, locking them in
// code order first (every village row is locked already; towns, counties
// and the city are locked only here, after all villages). The areas'
// new versions start at eff.
func (w *Work) writeAreas(ctx context.Context, eff time.Time) error {
	// NO KEY UPDATE: the codes stay, so an import inserting children of
	// these areas (a key share lock) is not held up.
	if _, err := w.tx.Exec(ctx, `SELECT a.code FROM area a JOIN adj_area x USING (code) ORDER BY a.code FOR NO KEY UPDATE OF a`); err != nil {
		return fmt.Errorf("lock areas: %w", err)
	}
	if err := setAreaAt(ctx, w.tx, eff); err != nil {
		return err
	}
	if _, err := w.tx.Exec(ctx, fmt.Sprintf(areaNodesSQL, "adj_area", ""), edgeTolDeg); err != nil {
		return fmt.Errorf("match areas: %w", err)
	}
	return nil
}

// LockMore locks the villages the work touches that are not in locked
// (a neighbour further than NeighbourVillages foresaw: it cannot happen
// while grids stay inside their villages, but then writing unlocked would
// be worse than a rare wait).
func (w *Work) LockMore(ctx context.Context, locked []geo.Code) error {
	touched, err := w.touchedVillages(ctx)
	if err != nil {
		return err
	}
	have := map[geo.Code]bool{}
	for _, v := range locked {
		have[v] = true
	}
	var more []geo.Code
	for _, v := range touched {
		if !have[v] {
			more = append(more, v)
		}
	}
	if len(more) == 0 {
		return nil
	}
	return store.LockVillages(ctx, w.tx, more)
}
