package adjust

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The adjustment work area. A proposal's operations run, in order, on a
// temporary table (adj_work) holding the current 15-digit grids of every
// village they touch. Every geometric operation rebuilds the village from
// one noded linework — the boundaries of its grids and of the village,
// plus the operation's line or polygon snapped to them — polygonized into
// faces; each face keeps the grid that held it unless the operation gives
// it to another, and each grid becomes the union of its faces. Shared
// edges therefore stay identical vertex for vertex (a neighbour picks up a
// node where a cutting line meets its edge), and no two grids are ever
// intersected independently, so there are no float-noise slivers.
//
// The temporary tables are dropped at the end of the transaction: a
// preview rolls back, an apply writes the result out and commits.

// Options are the tolerances of the engine. The zero value asks for
// the defaults.
type Options struct {
	// SnapM is how far (metres) a drawn line or polygon vertex is moved
	// onto an existing boundary vertex or edge. Default 0.5 m.
	SnapM float64
	// SliverM is the narrowest width (metres) a grid part may have.
	// Default 2 m.
	SliverM float64
	// GapM2 is the smallest gap (square metres) reported. Default 0.01 m².
	GapM2 float64
	// HouseholdsLow and HouseholdsHigh bound the households of an urban
	// comprehensive grid (Art. 7: about 300); outside is a warning.
	// Defaults 200 and 400.
	HouseholdsLow, HouseholdsHigh int
	// AfterOps, when set, runs on the transaction after the operations and
	// before the moves and checks. It is for tests that plant violations
	// in the work table adj_work; production code leaves it nil.
	AfterOps func(ctx context.Context, tx pgx.Tx) error
}

func (o Options) withDefaults() Options {
	if o.SnapM <= 0 {
		o.SnapM = 0.5
	}
	if o.SliverM <= 0 {
		o.SliverM = 2
	}
	if o.GapM2 <= 0 {
		o.GapM2 = store.DefaultGapToleranceM2
	}
	if o.HouseholdsLow <= 0 {
		o.HouseholdsLow = 200
	}
	if o.HouseholdsHigh <= 0 {
		o.HouseholdsHigh = 400
	}
	return o
}

// metresPerDegree is the length of a degree of latitude; distances given
// in metres become degrees by dividing by it (conservative for longitude).
const metresPerDegree = 111320.0

// OpError says why an operation cannot be carried out (a grid that is not
// current, a line that does not cut the grid, ...). Index is the
// operation's position in the proposal, from 0.
type OpError struct {
	Index int
	Op    string
	Msg   string
	// Codes are the grids (or, for create, the village) the operation
	// names. Set by the evaluation, like Location and Findings.
	Codes []string
	// Location is where a map shows the failure: the operation's own
	// line or polygon, else the grids it names (else their village).
	Location orb.Geometry
	// Findings are the located findings the operations gathered before
	// this one failed (a create's overlaps, say): they still say what to
	// fix, so they are not dropped with the run.
	Findings []geo.Finding
}

func (e *OpError) Error() string { return fmt.Sprintf("operation %d (%s): %s", e.Index+1, e.Op, e.Msg) }

// Finding is the failure as a located error finding (check "operation").
func (e *OpError) Finding() geo.Finding {
	codes := e.Codes
	if codes == nil {
		codes = []string{}
	}
	return geo.Finding{Check: CheckOperation, Severity: geo.SeverityError, Codes: codes, Message: e.Error(), Location: e.Location}
}

// AllFindings are the findings gathered before the failure followed by
// the failure itself: everything a planner has to fix, in order.
func (e *OpError) AllFindings() []geo.Finding {
	return append(append([]geo.Finding{}, e.Findings...), e.Finding())
}

