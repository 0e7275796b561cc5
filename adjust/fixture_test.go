package adjust_test

import (
	"context"
	"testing"

	"gridmap/adjust/ops/opstest"
	"gridmap/check"
	"gridmap/geo"
	"gridmap/store"
)

// The fixture county's codes (adjusttest describes its layout), under the
// short names the tests of operations use in every case.
const (
	fxVillage = opstest.Village
	fxEast    = opstest.East
	fxCounty  = opstest.County
)

func fxGrid(seq int) geo.Code { return opstest.Grid(seq) }

// sqlInt runs a query answering one integer.
func sqlInt(t testing.TB, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// assertInvariants checks, with PostGIS as the oracle, that the current
// grids of both villages do not overlap, cover their village exactly and
// lie inside it, that every household and unit is in the grid the lookup
// rule gives, with exactly one open assignment to it.
func assertInvariants(t testing.TB, st *store.Store) {
	t.Helper()
	checks := []struct {
		what string
		sql  string
	}{
		{"overlapping grid pairs", `SELECT count(*) FROM grid_current a JOIN grid_current b
			ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')`},
		{"grids outside their village", `SELECT count(*) FROM grid_current g JOIN area v ON v.code = g.village
			WHERE NOT ST_CoveredBy(g.geom, v.geom)`},
		{"gap in village 001 (×1e12 deg²)", `SELECT (ST_Area(ST_Difference(v.geom, (SELECT ST_Union(geom) FROM grid_current WHERE village = v.code))) * 1e12)::bigint
			FROM area v WHERE code = '320902001001'`},
		{"village 001 area differs from its grids' (×1e12 deg²)", `SELECT round(abs(ST_Area(v.geom) - (SELECT sum(ST_Area(geom)) FROM grid_current WHERE village = v.code)) * 1e12)::bigint
			FROM area v WHERE code = '320902001001'`},
		{"invalid grids", `SELECT count(*) FROM grid_current WHERE NOT ST_IsValid(geom)`},
		{"households not in their lookup grid", `SELECT count(*) FROM household h
			WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`},
		{"units not in their lookup grid", `SELECT count(*) FROM unit h
			WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g WHERE length(code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`},
		{"records whose open assignment disagrees", `SELECT count(*) FROM (
			SELECT 'household' AS rt, id, grid_code FROM household UNION ALL SELECT 'unit', id, grid_code FROM unit) r
			WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = r.rt AND a.record_id = r.id
			       AND upper_inf(a.valid) AND a.grid_code = r.grid_code) <> 1`},
		{"overlapping assignment ranges", `SELECT count(*) FROM assignment a JOIN assignment b
			ON a.record_type = b.record_type AND a.record_id = b.record_id AND a.ctid < b.ctid AND a.valid && b.valid`},
		{"current grids with a retired code", `SELECT count(*) FROM grid_current g JOIN grid_code c USING (code) WHERE c.retired_at <= now()`},
	}
	for _, c := range checks {
		if n := sqlInt(t, st, c.sql); n != 0 {
			t.Errorf("invariant broken: %s: %d", c.what, n)
		}
	}
	// gridd check agrees (the east village's gap is in the fixture).
	rep, err := check.Run(context.Background(), st, check.Options{}, nil)
	if err != nil {
		t.Fatalf("gridd check: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Severity == geo.SeverityError && !(f.Check == geo.CheckVillageGap && len(f.Codes) > 0 && f.Codes[0] == string(fxEast)) {
			t.Errorf("gridd check: %s: %s", f.Check, f.Message)
		}
	}
}
