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
// them (all, or those written by transactions a former read could not
// see: change_xid, migration 009), where a read stands (its snapshot),
// and the grid of an address on a date.

const sqlAddressColumns = `
SELECT id, code, city, county, town, village, villager_group, road, door_number, compound,
       building, entrance, room, full_text, ST_X(geom), ST_Y(geom), grid_code`

// sqlAddresses reads every live standard address.
const sqlAddresses = sqlAddressColumns + ` FROM standard_address WHERE retired_at IS NULL ORDER BY id`

// sqlChanged reads the standard addresses, live or retired, last written
// by a transaction from $1 on or among $2 (transaction ids as text).
const sqlChanged = sqlAddressColumns + `, retired_at IS NOT NULL
FROM standard_address
WHERE change_xid >= $1::text::xid8 OR change_xid = ANY($2::text[]::xid8[])
ORDER BY id`

// sqlSnapshot is where the transaction's snapshot stands: the first
// transaction it cannot see (xmax) and those it cannot see below it (in
// progress when it was taken).
const sqlSnapshot = `
SELECT pg_snapshot_xmax(s)::text, ARRAY(SELECT x::text FROM pg_snapshot_xip(s) x)
FROM pg_current_snapshot() s`

const sqlVersion = `SELECT coalesce(max(version), 0) FROM dataset_version`

// sqlGridAt is the grid an address was assigned to at a time.
const sqlGridAt = `
SELECT grid_code FROM assignment
WHERE record_type = 'standard_address' AND record_id = $1 AND valid @> $2::timestamptz
LIMIT 1`

// cursor is where a read of the addresses stood: the transactions its
// snapshot could not see, from xmax on and those in xip. Every change of
// a transaction it saw was read; a later read must read the rows written
// by the others (change_xid), and only those.
type cursor struct {
	xmax string
	xip  []string
}

// readTx runs f in one read-only snapshot of the database, after reading
// the dataset version it belongs to and where the snapshot stands.
func readTx(ctx context.Context, st *store.Store, f func(tx pgx.Tx, version int64, at cursor) error) error {
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("load addresses: %w", err)
	}
	defer tx.Rollback(ctx)
	var version int64
	if err := tx.QueryRow(ctx, sqlVersion).Scan(&version); err != nil {
		return fmt.Errorf("load addresses: version: %w", err)
	}
	// Under repeatable read the snapshot is the transaction's, taken by
	// the first statement.
	var at cursor
	if err := tx.QueryRow(ctx, sqlSnapshot).Scan(&at.xmax, &at.xip); err != nil {
		return fmt.Errorf("load addresses: snapshot: %w", err)
	}
	return f(tx, version, at)
}

// loadAll reads every live address, the dataset version they belong to
// and where the read stood.
func loadAll(ctx context.Context, st *store.Store) (int64, cursor, []Entry, error) {
	var version int64
	var at cursor
	var out []Entry
	err := readTx(ctx, st, func(tx pgx.Tx, v int64, c cursor) error {
		version, at = v, c
		rows, err := tx.Query(ctx, sqlAddresses)
		if err != nil {
			return fmt.Errorf("load addresses: %w", err)
		}
		out, err = scanEntries(rows, nil)
		return err
	})
	return version, at, out, err
}

// changes reads the addresses written since a read that stood at since:
// the live ones (entries) and the ids of the retired ones, with the
// dataset version and where this read stands.
func changes(ctx context.Context, st *store.Store, since cursor) (version int64, at cursor, entries []Entry, retired []int64, err error) {
	err = readTx(ctx, st, func(tx pgx.Tx, v int64, c cursor) error {
		version, at = v, c
		// Planned for these values (an unnamed statement), never by a
		// cached generic plan: that one takes change_xid >= $1 for a third
		// of the table and scans it all, seconds at a whole city.
		rows, err := tx.Query(ctx, sqlChanged, pgx.QueryExecModeExec, since.xmax, since.xip)
		if err != nil {
			return fmt.Errorf("load changed addresses: %w", err)
		}
		entries, err = scanEntries(rows, &retired)
		return err
	})
	return version, at, entries, retired, err
}

// scanEntries reads the rows of sqlAddressColumns; with retired, each
// row has one more column, true for a retired address, whose id goes to
// retired instead.
func scanEntries(rows pgx.Rows, retired *[]int64) ([]Entry, error) {
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		a := &e.Address
		var grid string
		var gone bool
		dest := []any{&e.ID, &e.Code, &a.City, &a.County, &a.Town, &a.Village, &a.Group, &a.Road, &a.Number,
			&a.Compound, &a.Building, &a.Entrance, &a.Room, &e.Text, &e.Point[0], &e.Point[1], &grid}
		if retired != nil {
			dest = append(dest, &gone)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("load addresses: %w", err)
		}
		if gone {
			*retired = append(*retired, e.ID)
			continue
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
