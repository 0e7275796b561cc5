-- records (issue 15) ---------------------------------------------------------
-- 一标三实: standard addresses, and the actual houses, residents and units
-- at them. A standard address has a point and a grid, the lookup of its
-- point (invariant 3, checked by gridd check like households), with the
-- history of its grid in assignment. Houses and residents have no point or
-- grid of their own: they are at an address and resolve to its grid, so an
-- adjustment moves them by moving their address, and "which grid was this
-- resident's house in on date D" is the address's assignment history.

-- Address codes (records.AddressCode): the 12-digit code of the village an
-- address is registered in and a 7-digit sequence. The counter of each
-- village only grows: next_seq is above every sequence ever given in the
-- village, so a code is never given twice, even after a TRUNCATE of the
-- addresses. Writers take codes from address_code_reserve.
CREATE TABLE address_seq (
    village  text PRIMARY KEY REFERENCES area (code),
    next_seq integer NOT NULL DEFAULT 1,
    CONSTRAINT address_seq_village CHECK (village ~ '^[0-9]{12}$' AND substr(village, 10, 3) <> '000'),
    CONSTRAINT address_seq_range CHECK (next_seq BETWEEN 1 AND 10000000)
);

-- address_code_reserve gives n new sequences of the village, the first of
-- which it returns (the codes are village || lpad(seq::text, 7, '0')).
CREATE FUNCTION address_code_reserve(for_village text, how_many integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    first integer;
BEGIN
    IF how_many IS NULL OR how_many < 1 THEN
        RAISE EXCEPTION 'address_code_reserve: reserve at least one code, not %', how_many
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO address_seq AS s (village, next_seq) VALUES (for_village, 1 + how_many)
    ON CONFLICT (village) DO UPDATE SET next_seq = s.next_seq + how_many
    RETURNING s.next_seq - how_many INTO first;
    RETURN first;
END $$;

-- A standard address: its parts as records.Address has them (numbers
-- without their markers, names as written), its full text, its point and
-- grid. It is retired (retired_at), never deleted, so its code stays taken
-- and the records that were at it keep their history; a live address's
-- full text is unique.
CREATE TABLE standard_address (
    id             bigserial PRIMARY KEY,
    code           text NOT NULL,
    city           text NOT NULL DEFAULT '',
    county         text NOT NULL,
    town           text NOT NULL,
    village        text NOT NULL DEFAULT '',
    villager_group text NOT NULL DEFAULT '',
    road           text NOT NULL DEFAULT '',
    door_number    text NOT NULL DEFAULT '',
    compound       text NOT NULL DEFAULT '',
    building       text NOT NULL DEFAULT '',
    entrance       text NOT NULL DEFAULT '',
    room           text NOT NULL DEFAULT '',
    full_text      text NOT NULL,
    geom           geometry(Point, 4326) NOT NULL,
    grid_code      text NOT NULL REFERENCES grid_code (code),
    created_at     timestamptz NOT NULL DEFAULT now(),
    retired_at     timestamptz,
    CONSTRAINT standard_address_code_format CHECK (
        code ~ '^[0-9]{19}$' AND substr(code, 10, 3) <> '000' AND substr(code, 13) <> '0000000'),
    CONSTRAINT standard_address_code_unique UNIQUE (code),
    CONSTRAINT standard_address_place CHECK (btrim(county) <> '' AND btrim(town) <> ''),
    CONSTRAINT standard_address_text_present CHECK (btrim(full_text) <> ''),
    -- The rules of records.Address.Validate that the parts alone decide.
    CONSTRAINT standard_address_reaches_door CHECK (door_number <> '' OR building <> ''),
    CONSTRAINT standard_address_door_on_road_or_village CHECK (door_number = '' OR road <> '' OR village <> ''),
    CONSTRAINT standard_address_road_has_door CHECK (road = '' OR door_number <> ''),
    CONSTRAINT standard_address_group_in_village CHECK (villager_group = '' OR village <> ''),
    CONSTRAINT standard_address_entrance_in_building CHECK (entrance = '' OR building <> ''),
    CONSTRAINT standard_address_numbers CHECK (
        villager_group ~ '^([0-9]{1,3})?$'
        AND door_number ~ '^([0-9]{1,5}(-[0-9]{1,4})?[A-Z]?)?$'
        AND building ~ '^[0-9A-Z]{0,4}$'
        AND entrance ~ '^([0-9]{1,2})?$'
        AND room ~ '^([0-9]{1,5}[A-Z]?)?$'),
    CONSTRAINT standard_address_point_in_range CHECK (
        ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    CONSTRAINT standard_address_retired_after_created CHECK (retired_at IS NULL OR retired_at >= created_at)
);
CREATE UNIQUE INDEX standard_address_text_live ON standard_address (full_text) WHERE retired_at IS NULL;
CREATE INDEX standard_address_grid_idx ON standard_address (grid_code);
CREATE INDEX standard_address_geom_idx ON standard_address USING gist (geom);

-- Codes: the prefix must be a village, the village's counter moves past
-- every code written (set-based, once per statement: the demo and imports
-- write millions), a code never changes, and an address is never deleted.
CREATE FUNCTION standard_address_codes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    SELECT n.code INTO bad FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.code = substr(n.code, 1, 12) AND a.level = 'village')
    ORDER BY n.code LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'standard address %: % is not a village code', bad, substr(bad, 1, 12)
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO address_seq AS s (village, next_seq)
    SELECT substr(code, 1, 12), max(substr(code, 13)::integer) + 1 FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (village) DO UPDATE SET next_seq = EXCLUDED.next_seq
        WHERE s.next_seq < EXCLUDED.next_seq; -- no dead row when the counter is already past
    RETURN NULL;
END $$;
CREATE TRIGGER standard_address_codes AFTER INSERT ON standard_address
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION standard_address_codes();

CREATE FUNCTION standard_address_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'standard address %: addresses are retired (retired_at), never deleted, so that their codes are never reused', OLD.code
            USING ERRCODE = 'restrict_violation';
    END IF;
    RAISE EXCEPTION 'standard address %: its code never changes (not to %)', OLD.code, NEW.code
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER standard_address_no_delete BEFORE DELETE ON standard_address
    FOR EACH ROW EXECUTE FUNCTION standard_address_keep();
CREATE TRIGGER standard_address_code_fixed BEFORE UPDATE OF code ON standard_address
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION standard_address_keep();

-- An actual house (实有房屋): one dwelling or premises at an address.
CREATE TABLE house (
    id         bigserial PRIMARY KEY,
    address_id bigint NOT NULL REFERENCES standard_address (id),
    use        text NOT NULL DEFAULT 'residential',
    floor_area numeric(10, 2), -- m²; NULL when not known
    CONSTRAINT house_use_known CHECK (use IN ('residential', 'commercial', 'mixed', 'vacant')),
    CONSTRAINT house_floor_area_range CHECK (floor_area IS NULL OR (floor_area > 0 AND floor_area <= 1000000)),
    -- the target of resident_house_at_address; also the index of houses by address
    CONSTRAINT house_at_address UNIQUE (address_id, id)
);

-- An actual resident (实有人口). Name, ID number and phone are personal
-- data: each is stored only sealed (package pii: AES-256-GCM under the
-- data key, which never enters the database) with its keyed hash beside it
-- for exact search. The CHECKs refuse a value that is not in pii's sealed
-- format (first byte 1, at least the 33 bytes of header and tag), so a
-- clear value written by mistake fails. Names are sealed too: a name with
-- an address and a birth date picks out a person as surely as an ID number
-- does, and reads show names masked (王**), which needs no clear copy.
-- Sex and birth date (from the ID number) stay in clear for counts by age
-- and sex; a read must then never show a birth date beside a masked ID
-- number, whose hidden digits are exactly the birth date.
CREATE TABLE resident (
    id               bigserial PRIMARY KEY,
    address_id       bigint NOT NULL REFERENCES standard_address (id),
    house_id         bigint,
    household_id     bigint, -- a household's id: see resident_household below
    name_sealed      bytea NOT NULL,
    name_hash        bytea NOT NULL,
    id_number_sealed bytea,
    id_number_hash   bytea,
    phone_sealed     bytea,
    phone_hash       bytea,
    sex              text NOT NULL,
    birth_date       date NOT NULL,
    residence        text NOT NULL,
    CONSTRAINT resident_house_at_address FOREIGN KEY (address_id, house_id) REFERENCES house (address_id, id),
    CONSTRAINT resident_sex_known CHECK (sex IN ('male', 'female')),
    CONSTRAINT resident_residence_known CHECK (residence IN ('registered', 'floating')),
    CONSTRAINT resident_birth_date_range CHECK (birth_date >= '1900-01-01'),
    CONSTRAINT resident_name_sealed CHECK (
        get_byte(name_sealed, 0) = 1 AND length(name_sealed) > 33 AND length(name_hash) = 32),
    CONSTRAINT resident_id_number_sealed CHECK ((id_number_sealed IS NULL) = (id_number_hash IS NULL) AND (
        id_number_sealed IS NULL OR (get_byte(id_number_sealed, 0) = 1 AND length(id_number_sealed) > 33 AND length(id_number_hash) = 32))),
    CONSTRAINT resident_phone_sealed CHECK ((phone_sealed IS NULL) = (phone_hash IS NULL) AND (
        phone_sealed IS NULL OR (get_byte(phone_sealed, 0) = 1 AND length(phone_sealed) > 33 AND length(phone_hash) = 32)))
);
-- A resident's household must exist, as a foreign key would demand, but
-- checked by triggers: a foreign key to household would forbid TRUNCATE
-- household, which the record-count triggers support (and tests use).
-- Deleting a household that residents belong to is refused.
CREATE FUNCTION resident_household() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    IF TG_TABLE_NAME = 'resident' THEN
        SELECT n.household_id INTO bad FROM new_rows n
        WHERE n.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM household h WHERE h.id = n.household_id)
        LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'resident: household % does not exist', bad USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSE
        SELECT o.id INTO bad FROM old_rows o WHERE EXISTS (SELECT 1 FROM resident r WHERE r.household_id = o.id) LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'household %: residents belong to it; move them to another household first', bad
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER resident_household_insert AFTER INSERT ON resident
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resident_household();
CREATE TRIGGER resident_household_update AFTER UPDATE ON resident
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resident_household();
CREATE TRIGGER household_residents_delete AFTER DELETE ON household
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION resident_household();

