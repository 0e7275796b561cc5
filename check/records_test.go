package check_test

import (
	"context"
	"strings"
	"testing"

	"gridmap/check"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// addressFixture adds to checkFixture a standard address in each of 001
// and 002 (households 1 and 2 linked to them), with a house and a resident
// at the first, and their assignments. The resident's sealed values are
// placeholders in pii's format: check never opens them.
const addressFixture = `
INSERT INTO standard_address (id, code, county, town, village, road, door_number, full_text, geom, grid_code) VALUES
 (1, '3209020010010000001', '亭湖区', '五星街道', '新园社区', '解放南路', '1', '亭湖区五星街道解放南路1号', ST_SetSRID(ST_MakePoint(120.0025, 33.0025), 4326), '320902001001001'),
 (2, '3209020010010000002', '亭湖区', '五星街道', '新园社区', '解放南路', '2', '亭湖区五星街道解放南路2号', ST_SetSRID(ST_MakePoint(120.0075, 33.0025), 4326), '320902001001002');
INSERT INTO assignment (record_type, record_id, grid_code, valid) VALUES
 ('standard_address', 1, '320902001001001', '[2024-01-01,)'),
 ('standard_address', 2, '320902001001002', '[2024-01-01,)');
UPDATE household SET address_id = id WHERE id IN (1, 2);
INSERT INTO house (id, address_id) VALUES (1, 1);
INSERT INTO resident (address_id, house_id, household_id, name_sealed, name_hash, sex, birth_date, residence) VALUES
 (1, 1, 1, '\x01' || decode(repeat('00', 40), 'hex'), decode(repeat('11', 32), 'hex'), 'male', '1980-01-01', 'registered');
`

// TestCheckAddresses plants broken standard addresses: one whose grid is
// not the lookup of its point (reported with its house and resident), a
// household not in its address's grid, an address without its open
// assignment, and a wrong kept count of addresses.
func TestCheckAddresses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant string
		want  []wantFinding
		says  string
	}{
		{name: "clean addresses"},
		{
			name: "address tied to the wrong grid",
			plant: `UPDATE standard_address SET grid_code = '320902001001002' WHERE id = 1;
				UPDATE assignment SET grid_code = '320902001001002' WHERE record_type = 'standard_address' AND record_id = 1;
				UPDATE household SET grid_code = '320902001001002' WHERE id = 1;
				UPDATE assignment SET grid_code = '320902001001002' WHERE record_type = 'household' AND record_id = 1;`,
			want: []wantFinding{
				{check: geo.CheckRecordMisassigned, codes: []string{"standard_address/1", g002, g001}},
				{check: geo.CheckRecordMisassigned, codes: []string{"household/1", g002, g001}},
			},
			says: "with 1 houses and 1 residents",
		},
		{
			name:  "household not in its address's grid",
			plant: `UPDATE household SET address_id = 2 WHERE id = 1;`,
			want:  []wantFinding{{check: geo.CheckRecordMisassigned, codes: []string{"household/1", g001, g002}}},
			says:  "its standard address 2 is in grid " + g002,
		},
		{
			name:  "address without its open assignment",
			plant: `DELETE FROM assignment WHERE record_type = 'standard_address' AND record_id = 2;`,
			want:  []wantFinding{{check: geo.CheckRecordAssignmentHistory, codes: []string{"standard_address/2", g002}}},
		},
		{
			name:  "kept address count off",
			plant: `UPDATE record_count SET addresses = 5 WHERE grid_code = '320902001001001';`,
			want:  []wantFinding{{check: geo.CheckRecordCount, codes: []string{g001}}},
			says:  "1 live standard addresses",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := storetest.New(t)
			if _, err := st.Pool().Exec(ctx, checkFixture+addressFixture+tc.plant); err != nil {
				t.Fatalf("plant: %v", err)
			}
			r, err := check.Run(ctx, st, check.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != len(tc.want) || r.Errors() != len(tc.want) {
				t.Errorf("got %d findings (%d errors), want %d:\n%s", len(r.Findings), r.Errors(), len(tc.want), dumpFindings(r))
			}
			for i, w := range tc.want {
				f := findFinding(r, w)
				if f == nil {
					t.Errorf("no %s finding with codes %v in:\n%s", w.check, w.codes, dumpFindings(r))
					continue
				}
				if tc.says != "" && i == 0 && !strings.Contains(f.Message, tc.says) {
					t.Errorf("message %q does not say %q", f.Message, tc.says)
				}
			}
		})
	}
}
