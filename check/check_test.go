package check_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"gridmap/check"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The check fixture: a city, county, town and village with square
// boundaries, the village tiled by four grids, and the exclusive grid 004
// split into two sub-grids:
//
//	33.010 +---------+----+----+
//	       |   003   |0401|0402|   004 = 00401 + 00402 (exclusive)
//	33.005 +---------+----+----+
//	       |   001   |   002   |
//	33.000 +---------+---------+
//	    120.000   120.005   120.010
//
// Households 1-4 lie inside grids 001, 002, 003, 004; household 5 lies on
// the edge shared by 001 and 002 and belongs to 001 (the smaller code);
// household 6 moved from 002 to 001 (a closed and an open assignment).
// Unit 1 lies in sub-grid 00401 and belongs to grid 004.
const (
	village = "320902001001"
	town    = "320902001000"
	g001    = village + "001"
	g002    = village + "002"
	g003    = village + "003"
	g004    = village + "004"
	s00401  = g004 + "01"
	s00402  = g004 + "02"
)

const checkFixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city',    'Yancheng', NULL,           ST_Multi(ST_MakeEnvelope(119.9, 32.9, 120.2, 33.2, 4326))),
 ('320902000000', 'county',  'Tinghu',   '320900000000', ST_Multi(ST_MakeEnvelope(119.95, 32.95, 120.1, 33.1, 4326))),
 ('320902001000', 'town',    'Town',     '320902000000', ST_Multi(ST_MakeEnvelope(119.99, 32.99, 120.03, 33.03, 4326))),
 ('320902001001', 'village', 'Village',  '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.01, 33.01, 4326)));
INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
 ('320902001001001', 'urban', '320902001001', NULL, 'G1', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.005, 33.005, 4326)), '[2024-01-01,)'),
 ('320902001001002', 'urban', '320902001001', NULL, 'G2', ST_Multi(ST_MakeEnvelope(120.005, 33.0, 120.01, 33.005, 4326)), '[2024-01-01,)'),
 ('320902001001003', 'rural', '320902001001', NULL, 'G3', ST_Multi(ST_MakeEnvelope(120.0, 33.005, 120.005, 33.01, 4326)), '[2024-01-01,)'),
 ('320902001001004', 'exclusive', '320902001001', NULL, 'G4', ST_Multi(ST_MakeEnvelope(120.005, 33.005, 120.01, 33.01, 4326)), '[2024-01-01,)');
INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES
 ('32090200100100401', 'exclusive', '320902001001', '320902001001004', 'S1', ST_Multi(ST_MakeEnvelope(120.005, 33.005, 120.0075, 33.01, 4326)), '[2024-01-01,)'),
 ('32090200100100402', 'exclusive', '320902001001', '320902001001004', 'S2', ST_Multi(ST_MakeEnvelope(120.0075, 33.005, 120.01, 33.01, 4326)), '[2024-01-01,)');
INSERT INTO household (id, geom, grid_code) VALUES
 (1, ST_SetSRID(ST_MakePoint(120.0025, 33.0025), 4326), '320902001001001'),
 (2, ST_SetSRID(ST_MakePoint(120.0075, 33.0025), 4326), '320902001001002'),
 (3, ST_SetSRID(ST_MakePoint(120.0025, 33.0075), 4326), '320902001001003'),
 (4, ST_SetSRID(ST_MakePoint(120.0085, 33.0075), 4326), '320902001001004'),
 (5, ST_SetSRID(ST_MakePoint(120.005, 33.0025), 4326),  '320902001001001'),
 (6, ST_SetSRID(ST_MakePoint(120.001, 33.001), 4326),   '320902001001001');
INSERT INTO unit (id, name, geom, grid_code) VALUES
 (1, 'Works', ST_SetSRID(ST_MakePoint(120.006, 33.008), 4326), '320902001001004');
INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES
 ('household', 1, '320902001001001', '[2024-01-01,)'),
 ('household', 2, '320902001001002', '[2024-01-01,)'),
 ('household', 3, '320902001001003', '[2024-01-01,)'),
 ('household', 4, '320902001001004', '[2024-01-01,)'),
 ('household', 5, '320902001001001', '[2024-01-01,)'),
 ('household', 6, '320902001001002', '[2024-01-01,2025-01-01)'),
 ('household', 6, '320902001001001', '[2025-01-01,)'),
 ('unit', 1, '320902001001004', '[2024-01-01,)');
`

// setGeom returns SQL that replaces the current geometry of a grid.
func setGeom(code, wktGeom string) string {
	return fmt.Sprintf("UPDATE grid SET geom = ST_Multi(ST_GeomFromText('%s', 4326)) WHERE code = '%s';\n", wktGeom, code)
}

func envelope(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("POLYGON((%[1]v %[2]v,%[3]v %[2]v,%[3]v %[4]v,%[1]v %[4]v,%[1]v %[2]v))", x0, y0, x1, y1)
}

// wantFinding is a finding a case expects: its check and codes exactly;
// piece (WKT), when given, is the planted piece: the finding's location
// must match it (Hausdorff distance under 1e-7°) and its area must be the
// piece's area on the spheroid as PostGIS computes it (ST_Area of the
// geography), or areaM2 (±1%) when given: for slivers along a parallel
// the geography's geodesic edges make ST_Area meaningless.
type wantFinding struct {
	check  string
	codes  []string
	piece  string
	areaM2 float64
}

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant string
		opts  check.Options
		want  []wantFinding
	}{
		{name: "clean fixture"},
		{
			name: "touching grids with a T-junction are fine",
			// 001 gets an extra vertex on the edge it shares with 002:
			// they touch along a line, their interiors do not meet.
			plant: setGeom(g001, "POLYGON((120 33,120.005 33,120.005 33.001,120.005 33.005,120 33.005,120 33))"),
		},
		{
			name:  "grids overlap",
			plant: setGeom(g002, envelope(120.0045, 33.0, 120.01, 33.005)),
			want:  []wantFinding{{geo.CheckGridOverlap, []string{g001, g002}, envelope(120.0045, 33.0, 120.005, 33.005), 0}},
		},
		{
			// Household 2 lies inside both grids, in the interior of its
			// own 002: only the lookup, not a containment test, sees that
			// 001 wins.
			name: "household inside an overlap tied to the larger code",
			plant: setGeom(g002, envelope(120.0045, 33.0, 120.01, 33.005)) +
				`UPDATE household SET geom = ST_SetSRID(ST_MakePoint(120.0047, 33.0025), 4326) WHERE id = 2;`,
			want: []wantFinding{
				{geo.CheckGridOverlap, []string{g001, g002}, envelope(120.0045, 33.0, 120.005, 33.005), 0},
				{geo.CheckRecordMisassigned, []string{"household/2", g002, g001}, "POINT(120.0047 33.0025)", 0},
			},
		},
		{
			name:  "grid sticks out of its village",
			plant: setGeom(g001, envelope(120.0, 32.999, 120.005, 33.005)),
			want:  []wantFinding{{geo.CheckGridOutsideVillage, []string{g001, village}, envelope(120.0, 32.999, 120.005, 33.0), 0}},
		},
		{
			name:  "gap in a village",
			plant: setGeom(g002, envelope(120.005, 33.0, 120.01, 33.0045)),
			want:  []wantFinding{{geo.CheckVillageGap, []string{village}, envelope(120.005, 33.0045, 120.01, 33.005), 0}},
		},
		{
			// A notch 1e-10° deep: 0.0026 m², below the default tolerance.
			name:  "gap below tolerance",
			plant: setGeom(g002, "POLYGON((120.005 33,120.01 33,120.01 33.005,120.0075 33.0049999999,120.005 33.005,120.005 33))"),
		},
		{
			name:  "gap below default tolerance, reported with a smaller one",
			plant: setGeom(g002, "POLYGON((120.005 33,120.01 33,120.01 33.005,120.0075 33.0049999999,120.005 33.005,120.005 33))"),
			opts:  check.Options{GapToleranceM2: 1e-4},
			// 0.5 · 0.005° · 1e-10° · 93,450 m/° (lon) · 110,904 m/° (lat)
			want: []wantFinding{{geo.CheckVillageGap, []string{village},
				"POLYGON((120.005 33.005,120.01 33.005,120.0075 33.0049999999,120.005 33.005))", 0.002591}},
		},
		{
			name: "household tied to the wrong grid",
			plant: `UPDATE household SET grid_code = '320902001001002' WHERE id = 1;
				UPDATE assignment SET grid_code = '320902001001002' WHERE record_type = 'household' AND record_id = 1;`,
			want: []wantFinding{{geo.CheckRecordMisassigned, []string{"household/1", g002, g001}, "POINT(120.0025 33.0025)", 0}},
		},
		{
			name: "household on a shared edge tied to the larger code",
			plant: `UPDATE household SET grid_code = '320902001001002' WHERE id = 5;
				UPDATE assignment SET grid_code = '320902001001002' WHERE record_type = 'household' AND record_id = 5;`,
			want: []wantFinding{{geo.CheckRecordMisassigned, []string{"household/5", g002, g001}, "POINT(120.005 33.0025)", 0}},
		},
		{
			name:  "household outside every grid",
			plant: `UPDATE household SET geom = ST_SetSRID(ST_MakePoint(120.02, 33.02), 4326) WHERE id = 3;`,
			want:  []wantFinding{{geo.CheckRecordMisassigned, []string{"household/3", g003}, "POINT(120.02 33.02)", 0}},
		},
		{
			name: "unit tied to its sub-grid instead of the grid",
			plant: `UPDATE unit SET grid_code = '32090200100100401' WHERE id = 1;
				UPDATE assignment SET grid_code = '32090200100100401' WHERE record_type = 'unit' AND record_id = 1;`,
			want: []wantFinding{{geo.CheckRecordMisassigned, []string{"unit/1", s00401, g004}, "POINT(120.006 33.008)", 0}},
		},
		{
			// The triggers keep record_count through deletes, inserts,
			// moves and truncation: no finding.
			name: "records deleted, added, moved and truncated keep their counts",
			plant: `DELETE FROM assignment WHERE record_type = 'household' AND record_id = 1;
				DELETE FROM household WHERE id = 1;
				WITH u AS (INSERT INTO unit (id, name, geom, grid_code)
					SELECT 1000 + i, 'Shop ' || i, ST_SetSRID(ST_MakePoint(120.0075, 33.001 + i * 0.0001), 4326), '320902001001002'
					FROM generate_series(1, 3) i RETURNING id)
				INSERT INTO assignment (record_type, record_id, grid_code, valid) SELECT 'unit', id, '320902001001002', '[2025-01-01,)' FROM u;
				UPDATE unit SET geom = ST_SetSRID(ST_MakePoint(120.0025, 33.0025), 4326), grid_code = '320902001001001' WHERE name = 'Shop 1';
				UPDATE assignment a SET grid_code = '320902001001001' FROM unit u WHERE a.record_type = 'unit' AND a.record_id = u.id AND u.name = 'Shop 1';
				CREATE TEMP TABLE keep AS SELECT * FROM household;
				TRUNCATE household;
				INSERT INTO household SELECT * FROM keep;`,
		},
		{
			name:  "kept record count differs from the records",
			plant: `UPDATE record_count SET households = households + 2 WHERE grid_code = '320902001001001';`,
			want:  []wantFinding{{geo.CheckRecordCount, []string{g001}, "", 0}},
		},
		{
			name:  "missing open assignment",
			plant: `DELETE FROM assignment WHERE record_type = 'household' AND record_id = 2;`,
			want:  []wantFinding{{geo.CheckRecordAssignmentHistory, []string{"household/2", g002}, "", 0}},
		},
		{
			name:  "open assignment names another grid",
			plant: `UPDATE assignment SET grid_code = '320902001001003' WHERE record_type = 'household' AND record_id = 2;`,
			want:  []wantFinding{{geo.CheckRecordAssignmentHistory, []string{"household/2", g002, g003}, "", 0}},
		},
		{
			name:  "assignment ranges overlap",
			plant: `UPDATE assignment SET valid = '[2024-01-01,2025-06-01)' WHERE record_type = 'household' AND record_id = 6 AND NOT upper_inf(valid);`,
			want:  []wantFinding{{geo.CheckRecordAssignmentHistory, []string{"household/6", g001}, "", 0}},
		},
		{
			// Only possible with the unique index gone, which is the point
			// of checking it: two open rows, and the second names a grid
			// that is not the household's.
			name: "two open assignments",
			plant: `DROP INDEX assignment_one_open;
				INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES ('household', 2, '320902001001003', '[2025-01-01,)');`,
			want: []wantFinding{
				{geo.CheckRecordAssignmentHistory, []string{"household/2", g002, g002, g003}, "POINT(120.0075 33.0025)", 0},
				{geo.CheckRecordAssignmentHistory, []string{"household/2", g002, g003}, "POINT(120.0075 33.0025)", 0},
			},
		},
		{
			name: "assignment of a household that does not exist",
			plant: `INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES
				('household', 99, '320902001001003', '[2024-01-01,)'),
				('household', 99, '320902001001001', '[2023-01-01,2024-01-01)');`,
			want: []wantFinding{
				{geo.CheckRecordAssignmentHistory, []string{"household/99", g003}, "", 0},
				{geo.CheckRecordAssignmentHistory, []string{"household/99", g001}, "", 0},
			},
		},
		{
			name: "invalid grid geometry",
			// A spike into 001 from its north edge: the ring touches
			// itself. Repaired, 001 still covers its square, so no other
			// check fires.
			plant: "ALTER TABLE grid DROP CONSTRAINT grid_geom_valid;\n" +
				setGeom(g001, "POLYGON((120 33,120.005 33,120.005 33.005,120.0025 33.005,120.0025 33.004,120.0025 33.005,120 33.005,120 33))"),
			want: []wantFinding{{geo.CheckInvalidGeometry, []string{g001}, "POINT(120.0025 33.005)", 0}},
		},
		{
			name: "invalid village geometry",
			// The same kind of spike, into the village from its north edge.
			plant: `ALTER TABLE area DROP CONSTRAINT area_geom_valid;
				UPDATE area SET geom = ST_GeomFromText('MULTIPOLYGON(((120 33,120.01 33,120.01 33.01,120.0025 33.01,120.0025 33.009,120.0025 33.01,120 33.01,120 33)))', 4326)
				WHERE code = '320902001001';`,
			want: []wantFinding{{geo.CheckInvalidGeometry, []string{village}, "POINT(120.0025 33.01)", 0}},
		},
		{
			name:  "sub-grids overlap",
			plant: setGeom(s00401, envelope(120.005, 33.005, 120.008, 33.01)),
			want:  []wantFinding{{geo.CheckSubgridOverlap, []string{s00401, s00402}, envelope(120.0075, 33.005, 120.008, 33.01), 0}},
		},
		{
			name:  "gap between sub-grids",
			plant: setGeom(s00402, envelope(120.0075, 33.005, 120.0095, 33.01)),
			want:  []wantFinding{{geo.CheckSubgridGap, []string{g004}, envelope(120.0095, 33.005, 120.01, 33.01), 0}},
		},
		{
			name:  "sub-grid sticks out of its grid",
			plant: setGeom(s00402, envelope(120.0075, 33.005, 120.01, 33.011)),
			want:  []wantFinding{{geo.CheckSubgridOutsideGrid, []string{s00402, g004}, envelope(120.0075, 33.01, 120.01, 33.011), 0}},
		},
		{
			name:  "village sticks out of its town",
			plant: `UPDATE area SET geom = ST_Multi(ST_MakeEnvelope(119.99, 32.99, 120.008, 33.03, 4326)) WHERE code = '320902001000';`,
			want:  []wantFinding{{geo.CheckAreaOutsideParent, []string{village, town}, envelope(120.008, 33.0, 120.01, 33.01), 0}},
		},
		{
			// A history row edited by hand (or a write that bypassed the
			// trigger): the as-of reads would draw another village.
			name:  "area history disagrees with the area",
			plant: `UPDATE area_history SET name = 'Old name' WHERE code = '320902001001' AND upper_inf(valid);`,
			want:  []wantFinding{{geo.CheckAreaHistory, []string{village}, "", 0}},
		},
		{
			name:  "area without an open history version",
			plant: `DELETE FROM area_history WHERE code = '320902001000';`,
			want:  []wantFinding{{geo.CheckAreaHistory, []string{town}, "", 0}},
		},
		{
			// Writes through the trigger keep the history: no finding.
			name:  "area renamed",
			plant: `UPDATE area SET name = 'New name' WHERE code = '320902001001';`,
			want:  nil,
		},
		{
			name: "village without grids",
			plant: `INSERT INTO area (code, level, name, parent, geom) VALUES ('320902001002', 'village', 'Empty', '320902001000',
				ST_Multi(ST_MakeEnvelope(120.01, 33.0, 120.02, 33.01, 4326)));`,
			want: []wantFinding{{geo.CheckVillageWithoutGrids, []string{"320902001002"}, "", 0}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := storetest.New(t)
			if _, err := st.Pool().Exec(ctx, checkFixture+tc.plant); err != nil {
				t.Fatalf("plant: %v", err)
			}
			r, err := check.Run(ctx, st, tc.opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != len(tc.want) {
				t.Errorf("got %d findings, want %d:\n%s", len(r.Findings), len(tc.want), dumpFindings(r))
			}
			errs, warns := 0, 0
			for _, w := range tc.want {
				f := findFinding(r, w)
				if f == nil {
					t.Errorf("no %s finding with codes %v in:\n%s", w.check, w.codes, dumpFindings(r))
					continue
				}
				if f.Message == "" || !strings.Contains(f.Message, w.codes[0][strings.LastIndex(w.codes[0], "/")+1:]) {
					t.Errorf("message %q does not name %s", f.Message, w.codes[0])
				}
				// Coverage and records break invariants; areas drawn apart
				// from the grids and villages not yet divided only warn.
				wantSev := geo.SeverityError
				if w.check == geo.CheckVillageWithoutGrids || w.check == geo.CheckAreaOutsideParent {
					wantSev = geo.SeverityWarning
				}
				if f.Severity != wantSev {
					t.Errorf("%s finding has severity %s, want %s", w.check, f.Severity, wantSev)
				}
				if wantSev == geo.SeverityError {
					errs++
				} else {
					warns++
				}
				if w.piece != "" {
					checkPiece(t, st, *f, w)
				}
			}
			if r.Errors() != errs || r.Warnings() != warns {
				t.Errorf("Errors() = %d, Warnings() = %d; want %d, %d", r.Errors(), r.Warnings(), errs, warns)
			}
		})
	}
}

func findFinding(r *check.Report, w wantFinding) *geo.Finding {
	for i, f := range r.Findings {
		if f.Check == w.check && slices.Equal(f.Codes, w.codes) {
			return &r.Findings[i]
		}
	}
	return nil
}

func dumpFindings(r *check.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		loc := ""
		if f.Location != nil {
			loc = wkt.MarshalString(f.Location)
		}
		fmt.Fprintf(&b, "  %s %s %v: %s [%s, %.4g m²]\n", f.Severity, f.Check, f.Codes, f.Message, loc, f.AreaM2)
	}
	return b.String()
}

// checkPiece compares a finding's location and area with the planted
// piece, using PostGIS as the oracle.
func checkPiece(t *testing.T, st *store.Store, f geo.Finding, w wantFinding) {
	t.Helper()
	piece := w.piece
	if f.Location == nil {
		t.Errorf("%s %v: no location, want %s", f.Check, f.Codes, piece)
		return
	}
	var dist, area float64
	err := st.Pool().QueryRow(context.Background(), `
		SELECT ST_HausdorffDistance(ST_GeomFromText($1, 4326), ST_GeomFromText($2, 4326)),
		       ST_Area(ST_GeomFromText($2, 4326)::geography)`,
		wkt.MarshalString(f.Location), piece).Scan(&dist, &area)
	if err != nil {
		t.Fatalf("compare location: %v", err)
	}
	if dist > 1e-7 {
		t.Errorf("%s %v: location %s is %g° from the planted %s", f.Check, f.Codes, wkt.MarshalString(f.Location), dist, piece)
	}
	tol := 1e-3*area + 1e-9
	if w.areaM2 > 0 {
		area, tol = w.areaM2, 0.01*w.areaM2
	}
	if math.Abs(f.AreaM2-area) > tol {
		t.Errorf("%s %v: area %g m², want %g m²", f.Check, f.Codes, f.AreaM2, area)
	}
	if _, isPoint := f.Location.(orb.Point); !isPoint && area <= 0 {
		t.Errorf("%s %v: planted piece has no area", f.Check, f.Codes)
	}
}

func TestCheckLimitsCountsAndJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	// Four households tied to grid 003 although they lie elsewhere.
	plant := `UPDATE household SET grid_code = '320902001001003' WHERE id IN (1, 2, 4, 5);
		UPDATE assignment SET grid_code = '320902001001003' WHERE record_type = 'household' AND record_id IN (1, 2, 4, 5);`
	if _, err := st.Pool().Exec(ctx, checkFixture+plant); err != nil {
		t.Fatalf("plant: %v", err)
	}
	var stages []string
	r, err := check.Run(ctx, st, check.Options{MaxPerCheck: 2}, func(s string) { stages = append(stages, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != len(r.Checks) || len(stages) < 10 {
		t.Errorf("progress saw %d stages, report has %d checks", len(stages), len(r.Checks))
	}
	var sum *check.Summary
	for i := range r.Checks {
		if r.Checks[i].Check == geo.CheckRecordMisassigned {
			sum = &r.Checks[i]
		}
	}
	if sum == nil || sum.Count != 4 || sum.Shown != 2 {
		t.Fatalf("misassigned summary %+v, want count 4, shown 2", sum)
	}
	if len(r.Findings) != 2 || r.Errors() != 4 || r.Warnings() != 0 {
		t.Fatalf("%d findings, Errors() %d, Warnings() %d; want 2, 4, 0:\n%s", len(r.Findings), r.Errors(), r.Warnings(), dumpFindings(r))
	}
	if got := r.Findings[0].Codes; !slices.Equal(got, []string{"household/1", g003, g001}) {
		t.Errorf("first finding codes %v, want household/1 first", got)
	}

	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"location":{"type":"Point","coordinates":[120.0025,33.0025]}`) {
		t.Errorf("JSON lacks the GeoJSON location of household 1: %s", b)
	}
	var back check.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Errors() != 4 || len(back.Findings) != 2 || !orb.Equal(back.Findings[1].Location, r.Findings[1].Location) ||
		!slices.Equal(back.Findings[1].Codes, r.Findings[1].Codes) || back.Findings[1].Message != r.Findings[1].Message {
		t.Errorf("JSON round trip changed the report:\n%s", b)
	}
}

func TestCheckEmptyDatabaseAndBadOptions(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	r, err := check.Run(context.Background(), st, check.Options{}, nil)
	if err != nil {
		t.Fatalf("empty database: %v", err)
	}
	if len(r.Findings) != 0 || r.Errors() != 0 || r.Warnings() != 0 || r.GapToleranceM2 != 0.01 || r.MaxPerCheck != 100 {
		t.Errorf("empty database: %d findings, %d errors, %d warnings, defaults %g m², %d; want none and 0.01 m², 100",
			len(r.Findings), r.Errors(), r.Warnings(), r.GapToleranceM2, r.MaxPerCheck)
	}
	for _, o := range []check.Options{{GapToleranceM2: -1}, {MaxPerCheck: -5}} {
		if _, err := check.Run(context.Background(), st, o, nil); err == nil {
			t.Errorf("Check(%+v) succeeded, want an error saying what to give", o)
		}
	}
}
