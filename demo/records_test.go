package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store/storetest"
)

// demoKey is the data key of the demo tests (never a real one).
func demoKey(t *testing.T) *pii.Key {
	t.Helper()
	k, err := pii.NewKey([]byte("gridmap demo test data key 32 b!"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestDemoRecords generates a small county with a data key and checks the
// records (一标三实): a standard address for every household and unit,
// valid and written in standard order, in the grid PostGIS looks its point
// up in, with its assignment and house; residents for every household
// member with valid ID numbers (the county's region for most), at their
// household's address; nothing personal in clear.
func TestDemoRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := demoKey(t)
	st := storetest.NewDemo(t, demo.Options{Scale: 0.1, Seed: 7, County: geo.MustParseCode("320902"), Key: key})
	db := st.Pool()

	count := func(name, q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	var households, units, addresses int
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM household), (SELECT count(*) FROM unit),
		(SELECT count(*) FROM standard_address)`).Scan(&households, &units, &addresses); err != nil {
		t.Fatal(err)
	}
	if households < 1000 || units < 10 || addresses != households+units {
		t.Fatalf("%d households, %d units, %d addresses: want an address each", households, units, addresses)
	}
	for _, c := range []struct{ name, sql string }{
		{"household without an address", `SELECT count(*) FROM household WHERE address_id IS NULL`},
		{"unit without an address", `SELECT count(*) FROM unit WHERE address_id IS NULL`},
		{"address of two records", `SELECT count(*) FROM (SELECT address_id FROM household UNION ALL SELECT address_id FROM unit) x
			GROUP BY address_id HAVING count(*) > 1 UNION ALL SELECT 0 ORDER BY 1 DESC LIMIT 1`},
		{"record not at its address's point or grid", `
			SELECT count(*) FROM (SELECT address_id, geom, grid_code FROM household UNION ALL SELECT address_id, geom, grid_code FROM unit) r
			JOIN standard_address a ON a.id = r.address_id
			WHERE NOT ST_Equals(a.geom, r.geom) OR a.grid_code <> r.grid_code`},
		{"address in the wrong grid", `
			SELECT count(*) FROM standard_address a
			WHERE a.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g
				WHERE length(g.code) = 15 AND ST_Covers(g.geom, a.geom) ORDER BY code LIMIT 1)`},
		{"address without its one open assignment", `
			SELECT count(*) FROM standard_address s
			WHERE (SELECT count(*) FROM assignment a WHERE a.record_type = 'standard_address' AND a.record_id = s.id
			         AND upper_inf(a.valid) AND a.grid_code = s.grid_code) <> 1`},
		{"address without one lived-in house", `SELECT count(*) FROM standard_address s
			WHERE (SELECT count(*) FROM house h WHERE h.address_id = s.id AND h.use <> 'vacant') <> 1`},
		// The rules of the triggers the demo turns off for its load.
		{"resident of no household", `SELECT count(*) FROM resident r
			WHERE r.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM household h WHERE h.id = r.household_id)`},
		{"address or assignment of no issued grid code", `SELECT count(*) FROM (
			SELECT grid_code FROM standard_address UNION ALL SELECT grid_code FROM assignment) x
			WHERE NOT EXISTS (SELECT 1 FROM grid_code g WHERE g.code = x.grid_code)`},
		{"vacant house with residents", `SELECT count(*) FROM resident r JOIN house h ON h.id = r.house_id WHERE h.use = 'vacant'`},
		{"vacant house beside no home", `SELECT count(*) FROM house v WHERE v.use = 'vacant'
			AND NOT EXISTS (SELECT 1 FROM household h WHERE h.address_id = v.address_id)`},
		{"address count off", `
			SELECT count(*) FROM (SELECT grid_code, count(*) AS n FROM standard_address GROUP BY grid_code) f
			FULL JOIN record_count k USING (grid_code) WHERE coalesce(f.n, 0) <> coalesce(k.addresses, 0)`},
		{"household whose members are not its residents", `
			SELECT count(*) FROM household h
			WHERE h.persons <> (SELECT count(*) FROM resident r WHERE r.household_id = h.id AND r.address_id = h.address_id)`},
		{"resident not in its household's house", `
			SELECT count(*) FROM resident r JOIN house ho ON ho.id = r.house_id JOIN household h ON h.id = r.household_id
			WHERE ho.address_id <> h.address_id`},
		// The grid of a resident is its address's grid, which must be the
		// lookup of the address's point.
		{"resident whose grid is not the lookup of its address's point", `
			SELECT count(*) FROM resident r JOIN standard_address a ON a.id = r.address_id
			WHERE a.grid_code IS DISTINCT FROM (SELECT code FROM grid_current g
				WHERE length(g.code) = 15 AND ST_Covers(g.geom, a.geom) ORDER BY code LIMIT 1)`},
	} {
		if n := count(c.name, c.sql); n != 0 {
			t.Errorf("%s: %d", c.name, n)
		}
	}
	if n := count("uses", `SELECT count(DISTINCT use) FROM house`); n < 4 {
		t.Errorf("houses have %d uses, want residential, mixed, commercial and vacant", n)
	}

	// Every address reads back through records.Address: valid, its text
	// the parts in standard order.
	rows, err := db.Query(ctx, `SELECT code, city, county, town, village, villager_group, road, door_number,
		compound, building, entrance, room, full_text FROM standard_address ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	urban, rural := 0, 0
	for rows.Next() {
		var code, text string
		var a records.Address
		if err := rows.Scan(&code, &a.City, &a.County, &a.Town, &a.Village, &a.Group, &a.Road, &a.Number,
			&a.Compound, &a.Building, &a.Entrance, &a.Room, &text); err != nil {
			t.Fatal(err)
		}
		if _, err := records.ParseAddressCode(code); err != nil {
			t.Errorf("address %s: %v", text, err)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("address %s: %v", text, err)
		}
		if a.Text() != text {
			t.Errorf("address text %s, its parts write %s", text, a.Text())
		}
		if !strings.HasPrefix(text, "盐城市亭湖区") {
			t.Errorf("address %s is not in 盐城市亭湖区", text)
		}
		if a.Compound != "" && a.Entrance != "" && a.Room != "" {
			urban++
		}
		if a.Group != "" {
			rural++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if urban == 0 || rural == 0 {
		t.Errorf("%d urban compound addresses and %d rural villager-group addresses; want both", urban, rural)
	}

	// Residents: valid ID numbers, sex and birth date as the number says,
	// mostly the county's, unique.
	rows, err = db.Query(ctx, `SELECT name_sealed, name_hash, id_number_sealed, id_number_hash, phone_sealed, sex, birth_date, residence
		FROM resident ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	residents, local := 0, 0
	seen := map[string]bool{}
	var clearSample []string
	for rows.Next() {
		var nameSealed, nameHash, idSealed, idHash, phoneSealed []byte
		var sex, residence string
		var birth time.Time
		if err := rows.Scan(&nameSealed, &nameHash, &idSealed, &idHash, &phoneSealed, &sex, &birth, &residence); err != nil {
			t.Fatal(err)
		}
		residents++
		name, err := key.Open(pii.FieldName, nameSealed)
		if err != nil {
			t.Fatalf("resident %d: name: %v", residents, err)
		}
		if n, err := records.ParseName(name); err != nil || n != name || string(key.Hash(pii.FieldName, name)) != string(nameHash) {
			t.Errorf("resident %d: name %q: %v", residents, pii.MaskName(name), err)
		}
		clear, err := key.Open(pii.FieldIDNumber, idSealed)
		if err != nil {
			t.Fatalf("resident %d: ID number: %v", residents, err)
		}
		id, err := records.ParseIDNumber(clear, today)
		if err != nil {
			t.Errorf("resident %d: %v", residents, err)
			continue
		}
		if string(key.Hash(pii.FieldIDNumber, clear)) != string(idHash) {
			t.Errorf("resident %d: ID number hash is not the keyed hash of the number", residents)
		}
		if len(clearSample) < 6 && len(name) >= 6 {
			clearSample = append(clearSample, clear, name)
		}
		if seen[clear] {
			t.Errorf("resident %d: ID number %v given twice", residents, id)
		}
		seen[clear] = true
		if string(id.Sex()) != sex || !id.BirthDate().Equal(birth) {
			t.Errorf("resident %d: sex %s born %s, the ID number %v says otherwise", residents, sex, birth.Format(time.DateOnly), id)
		}
		if (id.Region() == "320902") != (residence == "registered") {
			t.Errorf("resident %d: %s with an ID number of region %s", residents, residence, id.Region())
		}
		if id.Region() == "320902" {
			local++
		}
		if phoneSealed != nil {
			phone, err := key.Open(pii.FieldPhone, phoneSealed)
			if err != nil {
				t.Fatalf("resident %d: phone: %v", residents, err)
			}
			if len(clearSample) < 8 {
				clearSample = append(clearSample, phone)
			}
			if p, err := records.ParsePhone(phone); err != nil || p != phone {
				t.Errorf("resident %d: phone %s: %v", residents, pii.MaskPhone(phone), err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if residents < households || local*10 < residents*7 {
		t.Errorf("%d residents of %d households, %d with the county's region code; want most", residents, households, local)
	}

	// Nothing in clear: no row of the record tables holds a resident's
	// ID number, phone or name, as text or as bytes.
	for _, v := range clearSample {
		if n := count("clear value", `SELECT count(*) FROM (
			SELECT t::text AS v FROM resident t UNION ALL SELECT t::text FROM household t
			UNION ALL SELECT t::text FROM standard_address t UNION ALL SELECT t::text FROM house t) x
			WHERE strpos(v, '`+v+`') > 0 OR strpos(v, encode(convert_to('`+v+`', 'UTF8'), 'hex')) > 0`); n != 0 {
			t.Errorf("a clear personal value is in %d rows", n)
		}
	}
}
