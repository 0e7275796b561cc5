-- gridmap schema: administrative areas, versioned grids, tied records,
-- dataset versions, audit and tokens. SRID 4326 everywhere.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Administrative areas: city, county, town/street, village/community.
-- Codes are the 12-digit statistical division codes; the parent's code is
-- derived from the child's, so a wrong parent cannot be stored.
CREATE TABLE area (
    code   text PRIMARY KEY,
    level  text NOT NULL,
    name   text NOT NULL,
    parent text REFERENCES area (code),
    geom   geometry(MultiPolygon, 4326),
    CONSTRAINT area_code_format CHECK (code ~ '^[0-9]{12}$'),
    CONSTRAINT area_level_known CHECK (level IN ('city', 'county', 'town', 'village')),
    CONSTRAINT area_name_present CHECK (btrim(name) <> ''),
    CONSTRAINT area_code_fits_level CHECK (CASE level
        WHEN 'city'    THEN substr(code, 3, 2) <> '00' AND substr(code, 5) = '00000000'
        WHEN 'county'  THEN substr(code, 5, 2) <> '00' AND substr(code, 7) = '000000'
        WHEN 'town'    THEN substr(code, 7, 3) <> '000' AND substr(code, 10) = '000'
        WHEN 'village' THEN substr(code, 10, 3) <> '000'
    END),
    CONSTRAINT area_parent_fits_code CHECK (CASE level
        WHEN 'city'    THEN parent IS NULL
        WHEN 'county'  THEN parent IS NOT DISTINCT FROM substr(code, 1, 4) || '00000000'
        WHEN 'town'    THEN parent IS NOT DISTINCT FROM substr(code, 1, 6) || '000000'
        WHEN 'village' THEN parent IS NOT DISTINCT FROM substr(code, 1, 9) || '000'
    END),
    CONSTRAINT area_geom_valid CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)))
);
CREATE INDEX area_parent_idx ON area (parent);
CREATE INDEX area_geom_idx ON area USING gist (geom);

-- Every grid code ever issued. A code is registered once, bound to its
-- village, and once retired it is never used again (Art. 9).
CREATE TABLE grid_code (
    code       text PRIMARY KEY,
    village    text NOT NULL REFERENCES area (code),
    issued_at  timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    CONSTRAINT grid_code_format CHECK (
        code ~ '^[0-9]{15}([0-9]{2})?$'
        AND substr(code, 13, 3) <> '000'
        AND (length(code) = 15 OR substr(code, 16, 2) <> '00')),
    CONSTRAINT grid_code_in_village CHECK (village = substr(code, 1, 12))
);

-- Per-village and per-exclusive-grid sequence counters. They only grow:
-- next_seq is always above every sequence ever issued under the parent.
CREATE TABLE grid_seq (
    parent   text PRIMARY KEY,
    next_seq integer NOT NULL DEFAULT 1,
    CONSTRAINT grid_seq_range CHECK (next_seq BETWEEN 1 AND 1000)
);

-- One row per version of a grid. The current grids are the versions whose
-- range contains now(); the exclusion constraint keeps one version of a code
-- at a time.
CREATE TABLE grid (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL REFERENCES grid_code (code),
    kind        text NOT NULL,
    village     text NOT NULL REFERENCES area (code),
    parent_grid text REFERENCES grid_code (code),
    name        text NOT NULL,
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid       tstzrange NOT NULL,
    adjustment  bigint,
    CONSTRAINT grid_code_format CHECK (
        code ~ '^[0-9]{15}([0-9]{2})?$'
        AND substr(code, 13, 3) <> '000'
        AND (length(code) = 15 OR substr(code, 16, 2) <> '00')),
    CONSTRAINT grid_kind_known CHECK (kind IN ('urban', 'rural', 'exclusive')),
    CONSTRAINT grid_in_village CHECK (village = substr(code, 1, 12)),
    CONSTRAINT grid_parent_fits_code CHECK (CASE length(code)
        WHEN 15 THEN parent_grid IS NULL
        ELSE parent_grid IS NOT NULL AND parent_grid = substr(code, 1, 15) AND kind = 'exclusive' END),
    CONSTRAINT grid_name_present CHECK (btrim(name) <> ''),
    CONSTRAINT grid_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_Area(geom) > 0),
    CONSTRAINT grid_valid_nonempty CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    CONSTRAINT grid_one_version_at_a_time EXCLUDE USING gist (code WITH =, valid WITH &&)
);
CREATE INDEX grid_geom_idx ON grid USING gist (geom);
CREATE INDEX grid_valid_idx ON grid USING gist (valid);
CREATE INDEX grid_village_idx ON grid (village);
CREATE INDEX grid_open_idx ON grid (code) WHERE upper_inf(valid);

