package demo_test

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// demoInvariants are the rules gridd check applies, as SQL counting the
// violations; PostGIS is the oracle.
var demoInvariants = []struct {
	name, sql string
}{
	{"invalid grid geometry", `SELECT count(*) FROM grid WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)`},
	{"invalid area geometry", `SELECT count(*) FROM area WHERE geom IS NULL OR NOT ST_IsValid(geom) OR ST_IsEmpty(geom)`},
	{"overlapping grids", `
		SELECT count(*) FROM grid_current a JOIN grid_current b
		  ON a.code < b.code AND length(a.code) = 15 AND length(b.code) = 15 AND a.geom && b.geom
		WHERE ST_Relate(a.geom, b.geom, '2********')`},
	{"overlapping sub-grids", `
		SELECT count(*) FROM grid_current a JOIN grid_current b
		  ON a.code < b.code AND length(a.code) = 17 AND length(b.code) = 17 AND a.geom && b.geom
		WHERE ST_Relate(a.geom, b.geom, '2********')`},
	{"grid outside its village", `
		SELECT count(*) FROM grid_current g JOIN area v ON v.code = g.village
		WHERE NOT ST_CoveredBy(g.geom, v.geom)`},
	{"gap in a village's grids", `
		SELECT count(*) FROM area v
		WHERE v.level = 'village' AND ST_Area(ST_Difference(v.geom, coalesce(
			(SELECT ST_Union(geom) FROM grid_current g WHERE g.village = v.code AND length(g.code) = 15),
			'SRID=4326;POLYGON EMPTY'::geometry))) > 1e-12`},
	{"sub-grid outside its grid", `
		SELECT count(*) FROM grid_current s JOIN grid_current e ON e.code = s.parent_grid
		WHERE NOT ST_CoveredBy(s.geom, e.geom)`},
	{"gap in an exclusive grid's sub-grids", `
		SELECT count(*) FROM grid_current e
		WHERE EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid = e.code)
		  AND ST_Area(ST_Difference(e.geom,
			(SELECT ST_Union(geom) FROM grid_current s WHERE s.parent_grid = e.code))) > 1e-12`},
	{"exclusive grid without sub-grids", `
		SELECT count(*) FROM grid_current e
		WHERE e.kind = 'exclusive' AND length(e.code) = 15
		  AND NOT EXISTS (SELECT 1 FROM grid_current s WHERE s.parent_grid = e.code)`},
	{"overlapping sibling areas", `
		SELECT count(*) FROM area a JOIN area b
		  ON a.parent = b.parent AND a.code < b.code AND a.geom && b.geom
		WHERE ST_Relate(a.geom, b.geom, '2********')`},
	{"child area outside its parent", `
		SELECT count(*) FROM area c JOIN area p ON p.code = c.parent WHERE NOT ST_CoveredBy(c.geom, p.geom)`},
	{"gap in an area's children", `
		SELECT count(*) FROM area p
		WHERE p.level <> 'village' AND ST_Area(ST_Difference(p.geom,
			(SELECT ST_Union(geom) FROM area c WHERE c.parent = p.code))) > 1e-12`},
	{"household in the wrong grid", `
		SELECT count(*) FROM household h
		WHERE h.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g
			WHERE length(g.code) = 15 AND ST_Covers(g.geom, h.geom) ORDER BY code LIMIT 1)`},
	{"unit in the wrong grid", `
		SELECT count(*) FROM unit u
		WHERE u.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g
			WHERE length(g.code) = 15 AND ST_Covers(g.geom, u.geom) ORDER BY code LIMIT 1)`},
	{"household without its one open assignment", `
		SELECT count(*) FROM household h
		WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = 'household' AND a.record_id = h.id
		         AND upper_inf(a.valid) AND a.grid_code = h.grid_code) <> 1`},
	{"unit without its one open assignment", `
		SELECT count(*) FROM unit u
		WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = 'unit' AND a.record_id = u.id
		         AND upper_inf(a.valid) AND a.grid_code = u.grid_code) <> 1`},
	{"grid not open from the demo time", `
		SELECT count(*) FROM grid WHERE valid <> tstzrange('2024-01-01T00:00:00+08:00', NULL)`},
	{"committee suffix in a grid name or address", `
		SELECT (SELECT count(*) FROM grid WHERE name LIKE '%委会%' OR name LIKE '%委员会%')
		     + (SELECT count(*) FROM household WHERE address LIKE '%委会%' OR address LIKE '%委员会%')`},
	{"grid code not extending its village", `
		SELECT count(*) FROM grid g WHERE substr(g.code, 1, 12) <> g.village
		   OR NOT EXISTS (SELECT 1 FROM area v WHERE v.code = g.village AND v.level = 'village')`},
}

