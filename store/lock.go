package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
)

// LockVillages locks the area rows of the villages in code order, so two
// writers never wait for each other's villages in a cycle. Every writer of
// grids — the apply of an adjustment, its switch, its cancellation, and
// imports — locks this way before it writes, for the rest of tx.
func LockVillages(ctx context.Context, tx pgx.Tx, villages []geo.Code) error {
	if _, err := tx.Exec(ctx, `SELECT code FROM area WHERE code = ANY($1) ORDER BY code FOR UPDATE`, villages); err != nil {
		return fmt.Errorf("lock villages: %w", err)
	}
	return nil
}