-- A person is one resident: at the one address where they actually live.
CREATE UNIQUE INDEX resident_id_number_once ON resident (id_number_hash) WHERE id_number_hash IS NOT NULL;
CREATE INDEX resident_phone_hash_idx ON resident (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX resident_name_hash_idx ON resident (name_hash);
CREATE INDEX resident_address_idx ON resident (address_id);
CREATE INDEX resident_household_idx ON resident (household_id) WHERE household_id IS NOT NULL;

-- Households and units are linked to their standard address (NULL for the
-- rows written before addresses existed). They keep their own point and
-- grid, which the adjustment engine moves; that a linked one's grid is its
-- address's is a rule of gridd check, not a constraint (a constraint
-- between two tables that one apply updates in turn would fail between
-- its statements).
ALTER TABLE household ADD COLUMN address_id bigint REFERENCES standard_address (id);
ALTER TABLE unit ADD COLUMN address_id bigint REFERENCES standard_address (id);
CREATE INDEX household_address_idx ON household (address_id) WHERE address_id IS NOT NULL;
CREATE INDEX unit_address_idx ON unit (address_id) WHERE address_id IS NOT NULL;

-- Standard addresses are tied records: their assignment history, and the
-- moves an apply ahead of its effective time plans for them.
ALTER TABLE assignment DROP CONSTRAINT assignment_record_type_check;
ALTER TABLE assignment ADD CONSTRAINT assignment_record_type_check
    CHECK (record_type IN ('household', 'unit', 'standard_address'));
