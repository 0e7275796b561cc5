package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"gridmap/events/workhours"
)

// The demo year of events (issue 18): about EventsPerHousehold events a
// year for every household, reported at a household's point (so the
// events spread as the population does), of the grid matters its
// county's catalog gives grid workers, over the year before
// Options.EventsUntil. Each event goes through the flow as far as its
// drawn step times reach before that moment: most of the old ones are
// closed, the recent ones still on their way, a few rejected or sent
// back, some past their deadline (due_at: the type's sla_hours in working
// hours, package events/workhours). Its history rows are the steps it
// took, so its status is always the last step's.

// EventsPerHousehold is how many events a household gives a year, on
// average.
const EventsPerHousehold = 0.15

// departments handle the matters of each category once dispatched.
var departments = map[string][]string{
	"safety":      {"应急管理局", "消防救援大队", "住房和城乡建设局"},
	"dispute":     {"司法局", "人民调解委员会", "人力资源和社会保障局"},
	"environment": {"生态环境局", "城市管理局", "水利局"},
	"facility":    {"住房和城乡建设局", "城市管理局", "供电公司", "水务集团"},
	"order":       {"城市管理局", "自然资源和规划局", "公安局交通警察大队"},
	"service":     {"民政局", "残疾人联合会", "农业农村局"},
}

// demoEventType is one type of a county's catalog.
type demoEventType struct {
	code, name, category, description string
	sla                               float64
	weight                            float64
}

// categoryWeight is how often a category's matters are reported.
var categoryWeight = map[string]float64{
	"safety": 1.2, "dispute": 1.0, "environment": 1.5, "facility": 1.6, "order": 1.4, "service": 0.8,
}

// step is one history row in the making.
type step struct {
	action, from, to, role, note string
	at                           time.Time
}

// demoEvent is one event and its history.
type demoEvent struct {
	id, household           int64
	county, grid, typ, desc string
	lon, lat                float64
	urgent                  bool
	status, department      string
	reported, due, updated  time.Time
	closed                  *time.Time
	steps                   []step
}

// EventsUntilOrDefault is EventsUntil, or its default: today's
// midnight, China Standard Time.
func (o Options) EventsUntilOrDefault() time.Time {
	if !o.EventsUntil.IsZero() {
		return o.EventsUntil
	}
	now := time.Now().In(workhours.CST)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, workhours.CST)
}

// events writes the demo year of events and their history.
func (d *demoRun) events(ctx context.Context) error {
	if d.opts.SkipEvents {
		return nil
	}
	types, err := d.eventTypes(ctx)
	if err != nil {
		return err
	}
	until := d.opts.EventsUntilOrDefault()
	from := until.AddDate(-1, 0, 0)
	// The households that report, drawn by a hash of their id (the same
	// ones for the same seed), in id order; only counties that publish a
	// catalog.
	rows, err := d.tx.Query(ctx, `
		SELECT h.id, h.grid_code, ST_X(h.geom), ST_Y(h.geom)
		FROM household h
		WHERE (hashint8extended(h.id, $1) & 1048575) < $2
		  AND substr(h.grid_code, 1, 6) IN (SELECT county FROM event_type)
		ORDER BY h.id`, d.opts.Seed, int64(math.Round(EventsPerHousehold*1048576)))
	if err != nil {
		return fmt.Errorf("households that report: %w", err)
	}
	type reporter struct {
		id       int64
		grid     string
		lon, lat float64
	}
	var hs []reporter
	for rows.Next() {
		var h reporter
		if err := rows.Scan(&h.id, &h.grid, &h.lon, &h.lat); err != nil {
			rows.Close()
			return fmt.Errorf("households that report: %w", err)
		}
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("households that report: %w", err)
	}
	d.progress("events", 0, len(hs))
	cal := workhours.Default()
	rng := rand.New(rand.NewPCG(uint64(d.opts.Seed), 0x5eed0e7e))
	evs := make([]demoEvent, len(hs))
	nHist := 0
	for i, h := range hs {
		e := &evs[i]
		*e = demoEvent{id: int64(i + 1), household: h.id, county: h.grid[:6], grid: h.grid, lon: h.lon, lat: h.lat}
		drawEvent(rng, e, types[e.county], cal, from, until)
		nHist += len(e.steps)
	}
	if _, err := d.tx.Exec(ctx, "SET LOCAL gridmap.event_notify = 'off'"); err != nil {
		return err
	}
	n, err := d.tx.CopyFrom(ctx, pgx.Identifier{"event"},
		[]string{"id", "county", "type_code", "description", "location", "grid_code", "report_grid_code", "urgent", "status",
			"department", "reported_at", "due_at", "closed_at", "updated_at", "reporter", "reporter_role"},
		pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
			e := &evs[i]
			var dep any
			if e.department != "" {
				dep = e.department
			}
			pt := geom.NewPointFlat(geom.XY, []float64{e.lon, e.lat}).SetSRID(4326)
			if i%20000 == 0 {
				d.progress("events", i, len(evs))
			}
			return []any{e.id, e.county, e.typ, e.desc, pt, e.grid, e.grid, e.urgent, e.status, dep,
				e.reported, e.due, e.closed, e.updated, "demo", "worker"}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy events: %w", err)
	}
	d.stats.Events, d.stats.EventsUntil = int(n), until
	d.progress("events", len(evs), len(evs))
	type histRef struct{ e, s int }
	refs := make([]histRef, 0, nHist)
	for i := range evs {
		for j := range evs[i].steps {
			refs = append(refs, histRef{i, j})
		}
	}
	if _, err := d.tx.CopyFrom(ctx, pgx.Identifier{"event_history"},
		[]string{"event_id", "seq", "action", "from_status", "to_status", "actor", "role", "note", "at"},
		pgx.CopyFromSlice(len(refs), func(i int) ([]any, error) {
			e := &evs[refs[i].e]
			s := e.steps[refs[i].s]
			var from any
			if s.from != "" {
				from = s.from
			}
			return []any{e.id, int32(refs[i].s + 1), s.action, from, s.to, "demo:" + s.role, s.role, s.note, s.at}, nil
		})); err != nil {
		return fmt.Errorf("copy event history: %w", err)
	}
	// finish puts back the indexes and analyses the tables.
	return d.exec(ctx, fmt.Sprintf("SELECT setval('event_id_seq', %d, %t)", max(len(evs), 1), len(evs) > 0))
}