// locateOpError fills in what the evaluation knows of a failed operation:
// the codes it names, a location and the findings gathered so far. The
// location is looked up on tx (the work table first: a grid made earlier
// in the proposal is only there); a lookup that fails leaves it nil, as
// the failure itself is what matters.
func locateOpError(ctx context.Context, tx pgx.Tx, ops []Op, e *OpError, findings []geo.Finding) {
	e.Findings = append(e.Findings, findings...)
	if e.Index < 0 || e.Index >= len(ops) {
		return
	}
	op := ops[e.Index]
	var codes []string
	for _, c := range append(append([]geo.Code{}, op.Grids...), op.To...) {
		codes = append(codes, string(c))
	}
	if len(codes) == 0 && op.Village != "" {
		codes = []string{string(op.Village)}
	}
	if e.Codes == nil {
		e.Codes = codes
	}
	if e.Location != nil {
		return
	}
	if op.Geometry != nil && op.Geometry.Coordinates != nil {
		e.Location = op.Geometry.Coordinates
		return
	}
	var mp orb.MultiPolygon
	for _, p := range op.Parts {
		if p.Geometry == nil {
			continue
		}
		switch g := p.Geometry.Coordinates.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		}
	}
	if len(mp) > 0 {
		e.Location = mp
		return
	}
	if len(codes) == 0 {
		return
	}
	villages := make([]string, 0, len(codes))
	for _, c := range codes {
		v := geo.Code(c)
		if v.Level() != geo.LevelVillage {
			v = v.Village()
		}
		villages = append(villages, string(v))
	}
	// In a savepoint, so that a look-up that fails leaves the caller's
	// transaction as it was.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return
	}
	defer sp.Rollback(ctx)
	var loc orb.MultiPolygon
	if err := sp.QueryRow(ctx, `SELECT ST_Multi(ST_Union(g)) FROM (
			SELECT coalesce(w.geom, w.old_geom) AS g FROM adj_work w WHERE w.code = ANY($1)
			UNION ALL SELECT geom FROM grid_latest g WHERE g.code = ANY($1) AND NOT EXISTS (SELECT 1 FROM adj_work w WHERE w.code = g.code)) x
		HAVING count(g) > 0
		UNION ALL
		SELECT ST_Multi(ST_Union(geom)) FROM area WHERE code = ANY($2) AND geom IS NOT NULL HAVING count(*) > 0
		LIMIT 1`, codes, villages).Scan(store.ScanMultiPolygon(&loc)); err == nil && loc != nil {
		e.Location = loc
	}
}

// work is one run of a proposal's operations inside a transaction.
type work struct {
	tx       pgx.Tx
	opts     Options
	villages []geo.Code       // villages loaded into adj_work, sorted
	next     map[geo.Code]int // next free grid sequence per village
	lineage  [][2]geo.Code
	findings []geo.Finding
	opNew    []geo.Code   // codes issued by the running operation
	made     [][]geo.Code // codes issued by each operation run, in order
	ops      []Op         // the operations, references resolved as far as run
	multi    []string     // grids allowed several parts (Op.Multipart)
	created  []string     // grids drawn on a gap (create)
}

// workDDL creates the work tables once per session (connection): creating
// temporary tables in every transaction costs more than a preview's
// queries. Their rows go at commit, or with the rollback of a preview.
const workDDL = `
CREATE TEMP TABLE IF NOT EXISTS adj_work (
	code     text PRIMARY KEY,
	kind     text NOT NULL,
	name     text NOT NULL,
	village  text NOT NULL,
	parent   text,
	geom     geometry,
	old_geom geometry,
	old_kind text,
	old_name text,
	state    text NOT NULL DEFAULT 'same',
	matched  boolean NOT NULL DEFAULT false
) ON COMMIT DELETE ROWS;
CREATE INDEX IF NOT EXISTS adj_work_geom ON adj_work USING gist (geom);
CREATE TEMP TABLE IF NOT EXISTS adj_face (
	id        serial PRIMARY KEY,
	geom      geometry NOT NULL,
	pt        geometry,
	owner     text,
	new_owner text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS adj_move (
	rt  text NOT NULL,
	id  bigint NOT NULL,
	old text NOT NULL,
	new text
) ON COMMIT DELETE ROWS;
CREATE INDEX IF NOT EXISTS adj_move_id ON adj_move (rt, id);
CREATE TEMP TABLE IF NOT EXISTS adj_node (
	p geometry NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS adj_area (
	code     text PRIMARY KEY,
	nodes    geometry NOT NULL,
	geom     geometry NOT NULL,
	old_geom geometry NOT NULL
) ON COMMIT DELETE ROWS`