ALTER TABLE adj_pending_move DROP CONSTRAINT adj_pending_move_record_type_check;
ALTER TABLE adj_pending_move ADD CONSTRAINT adj_pending_move_record_type_check
    CHECK (record_type IN ('household', 'unit', 'standard_address'));

-- Live standard addresses per grid, kept in record_count by the same
-- statement-level triggers as households and units (a retired address
-- counts no more).
ALTER TABLE record_count ADD COLUMN addresses integer NOT NULL DEFAULT 0;
COMMENT ON TABLE record_count IS
    'households, units and live standard addresses tied to each grid code; kept by triggers on household, unit and standard_address';

CREATE OR REPLACE FUNCTION record_count_apply(kind text, codes text[], deltas integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF kind = 'household' THEN
        INSERT INTO record_count AS c (grid_code, households)
        SELECT code, d FROM unnest(codes, deltas) AS x(code, d) ORDER BY code
        ON CONFLICT (grid_code) DO UPDATE SET households = c.households + EXCLUDED.households;
    ELSIF kind = 'unit' THEN
        INSERT INTO record_count AS c (grid_code, units)
        SELECT code, d FROM unnest(codes, deltas) AS x(code, d) ORDER BY code
        ON CONFLICT (grid_code) DO UPDATE SET units = c.units + EXCLUDED.units;
    ELSIF kind = 'standard_address' THEN
        INSERT INTO record_count AS c (grid_code, addresses)
        SELECT code, d FROM unnest(codes, deltas) AS x(code, d) ORDER BY code
        ON CONFLICT (grid_code) DO UPDATE SET addresses = c.addresses + EXCLUDED.addresses;
    ELSE
        RAISE EXCEPTION 'record_count: no count for %', kind;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION record_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'household' THEN
        UPDATE record_count SET households = 0 WHERE households <> 0;
    ELSIF TG_TABLE_NAME = 'unit' THEN
        UPDATE record_count SET units = 0 WHERE units <> 0;
    ELSE
        UPDATE record_count SET addresses = 0 WHERE addresses <> 0;
    END IF;
    RETURN NULL;
END $$;

-- The address triggers count live rows only (retired_at IS NULL).
CREATE FUNCTION address_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE codes text[]; deltas integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(grid_code ORDER BY grid_code), array_agg(n ORDER BY grid_code) INTO codes, deltas
        FROM (SELECT grid_code, count(*)::int AS n FROM new_rows WHERE retired_at IS NULL GROUP BY grid_code) x;
    ELSE -- UPDATE
        SELECT array_agg(grid_code ORDER BY grid_code), array_agg(n ORDER BY grid_code) INTO codes, deltas
        FROM (SELECT grid_code, sum(d)::int AS n FROM (
                  SELECT grid_code, 1 AS d FROM new_rows WHERE retired_at IS NULL
                  UNION ALL
                  SELECT grid_code, -1 FROM old_rows WHERE retired_at IS NULL) m
              GROUP BY grid_code HAVING sum(d) <> 0) x;
    END IF;
    IF codes IS NOT NULL THEN PERFORM record_count_apply('standard_address', codes, deltas); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER standard_address_count_insert AFTER INSERT ON standard_address
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION address_count_change();
CREATE TRIGGER standard_address_count_update AFTER UPDATE ON standard_address
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION address_count_change();
CREATE TRIGGER standard_address_count_truncate AFTER TRUNCATE ON standard_address
    FOR EACH STATEMENT EXECUTE FUNCTION record_count_truncate();
-- end records ----------------------------------------------------------------
