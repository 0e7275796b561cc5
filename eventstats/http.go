package eventstats

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"gridmap/geo"
	prob "gridmap/problem"
)

// TableSource gives the table to answer from (Holder.Current).
type TableSource func() *Table

// cst is China Standard Time, in which a bare date (from=2026-03-01) is
// read.
var cst = time.FixedZone("CST", 8*3600)

// Handler serves GET /stats/events?area=CODE[&from=&to=]: the statistics
// of the events of one area, from the in-memory table. Who may ask is the
// router's business (an operator, approver or admin whose scope covers
// the area). known, when not nil, says whether an area or grid code
// exists (404 otherwise); now is the clock overdue is judged by (nil:
// time.Now).
func Handler(src TableSource, known func(geo.Code) bool, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, bad := ParseQuery(r)
		if len(bad) > 0 {
			prob.Invalid(w, r, bad)
			return
		}
		if known != nil && !known(q.Area) {
			prob.Status(w, r, http.StatusNotFound, fmt.Sprintf("no area or grid %s in the current dataset", q.Area.Short()))
			return
		}
		q.Now = now()
		t := src()
		if t == nil {
			prob.Status(w, r, http.StatusServiceUnavailable, "the events are not loaded yet; try again shortly")
			return
		}
		s, err := t.Stats(q)
		if err != nil {
			prob.Invalid(w, r, map[string]string{"area": err.Error()})
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			prob.Status(w, r, http.StatusInternalServerError, "encoding the statistics failed")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "private, no-cache")
		w.Write(append(b, '\n'))
	})
}

// ParseQuery reads area (required), from and to (RFC 3339, or a date
// read as midnight China Standard Time; to must be after from) and
// returns what is wrong with each, by parameter name.
func ParseQuery(r *http.Request) (Query, map[string]string) {
	bad := map[string]string{}
	var q Query
	v := r.URL.Query()
	switch a := v.Get("area"); a {
	case "":
		bad["area"] = "missing: give a grid, village, town or county code, or 320900 for the whole city"
	default:
		c, err := geo.ParseCode(a)
		if err != nil {
			bad["area"] = err.Error()
		}
		q.Area = c
	}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := parseTime(s)
		if err != nil {
			bad[p.name] = err.Error()
		}
		*p.to = t
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		bad["to"] = fmt.Sprintf("%s is not after from (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	}
	return q, bad
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, cst); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-03-01T08:00:00+08:00) nor a date (2026-03-01)", s)
}
