-- Fixture of the adjustment-engine tests (adjust, and api, live and store): see
-- adjust/adjusttest/adjusttest.go for its layout.
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', 'Yancheng', NULL, ST_Multi(ST_MakeEnvelope(120, 33, 120.06, 33.03, 4326))),
 ('320902000000', 'county', 'Tinghu', '320900000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.06, 33.03, 4326))),
 ('320902001000', 'town', 'Town', '320902000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.06, 33.03, 4326))),
 ('320902001001', 'village', 'West', '320902001000', ST_Multi(ST_GeomFromText('POLYGON((120 33, 120.01 33, 120.02 33, 120.03 33,
    120.03 33.01, 120.03 33.02, 120.03 33.03, 120.02 33.03, 120.01 33.03, 120 33.03, 120 33.02, 120 33.01, 120 33))', 4326))),
 ('320902001002', 'village', 'East', '320902001000', ST_Multi(ST_GeomFromText('POLYGON((120.03 33, 120.045 33, 120.06 33,
    120.06 33.03, 120.045 33.03, 120.03 33.03, 120.03 33.02, 120.03 33.01, 120.03 33))', 4326)));

INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001001' || lpad((r * 3 + c + 1)::text, 3, '0'),
       CASE WHEN r * 3 + c + 1 = 5 THEN 'urban' ELSE 'rural' END,
       '320902001001', 'Grid ' || (r * 3 + c + 1),
       ST_Multi(ST_MakeEnvelope(120 + c * 0.01, 33 + r * 0.01, 120.01 + c * 0.01, 33.01 + r * 0.01, 4326)),
       tstzrange('2026-01-01', NULL)
FROM generate_series(0, 2) r, generate_series(0, 2) c;
INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
 ('320902001002001', 'rural', '320902001002', 'East 1', ST_Multi(ST_GeomFromText('POLYGON((120.03 33, 120.045 33,
    120.045 33.03, 120.03 33.03, 120.03 33.02, 120.03 33.01, 120.03 33))', 4326)), tstzrange('2026-01-01', NULL));

INSERT INTO household (address, geom, grid_code)
SELECT 'lattice ' || i || ',' || j, p, (SELECT code FROM grid g WHERE ST_Covers(g.geom, p) ORDER BY code LIMIT 1)
FROM generate_series(0, 18) i, generate_series(0, 12) j,
     LATERAL (SELECT ST_SetSRID(ST_MakePoint(120 + i * 0.0025, 33 + j * 0.0025), 4326) AS p) x
WHERE i * 0.0025 <= 0.045;
INSERT INTO unit (name, geom, grid_code)
SELECT 'unit ' || i, p, (SELECT code FROM grid g WHERE ST_Covers(g.geom, p) ORDER BY code LIMIT 1)
FROM generate_series(0, 5) i, LATERAL (SELECT ST_SetSRID(ST_MakePoint(120.0011 + i * 0.005, 33.0052), 4326) AS p) x;
INSERT INTO assignment (record_type, record_id, grid_code, valid)
SELECT 'household', id, grid_code, tstzrange('2026-01-01', NULL) FROM household
UNION ALL SELECT 'unit', id, grid_code, tstzrange('2026-01-01', NULL) FROM unit;
SELECT bump_dataset_version('fixture');
