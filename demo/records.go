package demo

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"golang.org/x/sync/errgroup"

	"gridmap/geo"
)

// Households and units are points strictly inside their grid, drawn in
// Go (gridPoints) and tied to it with one open assignment each: the demo
// knows each record's grid, so it never looks it up. Records are tied to
// 15-digit grids: a household inside an exclusive grid gets the exclusive
// grid's code, never a sub-grid's (sub-grids are the unit's own finer
// division, Art. 7), so its points are drawn in the whole exclusive grid.
//
// Each household and unit is at a standard address of its own, with the
// household's point and grid and its assignment history, and a house
// (实有房屋) there (in one village home in twenty also an empty old
// house, vacant, where nobody lives). The addresses take their parts
// from the grid's gridAddress (addresses.go): the numbered parts are
// computed here and appended to the text of the parts above them, in the
// order of records.Address.Text (the demo tests read every address back
// through records.Address). Codes are the village's code and a sequence:
// the households' from 1 in grid and point order (a grid's from its
// planned first, demoGrid.seq; a grid whose points fall short leaves a
// gap), the units' after the village's last household.
//
// The rows are made in Go and written with binary COPY, a county at a
// time, with ids taken from the tables' sequences beforehand, so that
// every row can name the rows it refers to. The tables were truncated in
// this transaction (dropForBulk), so the rows are written frozen: the
// first readers after commit (gridd serve loading the addresses) need
// not set their hint bits, rewriting every page.

// recordGrid is one 15-digit grid of a county with the points of its
// households or units.
type recordGrid struct {
	g   *demoGrid
	pts []orb.Point
}

// mix is a 64-bit hash (SplitMix64's finaliser): the demo's per-record
// draws that must not depend on the order of drawing.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// draw is a hash of a record's number in its grid and a seed, 0-1023.
func draw(k int, mul uint64, seed int32) int {
	return int(mix(uint64(k)*mul+uint64(uint32(seed))) & 1023)
}

// countyCodes lists the plan's county codes (chunks of the record stages).
func (d *demoRun) countyCodes() []geo.Code {
	var out []geo.Code
	for _, a := range d.plan.areas {
		if a.level == geo.LevelCounty {
			out = append(out, a.code)
		}
	}
	return out
}

// countyGrids draws the points of the 15-digit grids of county with
// records (count gives how many each wants, seed its seed), in code
// order.
func (d *demoRun) countyGrids(ctx context.Context, county geo.Code, count func(*demoGrid) int, seed func(*demoGrid) int32) ([]recordGrid, error) {
	if err := d.loadGridGeoms(ctx); err != nil {
		return nil, err
	}
	var out []recordGrid
	for i := range d.plan.grids {
		g := &d.plan.grids[i]
		if g.parentGrid == "" && count(g) > 0 && g.village.County() == county {
			out = append(out, recordGrid{g: g})
		}
	}
	slices.SortFunc(out, func(a, b recordGrid) int { return cmp.Compare(a.g.code, b.g.code) })
	var eg errgroup.Group
	eg.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for i := range out {
		eg.Go(func() error {
			r := &out[i]
			mp, ok := d.gridGeoms[r.g.code]
			if !ok {
				return fmt.Errorf("grid %s has no geometry", r.g.code)
			}
			r.pts = gridPoints(mp, count(r.g), seed(r.g))
			return nil
		})
	}
	return out, eg.Wait()
}