-- Rules that need other rows: the village must be a village, the parent of
-- a sub-grid must be an exclusive grid alive when the sub-grid starts, the
-- code must not be retired, and the sequence counter moves past the code.
CREATE FUNCTION grid_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lvl text;
    seq integer;
BEGIN
    SELECT level INTO lvl FROM area WHERE code = NEW.village;
    -- Leave malformed rows to the CHECK constraints, which name the rule.
    IF NEW.code !~ '^[0-9]{15}([0-9]{2})?$' OR substr(NEW.code, 13, 3) = '000'
       OR NEW.village IS DISTINCT FROM substr(NEW.code, 1, 12)
       OR (length(NEW.code) = 17 AND NEW.parent_grid IS DISTINCT FROM substr(NEW.code, 1, 15)) THEN
        RETURN NEW;
    END IF;
    -- Register the code on first use; the foreign key checks after us.
    IF lvl = 'village' THEN
        INSERT INTO grid_code (code, village) VALUES (NEW.code, NEW.village) ON CONFLICT DO NOTHING;
    END IF;
    IF lvl IS DISTINCT FROM 'village' THEN
        RAISE EXCEPTION 'grid %: % is not a village code', NEW.code, NEW.village
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM grid_code WHERE code = NEW.code AND retired_at IS NOT NULL
               AND retired_at <= lower(NEW.valid)) THEN
        RAISE EXCEPTION 'grid code % is retired and is never reused', NEW.code
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.parent_grid IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM grid g WHERE g.code = NEW.parent_grid AND g.kind = 'exclusive'
           AND g.valid @> lower(NEW.valid)) THEN
        RAISE EXCEPTION 'sub-grid %: parent grid % is not an exclusive grid alive at %',
            NEW.code, NEW.parent_grid, lower(NEW.valid) USING ERRCODE = 'check_violation';
    END IF;
    IF length(NEW.code) = 15 THEN
        seq := substr(NEW.code, 13, 3)::integer;
        INSERT INTO grid_seq (parent, next_seq) VALUES (NEW.village, seq + 1)
        ON CONFLICT (parent) DO UPDATE SET next_seq = EXCLUDED.next_seq
            WHERE grid_seq.next_seq < EXCLUDED.next_seq; -- no dead row when the counter is already past
    ELSE
        seq := substr(NEW.code, 16, 2)::integer;
        INSERT INTO grid_seq (parent, next_seq) VALUES (NEW.parent_grid, seq + 1)
        ON CONFLICT (parent) DO UPDATE SET next_seq = EXCLUDED.next_seq
            WHERE grid_seq.next_seq < EXCLUDED.next_seq; -- no dead row when the counter is already past
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER grid_before_write BEFORE INSERT OR UPDATE OF code, village, parent_grid, kind, valid
    ON grid FOR EACH ROW EXECUTE FUNCTION grid_before_write();

-- The current state, as the service sees it.
CREATE VIEW grid_current AS SELECT * FROM grid WHERE valid @> now();

-- Records tied to grids. Each has a point and its current grid; the
-- assignment table keeps the history of which grid it belonged to when.
CREATE TABLE household (
    id        bigserial PRIMARY KEY,
    address   text NOT NULL DEFAULT '',
    persons   smallint NOT NULL DEFAULT 1 CHECK (persons BETWEEN 1 AND 50),
    geom      geometry(Point, 4326) NOT NULL,
    grid_code text NOT NULL REFERENCES grid_code (code),
    CONSTRAINT household_point_in_range CHECK (
        ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90)
);
CREATE INDEX household_grid_idx ON household (grid_code);
CREATE INDEX household_geom_idx ON household USING gist (geom);

CREATE TABLE unit (
    id        bigserial PRIMARY KEY,
    name      text NOT NULL CHECK (btrim(name) <> ''),
    category  text NOT NULL DEFAULT 'enterprise'
        CHECK (category IN ('government', 'enterprise', 'institution', 'park', 'commercial', 'other')),
    geom      geometry(Point, 4326) NOT NULL,
    grid_code text NOT NULL REFERENCES grid_code (code),
    CONSTRAINT unit_point_in_range CHECK (
        ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90)
);
CREATE INDEX unit_grid_idx ON unit (grid_code);
CREATE INDEX unit_geom_idx ON unit USING gist (geom);

-- Assignment history of every tied record. record_type names the table.
-- At most one open assignment per record; ranges never overlap (checked
-- by the code that closes and opens them, and by gridd check).
CREATE TABLE assignment (
    record_type text NOT NULL CHECK (record_type IN ('household', 'unit')),
    record_id   bigint NOT NULL,
    grid_code   text NOT NULL REFERENCES grid_code (code),
    valid       tstzrange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    adjustment  bigint
);
CREATE UNIQUE INDEX assignment_one_open ON assignment (record_type, record_id) WHERE upper_inf(valid);
CREATE INDEX assignment_record_idx ON assignment (record_type, record_id, lower(valid));
CREATE INDEX assignment_grid_idx ON assignment (grid_code);

