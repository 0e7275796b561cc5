package geocodetest

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Insert writes the addresses into standard_address (codes from their
// village's counter, the grid as generated), opens their grid assignment
// and bumps the dataset version, in one transaction. It sets ID and Code.
func Insert(ctx context.Context, st *store.Store, as []Address) (int64, error) {
	var version int64
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		perVillage := map[geo.Code]int{}
		for _, a := range as {
			perVillage[a.Grid.Village()]++
		}
		next := map[geo.Code]int{}
		for v, n := range perVillage {
			var first int
			if err := tx.QueryRow(ctx, `SELECT address_code_reserve($1, $2)`, string(v), n).Scan(&first); err != nil {
				return fmt.Errorf("reserve codes of %s: %w", v, err)
			}
			next[v] = first
		}
		cols := make([][]string, 14)
		lon, lat := make([]float64, len(as)), make([]float64, len(as))
		for i := range as {
			a := &as[i]
			v := a.Grid.Village()
			a.Code = fmt.Sprintf("%s%07d", v, next[v])
			next[v]++
			for k, s := range []string{a.Code, a.City, a.County, a.Town, a.Village, a.Group, a.Road, a.Number,
				a.Compound, a.Building, a.Entrance, a.Room, a.Text(), string(a.Grid)} {
				cols[k] = append(cols[k], s)
			}
			lon[i], lat[i] = a.Point[0], a.Point[1]
		}
		rows, err := tx.Query(ctx, `
INSERT INTO standard_address (code, city, county, town, village, villager_group, road, door_number,
    compound, building, entrance, room, full_text, grid_code, geom)
SELECT c, ci, co, t, v, g, r, n, cp, b, e, rm, ft, gc, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::float8[], $16::float8[])
    WITH ORDINALITY AS u(c, ci, co, t, v, g, r, n, cp, b, e, rm, ft, gc, x, y, ord)
ORDER BY ord
RETURNING id, code`, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9],
			cols[10], cols[11], cols[12], cols[13], lon, lat)
		if err != nil {
			return fmt.Errorf("insert addresses: %w", err)
		}
		ids := map[string]int64{}
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				return err
			}
			ids[code] = id
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert addresses: %w", err)
		}
		for i := range as {
			as[i].ID = ids[as[i].Code]
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO assignment (record_type, record_id, grid_code, valid)
SELECT 'standard_address', id, grid_code, tstzrange(created_at, NULL)
FROM standard_address WHERE id = ANY($1)`, idsOf(as)); err != nil {
			return fmt.Errorf("open assignments: %w", err)
		}
		return tx.QueryRow(ctx, `SELECT bump_dataset_version('geocodetest: standard addresses')`).Scan(&version)
	})
	return version, err
}

func idsOf(as []Address) []int64 {
	out := make([]int64, len(as))
	for i := range as {
		out[i] = as[i].ID
	}
	return out
}
