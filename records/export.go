package records

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// ExportColumns are the header of each kind's export.
var ExportColumns = map[Kind][]string{
	KindAddresses: {"id", "code", "address", "lon", "lat", "grid_code", "county", "town", "village"},
	KindHouses:    {"id", "address_id", "address_code", "address", "use", "floor_area", "grid_code"},
	KindUnits:     {"id", "name", "category", "address_id", "address_code", "address", "lon", "lat", "grid_code"},
	KindResidents: {"id", "name", "id_number", "phone", "sex", "age", "residence", "address_id", "address_code", "address", "house_id", "grid_code"},
}

var exportQueries = map[Kind]string{
	KindAddresses: `SELECT id::text, code, full_text, ST_X(geom)::text, ST_Y(geom)::text, grid_code, county, town, village
		FROM standard_address WHERE retired_at IS NULL ORDER BY id`,
	KindHouses: `SELECT h.id::text, a.id::text, a.code, a.full_text, h.use, coalesce(h.floor_area::text, ''), a.grid_code
		FROM house h JOIN standard_address a ON a.id = h.address_id ORDER BY h.id`,
	KindUnits: `SELECT u.id::text, u.name, u.category, a.id::text, a.code, a.full_text, ST_X(u.geom)::text, ST_Y(u.geom)::text, u.grid_code
		FROM unit u JOIN standard_address a ON a.id = u.address_id ORDER BY u.id`,
}

// Export writes the live records of kind as CSV (UTF-8, a header row).
// Residents are masked (name, ID number, phone) and show the age, never
// the birth date; units without a standard address are left out.
func (s *Service) Export(ctx context.Context, kind Kind, w io.Writer) (int, error) {
	cols, ok := ExportColumns[kind]
	if !ok {
		return 0, refuse(KindInvalid, "kind %q: want addresses, houses, residents or units", kind)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return 0, err
	}
	n := 0
	if kind == KindResidents {
		var after int64 // in pages: scanResidents holds what it reads
		for {
			rows, err := s.st.Pool().Query(ctx, residentSelect+` WHERE r.id > $1 ORDER BY r.id LIMIT 10000`, after)
			if err != nil {
				return n, fmt.Errorf("export residents: %w", err)
			}
			rs, err := s.scanResidents(rows, false)
			if err != nil {
				return n, err
			}
			if len(rs) == 0 {
				break
			}
			for _, r := range rs {
				house := ""
				if r.HouseID != nil {
					house = strconv.FormatInt(*r.HouseID, 10)
				}
				if err := cw.Write([]string{strconv.FormatInt(r.ID, 10), r.Name, r.IDNumber, r.Phone, r.Sex, strconv.Itoa(r.Age),
					r.Residence, strconv.FormatInt(r.AddressID, 10), r.AddressCode, r.Address, house, r.GridCode}); err != nil {
					return n, err
				}
				n++
			}
			after = rs[len(rs)-1].ID
		}
		cw.Flush()
		return n, cw.Error()
	}
	rows, err := s.st.Pool().Query(ctx, exportQueries[kind])
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", kind, err)
	}
	defer rows.Close()
	rec := make([]string, len(cols))
	ptrs := make([]any, len(cols))
	for i := range rec {
		ptrs[i] = &rec[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("export %s: %w", kind, err)
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export %s: %w", kind, err)
	}
	cw.Flush()
	return n, cw.Error()
}
