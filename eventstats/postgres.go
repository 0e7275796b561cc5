package eventstats

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// FromPostgres answers q with PostgreSQL's own GROUP BY and
// percentile_cont over the event table: the tests' independent oracle and
// the other side of the benchmark. Three queries in one snapshot (a
// repeatable-read transaction); Version is left 0.
func FromPostgres(ctx context.Context, st *store.Store, q Query) (Stats, error) {
	prefix := q.Area.Short()
	if l := q.Area.Level(); l >= geo.LevelVillage {
		prefix = string(q.Area)
	}
	var from, to *time.Time
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	const where = ` FROM event WHERE grid_code LIKE $1 || '%'
		AND ($2::timestamptz IS NULL OR reported_at >= $2) AND ($3::timestamptz IS NULL OR reported_at < $3)`
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Stats{}, fmt.Errorf("statistics from PostgreSQL: %w", err)
	}
	defer tx.Rollback(context.Background())
	s := Stats{Area: q.Area.Short(), ByStatus: map[string]int{}, ByType: map[string]int{}, AsOf: q.Now}
	err = tx.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE closed_at IS NULL AND due_at < $4),
			count(*) FILTER (WHERE status = 'closed'),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at)::float8 / 3600) FILTER (WHERE status = 'closed'),
			percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at)::float8 / 3600) FILTER (WHERE status = 'closed')`+where,
		prefix, from, to, q.Now).Scan(&s.Total, &s.Overdue, &s.Closed, &s.MedianHoursToClose, &s.P90HoursToClose)
	if err != nil {
		return s, fmt.Errorf("statistics from PostgreSQL: %w", err)
	}
	for col, m := range map[string]map[string]int{"status": s.ByStatus, "type_code": s.ByType} {
		rows, err := tx.Query(ctx, "SELECT "+col+", count(*)"+where+" GROUP BY 1", prefix, from, to)
		if err != nil {
			return s, fmt.Errorf("statistics from PostgreSQL: %w", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return s, fmt.Errorf("statistics from PostgreSQL: %w", err)
			}
			m[k] = n
		}
		if err := rows.Err(); err != nil {
			return s, fmt.Errorf("statistics from PostgreSQL: %w", err)
		}
	}
	return s, nil
}
