package geocode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// The SQL of geocoding: the live standard addresses as the index takes
// them (all, or those of some grids), the live addresses per grid (kept
// by triggers in record_count: an address added, retired or moved changes
// the count of its grids), and the grid of an address on a date.

const sqlAddressColumns = `
SELECT id, code, city, county, town, village, villager_group, road, door_number, compound,
       building, entrance, room, full_text, ST_X(geom), ST_Y(geom), grid_code
FROM standard_address WHERE retired_at IS NULL`

// sqlAddresses reads every live standard address.
const sqlAddresses = sqlAddressColumns + ` ORDER BY id`

// sqlGridAddresses reads the live standard addresses of some grids.
const sqlGridAddresses = sqlAddressColumns + ` AND grid_code = ANY($1::text[]) ORDER BY id`

// sqlGridCounts is the number of live addresses of every grid that has
// some.
const sqlGridCounts = `SELECT grid_code, addresses FROM record_count WHERE addresses <> 0`

const sqlVersion = `SELECT coalesce(max(version), 0) FROM dataset_version`

// sqlGridAt is the grid an address was assigned to at a time.
const sqlGridAt = `
SELECT grid_code FROM assignment
WHERE record_type = 'standard_address' AND record_id = $1 AND valid @> $2::timestamptz
LIMIT 1`

// readTx runs f in one read-only snapshot of the database, after reading
// the dataset version it belongs to.
func readTx(ctx context.Context, st *store.Store, f func(tx pgx.Tx, version int64) error) error {
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("load addresses: %w", err)
	}
	defer tx.Rollback(ctx)
	var version int64
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&version); err != nil {
		return fmt.Errorf("load addresses: version: %w", err)
	}
	return f(tx, version)
}

// loadAll reads every live address and the dataset version they belong
// to.
func loadAll(ctx context.Context, st *store.Store) (int64, []Entry, error) {
	var version int64
	var out []Entry
	err := readTx(ctx, st, func(tx pgx.Tx, v int64) error {
		version = v
		var err error
		out, err = scanEntries(ctx, tx, sqlAddresses)
		return err
	})
	return version, out, err
}

// changes reads what differs between the database and the addresses an
// index holds: the grids whose count of live addresses differs from
// have, with the grids of also, and the live addresses of all of them.
func changes(ctx context.Context, st *store.Store, have map[geo.Code]int32, also []geo.Code) (version int64, touched []geo.Code, entries []Entry, err error) {
	err = readTx(ctx, st, func(tx pgx.Tx, v int64) error {
		version = v
		rows, err := tx.Query(ctx, sqlGridCounts)
		if err != nil {
			return fmt.Errorf("load address counts: %w", err)
		}
		seen := make(map[geo.Code]bool, len(have))
		for rows.Next() {
			var g string
			var n int32
			if err := rows.Scan(&g, &n); err != nil {
				return fmt.Errorf("load address counts: %w", err)
			}
			seen[geo.Code(g)] = true
			if have[geo.Code(g)] != n {
				touched = append(touched, geo.Code(g))
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load address counts: %w", err)
		}
		for g := range have {
			if !seen[g] {
				touched = append(touched, g)
			}
		}
		set := make(map[geo.Code]bool, len(touched))
		for _, g := range touched {
			set[g] = true
		}
		for _, g := range also {
			if !set[g] {
				set[g] = true
				touched = append(touched, g)
			}
		}
		if len(touched) == 0 {
			return nil
		}
		codes := make([]string, len(touched))
		for i, g := range touched {
			codes[i] = string(g)
		}
		entries, err = scanEntries(ctx, tx, sqlGridAddresses, codes)
		return err
	})
	return version, touched, entries, err
}

func scanEntries(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]Entry, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("load addresses: %w", err)
	}
	out := []Entry{}
	for rows.Next() {
		var e Entry
		a := &e.Address
		var grid string
		if err := rows.Scan(&e.ID, &e.Code, &a.City, &a.County, &a.Town, &a.Village, &a.Group, &a.Road, &a.Number,
			&a.Compound, &a.Building, &a.Entrance, &a.Room, &e.Text, &e.Point[0], &e.Point[1], &grid); err != nil {
			return nil, fmt.Errorf("load addresses: %w", err)
		}
		e.Grid = geo.Code(grid)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load addresses: %w", err)
	}
	return out, nil
}

// ErrNoHistory says an address had no grid at the time asked.
var ErrNoHistory = errors.New("the address had no grid then")

// GridAt is the grid the address was in at time at (its assignment
// history).
func GridAt(ctx context.Context, st *store.Store, id int64, at time.Time) (geo.Code, error) {
	var g string
	err := st.Pool().QueryRow(ctx, sqlGridAt, id, at).Scan(&g)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNoHistory
	}
	if err != nil {
		return "", fmt.Errorf("grid of address %d at %s: %w", id, at.Format(time.RFC3339), err)
	}
	return geo.Code(g), nil
}
