package records

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/sheet"
	"gridmap/store"
)

// An address file: address (地址), lon (经度), lat (纬度). Each address's
// grid is the lookup of its point in the live index, as /lookup answers
// it; the areas its text names must be those its point lies in.
type addressImport struct {
	im            *importer
	gaz           *Gazetteer
	text, lon, lt sheet.Column
	seen          map[string]int // full text → row, for repeats in the file
	rows          []addrRow
	// The chunk being written while the next one is read: its result
	// comes on done (one at a time; see flush).
	done chan chunkResult
}

// chunkResult is what writing a chunk of addresses did: the rows accepted,
// the rows rejected (existing addresses), and the error that stopped it.
type chunkResult struct {
	accepted int
	rejects  []RowError
	err      error
}

type addrRow struct {
	row  sheet.Row
	a    Address
	text string
	pt   orb.Point
	grid geo.Code
}

// gazetteerOf is the gazetteer of the snapshot's areas.
func gazetteerOf(snap *geo.Snapshot) *Gazetteer {
	var names [4][]string
	for i := range snap.Areas {
		a := &snap.Areas[i]
		if l := int(a.Level - geo.LevelCity); l >= 0 && l < 4 {
			names[l] = append(names[l], a.Name)
		}
	}
	city := ""
	if len(names[0]) > 0 {
		city = names[0][0]
	}
	return NewGazetteer("", city, names[1], names[2], names[3])
}

func (k *addressImport) columns(rd *sheet.Reader) []*sheet.Error {
	return requireColumns(rd, map[*sheet.Column][]string{
		&k.text: {"address", "地址", "full_text", "标准地址"},
		&k.lon:  {"lon", "经度", "longitude", "lng", "x"},
		&k.lt:   {"lat", "纬度", "latitude", "y"},
	})
}

func (k *addressImport) pending() int { return len(k.rows) }

// coord reads a coordinate cell, or rejects it.
func (k *addressImport) coord(row sheet.Row, c sheet.Column, lim float64, what string) (float64, bool) {
	v := row.Value(c)
	if v == "" {
		k.im.rejectCell(row, c, "is empty: give the %s in decimal degrees (WGS 84)", what)
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		k.im.rejectCell(row, c, "is not a number: give the %s in decimal degrees (WGS 84), like 120.16", what)
		return 0, false
	}
	if !(f >= -lim && f <= lim) {
		k.im.rejectCell(row, c, "is out of range: a %s lies between -%g and %g degrees (are longitude and latitude swapped?)", what, lim, lim)
		return 0, false
	}
	return f, true
}

func (k *addressImport) add(row sheet.Row) {
	im := k.im
	text := row.Value(k.text)
	lon, okLon := k.coord(row, k.lon, 180, "longitude")
	lat, okLat := k.coord(row, k.lt, 90, "latitude")
	if text == "" {
		im.rejectCell(row, k.text, "is empty: write the full standard address (county, town, road and door number…)")
		return
	}
	if !okLon || !okLat {
		return
	}
	pt := orb.Point{lon, lat}
	h := im.ix.Lookup(pt)
	if h.Grid < 0 {
		if h.Area < 0 {
			im.rejectCell(row, k.lon, "the point (%g, %g) lies outside the city: check the coordinates (WGS 84 longitude and latitude, not GCJ-02 or projected)", lon, lat)
		} else {
			im.rejectCell(row, k.lon, "the point (%g, %g) lies in %s but in no grid: check the coordinates", lon, lat, im.snap.Areas[h.Area].Code)
		}
		return
	}
	g := &im.snap.Grids[h.Grid]
	if !im.opts.Caller.Covers(g.Code) {
		im.rejectCell(row, k.lon, "the point lies in county %s, outside the area %s of %s: import it with a token of its county",
			g.Code.County().Short(), im.opts.Caller.Area.Short(), im.opts.Caller.ID)
		return
	}
	name := func(c geo.Code) string {
		if a := im.snap.Area(c); a != nil {
			return a.Name
		}
		return ""
	}
	v := g.Village
	a, err := k.gaz.ParseAddress(text, Place{City: name(v.Ancestor(geo.LevelCity)), County: name(v.County()), Town: name(v.Town()), Village: name(v)})
	if err != nil {
		im.rejectCell(row, k.text, "%v", err)
		return
	}
	full := a.Text()
	if first, dup := k.seen[full]; dup {
		im.rejectCell(row, k.text, "is the same address as row %d: each address once", first)
		return
	}
	k.seen[full] = row.Number
	k.rows = append(k.rows, addrRow{row: row, a: a, text: full, pt: pt, grid: g.Code})
}

