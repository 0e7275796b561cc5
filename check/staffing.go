package check

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// The staffing rules of the grid workers (package workers keeps the
// data): an urban comprehensive grid without a current full-time worker
// (Art. 15), a town centre with fewer seat operators than its population
// asks (Art. 6), a full-time worker still in post after two failed yearly
// reviews in a row (Art. 17). They are warnings: staffing is not an
// invariant of the map.
//
// They look only at towns that keep their workers in gridmap (at least
// one worker on file): before a town enters its workers, every one of its
// grids would be "without a full-time worker", which says nothing. Dates
// are Beijing days.

func staffingChecks() []checkDef {
	return []checkDef{
		{geo.CheckGridWithoutFullTime, geo.SeverityWarning, "urban comprehensive grids without a current full-time worker (Art. 15), in towns that keep their workers", checkGridWithoutFullTime},
		{geo.CheckTownSeatOperators, geo.SeverityWarning, "towns whose centre has fewer seat operators than Art. 6 asks for their population, in towns that keep their workers", checkTownSeatOperators},
		{geo.CheckFullTimeFailedReviews, geo.SeverityWarning, "full-time workers still in post after two failed yearly reviews in a row (Art. 17)", checkFullTimeFailedReviews},
	}
}

// Staffing runs only the staffing checks, limited to area (a town, or a
// county or the city; "" for the whole city): GET /checks for a town's
// operator.
func Staffing(ctx context.Context, st *store.Store, area geo.Code, opts Options) (*Report, error) {
	return runChecks(ctx, st, opts, staffingChecks(), area, nil)
}

// staffingArgs are the query arguments of a staffing check: @area is the
// code prefix of the area checked ("" for all), @today the Beijing date.
func (c *run) staffingArgs() pgx.NamedArgs {
	args := c.args()
	prefix := ""
	if c.area != "" {
		prefix = c.area.Short()
	}
	args["area"] = prefix
	return args
}

const todaySQL = `(now() AT TIME ZONE 'Asia/Shanghai')::date`

// keepingTownsSQL are the towns with a worker on file, within @area.
const keepingTownsSQL = `
	SELECT DISTINCT town FROM worker WHERE starts_with(town, @area)`

const gridWithoutFullTimeSQL = `
	WITH towns AS (` + keepingTownsSQL + `),
	bad AS (
		SELECT g.code, g.name, g.geom FROM grid_current g
		JOIN towns t ON t.town = substr(g.code, 1, 9) || '000'
		WHERE g.kind = 'urban' AND length(g.code) = 15 AND starts_with(g.code, @area)
		  AND NOT EXISTS (SELECT 1 FROM appointment a
		                  WHERE a.grid_code = g.code AND a.role = 'fulltime' AND a.valid @> ` + todaySQL + `))
	SELECT code, name, ST_PointOnSurface(geom), count(*) OVER () FROM bad ORDER BY code LIMIT @max`

func checkGridWithoutFullTime(ctx context.Context, c *run) error {
	var code, name string
	var total int
	var loc orb.Geometry
	return c.query(ctx, gridWithoutFullTimeSQL, c.staffingArgs(), &total, []any{&code, &name, store.ScanLocation(&loc), &total},
		func() (geo.Finding, error) {
			return geo.Finding{Codes: []string{code}, Location: loc, Message: fmt.Sprintf(
				"urban comprehensive grid %s (%s) has no current full-time grid worker: Art. 15 asks every urban comprehensive grid for one", code, name)}, nil
		})
}

// AverageHouseholdSize estimates a town's population from its households
// when no resident is on file: persons per household in the 7th national
// census (2020), 2.62.
const AverageHouseholdSize = 2.62

// townSeatOperatorsSQL compares each keeping town's current seat operators
// with Art. 6: at least 2, or 3 above 100,000 people. The population is
// the count of residents at standard addresses of the town's grids; a
// town with none on file is estimated from its households.
const townSeatOperatorsSQL = `
	WITH towns AS (` + keepingTownsSQL + `),
	pop AS (
		SELECT t.town,
		       (SELECT count(*) FROM resident r JOIN standard_address s ON s.id = r.address_id
		        WHERE substr(s.grid_code, 1, 9) || '000' = t.town) AS residents,
		       (SELECT count(*) FROM household h WHERE substr(h.grid_code, 1, 9) || '000' = t.town) AS households,
		       (SELECT count(*) FROM seat_operator o WHERE o.town = t.town AND o.valid @> ` + todaySQL + `) AS seats
		FROM towns t),
	need AS (
		SELECT p.*, CASE WHEN residents > 0 THEN residents ELSE round(households * @hh)::bigint END AS population
		FROM pop p),
	bad AS (
		SELECT n.*, CASE WHEN population > 100000 THEN 3 ELSE 2 END AS required FROM need n)
	SELECT b.town, coalesce(a.name, ''), b.residents, b.households, b.population, b.seats, b.required, count(*) OVER ()
	FROM bad b LEFT JOIN area a ON a.code = b.town
	WHERE b.seats < b.required ORDER BY b.town LIMIT @max`

func checkTownSeatOperators(ctx context.Context, c *run) error {
	var town, name string
	var residents, households, population, seats, required int64
	var total int
	args := c.staffingArgs()
	args["hh"] = AverageHouseholdSize
	return c.query(ctx, townSeatOperatorsSQL, args, &total,
		[]any{&town, &name, &residents, &households, &population, &seats, &required, &total},
		func() (geo.Finding, error) {
			source := fmt.Sprintf("from the %d resident(s) on file", residents)
			if residents == 0 {
				source = fmt.Sprintf("estimated: no resident on file, %d households × %.2f", households, AverageHouseholdSize)
			}
			return geo.Finding{Codes: []string{town}, Message: fmt.Sprintf(
				"town %s (%s) has %d seat operator(s) at its centre; Art. 6 asks for at least %d for a population of %d (%s)",
				geo.Code(town).Short(), name, seats, required, population, source)}, nil
		})
}

const fullTimeFailedReviewsSQL = `
	WITH bad AS (
		SELECT DISTINCT ON (a.id) a.id, a.worker_id, w.name, a.grid_code, r.year
		FROM appointment a JOIN worker w ON w.id = a.worker_id
		JOIN worker_review r ON r.worker_id = a.worker_id AND NOT r.passed
		JOIN worker_review p ON p.worker_id = a.worker_id AND NOT p.passed AND p.year = r.year - 1
		WHERE a.role = 'fulltime' AND a.valid @> ` + todaySQL + ` AND starts_with(a.grid_code, @area)
		ORDER BY a.id, r.year)
	SELECT id, worker_id, name, grid_code, year, count(*) OVER () FROM bad ORDER BY grid_code, id LIMIT @max`

func checkFullTimeFailedReviews(ctx context.Context, c *run) error {
	var id, worker int64
	var name, grid string
	var year, total int
	return c.query(ctx, fullTimeFailedReviewsSQL, c.staffingArgs(), &total, []any{&id, &worker, &name, &grid, &year, &total},
		func() (geo.Finding, error) {
			return geo.Finding{Codes: []string{grid, fmt.Sprintf("worker/%d", worker)}, Message: fmt.Sprintf(
				"worker %d (%s) is still the full-time worker of grid %s (appointment %d) after failing the reviews of %d and %d: Art. 17 asks them to leave",
				worker, name, grid, id, year-1, year)}, nil
		})
}
