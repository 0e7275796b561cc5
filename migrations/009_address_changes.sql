-- address changes (issue 16) -------------------------------------------------
-- The geocoding index follows the standard addresses without re-reading
-- whole grids: every row carries the transaction that last wrote what
-- geocoding sees of it (change_xid), and the index reads only the rows
-- written by transactions its last read could not see yet: those from
-- that read's snapshot's xmax on, and those then in progress (package
-- geocode, db.go). A transaction id, not a sequence, because visibility
-- follows transactions: a sequence value taken by a transaction that
-- commits after a larger one would be skipped by a reader that went past
-- the larger one, and a snapshot says exactly which transactions it saw.
--
-- An insert takes it from the column's default (pg_current_xact_id() is
-- stable: one call a transaction, no row trigger, and the existing rows
-- get this migration's transaction without rewriting the table); an
-- update of any column geocoding reads takes it from the trigger below
-- (the adjustment engine moving addresses between grids, a retirement).
-- Rows are never deleted (standard_address_no_delete).
ALTER TABLE standard_address ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX standard_address_change_xid_idx ON standard_address (change_xid);

CREATE FUNCTION standard_address_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END $$;
CREATE TRIGGER standard_address_changed BEFORE UPDATE OF
    city, county, town, village, villager_group, road, door_number, compound, building, entrance, room,
    full_text, geom, grid_code, retired_at
    ON standard_address FOR EACH ROW EXECUTE FUNCTION standard_address_changed();
-- end address changes --------------------------------------------------------
