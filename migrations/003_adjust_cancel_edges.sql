-- (renamed from 002 by the lead: 002 is taken by 002_record_counts.sql, already committed)
-- adjustment engine (issue 6), second part -----------------------------------
-- A proposal applied ahead of its effective time can be cancelled before
-- that time: its future grid versions are removed, the versions they would
-- have closed are open again, and it ends as 'cancelled'.
ALTER TABLE proposal DROP CONSTRAINT proposal_status_check;
ALTER TABLE proposal ADD CONSTRAINT proposal_status_check CHECK (status IN
    ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'applied', 'filed', 'cancelled'));
ALTER TABLE proposal ADD COLUMN cancelled_by text;
ALTER TABLE proposal ADD COLUMN cancelled_at timestamptz;
ALTER TABLE proposal ADD COLUMN cancel_note text NOT NULL DEFAULT '';

-- Edge matching of area boundaries: an operation whose new vertices lie
-- on a village (town, county) boundary adds them to that boundary, so
-- grids stay covered by their village vertex for vertex. Areas have no
-- versions, so a proposal applied ahead of time keeps the vertices here
-- and the switch adds them (to the boundary as it is then).
CREATE TABLE adj_pending_area (
    proposal bigint NOT NULL REFERENCES adj_switch (proposal) ON DELETE CASCADE,
    code     text NOT NULL REFERENCES area (code),
    nodes    geometry NOT NULL,
    PRIMARY KEY (proposal, code)
);

-- The sub-grids of a grid (the adjustment checks read them).
CREATE INDEX grid_parent_idx ON grid (parent_grid) WHERE parent_grid IS NOT NULL;
