-- events (issue 18) ----------------------------------------------------------
-- The Art. 31-35 flow of grid matters: a need, hazard or dispute is reported
-- at a point, tied to the grid the lookup gives, accepted and dispatched by
-- the town centre, answered by a department, verified by the grid's worker
-- and closed. Package events owns these tables and their rules.

-- The catalog of grid matters (Art. 11, 12, 19): each county publishes its
-- list. sla_hours is the deadline counted in working hours (package
-- events/workhours). grid_matter is false for a type the county handles
-- but does not give to grid workers (a worker may not report it, Art. 19).
-- county is the 6-digit county code (no reference to area: the catalog is
-- seeded before any area is imported).
CREATE TABLE event_type (
    county      char(6) NOT NULL,
    code        text NOT NULL,
    name        text NOT NULL,
    category    text NOT NULL,
    sla_hours   numeric(6, 2) NOT NULL,
    grid_matter boolean NOT NULL DEFAULT true,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county, code),
    CONSTRAINT event_type_county_code CHECK (county ~ '^[0-9]{4}[0-9]{2}$' AND substr(county, 5, 2) <> '00'),
    CONSTRAINT event_type_code_form CHECK (code ~ '^[a-z][a-z0-9_.-]{0,47}$'),
    CONSTRAINT event_type_name_present CHECK (btrim(name) <> '' AND length(name) <= 100),
    CONSTRAINT event_type_category_known CHECK (category IN
        ('safety', 'dispute', 'environment', 'facility', 'order', 'service', 'emergency')),
    CONSTRAINT event_type_sla_range CHECK (sla_hours > 0 AND sla_hours <= 2000)
);

-- An event. Its status is one of:
--   reported   just reported (by a worker, an operator, or an Open311 client)
--   accepted   the town centre took it on
--   dispatched given to a department (department names it)
--   responded  the department reported back what it did
--   verified   the grid's worker checked the outcome on the spot
--   closed     the town centre closed it (closed_at set)
--   returned   sent back: the department says it is not theirs, or the
--              worker found the answer does not hold; the centre dispatches again
--   rejected   the town centre refused it (not a grid matter, a duplicate …;
--              closed_at set)
-- Open events are those not closed or rejected: they move with their grid
-- when an adjustment applies or switches (grid_code), while
-- report_grid_code keeps the grid of the report. grid_code has the format
-- of household.grid_code (a 15-digit grid or 17-digit sub-grid code).
-- description may hold personal data: it is never on a public route. The
-- reporter's name and phone, when given (Open311), are stored only sealed
-- (package pii); the CHECKs refuse a clear value.
-- change_seq grows with every insert and update (trigger below), so a
-- reader loads changes incrementally with WHERE change_seq > $n.
CREATE SEQUENCE event_change_seq;
CREATE TABLE event (
    id                    bigserial PRIMARY KEY,
    county                char(6) NOT NULL,
    type_code             text NOT NULL,
    description           text NOT NULL,
    location              geometry(Point, 4326) NOT NULL,
    grid_code             text NOT NULL REFERENCES grid_code (code),
    report_grid_code      text NOT NULL REFERENCES grid_code (code),
    urgent                boolean NOT NULL DEFAULT false,
    status                text NOT NULL DEFAULT 'reported',
    department            text,
    reported_at           timestamptz NOT NULL,
    due_at                timestamptz NOT NULL,
    closed_at             timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- who reported: the token's actor name ("token:12"), its role, and the
    -- worker of a worker token
    reporter              text NOT NULL,
    reporter_role         text NOT NULL,
    reporter_worker       bigint REFERENCES worker (id),
    reporter_name_sealed  bytea,
    reporter_phone_sealed bytea,
    change_seq            bigint NOT NULL,
    FOREIGN KEY (county, type_code) REFERENCES event_type (county, code),
    CONSTRAINT event_status_known CHECK (status IN
        ('reported', 'accepted', 'dispatched', 'responded', 'verified', 'closed', 'returned', 'rejected')),
    CONSTRAINT event_county_of_grid CHECK (substr(grid_code, 1, 6) = county AND substr(report_grid_code, 1, 6) = county),
    CONSTRAINT event_description_length CHECK (length(description) <= 2000),
    CONSTRAINT event_closed_when CHECK ((closed_at IS NOT NULL) = (status IN ('closed', 'rejected'))),
    CONSTRAINT event_department_when CHECK (status NOT IN ('dispatched', 'responded', 'verified') OR department IS NOT NULL),
    CONSTRAINT event_reporter_name_sealed CHECK (reporter_name_sealed IS NULL OR
        (get_byte(reporter_name_sealed, 0) = 1 AND length(reporter_name_sealed) > 33)),
    CONSTRAINT event_reporter_phone_sealed CHECK (reporter_phone_sealed IS NULL OR
        (get_byte(reporter_phone_sealed, 0) = 1 AND length(reporter_phone_sealed) > 33))
);
CREATE INDEX event_change_seq_idx ON event (change_seq);
CREATE INDEX event_grid_idx ON event (grid_code);
CREATE INDEX event_open_grid_idx ON event (grid_code) WHERE status NOT IN ('closed', 'rejected');
CREATE INDEX event_reported_at_idx ON event (reported_at);
CREATE INDEX event_location_idx ON event USING gist (location);

