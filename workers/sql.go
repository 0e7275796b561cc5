package workers

// The queries of the package, one constant each. Dates travel as date
// values; an appointment's `valid` is a daterange whose upper bound is the
// day after its last day (open while it runs).

const insertWorkerSQL = `
	INSERT INTO worker (town, name, id_number_sealed, id_number_hash, phone_sealed, phone_hash, birth_date, committee_member)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
	RETURNING id, created_at`

const insertTrainingSQL = `
	INSERT INTO worker_training (worker_id, trained_on, course) VALUES ($1, $2, $3)
	ON CONFLICT ON CONSTRAINT worker_training_once DO NOTHING`

const workerSQL = `
	SELECT id, town, name, id_number_sealed, phone_sealed, birth_date, committee_member, created_at
	FROM worker WHERE id = $1`

const workerForUpdateSQL = workerSQL + ` FOR UPDATE`

const trainingsSQL = `
	SELECT trained_on, course FROM worker_training WHERE worker_id = $1 ORDER BY trained_on, id`

const reviewsSQL = `
	SELECT year, passed FROM worker_review WHERE worker_id = $1 ORDER BY year`

const insertReviewSQL = `
	INSERT INTO worker_review (worker_id, year, passed) VALUES ($1, $2, $3)`

// appointmentColumns reads an appointment a joined with its worker w.
const appointmentColumns = `
	a.id, a.worker_id, w.name, a.grid_code, a.role, lower(a.valid), upper(a.valid) - 1, upper_inf(a.valid)`

const workerAppointmentsSQL = `
	SELECT` + appointmentColumns + `
	FROM appointment a JOIN worker w ON w.id = a.worker_id
	WHERE a.worker_id = $1 ORDER BY lower(a.valid), a.id`

// gridAppointmentsSQL lists a grid's appointments, all of them or those
// running on date $2 (who answered for the grid that day).
const gridAppointmentsSQL = `
	SELECT` + appointmentColumns + `
	FROM appointment a JOIN worker w ON w.id = a.worker_id
	WHERE a.grid_code = $1 AND ($2::date IS NULL OR a.valid @> $2::date)
	ORDER BY lower(a.valid), a.id`

const appointmentSQL = `
	SELECT` + appointmentColumns + `
	FROM appointment a JOIN worker w ON w.id = a.worker_id
	WHERE a.id = $1`

const currentGridSQL = `SELECT kind FROM grid_current WHERE code = $1`

const fullTimeOnSQL = `
	SELECT grid_code FROM appointment
	WHERE worker_id = $1 AND role = 'fulltime' AND valid @> $2::date
	ORDER BY grid_code LIMIT 1`

const failedYearsSQL = `SELECT year FROM worker_review WHERE worker_id = $1 AND NOT passed`

const insertAppointmentSQL = `
	INSERT INTO appointment (worker_id, grid_code, role, valid)
	VALUES ($1, $2, $3, daterange($4::date, NULL, '[)'))
	RETURNING id`

const endAppointmentSQL = `
	UPDATE appointment SET valid = daterange(lower(valid), $2::date + 1, '[)')
	WHERE id = $1 AND upper_inf(valid)`

const insertSeatSQL = `
	INSERT INTO seat_operator (worker_id, town, valid) VALUES ($1, $2, daterange($3::date, NULL, '[)'))
	RETURNING id`

const seatColumns = `s.id, s.worker_id, w.name, s.town, lower(s.valid), upper(s.valid) - 1, upper_inf(s.valid)`

const seatSQL = `SELECT ` + seatColumns + ` FROM seat_operator s JOIN worker w ON w.id = s.worker_id WHERE s.id = $1`

const townSeatsSQL = `
	SELECT ` + seatColumns + ` FROM seat_operator s JOIN worker w ON w.id = s.worker_id
	WHERE s.town = $1 AND ($2::date IS NULL OR s.valid @> $2::date)
	ORDER BY lower(s.valid), s.id`

const workerSeatsSQL = `
	SELECT ` + seatColumns + ` FROM seat_operator s JOIN worker w ON w.id = s.worker_id
	WHERE s.worker_id = $1 ORDER BY lower(s.valid), s.id`

const endSeatSQL = `
	UPDATE seat_operator SET valid = daterange(lower(valid), $2::date + 1, '[)')
	WHERE id = $1 AND upper_inf(valid)`

const townSQL = `SELECT name FROM area WHERE code = $1 AND level = 'town'`

// boardSQL gives the current leader and full-time workers of a grid on
// date $2, leader first, with their sealed phones (opened for the board
// only).
const boardSQL = `
	SELECT a.role, w.name, w.phone_sealed
	FROM appointment a JOIN worker w ON w.id = a.worker_id
	WHERE a.grid_code = $1 AND a.role IN ('leader', 'fulltime') AND a.valid @> $2::date
	ORDER BY a.role = 'fulltime', lower(a.valid), a.id`

const insertCheckinSQL = `
	INSERT INTO patrol_checkin (worker_id, grid_code, crs, raw_lon, raw_lat, accuracy_m, geom, inside, found_grid)
	VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9, $10)
	RETURNING id, at`

// visitsSQL counts a grid's check-ins per Beijing day between $2 and $3
// (dates, inclusive).
const visitsSQL = `
	SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*), count(*) FILTER (WHERE inside),
	       count(DISTINCT worker_id)
	FROM patrol_checkin
	WHERE grid_code = $1 AND (at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3
	GROUP BY 1 ORDER BY 1`

// coverageSQL is the visit coverage of a grid between $2 and $3: of its
// live standard addresses, how many lie within $4 metres of the path
// through each worker's check-ins of the period (in time order; a worker
// with one check-in is a point), on the spheroid.
const coverageSQL = `
	WITH paths AS (
		SELECT worker_id, CASE WHEN count(*) = 1 THEN ST_Collect(geom) ELSE ST_MakeLine(geom ORDER BY at, id) END AS path
		FROM patrol_checkin
		WHERE grid_code = $1 AND (at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3
		GROUP BY worker_id)
	SELECT count(*),
	       count(*) FILTER (WHERE EXISTS (
	           SELECT 1 FROM paths p WHERE ST_DWithin(p.path::geography, a.geom::geography, $4)))
	FROM standard_address a
	WHERE a.grid_code = $1 AND a.retired_at IS NULL`
