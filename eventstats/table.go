package eventstats

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/uber/h3-go/v4"
)

// Event is one event as the statistics see it: where, what, in which
// state and when. No description and no reporter: nothing of it is
// personal.
type Event struct {
	ID int64
	// Grid is the event's current grid code (15 or 17 digits).
	Grid string
	// Type is the code of its type in its county's catalog.
	Type string
	// Status is its status in the flow ("reported", …, "closed").
	Status string
	Urgent bool
	// Lon and Lat are where it was reported (WGS 84); HasLocation is
	// false when the row has none.
	Lon, Lat    float64
	HasLocation bool
	ReportedAt  time.Time
	// DueAt is zero when the event has no deadline; ClosedAt is zero while
	// it is not closed.
	DueAt, ClosedAt time.Time
	// Seq is the event's change_seq: the order of its last change.
	Seq int64
}

// chunkRows is how many rows a chunk holds before a new one starts; a
// change copies only its chunk.
const chunkRows = 4096

// chunk holds rows sorted by id, one slice per column. It is never
// modified once a Table holding it is published, except by appending
// beyond the length every published Table sees.
type chunk struct {
	id       []int64
	grid     []int32  // index into Table.grids
	typ      []uint16 // index into Table.types
	status   []uint8  // index into Table.statuses
	urgent   []bool
	lon, lat []float64 // NaN without a location
	// cells holds, NumCellRes to a row, the H3 cells of resolutions
	// MinCellRes to MaxCellRes the location lies in (0 without a
	// location): package eventhex bins by them.
	cells []uint64
	// reported, due and closed are Unix microseconds (the database's
	// precision); 0 in due or closed means none.
	reported, due, closed []int64
}

func (c *chunk) len() int { return len(c.id) }

func (c *chunk) clone(extra int) *chunk {
	cp := func(s []int64) []int64 { return append(make([]int64, 0, len(s)+extra), s...) }
	cf := func(s []float64) []float64 { return append(make([]float64, 0, len(s)+extra), s...) }
	return &chunk{
		id: cp(c.id), grid: append(make([]int32, 0, len(c.grid)+extra), c.grid...),
		typ: append(make([]uint16, 0, len(c.typ)+extra), c.typ...), status: append(make([]uint8, 0, len(c.status)+extra), c.status...),
		urgent: append(make([]bool, 0, len(c.urgent)+extra), c.urgent...), lon: cf(c.lon), lat: cf(c.lat),
		cells:    append(make([]uint64, 0, len(c.cells)+extra*NumCellRes), c.cells...),
		reported: cp(c.reported), due: cp(c.due), closed: cp(c.closed),
	}
}

// row is one encoded row.
type row struct {
	id                    int64
	grid                  int32
	typ                   uint16
	status                uint8
	urgent                bool
	lon, lat              float64
	cells                 [NumCellRes]uint64
	reported, due, closed int64
}

func (c *chunk) set(i int, r row) {
	c.id[i], c.grid[i], c.typ[i], c.status[i], c.urgent[i] = r.id, r.grid, r.typ, r.status, r.urgent
	copy(c.cells[i*NumCellRes:], r.cells[:])
	c.lon[i], c.lat[i], c.reported[i], c.due[i], c.closed[i] = r.lon, r.lat, r.reported, r.due, r.closed
}

func (c *chunk) insert(i int, r row) {
	c.id = slices.Insert(c.id, i, r.id)
	c.grid = slices.Insert(c.grid, i, r.grid)
	c.typ = slices.Insert(c.typ, i, r.typ)
	c.status = slices.Insert(c.status, i, r.status)
	c.urgent = slices.Insert(c.urgent, i, r.urgent)
	c.lon = slices.Insert(c.lon, i, r.lon)
	c.lat = slices.Insert(c.lat, i, r.lat)
	c.cells = slices.Insert(c.cells, i*NumCellRes, r.cells[:]...)
	c.reported = slices.Insert(c.reported, i, r.reported)
	c.due = slices.Insert(c.due, i, r.due)
	c.closed = slices.Insert(c.closed, i, r.closed)
}

