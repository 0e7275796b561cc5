package records

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/store"
)

// Reads of records for token holders whose area covers the grid. Names,
// ID numbers and phones come back masked (王**, 320902********1234,
// 139****5678) with the age, never the birth date (the masked digits of
// an ID number are exactly the birth date). Reveal gives them in clear to
// an approver or admin of the area, for a stated reason, in the audit log.

// Resident is a resident as reads show it: masked.
type Resident struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Sex         string `json:"sex"`
	Age         int    `json:"age"`
	Residence   string `json:"residence"`
	AddressID   int64  `json:"address_id"`
	AddressCode string `json:"address_code"`
	Address     string `json:"address"`
	HouseID     *int64 `json:"house_id"`
	HouseholdID *int64 `json:"household_id"`
	GridCode    string `json:"grid_code"`
}

// Revealed is a resident in clear, as Reveal gives it.
type Revealed struct {
	Resident
	BirthDate string `json:"birth_date"`
}

// House is a house at an address.
type House struct {
	ID        int64    `json:"id"`
	Use       string   `json:"use"`
	FloorArea *float64 `json:"floor_area"`
}

// Unit is a unit at an address.
type Unit struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

// AddressDetail is a standard address with what is at it.
type AddressDetail struct {
	ID        int64      `json:"id"`
	Code      string     `json:"code"`
	Address   string     `json:"address"`
	Parts     Address    `json:"parts"`
	Lon       float64    `json:"lon"`
	Lat       float64    `json:"lat"`
	GridCode  string     `json:"grid_code"`
	Retired   bool       `json:"retired"`
	Houses    []House    `json:"houses"`
	Units     []Unit     `json:"units"`
	Residents []Resident `json:"residents"`
}

// ResidentPage is a page of a grid's residents.
type ResidentPage struct {
	Grid      string     `json:"grid_code"`
	Residents []Resident `json:"residents"`
	// Next is the after= value of the next page; 0 on the last.
	Next int64 `json:"next,omitempty"`
}

const residentSelect = `
	SELECT r.id, r.name_sealed, r.id_number_sealed, r.phone_sealed, r.sex, r.birth_date, r.residence,
	       r.address_id, a.code, a.full_text, r.house_id, r.household_id, a.grid_code
	FROM resident r JOIN standard_address a ON a.id = r.address_id`