var addressColumns = []string{"id", "code", "city", "county", "town", "village", "villager_group", "road", "door_number",
	"compound", "building", "entrance", "room", "full_text", "geom", "grid_code"}

// flush hands the rows read so far to a goroutine that checks and writes
// them, and goes back to reading: the parsing and lookups of the next
// chunk run while PostgreSQL writes this one. One chunk is in flight at
// a time (the transaction is one connection); its rejections are merged
// into the result here, in this goroutine, before the next chunk goes.
func (k *addressImport) flush(ctx context.Context) error {
	if err := k.wait(); err != nil {
		return err
	}
	rows := k.rows
	k.rows = nil
	if len(rows) == 0 {
		return nil
	}
	writing := k.im.writing()
	k.done = make(chan chunkResult, 1)
	go func(done chan<- chunkResult) {
		var res chunkResult
		res.accepted, res.err = k.writeChunk(ctx, rows, writing, &res.rejects)
		done <- res
	}(k.done)
	return nil
}

// wait waits for the chunk in flight, if any, and merges its result.
func (k *addressImport) wait() error {
	if k.done == nil {
		return nil
	}
	res := <-k.done
	k.done = nil
	k.im.res.Accepted += res.accepted
	for _, e := range res.rejects {
		k.im.reject(e)
	}
	return res.err
}

// writeChunk checks rows against the database and, when writing, writes
// the good ones, giving how many were good; the rejections go to rejects.
func (k *addressImport) writeChunk(ctx context.Context, rows []addrRow, writing bool, rejects *[]RowError) (int, error) {
	im := k.im
	if !writing {
		// Only checking now (an all-or-nothing import with a bad row):
		// the addresses that exist already are the rest to report.
		good, err := k.notExisting(ctx, rows, rejects)
		return len(good), err
	}
	// By village, and within a village along a Z-order curve: the
	// inserts into the text and code indexes (which start with the
	// village) and the grid index then touch neighbouring pages.
	sort.Slice(rows, func(i, j int) bool {
		if vi, vj := rows[i].grid.Village(), rows[j].grid.Village(); vi != vj {
			return vi < vj
		}
		return zorder(rows[i].pt) < zorder(rows[j].pt)
	})
	ids, err := im.nextIDs(ctx, "standard_address_id_seq", len(rows))
	if err != nil {
		return 0, err
	}
	codes, err := k.reserveCodes(ctx, rows)
	if err != nil {
		return 0, err
	}
	// Written optimistically: the unique index of live texts refuses an
	// address that exists already, and only then (rarely) are the rows
	// looked up one by one and the existing ones rejected, the others
	// written again with the ids and codes they were given (codes of the
	// rejected ones stay unused: codes are never reused, not gapless).
	err = k.write(ctx, rows, ids, codes)
	if !isUniqueViolation(err, "standard_address_text_live") {
		if err != nil {
			return 0, err
		}
		return len(rows), nil
	}
	good, err := k.notExisting(ctx, rows, rejects)
	if err != nil {
		return 0, err
	}
	if (len(*rejects) > 0 && !im.opts.Partial) || len(good) == 0 {
		return len(good), nil
	}
	keep := make(map[int]bool, len(good))
	for _, r := range good {
		keep[r.row.Number] = true
	}
	var goodIDs []int64
	var goodCodes []string
	for i, r := range rows {
		if keep[r.row.Number] {
			goodIDs, goodCodes = append(goodIDs, ids[i]), append(goodCodes, codes[i])
		}
	}
	return len(good), k.write(ctx, good, goodIDs, goodCodes)
}