// containerOf is what a grid partitions with its siblings: its village
// for a grid, its exclusive grid for a sub-grid.
func containerOf(c geo.Code) geo.Code {
	if c.Level() == geo.LevelSubGrid {
		return c.Parent()
	}
	return c.Village()
}

// containerSQL is the container of an adj_work row (see containerOf).
const containerSQL = `coalesce(parent, village)`

// opVillages returns the villages the operations touch, checking that
// each operation stays within one container: the grids of one village,
// or the sub-grids of one exclusive grid.
func opVillages(ops []Op) ([]geo.Code, error) {
	seen := map[geo.Code]bool{}
	// conts[k] is operation k's container: a reference "@k.n" to a grid
	// it makes lies in it too.
	conts := make([]geo.Code, len(ops))
	for i, op := range ops {
		var v geo.Code
		codes := append(append([]geo.Code{}, op.Grids...), op.To...)
		if op.Type == OpCreate {
			if op.Village.Level() != geo.LevelVillage {
				return nil, &OpError{Index: i, Op: op.Type, Msg: fmt.Sprintf("village %q is not a village code", op.Village)}
			}
			v = op.Village
		}
		if err := CheckOpRefs(op, i); err != nil {
			return nil, &OpError{Index: i, Op: op.Type, Msg: err.Error()}
		}
		for _, c := range codes {
			cont := containerOf(c)
			if k, _, ok, _ := ParseOpRef(c); ok {
				cont = conts[k]
			} else if c.Level() != geo.LevelGrid && c.Level() != geo.LevelSubGrid {
				return nil, &OpError{Index: i, Op: op.Type, Msg: fmt.Sprintf("%q is not a grid code (15 digits) or sub-grid code (17 digits)", c)}
			}
			if v == "" {
				v = cont
			}
			if cont != v {
				return nil, &OpError{Index: i, Op: op.Type, Msg: fmt.Sprintf("%s and %s are in different villages (or are sub-grids of different exclusive grids); an operation stays inside one village or one exclusive grid", codes[0], c)}
			}
		}
		if v == "" {
			return nil, &OpError{Index: i, Op: op.Type, Msg: "names no grid and no village"}
		}
		conts[i] = v
		if v.Level() == geo.LevelGrid {
			v = v.Village() // the exclusive grid of sub-grids
		}
		seen[v] = true
	}
	out := make([]geo.Code, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// beginWork acquires a connection with the work tables and begins a
// transaction on it; the connection goes back to the pool when the
// transaction ends.
func beginWork(ctx context.Context, st *store.Store) (pgx.Tx, error) {
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		return nil, err
	}
	// The DDL once per session: even as no-ops, its statements cost a
	// preview more than this look-up (measured ≈20 ms against 0.3 ms).
	var have bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('pg_temp.adj_area') IS NOT NULL`).Scan(&have); err != nil {
		conn.Release()
		return nil, fmt.Errorf("work tables: %w", err)
	}
	if !have {
		if _, err := conn.Exec(ctx, workDDL); err != nil {
			conn.Release()
			return nil, fmt.Errorf("work tables: %w", err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, err
	}
	return releasingTx{tx, conn}, nil
}

// releasingTx releases its pooled connection when it commits or rolls back.
type releasingTx struct {
	pgx.Tx
	conn interface{ Release() }
}

// Commit commits and releases the connection.
func (t releasingTx) Commit(ctx context.Context) error {
	defer t.conn.Release()
	return t.Tx.Commit(ctx)
}

// Rollback rolls back (a no-op after Commit) and releases the connection
// if Commit did not.
func (t releasingTx) Rollback(ctx context.Context) error {
	err := t.Tx.Rollback(ctx)
	if err != pgx.ErrTxClosed {
		t.conn.Release()
	}
	return err
}

// newWork empties the work tables and loads the current grids of the
// villages. The caller has locked the villages when it is going to write.
func newWork(ctx context.Context, tx pgx.Tx, villages []geo.Code, opts Options) (*work, error) {
	w := &work{tx: tx, opts: opts.withDefaults(), villages: villages, next: map[geo.Code]int{}, created: []string{}}
	if len(villages) == 0 {
		return nil, &OpError{Index: 0, Op: "", Msg: "the proposal touches no village"}
	}
	// The work queries touch a few grids and records but their estimates
	// are large enough to trigger JIT compilation, which costs more (≈80 ms
	// measured) than running them.
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, fmt.Errorf("work settings: %w", err)
	}
	// Empty already (previous transactions committed or rolled back), but
	// a caller might run two evaluations in one transaction.
	if _, err := tx.Exec(ctx, `TRUNCATE adj_work, adj_face, adj_move`); err != nil {
		return nil, fmt.Errorf("work tables: %w", err)
	}
	// The grids and sub-grids of the villages (sub-grids partition their
	// exclusive grid as grids partition their village).
	if _, err := tx.Exec(ctx, `INSERT INTO adj_work (code, kind, name, village, parent, geom, old_geom, old_kind, old_name)
		SELECT code, kind, name, village, parent_grid, geom, geom, kind, name FROM grid_latest
		WHERE village = ANY($1)`, villages); err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	if _, err := tx.Exec(ctx, `ANALYZE adj_work`); err != nil {
		return nil, fmt.Errorf("index work: %w", err)
	}
	var missing []string
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(v.code ORDER BY v.code), '{}') FROM unnest($1::text[]) AS v(code)
		WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.code = v.code AND a.level = 'village' AND a.geom IS NOT NULL)`, villages).Scan(&missing); err != nil {
		return nil, fmt.Errorf("villages: %w", err)
	}
	if len(missing) > 0 {
		return nil, &OpError{Index: 0, Op: "", Msg: fmt.Sprintf("village %s does not exist or has no boundary", missing[0])}
	}
	return w, nil
}

