-- grid workers (issue 17) ------------------------------------------------------
-- Who answers for each grid (Art. 13-18), their files (Art. 23), the town
-- centres' seat operators (Art. 6) and patrol check-ins (Art. 19). Package
-- workers owns these tables and their rules; gridd check reads them.

-- A grid worker, managed by the town (street) that employs them (Art. 13,
-- 15). The ID number and phone are personal data, stored only sealed
-- (package pii) with a keyed hash beside them, as residents' are; the CHECKs
-- refuse a clear value. The phone is sealed, not only hashed, because the
-- public board (Art. 22) shows the leader's and full-time workers' phones in
-- full. The name stays in clear: Art. 22 publishes it. The birth date comes
-- from the ID number, so the age rule (Art. 16) needs no opening.
CREATE TABLE worker (
    id               bigserial PRIMARY KEY,
    town             text NOT NULL REFERENCES area (code),
    name             text NOT NULL,
    id_number_sealed bytea NOT NULL,
    id_number_hash   bytea NOT NULL,
    phone_sealed     bytea NOT NULL,
    phone_hash       bytea NOT NULL,
    birth_date       date NOT NULL,
    -- a member of the community party organisation or the villagers' /
    -- residents' committee other than its head (Art. 14)
    committee_member boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT worker_town_code CHECK (town ~ '^[0-9]{9}000$' AND substr(town, 7, 3) <> '000'),
    CONSTRAINT worker_name_present CHECK (btrim(name) <> '' AND length(name) <= 50),
    CONSTRAINT worker_id_number_sealed CHECK (
        get_byte(id_number_sealed, 0) = 1 AND length(id_number_sealed) > 33 AND length(id_number_hash) = 32),
    CONSTRAINT worker_phone_sealed CHECK (
        get_byte(phone_sealed, 0) = 1 AND length(phone_sealed) > 33 AND length(phone_hash) = 32),
    CONSTRAINT worker_birth_date_range CHECK (birth_date >= '1900-01-01')
);
-- One file per person.
CREATE UNIQUE INDEX worker_id_number_once ON worker (id_number_hash);
CREATE INDEX worker_town_idx ON worker (town);

-- Trainings (Art. 43: no full-time post without pre-service training).
CREATE TABLE worker_training (
    id         bigserial PRIMARY KEY,
    worker_id  bigint NOT NULL REFERENCES worker (id),
    trained_on date NOT NULL,
    course     text NOT NULL DEFAULT '',
    CONSTRAINT worker_training_once UNIQUE (worker_id, trained_on, course)
);

-- Yearly reviews (Art. 17, 23): one per worker and year.
CREATE TABLE worker_review (
    worker_id bigint NOT NULL REFERENCES worker (id),
    year      integer NOT NULL,
    passed    boolean NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, year),
    CONSTRAINT worker_review_year CHECK (year BETWEEN 1990 AND 2200)
);

-- Appointments of workers to grids, with their history: the days
-- [from, to] a worker answered for the grid in a role. `valid` is a
-- daterange, upper bound open while the appointment runs.
CREATE TABLE appointment (
    id         bigserial PRIMARY KEY,
    worker_id  bigint NOT NULL REFERENCES worker (id),
    grid_code  text NOT NULL REFERENCES grid_code (code),
    role       text NOT NULL,
    valid      daterange NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointment_role_known CHECK (role IN ('leader', 'fulltime', 'parttime')),
    CONSTRAINT appointment_valid_from CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    -- a full-time worker serves one grid at a time
    CONSTRAINT appointment_fulltime_one_grid EXCLUDE USING gist (worker_id WITH =, valid WITH &&) WHERE (role = 'fulltime'),
    -- one leader per grid at a time (Art. 14)
    CONSTRAINT appointment_one_leader EXCLUDE USING gist (grid_code WITH =, valid WITH &&) WHERE (role = 'leader'),
    -- a worker holds a role in a grid once at a time (a leader may also be
    -- the grid's full-time worker, Art. 14)
    CONSTRAINT appointment_once EXCLUDE USING gist (worker_id WITH =, grid_code WITH =, role WITH =, valid WITH &&)
);
CREATE INDEX appointment_grid_idx ON appointment USING gist (grid_code, valid);
CREATE INDEX appointment_worker_idx ON appointment (worker_id);

-- Seat operators of a town's centre (Art. 6), with their history.
CREATE TABLE seat_operator (
    id         bigserial PRIMARY KEY,
    worker_id  bigint NOT NULL REFERENCES worker (id),
    town       text NOT NULL REFERENCES area (code),
    valid      daterange NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT seat_operator_valid_from CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    CONSTRAINT seat_operator_once EXCLUDE USING gist (worker_id WITH =, valid WITH &&)
);
CREATE INDEX seat_operator_town_idx ON seat_operator (town);

-- Patrol check-ins (Art. 19): every one is kept, inside the worker's grid
-- or not. geom is the WGS-84 point (converted from GCJ-02 when the phone
-- sent that), raw_lon/raw_lat what was sent.
CREATE TABLE patrol_checkin (
    id         bigserial PRIMARY KEY,
    worker_id  bigint NOT NULL REFERENCES worker (id),
    grid_code  text NOT NULL REFERENCES grid_code (code),
    at         timestamptz NOT NULL DEFAULT now(),
    crs        text NOT NULL,
    raw_lon    double precision NOT NULL,
    raw_lat    double precision NOT NULL,
    accuracy_m double precision,
    geom       geometry(Point, 4326) NOT NULL,
    inside     boolean NOT NULL,
    found_grid text,
    CONSTRAINT patrol_checkin_crs CHECK (crs IN ('wgs84', 'gcj02')),
    CONSTRAINT patrol_checkin_accuracy CHECK (accuracy_m IS NULL OR accuracy_m >= 0)
);
CREATE INDEX patrol_checkin_grid_at_idx ON patrol_checkin (grid_code, at);

-- Tokens: the roles operator (a town's staff managing its workers) and
-- worker (a grid worker's phone, scoped to the grid, naming the worker).
-- A worker token's scope is a grid code, which lives in grid_code, not
-- area: the scope goes to `grid` for those.
ALTER TABLE api_token DROP CONSTRAINT api_token_role_check;
ALTER TABLE api_token ADD CONSTRAINT api_token_role_check
    CHECK (role IN ('viewer', 'planner', 'approver', 'admin', 'operator', 'worker'));
ALTER TABLE api_token ADD COLUMN worker_id bigint REFERENCES worker (id);
ALTER TABLE api_token ADD COLUMN grid text REFERENCES grid_code (code);
ALTER TABLE api_token ADD CONSTRAINT api_token_worker_scope CHECK (
    (role = 'worker') = (worker_id IS NOT NULL) AND (grid IS NULL OR (area IS NULL AND role = 'worker'))
    AND (role <> 'worker' OR grid IS NOT NULL));
