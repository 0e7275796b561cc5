-- adjustment engine (issue 6), third part ------------------------------------
-- Area history. Edge matching gives village, town and county boundaries
-- the vertices of new edges; the history must show an area as it was at
-- any time, as it does for grids. `area` stays the current table (the
-- snapshot, reads, checks, locks and foreign keys all use it); every
-- write to it is recorded here by a trigger, so every writer (edge
-- matching, the switch, import, the demo) keeps the history without
-- knowing about it.
CREATE TABLE area_history (
    code   text NOT NULL,
    level  text NOT NULL,
    name   text NOT NULL,
    parent text,
    geom   geometry(MultiPolygon, 4326),
    valid  tstzrange NOT NULL,
    CONSTRAINT area_history_valid_nonempty CHECK (NOT isempty(valid)),
    CONSTRAINT area_history_one_version_at_a_time EXCLUDE USING gist (code WITH =, valid WITH &&)
);
CREATE INDEX area_history_geom_idx ON area_history USING gist (geom);
CREATE INDEX area_history_open_idx ON area_history (code) WHERE upper_inf(valid);

COMMENT ON TABLE area_history IS
    'every version of every area, kept by a trigger on area; the open row (upper_inf(valid)) equals the area row';

-- The time a write to area takes effect: gridmap.area_at when the writer
-- set it (an apply or a switch: the proposal's effective time, like its
-- grid versions), else NULL. An area's first version starts at
-- -infinity unless the writer said otherwise: areas are the statistical
-- division, older than any grid drawn in them (imports and the demo may
-- date grids in the past), so history before their import shows them as
-- imported rather than nothing.
CREATE FUNCTION area_history_at() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('gridmap.area_at', true), '')::timestamptz
$$;

CREATE FUNCTION area_history_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t  timestamptz := area_history_at();
    lo timestamptz;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT lower(valid) INTO lo FROM area_history WHERE code = OLD.code AND upper_inf(valid) FOR UPDATE;
        t := coalesce(t, now());
        IF lo IS NOT NULL AND t <= lo THEN
            -- A second write at the same instant (or, defensively, one
            -- dated before the open version began): it replaces that
            -- version instead of leaving an empty or backward range.
            DELETE FROM area_history WHERE code = OLD.code AND upper_inf(valid);
            t := lo;
        ELSE
            UPDATE area_history SET valid = tstzrange(lower(valid), t) WHERE code = OLD.code AND upper_inf(valid);
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN NULL;
        END IF;
        IF NEW.code <> OLD.code THEN
            t := NULL; -- a new code is a new area
        END IF;
    END IF;
    IF t IS NULL THEN
        -- After any earlier life of the code (deleted, inserted again).
        SELECT coalesce(max(upper(valid)), '-infinity') INTO t FROM area_history WHERE code = NEW.code;
    END IF;
    INSERT INTO area_history (code, level, name, parent, geom, valid)
    VALUES (NEW.code, NEW.level, NEW.name, NEW.parent, NEW.geom, tstzrange(t, NULL));
    RETURN NULL;
END $$;

CREATE TRIGGER area_history_insert AFTER INSERT ON area
    FOR EACH ROW EXECUTE FUNCTION area_history_write();
-- Only real changes: a boundary snapped with nodes it already has, or a
-- row locked FOR UPDATE, writes no version. Geometries compare bit for
-- bit (EWKB), not by PostGIS's = operator.
CREATE TRIGGER area_history_update AFTER UPDATE ON area FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.level IS DISTINCT FROM NEW.level
          OR OLD.name IS DISTINCT FROM NEW.name OR OLD.parent IS DISTINCT FROM NEW.parent
          OR ST_AsEWKB(OLD.geom) IS DISTINCT FROM ST_AsEWKB(NEW.geom))
    EXECUTE FUNCTION area_history_write();
CREATE TRIGGER area_history_delete AFTER DELETE ON area
    FOR EACH ROW EXECUTE FUNCTION area_history_write();

-- Databases made before this migration: one version per area, from
-- -infinity (when each area began is not known).
INSERT INTO area_history (code, level, name, parent, geom, valid)
SELECT code, level, name, parent, geom, tstzrange('-infinity', NULL) FROM area;

-- Why a grid version was written. An edge-matched version (same code,
-- kind, name and shape, only a vertex of a neighbour's new edge added)
-- does not make other proposals on the grid stale: their operations are
-- computed on the current geometry at apply.
ALTER TABLE grid ADD COLUMN edge_matched boolean NOT NULL DEFAULT false;
-- end adjustment engine, third part ------------------------------------------
