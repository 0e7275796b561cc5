-- Fixture of the suggest tests: four villages of one town, each built to
-- be hard (see suggesttest.go). 0.01° is about 930 m east-west and 1,110 m
-- north-south here. Everything starts on 2026-01-01, version 1.
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120, 33, 120.1, 33.01, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.1, 33.01, 4326))),
 ('320902001000', 'town', '新洋街道', '320902000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.1, 33.01, 4326))),
 ('320902001001', 'village', '大楼社区', '320902001000', ST_Multi(ST_MakeEnvelope(120, 33, 120.02, 33.01, 4326))),
 ('320902001002', 'village', '河滨社区', '320902001000', ST_Multi(ST_MakeEnvelope(120.02, 33, 120.05, 33.01, 4326))),
 ('320902001003', 'village', '园区社区', '320902001000', ST_Multi(ST_MakeEnvelope(120.05, 33, 120.08, 33.01, 4326))),
 ('320902001004', 'village', '田村', '320902001000', ST_Multi(ST_MakeEnvelope(120.08, 33, 120.1, 33.01, 4326)));

INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT code, kind, substr(code, 1, 12), name, ST_Multi(ST_MakeEnvelope(x0, y0, x1, y1, 4326)), tstzrange('2026-01-01', NULL)
FROM (VALUES
 -- huge building: two urban halves
 ('320902001001001', 'urban', '大楼西', 120.0, 33.0, 120.01, 33.01),
 ('320902001001002', 'urban', '大楼东', 120.01, 33.0, 120.02, 33.01),
 -- river: the west third, and the rest with the river (120.034-120.036) in it
 ('320902001002001', 'urban', '河西', 120.02, 33.0, 120.03, 33.01),
 ('320902001002002', 'urban', '河东', 120.03, 33.0, 120.05, 33.01),
 -- exclusive grid in the middle (001), four comprehensive grids around it
 ('320902001003001', 'exclusive', '园区专属网格', 120.06, 33.003, 120.07, 33.007),
 ('320902001003002', 'urban', '园西', 120.05, 33.0, 120.06, 33.01),
 ('320902001003003', 'urban', '园南', 120.06, 33.0, 120.07, 33.003),
 ('320902001003004', 'urban', '园北', 120.06, 33.007, 120.07, 33.01),
 ('320902001003005', 'urban', '园东', 120.07, 33.0, 120.08, 33.01),
 -- rural: two grids, three villager groups by thirds
 ('320902001004001', 'rural', '田村西', 120.08, 33.0, 120.09, 33.01),
 ('320902001004002', 'rural', '田村东', 120.09, 33.0, 120.1, 33.01)
) v(code, kind, name, x0, y0, x1, y1);
INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
 ('32090200100300101', 'exclusive', '320902001003', '320902001003001', '园区一', ST_Multi(ST_MakeEnvelope(120.06, 33.003, 120.065, 33.007, 4326)), tstzrange('2026-01-01', NULL)),
 ('32090200100300102', 'exclusive', '320902001003', '320902001003001', '园区二', ST_Multi(ST_MakeEnvelope(120.065, 33.003, 120.07, 33.007, 4326)), tstzrange('2026-01-01', NULL));

-- The addresses, one household at each.
CREATE TEMP TABLE fx (id serial, village text, vname text, road text, door text, compound text, building text,
                      room text, grp text, geom geometry);
-- 大楼社区: one building of 900 households within 20 m of a point, and
-- 600 single addresses on a lattice.
INSERT INTO fx (village, vname, road, door, compound, building, room, grp, geom)
SELECT '320902001001', '', '大楼路', '1', '大楼小区', '1', k::text, '',
       ST_SetSRID(ST_MakePoint(120.004 + (k % 30) * 0.000006, 33.005 + (k / 30) * 0.000006), 4326)
FROM generate_series(1, 900) k;
INSERT INTO fx (village, vname, road, door, compound, building, room, grp, geom)
SELECT '320902001001', '', '大楼路', (1 + i * 20 + j)::text, '', '', '', '',
       ST_SetSRID(ST_MakePoint(120.00025 + i * 0.0005 + (j % 2) * 0.0001, 33.00025 + j * 0.00066), 4326)
FROM generate_series(0, 39) i, generate_series(0, 14) j;
-- 河滨社区: 1,200 households on both banks, none in the river.
INSERT INTO fx (village, vname, road, door, compound, building, room, grp, geom)
SELECT '320902001002', '', '河滨路', (1 + n)::text, '', '', '', '',
       ST_SetSRID(ST_MakePoint(x, 33.0002 + (n % 40) * 0.00024), 4326)
FROM (SELECT n, 120.0202 + (n / 40) * 0.000965 AS x FROM generate_series(0, 1239) n) p
WHERE x NOT BETWEEN 120.0335 AND 120.0365;
-- 园区社区: 1,500 households around the exclusive grid, a few in it.
INSERT INTO fx (village, vname, road, door, compound, building, room, grp, geom)
SELECT '320902001003', '', '园区路', (1 + n)::text, '', '', '', '',
       ST_SetSRID(ST_MakePoint(120.0502 + (n / 50) * 0.00048, 33.0001 + (n % 50) * 0.0002), 4326)
FROM generate_series(0, 3099) n
WHERE NOT (120.0502 + (n / 50) * 0.00048 BETWEEN 120.06 AND 120.07 AND 33.0001 + (n % 50) * 0.0002 BETWEEN 33.003 AND 33.007)
   OR n % 97 = 0;
-- 田村: three villager groups of 60-90 households, by thirds east-west.
INSERT INTO fx (village, vname, road, door, compound, building, room, grp, geom)
SELECT '320902001004', '田村', '', (1 + n)::text, '', '', '', (1 + floor((x - 120.08) / 0.0066667))::int::text,
       ST_SetSRID(ST_MakePoint(x, 33.0003 + (n % 15) * 0.00063), 4326)
FROM (SELECT n, 120.0803 + (n / 15) * 0.00123 AS x FROM generate_series(0, 239) n) p;

WITH a AS (
	INSERT INTO standard_address (code, county, town, village, villager_group, road, door_number, compound, building, room,
	                              full_text, geom, grid_code, created_at)
	SELECT f.village || lpad(row_number() OVER (PARTITION BY f.village ORDER BY f.id)::text, 7, '0'),
	       '亭湖区', '新洋街道', f.vname, f.grp, f.road, f.door, f.compound, f.building, f.room,
	       '盐城市亭湖区新洋街道' || f.vname || CASE WHEN f.grp <> '' THEN f.grp || '组' ELSE '' END || f.road || f.door || '号'
	         || f.compound || CASE WHEN f.building <> '' THEN f.building || '幢' || f.room || '室' ELSE '' END,
	       f.geom, (SELECT g.code FROM grid g WHERE length(g.code) = 15 AND ST_Covers(g.geom, f.geom) ORDER BY g.code LIMIT 1),
	       '2026-01-01'
	FROM fx f ORDER BY f.id
	RETURNING id, full_text, geom, grid_code)
INSERT INTO household (address, geom, grid_code, address_id) SELECT full_text, geom, grid_code, id FROM a;
INSERT INTO assignment (record_type, record_id, grid_code, valid)
SELECT 'standard_address', id, grid_code, tstzrange('2026-01-01', NULL) FROM standard_address
UNION ALL SELECT 'household', id, grid_code, tstzrange('2026-01-01', NULL) FROM household;
DROP TABLE fx;
SELECT bump_dataset_version('suggest fixture');
