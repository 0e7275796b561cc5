package eventstats

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/store"
)

// eventColumns are the columns the table keeps, in Event's order; no
// description and no reporter.
const eventColumns = `id, grid_code, type_code, status, urgent, ST_X(location), ST_Y(location),
	reported_at, due_at, closed_at, change_seq`

func scanEvents(rows pgx.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var lon, lat *float64
		var closed *time.Time
		if err := rows.Scan(&e.ID, &e.Grid, &e.Type, &e.Status, &e.Urgent, &lon, &lat,
			&e.ReportedAt, &e.DueAt, &closed, &e.Seq); err != nil {
			return nil, err
		}
		if lon != nil && lat != nil {
			e.Lon, e.Lat, e.HasLocation = *lon, *lat, true
		}
		if closed != nil {
			e.ClosedAt = *closed
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// loadAll reads every event, in id order, in one snapshot.
func loadAll(ctx context.Context, st *store.Store) ([]Event, error) {
	rows, err := st.Pool().Query(ctx, "SELECT "+eventColumns+" FROM event ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	return evs, nil
}

// loadChanged reads the events changed after seq, and those whose
// change_seq is one of gaps (changes committed late: see Holder), in
// change order.
func loadChanged(ctx context.Context, st *store.Store, seq int64, gaps []int64) ([]Event, error) {
	rows, err := st.Pool().Query(ctx, "SELECT "+eventColumns+
		" FROM event WHERE change_seq > $1 OR change_seq = ANY($2) ORDER BY change_seq", seq, gaps)
	if err != nil {
		return nil, fmt.Errorf("load changed events: %w", err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("load changed events: %w", err)
	}
	return evs, nil
}
