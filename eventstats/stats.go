package eventstats

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gridmap/geo"
)

// StatusClosed is the status whose events count for the hours to close.
const StatusClosed = "closed"

// Query says which events to count.
type Query struct {
	// Area is a grid, village, town, county or the city: events whose
	// current grid code lies under it count.
	Area geo.Code
	// From and To bound the report time, From ≤ reported_at < To; a zero
	// bound is open.
	From, To time.Time
	// Now is the moment overdue is judged at: due before it and not
	// closed.
	Now time.Time
}

// Stats are the statistics of one area (the JSON of GET /stats/events).
type Stats struct {
	Area  string `json:"area"`
	Total int    `json:"total"`
	// ByStatus and ByType count the events per status and per type code;
	// only what occurs is listed.
	ByStatus map[string]int `json:"by_status"`
	ByType   map[string]int `json:"by_type"`
	// Overdue counts events past their due time at Now and still open
	// (neither closed nor rejected: no close time).
	Overdue int `json:"overdue"`
	// Closed counts the events closed (status closed: a rejected event
	// has a close time too but was never handled), which the two
	// percentiles are over.
	Closed int `json:"closed"`
	// MedianHoursToClose and P90HoursToClose are percentile_cont(0.5)
	// and (0.9) of the hours from report to close; nil when none closed.
	MedianHoursToClose *float64 `json:"median_hours_to_close"`
	P90HoursToClose    *float64 `json:"p90_hours_to_close"`
	// Version is the events version (change_seq) counted; AsOf is Now.
	Version int64     `json:"version"`
	AsOf    time.Time `json:"as_of"`
}

var hoursPool = sync.Pool{New: func() any { return new([]int64) }}

// members marks the grid dictionary entries under area.
func (t *Table) members(area geo.Code) ([]bool, error) {
	var prefix string
	switch area.Level() {
	case geo.LevelCity, geo.LevelCounty, geo.LevelTown:
		prefix = area.Short()
	case geo.LevelVillage, geo.LevelGrid, geo.LevelSubGrid:
		prefix = string(area)
	default:
		return nil, fmt.Errorf("area %q is not a city, county, town, village, grid or sub-grid code", area)
	}
	m := make([]bool, len(t.grids))
	for i, g := range t.grids {
		m[i] = strings.HasPrefix(g, prefix)
	}
	return m, nil
}

// Stats counts the events of q.Area in one pass over the columns.
func (t *Table) Stats(q Query) (Stats, error) {
	m, err := t.members(q.Area)
	if err != nil {
		return Stats{}, err
	}
	from, to := int64(-1<<63), int64(1<<63-1)
	if !q.From.IsZero() {
		from = q.From.UnixMicro()
	}
	if !q.To.IsZero() {
		to = q.To.UnixMicro()
	}
	now := q.Now.UnixMicro()
	byStatus := make([]int, len(t.statuses))
	byType := make([]int, len(t.types))
	var total, overdue int
	// hours are the microseconds from report to close: a buffer from the
	// pool, sized for every event, so the whole city's scan neither grows
	// nor allocates it.
	buf := hoursPool.Get().(*[]int64)
	defer hoursPool.Put(buf)
	if cap(*buf) < t.n {
		*buf = make([]int64, 0, t.n)
	}
	hours := (*buf)[:0]
	closedStatus := slices.Index(t.statuses, StatusClosed)
	for _, c := range t.chunks {
		grid, rep, due, closed, st, typ := c.grid, c.reported, c.due, c.closed, c.status, c.typ
		for i := range grid {
			if !m[grid[i]] || rep[i] < from || rep[i] >= to {
				continue
			}
			total++
			byStatus[st[i]]++
			byType[typ[i]]++
			switch {
			case closed[i] == 0:
				if due[i] != 0 && due[i] < now {
					overdue++
				}
			case int(st[i]) == closedStatus:
				hours = append(hours, closed[i]-rep[i])
			}
		}
	}
	s := Stats{Area: q.Area.Short(), Total: total, ByStatus: map[string]int{}, ByType: map[string]int{},
		Overdue: overdue, Closed: len(hours), Version: t.Seq, AsOf: q.Now}
	for i, n := range byStatus {
		if n > 0 {
			s.ByStatus[t.statuses[i]] = n
		}
	}
	for i, n := range byType {
		if n > 0 {
			s.ByType[t.types[i]] = n
		}
	}
	if len(hours) > 0 {
		med, p90 := percentileCont(hours, 0.5)/3.6e9, percentileCont(hours, 0.9)/3.6e9
		s.MedianHoursToClose, s.P90HoursToClose = &med, &p90
	}
	return s, nil
}
