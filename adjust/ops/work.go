package ops

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

// The work area. A proposal's operations run, in order, in one
// transaction on temporary tables: adj_work holds the current grids and
// sub-grids of every village they touch (and, after edge matching, the
// neighbours that take a vertex), adj_face the faces of the linework being
// rebuilt (linework.go), adj_move the records whose grid changes
// (moves.go), adj_node and adj_area the new vertices and the areas whose
// boundary takes one (edges.go). Their rows go at the end of the
// transaction: a preview rolls back, an apply writes the result out
// (Write) and commits.

// metresPerDegree is the length of a degree of latitude; distances given
// in metres become degrees by dividing by it (conservative for longitude).
const metresPerDegree = 111320.0

// Work is one run of a proposal's operations inside a transaction.
type Work struct {
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

// Villages returns the villages the operations touch, checking that
// each operation stays within one container: the grids of one village,
// or the sub-grids of one exclusive grid.
func Villages(ops []Op) ([]geo.Code, error) {
	seen := map[geo.Code]bool{}
	// conts[k] is operation k's container: a reference "@k.n" to a grid
	// it makes lies in it too.
	conts := make([]geo.Code, len(ops))
	for i, op := range ops {
		var v geo.Code
		codes := append(append([]geo.Code{}, op.Grids...), op.To...)
		if op.Type == Create {
			if op.Village.Level() != geo.LevelVillage {
				return nil, &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("village %q is not a village code", op.Village)}
			}
			v = op.Village
		}
		if err := CheckRefs(op, i); err != nil {
			return nil, &Error{Index: i, Op: op.Type, Msg: err.Error()}
		}
		for _, c := range codes {
			cont := containerOf(c)
			if k, _, ok, _ := ParseRef(c); ok {
				cont = conts[k]
			} else if c.Level() != geo.LevelGrid && c.Level() != geo.LevelSubGrid {
				return nil, &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("%q is not a grid code (15 digits) or sub-grid code (17 digits)", c)}
			}
			if v == "" {
				v = cont
			}
			if cont != v {
				return nil, &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("%s and %s are in different villages (or are sub-grids of different exclusive grids); an operation stays inside one village or one exclusive grid", codes[0], c)}
			}
		}
		if v == "" {
			return nil, &Error{Index: i, Op: op.Type, Msg: "names no grid and no village"}
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

// BeginWork acquires a connection with the work tables and begins a
// transaction on it; the connection goes back to the pool when the
// transaction ends. Evaluate, and the switch (MovePlanned), run on it.
func BeginWork(ctx context.Context, st *store.Store) (pgx.Tx, error) {
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
func newWork(ctx context.Context, tx pgx.Tx, villages []geo.Code, opts Options) (*Work, error) {
	w := &Work{tx: tx, opts: opts.withDefaults(), villages: villages, next: map[geo.Code]int{}, created: []string{}}
	if len(villages) == 0 {
		return nil, &Error{Index: 0, Op: "", Msg: "the proposal touches no village"}
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
		return nil, &Error{Index: 0, Op: "", Msg: fmt.Sprintf("village %s does not exist or has no boundary", missing[0])}
	}
	return w, nil
}

// newCode issues the next code in container v, a village (a grid code)
// or an exclusive grid (a sub-grid code), within the transaction; the
// grid trigger moves grid_seq past it when the grid is written.
func (w *Work) newCode(ctx context.Context, i int, op string, v geo.Code, kind, name string) (geo.Code, error) {
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
			return "", &Error{Index: i, Op: op, Msg: fmt.Sprintf("exclusive grid %s has used all 99 sub-grid sequences; codes are never reused", v)}
		}
		return "", &Error{Index: i, Op: op, Msg: fmt.Sprintf("village %s has used all 999 grid sequences; codes are never reused", v)}
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
// Error when the grid is not current (or already gone in this proposal).
func (w *Work) grid(ctx context.Context, i int, op string, c geo.Code) (kind, name string, err error) {
	err = w.tx.QueryRow(ctx, `SELECT kind, name FROM adj_work WHERE code = $1 AND state NOT IN ('retired', 'gone')`, c).Scan(&kind, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", &Error{Index: i, Op: op, Msg: fmt.Sprintf("grid %s is not a current grid (or an earlier operation of this proposal retired it)", c)}
	}
	if err != nil {
		return "", "", fmt.Errorf("grid %s: %w", c, err)
	}
	return kind, name, nil
}

func (w *Work) snapDeg() float64 { return w.opts.SnapM / metresPerDegree }

// run carries out the operations in order, each with its references to
// grids made by earlier ones resolved (w.ops keeps them so, w.made the
// codes each made).
func (w *Work) run(ctx context.Context, ops []Op) error {
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

// Resolved returns the operations as carried out: references "@k.n"
// replaced by the codes they named in this run.
func (w *Work) Resolved() []Op { return w.ops }

// byCode warns when operation i names by its code a grid an earlier
// operation of the proposal makes: the code is only what this run
// allocates — another proposal taking the village's next codes first
// moves it (apply then refuses the proposal as stale, or, once rebased,
// the code names another grid) — while "@k.n" always names that grid.
func (w *Work) byCode(ctx context.Context, i int, op Op) error {
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
// one file each (create.go, split.go, ...).
func (w *Work) op(ctx context.Context, i int, op Op) error {
	if len(op.Grids) > 0 && op.Grids[0].Level() == geo.LevelSubGrid {
		for _, k := range append([]geo.Kind{op.Kind}, partKinds(op.Parts)...) {
			if k != "" && k != geo.KindExclusive {
				return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("sub-grids are exclusive, not %s", k)}
			}
		}
	}
	switch op.Type {
	case Create:
		return w.create(ctx, i, op)
	case Split:
		return w.split(ctx, i, op)
	case Merge:
		return w.merge(ctx, i, op)
	case Reshape:
		return w.reshape(ctx, i, op)
	case Transfer:
		return w.transfer(ctx, i, op)
	case Retire:
		return w.retire(ctx, i, op)
	case Rename:
		return w.rename(ctx, i, op)
	case Redraw:
		return w.redraw(ctx, i, op)
	}
	return &Error{Index: i, Op: op.Type, Msg: "unknown operation: want create, split, merge, reshape, transfer, retire, rename or redraw"}
}

// opGeom is the operation's line or polygon, as a query argument.
func opGeom(i int, op Op) (any, error) {
	if op.Geometry == nil || op.Geometry.Coordinates == nil {
		return nil, &Error{Index: i, Op: op.Type, Msg: "needs a geometry"}
	}
	return store.Geom(op.Geometry.Coordinates), nil
}

// needGrids fails unless the operation names at least n grids (what says
// which).
func needGrids(i int, op Op, n int, what string) error {
	if len(op.Grids) < n {
		return &Error{Index: i, Op: op.Type, Msg: fmt.Sprintf("needs %s", what)}
	}
	return nil
}

// retireCodes marks codes retired by the running operation.
func (w *Work) retireCodes(ctx context.Context, codes []geo.Code) error {
	// A code issued earlier in this proposal is simply gone: it never
	// reaches the grid table, and lineage passes through it.
	_, err := w.tx.Exec(ctx, `UPDATE adj_work SET state = CASE WHEN state = 'new' THEN 'gone' ELSE 'retired' END
		WHERE code = ANY($1)`, codes)
	return err
}

// finalLineage collapses lineage links through codes that were issued and
// retired within the proposal (a → t → b becomes a → b).
func (w *Work) finalLineage(ctx context.Context) ([][2]geo.Code, error) {
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