// newCode issues the next code in container v, a village (a grid code)
// or an exclusive grid (a sub-grid code), within the transaction; the
// grid trigger moves grid_seq past it when the grid is written.
func (w *work) newCode(ctx context.Context, i int, op string, v geo.Code, kind, name string) (geo.Code, error) {
	n, ok := w.next[v]
	if !ok {
		// The counter, or past every code ever issued in v when that is
		// further (codes written before the counter existed).
		if err := w.tx.QueryRow(ctx, `SELECT greatest(
				coalesce((SELECT next_seq FROM grid_seq WHERE parent = $1), 1),
				coalesce((SELECT max(substr(code, length($1) + 1)::int) + 1 FROM grid_code
				          WHERE code BETWEEN $1 AND $1 || '999' AND length(code) = length($1) + CASE length($1) WHEN 12 THEN 3 ELSE 2 END), 1))`,
			v).Scan(&n); err != nil {
			return "", fmt.Errorf("sequence of %s: %w", v, err)
		}
	}
	var c geo.Code
	var err error
	var parent *string
	if v.Level() == geo.LevelGrid {
		c, err = geo.SubGridCode(v, n)
		p := string(v)
		parent = &p
		kind = string(geo.KindExclusive)
	} else {
		c, err = geo.GridCode(v, n)
	}
	if err != nil {
		if v.Level() == geo.LevelGrid {
			return "", &OpError{Index: i, Op: op, Msg: fmt.Sprintf("exclusive grid %s has used all 99 sub-grid sequences; codes are never reused", v)}
		}
		return "", &OpError{Index: i, Op: op, Msg: fmt.Sprintf("village %s has used all 999 grid sequences; codes are never reused", v)}
	}
	w.next[v] = n + 1
	w.opNew = append(w.opNew, c)
	if _, err := w.tx.Exec(ctx, `INSERT INTO adj_work (code, kind, name, village, parent, state) VALUES ($1, $2, $3, $4, $5, 'new')`,
		c, kind, name, c.Village(), parent); err != nil {
		return "", fmt.Errorf("new code %s: %w", c, err)
	}
	return c, nil
}

