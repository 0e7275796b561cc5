package workers

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// CRS names the coordinates a check-in is sent in.
type CRS string

// The coordinate systems of check-ins.
const (
	CRSWGS84 CRS = "wgs84" // GPS, as the standard says
	CRSGCJ02 CRS = "gcj02" // what phones' map SDKs in China report
)

// Checkin is a patrol check-in (Art. 19), as recorded.
type Checkin struct {
	ID     int64    `json:"id"`
	Worker int64    `json:"worker"`
	Grid   geo.Code `json:"grid_code"`
	// Inside reports whether the point lies in the worker's grid by the
	// lookup rule; Found is the grid the lookup gives ("" outside all).
	Inside    bool      `json:"inside"`
	Found     string    `json:"found_grid"`
	Lon       float64   `json:"lon"` // WGS-84, after conversion
	Lat       float64   `json:"lat"`
	CRS       CRS       `json:"crs"`
	AccuracyM *float64  `json:"accuracy_m"`
	At        time.Time `json:"at"`
}

// CheckIn records a worker's check-in at lon, lat in crs: always, with
// inside set when the point (converted to WGS-84 first when sent in
// GCJ-02) lies in the worker's grid (the token's) by the lookup rule, on
// the live index.
func (s *Service) CheckIn(ctx context.Context, a Actor, lon, lat float64, accuracy *float64, crs CRS) (Checkin, error) {
	if a.Role != callerWorker || a.Worker == 0 || !a.Area.IsGrid() {
		return Checkin{}, refuse(KindForbidden, "check-ins need a worker token (gridd token create --role worker --area GRID --worker ID); token is %s", a.Role)
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return Checkin{}, badField("lon", "want a longitude from -180 to 180")
	}
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return Checkin{}, badField("lat", "want a latitude from -90 to 90")
	}
	if accuracy != nil && (math.IsNaN(*accuracy) || *accuracy < 0) {
		return Checkin{}, badField("accuracy_m", "want a distance in metres, 0 or more")
	}
	c := Checkin{Worker: a.Worker, Grid: a.Area, CRS: crs, AccuracyM: accuracy, Lon: lon, Lat: lat}
	switch crs {
	case CRSWGS84:
	case CRSGCJ02:
		c.Lon, c.Lat = GCJToWGS(lon, lat)
	default:
		return Checkin{}, badField("crs", "%q: want wgs84 or gcj02", crs)
	}
	state := s.current(ctx)
	h := state.Index.Lookup(orb.Point{c.Lon, c.Lat})
	switch {
	case h.SubGrid >= 0:
		c.Found = string(state.Snap.Grids[h.SubGrid].Code)
		c.Inside = c.Found == string(a.Area) || string(state.Snap.Grids[h.Grid].Code) == string(a.Area)
	case h.Grid >= 0:
		c.Found = string(state.Snap.Grids[h.Grid].Code)
		c.Inside = c.Found == string(a.Area)
	}
	var found *string
	if c.Found != "" {
		found = &c.Found
	}
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, insertCheckinSQL, a.Worker, string(a.Area), string(crs), lon, lat, accuracy,
			c.Lon, c.Lat, c.Inside, found).Scan(&c.ID, &c.At); err != nil {
			return fmt.Errorf("check-in: %w", err)
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "patrol.checkin", Target: fmt.Sprintf("patrol_checkin/%d", c.ID), After: c, RequestID: a.RequestID})
	})
	return c, err
}

// DayVisits is one day of a grid's patrols.
type DayVisits struct {
	Day      string `json:"day"`
	Checkins int    `json:"checkins"`
	Inside   int    `json:"inside"`
	Workers  int    `json:"workers"`
}

// Patrols is a grid's patrol record over a period: check-ins per day and
// the visit coverage, the share of its live standard addresses within
// CoverageM metres of a worker's path through their check-ins.
type Patrols struct {
	Grid      geo.Code    `json:"grid"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Days      []DayVisits `json:"days"`
	Addresses int         `json:"addresses"`
	Visited   int         `json:"visited"`
	Coverage  *float64    `json:"coverage"` // nil when the grid has no address
	CoverageM float64     `json:"coverage_m"`
}

// CoverageM is the distance of an address from a check-in path within
// which it counts as visited.
const CoverageM = 100

// GridPatrols answers the patrol record of a grid between from and to
// (Beijing dates, inclusive), for its town's operators.
func (s *Service) GridPatrols(ctx context.Context, a Actor, grid geo.Code, from, to time.Time) (Patrols, error) {
	if !a.mayManage(grid.Town()) {
		return Patrols{}, refuse(KindForbidden, "reading the patrols of town %s needs an operator or admin token for it", grid.Town().Short())
	}
	if to.Before(from) {
		return Patrols{}, badField("to", "%s is before from", to.Format(time.DateOnly))
	}
	p := Patrols{Grid: grid, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Days: []DayVisits{}, CoverageM: CoverageM}
	rows, _ := s.st.Pool().Query(ctx, visitsSQL, string(grid), from, to)
	var d DayVisits
	var day time.Time
	if _, err := pgx.ForEachRow(rows, []any{&day, &d.Checkins, &d.Inside, &d.Workers}, func() error {
		d.Day = day.Format(time.DateOnly)
		p.Days = append(p.Days, d)
		return nil
	}); err != nil {
		return Patrols{}, fmt.Errorf("patrols of %s: %w", grid, err)
	}
	if err := s.st.Pool().QueryRow(ctx, coverageSQL, string(grid), from, to, float64(CoverageM)).Scan(&p.Addresses, &p.Visited); err != nil {
		return Patrols{}, fmt.Errorf("visit coverage of %s: %w", grid, err)
	}
	if p.Addresses > 0 {
		c := float64(p.Visited) / float64(p.Addresses)
		p.Coverage = &c
	}
	return p, nil
}
