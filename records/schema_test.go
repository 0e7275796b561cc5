package records_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"gridmap/pii"
	"gridmap/store/storetest"
)

// recordsFixture: a city, county, town, two villages, a grid in each, an
// address (code …0000001, id 1) with a house (id 1) and a household (id
// 1), and a second address (id 2) with a house (id 2).
const recordsFixture = `
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', '盐城市', NULL, ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902000000', 'county', '亭湖区', '320900000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001000', 'town', '五星街道', '320902000000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.2, 33.2, 4326))),
 ('320902001001', 'village', '新园社区', '320902001000', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.2, 4326))),
 ('320902001002', 'village', '聚龙社区', '320902001000', ST_Multi(ST_MakeEnvelope(120.1, 33.0, 120.2, 33.2, 4326)));
INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
 ('320902001001001', 'urban', '320902001001', '新园一网格', ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.1, 33.2, 4326)), tstzrange('2024-01-01', NULL)),
 ('320902001002001', 'urban', '320902001002', '聚龙一网格', ST_Multi(ST_MakeEnvelope(120.1, 33.0, 120.2, 33.2, 4326)), tstzrange('2024-01-01', NULL));
INSERT INTO standard_address (id, code, city, county, town, village, road, door_number, full_text, geom, grid_code) VALUES
 (1, '3209020010010000001', '盐城市', '亭湖区', '五星街道', '新园社区', '解放南路', '12', '盐城市亭湖区五星街道解放南路12号',
  ST_SetSRID(ST_MakePoint(120.05, 33.05), 4326), '320902001001001'),
 (2, '3209020010010000002', '盐城市', '亭湖区', '五星街道', '新园社区', '解放南路', '14', '盐城市亭湖区五星街道解放南路14号',
  ST_SetSRID(ST_MakePoint(120.05, 33.06), 4326), '320902001001001');
INSERT INTO house (id, address_id, use, floor_area) VALUES (1, 1, 'residential', 89.5), (2, 2, 'commercial', 120);
INSERT INTO household (id, geom, grid_code, address_id) VALUES (1, ST_SetSRID(ST_MakePoint(120.05, 33.05), 4326), '320902001001001', 1);
SELECT setval('standard_address_id_seq', 2), setval('house_id_seq', 2), setval('household_id_seq', 1);
`

// connect gives a connection to a fresh migrated database with the
// fixture.
func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, storetest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, recordsFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return conn
}

// rolledBack runs the statements in a transaction that is always rolled
// back, so that cases do not see each other.
func rolledBack(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args ...any) error {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, sql, args...)
	return err
}

// rolledBackThen runs sql with its args, then then, in a transaction that
// is always rolled back.
func rolledBackThen(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args []any, then string) error {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, then)
	return err
}