// grid returns the kind and name of a live grid of the work, or an
// OpError when the grid is not current (or already gone in this proposal).
func (w *work) grid(ctx context.Context, i int, op string, c geo.Code) (kind, name string, err error) {
	err = w.tx.QueryRow(ctx, `SELECT kind, name FROM adj_work WHERE code = $1 AND state NOT IN ('retired', 'gone')`, c).Scan(&kind, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", &OpError{Index: i, Op: op, Msg: fmt.Sprintf("grid %s is not a current grid (or an earlier operation of this proposal retired it)", c)}
	}
	if err != nil {
		return "", "", fmt.Errorf("grid %s: %w", c, err)
	}
	return kind, name, nil
}

func (w *work) snapDeg() float64 { return w.opts.SnapM / metresPerDegree }

// faces rebuilds adj_face for village v from the linework of its live
// grids (except those in pair, whose outer boundary is used instead, so
// their shared edge disappears), the village boundary, and extra (a
// geometry expression over $2, snapped and clipped to clip when given).
// Each face gets the grid holding its point on surface as owner.
func (w *work) faces(ctx context.Context, v geo.Code, extra any, clip []geo.Code, pair []geo.Code) error {
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
func (w *work) rebuild(ctx context.Context, v geo.Code) error {
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

// run carries out the operations in order, each with its references to
// grids made by earlier ones resolved (w.ops keeps them so, w.made the
// codes each made).
func (w *work) run(ctx context.Context, ops []Op) error {
	w.ops = append([]Op{}, ops...)
	for i, op := range ops {
		w.opNew = nil
		if err := w.byCode(ctx, i, op); err != nil {
			return err
		}
		op, err := resolveRefs(op, i, w.made)
		if err != nil {
			return err
		}
		w.ops[i] = op
		if err := w.op(ctx, i, op); err != nil {
			return err
		}
		w.made = append(w.made, w.opNew)
		if op.Multipart {
			for _, c := range append(append(append([]geo.Code{}, op.Grids...), op.To...), w.opNew...) {
				w.multi = append(w.multi, string(c))
			}
		}
	}
	return nil
}

// byCode warns when operation i names by its code a grid an earlier
// operation of the proposal makes: the code is only what this run
// allocates — another proposal taking the village's next codes first
// moves it (apply then refuses the proposal as stale, or, once rebased,
// the code names another grid) — while "@k.n" always names that grid.
func (w *work) byCode(ctx context.Context, i int, op Op) error {
	for _, c := range op.codes() {
		for k, made := range w.made {
			for n, m := range made {
				if c != m {
					continue
				}
				f := geo.Finding{Check: CheckOperation, Severity: geo.SeverityWarning, Codes: []string{string(c)},
					Message: fmt.Sprintf("operation %d names %s, which operation %d makes in this run: name it @%d.%d, so that it stays that grid whatever codes the apply allocates", i+1, c, k+1, k, n+1)}
				var loc orb.MultiPolygon
				if err := w.tx.QueryRow(ctx, `SELECT ST_Multi(geom) FROM adj_work WHERE code = $1`, c).Scan(store.ScanMultiPolygon(&loc)); err != nil {
					return fmt.Errorf("grid %s: %w", c, err)
				}
				if loc != nil {
					f.Location = loc
				}
				w.findings = append(w.findings, f)
			}
		}
	}
	return nil
}

// op carries out operation i on the work area: the rule every operation
// shares (sub-grids stay exclusive), then the operation's own function,
// one file each (op_*.go).
func (w *work) op(ctx context.Context, i int, op Op) error {
	if len(op.Grids) > 0 && op.Grids[0].Level() == geo.LevelSubGrid {
		for _, k := range append([]geo.Kind{op.Kind}, partKinds(op.Parts)...) {
			if k != "" && k != geo.KindExclusive {
				return &OpError{Index: i, Op: op.Type, Msg: fmt.Sprintf("sub-grids are exclusive, not %s", k)}
			}
		}
	}
	switch op.Type {
	case OpCreate:
		return w.create(ctx, i, op)
	case OpSplit:
		return w.split(ctx, i, op)
	case OpMerge:
		return w.merge(ctx, i, op)
	case OpReshape:
		return w.reshape(ctx, i, op)
	case OpTransfer:
		return w.transfer(ctx, i, op)
	case OpRetire:
		return w.retire(ctx, i, op)
	case OpRename:
		return w.rename(ctx, i, op)
	case OpRedraw:
		return w.redraw(ctx, i, op)
	}
	return &OpError{Index: i, Op: op.Type, Msg: "unknown operation: want create, split, merge, reshape, transfer, retire, rename or redraw"}
}

// opGeom is the operation's line or polygon, as a query argument.
func opGeom(i int, op Op) (any, error) {
	if op.Geometry == nil || op.Geometry.Coordinates == nil {
		return nil, &OpError{Index: i, Op: op.Type, Msg: "needs a geometry"}
	}
	return store.Geom(op.Geometry.Coordinates), nil
}

// needGrids fails unless the operation names at least n grids (what says
// which).
func needGrids(i int, op Op, n int, what string) error {
	if len(op.Grids) < n {
		return &OpError{Index: i, Op: op.Type, Msg: fmt.Sprintf("needs %s", what)}
	}
	return nil
}

// retireCodes marks codes retired by the running operation.
func (w *work) retireCodes(ctx context.Context, codes []geo.Code) error {
	// A code issued earlier in this proposal is simply gone: it never
	// reaches the grid table, and lineage passes through it.
	_, err := w.tx.Exec(ctx, `UPDATE adj_work SET state = CASE WHEN state = 'new' THEN 'gone' ELSE 'retired' END
		WHERE code = ANY($1)`, codes)
	return err
}

// finalLineage collapses lineage links through codes that were issued and
// retired within the proposal (a → t → b becomes a → b).
func (w *work) finalLineage(ctx context.Context) ([][2]geo.Code, error) {
	var gone []string
	if err := w.tx.QueryRow(ctx, `SELECT coalesce(array_agg(code), '{}') FROM adj_work WHERE state = 'gone'`).Scan(&gone); err != nil {
		return nil, err
	}
	isGone := map[geo.Code]bool{}
	for _, c := range gone {
		isGone[geo.Code(c)] = true
	}
	var out [][2]geo.Code
	seen := map[[2]geo.Code]bool{}
	var follow func(from, via geo.Code, depth int)
	follow = func(from, via geo.Code, depth int) {
		if !isGone[via] {
			if k := [2]geo.Code{from, via}; !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
			return
		}
		if depth > len(w.lineage) {
			return
		}
		for _, l := range w.lineage {
			if l[0] == via {
				follow(from, l[1], depth+1)
			}
		}
	}
	for _, l := range w.lineage {
		if !isGone[l[0]] {
			follow(l[0], l[1], 0)
		}
	}
	return out, nil
}

// recordTypes are the tables of the records tied to grids; each name is
// also the record_type of its rows in the assignment table.
var recordTypes = []string{"household", "unit"}