// split cuts c into two halves (fresh arrays).
func (c *chunk) split() (*chunk, *chunk) {
	h := c.len() / 2
	a, b := &chunk{}, &chunk{}
	a.id, b.id = slices.Clone(c.id[:h]), slices.Clone(c.id[h:])
	a.grid, b.grid = slices.Clone(c.grid[:h]), slices.Clone(c.grid[h:])
	a.typ, b.typ = slices.Clone(c.typ[:h]), slices.Clone(c.typ[h:])
	a.status, b.status = slices.Clone(c.status[:h]), slices.Clone(c.status[h:])
	a.urgent, b.urgent = slices.Clone(c.urgent[:h]), slices.Clone(c.urgent[h:])
	a.lon, b.lon = slices.Clone(c.lon[:h]), slices.Clone(c.lon[h:])
	a.lat, b.lat = slices.Clone(c.lat[:h]), slices.Clone(c.lat[h:])
	a.cells, b.cells = slices.Clone(c.cells[:h*NumCellRes]), slices.Clone(c.cells[h*NumCellRes:])
	a.reported, b.reported = slices.Clone(c.reported[:h]), slices.Clone(c.reported[h:])
	a.due, b.due = slices.Clone(c.due[:h]), slices.Clone(c.due[h:])
	a.closed, b.closed = slices.Clone(c.closed[:h]), slices.Clone(c.closed[h:])
	return a, b
}

// Table is one immutable version of the in-memory events: columns in
// chunks of rows sorted by id, and the dictionaries their small integers
// index. It is never modified after it is published.
type Table struct {
	// Seq is the highest change_seq the table holds: the events version.
	Seq int64
	// LoadedAt is when the newest change was read.
	LoadedAt time.Time

	chunks   []*chunk
	n        int
	grids    []string // dictionaries, append-only across versions
	types    []string
	statuses []string
}

// Len is the number of events.
func (t *Table) Len() int { return t.n }

// Grids returns the grid dictionary: a row's grid is an index into it.
func (t *Table) Grids() []string { return t.grids }

// The H3 resolutions every event's location is kept at (package
// eventhex draws them): from about 45 km across to about 130 m. Each
// cell is the one the point lies in at that resolution (a cgo call
// each), not the parent of the finest: H3's children stick out of their
// parents a little, and an event near such an edge would be counted in
// a hexagon it is not in.
const (
	MinCellRes = 4
	MaxCellRes = 10
	NumCellRes = MaxCellRes - MinCellRes + 1
)

// EachCell calls fn for every event with a location: its H3 cell at
// resolution res (MinCellRes to MaxCellRes), its location, and whether
// it is still open (not closed or rejected), in id order.
func (t *Table) EachCell(res int, fn func(cell uint64, lon, lat float64, open bool)) {
	if res < MinCellRes || res > MaxCellRes {
		return
	}
	k := res - MinCellRes
	for _, c := range t.chunks {
		for i := range c.id {
			if cell := c.cells[i*NumCellRes+k]; cell != 0 {
				fn(cell, c.lon[i], c.lat[i], c.closed[i] == 0)
			}
		}
	}
}

// cellsOf returns the cells of a location at every kept resolution.
func cellsOf(lon, lat float64) (out [NumCellRes]uint64) {
	ll := h3.NewLatLng(lat, lon)
	for k := range out {
		out[k] = uint64(h3.LatLngToCell(ll, MinCellRes+k))
	}
	return out
}

// Builder makes successive Tables from changes; it keeps the
// dictionaries' reverse maps. It is not safe for concurrent use: one
// goroutine applies changes, readers only see published Tables.
type Builder struct {
	cur                       *Table
	gridIdx, typeIdx, statIdx map[string]int
}

// NewBuilder returns a builder whose current table is empty.
func NewBuilder() *Builder {
	return &Builder{cur: &Table{}, gridIdx: map[string]int{}, typeIdx: map[string]int{}, statIdx: map[string]int{}}
}