-- Every insert and update takes the next change_seq, and announces the
-- event on channel gridmap_events (payload: its id) in the same
-- transaction. A bulk load (a demo year of events) may set
-- gridmap.event_notify = 'off' (SET LOCAL) to send no notifications.
CREATE FUNCTION event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('event_change_seq');
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER event_change BEFORE INSERT OR UPDATE ON event FOR EACH ROW EXECUTE FUNCTION event_change();

CREATE FUNCTION event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('gridmap.event_notify', true), '') <> 'off' THEN
        PERFORM pg_notify('gridmap_events', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_notify AFTER INSERT OR UPDATE ON event FOR EACH ROW EXECUTE FUNCTION event_notify();

-- Photos of a report (optional, size-limited by package events; the CHECK
-- is the last guard).
CREATE TABLE event_photo (
    id           bigserial PRIMARY KEY,
    event_id     bigint NOT NULL REFERENCES event (id),
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    CONSTRAINT event_photo_type CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    CONSTRAINT event_photo_size CHECK (length(bytes) BETWEEN 1 AND 2097152)
);
CREATE INDEX event_photo_event_idx ON event_photo (event_id);

-- The history of an event: one row per step, numbered from 1 (the report).
-- action is report, accept, dispatch, respond, verify, close, return,
-- reject, or move (an adjustment moved the event to another grid: note
-- says from and to). actor is the token's actor name ("token:12") or
-- "adjust:PROPOSAL"; role its role.
CREATE TABLE event_history (
    event_id    bigint NOT NULL REFERENCES event (id),
    seq         integer NOT NULL,
    action      text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    role        text NOT NULL,
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, seq),
    CONSTRAINT event_history_action_known CHECK (action IN
        ('report', 'accept', 'dispatch', 'respond', 'verify', 'close', 'return', 'reject', 'move')),
    CONSTRAINT event_history_note_length CHECK (length(note) <= 2000)
);

-- The working-day calendar of deadlines: public holidays (a weekday off)
-- and make-up working days (调休: a weekend day worked). Empty means the
-- calendar built into gridd (package events/workhours, 2025-2027); an
-- admin replaces it with PUT /admin/event-calendar.
CREATE TABLE event_calendar (
    day  date PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL DEFAULT '',
    CONSTRAINT event_calendar_kind CHECK (kind IN ('holiday', 'workday'))
);

-- Open events move with their grid like every tied record: an apply ahead
-- of its effective time plans their moves too.
ALTER TABLE adj_pending_move DROP CONSTRAINT adj_pending_move_record_type_check;
ALTER TABLE adj_pending_move ADD CONSTRAINT adj_pending_move_record_type_check
    CHECK (record_type IN ('household', 'unit', 'standard_address', 'event'));

-- Department tokens (Art. 34: the linked department answers what it is
-- given): role department, scoped to a county, naming the department.
ALTER TABLE api_token DROP CONSTRAINT api_token_role_check;
ALTER TABLE api_token ADD CONSTRAINT api_token_role_check
    CHECK (role IN ('viewer', 'planner', 'approver', 'admin', 'operator', 'worker', 'department'));
ALTER TABLE api_token ADD COLUMN department text;
ALTER TABLE api_token ADD CONSTRAINT api_token_department_scope CHECK (
    (role = 'department') = (department IS NOT NULL)
    AND (department IS NULL OR (btrim(department) <> '' AND length(department) <= 50 AND area IS NOT NULL)));

