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
// them, a fingerprint that tells whether they changed, and the grid of an
// address on a date.

// sqlAddresses reads every live standard address.
const sqlAddresses = `
SELECT id, code, city, county, town, village, villager_group, road, door_number, compound,
       building, entrance, room, full_text, ST_X(geom), ST_Y(geom), grid_code
FROM standard_address WHERE retired_at IS NULL ORDER BY id`

// sqlFingerprint changes whenever a live address is added, retired,
// rewritten, moved or re-assigned (one pass, no rows sent).
const sqlFingerprint = `
SELECT count(*), coalesce(max(id), 0),
       coalesce(sum(hashtext(grid_code || full_text || geom::text)::bigint), 0)
FROM standard_address WHERE retired_at IS NULL`

const sqlVersion = `SELECT coalesce(max(version), 0) FROM dataset_version`

// sqlGridAt is the grid an address was assigned to at a time.
const sqlGridAt = `
SELECT grid_code FROM assignment
WHERE record_type = 'standard_address' AND record_id = $1 AND valid @> $2::timestamptz
LIMIT 1`

// fingerprint identifies the live addresses' content.
type fingerprint struct{ count, maxID, sum int64 }

// loaded is one consistent read of the addresses.
type loaded struct {
	version int64
	fp      fingerprint
	entries []Entry // nil when the fingerprint equals the one given
}

// loadAddresses reads the dataset version, the fingerprint and (unless
// the fingerprint is same) the live addresses in one snapshot of the
// database, so they belong together.
func loadAddresses(ctx context.Context, st *store.Store, same *fingerprint) (loaded, error) {
	var out loaded
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return out, fmt.Errorf("load addresses: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&out.version); err != nil {
		return out, fmt.Errorf("load addresses: version: %w", err)
	}
	if err := tx.QueryRow(ctx, sqlFingerprint).Scan(&out.fp.count, &out.fp.maxID, &out.fp.sum); err != nil {
		return out, fmt.Errorf("load addresses: fingerprint: %w", err)
	}
	if same != nil && *same == out.fp {
		return out, nil
	}
	rows, err := tx.Query(ctx, sqlAddresses)
	if err != nil {
		return out, fmt.Errorf("load addresses: %w", err)
	}
	out.entries = make([]Entry, 0, out.fp.count)
	for rows.Next() {
		var e Entry
		a := &e.Address
		var grid string
		if err := rows.Scan(&e.ID, &e.Code, &a.City, &a.County, &a.Town, &a.Village, &a.Group, &a.Road, &a.Number,
			&a.Compound, &a.Building, &a.Entrance, &a.Room, &e.Text, &e.Point[0], &e.Point[1], &grid); err != nil {
			return out, fmt.Errorf("load addresses: %w", err)
		}
		e.Grid = geo.Code(grid)
		out.entries = append(out.entries, e)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("load addresses: %w", err)
	}
	if out.entries == nil {
		out.entries = []Entry{}
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
