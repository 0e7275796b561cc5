package records

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/pii"
	"gridmap/sheet"
	"gridmap/store"
)

// Houses, residents and units are at an existing standard address, named
// by its full text (as exported) or its code: they resolve to its grid.

// pendingRow is a row kept for the next flush, with the address keys it
// names.
type pendingRow struct {
	row  sheet.Row
	keys []string
}

func keysOf(rows []pendingRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.keys...)
	}
	return out
}

// enumValue reads an optional cell that holds one of a few words (or
// their Chinese), giving def when empty.
func enumValue(v string, def string, words map[string]string) (string, bool) {
	if v == "" {
		return def, true
	}
	w, ok := words[strings.ToLower(v)]
	return w, ok
}

// A house file: address (地址), use (用途: residential, commercial, mixed,
// vacant; 住宅, 商业, 商住, 空置), floor_area (面积, m²; optional).
type houseImport struct {
	im              *importer
	addr, use, area sheet.Column
	hasUse, hasArea bool
	rows            []pendingRow
	uses            []string
	areas           []any
}

var houseUses = map[string]string{"residential": "residential", "commercial": "commercial", "mixed": "mixed", "vacant": "vacant",
	"住宅": "residential", "商业": "commercial", "商住": "mixed", "空置": "vacant"}

func (k *houseImport) columns(rd *sheet.Reader) []*sheet.Error {
	errs := requireColumns(rd, map[*sheet.Column][]string{&k.addr: {"address", "地址", "address_code"}})
	k.use, k.hasUse = rd.Column("use", "用途")
	k.area, k.hasArea = rd.Column("floor_area", "面积", "area")
	return errs
}

func (k *houseImport) pending() int { return len(k.rows) }

func (k *houseImport) add(row sheet.Row) {
	ok := true
	use, good := enumValue(row.Value(k.use), "residential", houseUses)
	if !good {
		k.im.rejectCell(row, k.use, "is not a use: write residential, commercial, mixed or vacant (住宅, 商业, 商住, 空置)")
		ok = false
	}
	var area any
	if v := row.Value(k.area); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 1_000_000) {
			k.im.rejectCell(row, k.area, "is not a floor area: write square metres, a number above 0 (or leave it empty)")
			ok = false
		} else {
			area = strconv.FormatFloat(f, 'f', 2, 64)
		}
	}
	if row.Value(k.addr) == "" {
		k.im.rejectCell(row, k.addr, "is empty: write the standard address of the house")
		return
	}
	if ok {
		k.rows = append(k.rows, pendingRow{row: row, keys: k.im.addressKeys(row.Value(k.addr))})
		k.uses = append(k.uses, use)
		k.areas = append(k.areas, area)
	}
}

func (k *houseImport) flush(ctx context.Context) error {
	im := k.im
	rows, uses, areas := k.rows, k.uses, k.areas
	k.rows, k.uses, k.areas = nil, nil, nil
	found, err := im.resolveAddresses(ctx, keysOf(rows))
	if err != nil {
		return err
	}
	var out [][]any
	for i, r := range rows {
		a, ok := im.findAddress(r.row, k.addr, found)
		if !ok {
			continue
		}
		out = append(out, []any{a.ID, uses[i], areas[i]})
	}
	im.res.Accepted += len(out)
	if !im.writing() || len(out) == 0 {
		return nil
	}
	if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"house"}, []string{"address_id", "use", "floor_area"}, pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("records import: write houses: %w", err)
	}
	return nil
}

// A resident file: name (姓名), id_number (身份证号), phone (电话;
// optional), address (地址); optional sex (性别: checked against the ID
// number), residence (户籍类型: registered or floating, 户籍 or 流动;
// registered when empty) and house (the id of a house at the address).
type residentImport struct {
	im                                       *importer
	name, idn, phone, addr, sex, resd, house sheet.Column
	seen                                     map[string]int // ID number hash → row
	rows                                     []pendingRow
	vals                                     []residentRow
}

type residentRow struct {
	name, id, phone string
	parsed          IDNumber
	residence       string
	house           int64
}

var residences = map[string]string{"registered": "registered", "floating": "floating", "户籍": "registered", "流动": "floating",
	"户籍人口": "registered", "流动人口": "floating"}

var sexes = map[string]Sex{"male": SexMale, "female": SexFemale, "m": SexMale, "f": SexFemale, "男": SexMale, "女": SexFemale}

func (k *residentImport) columns(rd *sheet.Reader) []*sheet.Error {
	errs := requireColumns(rd, map[*sheet.Column][]string{
		&k.name: {"name", "姓名"},
		&k.idn:  {"id_number", "身份证号", "公民身份号码", "身份证号码"},
		&k.addr: {"address", "地址", "address_code"},
	})
	k.phone, _ = rd.Column("phone", "电话", "手机", "联系电话")
	k.sex, _ = rd.Column("sex", "性别")
	k.resd, _ = rd.Column("residence", "户籍类型", "registered", "人口类型")
	k.house, _ = rd.Column("house", "house_id", "房屋")
	return errs
}

