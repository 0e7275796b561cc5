package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// VersionChannel is the NOTIFY channel bump_dataset_version() signals on;
// the payload is the new dataset version.
const VersionChannel = "gridmap_version"

// ListenVersions holds one connection listening for new dataset versions and
// calls fn with each version number as it is committed. It returns when ctx
// ends or the connection fails; the caller reconnects (and should reload
// once, since notifications sent while nobody listened are lost).
// ready, if not nil, is called once the LISTEN is in place.
func (s *Store) ListenVersions(ctx context.Context, ready func(), fn func(version int64)) error {
	return s.Listen(ctx, VersionChannel, ready, func(payload string) {
		v, err := strconv.ParseInt(payload, 10, 64)
		if err != nil {
			s.log.Warn("ignoring malformed version notification", "payload", payload)
			return
		}
		fn(v)
	})
}

// Listen holds one connection listening on channel (a constant name of
// the caller's, never user input) and calls fn with each notification's
// payload as it is committed. It returns when ctx ends or the connection
// fails; the caller reconnects (notifications sent while nobody listened
// are lost, so it catches up by other means). ready, if not nil, is
// called once the LISTEN is in place.
func (s *Store) Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
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