// Current is the last table built.
func (b *Builder) Current() *Table { return b.cur }

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func dict(idx map[string]int, list *[]string, s string) int {
	if i, ok := idx[s]; ok {
		return i
	}
	i := len(*list)
	*list = append(*list, s)
	idx[s] = i
	return i
}

// Apply returns a new table: the current one with the events given
// inserted or replaced (matched by id), and Seq the highest of theirs and
// the current one. The current table is not modified; unchanged chunks
// are shared.
func (b *Builder) Apply(evs []Event, at time.Time) *Table {
	old := b.cur
	t := &Table{Seq: old.Seq, LoadedAt: at, chunks: slices.Clone(old.chunks), n: old.n,
		grids: old.grids, types: old.types, statuses: old.statuses}
	// shared maps each chunk this version made to the number of its
	// leading rows whose arrays older tables still read (0: all its own).
	shared := map[*chunk]int{}
	// The cells cost a cgo call per resolution: a full load computes them
	// on every core.
	cells := make([][NumCellRes]uint64, len(evs))
	workers := 1
	if len(evs) > 20000 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(evs); i += workers {
				if e := &evs[i]; e.HasLocation {
					cells[i] = cellsOf(e.Lon, e.Lat)
				}
			}
		})
	}
	wg.Wait()
	for j, e := range evs {
		if len(t.types) >= 1<<16-1 || len(t.statuses) >= 255 {
			break // refuse absurd dictionaries rather than wrap around
		}
		r := row{id: e.ID, grid: int32(dict(b.gridIdx, &t.grids, e.Grid)), typ: uint16(dict(b.typeIdx, &t.types, e.Type)),
			status: uint8(dict(b.statIdx, &t.statuses, e.Status)), urgent: e.Urgent, lon: math.NaN(), lat: math.NaN(),
			reported: micros(e.ReportedAt), due: micros(e.DueAt), closed: micros(e.ClosedAt)}
		if e.HasLocation {
			r.lon, r.lat = e.Lon, e.Lat
			r.cells = cells[j]
		}
		t.Seq = max(t.Seq, e.Seq)
		t.put(r, shared)
	}
	b.cur = t
	return t
}

// put inserts or replaces one row.
func (t *Table) put(r row, shared map[*chunk]int) {
	if len(t.chunks) == 0 {
		c := &chunk{}
		c.insert(0, r)
		t.chunks, shared[c] = append(t.chunks, c), 0
		t.n++
		return
	}
	// The chunk whose id range holds r.id: the last one whose first id is
	// at most r.id (or the first chunk).
	ci := max(sort.Search(len(t.chunks), func(i int) bool { return t.chunks[i].id[0] > r.id })-1, 0)
	c := t.chunks[ci]
	last := ci == len(t.chunks)-1
	i, found := slices.BinarySearch(c.id, r.id)
	// mine returns c as this version's own chunk, copying it when rows
	// below from are shared with older tables.
	mine := func(from int) *chunk {
		if s, ok := shared[c]; ok && from >= s {
			return c
		}
		if _, ok := shared[c]; !ok && last && from >= c.len() {
			// Appending to the last chunk: older tables never look beyond
			// their own length, so the arrays are shared (append copies
			// them when full); the header is new.
			nc := *c
			shared[&nc] = c.len()
			t.chunks[ci] = &nc
			return &nc
		}
		nc := c.clone(1)
		shared[nc] = 0
		t.chunks[ci] = nc
		return nc
	}
	switch {
	case found:
		mine(i).set(i, r)
		return
	case i == c.len() && last && c.len() >= chunkRows:
		nc := &chunk{}
		nc.insert(0, r)
		t.chunks, shared[nc] = append(t.chunks, nc), 0
	default:
		c = mine(i)
		c.insert(i, r)
		if c.len() > 2*chunkRows {
			a, b := c.split()
			t.chunks = slices.Replace(t.chunks, ci, ci+1, a, b)
			shared[a], shared[b] = 0, 0
		}
	}
	t.n++
}