func TestRecordsSchemaConstraints(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	key, _ := testKey(t)
	sealed := func(f pii.Field, v string) []byte { return key.Seal(f, v) }
	hash := func(f pii.Field, v string) []byte { return key.Hash(f, v) }

	const addrCols = `INSERT INTO standard_address (code, county, town, village, road, door_number, villager_group, building, entrance, full_text, geom, grid_code) VALUES `
	addr := func(code, road, number, group, building, entrance, text, point, grid string) string {
		return addrCols + fmt.Sprintf("('%s', '亭湖区', '五星街道', '新园社区', '%s', '%s', '%s', '%s', '%s', '%s', %s, '%s')",
			code, road, number, group, building, entrance, text, point, grid)
	}
	pt := "ST_SetSRID(ST_MakePoint(120.05, 33.07), 4326)"
	const grid = "320902001001001"
	const resCols = `INSERT INTO resident (address_id, house_id, household_id, name_sealed, name_hash, id_number_sealed, id_number_hash, phone_sealed, phone_hash, sex, birth_date, residence) VALUES `
	const res = resCols + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	name, id, phone := "王小明", "320902199001011236", "13912345678"
	resident := func(change func(a []any)) []any {
		a := []any{1, 1, 1, sealed(pii.FieldName, name), hash(pii.FieldName, name), sealed(pii.FieldIDNumber, id), hash(pii.FieldIDNumber, id),
			sealed(pii.FieldPhone, phone), hash(pii.FieldPhone, phone), "male", "1990-01-01", "registered"}
		if change != nil {
			change(a)
		}
		return a
	}
	tests := []struct {
		name    string
		sql     string
		args    []any
		wantErr string // empty: the statements must succeed
	}{
		{"valid address", addr("3209020010010000003", "解放南路", "16", "", "", "", "解放南路16号", pt, grid), nil, ""},
		{"valid compound address", addr("3209020010010000003", "", "", "", "3", "2", "聚龙湖花园3幢2单元", pt, grid), nil, ""},
		{"code of 18 digits", addr("320902001001000003", "解放南路", "16", "", "", "", "x", pt, grid), nil, "standard_address_code_format"},
		{"code under a town", addr("3209020010000000003", "解放南路", "16", "", "", "", "x", pt, grid), nil, "standard_address_code_format"},
		{"code with sequence 0", addr("3209020010010000000", "解放南路", "16", "", "", "", "x", pt, grid), nil, "standard_address_code_format"},
		{"code with letters", addr("32090200100100000AB", "解放南路", "16", "", "", "", "x", pt, grid), nil, "standard_address_code_format"},
		{"code of an unknown village", addr("3209020010090000001", "解放南路", "16", "", "", "", "x", pt, grid), nil, "320902001009 is not a village code"},
		{"duplicate code", addr("3209020010010000001", "解放南路", "16", "", "", "", "x", pt, grid), nil, "standard_address_code_unique"},
		{"same text as a live address", addr("3209020010010000003", "解放南路", "12", "", "", "", "盐城市亭湖区五星街道解放南路12号", pt, grid), nil, "standard_address_text_live"},
		{"same text as a retired address",
			`UPDATE standard_address SET retired_at = now() WHERE id = 1; ` +
				addr("3209020010010000003", "解放南路", "12", "", "", "", "盐城市亭湖区五星街道解放南路12号", pt, grid), nil, ""},
		{"retired before created", `UPDATE standard_address SET retired_at = created_at - interval '1 day' WHERE id = 1`, nil, "standard_address_retired_after_created"},
		{"point out of range", addr("3209020010010000003", "解放南路", "16", "", "", "", "x", "ST_SetSRID(ST_MakePoint(200, 33), 4326)", grid), nil, "standard_address_point_in_range"},
		{"polygon for a point", addr("3209020010010000003", "解放南路", "16", "", "", "", "x", "ST_MakeEnvelope(120, 33, 120.01, 33.01, 4326)", grid), nil, "Point"},
		{"wrong SRID", addr("3209020010010000003", "解放南路", "16", "", "", "", "x", "ST_SetSRID(ST_MakePoint(120.05, 33.07), 3857)", grid), nil, "SRID"},
		{"unknown grid", addr("3209020010010000003", "解放南路", "16", "", "", "", "x", pt, "320902001001099"), nil, "foreign key"},
		{"blank county", `INSERT INTO standard_address (code, county, town, road, door_number, full_text, geom, grid_code) VALUES ('3209020010010000003', ' ', '五星街道', '解放南路', '16', 'x', ` + pt + `, '` + grid + `')`, nil, "standard_address_place"},
		{"blank text", addr("3209020010010000003", "解放南路", "16", "", "", "", " ", pt, grid), nil, "standard_address_text_present"},
		{"no door", addr("3209020010010000003", "", "", "", "", "", "x", pt, grid), nil, "standard_address_reaches_door"},
		{"road without door number", addr("3209020010010000003", "解放南路", "", "", "3", "", "x", pt, grid), nil, "standard_address_road_has_door"},
		{"door number with 号", addr("3209020010010000003", "解放南路", "16号", "", "", "", "x", pt, grid), nil, "standard_address_numbers"},
		{"entrance without building", addr("3209020010010000003", "解放南路", "16", "", "", "2", "x", pt, grid), nil, "standard_address_entrance_in_building"},
		{"group without village", `INSERT INTO standard_address (code, county, town, villager_group, road, door_number, full_text, geom, grid_code) VALUES ('3209020010010000003', '亭湖区', '五星街道', '3', '解放南路', '16', 'x', ` + pt + `, '` + grid + `')`, nil, "standard_address_group_in_village"},
		{"door on nothing", `INSERT INTO standard_address (code, county, town, door_number, full_text, geom, grid_code) VALUES ('3209020010010000003', '亭湖区', '五星街道', '16', 'x', ` + pt + `, '` + grid + `')`, nil, "standard_address_door_on_road_or_village"},
		{"delete an address", `DELETE FROM standard_address WHERE id = 2`, nil, "never deleted"},
		{"change a code", `UPDATE standard_address SET code = '3209020010010000009' WHERE id = 2`, nil, "never changes"},
		{"move an address to another grid", `UPDATE standard_address SET grid_code = '320902001002001' WHERE id = 2`, nil, ""},

		{"valid house", `INSERT INTO house (address_id, use, floor_area) VALUES (1, 'mixed', NULL)`, nil, ""},
		{"house use unknown", `INSERT INTO house (address_id, use) VALUES (1, 'palace')`, nil, "house_use_known"},
		{"house of no floor area", `INSERT INTO house (address_id, floor_area) VALUES (1, 0)`, nil, "house_floor_area_range"},
		{"house at an unknown address", `INSERT INTO house (address_id) VALUES (99)`, nil, "foreign key"},

		{"valid resident", res, resident(nil), ""},
		{"resident without ID number or phone", res, resident(func(a []any) { a[5], a[6], a[7], a[8] = nil, nil, nil, nil }), ""},
		{"resident without house or household", res, resident(func(a []any) { a[1], a[2] = nil, nil }), ""},
		{"ID number in clear", res, resident(func(a []any) { a[5] = []byte(id + "0123456789012345") }), "resident_id_number_sealed"},
		{"phone in clear", res, resident(func(a []any) { a[7] = []byte(phone + "01234567890123456789012") }), "resident_phone_sealed"},
		{"name in clear", res, resident(func(a []any) { a[3] = []byte(name + "0123456789012345678901234") }), "resident_name_sealed"},
		{"ID number sealed without its hash", res, resident(func(a []any) { a[6] = nil }), "resident_id_number_sealed"},
		{"hash of 31 bytes", res, resident(func(a []any) { a[8] = hash(pii.FieldPhone, phone)[:31] }), "resident_phone_sealed"},
		{"sealed value cut to its header", res, resident(func(a []any) { a[5] = sealed(pii.FieldIDNumber, id)[:33] }), "resident_id_number_sealed"},
		{"house at another address", res, resident(func(a []any) { a[1] = 2 }), "resident_house_at_address"},
		{"unknown household", res, resident(func(a []any) { a[2] = 99 }), "household 99 does not exist"},
		{"unknown address", res, resident(func(a []any) { a[0], a[1] = 99, nil }), "foreign key"},
		{"sex unknown", res, resident(func(a []any) { a[9] = "x" }), "resident_sex_known"},
		{"residence unknown", res, resident(func(a []any) { a[11] = "tourist" }), "resident_residence_known"},
		{"born 1899", res, resident(func(a []any) { a[10] = "1899-12-31" }), "resident_birth_date_range"},
		{"the same ID number twice", res + `, ($1, NULL, NULL, $4, $5, $6, $7, NULL, NULL, $10, $11, $12)`, resident(nil), "resident_id_number_once"},

		{"address assignment", `INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES ('standard_address', 1, '` + grid + `', tstzrange('2024-01-01', NULL))`, nil, ""},
		{"resident assignment", `INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES ('resident', 1, '` + grid + `', tstzrange('2024-01-01', NULL))`, nil, "assignment_record_type_check"},
		{"household at an address", `INSERT INTO household (geom, grid_code, address_id) VALUES (` + pt + `, '` + grid + `', 2)`, nil, ""},
		{"unit at an unknown address", `INSERT INTO unit (name, geom, grid_code, address_id) VALUES ('x', ` + pt + `, '` + grid + `', 99)`, nil, "foreign key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One connection: the cases run one after another.
			err := rolledBack(ctx, t, conn, tt.sql, tt.args...)
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

// TestResidentHousehold: a resident's household must exist (checked by
// triggers, not a foreign key, so that TRUNCATE household still works).
func TestResidentHousehold(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	key, _ := testKey(t)
	insert := func(household any) (string, []any) {
		return `INSERT INTO resident (address_id, household_id, name_sealed, name_hash, sex, birth_date, residence)
			VALUES (1, $1, $2, $3, 'female', '1990-01-01', 'floating')`,
			[]any{household, key.Seal(pii.FieldName, "李四"), key.Hash(pii.FieldName, "李四")}
	}
	tests := []struct {
		name      string
		household any
		then      string
		wantErr   string
	}{
		{"in a household", 1, `SELECT 1`, ""},
		{"in an unknown household", 99, `SELECT 1`, "household 99 does not exist"},
		{"moved to an unknown household", 1, `UPDATE resident SET household_id = 98`, "household 98 does not exist"},
		{"delete a household residents belong to", 1, `DELETE FROM household WHERE id = 1`, "household 1: residents belong to it"},
		{"delete an empty household", nil, `DELETE FROM household WHERE id = 1`, ""},
		{"truncate households", 1, `TRUNCATE household`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, args := insert(tt.household)
			err := rolledBackThen(ctx, t, conn, sql, args, tt.then)
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

// TestAddressCodesNeverReused: the village counter moves past every code
// written and every code reserved, and stays past them through a
// TRUNCATE; deleting an address is refused.
func TestAddressCodesNeverReused(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	next := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT next_seq FROM address_seq WHERE village = '320902001001'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	reserve := func(village string, n int) (int, error) {
		var first int
		err := conn.QueryRow(ctx, `SELECT address_code_reserve($1, $2)`, village, n).Scan(&first)
		return first, err
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if n := next(); n != 3 {
		t.Fatalf("after the fixture's codes 1 and 2: next %d, want 3", n)
	}
	if first, err := reserve("320902001001", 3); err != nil || first != 3 {
		t.Fatalf("reserve 3: first %d, %v; want 3", first, err)
	}
	if n := next(); n != 6 {
		t.Fatalf("after reserving 3-5: next %d, want 6", n)
	}
	exec(`INSERT INTO standard_address (code, county, town, village, road, door_number, full_text, geom, grid_code) VALUES
		('3209020010010000009', '亭湖区', '五星街道', '新园社区', '解放南路', '18', '解放南路18号', ST_SetSRID(ST_MakePoint(120.05, 33.08), 4326), '320902001001001'),
		('3209020010010000004', '亭湖区', '五星街道', '新园社区', '解放南路', '20', '解放南路20号', ST_SetSRID(ST_MakePoint(120.05, 33.09), 4326), '320902001001001')`)
	if n := next(); n != 10 {
		t.Fatalf("after writing codes 4 and 9: next %d, want 10", n)
	}
	if first, err := reserve("320902001002", 1); err != nil || first != 1 {
		t.Fatalf("first reserve in another village: %d, %v; want 1", first, err)
	}
	exec(`TRUNCATE standard_address CASCADE`)
	if first, err := reserve("320902001001", 1); err != nil || first != 10 {
		t.Fatalf("reserve after a TRUNCATE: %d, %v; want 10", first, err)
	}
	for _, tt := range []struct {
		village string
		n       int
		want    string
	}{
		{"320902001000", 1, "address_seq_village"},
		{"320902001009", 1, "foreign key"},
		{"320902001001", 0, "at least one"},
		{"320902001001", 10_000_000, "address_seq_range"},
	} {
		if _, err := reserve(tt.village, tt.n); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("reserve %d in %s: %v, want %q", tt.n, tt.village, err, tt.want)
		}
	}
}

// TestAddressRecordCount: record_count counts the live addresses of each
// grid through inserts, moves, retirements and a TRUNCATE.
func TestAddressRecordCount(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	counts := func() string {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT grid_code, addresses, households FROM record_count WHERE addresses <> 0 OR households <> 0 ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for rows.Next() {
			var code string
			var a, h int
			if err := rows.Scan(&code, &a, &h); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:%d/%d ", code, a, h)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		return strings.TrimSpace(b.String())
	}
	steps := []struct{ sql, want string }{
		{``, "320902001001001:2/1"},
		{`UPDATE standard_address SET grid_code = '320902001002001' WHERE id = 2`, "320902001001001:1/1 320902001002001:1/0"},
		{`UPDATE standard_address SET full_text = full_text || ' ' WHERE id = 2`, "320902001001001:1/1 320902001002001:1/0"},
		{`UPDATE standard_address SET retired_at = now() WHERE id = 1`, "320902001001001:0/1 320902001002001:1/0"},
		{`UPDATE standard_address SET grid_code = '320902001002001' WHERE id = 1`, "320902001001001:0/1 320902001002001:1/0"},
		{`UPDATE standard_address SET retired_at = NULL WHERE id = 1`, "320902001001001:0/1 320902001002001:2/0"},
		{`TRUNCATE standard_address CASCADE`, ""},
	}
	for _, s := range steps {
		if s.sql != "" {
			if _, err := conn.Exec(ctx, s.sql); err != nil {
				t.Fatalf("%s: %v", s.sql, err)
			}
		}
		if got := counts(); got != s.want {
			t.Errorf("after %q: counts %q, want %q", s.sql, got, s.want)
		}
	}
}

// TestResidentsNeverInClear writes residents through pii and dumps every
// table of the database as pg_dump's data does (COPY … TO STDOUT): no
// name, ID number or phone appears, in text or as the hex of its bytes.
func TestResidentsNeverInClear(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	key, _ := testKey(t)
	type person struct{ name, id, phone string }
	people := []person{
		{"王小明", "320902199001011236", "13912345678"},
		{"欧阳娜娜", "11010519491231002X", "0515-88881234"},
		{"李四", "320902200002290025", "13800001111"},
	}
	for _, p := range people {
		if _, err := conn.Exec(ctx, `INSERT INTO resident (address_id, name_sealed, name_hash, id_number_sealed, id_number_hash, phone_sealed, phone_hash, sex, birth_date, residence)
			VALUES (1, $1, $2, $3, $4, $5, $6, 'female', '1990-01-01', 'floating')`,
			key.Seal(pii.FieldName, p.name), key.Hash(pii.FieldName, p.name),
			key.Seal(pii.FieldIDNumber, p.id), key.Hash(pii.FieldIDNumber, p.id),
			key.Seal(pii.FieldPhone, p.phone), key.Hash(pii.FieldPhone, p.phone)); err != nil {
			t.Fatal(err)
		}
	}
	// "Who has this ID number": an index lookup on the keyed hash.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM resident WHERE id_number_hash = $1`, key.Hash(pii.FieldIDNumber, people[1].id)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("search by ID number: %d rows, %v", n, err)
	}
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	for _, tbl := range tables {
		if _, err := conn.PgConn().CopyTo(ctx, &dump, "COPY "+pgx.Identifier{tbl}.Sanitize()+" TO STDOUT"); err != nil {
			t.Fatalf("dump %s: %v", tbl, err)
		}
	}
	if !bytes.Contains(dump.Bytes(), []byte("解放南路12号")) {
		t.Fatal("the dump misses the fixture: it dumped nothing")
	}
	for _, p := range people {
		for _, v := range []string{p.name, p.id, p.id[6:14], p.phone, p.id[len(p.id)-8:]} {
			if bytes.Contains(dump.Bytes(), []byte(v)) || bytes.Contains(dump.Bytes(), []byte(hex.EncodeToString([]byte(v)))) {
				t.Errorf("the dump holds %q in clear", pii.MaskIDNumber(v))
			}
		}
	}
}

// TestRecordsMigrationOnExistingData migrates a database with households
// and units (made before migration 005) to 005: they keep their rows and
// counts, with no address.
func TestRecordsMigrationOnExistingData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn, m := storetest.Migrating(t)
	if err := m.MigrateTo(ctx, 4); err != nil {
		t.Fatalf("migrate to 4: %v", err)
	}
	before := recordsFixture[:strings.Index(recordsFixture, "INSERT INTO standard_address")] + `
		INSERT INTO household (geom, grid_code) SELECT ST_SetSRID(ST_MakePoint(120.05, 33.0 + i / 1000.0), 4326), '320902001001001' FROM generate_series(1, 5) i;
		INSERT INTO unit (name, geom, grid_code) VALUES ('厂', ST_SetSRID(ST_MakePoint(120.15, 33.1), 4326), '320902001002001');`
	if _, err := conn.Exec(ctx, before); err != nil {
		t.Fatalf("data before 005: %v", err)
	}
	if err := m.MigrateTo(ctx, 5); err != nil {
		t.Fatalf("migrate to 5: %v", err)
	}
	var got string
	if err := conn.QueryRow(ctx, `SELECT string_agg(grid_code || ':' || households || '/' || units || '/' || addresses, ' ' ORDER BY grid_code) FROM record_count`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "320902001001001:5/0/0 320902001002001:0/1/0"; got != want {
		t.Errorf("record_count after 005: %s, want %s", got, want)
	}
	var linked int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM household WHERE address_id IS NOT NULL) + (SELECT count(*) FROM unit WHERE address_id IS NOT NULL)`).Scan(&linked); err != nil || linked != 0 {
		t.Errorf("households and units with an address after 005: %d, %v", linked, err)
	}
}

func testKey(t *testing.T) (*pii.Key, []byte) {
	t.Helper()
	raw := bytes.Repeat([]byte{0x42}, pii.KeySize)
	k, err := pii.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k, raw
}

// TestAddressCheckForms holds migration 008's CHECKs of address codes and
// numbers (string functions) against the regular expressions of 005 that
// they replace, on every short string of a few telling characters and on
// random longer ones: both must accept exactly the same values.
func TestAddressCheckForms(t *testing.T) {
	t.Parallel()
	conn := connect(t)
	ctx := context.Background()
	def := func(name string) string {
		var d string
		if err := conn.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = 'standard_address'::regclass AND conname = $1`, name).Scan(&d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return strings.TrimPrefix(d, "CHECK ")
	}
	if _, err := conn.Exec(ctx, `
		CREATE TEMP TABLE v AS
		WITH RECURSIVE s(v) AS (SELECT ''::text UNION ALL
			SELECT s.v || c FROM s, unnest(ARRAY['0', '7', '-', 'A', 'Z', 'a', '号', ' ']) c WHERE length(s.v) < 5)
		SELECT v FROM s
		UNION ALL
		SELECT string_agg(substr('0123456789-AZ-1a号 0B', 1 + (hashint4(i * 31 + j) & 1023) % 21, 1), '')
		FROM generate_series(1, 20000) i, generate_series(1, 7 + i % 6) j GROUP BY i;
		CREATE TEMP TABLE f AS
		SELECT f, v, CASE f WHEN 'g' THEN v ELSE '' END AS villager_group, CASE f WHEN 'e' THEN v ELSE '' END AS entrance,
		       CASE f WHEN 'b' THEN v ELSE '' END AS building, CASE f WHEN 'r' THEN v ELSE '' END AS room,
		       CASE f WHEN 'd' THEN v ELSE '' END AS door_number
		FROM v, unnest(ARRAY['g', 'e', 'b', 'r', 'd']) f;
		CREATE TEMP TABLE c AS
		SELECT string_agg(substr('0123456789x', 1 + (hashint4(i * 17 + j) & 1023) % (CASE WHEN i % 3 = 0 THEN 11 ELSE 10 END), 1), '') AS code
		FROM generate_series(1, 20000) i, generate_series(1, 17 + i % 4) j GROUP BY i
		UNION ALL SELECT unnest(ARRAY['3209020010010000001', '3209020010000000001', '3209020010010000000', '32090200100100000AB', '',
			'３209020010010000001', '3209020010010000001 ', '3209020010010000001' || chr(10)])`); err != nil {
		t.Fatal(err)
	}
	const numbersRE = `villager_group ~ '^([0-9]{1,3})?$' AND door_number ~ '^([0-9]{1,5}(-[0-9]{1,4})?[A-Z]?)?$'
		AND building ~ '^[0-9A-Z]{0,4}$' AND entrance ~ '^([0-9]{1,2})?$' AND room ~ '^([0-9]{1,5}[A-Z]?)?$'`
	const codeRE = `code ~ '^[0-9]{19}$' AND substr(code, 10, 3) <> '000' AND substr(code, 13) <> '0000000'`
	for _, tt := range []struct{ name, table, re, check string }{
		{"standard_address_numbers", "f", numbersRE, def("standard_address_numbers")},
		{"standard_address_code_format", "c", codeRE, def("standard_address_code_format")},
	} {
		var differ, valid, all int
		var example *string
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FILTER (WHERE (%[2]s) IS DISTINCT FROM (%[3]s)),
			count(*) FILTER (WHERE %[2]s), count(*), min(%[4]s) FILTER (WHERE (%[2]s) IS DISTINCT FROM (%[3]s)) FROM %[1]s`,
			tt.table, tt.re, tt.check, map[string]string{"f": "f || ':' || v", "c": "code"}[tt.table])).Scan(&differ, &valid, &all, &example); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if differ > 0 || valid == 0 || valid == all {
			t.Errorf("%s: %d of %d values judged otherwise than the regular expressions (e.g. %v); %d valid", tt.name, differ, all, example, valid)
		}
	}
}