func (k *residentImport) pending() int { return len(k.rows) }

func (k *residentImport) add(row sheet.Row) {
	im := k.im
	ok := true
	var v residentRow
	var err error
	if v.name, err = ParseName(row.Value(k.name)); err != nil {
		im.rejectCell(row, k.name, "%v: write the resident's name as on the ID card", err)
		ok = false
	}
	if v.parsed, err = ParseIDNumber(row.Value(k.idn), im.now); err != nil {
		im.rejectCell(row, k.idn, "%v", err)
		ok = false
	} else {
		v.id = v.parsed.Clear()
		h := string(im.s.key.Hash(pii.FieldIDNumber, v.id))
		if first, dup := k.seen[h]; dup {
			im.rejectCell(row, k.idn, "is the ID number of row %d too: a person is one resident, at one address", first)
			ok = false
		} else {
			k.seen[h] = row.Number
		}
		if s := row.Value(k.sex); s != "" {
			if want, known := sexes[strings.ToLower(s)]; !known {
				im.rejectCell(row, k.sex, "is not a sex: write 男 or 女 (male or female), or leave it empty")
				ok = false
			} else if want != v.parsed.Sex() {
				im.rejectCell(row, k.sex, "does not match the ID number (its 17th digit gives the sex): check both")
				ok = false
			}
		}
	}
	if p := row.Value(k.phone); p != "" {
		if v.phone, err = ParsePhone(p); err != nil {
			im.rejectCell(row, k.phone, "%v", err)
			ok = false
		}
	}
	var good bool
	if v.residence, good = enumValue(row.Value(k.resd), "registered", residences); !good {
		im.rejectCell(row, k.resd, "is not a residence: write registered or floating (户籍 or 流动)")
		ok = false
	}
	if h := row.Value(k.house); h != "" {
		if v.house, err = strconv.ParseInt(h, 10, 64); err != nil || v.house <= 0 {
			im.rejectCell(row, k.house, "is not a house id: write the id of a house at the address (gridd export houses), or leave it empty")
			ok = false
		}
	}
	if row.Value(k.addr) == "" {
		im.rejectCell(row, k.addr, "is empty: write the standard address where the resident lives")
		return
	}
	if ok {
		k.rows = append(k.rows, pendingRow{row: row, keys: im.addressKeys(row.Value(k.addr))})
		k.vals = append(k.vals, v)
	}
}

var residentColumns = []string{"address_id", "house_id", "name_sealed", "name_hash", "id_number_sealed", "id_number_hash",
	"phone_sealed", "phone_hash", "sex", "birth_date", "residence"}

func (k *residentImport) flush(ctx context.Context) error {
	im := k.im
	rows, vals := k.rows, k.vals
	k.rows, k.vals = nil, nil
	if len(rows) == 0 {
		return nil
	}
	found, err := im.resolveAddresses(ctx, keysOf(rows))
	if err != nil {
		return err
	}
	hashes := make([][]byte, len(vals))
	var houseIDs []int64
	for i, v := range vals {
		hashes[i] = im.s.key.Hash(pii.FieldIDNumber, v.id)
		if v.house > 0 {
			houseIDs = append(houseIDs, v.house)
		}
	}
	known := map[string]bool{}
	q, err := im.tx.Query(ctx, `SELECT id_number_hash FROM resident WHERE id_number_hash = ANY($1)`, hashes)
	if err != nil {
		return fmt.Errorf("records import: existing residents: %w", err)
	}
	for q.Next() {
		var h []byte
		if err := q.Scan(&h); err != nil {
			q.Close()
			return fmt.Errorf("records import: existing residents: %w", err)
		}
		known[string(h)] = true
	}
	q.Close()
	houseAt := map[int64]int64{}
	if len(houseIDs) > 0 {
		q, err := im.tx.Query(ctx, `SELECT id, address_id FROM house WHERE id = ANY($1)`, houseIDs)
		if err != nil {
			return fmt.Errorf("records import: houses: %w", err)
		}
		for q.Next() {
			var id, at int64
			if err := q.Scan(&id, &at); err != nil {
				q.Close()
				return fmt.Errorf("records import: houses: %w", err)
			}
			houseAt[id] = at
		}
		q.Close()
	}
	var out [][]any
	for i, r := range rows {
		v := vals[i]
		a, ok := im.findAddress(r.row, k.addr, found)
		if known[string(hashes[i])] {
			im.rejectCell(r.row, k.idn, "is already a resident's: a person is one resident; leave the row out (or move the resident)")
			ok = false
		}
		var house any
		if v.house > 0 {
			if at, exists := houseAt[v.house]; !exists || (ok && at != a.ID) {
				im.rejectCell(r.row, k.house, "is no house at this address: write the id of a house at it (gridd export houses), or leave it empty")
				ok = false
			}
			house = v.house
		}
		if !ok {
			continue
		}
		key := im.s.key
		var idSealed, idHash, phSealed, phHash any
		idSealed, idHash = key.Seal(pii.FieldIDNumber, v.id), hashes[i]
		if v.phone != "" {
			phSealed, phHash = key.Seal(pii.FieldPhone, v.phone), key.Hash(pii.FieldPhone, v.phone)
		}
		out = append(out, []any{a.ID, house, key.Seal(pii.FieldName, v.name), key.Hash(pii.FieldName, v.name),
			idSealed, idHash, phSealed, phHash, string(v.parsed.Sex()), v.parsed.BirthDate(), v.residence})
	}
	im.res.Accepted += len(out)
	if !im.writing() || len(out) == 0 {
		return nil
	}
	if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"resident"}, residentColumns, pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("records import: write residents: %w", err)
	}
	return nil
}