// eventTypes reads the grid matters of every county's catalog, with the
// weight each is drawn with.
func (d *demoRun) eventTypes(ctx context.Context) (map[string][]demoEventType, error) {
	rows, err := d.tx.Query(ctx, `SELECT county, code, name, category, description, sla_hours::float8
		FROM event_type WHERE grid_matter ORDER BY county, code`)
	if err != nil {
		return nil, fmt.Errorf("event types: %w", err)
	}
	defer rows.Close()
	out := map[string][]demoEventType{}
	for rows.Next() {
		var county string
		var t demoEventType
		if err := rows.Scan(&county, &t.code, &t.name, &t.category, &t.description, &t.sla); err != nil {
			return nil, fmt.Errorf("event types: %w", err)
		}
		t.weight = categoryWeight[t.category]
		if t.weight == 0 {
			t.weight = 0.5
		}
		out[county] = append(out[county], t)
	}
	return out, rows.Err()
}

// hours is a duration of h hours.
func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// lognormal draws around median with spread sigma (of the log).
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// drawEvent draws one event's type, time and flow up to until.
func drawEvent(r *rand.Rand, e *demoEvent, types []demoEventType, cal *workhours.Calendar, from, until time.Time) {
	total := 0.0
	for _, t := range types {
		total += t.weight
	}
	x := r.Float64() * total
	t := types[len(types)-1]
	for _, c := range types {
		if x -= c.weight; x < 0 {
			t = c
			break
		}
	}
	e.typ, e.desc = t.code, t.name+"："+t.description
	e.urgent = t.category == "safety" && r.IntN(8) == 0 || r.IntN(100) == 0
	// Reported on a day of the year, mostly in the daytime.
	day := from.AddDate(0, 0, r.IntN(int(until.Sub(from).Hours()/24)))
	minute := 7*60 + r.IntN(12*60)
	if r.IntN(6) == 0 {
		minute = r.IntN(24 * 60)
	}
	e.reported = day.Add(time.Duration(minute)*time.Minute + time.Duration(r.IntN(60))*time.Second)
	e.due = cal.Add(e.reported, t.sla)
	at := e.reported
	dep := departments[t.category]
	status := ""
	// A few events stall at some step and stay open (a backlog, overdue
	// by now); the rest stop only at until.
	stall := math.MaxInt
	if r.IntN(40) == 0 {
		stall = 1 + r.IntN(6)
	}
	add := func(action, to, role, note string, after float64) bool {
		next := at.Add(hours(after))
		if !next.Before(until) || len(e.steps) >= stall {
			return false
		}
		at = next
		e.steps = append(e.steps, step{action: action, from: status, to: to, role: role, note: note, at: at})
		status = to
		return true
	}
	quick := 1.0 // urgent matters move faster
	if e.urgent {
		quick = 0.2
	}
	add("report", "reported", "worker", "", 0)
	flow := func() {
		if !add("accept", "accepted", "operator", "", lognormal(r, 0.8, 0.8)*quick) {
			return
		}
		if r.IntN(40) == 0 {
			add("reject", "rejected", "operator", "不属于网格事项，已告知报告人", lognormal(r, 2, 0.5))
			return
		}
		dd := dep[r.IntN(len(dep))]
		if !add("dispatch", "dispatched", "operator", dd, lognormal(r, 1.5, 0.7)*quick) {
			return
		}
		e.department = dd
		if r.IntN(12) == 0 { // not theirs: back to the centre, then another department
			if !add("return", "returned", "department", "非本部门职责，请重新派遣", lognormal(r, 6, 0.8)) {
				return
			}
			dd = dep[r.IntN(len(dep))]
			if !add("dispatch", "dispatched", "operator", dd, lognormal(r, 3, 0.8)) {
				return
			}
			e.department = dd
		}
		// The department's answer: around the deadline in working time,
		// which is two to four times as long in clock time; a tail runs late.
		if !add("respond", "responded", "department", "已到现场处置完毕", lognormal(r, 2.2*t.sla, 0.7)*quick) {
			return
		}
		if !add("verify", "verified", "worker", "现场核实，处置属实", lognormal(r, 8, 0.9)) {
			return
		}
		add("close", "closed", "operator", "", lognormal(r, 3, 0.8))
	}
	if r.IntN(60) == 0 {
		add("reject", "rejected", "operator", "重复报告", lognormal(r, 1, 0.6))
	} else {
		flow()
	}
	e.status, e.updated = status, at
	if status == "closed" || status == "rejected" {
		c := at
		e.closed = &c
	}
}
