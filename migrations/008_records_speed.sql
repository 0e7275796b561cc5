-- records speed (issue 15) ---------------------------------------------------
-- Writing a million standard addresses cost 30 times a bare COPY of the
-- same rows: measured per part of the table (1 M rows, INSERT … SELECT,
-- one run), the point index, the per-row foreign key to grid_code and
-- the regular expressions of the CHECKs each cost about five times the
-- bare write. The rules stay; they are kept more cheaply:
--
-- * The point index of standard_address goes: nothing reads it but the
--   adjustment engine's search for the addresses in a changed grid, which
--   now goes through their grid (an address's grid is the lookup of its
--   point, so a point in an area lies in a grid that meets the area).
-- * The foreign keys from standard_address and assignment to grid_code
--   become one check per statement (a join of the statement's rows with
--   grid_code) instead of a lookup per row. A foreign key also stops the
--   referenced row from being deleted or renamed: grid codes are never
--   deleted nor changed (a code is issued once and never reused, Art. 9),
--   which grid_code now refuses for every table at once.
-- * The CHECKs of address codes and numbers say the same with string
--   functions instead of regular expressions (records' schema tests hold
--   both forms against each other on hundreds of strings).
-- * The residents' name and phone hashes lose their indexes: nothing
--   searches by them (search is by ID number); the hashes stay beside the
--   sealed values.

-- Grid codes are never deleted and never change.
CREATE FUNCTION grid_code_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grid code %: codes are retired (retired_at), never deleted, so that they are never reused', OLD.code
            USING ERRCODE = 'restrict_violation';
    END IF;
    RAISE EXCEPTION 'grid code %: a code never changes (not to %)', OLD.code, NEW.code
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER grid_code_no_delete BEFORE DELETE ON grid_code
    FOR EACH ROW EXECUTE FUNCTION grid_code_keep();
CREATE TRIGGER grid_code_fixed BEFORE UPDATE OF code ON grid_code
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION grid_code_keep();
CREATE FUNCTION grid_code_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'grid_code: codes are never deleted, so that they are never reused'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER grid_code_no_truncate BEFORE TRUNCATE ON grid_code
    FOR EACH STATEMENT EXECUTE FUNCTION grid_code_no_truncate();

-- The rows of a statement name issued grid codes (the foreign key's rule,
-- once per statement).
CREATE FUNCTION grid_code_known() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    SELECT n.grid_code INTO bad FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM grid_code g WHERE g.code = n.grid_code) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key rule %_grid_code: grid code % is not an issued grid code',
            TG_TABLE_NAME, TG_TABLE_NAME, bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

ALTER TABLE standard_address DROP CONSTRAINT standard_address_grid_code_fkey;
CREATE TRIGGER standard_address_grid_insert AFTER INSERT ON standard_address
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grid_code_known();
CREATE TRIGGER standard_address_grid_update AFTER UPDATE ON standard_address
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grid_code_known();
ALTER TABLE assignment DROP CONSTRAINT assignment_grid_code_fkey;
CREATE TRIGGER assignment_grid_insert AFTER INSERT ON assignment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grid_code_known();
CREATE TRIGGER assignment_grid_update AFTER UPDATE ON assignment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grid_code_known();

DROP INDEX standard_address_geom_idx;

-- The same rules as 005's regular expressions: a code is 19 ASCII digits;
-- a villager group 1-3 digits, an entrance 1-2, a building 1-4 digits or
-- capitals, a room 1-5 digits and at most one capital, a door number 1-5
-- digits, optionally a dash and 1-4 digits, and at most one capital (each
-- or empty).
ALTER TABLE standard_address DROP CONSTRAINT standard_address_code_format,
    ADD CONSTRAINT standard_address_code_format CHECK (
        octet_length(code) = 19 AND ltrim(code, '0123456789') = ''
        AND substr(code, 10, 3) <> '000' AND substr(code, 13) <> '0000000');
ALTER TABLE standard_address DROP CONSTRAINT standard_address_numbers,
    ADD CONSTRAINT standard_address_numbers CHECK (
        octet_length(villager_group) <= 3 AND ltrim(villager_group, '0123456789') = ''
        AND octet_length(entrance) <= 2 AND ltrim(entrance, '0123456789') = ''
        AND octet_length(building) <= 4 AND ltrim(building, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ''
        AND (room = '' OR (
            octet_length(rtrim(room, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')) BETWEEN 1 AND 5
            AND octet_length(room) - octet_length(rtrim(room, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')) <= 1
            AND ltrim(rtrim(room, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '0123456789') = ''))
        AND (door_number = '' OR (
            octet_length(door_number) - octet_length(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')) <= 1
            AND octet_length(split_part(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '-', 1)) BETWEEN 1 AND 5
            AND ltrim(split_part(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '-', 1), '0123456789') = ''
            AND (rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = split_part(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '-', 1) OR (
                octet_length(substr(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), length(split_part(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '-', 1)) + 2)) BETWEEN 1 AND 4
                AND ltrim(substr(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), length(split_part(rtrim(door_number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '-', 1)) + 2), '0123456789') = '')))));

DROP INDEX resident_name_hash_idx;
DROP INDEX resident_phone_hash_idx;
-- end records speed ----------------------------------------------------------
