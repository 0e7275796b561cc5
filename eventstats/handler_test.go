package eventstats_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gridmap/eventstats"
	"gridmap/geo"
)

// TestHandlerAnswers checks the handler's answers without a database: a
// table of three events, the codes it knows, and refusals saying what to
// fix.
func TestHandlerAnswers(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := eventstats.NewBuilder()
	b.Apply([]eventstats.Event{
		{ID: 1, Grid: "320902001001001", Type: "env.noise", Status: "closed", ReportedAt: at, DueAt: at.Add(8 * time.Hour), ClosedAt: at.Add(10 * time.Hour), Seq: 1},
		{ID: 2, Grid: "320902001001002", Type: "env.noise", Status: "reported", ReportedAt: at, DueAt: at.Add(2 * time.Hour), Seq: 2},
		{ID: 3, Grid: "320902002001001", Type: "safety.gas", Status: "closed", ReportedAt: at.Add(time.Hour), DueAt: at.Add(3 * time.Hour), ClosedAt: at.Add(5 * time.Hour), Seq: 3},
	}, at)
	known := func(c geo.Code) bool { return c.Short() != "320902009" }
	h := eventstats.Handler(b.Current, known, func() time.Time { return at.Add(24 * time.Hour) })
	for _, c := range []struct {
		query  string
		status int
		total  int
		median float64
	}{
		{"area=320900", 200, 3, 7},
		{"area=320902001", 200, 2, 10},
		{"area=320902001001002", 200, 1, -1},
		{"area=320902&from=2026-03-02T09:30:00Z", 200, 1, 4},
		{"area=320902&to=2026-03-02T09:30:00Z", 200, 2, 10},
		{"area=320902009", 404, 0, 0},
		{"area=3209020010010019", 400, 0, 0},
		{"area=", 400, 0, 0},
		{"area=320902&from=2026-13-01", 400, 0, 0},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/stats/events?"+c.query, nil))
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.query, rec.Code, rec.Body, c.status)
			continue
		}
		if c.status != 200 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s: refused as %q, want a problem", c.query, ct)
			}
			continue
		}
		var s eventstats.Stats
		if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		med := -1.0
		if s.MedianHoursToClose != nil {
			med = *s.MedianHoursToClose
		}
		if s.Total != c.total || med != c.median {
			t.Errorf("%s: total %d, median %v hours; want %d, %v", c.query, s.Total, med, c.total, c.median)
		}
		if c.query == "area=320900" && (s.Overdue != 1 || s.ByType["env.noise"] != 2 || s.ByStatus["closed"] != 2 || *s.P90HoursToClose != 9.4) {
			t.Errorf("city: %+v", s)
		}
	}
}