// checkDemoInvariants fails the test for every violated invariant.
func checkDemoInvariants(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, inv := range demoInvariants {
		var n int
		if err := st.Pool().QueryRow(ctx, inv.sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", inv.name, err)
		}
		if n != 0 {
			t.Errorf("%s: %d violations", inv.name, n)
		}
	}
}

// csvCounts counts the towns and villages of a county in the division list,
// read independently of the generator.
func csvCounts(t *testing.T, county string) (towns, villages int) {
	t.Helper()
	f, err := os.Open("demodata/yancheng-divisions-2023.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		if !strings.HasPrefix(r[0], county) {
			continue
		}
		switch r[2] {
		case "town":
			towns++
		case "village":
			villages++
		}
	}
	return towns, villages
}

func gridsDigest(t *testing.T, st *store.Store) string {
	t.Helper()
	var sum string
	if err := st.Pool().QueryRow(context.Background(),
		`SELECT md5(string_agg(code || md5(ST_AsBinary(geom)), ',' ORDER BY code)) FROM grid`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestGenerateDemoCounty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	for range 2 { // asking twice changes nothing
		empty, err := st.IsEmpty(ctx)
		if err != nil || !empty {
			t.Fatalf("IsEmpty on a fresh database = %v, %v; want true", empty, err)
		}
	}
	var stages []string
	start := time.Now()
	stats, err := demo.Generate(ctx, st, demo.Options{Scale: 0.3, Seed: 7, County: geo.MustParseCode("320971")},
		func(stage string, done, total int) { stages = append(stages, stage) })
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	t.Logf("one county at scale 0.3: %+v in %v", stats, time.Since(start))
	for range 2 {
		empty, err := st.IsEmpty(ctx)
		if err != nil || empty {
			t.Fatalf("IsEmpty after the demo = %v, %v; want false", empty, err)
		}
	}
	if _, err := demo.Generate(ctx, st, demo.Options{Scale: 0.1, Seed: 7}, nil); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("second Generate: err %v, want ErrNotEmpty", err)
	}
	for _, want := range []string{"counties", "towns", "villages", "grids", "sub-grids", "households", "units", "indexes"} {
		if !strings.Contains(strings.Join(stages, " "), want) {
			t.Errorf("progress never reported stage %q (got %v)", want, stages)
		}
	}

	towns, villages := csvCounts(t, "320971")
	var got struct{ city, county, towns, villages, grids, excl, subs, households, units, versions int }
	err = st.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM area WHERE level = 'city' AND code = '320900000000'),
		(SELECT count(*) FROM area WHERE level = 'county'),
		(SELECT count(*) FROM area WHERE level = 'town' AND parent = '320971000000'),
		(SELECT count(*) FROM area WHERE level = 'village' AND code LIKE '320971%'),
		(SELECT count(*) FROM grid_current WHERE length(code) = 15),
		(SELECT count(*) FROM grid_current WHERE length(code) = 15 AND kind = 'exclusive'),
		(SELECT count(*) FROM grid_current WHERE length(code) = 17),
		(SELECT count(*) FROM household), (SELECT count(*) FROM unit),
		(SELECT count(*) FROM dataset_version)`).Scan(&got.city, &got.county, &got.towns, &got.villages,
		&got.grids, &got.excl, &got.subs, &got.households, &got.units, &got.versions)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"city rows", got.city, 1},
		{"county rows", got.county, 1},
		{"towns", got.towns, towns},
		{"villages", got.villages, villages},
		{"stats towns", stats.Towns, towns},
		{"stats villages", stats.Villages, villages},
		{"stats grids", stats.Grids, got.grids},
		{"stats exclusive", stats.Exclusive, got.excl},
		{"stats sub-grids", stats.SubGrids, got.subs},
		{"stats households", stats.Households, got.households},
		{"stats units", stats.Units, got.units},
		{"dataset versions", got.versions, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if got.grids < villages || got.households == 0 || got.units == 0 {
		t.Errorf("too little made: %d grids for %d villages, %d households, %d units", got.grids, villages, got.households, got.units)
	}
	if stats.Version != 1 {
		t.Errorf("stats.Version = %d, want 1", stats.Version)
	}
	checkDemoInvariants(t, st)
}

func TestGenerateDemoDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gen := func(seed int64) string {
		st := storetest.New(t)
		opts := demo.Options{Scale: 0.2, Seed: seed, County: geo.MustParseCode("320971")}
		if _, err := demo.Generate(ctx, st, opts, nil); err != nil {
			t.Fatalf("Generate seed %d: %v", seed, err)
		}
		return gridsDigest(t, st)
	}
	a, b, c := gen(3), gen(3), gen(4)
	if a != b {
		t.Errorf("same seed, different grids: %s vs %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 3 and 4 gave identical grids (%s)", a)
	}
}

// TestGenerateDemoRealOutlines feeds given outlines, one of them invalid
// (a bow-tie), and expects the repair reported and the development zone
// carved out of its host.
func TestGenerateDemoRealOutlines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	square := orb.MultiPolygon{{{{120.10, 33.25}, {120.40, 33.25}, {120.40, 33.50}, {120.10, 33.50}, {120.10, 33.25}}}}
	bowtie := orb.MultiPolygon{{{{119.80, 33.25}, {120.10, 33.50}, {120.10, 33.25}, {119.80, 33.50}, {119.80, 33.25}}}}
	opts := demo.Options{Scale: 0.2, Seed: 1, County: geo.MustParseCode("320971"),
		Counties: map[geo.Code]orb.MultiPolygon{"320902000000": square, "320903000000": bowtie}}
	stats, err := demo.Generate(ctx, st, opts, nil)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(stats.Repaired) != 1 || !strings.HasPrefix(stats.Repaired[0], "320903") {
		t.Errorf("Repaired = %q, want one entry for 320903", stats.Repaired)
	}
	var inside bool
	if err := st.Pool().QueryRow(ctx, `SELECT ST_CoveredBy(geom, ST_GeomFromText($1, 4326)) AND ST_Area(geom) > 0.005
		FROM area WHERE code = '320971000000'`,
		"POLYGON((120.10 33.25,120.40 33.25,120.40 33.50,120.10 33.50,120.10 33.25))").Scan(&inside); err != nil {
		t.Fatal(err)
	}
	if !inside {
		t.Error("320971 is not a sizeable area inside its host's outline")
	}
	checkDemoInvariants(t, st)
}

func TestGenerateDemoBadOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	cases := []struct {
		name string
		opts demo.Options
		want string
	}{
		{"zero scale", demo.Options{}, "scale"},
		{"huge scale", demo.Options{Scale: 1000}, "scale"},
		{"NaN scale", demo.Options{Scale: math.NaN()}, "scale"},
		{"town as county", demo.Options{Scale: 1, County: geo.MustParseCode("320902001")}, "not a county"},
		{"foreign county", demo.Options{Scale: 1, County: geo.MustParseCode("320101")}, "not a county of Yancheng"},
		{"missing outline", demo.Options{Scale: 0.1, County: geo.MustParseCode("320903"),
			Counties: map[geo.Code]orb.MultiPolygon{"320902000000": {{{{120, 33}, {120.1, 33}, {120.1, 33.1}, {120, 33}}}}}}, "have no 320903"},
		{"foreign outline", demo.Options{Scale: 0.1, County: geo.MustParseCode("320902"),
			Counties: map[geo.Code]orb.MultiPolygon{"320101000000": {{{{120, 33}, {120.1, 33}, {120.1, 33.1}, {120, 33}}}}}}, "not a county code of Yancheng"},
	}
	for _, c := range cases {
		_, err := demo.Generate(ctx, st, c.opts, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if empty, err := st.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("after failed runs IsEmpty = %v, %v; want true (all or nothing)", empty, err)
	}
}

// TestGenerateDemoCityTiny makes the whole city at a tiny scale: every
// county, town and village from the division list, one or two grids each.
func TestGenerateDemoCityTiny(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	stats, err := demo.Generate(ctx, st, demo.Options{Scale: 0.01, Seed: 1}, nil)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	t.Logf("whole city at scale 0.01: %+v", stats)
	towns, villages := csvCounts(t, "3209")
	if stats.Counties != 10 || stats.Towns != towns || stats.Villages != villages {
		t.Errorf("made %d counties, %d towns, %d villages; want 10, %d, %d", stats.Counties, stats.Towns, stats.Villages, towns, villages)
	}
	if stats.Grids < villages {
		t.Errorf("%d grids for %d villages: every village needs one", stats.Grids, villages)
	}
	checkDemoInvariants(t, st)
}

// BenchmarkGenerateDemoFull makes the whole city at scale 1 (≈20,000
// grids, ≈2.3 M households) in a fresh database per run.
func BenchmarkGenerateDemoFull(b *testing.B) {
	ctx := context.Background()
	var stats demo.Stats
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		st := storetest.New(b)
		b.StartTimer()
		start := time.Now()
		var err error
		stats, err = demo.Generate(ctx, st, demo.Options{Scale: 1, Seed: 1}, func(stage string, done, total int) {
			if done == total {
				b.Logf("%-10s %8d  %5.1fs", stage, done, time.Since(start).Seconds())
			}
		})
		if err != nil {
			b.Fatalf("Generate: %v", err)
		}
		elapsed += stats.Elapsed
	}
	secs := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(float64(stats.Grids+stats.SubGrids)/secs, "grids/s")
	b.ReportMetric(float64(stats.Households)/secs, "households/s")
	b.ReportMetric(float64(stats.Grids+stats.SubGrids), "grids")
	b.ReportMetric(float64(stats.Households), "households")
}