// notExisting rejects the rows whose address exists already (a live
// address with the same full text) into rejects, returning the others.
func (k *addressImport) notExisting(ctx context.Context, rows []addrRow, rejects *[]RowError) ([]addrRow, error) {
	im := k.im
	texts := make([]string, len(rows))
	for i := range rows {
		texts[i] = rows[i].text
	}
	existing := map[string]string{}
	q, err := im.tx.Query(ctx, `SELECT full_text, code FROM standard_address WHERE retired_at IS NULL AND full_text = ANY($1)`, texts)
	if err != nil {
		return nil, fmt.Errorf("records import: existing addresses: %w", err)
	}
	for q.Next() {
		var t, c string
		if err := q.Scan(&t, &c); err != nil {
			q.Close()
			return nil, fmt.Errorf("records import: existing addresses: %w", err)
		}
		existing[t] = c
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("records import: existing addresses: %w", err)
	}
	var good []addrRow
	for _, r := range rows {
		if c, ok := existing[r.text]; ok {
			*rejects = append(*rejects, fromSheet(r.row.Errorf(k.text, "already exists as standard address %s: leave it out of the file", c)))
			continue
		}
		good = append(good, r)
	}
	return good, nil
}

// write copies rows (with their ids and codes) into standard_address and
// their open assignments, in a savepoint: when it fails nothing of it
// stays and the import's transaction goes on.
func (k *addressImport) write(ctx context.Context, rows []addrRow, ids []int64, codes []string) error {
	sp, err := k.im.tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("records import: %w", err)
	}
	defer sp.Rollback(ctx)
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= len(rows) {
			return nil, nil
		}
		r := &rows[i]
		a := &r.a
		v := []any{ids[i], codes[i], a.City, a.County, a.Town, a.Village, a.Group, a.Road, a.Number,
			a.Compound, a.Building, a.Entrance, a.Room, r.text, store.Geom(r.pt), string(r.grid)}
		i++
		return v, nil
	})
	if _, err := sp.CopyFrom(ctx, pgx.Identifier{"standard_address"}, addressColumns, src); err != nil {
		return fmt.Errorf("records import: write addresses: %w", err)
	}
	valid := k.im.openSince()
	j := 0
	asg := pgx.CopyFromFunc(func() ([]any, error) {
		if j >= len(rows) {
			return nil, nil
		}
		v := []any{"standard_address", ids[j], string(rows[j].grid), valid}
		j++
		return v, nil
	})
	if _, err := sp.CopyFrom(ctx, pgx.Identifier{"assignment"}, []string{"record_type", "record_id", "grid_code", "valid"}, asg); err != nil {
		return fmt.Errorf("records import: write assignments: %w", err)
	}
	if err := sp.Commit(ctx); err != nil {
		return fmt.Errorf("records import: %w", err)
	}
	return nil
}

// isUniqueViolation says whether err is a unique violation of constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// reserveCodes gives each row a new code of its grid's village, from the
// villages' counters (address_code_reserve), which never give a code twice.
func (k *addressImport) reserveCodes(ctx context.Context, rows []addrRow) ([]string, error) {
	count := map[geo.Code]int{}
	for _, r := range rows {
		count[r.grid.Village()]++
	}
	villages := make([]string, 0, len(count))
	for v := range count {
		villages = append(villages, string(v))
	}
	sort.Strings(villages) // a fixed order: concurrent imports lock counters alike
	ns := make([]int32, len(villages))
	for i, v := range villages {
		ns[i] = int32(count[geo.Code(v)])
	}
	q, err := k.im.tx.Query(ctx, `SELECT x.v, address_code_reserve(x.v, x.n) FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS x(v, n, i) ORDER BY x.i`, villages, ns)
	if err != nil {
		return nil, fmt.Errorf("records import: reserve codes: %w", err)
	}
	next := map[geo.Code]int{}
	for q.Next() {
		var v string
		var first int
		if err := q.Scan(&v, &first); err != nil {
			q.Close()
			return nil, fmt.Errorf("records import: reserve codes: %w", err)
		}
		next[geo.Code(v)] = first
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("records import: reserve codes: %w", err)
	}
	codes := make([]string, len(rows))
	for i, r := range rows {
		v := r.grid.Village()
		c, err := NewAddressCode(v, next[v])
		if err != nil {
			return nil, fmt.Errorf("records import: %w", err)
		}
		next[v]++
		codes[i] = string(c)
	}
	return codes, nil
}

// zorder is the point's position on a Z-order (Morton) curve of 2^-16
// degree cells, for sorting points so that neighbours come together.
func zorder(p orb.Point) uint64 {
	x := uint64((p[0] + 180) * 65536)
	y := uint64((p[1] + 90) * 65536)
	var z uint64
	for i := range 26 {
		z |= (x>>i&1)<<(2*i) | (y>>i&1)<<(2*i+1)
	}
	return z
}