-- The seed catalog: every county of Yancheng publishes the common list of
-- grid matters; the coastal counties add the sea wall and tidal flats,
-- Xiangshui and Binhai their chemical parks.
INSERT INTO event_type (county, code, name, category, sla_hours, grid_matter, description)
SELECT c.county, t.code, t.name, t.category, t.sla, t.grid_matter, t.description
FROM (VALUES ('320902'), ('320903'), ('320904'), ('320921'), ('320922'), ('320923'), ('320924'), ('320925'), ('320981')) c(county),
(VALUES
  ('safety.fire',        '消防安全隐患', 'safety', 4, true, '堵塞消防通道、私拉电线、电动车室内充电等'),
  ('safety.gas',         '燃气安全隐患', 'safety', 2, true, '燃气泄漏气味、瓶装液化气违规存放'),
  ('safety.building',    '危房及建筑安全隐患', 'safety', 8, true, '房屋开裂、外墙脱落、违规改变承重结构'),
  ('safety.production',  '生产经营安全隐患', 'safety', 8, true, '小作坊、小仓库、小场所安全生产问题'),
  ('safety.traffic',     '道路交通安全隐患', 'safety', 8, true, '路口视线遮挡、缺失警示标志、农村道路隐患'),
  ('safety.water',       '防溺水隐患', 'safety', 8, true, '河塘缺少警示牌或护栏'),
  ('dispute.neighbour',  '邻里纠纷', 'dispute', 24, true, '相邻关系、噪声、漏水等邻里矛盾'),
  ('dispute.family',     '婚姻家庭纠纷', 'dispute', 24, true, '家庭矛盾、赡养抚养纠纷'),
  ('dispute.land',       '土地山林权属纠纷', 'dispute', 40, true, '承包地、宅基地边界与权属纠纷'),
  ('dispute.property',   '物业纠纷', 'dispute', 24, true, '业主与物业服务企业之间的矛盾'),
  ('dispute.wages',      '劳资纠纷', 'dispute', 16, true, '拖欠农民工工资等劳动争议'),
  ('env.garbage',        '垃圾堆放', 'environment', 16, true, '生活垃圾、建筑垃圾乱堆乱放'),
  ('env.water',          '河道水体污染', 'environment', 16, true, '河面漂浮物、黑臭水体、排污口异常'),
  ('env.air',            '大气污染及秸秆焚烧', 'environment', 4, true, '露天焚烧、扬尘、异味'),
  ('env.noise',          '噪声扰民', 'environment', 16, true, '施工、经营噪声扰民'),
  ('facility.road',      '道路破损', 'facility', 24, true, '路面坑洼、井盖缺失或破损'),
  ('facility.light',     '路灯故障', 'facility', 24, true, '路灯不亮、灯杆倾斜'),
  ('facility.water',     '供排水设施故障', 'facility', 16, true, '水管破裂、下水道堵塞、积水'),
  ('facility.power',     '电力通信线路隐患', 'facility', 8, true, '线路下垂、电杆倾斜、飞线'),
  ('order.building',     '违法建设', 'order', 24, true, '违章搭建、私自扩建'),
  ('order.street',       '占道经营', 'order', 16, true, '占道摆摊、店外经营'),
  ('order.parking',      '车辆乱停乱放', 'order', 16, true, '占用消防通道、人行道停车'),
  ('order.advert',       '违规户外广告', 'order', 40, true, '乱贴乱画、违规设置招牌'),
  ('service.elderly',    '特殊人群关爱', 'service', 24, true, '独居老人、困境儿童、残疾人等需上门关爱'),
  ('service.assistance', '困难群众救助', 'service', 40, true, '低保、临时救助等政策咨询与帮办'),
  ('service.pets',       '犬只管理', 'service', 24, true, '未拴绳遛犬、烈性犬饲养'),
  ('emergency.fire',     '火灾（拨打119）', 'emergency', 1, false, '正在发生的火灾：由消防救援机构处置，网格员先报警'),
  ('emergency.crime',    '违法犯罪警情（拨打110）', 'emergency', 1, false, '正在发生的违法犯罪：由公安机关处置'),
  ('emergency.medical',  '急救（拨打120）', 'emergency', 1, false, '需要急救的伤病员：由急救中心处置')
) t(code, name, category, sla, grid_matter, description);

INSERT INTO event_type (county, code, name, category, sla_hours, grid_matter, description)
SELECT c.county, t.code, t.name, t.category, t.sla, true, t.description
FROM (VALUES ('320904'), ('320921'), ('320922'), ('320924'), ('320981')) c(county),
(VALUES
  ('safety.seawall',  '海堤及防汛设施隐患', 'safety', 4, '海堤裂缝、渗水，防汛物资缺失'),
  ('env.tidalflat',   '滩涂及湿地破坏', 'environment', 24, '非法围垦、采挖、倾倒')
) t(code, name, category, sla, description);

INSERT INTO event_type (county, code, name, category, sla_hours, grid_matter, description)
SELECT c.county, 'safety.chemical', '化工园区周边安全隐患', 'safety', 2, true, '异常气味、危化品车辆违规停放'
FROM (VALUES ('320921'), ('320922')) c(county);
-- end events -------------------------------------------------------------------
