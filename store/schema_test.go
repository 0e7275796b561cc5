package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/check"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// schemaFixture inserts a city, county, town, two villages (1x1 km-ish
// squares) and one grid, as the baseline every constraint case starts from.
const schemaFixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001000', 'town', '新兴镇', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001001', 'village', '一村', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.2, 4326))),
 ('320902001002', 'village', '二村', '320902001000', ST_Multi(ST_MakeEnvelope(120.1, 33.0, 120.2, 33.2, 4326)));
INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
 ('320902001001001', 'exclusive', '320902001001', '一村专属网格',
  ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.1, 4326)), tstzrange('2024-01-01', NULL));
`

func TestSchemaConstraints(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, schemaFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	sq := func(minx, miny, maxx, maxy string) string {
		return "ST_Multi(ST_MakeEnvelope(" + minx + "," + miny + "," + maxx + "," + maxy + ", 4326))"
	}
	tests := []struct {
		name    string
		sql     string
		wantErr string // empty: the statement must succeed
	}{
		{"valid grid", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001002','rural','320902001001','二组',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, ""},
		{"area code too short", `INSERT INTO area VALUES ('32090200100', 'village', 'x', '320902001000', NULL)`, "area_code_format"},
		{"area level unknown", `INSERT INTO area VALUES ('320902001003', 'hamlet', 'x', '320902001000', NULL)`, "area_level_known"},
		{"village code with town zeros", `INSERT INTO area VALUES ('320902001000', 'village', 'x', '320902001000', NULL)`, "area_code_fits_level"},
		{"wrong parent", `INSERT INTO area VALUES ('320902001003', 'village', 'x', '320902000000', NULL)`, "area_parent_fits_code"},
		{"unknown parent", `INSERT INTO area VALUES ('320902002001', 'village', 'x', '320902002000', NULL)`, "foreign key"},
		{"village without parent", `INSERT INTO area VALUES ('320902001003', 'village', 'x', NULL, NULL)`, "area_parent_fits_code"},
		{"blank name", `INSERT INTO area VALUES ('320902001003', 'village', '  ', '320902001000', NULL)`, "area_name_present"},
		{"invalid area geometry", `INSERT INTO area VALUES ('320902001003', 'village', 'x', '320902001000', ST_Multi(ST_GeomFromText('POLYGON((0 0,1 1,1 0,0 1,0 0))',4326)))`, "area_geom_valid"},
		{"wrong srid", `INSERT INTO area VALUES ('320902001003', 'village', 'x', '320902001000', ST_Multi(ST_MakeEnvelope(0,0,1,1,3857)))`, "SRID"},
		{"grid code bad", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('32090200100100','rural','320902001001','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, "grid_code_format"},
		{"grid seq 000", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001000','rural','320902001001','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, "grid_code_format"},
		{"grid kind unknown", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','mixed','320902001001','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, "grid_kind_known"},
		{"grid village mismatch", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','rural','320902001002','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, "grid_in_village"},
		{"grid under a town", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001000003','rural','320902001000','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange('2024-01-01', NULL))`, "not a village code"},
		{"grid empty geometry", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','rural','320902001001','x', ST_GeomFromText('MULTIPOLYGON EMPTY',4326), tstzrange('2024-01-01', NULL))`, "grid_geom_valid"},
		{"grid bowtie", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','rural','320902001001','x', ST_Multi(ST_GeomFromText('POLYGON((120 33,120.1 33.1,120.1 33,120 33.1,120 33))',4326)), tstzrange('2024-01-01', NULL))`, "grid_geom_valid"},
		{"grid polygon not multi", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','rural','320902001001','x', ST_MakeEnvelope(120.0, 33.1, 120.1, 33.2, 4326), tstzrange('2024-01-01', NULL))`, "MultiPolygon"},
		{"two versions at once", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001001','exclusive','320902001001','x',` + sq("120.0", "33.0", "120.1", "33.1") + `, tstzrange('2025-01-01', NULL))`, "grid_one_version_at_a_time"},
		{"open-start range", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('320902001001003','rural','320902001001','x',` + sq("120.0", "33.1", "120.1", "33.2") + `, tstzrange(NULL, '2024-01-01'))`, "grid_valid_nonempty"},
		{"sub-grid of exclusive grid", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES ('32090200100100101','exclusive','320902001001','320902001001001','x',` + sq("120.0", "33.0", "120.05", "33.1") + `, tstzrange('2024-06-01', NULL))`, ""},
		{"sub-grid without parent", `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES ('32090200100100102','exclusive','320902001001','x',` + sq("120.0", "33.0", "120.05", "33.1") + `, tstzrange('2024-06-01', NULL))`, "grid_parent_fits_code"},
		{"sub-grid of rural grid", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES ('32090200100100201','exclusive','320902001001','320902001001002','x',` + sq("120.0", "33.1", "120.05", "33.2") + `, tstzrange('2024-06-01', NULL))`, "not an exclusive grid"},
		{"rural sub-grid", `INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid) VALUES ('32090200100100103','rural','320902001001','320902001001001','x',` + sq("120.0", "33.0", "120.05", "33.1") + `, tstzrange('2024-06-01', NULL))`, "grid_parent_fits_code"},
		{"household out of range", `INSERT INTO household (geom, grid_code) VALUES (ST_SetSRID(ST_MakePoint(200, 33), 4326), '320902001001001')`, "household_point_in_range"},
		{"household unknown grid", `INSERT INTO household (geom, grid_code) VALUES (ST_SetSRID(ST_MakePoint(120.05, 33.05), 4326), '320902001001099')`, "foreign key"},
		{"token hash length", `INSERT INTO api_token (hash, role) VALUES ('\x00', 'admin')`, "check"},
		{"token role", `INSERT INTO api_token (hash, role) VALUES (sha256('x'), 'root')`, "check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := inRolledBackTx(ctx, t, st.Pool(), tt.sql)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
			}
		})
	}
}

type execer interface {
	Begin(context.Context) (pgx.Tx, error)
}

// inRolledBackTx runs sql in a transaction that is always rolled back, so
// the cases do not see each other.
func inRolledBackTx(ctx context.Context, t *testing.T, db execer, sql string) error {
	t.Helper()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, sql)
	return err
}

func TestRetiredCodeIsNeverReused(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, schemaFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	// Close the grid and retire its code, then try to bring it back.
	if _, err := st.Pool().Exec(ctx, `
		UPDATE grid SET valid = tstzrange(lower(valid), '2025-01-01') WHERE code = '320902001001001';
		UPDATE grid_code SET retired_at = '2025-01-01' WHERE code = '320902001001001'`); err != nil {
		t.Fatal(err)
	}
	_, err := st.Pool().Exec(ctx, `INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
		('320902001001001','rural','320902001001','reborn', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.1, 4326)), tstzrange('2025-06-01', NULL))`)
	if err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("reusing a retired code: want a 'retired' error, got %v", err)
	}
	// The sequence counter stays past every issued code.
	var next int
	if err := st.Pool().QueryRow(ctx, `SELECT next_seq FROM grid_seq WHERE parent = '320902001001'`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next != 2 {
		t.Fatalf("next_seq = %d, want 2", next)
	}
}

func TestAssignmentOneOpenRow(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	if _, err := st.Pool().Exec(ctx, schemaFixture+`
		INSERT INTO household (id, geom, grid_code) VALUES (1, ST_SetSRID(ST_MakePoint(120.05, 33.05), 4326), '320902001001001');
		INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES ('household', 1, '320902001001001', tstzrange('2024-01-01', NULL));`); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	_, err := st.Pool().Exec(ctx, `INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES ('household', 1, '320902001001001', tstzrange('2024-02-01', NULL))`)
	if err == nil || !strings.Contains(err.Error(), "assignment_one_open") {
		t.Fatalf("second open assignment: want assignment_one_open violation, got %v", err)
	}
}

func TestBumpDatasetVersionNotifies(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(ctx, "LISTEN gridmap_version"); err != nil {
		t.Fatal(err)
	}
	writer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(context.Background())
	for want := int64(1); want <= 3; want++ {
		var got int64
		if err := writer.QueryRow(ctx, "SELECT bump_dataset_version('test')").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("bump returned %d, want %d", got, want)
		}
		n, err := listener.WaitForNotification(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Payload != strconv.FormatInt(want, 10) {
			t.Fatalf("notification payload %q, want %d", n.Payload, want)
		}
	}
}

// TestAreaHistoryTrigger: every write to area is recorded in
// area_history (migration 004): an area's first version holds from
// -infinity, a change closes the open version and opens one at
// gridmap.area_at (or the transaction time), two changes at one instant
// make one version, an update that changes nothing writes none, a delete
// closes the history and a code inserted again starts where it ended.
func TestAreaHistoryTrigger(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := st.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	type version struct {
		from, to, name string
		verts          int
	}
	versions := func(code string) []version {
		t.Helper()
		rows, err := st.Pool().Query(ctx, `SELECT CASE WHEN lower(valid) = '-infinity' THEN '-infinity' ELSE to_char(lower(valid) AT TIME ZONE 'UTC', 'YYYY-MM-DD') END,
			CASE WHEN upper_inf(valid) THEN '' ELSE to_char(upper(valid) AT TIME ZONE 'UTC', 'YYYY-MM-DD') END,
			name, ST_NPoints(geom) FROM area_history WHERE code = $1 ORDER BY lower(valid)`, code)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (version, error) {
			var v version
			err := r.Scan(&v.from, &v.to, &v.name, &v.verts)
			return v, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	exec(schemaFixture)
	if n := storetest.Int(t, st, `SELECT count(*) FROM area_history WHERE lower(valid) = '-infinity' AND upper_inf(valid)`); n != 5 {
		t.Fatalf("%d open versions from -infinity after inserting 5 areas", n)
	}
	exec(`UPDATE area SET name = name, geom = geom`)
	if n := storetest.Int(t, st, `SELECT count(*) FROM area_history`); n != 5 {
		t.Errorf("an update that changes nothing wrote versions: %d rows", n)
	}
	exec(`BEGIN;
		SELECT set_config('gridmap.area_at', '2025-01-01 00:00:00+00', true);
		UPDATE area SET geom = ST_Multi(ST_GeomFromText('POLYGON((120 33,120.05 33,120.1 33,120.1 33.2,120 33.2,120 33))', 4326)) WHERE code = '320902001001';
		UPDATE area SET name = '一村新' WHERE code = '320902001001';
		COMMIT`)
	want := []version{{"-infinity", "2025-01-01", "一村", 5}, {"2025-01-01", "", "一村新", 6}}
	if got := versions("320902001001"); !slices.Equal(got, want) {
		t.Errorf("village 001 after a dated change: %v, want %v", got, want)
	}
	// Dated before the open version began: it replaces that version.
	exec(`BEGIN;
		SELECT set_config('gridmap.area_at', '2024-06-01 00:00:00+00', true);
		UPDATE area SET name = '一村再' WHERE code = '320902001001';
		COMMIT`)
	want[1].name = "一村再"
	if got := versions("320902001001"); !slices.Equal(got, want) {
		t.Errorf("village 001 after a change dated before its open version: %v, want %v", got, want)
	}
	// Undated: from the transaction time; delete; insert again.
	var today string
	if err := st.Pool().QueryRow(ctx, `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')`).Scan(&today); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE area SET name = '二村新' WHERE code = '320902001002'`)
	exec(`DELETE FROM area WHERE code = '320902001002'`)
	exec(`INSERT INTO area (code, level, name, parent, geom) VALUES ('320902001002', 'village', '二村又', '320902001000',
		ST_Multi(ST_MakeEnvelope(120.1, 33.0, 120.2, 33.2, 4326)))`)
	got := versions("320902001002")
	if len(got) != 3 || got[0].from != "-infinity" || got[0].to != today || got[1].name != "二村新" || got[1].to != today ||
		got[2].from != today || got[2].to != "" || got[2].name != "二村又" {
		t.Errorf("village 002 renamed, deleted and inserted again: %v", got)
	}
	if n := storetest.Int(t, st, `SELECT count(*) FROM area_history h WHERE code = '320902001002' AND upper_inf(valid)
		AND lower(valid) = (SELECT upper(valid) FROM area_history WHERE code = h.code AND name = '二村新')`); n != 1 {
		t.Errorf("the code inserted again does not start where its deleted version ended")
	}
}

// TestAreaHistoryBackfill migrates a database to 003, fills areas, and
// migrates to 004: every area gets one open version from -infinity equal
// to it, and gridd check's area-history rule finds nothing.
func TestAreaHistoryBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, conn, m := storetest.Migrating(t)
	if err := m.MigrateTo(ctx, 3); err != nil {
		t.Fatalf("migrate to 3: %v", err)
	}
	if _, err := conn.Exec(ctx, schemaFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	if err := m.MigrateTo(ctx, 4); err != nil {
		t.Fatalf("migrate to 4: %v", err)
	}
	var n, same int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE h.name = a.name AND h.level = a.level
			AND h.parent IS NOT DISTINCT FROM a.parent AND ST_AsEWKB(h.geom) = ST_AsEWKB(a.geom)
			AND lower(h.valid) = '-infinity' AND upper_inf(h.valid))
		FROM area a LEFT JOIN area_history h USING (code)`).Scan(&n, &same); err != nil {
		t.Fatal(err)
	}
	if n != 5 || same != 5 {
		t.Errorf("after the backfill: %d area rows joined, %d with one equal version from -infinity; want 5, 5", n, same)
	}
	st, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := check.Run(ctx, st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Check == geo.CheckAreaHistory {
			t.Errorf("gridd check after the backfill: %s", f.Message)
		}
	}
}