-- The dataset version: bumped by every committed change of grids, areas
-- or assignments; the notification carries the new number so every gridd
-- process reloads its snapshot.
CREATE TABLE dataset_version (
    version      bigint PRIMARY KEY CHECK (version > 0),
    committed_at timestamptz NOT NULL DEFAULT now(),
    note         text NOT NULL DEFAULT ''
);

CREATE FUNCTION bump_dataset_version(note text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    -- Serialise bumps so versions are gap-free and commit in order.
    PERFORM pg_advisory_xact_lock(hashtext('gridmap.dataset_version'));
    SELECT coalesce(max(version), 0) + 1 INTO v FROM dataset_version;
    INSERT INTO dataset_version (version, note) VALUES (v, note);
    PERFORM pg_notify('gridmap_version', v::text);
    RETURN v;
END $$;

-- Every write, by whom and what it changed.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    before     jsonb,
    after      jsonb,
    request_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Bearer tokens, stored as SHA-256 hashes. area NULL means the whole city.
CREATE TABLE api_token (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    role       text NOT NULL CHECK (role IN ('viewer', 'planner', 'approver', 'admin')),
    area       text REFERENCES area (code),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- adjustment engine ---------------------------------------------------------
-- Boundary-adjustment proposals (issue 6): one county, an Art. 8 reason,
-- the dataset version drawn on, an ordered list of operations (JSON) and a
-- status that only moves forward. Applied proposals keep the version they
-- produced, so a later proposal can tell whether its grids changed since.
CREATE TABLE proposal (
    id              bigserial PRIMARY KEY,
    county          text NOT NULL REFERENCES area (code),
    reason          smallint NOT NULL CHECK (reason BETWEEN 1 AND 4),
    reason_text     text NOT NULL DEFAULT '',
    base_version    bigint NOT NULL,
    author          text NOT NULL,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN
        ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'applied', 'filed')),
    ops             jsonb NOT NULL DEFAULT '[]',
    effective_at    timestamptz,
    approved_by     text,
    decided_at      timestamptz,
    decision_note   text NOT NULL DEFAULT '',
    applied_at      timestamptz,
    applied_version bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT proposal_reason_text CHECK (reason <> 4 OR btrim(reason_text) <> '')
);
CREATE INDEX proposal_county_idx ON proposal (county, status);

-- Lineage of codes: which old code's area went into which new code.
CREATE TABLE grid_lineage (
    old_code text NOT NULL REFERENCES grid_code (code),
    new_code text NOT NULL REFERENCES grid_code (code),
    proposal bigint NOT NULL REFERENCES proposal (id),
    at       timestamptz NOT NULL,
    PRIMARY KEY (old_code, new_code, proposal)
);
CREATE INDEX grid_lineage_new_idx ON grid_lineage (new_code);

-- Filing record (备案) of each applied proposal, acknowledged by the city
-- with a filing number.
CREATE TABLE filing (
    proposal        bigint PRIMARY KEY REFERENCES proposal (id),
    record          jsonb NOT NULL,
    filing_no       text UNIQUE,
    acknowledged_by text,
    acknowledged_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- The latest version of every live grid. grid_current reads the versions
-- valid at now(), the start of the transaction; an apply that waited for a
-- village lock must see the versions committed while it waited.
CREATE VIEW grid_latest AS SELECT * FROM grid WHERE upper_inf(valid);
-- A proposal applied ahead of its effective time: its grid versions are
-- written at apply, but the records move (and the dataset version is
-- bumped, so every gridd reloads) at the switch, once effective_at has
-- passed. codes are the grids it changes, retires or creates, and the
-- grids its records move from or to: no other proposal may touch them
-- until the switch is done.
CREATE TABLE adj_switch (
    proposal     bigint PRIMARY KEY REFERENCES proposal (id),
    effective_at timestamptz NOT NULL,
    codes        text[] NOT NULL,
    done_at      timestamptz,
    done_version bigint
);
CREATE INDEX adj_switch_due_idx ON adj_switch (effective_at) WHERE done_at IS NULL;
-- The moves planned at apply, carried out by the switch.
CREATE TABLE adj_pending_move (
    proposal    bigint NOT NULL REFERENCES adj_switch (proposal),
    record_type text NOT NULL CHECK (record_type IN ('household', 'unit')),
    record_id   bigint NOT NULL,
    from_grid   text NOT NULL REFERENCES grid_code (code),
    to_grid     text NOT NULL REFERENCES grid_code (code),
    PRIMARY KEY (proposal, record_type, record_id)
);
CREATE INDEX adj_pending_move_record_idx ON adj_pending_move (record_type, record_id);
-- end adjustment engine -----------------------------------------------------
