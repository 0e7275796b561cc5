-- A small city for the read API tests: Yancheng, two counties, one town,
-- two villages of 0.1° squares, grids with two versions for one code, a
-- retired grid, an exclusive grid with a sub-grid, and two households.
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city',    '盐城市', NULL,           ST_Multi(ST_MakeEnvelope(119.5, 32.5, 121.0, 34.5, 4326))),
 ('320902000000', 'county',  '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.5, 33.5, 4326))),
 ('320903000000', 'county',  '盐都区', '320900000000', ST_Multi(ST_MakeEnvelope(119.5, 33.0, 120.0, 33.5, 4326))),
 ('320902001000', 'town',    '五星街道', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.1, 4326))),
 ('320902001001', 'village', '一村', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.1, 4326))),
 ('320902001002', 'village', '二村', '320902001000', ST_Multi(ST_MakeEnvelope(120.1, 33.0, 120.2, 33.1, 4326)));

INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
 ('320902001001001', 'rural', '320902001001', NULL, '一村第一网格 (旧)', ST_Multi(ST_MakeEnvelope(120.00, 33.0, 120.04, 33.1, 4326)), tstzrange('2024-01-01', '2025-01-01')),
 ('320902001001001', 'rural', '320902001001', NULL, '一村第一网格', ST_Multi(ST_MakeEnvelope(120.00, 33.0, 120.05, 33.1, 4326)), tstzrange('2025-01-01', NULL)),
 ('320902001001002', 'rural', '320902001001', NULL, '一村第二网格', ST_Multi(ST_MakeEnvelope(120.05, 33.0, 120.10, 33.1, 4326)), tstzrange('2024-01-01', NULL)),
 ('320902001002001', 'urban', '320902001002', NULL, '二村第一网格', ST_Multi(ST_MakeEnvelope(120.10, 33.0, 120.15, 33.1, 4326)), tstzrange('2024-01-01', NULL)),
 ('320902001002002', 'exclusive', '320902001002', NULL, '二村专属网格', ST_Multi(ST_MakeEnvelope(120.15, 33.0, 120.20, 33.05, 4326)), tstzrange('2024-01-01', NULL)),
 ('32090200100200201', 'exclusive', '320902001002', '320902001002002', '专属子网格', ST_Multi(ST_MakeEnvelope(120.15, 33.0, 120.17, 33.05, 4326)), tstzrange('2024-06-01', NULL)),
 ('320902001002003', 'urban', '320902001002', NULL, '二村已撤销网格', ST_Multi(ST_MakeEnvelope(120.15, 33.05, 120.20, 33.1, 4326)), tstzrange('2024-01-01', '2025-01-01'));
UPDATE grid_code SET retired_at = '2025-01-01' WHERE code = '320902001002003';

INSERT INTO household (address, persons, geom, grid_code) VALUES
 ('Secret Lane 7', 3, ST_SetSRID(ST_MakePoint(120.01, 33.01), 4326), '320902001001001'),
 ('Secret Lane 9', 2, ST_SetSRID(ST_MakePoint(120.02, 33.02), 4326), '320902001001001');
