package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListenChannel holds one connection listening on a NOTIFY channel and
// calls fn with each payload. It returns when ctx ends or the connection
// fails; the caller reconnects (and should catch up once, since
// notifications sent while nobody listened are lost). ready, if not nil,
// is called once the LISTEN is in place. channel must be a plain
// identifier (it is quoted).
func (s *Store) ListenChannel(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", channel, err)
	}
	// The connection carries a LISTEN: take it out of the pool for good.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", channel, err)
	}
	if ready != nil {
		ready()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification on %s: %w", channel, err)
		}
		fn(n.Payload)
	}
}