// A unit file: name (名称), category (类别: government, enterprise,
// institution, park, commercial, other; 机关, 企业, 事业单位, 园区, 商户,
// 其他; enterprise when empty), address (地址). A unit's point is its
// address's, its grid the address's grid.
type unitImport struct {
	im              *importer
	name, cat, addr sheet.Column
	rows            []pendingRow
	vals            [][2]string
}

var unitCategories = map[string]string{"government": "government", "enterprise": "enterprise", "institution": "institution",
	"park": "park", "commercial": "commercial", "other": "other",
	"机关": "government", "企业": "enterprise", "事业单位": "institution", "园区": "park", "商户": "commercial", "其他": "other"}

func (k *unitImport) columns(rd *sheet.Reader) []*sheet.Error {
	errs := requireColumns(rd, map[*sheet.Column][]string{
		&k.name: {"name", "名称", "单位名称"},
		&k.addr: {"address", "地址", "address_code"},
	})
	k.cat, _ = rd.Column("category", "类别", "单位类别")
	return errs
}

func (k *unitImport) pending() int { return len(k.rows) }

func (k *unitImport) add(row sheet.Row) {
	ok := true
	name := row.Value(k.name)
	if name == "" {
		k.im.rejectCell(row, k.name, "is empty: write the unit's name")
		ok = false
	}
	cat, good := enumValue(row.Value(k.cat), "enterprise", unitCategories)
	if !good {
		k.im.rejectCell(row, k.cat, "is not a category: write government, enterprise, institution, park, commercial or other (机关, 企业, 事业单位, 园区, 商户, 其他)")
		ok = false
	}
	if row.Value(k.addr) == "" {
		k.im.rejectCell(row, k.addr, "is empty: write the unit's standard address")
		return
	}
	if ok {
		k.rows = append(k.rows, pendingRow{row: row, keys: k.im.addressKeys(row.Value(k.addr))})
		k.vals = append(k.vals, [2]string{name, cat})
	}
}

func (k *unitImport) flush(ctx context.Context) error {
	im := k.im
	rows, vals := k.rows, k.vals
	k.rows, k.vals = nil, nil
	if len(rows) == 0 {
		return nil
	}
	found, err := im.resolveAddresses(ctx, keysOf(rows))
	if err != nil {
		return err
	}
	var out [][]any
	var grids []string
	for i, r := range rows {
		a, ok := im.findAddress(r.row, k.addr, found)
		if !ok {
			continue
		}
		out = append(out, []any{nil, vals[i][0], vals[i][1], store.Geom(orb.Point{a.Lon, a.Lat}), string(a.Grid), a.ID})
		grids = append(grids, string(a.Grid))
	}
	im.res.Accepted += len(out)
	if !im.writing() || len(out) == 0 {
		return nil
	}
	ids, err := im.nextIDs(ctx, "unit_id_seq", len(out))
	if err != nil {
		return err
	}
	asg := make([][]any, len(out))
	valid := im.openSince()
	for i := range out {
		out[i][0] = ids[i]
		asg[i] = []any{"unit", ids[i], grids[i], valid}
	}
	if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"unit"}, []string{"id", "name", "category", "geom", "grid_code", "address_id"}, pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("records import: write units: %w", err)
	}
	if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"assignment"}, []string{"record_type", "record_id", "grid_code", "valid"}, pgx.CopyFromRows(asg)); err != nil {
		return fmt.Errorf("records import: write assignments: %w", err)
	}
	return nil
}