// scanResidents reads residentSelect rows, masked or in clear.
func (s *Service) scanResidents(rows pgx.Rows, clear bool) ([]Revealed, error) {
	defer rows.Close()
	out := []Revealed{}
	today := s.now()
	for rows.Next() {
		var r Revealed
		var name, idn, phone []byte
		var birth time.Time
		if err := rows.Scan(&r.ID, &name, &idn, &phone, &r.Sex, &birth, &r.Residence,
			&r.AddressID, &r.AddressCode, &r.Address, &r.HouseID, &r.HouseholdID, &r.GridCode); err != nil {
			return nil, fmt.Errorf("residents: %w", err)
		}
		var err error
		if r.Name, err = s.key.Open(pii.FieldName, name); err != nil {
			return nil, fmt.Errorf("resident %d: name: %w", r.ID, err)
		}
		if idn != nil {
			if r.IDNumber, err = s.key.Open(pii.FieldIDNumber, idn); err != nil {
				return nil, fmt.Errorf("resident %d: ID number: %w", r.ID, err)
			}
		}
		if phone != nil {
			if r.Phone, err = s.key.Open(pii.FieldPhone, phone); err != nil {
				return nil, fmt.Errorf("resident %d: phone: %w", r.ID, err)
			}
		}
		r.Age = age(birth, today)
		if clear {
			r.BirthDate = birth.Format(time.DateOnly)
		} else {
			r.Name, r.IDNumber, r.Phone = pii.MaskName(r.Name), pii.MaskIDNumber(r.IDNumber), maskPhone(r.Phone)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("residents: %w", err)
	}
	return out, nil
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return pii.MaskPhone(p)
}

// age is the age in whole years on today of someone born on birth.
func age(birth, today time.Time) int {
	y := today.Year() - birth.Year()
	if today.Month() < birth.Month() || today.Month() == birth.Month() && today.Day() < birth.Day() {
		y--
	}
	return y
}

func masked(rs []Revealed) []Resident {
	out := make([]Resident, len(rs))
	for i := range rs {
		out[i] = rs[i].Resident
	}
	return out
}

// GridResidents is a page of the residents at the grid's addresses, by
// id after after, masked.
func (s *Service) GridResidents(ctx context.Context, c Caller, grid geo.Code, after int64, limit int) (ResidentPage, error) {
	if err := c.scope(RoleRead, grid, "read residents"); err != nil {
		return ResidentPage{}, err
	}
	var exists bool
	if err := s.st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM grid_code WHERE code = $1)`, string(grid)).Scan(&exists); err != nil {
		return ResidentPage{}, fmt.Errorf("grid residents: %w", err)
	}
	if !exists {
		return ResidentPage{}, refuse(KindNotFound, "no grid %s", grid)
	}
	rows, err := s.st.Pool().Query(ctx, residentSelect+` WHERE a.grid_code = $1 AND r.id > $2 ORDER BY r.id LIMIT $3`, string(grid), after, limit+1)
	if err != nil {
		return ResidentPage{}, fmt.Errorf("grid residents: %w", err)
	}
	rs, err := s.scanResidents(rows, false)
	if err != nil {
		return ResidentPage{}, err
	}
	p := ResidentPage{Grid: string(grid)}
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = rs[limit-1].ID
	}
	p.Residents = masked(rs)
	return p, nil
}

// AddressByID is a standard address with its houses, units and residents
// (masked).
func (s *Service) AddressByID(ctx context.Context, c Caller, id int64) (AddressDetail, error) {
	var d AddressDetail
	var retired *time.Time
	p := &d.Parts
	err := s.st.Pool().QueryRow(ctx, `
		SELECT id, code, full_text, city, county, town, village, villager_group, road, door_number, compound, building,
		       entrance, room, ST_X(geom), ST_Y(geom), grid_code, retired_at
		FROM standard_address WHERE id = $1`, id).Scan(&d.ID, &d.Code, &d.Address, &p.City, &p.County, &p.Town, &p.Village,
		&p.Group, &p.Road, &p.Number, &p.Compound, &p.Building, &p.Entrance, &p.Room, &d.Lon, &d.Lat, &d.GridCode, &retired)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, refuse(KindNotFound, "no standard address %d", id)
	}
	if err != nil {
		return d, fmt.Errorf("address %d: %w", id, err)
	}
	if err := c.scope(RoleRead, geo.Code(d.GridCode), "read addresses"); err != nil {
		return AddressDetail{}, err
	}
	d.Retired = retired != nil
	pool := s.st.Pool()
	rows, _ := pool.Query(ctx, `SELECT id, use, floor_area::float8 FROM house WHERE address_id = $1 ORDER BY id`, id)
	if d.Houses, err = pgx.CollectRows(rows, pgx.RowToStructByPos[House]); err != nil {
		return d, fmt.Errorf("address %d: houses: %w", id, err)
	}
	rows, _ = pool.Query(ctx, `SELECT id, name, category FROM unit WHERE address_id = $1 ORDER BY id`, id)
	if d.Units, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Unit]); err != nil {
		return d, fmt.Errorf("address %d: units: %w", id, err)
	}
	rows, err = pool.Query(ctx, residentSelect+` WHERE r.address_id = $1 ORDER BY r.id`, id)
	if err != nil {
		return d, fmt.Errorf("address %d: residents: %w", id, err)
	}
	rs, err := s.scanResidents(rows, false)
	if err != nil {
		return d, err
	}
	d.Residents = masked(rs)
	return d, nil
}

// FindByIDNumber finds the resident holding an ID number (by its keyed
// hash: the number is never compared in clear in the database), masked.
// A resident outside the caller's area is refused.
func (s *Service) FindByIDNumber(ctx context.Context, c Caller, idNumber string) ([]Resident, error) {
	if !c.atLeast(RoleRead) {
		return nil, refuse(KindForbidden, "searching residents needs role %s or higher; %s has role %s", RoleRead, c.ID, c.Role)
	}
	id, err := ParseIDNumber(idNumber, s.now())
	if err != nil {
		return nil, refuse(KindInvalid, "id_number: %v", err)
	}
	rows, err := s.st.Pool().Query(ctx, residentSelect+` WHERE r.id_number_hash = $1 ORDER BY r.id`, s.key.Hash(pii.FieldIDNumber, id.Clear()))
	if err != nil {
		return nil, fmt.Errorf("find resident: %w", err)
	}
	rs, err := s.scanResidents(rows, false)
	if err != nil {
		return nil, err
	}
	out := []Resident{}
	for _, r := range rs {
		if err := c.scope(RoleRead, geo.Code(r.GridCode), "read residents"); err != nil {
			return nil, err
		}
		out = append(out, r.Resident)
	}
	return out, nil
}

// MinReasonChars is the shortest reason a reveal accepts.
const MinReasonChars = 4

// Reveal gives a resident's name, ID number, phone and birth date in
// clear to an approver or admin whose area covers the resident's grid,
// for reason, which goes to the audit log with who asked (the values
// never do).
func (s *Service) Reveal(ctx context.Context, c Caller, id int64, reason, requestID string) (Revealed, error) {
	reason = strings.TrimSpace(reason)
	if !c.atLeast(RoleReveal) {
		return Revealed{}, refuse(KindForbidden, "revealing personal data needs role %s or higher; %s has role %s", RoleReveal, c.ID, c.Role)
	}
	if utf8.RuneCountInString(reason) < MinReasonChars {
		return Revealed{}, refuse(KindInvalid, "reason: say why the values are needed (at least %d characters); it goes to the audit log", MinReasonChars)
	}
	tx, err := s.st.Pool().Begin(ctx)
	if err != nil {
		return Revealed{}, fmt.Errorf("reveal: %w", err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, residentSelect+` WHERE r.id = $1`, id)
	if err != nil {
		return Revealed{}, fmt.Errorf("reveal: %w", err)
	}
	rs, err := s.scanResidents(rows, true)
	if err != nil {
		return Revealed{}, err
	}
	if len(rs) == 0 {
		return Revealed{}, refuse(KindNotFound, "no resident %d", id)
	}
	r := rs[0]
	if err := c.scope(RoleReveal, geo.Code(r.GridCode), "reveal residents"); err != nil {
		return Revealed{}, err
	}
	if err := s.st.Audit(ctx, tx, store.AuditEntry{Actor: c.ID, Action: "resident.reveal", Target: fmt.Sprintf("resident:%d", id),
		After:     map[string]any{"reason": reason, "fields": []string{"name", "id_number", "phone", "birth_date"}, "grid_code": r.GridCode},
		RequestID: requestID}); err != nil {
		return Revealed{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Revealed{}, fmt.Errorf("reveal: %w", err)
	}
	return r, nil
}
