-- Household and unit counts per grid code, kept by statement-level
-- triggers, so that loading a snapshot reads 20,000 rows instead of
-- counting millions of records at every dataset version (the count was
-- most of the reload time). The triggers aggregate each statement's
-- transition tables, so a bulk insert or an apply moving 10,000 records
-- touches each affected grid's row once. `gridd check` compares them with
-- a fresh count.

CREATE TABLE record_count (
    grid_code  text PRIMARY KEY REFERENCES grid_code (code),
    households integer NOT NULL DEFAULT 0,
    units      integer NOT NULL DEFAULT 0
);

COMMENT ON TABLE record_count IS
    'households and units tied to each grid code; kept by triggers on household and unit';

-- record_count_apply adds per-code deltas, in code order (so two
-- statements touching the same codes lock their rows in the same order).
-- (No CHECK (>= 0) on the counts: PostgreSQL checks the proposed row of an
-- INSERT … ON CONFLICT, a negative delta, before it finds the conflict.)
CREATE FUNCTION record_count_apply(kind text, codes text[], deltas integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF kind = 'household' THEN
        INSERT INTO record_count AS c (grid_code, households)
        SELECT code, d FROM unnest(codes, deltas) AS x(code, d) ORDER BY code
        ON CONFLICT (grid_code) DO UPDATE SET households = c.households + EXCLUDED.households;
    ELSE
        INSERT INTO record_count AS c (grid_code, units)
        SELECT code, d FROM unnest(codes, deltas) AS x(code, d) ORDER BY code
        ON CONFLICT (grid_code) DO UPDATE SET units = c.units + EXCLUDED.units;
    END IF;
END $$;

CREATE FUNCTION record_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE codes text[]; deltas integer[];
BEGIN
    SELECT array_agg(grid_code ORDER BY grid_code), array_agg(n ORDER BY grid_code) INTO codes, deltas
    FROM (SELECT grid_code, count(*)::int AS n FROM new_rows GROUP BY grid_code) x;
    IF codes IS NOT NULL THEN PERFORM record_count_apply(TG_TABLE_NAME, codes, deltas); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION record_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE codes text[]; deltas integer[];
BEGIN
    SELECT array_agg(grid_code ORDER BY grid_code), array_agg(-n ORDER BY grid_code) INTO codes, deltas
    FROM (SELECT grid_code, count(*)::int AS n FROM old_rows GROUP BY grid_code) x;
    IF codes IS NOT NULL THEN PERFORM record_count_apply(TG_TABLE_NAME, codes, deltas); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION record_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE codes text[]; deltas integer[];
BEGIN
    SELECT array_agg(grid_code ORDER BY grid_code), array_agg(n ORDER BY grid_code) INTO codes, deltas
    FROM (SELECT grid_code, sum(d)::int AS n FROM (
              SELECT grid_code, 1 AS d FROM new_rows
              UNION ALL
              SELECT grid_code, -1 FROM old_rows) m
          GROUP BY grid_code HAVING sum(d) <> 0) x;
    IF codes IS NOT NULL THEN PERFORM record_count_apply(TG_TABLE_NAME, codes, deltas); END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION record_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'household' THEN
        UPDATE record_count SET households = 0 WHERE households <> 0;
    ELSE
        UPDATE record_count SET units = 0 WHERE units <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER household_count_insert AFTER INSERT ON household
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_insert();
CREATE TRIGGER household_count_update AFTER UPDATE ON household
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_update();
CREATE TRIGGER household_count_delete AFTER DELETE ON household
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_delete();
CREATE TRIGGER household_count_truncate AFTER TRUNCATE ON household
    FOR EACH STATEMENT EXECUTE FUNCTION record_count_truncate();

CREATE TRIGGER unit_count_insert AFTER INSERT ON unit
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_insert();
CREATE TRIGGER unit_count_update AFTER UPDATE ON unit
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_update();
CREATE TRIGGER unit_count_delete AFTER DELETE ON unit
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_count_delete();
CREATE TRIGGER unit_count_truncate AFTER TRUNCATE ON unit
    FOR EACH STATEMENT EXECUTE FUNCTION record_count_truncate();

-- Databases made before this migration: count what is there.
INSERT INTO record_count (grid_code, households, units)
SELECT grid_code, sum(h)::int, sum(u)::int FROM (
    SELECT grid_code, count(*) AS h, 0 AS u FROM household GROUP BY grid_code
    UNION ALL
    SELECT grid_code, 0, count(*) FROM unit GROUP BY grid_code) c
GROUP BY grid_code;