// loadGridGeoms reads the 15-digit grids' geometries once.
func (d *demoRun) loadGridGeoms(ctx context.Context) error {
	if d.gridGeoms != nil {
		return nil
	}
	rows, err := d.tx.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM demo_gridgeom WHERE length(code) = 15`)
	if err != nil {
		return fmt.Errorf("read grid geometries: %w", err)
	}
	m := map[geo.Code]orb.MultiPolygon{}
	for rows.Next() {
		var code string
		var b []byte
		if err := rows.Scan(&code, &b); err != nil {
			rows.Close()
			return fmt.Errorf("read grid geometries: %w", err)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			rows.Close()
			return fmt.Errorf("grid %s: %w", code, err)
		}
		switch g := g.(type) {
		case orb.MultiPolygon:
			m[geo.Code(code)] = g
		case orb.Polygon:
			m[geo.Code(code)] = orb.MultiPolygon{g}
		default:
			rows.Close()
			return fmt.Errorf("grid %s: a %s, want polygons", code, g.GeoJSONType())
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read grid geometries: %w", err)
	}
	d.gridGeoms = m
	return nil
}

// gridPoints draws n points strictly inside mp, uniformly, the same for
// the same seed: uniform in the bounding box, kept when inside (and off
// every edge). A grid too ragged to give n in a thousand tries a point
// gives fewer.
func gridPoints(mp orb.MultiPolygon, n int, seed int32) []orb.Point {
	b := mp.Bound()
	rng := rand.New(rand.NewPCG(uint64(uint32(seed)), 0x6a09e667f3bcc909))
	out := make([]orb.Point, 0, n)
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	for tries := 0; len(out) < n && tries < 1000*n; tries++ {
		p := orb.Point{b.Min[0] + w*rng.Float64(), b.Min[1] + h*rng.Float64()}
		if planar.MultiPolygonContains(mp, p) && !onEdge(mp, p) {
			out = append(out, p)
		}
	}
	return out
}

// onEdge tells whether p is within a nanodegree (≈0.1 mm) of an edge of
// mp, where another grid's test might disagree about which side it is.
func onEdge(mp orb.MultiPolygon, p orb.Point) bool {
	const eps = 1e-9
	for _, poly := range mp {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				if segDist2(p, r[i-1], r[i]) < eps*eps {
					return true
				}
			}
		}
	}
	return false
}

// segDist2 is the squared planar distance from p to the segment ab.
func segDist2(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	x, y := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return x*x + y*y
}

// takeIDs reserves n ids of table's id sequence and returns the first.
func (d *demoRun) takeIDs(ctx context.Context, table string, n int) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	var last int64
	if err := d.tx.QueryRow(ctx, `SELECT setval(s, nextval(s) + $2 - 1)
		FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s) x`, table, int64(n)).Scan(&last); err != nil {
		return 0, fmt.Errorf("ids of %s: %w", table, err)
	}
	return last - int64(n) + 1, nil
}

// addrRow is one standard address in the making, with its house(s).
type addrRow struct {
	grid                       *demoGrid
	k                          int // the record's number in its grid, from 1
	pt                         orb.Point
	seq                        int // in its village
	door, bld, ent, room       string
	compound                   string
	r                          int // the record's draw, 0-1023
	id                         int64
	cat                        string // units: the category
	use                        string // its lived-in house's use
	area                       int    // its floor area, hundredths of m²
	vacantArea                 int    // households: an empty old house beside it when > 0
	persons                    int16  // households
	house, vacantHouse, record int64
	fullText                   []byte
}

const (
	copyAddresses = `COPY standard_address (id, code, city, county, town, village, villager_group, road, door_number,
		compound, building, entrance, room, full_text, geom, grid_code, created_at) FROM STDIN (FORMAT binary, FREEZE)`
	copyHouses      = `COPY house (id, address_id, use, floor_area) FROM STDIN (FORMAT binary, FREEZE)`
	copyHouseholds  = `COPY household (id, address, persons, geom, grid_code, address_id) FROM STDIN (FORMAT binary, FREEZE)`
	copyUnits       = `COPY unit (id, name, category, geom, grid_code, address_id) FROM STDIN (FORMAT binary, FREEZE)`
	copyAssignments = `COPY assignment (record_type, record_id, grid_code, valid) FROM STDIN (FORMAT binary, FREEZE)`
)

// writeRecords writes the addresses, houses, records (household or unit)
// and assignments of rows, ids taken from the sequences.
func (d *demoRun) writeRecords(ctx context.Context, kind string, rows []addrRow) error {
	n := len(rows)
	var vacants []int // the rows with an empty old house beside them
	for i := range rows {
		if rows[i].vacantArea > 0 {
			vacants = append(vacants, i)
		}
	}
	vacant := len(vacants)
	addr, err := d.takeIDs(ctx, "standard_address", n)
	if err != nil {
		return err
	}
	house, err := d.takeIDs(ctx, "house", n+vacant)
	if err != nil {
		return err
	}
	rec, err := d.takeIDs(ctx, kind, n)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		r.id, r.house, r.record = addr+int64(i), house+int64(i), rec+int64(i)
	}
	for j, i := range vacants {
		rows[i].vacantHouse = house + int64(n+j)
	}
	from := d.opts.ValidFrom
	if _, err := d.copyBinary(ctx, copyAddresses, n, func(c *copyBuf, i int) {
		r := &rows[i]
		a := &r.grid.address
		c.row(17)
		c.int8(r.id)
		c.text(fmt.Sprintf("%s%07d", r.grid.village, r.seq))
		c.text(a.city)
		c.text(a.county)
		c.text(a.town)
		c.text(a.village)
		c.text(a.group)
		c.text(a.road)
		c.text(r.door)
		c.text(r.compound)
		c.text(r.bld)
		c.text(r.ent)
		c.text(r.room)
		c.textBytes(r.fullText)
		c.point(r.pt)
		c.text(string(r.grid.code))
		c.timestamptz(from)
	}); err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	if _, err := d.copyBinary(ctx, copyHouses, n+vacant, func(c *copyBuf, i int) {
		c.row(4)
		if i < n {
			r := &rows[i]
			c.int8(r.house)
			c.int8(r.id)
			c.text(r.use)
			c.hundredths(r.area)
			return
		}
		// the vacant houses, in the order of their homes
		r := &rows[vacants[i-n]]
		c.int8(r.vacantHouse)
		c.int8(r.id)
		c.text("vacant")
		c.hundredths(r.vacantArea)
	}); err != nil {
		return fmt.Errorf("houses: %w", err)
	}
	stmt, name := copyHouseholds, []byte(nil)
	if kind == "unit" {
		stmt = copyUnits
	}
	if _, err := d.copyBinary(ctx, stmt, n, func(c *copyBuf, i int) {
		r := &rows[i]
		c.row(6)
		c.int8(r.record)
		if kind == "unit" {
			name = append(append(append(name[:0], r.grid.name...), unitLabels[r.cat]...), strconv.Itoa(r.k)...)
			c.textBytes(name)
			c.text(r.cat)
		} else {
			c.textBytes(r.fullText)
			c.int2(r.persons)
		}
		c.point(r.pt)
		c.text(string(r.grid.code))
		c.int8(r.id)
	}); err != nil {
		return fmt.Errorf("%ss: %w", kind, err)
	}
	if _, err := d.copyBinary(ctx, copyAssignments, 2*n, func(c *copyBuf, i int) {
		r := &rows[i/2]
		c.row(4)
		if i%2 == 0 {
			c.text("standard_address")
			c.int8(r.id)
		} else {
			c.text(kind)
			c.int8(r.record)
		}
		c.text(string(r.grid.code))
		c.openRange(from)
	}); err != nil {
		return fmt.Errorf("assignments: %w", err)
	}
	d.stats.Addresses += n
	d.stats.Houses += n + vacant
	return nil
}

func (d *demoRun) households(ctx context.Context) error {
	total := 0
	for _, g := range d.plan.grids {
		if g.parentGrid == "" {
			total += g.households
		}
	}
	d.progress("households", 0, total)
	d.nextSeq = map[geo.Code]int{}
	for _, county := range d.countyCodes() {
		grids, err := d.countyGrids(ctx, county, func(g *demoGrid) int { return g.households }, func(g *demoGrid) int32 { return g.hseed })
		if err != nil {
			return err
		}
		var rows []addrRow
		for _, rg := range grids {
			g, a := rg.g, &rg.g.address
			for j, pt := range rg.pts {
				k := j + 1
				r := addrRow{grid: g, k: k, pt: pt, seq: g.seq + k, r: draw(k, 131, g.hseed)}
				switch {
				case g.building >= 0:
					r.door = strconv.Itoa(a.door)
				case a.road != "":
					r.door = strconv.Itoa(a.base + 2*k - 1)
				default:
					r.door = strconv.Itoa(k)
				}
				t := append(append(make([]byte, 0, len(a.prefix)+64), a.prefix...), r.door...)
				t = append(t, "号"...)
				if g.building >= 0 {
					r.compound = a.compound
					r.bld = strconv.Itoa(g.building + (k-1)/20 + 1)
					r.ent = strconv.Itoa((k-1)%20/10 + 1)
					r.room = strconv.Itoa(((k-1)%10/2+1)*100 + (k-1)%2 + 1)
					for _, part := range []string{r.compound, r.bld, "幢", r.ent, "单元", r.room, "室"} {
						t = append(t, part...)
					}
				}
				r.fullText = t
				rr := r.r
				r.use, r.area = "residential", 5500+rr%90*100+rr%97
				if a.group != "" {
					r.area = 10000 + rr%160*100 + rr%97
					if rr%10 == 0 {
						r.use = "mixed"
					}
					if rr%20 == 7 {
						r.vacantArea = 6000 + rr%80*100 + rr%89
					}
				}
				r.persons = householdPersons[draw(k, 7919, g.hseed)%len(householdPersons)]
				rows = append(rows, r)
				d.nextSeq[g.village] = max(d.nextSeq[g.village], r.seq+1)
			}
		}
		if err := d.writeRecords(ctx, "household", rows); err != nil {
			return fmt.Errorf("households of %s: %w", county.Short(), err)
		}
		for i := range rows {
			r := &rows[i]
			d.homes = append(d.homes, demoHousehold{id: r.record, address: r.id, house: r.house, persons: int32(r.persons),
				county: string(r.grid.code[:6])})
		}
		d.stats.Households += len(rows)
		d.progress("households", d.stats.Households, total)
	}
	if d.stats.Households < total {
		d.fewer("households", d.stats.Households, total)
	}
	return nil
}

// householdPersons are the sizes of households, drawn uniformly.
var householdPersons = []int16{1, 2, 2, 3, 3, 3, 4, 4, 5, 6}

func (d *demoRun) units(ctx context.Context) error {
	total := 0
	for _, g := range d.plan.grids {
		if g.parentGrid == "" {
			total += g.units
		}
	}
	d.progress("units", 0, total)
	for _, county := range d.countyCodes() {
		grids, err := d.countyGrids(ctx, county, func(g *demoGrid) int { return g.units }, func(g *demoGrid) int32 { return g.hseed/2 + 1 })
		if err != nil {
			return err
		}
		var rows []addrRow
		for _, rg := range grids {
			g, a := rg.g, &rg.g.address
			useed := g.hseed/2 + 1
			for j, pt := range rg.pts {
				k := j + 1
				seq := max(d.nextSeq[g.village], 1)
				d.nextSeq[g.village] = seq + 1
				r := addrRow{grid: g, k: k, pt: pt, seq: seq, r: draw(k, 131, useed),
					cat: g.unitCats[draw(k, 104729, useed)%len(g.unitCats)], use: "commercial"}
				if a.road != "" {
					r.door = strconv.Itoa(a.base + 2*k)
				} else {
					r.door = strconv.Itoa(g.households + k)
				}
				r.fullText = append(append(append(make([]byte, 0, len(a.prefix)+16), a.prefix...), r.door...), "号"...)
				switch rr := r.r; r.cat {
				case "park", "enterprise", "government":
					r.area = 30000 + rr*200 + rr%97
				default:
					r.area = 3000 + rr%270*100 + rr%97
				}
				rows = append(rows, r)
			}
		}
		if err := d.writeRecords(ctx, "unit", rows); err != nil {
			return fmt.Errorf("units of %s: %w", county.Short(), err)
		}
		d.stats.Units += len(rows)
		d.progress("units", d.stats.Units, total)
	}
	if d.stats.Units < total {
		d.fewer("units", d.stats.Units, total)
	}
	return nil
}

// fewer reports a record stage that made fewer records than planned: a
// few thin or ragged grids may give fewer points than wanted, which is
// fine.
func (d *demoRun) fewer(stage string, made, planned int) {
	d.log.Warn("demo: fewer records than planned", "stage", stage, "made", made, "planned", planned)
}

// bulkTables are the tables the record stages fill with millions of rows.
var bulkTables = []string{"household", "unit", "assignment", "standard_address", "house", "resident"}

// bulkEventTables are the tables of the demo year of events: not
// truncated (other tables refer to them), but loaded without their
// secondary indexes and foreign keys too, each of which would otherwise
// cost a lookup per row (some two million).
var bulkEventTables = []string{"event", "event_history"}

// bulkChecks are the statement triggers of the bulk tables that check
// their rows against other tables (as a foreign key would): off for the
// load, since each statement's transition table would hold millions of
// rows again, and on again for every later write. The demo's own rows
// keep their rules by construction, which is why each is not checked
// again by a scan of the whole table (the demo tests check them):
//   - a resident's household: the residents are drawn from the
//     households read back from household in this transaction, which
//     holds the tables (it truncated them), so none can be gone;
//   - the grid codes of addresses and assignments: each row takes its
//     grid's code from the grids written in this transaction, and
//     writing a grid registers its code in grid_code.
//
// The events' notification trigger is off for the load as well: the
// demo sets gridmap.event_notify = 'off' for its events anyway, and the
// trigger would queue an after-trigger event per row.
var bulkChecks = []struct{ table, trigger string }{
	{"resident", "resident_household_insert"},
	{"standard_address", "standard_address_grid_insert"},
	{"assignment", "assignment_grid_insert"},
	{"event", "event_notify"},
}

// dropForBulk drops the secondary indexes and foreign keys of the bulk
// tables (bulkTables and bulkEventTables), remembering their definitions: building an index once over 2 M
// rows and checking a foreign key with one join is several times faster
// than maintaining them row by row. The tables are empty (the demo runs
// only on an empty database) and the transaction holds them until commit,
// so nobody sees them without their indexes.
//
// It also truncates the (empty) tables, which gives them new files in
// this transaction: the residents' COPY can then write its rows frozen
// (no reader has to set their hint bits after commit, rewriting 2 GB),
// and a server with wal_level = minimal writes no WAL for them at all.
// The statement triggers that check rows against other tables
// (bulkChecks) are off for the load; their checks run once at the end
// (finish).
func (d *demoRun) dropForBulk(ctx context.Context) error {
	stmts := []string{"TRUNCATE " + strings.Join(bulkTables, ", ")}
	for _, c := range bulkChecks {
		stmts = append(stmts, "ALTER TABLE "+c.table+" DISABLE TRIGGER "+c.trigger)
	}
	if err := d.exec(ctx, stmts...); err != nil {
		return err
	}
	rows, err := d.tx.Query(ctx, `
		SELECT format('DROP INDEX %I.%I', n.nspname, i.relname), pg_get_indexdef(i.oid)
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE t.relname = ANY($1) AND n.nspname = current_schema()
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
		UNION ALL
		SELECT format('ALTER TABLE %I.%I DROP CONSTRAINT %I', n.nspname, t.relname, c.conname),
		       format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE c.contype = 'f' AND t.relname = ANY($1) AND n.nspname = current_schema()`,
		slices.Concat(bulkTables, bulkEventTables))
	if err != nil {
		return fmt.Errorf("read index definitions: %w", err)
	}
	var drops []string
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return err
		}
		drops = append(drops, drop)
		d.restore = append(d.restore, create)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read index definitions: %w", err)
	}
	return d.exec(ctx, drops...)
}

// finish puts back the indexes and foreign keys dropForBulk took away and
// refreshes the planner's statistics on the bulk-loaded tables.
func (d *demoRun) finish(ctx context.Context) error {
	// The triggers dropForBulk turned off (see bulkChecks).
	for _, c := range bulkChecks {
		if err := d.exec(ctx, "ALTER TABLE "+c.table+" ENABLE TRIGGER "+c.trigger); err != nil {
			return err
		}
	}
	for i, q := range d.restore {
		t0 := time.Now()
		if err := d.exec(ctx, q); err != nil {
			return err
		}
		// The slow ones are worth knowing about (the stage is one of the
		// longest).
		level, took := slog.LevelDebug, time.Since(t0)
		if took >= 5*time.Second {
			level = slog.LevelInfo
		}
		d.log.Log(ctx, level, "demo: restored", "statement", q, "seconds", took.Round(10*time.Millisecond).Seconds())
		d.progress("indexes", i+1, len(d.restore))
	}
	return d.exec(ctx, "ANALYZE area", "ANALYZE grid", "ANALYZE household", "ANALYZE unit", "ANALYZE assignment",
		"ANALYZE standard_address", "ANALYZE house", "ANALYZE resident", "ANALYZE event", "ANALYZE event_history")
}
