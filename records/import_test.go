package records_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
	"gridmap/store/storetest"
)

// secondCounty adds 盐都区 (320903) east of the fixture's county, with a
// town, a village and a grid.
const secondCounty = `
UPDATE area SET geom = ST_Multi(ST_MakeEnvelope(120.0, 33.0, 120.4, 33.2, 4326)) WHERE code = '320900000000';
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320903000000', 'county', '盐都区', '320900000000', ST_Multi(ST_MakeEnvelope(120.2, 33.0, 120.4, 33.2, 4326))),
 ('320903001000', 'town', '潘黄街道', '320903000000', ST_Multi(ST_MakeEnvelope(120.2, 33.0, 120.4, 33.2, 4326))),
 ('320903001001', 'village', '仰徐社区', '320903001000', ST_Multi(ST_MakeEnvelope(120.2, 33.0, 120.4, 33.2, 4326)));
INSERT INTO grid (code, kind, village, name, geom, valid) VALUES
 ('320903001001001', 'urban', '320903001001', '仰徐一网格', ST_Multi(ST_MakeEnvelope(120.2, 33.0, 120.4, 33.2, 4326)), tstzrange('2024-01-01', NULL));
`

// fixedKey is the fixed data key of the tests.
func fixedKey(t testing.TB) *pii.Key {
	t.Helper()
	k, err := pii.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newService is a store with the fixture and the second county, and the
// records service over it with its index.
func newService(t testing.TB) (*store.Store, *records.Service) {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := st.Pool().Exec(ctx, recordsFixture+secondCounty); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix := geo.NewIndex(snap, geo.IndexOptions{})
	return st, records.NewService(st, fixedKey(t), func() *geo.Index { return ix })
}

var (
	admin   = records.Caller{ID: "token:1", Role: "admin"}
	planner = records.Caller{ID: "token:2", Role: "planner", Area: geo.MustParseCode("320902")}
	viewer  = records.Caller{ID: "token:3", Role: "viewer", Area: geo.MustParseCode("320902")}
	other   = records.Caller{ID: "token:4", Role: "approver", Area: geo.MustParseCode("320903")}
	approve = records.Caller{ID: "token:5", Role: "approver", Area: geo.MustParseCode("320902")}
)

// idNumber makes a valid ID number.
func idNumber(t testing.TB, seq int) string {
	t.Helper()
	id, err := records.MakeIDNumber("320902", time.Date(1980+seq%30, time.Month(1+seq%12), 1+seq%28, 0, 0, 0, 0, time.UTC), seq%999)
	if err != nil {
		t.Fatal(err)
	}
	return id.Clear()
}

// wrongCheck changes an ID number's check digit.
func wrongCheck(id string) string {
	last := id[17]
	if last == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

// encodings of a table: UTF-8 CSV (with a BOM), GBK CSV, XLSX.
var encodings = []struct {
	name    string
	charset string
	encode  func(t testing.TB, rows [][]string) []byte
}{
	{"utf-8 csv", "", func(t testing.TB, rows [][]string) []byte { return []byte("\ufeff" + csvText(rows)) }},
	{"gbk csv", "gbk", func(t testing.TB, rows [][]string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csvText(rows)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}},
	{"xlsx", "", func(t testing.TB, rows [][]string) []byte {
		f := excelize.NewFile()
		defer f.Close()
		for i, r := range rows {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				f.SetCellStr("Sheet1", cell, v)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}},
}

// csvText writes rows as CSV, quoting nothing (no test value holds a
// comma; a row may have more fields than the header on purpose).
func csvText(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteString("\r\n")
	}
	return b.String()
}

func count(t testing.TB, st *store.Store, q string) int64 { return storetest.Int(t, st, q) }

// TestImportBadRows: each bad row, in each encoding, all or nothing (422:
// nothing written) and partial (the good row written), names its
// spreadsheet row and column and what to fix.
func TestImportBadRows(t *testing.T) {
	good := []string{"盐城市亭湖区五星街道解放南路20号", "120.05", "33.07"}
	header := []string{"address", "lon", "lat"}
	cases := []struct {
		name     string
		kind     records.Kind
		caller   records.Caller
		header   []string
		good     []string
		bad      [][]string
		row      int // the bad row's spreadsheet row
		column   string
		contains string
	}{
		{"lon not a number", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路22号", "abc", "33.07"}}, 3, "lon", "not a number"},
		{"lat out of range", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路22号", "120.05", "95"}}, 3, "lat", "out of range"},
		{"empty lon", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路22号", "", "33.07"}}, 3, "lon", "is empty"},
		{"outside the city", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路22号", "121.5", "34.5"}}, 3, "lon", "outside the city"},
		{"outside the token's county", records.KindAddresses, planner, header, good, [][]string{{"盐城市盐都区潘黄街道仰徐社区1号", "120.3", "33.1"}}, 3, "lon", "outside the area 320902"},
		{"empty address", records.KindAddresses, admin, header, good, [][]string{{"", "120.05", "33.08"}}, 3, "address", "is empty"},
		{"same address twice", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路20号", "120.05", "33.07"}}, 3, "address", "row 2"},
		{"address exists", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路12号", "120.05", "33.05"}}, 3, "address", "already exists as standard address 3209020010010000001"},
		{"names another county", records.KindAddresses, admin, header, good, [][]string{{"盐城市盐都区五星街道解放南路22号", "120.05", "33.07"}}, 3, "address", "names county 盐都区"},
		{"names another village", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道聚龙社区3组15号", "120.05", "33.07"}}, 3, "address", "names village 聚龙社区"},
		{"more fields than header", records.KindAddresses, admin, header, good, [][]string{{"盐城市亭湖区五星街道解放南路22号", "120.05", "33.07", "extra"}}, 3, "", "more than the 3 columns|right of the last named column (C)"},
		{"wrong check digit", records.KindResidents, admin, []string{"name", "id_number", "phone", "address"},
			[]string{"王小明", idNumber(t, 1), "13912345678", "盐城市亭湖区五星街道解放南路12号"},
			[][]string{{"李四", wrongCheck(idNumber(t, 2)), "13912345679", "盐城市亭湖区五星街道解放南路12号"}}, 3, "id_number", "check digit"},
		{"impossible birth date", records.KindResidents, admin, []string{"name", "id_number", "phone", "address"},
			[]string{"王小明", idNumber(t, 1), "13912345678", "盐城市亭湖区五星街道解放南路12号"},
			[][]string{{"李四", "32090219990231" + "0011", "13912345679", "盐城市亭湖区五星街道解放南路12号"}}, 3, "id_number", "birth date"},
		{"unknown address", records.KindResidents, admin, []string{"name", "id_number", "phone", "address"},
			[]string{"王小明", idNumber(t, 1), "13912345678", "亭湖区五星街道解放南路12号"},
			[][]string{{"李四", idNumber(t, 2), "13912345679", "盐城市亭湖区五星街道解放南路99号"}}, 3, "address", "no standard address"},
		{"resident outside the token's county", records.KindResidents, planner, []string{"name", "id_number", "address"},
			[]string{"王小明", idNumber(t, 1), "3209020010010000002"},
			[][]string{{"李四", idNumber(t, 2), "盐城市盐都区潘黄街道仰徐社区1号"}}, 3, "address", "outside the area 320902"},
	}
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			t.Parallel()
			st, svc := newService(t)
			ctx := context.Background()
			// an address in the other county, for the resident case
			if _, err := svc.Import(ctx, records.KindAddresses, strings.NewReader("address,lon,lat\n盐城市盐都区潘黄街道仰徐社区1号,120.3,33.1\n"), records.ImportOptions{Caller: admin}); err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				table := append([][]string{c.header, c.good}, c.bad...)
				table[1] = c.good
				file := enc.encode(t, table)
				for _, partial := range []bool{false, true} {
					before := count(t, st, `SELECT (SELECT count(*) FROM standard_address) + (SELECT count(*) FROM resident)`)
					res, err := svc.Import(ctx, c.kind, bytes.NewReader(file), records.ImportOptions{Caller: c.caller, Partial: partial, Charset: enc.charset})
					if err != nil {
						t.Fatalf("%s (partial %v): %v", c.name, partial, err)
					}
					if res.Rejected != 1 || len(res.Errors) == 0 {
						t.Fatalf("%s (partial %v): rejected %d, errors %v; want the bad row rejected", c.name, partial, res.Rejected, res.Errors)
					}
					e := res.Errors[0]
					says := false
					for _, w := range strings.Split(c.contains, "|") {
						says = says || strings.Contains(e.Detail, w)
					}
					if e.Row != c.row || e.Column != c.column || !says {
						t.Errorf("%s (partial %v): error %+v; want row %d, column %q, saying %q", c.name, partial, e, c.row, c.column, c.contains)
					}
					after := count(t, st, `SELECT (SELECT count(*) FROM standard_address) + (SELECT count(*) FROM resident)`)
					switch {
					case !partial && (res.Written || after != before):
						t.Errorf("%s: all or nothing wrote %d rows (written %v)", c.name, after-before, res.Written)
					case partial && (!res.Written || res.Accepted != 1 || after != before+1):
						t.Errorf("%s: partial wrote %d rows (accepted %d, written %v); want the good row", c.name, after-before, res.Accepted, res.Written)
					}
					if partial { // leave the database as it was for the next case
						if _, err := st.Pool().Exec(ctx, `
							DELETE FROM resident;
							ALTER TABLE standard_address DISABLE TRIGGER standard_address_no_delete;
							DELETE FROM assignment WHERE record_type = 'standard_address' AND record_id IN (SELECT id FROM standard_address WHERE full_text = '盐城市亭湖区五星街道解放南路20号');
							DELETE FROM standard_address WHERE full_text = '盐城市亭湖区五星街道解放南路20号';
							ALTER TABLE standard_address ENABLE TRIGGER standard_address_no_delete;`); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}

// TestImportAddresses: a good file is written whole with codes of its
// villages, grids from the index, open assignments, counts and a new
// dataset version; the parts come from the text and the point.
func TestImportAddresses(t *testing.T) {
	t.Parallel()
	st, svc := newService(t)
	ctx := context.Background()
	file := "地址,经度,纬度\n" +
		"盐城市亭湖区五星街道解放南路20号,120.05,33.07\n" +
		"\n" + // an empty line: counted, passed over
		"亭湖区五星街道聚龙社区3组15号,120.15,33.1\n" +
		"盐城市盐都区潘黄街道仰徐社区8号,120.3,33.1\n"
	v0 := count(t, st, `SELECT coalesce(max(version), 0) FROM dataset_version`)
	var progress []int
	res, err := svc.Import(ctx, records.KindAddresses, strings.NewReader(file), records.ImportOptions{Caller: admin, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || res.Accepted != 3 || res.Rejected != 0 || res.Version <= v0 || len(progress) == 0 {
		t.Fatalf("result %+v (progress %v); want 3 written and a new version", res, progress)
	}
	rows, err := st.Pool().Query(ctx, `SELECT a.code, a.full_text, a.village, a.villager_group, a.grid_code,
		(SELECT count(*) FROM assignment s WHERE s.record_type = 'standard_address' AND s.record_id = a.id AND s.grid_code = a.grid_code AND upper_inf(s.valid))
		FROM standard_address a WHERE a.id > 2 ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var code, text, village, group, grid string
		var open int
		if err := rows.Scan(&code, &text, &village, &group, &grid, &open); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s/%s %s %d", code, text, village, group, grid, open))
	}
	want := []string{
		"3209020010010000003 盐城市亭湖区五星街道解放南路20号 新园社区/ 320902001001001 1",
		"3209020010020000001 盐城市亭湖区五星街道聚龙社区3组15号 聚龙社区/3 320902001002001 1",
		"3209030010010000001 盐城市盐都区潘黄街道仰徐社区8号 仰徐社区/ 320903001001001 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("addresses:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := count(t, st, `SELECT addresses FROM record_count WHERE grid_code = '320902001001001'`); n != 3 {
		t.Errorf("record_count.addresses of 320902001001001 = %d, want 3", n)
	}
	var buf bytes.Buffer
	if _, err := svc.Export(ctx, records.KindAddresses, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "id,code,address,lon,lat,grid_code,") || !strings.Contains(buf.String(), "3,3209020010010000003,盐城市亭湖区五星街道解放南路20号,120.05,33.07,320902001001001,") {
		t.Errorf("export:\n%s", buf.String())
	}
}

// TestImportOthers: houses, units and residents at existing addresses;
// the residents' personal data is only sealed, searchable by its hash;
// the export masks it.
func TestImportOthers(t *testing.T) {
	t.Parallel()
	st, svc := newService(t)
	ctx := context.Background()
	id1 := idNumber(t, 7)
	for _, f := range []struct {
		kind records.Kind
		file string
	}{
		{records.KindHouses, "address,use,floor_area\n盐城市亭湖区五星街道解放南路12号,住宅,95.5\n3209020010010000002,commercial,\n"},
		{records.KindUnits, "name,category,address\n新园超市,商户,亭湖区五星街道解放南路14号\n"},
		{records.KindResidents, "姓名,身份证号,电话,地址,性别,户籍类型,house\n王小明," + id1 + ",139 1234 5678,盐城市亭湖区五星街道解放南路12号,,流动,1\n"},
	} {
		res, err := svc.Import(ctx, f.kind, strings.NewReader(f.file), records.ImportOptions{Caller: planner})
		if err != nil || !res.Written || res.Rejected != 0 {
			t.Fatalf("%s: %+v, %v", f.kind, res, err)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM house`); n != 4 {
		t.Errorf("houses: %d, want 4", n)
	}
	if n := count(t, st, `SELECT count(*) FROM unit u JOIN assignment a ON a.record_type = 'unit' AND a.record_id = u.id WHERE u.address_id = 2 AND u.grid_code = '320902001001001'`); n != 1 {
		t.Errorf("unit with its assignment: %d, want 1", n)
	}
	if n := count(t, st, `SELECT count(*) FROM resident WHERE residence = 'floating' AND house_id = 1 AND address_id = 1`); n != 1 {
		t.Errorf("resident: %d rows as imported, want 1", n)
	}
	rs, err := svc.FindByIDNumber(ctx, viewer, id1)
	if err != nil || len(rs) != 1 {
		t.Fatalf("find by ID number: %v, %v", rs, err)
	}
	r := rs[0]
	if r.Name != "王**" || r.IDNumber != id1[:6]+"********"+id1[14:] || r.Phone != "139****5678" || r.Age <= 0 {
		t.Errorf("masked resident %+v", r)
	}
	if _, err := svc.FindByIDNumber(ctx, other, id1); !records.IsKind(err, records.KindForbidden) {
		t.Errorf("another county's token: %v, want forbidden", err)
	}
	// The same person again: refused.
	res, err := svc.Import(ctx, records.KindResidents, strings.NewReader("name,id_number,address\n王小明,"+id1+",3209020010010000002\n"), records.ImportOptions{Caller: admin})
	if err != nil || res.Written || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Detail, "already a resident") {
		t.Errorf("the same ID number again: %+v, %v", res, err)
	}
	var buf bytes.Buffer
	if _, err := svc.Export(ctx, records.KindResidents, &buf); err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"王小明", id1, "13912345678", id1[6:14]} {
		if strings.Contains(buf.String(), clear) {
			t.Errorf("the residents export holds a clear value:\n%s", buf.String())
		}
	}
	if !strings.Contains(buf.String(), "王**") {
		t.Errorf("the residents export:\n%s", buf.String())
	}
}

// TestReveal: only an approver or admin of the area, with a reason, in
// the audit log without the values.
func TestReveal(t *testing.T) {
	t.Parallel()
	st, svc := newService(t)
	ctx := context.Background()
	id1 := idNumber(t, 9)
	if _, err := svc.Import(ctx, records.KindResidents, strings.NewReader("name,id_number,phone,address\n张三,"+id1+",13900001111,3209020010010000001\n"), records.ImportOptions{Caller: admin}); err != nil {
		t.Fatal(err)
	}
	rid := count(t, st, `SELECT id FROM resident`)
	for _, c := range []struct {
		caller records.Caller
		reason string
		kind   records.ErrorKind
	}{
		{viewer, "走访核实", records.KindForbidden},
		{planner, "走访核实", records.KindForbidden},
		{other, "走访核实", records.KindForbidden},
		{approve, "", records.KindInvalid},
	} {
		if _, err := svc.Reveal(ctx, c.caller, rid, c.reason, "req"); !records.IsKind(err, c.kind) {
			t.Errorf("%s %q: %v, want kind %d", c.caller.Role, c.reason, err, c.kind)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'resident.reveal'`); n != 0 {
		t.Fatalf("refused reveals were audited: %d", n)
	}
	r, err := svc.Reveal(ctx, approve, rid, "走访核实身份", "req-7")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "张三" || r.IDNumber != id1 || r.Phone != "13900001111" || r.BirthDate != id1[6:10]+"-"+id1[10:12]+"-"+id1[12:14] {
		t.Errorf("revealed %+v", r)
	}
	var actor, after, req string
	if err := st.Pool().QueryRow(ctx, `SELECT actor, after::text, request_id FROM audit_log WHERE action = 'resident.reveal'`).Scan(&actor, &after, &req); err != nil {
		t.Fatal(err)
	}
	if actor != approve.ID || req != "req-7" || !strings.Contains(after, "走访核实身份") || strings.Contains(after, id1) || strings.Contains(after, "张三") || strings.Contains(after, "13900001111") {
		t.Errorf("audit entry %s %s %s", actor, after, req)
	}
}
